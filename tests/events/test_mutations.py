"""One defect per class, planted in the first event of every reference document: the validator
reports the expected code at the expected JSON Pointer."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.events.reference import REJECTED, load, reference_files, rel
from trace_std.events import validate

FILES = [p for p in reference_files() if rel(p) not in REJECTED]
Mutation = Callable[[dict[str, Any]], tuple[str, str] | None]


def _events(doc: dict[str, Any]) -> tuple[list[Any], str]:
    if doc.get("type") == "EPCISDocument":
        return doc["epcisBody"]["eventList"], "/epcisBody/eventList"
    if doc.get("type") == "EPCISQueryDocument":
        return doc["epcisBody"]["queryResults"]["resultsBody"][
            "eventList"
        ], "/epcisBody/queryResults/resultsBody/eventList"
    return [doc], ""


def first(doc: dict[str, Any]) -> tuple[dict[str, Any], str]:
    events, base = _events(doc)
    return events[0], (f"{base}/0" if base else "")


def bad_bizstep(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["bizStep"] = "transforming"
    return "epcis.vocab.unknown", f"{at}/bizStep"


def bad_disposition(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["disposition"] = "in_transport"
    return "epcis.vocab.unknown", f"{at}/disposition"


def cbv_urn(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["bizStep"] = "urn:epcglobal:cbv:bizstep:shipping"
    return "epcis.vocab.cbv_uri", f"{at}/bizStep"


def unnamespaced(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["myField"] = "x"
    return "epcis.field.unknown", f"{at}/myField"


def undeclared_prefix(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["zz9:myField"] = "x"
    return "epcis.extension.prefix", f"{at}/zz9:myField"


def bad_time(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["eventTime"] = "2025-08-12 07:30:00"
    return "epcis.time.format", f"{at}/eventTime"


def no_offset(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["eventTime"] = "2025-08-12T07:30:00"
    return "epcis.time.format", f"{at}/eventTime"


def record_before_event(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["eventTime"] = "2025-08-12T07:30:00+07:00"
    event["recordTime"] = "2025-08-12T00:29:59Z"
    return "epcis.time.order", f"{at}/recordTime"


def bad_offset(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["eventTimeZoneOffset"] = "+7:00"
    return "epcis.timezone.format", f"{at}/eventTimeZoneOffset"


def missing_time(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    del event["eventTime"]
    return "epcis.field.required", f"{at}/eventTime"


def duplicate_id(doc: dict[str, Any]) -> tuple[str, str] | None:
    events, base = _events(doc)
    if not base:
        return None
    twin = copy.deepcopy(events[0])
    twin["eventID"] = events[0]["eventID"] = "urn:uuid:6a1c0a36-1f43-4cbb-a0b8-1b39d1b3e0a1"
    events.append(twin)
    return "epcis.event_id.duplicate", f"{base}/{len(events) - 1}/eventID"


def sgtin_in_epc_class(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    name = {
        "AggregationEvent": "childQuantityList",
        "AssociationEvent": "childQuantityList",
        "TransformationEvent": "outputQuantityList",
    }.get(event["type"], "quantityList")
    event[name] = [{"epcClass": "urn:epc:id:sgtin:0614141.107346.2017", "quantity": 1}]
    return "epcis.epc.level", f"{at}/{name}/0/epcClass"


def class_in_epc_list(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    name = {
        "AggregationEvent": "childEPCs",
        "AssociationEvent": "childEPCs",
        "TransformationEvent": "outputEPCList",
    }.get(event["type"], "epcList")
    event[name] = ["https://id.gs1.org/01/09521234543213/10/LOT1"]
    return "epcis.epc.level", f"{at}/{name}/0"


def bad_check_digit(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    name = {
        "AggregationEvent": "childEPCs",
        "AssociationEvent": "childEPCs",
        "TransformationEvent": "outputEPCList",
    }.get(event["type"], "epcList")
    event[name] = ["https://id.gs1.org/01/09521234543214/21/1"]
    return "gs1.lint.csum", f"{at}/{name}/0"


def qualifier_order(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["readPoint"] = {"id": "https://id.gs1.org/01/09521234543213/21/1/10/L"}
    return "dl.qualifier.order", f"{at}/readPoint/id"


def sgtin_as_location(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["bizLocation"] = {"id": "urn:epc:id:sgtin:0614141.107346.2017"}
    return "epcis.epc.key_type", f"{at}/bizLocation/id"


def bad_urn(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["readPoint"] = {"id": "urn:epc:id:sgln:0614141.0734.0"}
    return "epcis.epc.syntax", f"{at}/readPoint/id"


def bad_uom(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    name = {
        "AggregationEvent": "childQuantityList",
        "AssociationEvent": "childQuantityList",
        "TransformationEvent": "outputQuantityList",
    }.get(event["type"], "quantityList")
    event[name] = [{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": 2.5, "uom": "ZZZ"}]
    return "epcis.uom.unknown", f"{at}/{name}/0/uom"


def text_quantity(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    name = {
        "AggregationEvent": "childQuantityList",
        "AssociationEvent": "childQuantityList",
        "TransformationEvent": "outputQuantityList",
    }.get(event["type"], "quantityList")
    event[name] = [{"epcClass": "urn:epc:class:lgtin:4012345.012345.998877", "quantity": "2", "uom": "KGM"}]
    return "epcis.field.type", f"{at}/{name}/0/quantity"


def ilmd_on_observe(doc: dict[str, Any]) -> tuple[str, str] | None:
    event, at = first(doc)
    if event["type"] != "ObjectEvent":
        return None
    event["action"] = "OBSERVE"
    event["ilmd"] = {}
    return "epcis.ilmd.action", f"{at}/ilmd"


def object_without_what(doc: dict[str, Any]) -> tuple[str, str] | None:
    event, at = first(doc)
    if event["type"] != "ObjectEvent":
        return None
    for name in ("epcList", "quantityList", "sensorElementList"):
        event.pop(name, None)
    return "epcis.what.missing", f"{at}/epcList"


def transformation_incomplete(doc: dict[str, Any]) -> tuple[str, str] | None:
    event, at = first(doc)
    if event["type"] != "TransformationEvent":
        return None
    for name in ("outputEPCList", "outputQuantityList", "transformationID"):
        event.pop(name, None)
    return "epcis.transformation.incomplete", f"{at}/inputEPCList"


def bad_action(doc: dict[str, Any]) -> tuple[str, str] | None:
    event, at = first(doc)
    if event["type"] == "TransformationEvent":
        return None
    event["action"] = "UPDATE"
    return "epcis.value.invalid", f"{at}/action"


def error_reason(doc: dict[str, Any]) -> tuple[str, str]:
    event, at = first(doc)
    event["errorDeclaration"] = {"declarationTime": "2025-08-13T00:00:00Z", "reason": "typo"}
    return "epcis.vocab.unknown", f"{at}/errorDeclaration/reason"


MUTATIONS: list[Mutation] = [
    bad_bizstep,
    bad_disposition,
    cbv_urn,
    unnamespaced,
    undeclared_prefix,
    bad_time,
    no_offset,
    record_before_event,
    bad_offset,
    missing_time,
    duplicate_id,
    sgtin_in_epc_class,
    class_in_epc_list,
    bad_check_digit,
    qualifier_order,
    sgtin_as_location,
    bad_urn,
    bad_uom,
    text_quantity,
    ilmd_on_observe,
    object_without_what,
    transformation_incomplete,
    bad_action,
    error_reason,
]


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.__name__ for m in MUTATIONS])
@pytest.mark.parametrize("path", FILES, ids=[rel(p) for p in FILES])
def test_mutation_is_caught(path: Path, mutation: Mutation) -> None:
    doc = load(path)
    expected = mutation(doc)
    if expected is None:
        pytest.skip(f"{mutation.__name__} does not apply to this event type")
    report = validate(json.dumps(doc).encode(), check_hashes=False)
    found = {(i.code, i.field) for i in report.errors}
    assert expected in found, sorted(found)[:6]
