"""The vn-fresh-produce and fsma204 profiles, on built documents and one defect at a time."""

from __future__ import annotations

import copy
import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.docs import test_error_examples
from tests.events.reference import ROOT
from trace_std.events import parse_context, validate
from trace_std.events.build import build_document, build_from_rows
from trace_std.events.profiles import cte_of, fsma_kdes, profile_table
from trace_std.gs1.keys import gtin_check_digit, sscc_check_digit

LABEL = ROOT / "examples" / "labels" / "valid-sonla-longan-cn.json"
sample_registry = test_error_examples.sample_registry  # the shared synthetic Son La registry fixture


def _doc() -> dict[str, Any]:
    return build_document(LABEL).document


def _codes(doc: dict[str, Any], profile: str, registry: Any = None) -> set[tuple[str, str]]:
    report = validate(json.dumps(doc).encode(), profile=profile, registry=registry)
    return {(i.code, i.field or "") for i in report.errors}


def test_built_document_passes_both_profiles() -> None:
    doc = _doc()
    assert [e["bizStep"] for e in doc["epcisBody"]["eventList"]] == ["commissioning", "packing", "shipping"]
    for profile in ("vn-fresh-produce", "fsma204"):
        assert _codes(doc, profile) == set()


def _event(doc: dict[str, Any], i: int) -> dict[str, Any]:
    event: dict[str, Any] = doc["epcisBody"]["eventList"][i]
    event.pop("eventID")  # edited events: their hash would no longer match
    return event


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            lambda d: _event(d, 0)["ilmd"].pop("cbvmda:lotNumber"),
            ("epcis.profile.field_missing", "/epcisBody/eventList/0/ilmd/cbvmda:lotNumber"),
        ),
        (
            lambda d: _event(d, 0)["ilmd"].pop("vn:plantingAreaCode"),
            ("epcis.profile.field_missing", "/epcisBody/eventList/0/ilmd/vn:plantingAreaCode"),
        ),
        (
            lambda d: _event(d, 0)["ilmd"].update({"vn:plantingAreaCode": "VN-SLOR-12"}),
            ("code.segment.length", "/epcisBody/eventList/0/ilmd/vn:plantingAreaCode"),
        ),
        (
            lambda d: _event(d, 0)["ilmd"].update({"vn:plantingAreaCode": "VN-SLPH-001"}),
            ("code.kind.mismatch", "/epcisBody/eventList/0/ilmd/vn:plantingAreaCode"),
        ),
        (
            lambda d: _event(d, 0)["ilmd"].update({"vn:harvestDate": "11/08/2025"}),
            ("epcis.profile.date_invalid", "/epcisBody/eventList/0/ilmd/vn:harvestDate"),
        ),
        (
            lambda d: _event(d, 1).pop("vn:packingHouseCode"),
            ("epcis.profile.field_missing", "/epcisBody/eventList/1/vn:packingHouseCode"),
        ),
        (
            lambda d: _event(d, 2).update({"vn:destinationMarket": "XX"}),
            ("epcis.profile.market_unknown", "/epcisBody/eventList/2/vn:destinationMarket"),
        ),
        (
            lambda d: d["epcisBody"]["eventList"].append(
                {
                    "type": "AggregationEvent",
                    "action": "ADD",
                    "eventTime": "2025-08-12T11:00:00+07:00",
                    "eventTimeZoneOffset": "+07:00",
                    "parentID": "urn:epc:id:sgtin:8936000.012001.1",
                    "childEPCs": ["urn:epc:id:sscc:8936000.0000000001"],
                }
            ),
            ("epcis.profile.parent_not_sscc", "/epcisBody/eventList/3/parentID"),
        ),
    ],
)
def test_vn_profile_defects(edit: Any, expected: tuple[str, str]) -> None:
    doc = _doc()
    edit(doc)
    assert expected in _codes(doc, "vn-fresh-produce")


def test_terms_are_recognised_by_expanded_iri() -> None:
    doc = _doc()
    text = json.dumps(doc).replace('"vn:', '"thai:').replace('"vn": "', '"thai": "')
    assert _codes(json.loads(text), "vn-fresh-produce") == set()
    other = json.loads(
        json.dumps(doc).replace("https://trace-std.org/ns/vn-fresh-produce/1/", "https://example.com/x/")
    )
    assert ("epcis.profile.field_missing", "/epcisBody/eventList/1/vn:packingHouseCode") in _codes(
        other, "vn-fresh-produce"
    )


