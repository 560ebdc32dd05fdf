"""Queries: every supported parameter against stored events, canonical matching, paging, parties,
hostile parameters (typed errors with the parameter as field), on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.events.repo_data import COMPANY, chain, document, document_bytes, gtin
from trace_std.errors import TraceStdError
from trace_std.events.repository import canonical_id, capture
from trace_std.events.repository.query import get_events, parse_query, query
from trace_std.registry import Registry


@pytest.fixture
def stored(repo: Registry) -> Registry:
    assert capture(repo, document_bytes(10), party="exporter-a").stored == 40
    assert capture(repo, document_bytes(5, start=100), party="exporter-b").stored == 20
    return repo


def _times(repo: Registry, party: str | None = None, **params: str) -> list[str]:
    return [e["eventTime"] for e in query(repo, params, party=party).events]


def _count(repo: Registry, party: str | None = None, **params: str) -> int:
    return len(query(repo, {**params, "perPage": "1000"}, party=party).events)


def test_filters(stored: Registry) -> None:
    assert _count(stored) == 60
    assert _count(stored, "exporter-a") == 40 and _count(stored, "exporter-b") == 20
    assert _count(stored, eventType="AggregationEvent") == 15
    assert _count(stored, eventType="AggregationEvent,ObjectEvent") == 60
    assert _count(stored, EQ_bizStep="shipping") == 15
    assert _count(stored, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-shipping") == 15
    assert _count(stored, EQ_bizStep="urn:epcglobal:cbv:bizstep:packing") == 30
    assert _count(stored, EQ_disposition="in_transit") == 15
    assert _count(stored, EQ_action="OBSERVE") == 15
    # the SGLN URN and its Digital Link are the same location
    sgln = f"urn:epc:id:sgln:{COMPANY}.00010.0"
    assert _count(stored, EQ_bizLocation=sgln) == 60
    assert _count(stored, EQ_bizLocation=canonical_id(sgln)) == 60
    assert _count(stored, EQ_bizLocation="urn:epc:id:sgln:8935234.00011.0") == 0
    assert _count(stored, GE_eventTime="2025-08-13T00:00:00+07:00") == 15
    assert _count(stored, LT_eventTime="2025-08-13T00:00:00+07:00") == 45
    assert _count(stored, GE_recordTime="2020-01-01T00:00:00Z") == 60
    assert _count(stored, GE_recordTime="2999-01-01T00:00:00Z") == 0


def test_identifier_filters_match_any_spelling(stored: Registry) -> None:
    packing, aggregation, shipping = chain(3)[1:]
    carton = packing["epcList"][2]
    assert _count(stored, MATCH_epc=carton) == 2  # packed, then aggregated as a child
    assert _count(stored, MATCH_epc=canonical_id(carton).replace("id.gs1.org", "example.com")) == 2
    pallet = aggregation["parentID"]
    assert _count(stored, MATCH_epc=pallet) == 1  # shipped (epcList); the aggregation names it as parent
    assert _count(stored, MATCH_parentID=pallet) == 1
    assert _count(stored, MATCH_anyEPC=pallet) == 2
    assert _count(stored, MATCH_anyEPC=f"{pallet},{carton}") == 3
    lot = f"urn:epc:class:lgtin:{COMPANY}.0{gtin(3)[8:13]}.L0000003"
    assert _count(stored, MATCH_epcClass=lot) == 2  # harvested, then packed
    assert _count(stored, MATCH_anyEPCClass=canonical_id(lot)) == 2
    po = shipping["bizTransactionList"][0]["bizTransaction"]
    assert _count(stored, EQ_bizTransaction_po=po) == 1
    assert _count(stored, **{"EQ_bizTransaction_urn:epcglobal:cbv:btt:po": po}) == 1
    assert _count(stored, EQ_bizTransaction_inv=po) == 0
    assert _count(stored, EQ_source_owning_party=f"urn:epc:id:pgln:{COMPANY}.00001") == 15
    dest = shipping["destinationList"][0]["destination"]
    assert _count(stored, EQ_destination_owning_party=dest) == 15
    assert _count(stored, EQ_destination_possessing_party=dest) == 0
    # lots 3 (exporter-a) and 102 (exporter-b) come from the same planting area
    assert _count(stored, EQ_vn_plantingAreaCode="VN-SLOR-0004") == 2
    assert _count(stored, "exporter-a", EQ_vn_plantingAreaCode="VN-SLOR-0004") == 1
    assert _count(stored, EQ_vn_plantingAreaCode="vn-slor-0004,VN-SLOR-0005") == 4
    assert _count(stored, EQ_vn_packingHouseCode="VN-SLPH-001") == 15
    assert _count(stored, "exporter-b", EQ_vn_plantingAreaCode="VN-SLOR-0010") == 0


def test_paging_walks_every_event_once_in_order(stored: Registry) -> None:
    seen: list[str] = []
    params: dict[str, str] = {"perPage": "7"}
    pages = 0
    while True:
        page = query(stored, params, party=None)
        seen.extend(
            e["eventTime"] + e.get("eventID", "") + json.dumps(e, sort_keys=True) for e in page.events
        )
        pages += 1
        if page.next_page_token is None:
            break
        params = {"perPage": "7", "nextPageToken": page.next_page_token}
    assert pages == 9 and len(seen) == 60 and len(set(seen)) == 60
    assert _times(stored) == sorted(_times(stored), key=lambda t: t)  # same offset everywhere


@pytest.mark.parametrize("per_page", ["1", "2", "3"])
def test_paging_by_identifier_gives_each_event_once(stored: Registry, per_page: str) -> None:
    """The driving identifier filter reads keys: an event that matches with two values (its pallet
    and its carton) or in two roles is still one event, on one page."""
    packing, aggregation = chain(3)[1:3]
    wanted = {
        "MATCH_anyEPC": ",".join([aggregation["parentID"], *packing["epcList"][:2]]),
        "LT_eventTime": "2025-08-31T00:00:00Z",
        "perPage": per_page,
    }
    seen: list[str] = []
    params = dict(wanted)
    while True:
        page = query(stored, params, party=None)
        assert len(page.events) <= int(per_page)
        seen.extend(e["eventID"] for e in page.events)
        if page.next_page_token is None:
            break
        params = {**wanted, "nextPageToken": page.next_page_token}
    # packing (two cartons), aggregation (pallet and two children), shipping (the pallet)
    assert len(seen) == 3 and len(set(seen)) == 3
    assert _count(stored, **{k: v for k, v in wanted.items() if k != "perPage"}) == 3
    assert _count(stored, "exporter-b", MATCH_anyEPC=wanted["MATCH_anyEPC"]) == 0


def test_get_events_by_id_and_party(repo: Registry) -> None:
    doc = document(1)
    doc["epcisBody"]["eventList"][0]["eventID"] = "urn:uuid:6a8b2f2e-0000-4000-8000-000000000001"
    capture(repo, json.dumps(doc).encode(), party="a")
    assert len(get_events(repo, "urn:uuid:6a8b2f2e-0000-4000-8000-000000000001", party="a")) == 1
    assert get_events(repo, "urn:uuid:6a8b2f2e-0000-4000-8000-000000000001", party="b") == []
    assert len(get_events(repo, "urn:uuid:6a8b2f2e-0000-4000-8000-000000000001", party=None)) == 1
    event = query(repo, {"eventType": "AggregationEvent"}, party="a").events[0]
    assert event["eventID"].startswith("ni:///sha-256;")  # no eventID given: the event hash
    assert event["recordTime"].endswith("Z") and "@context" in event


@pytest.mark.parametrize(
    ("params", "code", "field"),
    [
        ({"EQ_bizStep": "x' OR '1'='1"}, None, None),  # bound: just no match
        ({"GE_eventTime": "2025-13-45T00:00:00Z"}, "epcis.query.parameter_invalid", "GE_eventTime"),
        ({"GE_eventTime": "yesterday"}, "epcis.query.parameter_invalid", "GE_eventTime"),
        ({"LT_eventTime": "2025-08-12T00:00:00"}, "epcis.query.parameter_invalid", "LT_eventTime"),
        ({"MATCH_epc": "x" * 10_000_000}, "epcis.query.parameter_invalid", "MATCH_epc"),
        ({"EQ_whatever": "1"}, "epcis.query.parameter_unknown", "EQ_whatever"),
        ({"EQ_bizTransaction_": "1"}, "epcis.query.parameter_unknown", "EQ_bizTransaction_"),
        ({"EQ_bizTransaction_a;drop": "1"}, "epcis.query.parameter_unknown", "EQ_bizTransaction_a;drop"),
        ({"perPage": "0"}, "epcis.query.parameter_invalid", "perPage"),
        ({"perPage": "١٠"}, "epcis.query.parameter_invalid", "perPage"),  # Arabic-Indic digits
        ({"perPage": "100000"}, "epcis.query.parameter_invalid", "perPage"),
        ({"eventType": "Evil"}, "epcis.query.parameter_invalid", "eventType"),
        ({"MATCH_epc": ",".join(["a"] * 101)}, "epcis.query.parameter_invalid", "MATCH_epc"),
        ({"MATCH_epc": "a,,b"}, "epcis.query.parameter_invalid", "MATCH_epc"),
        ({"EQ_readPoint": "a\x00b"}, "epcis.query.parameter_invalid", "EQ_readPoint"),
        ({"nextPageToken": "bm90IGEgdG9rZW4"}, "epcis.query.page_token", "nextPageToken"),
        ({"nextPageToken": "djEuOTk5OTk5OTk5OTk5OTk5OTk5OS4x"}, "epcis.query.page_token", "nextPageToken"),
    ],
)
def test_hostile_parameters(
    stored: Registry, params: dict[str, str], code: str | None, field: str | None
) -> None:
    if code is None:
        assert query(stored, params, party=None).events == []
        assert _count(stored) == 60
        return
    with pytest.raises(TraceStdError) as info:
        parse_query(params)
    assert (info.value.code, info.value.field) == (code, field)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.dictionaries(st.text(max_size=40), st.text(max_size=200), max_size=4))
def test_any_parameters_parse_or_raise_a_typed_error(params: dict[str, str]) -> None:
    try:
        parse_query(params)
    except TraceStdError as exc:
        assert exc.code.startswith("epcis.query.") and exc.field is not None
