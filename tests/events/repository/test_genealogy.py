"""Genealogy: backward from a pallet or lot to harvests, planting areas and packing houses; forward
from a lot, a planting area or a date range to cartons, pallets, shipments and destinations; the
walk is recursive SQL on both backends; SVG picture."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import xml.etree.ElementTree as ET

import pytest

from tests.events.repo_data import CONTEXT, chain, document_bytes, gtin
from trace_std.errors import TraceStdError
from trace_std.events.repository import canonical_id, capture
from trace_std.events.repository.genealogy import svg, trace
from trace_std.registry import Registry


@pytest.fixture
def stored(repo: Registry) -> Registry:
    assert capture(repo, document_bytes(12), party="exporter-a").stored == 48
    return repo


def test_backward_from_a_pallet_reaches_the_harvest(stored: Registry) -> None:
    aggregation = chain(5)[2]
    result = trace(stored, epc=aggregation["parentID"])  # URN spelling of the SSCC
    kinds = {n["id"]: n["kind"] for n in result.nodes}
    lot = f"https://id.gs1.org/01/{gtin(5)}/10/L0000005"
    assert kinds[lot] == "lot"
    assert sum(1 for k in kinds.values() if k == "item") == 4
    assert result.planting_areas == ["VN-SLOR-0006"] and result.packing_houses == ["VN-SLPH-001"]
    steps = sorted(e["bizStep"] for e in result.events)
    assert steps == ["commissioning", "packing", "packing", "shipping"]
    assert {n["depth"] for n in result.nodes} == {0, 1, 2}
    # nothing of the other lots
    assert all("L0000005" in n["id"] or "/21/5" in n["id"] or "/00/" in n["id"] for n in result.nodes)


def test_backward_from_a_lot_in_either_spelling(stored: Registry) -> None:
    a = trace(stored, gtin=gtin(7), lot="L0000007")
    b = trace(stored, epc=canonical_id(f"https://id.gs1.org/01/{gtin(7)}/10/L0000007"))
    assert a.as_dict() == b.as_dict()
    assert a.planting_areas == ["VN-SLOR-0008"]


def test_forward_from_a_lot_a_planting_area_and_dates(stored: Registry) -> None:
    result = trace(stored, direction="forward", gtin=gtin(2), lot="L0000002")
    assert any(n["kind"] == "pallet" for n in result.nodes)
    assert result.destinations == ["https://id.gs1.org/417/4012345000009"]
    assert "shipping" in {e["bizStep"] for e in result.events}
    by_area = trace(stored, direction="forward", puc="vn-slor-0003")
    assert by_area.start == [f"https://id.gs1.org/01/{gtin(2)}/10/L0000002"]
    assert {n["id"] for n in by_area.nodes} == {n["id"] for n in result.nodes}
    all_lots = trace(
        stored,
        direction="forward",
        since=dt.datetime(2025, 8, 1, tzinfo=dt.UTC),
        until=dt.datetime(2025, 9, 1, tzinfo=dt.UTC),
    )
    assert len(all_lots.start) == 12 and sum(n["kind"] == "pallet" for n in all_lots.nodes) == 12
    nothing = trace(stored, direction="forward", since=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    assert nothing.nodes == [] and nothing.events == []


def test_a_deep_chain_is_walked_to_the_bottom(repo: Registry) -> None:
    """Five levels: container -> pallet -> case -> inner pack -> carton -> lot."""
    events = chain(1)
    levels = [f"urn:epc:id:sscc:8935234.{d}000000001" for d in range(1, 5)]
    parent_of_cartons = events[2]["parentID"]
    tops = [*levels, parent_of_cartons]
    for upper, lower in itertools.pairwise(tops):
        events.append({
            "type": "AggregationEvent", "eventTime": "2025-08-20T10:00:00.000+07:00",
            "eventTimeZoneOffset": "+07:00", "action": "ADD", "bizStep": "packing",
            "parentID": upper, "childEPCs": [lower],
        })  # fmt: skip
    doc = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2025-08-20T10:00:00Z", "epcisBody": {"eventList": events}}  # fmt: skip
    job = capture(repo, json.dumps(doc).encode(), party="p")
    assert job.state == "succeeded", job.errors
    result = trace(repo, epc=levels[0])
    assert max(n["depth"] for n in result.nodes) == 6
    assert result.planting_areas == ["VN-SLOR-0002"]
    assert len(trace(repo, epc=levels[0], max_depth=3).nodes) == 4


def test_svg_is_well_formed_and_escapes(stored: Registry) -> None:
    picture = svg(trace(stored, gtin=gtin(1), lot="L0000001"))
    root = ET.fromstring(picture)
    assert root.tag.endswith("svg")
    assert "VN-SLOR-0002" in picture


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({}, "lot"),
        ({"gtin": "123", "lot": "L1"}, "gtin"),
        ({"gtin": gtin(1)}, "lot"),
        ({"gtin": gtin(1), "lot": "x" * 21}, "lot"),
        ({"epc": "x" * 1000}, "epc"),
        ({"direction": "sideways", "epc": "x"}, "direction"),
        ({"puc": "VN-SLOR-0001"}, "lot"),  # a planting area is a forward start only
    ],
)
def test_bad_starts_are_typed_errors(repo: Registry, kwargs: dict[str, str], field: str) -> None:
    with pytest.raises(TraceStdError) as info:
        trace(repo, **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field