def test_registry_status_and_market(sample_registry: Any) -> None:
    doc = _doc()
    assert _codes(doc, "vn-fresh-produce", sample_registry) == set()
    revoked = copy.deepcopy(doc)
    _event(revoked, 0)["ilmd"]["vn:plantingAreaCode"] = "VN-SLOR-0031"
    assert ("registry.code.revoked", "/epcisBody/eventList/0/ilmd/vn:plantingAreaCode") in _codes(
        revoked, "vn-fresh-produce", sample_registry
    )
    missing = copy.deepcopy(doc)
    _event(missing, 0)["ilmd"]["vn:plantingAreaCode"] = "VN-SLOR-0999"
    assert ("registry.code.not_found", "/epcisBody/eventList/0/ilmd/vn:plantingAreaCode") in _codes(
        missing, "vn-fresh-produce", sample_registry
    )


def test_fsma_kde_missing_names_the_rule() -> None:
    doc = _doc()
    ship = _event(doc, 2)
    ship.pop("bizTransactionList")
    ship.pop("vn:tlcSource")
    report = validate(json.dumps(doc).encode(), profile="fsma204")
    found = {
        (i.context["kde"], i.context["citation"]) for i in report.errors if i.code == "epcis.fsma.kde_missing"
    }
    assert found == {("reference_document", "21 CFR 1.1340(a)(8)"), ("tlc_source", "21 CFR 1.1340(a)(7)")}
    assert all(i.field == "/epcisBody/eventList/2" for i in report.errors)


def test_every_cte_has_its_kdes_and_citations() -> None:
    table = profile_table("fsma204")
    ctes = [r["cte"] for r in table["records"]]
    assert ctes == [
        "harvesting",
        "cooling",
        "initial_packing",
        "first_land_based_receiving",
        "shipping",
        "receiving",
        "transformation",
    ]
    for record in table["records"]:
        assert record["citation"].startswith("21 CFR 1.13")
        for kde in record["kdes"]:
            assert kde["citation"].startswith(record["citation"].split("(")[0]) and kde["rule"]
            assert kde["epcis"] in table["epcis_sources"]
    doc = _doc()
    assert [cte_of(e) for e in doc["epcisBody"]["eventList"]] == ["harvesting", "initial_packing", "shipping"]
    ctx = parse_context(doc["@context"])
    assert all(k["present"] for e in doc["epcisBody"]["eventList"] for k in fsma_kdes(e, ctx)[1])
    assert not all(
        k["present"] for e in doc["epcisBody"]["eventList"] for k in fsma_kdes(e)[1]
    )  # no vn: prefix


def _gtin(n: int) -> str:
    body = f"0893600012{n:03d}"
    return body + str(gtin_check_digit(body))


def _sscc(n: int) -> str:
    body = f"08936000{n:09d}"
    return body + str(sscc_check_digit(body))


@st.composite
def label_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    lots = draw(st.integers(1, 3))
    rows: list[dict[str, Any]] = []
    serial = draw(st.integers(1, 10**6))
    for lot_no in range(lots):
        harvest = dt.date(2025, 1, 1) + dt.timedelta(days=draw(st.integers(0, 300)))
        base = {
            "gtin": _gtin(draw(st.integers(0, 999))),
            "lot": draw(st.from_regex(r"[A-Z0-9]{1,8}", fullmatch=True)) + f"L{lot_no}",
            "harvest_date": harvest,
            "pack_date": harvest + dt.timedelta(days=draw(st.integers(0, 3))),
            "puc": draw(st.sampled_from(["VN-SLOR-0001", "VN-DTOR-0017", "VN-BTOR-0042"])),
            "phc": draw(st.sampled_from(["VN-SLPH-001", "VN-BTPH-036"])),
            "crop": draw(st.sampled_from(["longan", "dragon fruit", None])),
            "destination_market": draw(st.sampled_from(["CN", "US", "JP", None])),
        }
        serialised = draw(st.booleans())
        for _carton in range(draw(st.integers(1, 4))):
            row = {**base, "net_weight_kg": Decimal(draw(st.integers(10, 300))) / 10}
            if serialised:
                serial += 1
                row["serial"] = str(serial)
            if draw(st.booleans()):
                row["sscc"] = _sscc(draw(st.integers(0, 5)) + 10 * lot_no)
            rows.append(row)
    return rows


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(label_rows())
def test_round_trip_build_validate_hash(rows: list[dict[str, Any]]) -> None:
    doc = build_from_rows(rows)
    again = build_from_rows(copy.deepcopy(rows))
    assert json.dumps(doc) == json.dumps(again)  # deterministic: same rows, same bytes, same hashes
    data = json.dumps(doc).encode()
    for profile in ("vn-fresh-produce", "fsma204"):
        report = validate(data, profile=profile)
        assert [(i.code, i.field) for i in report.issues] == [], profile
    ids = [e["eventID"] for e in doc["epcisBody"]["eventList"]]
    assert len(set(ids)) == len(ids) and all(i.startswith("ni:///sha-256;") for i in ids)
