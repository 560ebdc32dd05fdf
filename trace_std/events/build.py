"""Build an EPCIS 2.0 document from label rows: harvest, pack, palletise, ship.

:func:`build_document` reads a label file (CSV, XLSX, JSON Lines, or one label JSON, through
:func:`trace_std.label.batch.iter_file`) or takes label ``dict``\\ s, groups the valid rows by lot
(GTIN + lot) and writes, per lot:

1. **harvest**: ObjectEvent ADD, bizStep ``commissioning``, the lot's quantity (kg, ``KGM``) as a
   GTIN + lot class, ILMD ``cbvmda:lotNumber``, ``vn:plantingAreaCode``, ``vn:harvestDate``,
   ``vn:variety``;
2. **pack**: ObjectEvent ADD, bizStep ``packing`` at the packing house (``vn:packingHouseCode``), the
   serialised cartons (``/01/…/21/…``) when the rows have serials, ILMD lot, packing date and the
   field (PUC);
3. **palletise**: one AggregationEvent ADD per SSCC: the cartons (or their count) onto the pallet;
4. **ship** (when the rows name a destination market): ObjectEvent OBSERVE, bizStep ``shipping``,
   the pallets (or cartons) with the lot's quantity, ``vn:destinationMarket`` and the destination.

Output is deterministic (no clock, no random numbers): event times come from the label dates, every
eventID is the CBV 2.0 event hash of its event, so the same rows always give the same document and
the same hashes. Places without a GS1 key are named by URIs under ``https://id.trace-std.org/``
(``puc/<code>``, ``phc/<code>``, ``market/<ISO 3166 code>``, ``lot/<GTIN>/<lot>`` for the harvest
and packing records).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from trace_std.events.hashing import event_hash
from trace_std.gs1.digital_link import percent_encode

__all__ = ["CONTEXT", "NAMESPACE", "BuildResult", "build_document", "build_from_rows"]

NAMESPACE = "https://trace-std.org/ns/vn-fresh-produce/1/"
CONTEXT: list[Any] = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"vn": NAMESPACE, "cbvmda": "urn:epcglobal:cbv:mda:"},
]
PLACES = "https://id.trace-std.org/"
OFFSET = "+07:00"


@dataclasses.dataclass
class BuildResult:
    """The document, how many label rows went into it, and the rows left out (with their issues)."""

    document: dict[str, Any]
    rows_used: int
    rows_skipped: int
    issues: list[Any]

    @property
    def events(self) -> int:
        return len(self.document["epcisBody"]["eventList"])


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _time(day: dt.date, hour: int) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00{OFFSET}"


def _dl(ai_values: Iterable[tuple[str, str]]) -> str:
    return "https://id.gs1.org" + "".join(f"/{ai}/{percent_encode(v)}" for ai, v in ai_values)


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _place(kind: str, code: str) -> str:
    return f"{PLACES}{kind}/{percent_encode(code)}"


def _finish(event: dict[str, Any]) -> dict[str, Any]:
    event["eventID"] = event_hash(event, context=CONTEXT)
    return {"eventID": event.pop("eventID"), **event}


def _lot_events(rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    first = rows[0]
    gtin, lot = str(first["gtin"]), str(first["lot"])
    harvest = _day(first["harvest_date"])
    pack = _day(first["pack_date"])
    puc, phc = first.get("puc"), first.get("phc")
    market = first.get("destination_market")
    crop = first.get("crop")
    lot_class = _dl([("01", gtin), ("10", lot)])
    weight = sum((Decimal(str(r.get("net_weight_kg") or 0)) for r in rows), Decimal(0))
    quantity = [{"epcClass": lot_class, "quantity": _number(weight), "uom": "KGM"}]
    record = {"type": "prodorder", "bizTransaction": f"{PLACES}lot/{gtin}/{percent_encode(lot)}"}
    farm = _place("puc", str(puc)) if puc else None
    house = _place("phc", str(phc)) if phc else None
    cartons = [_dl([("01", gtin), ("21", str(r["serial"]))]) for r in rows if r.get("serial")]
    events: list[dict[str, Any]] = []

    ilmd: dict[str, Any] = {"cbvmda:lotNumber": lot}
    if puc:
        ilmd["vn:plantingAreaCode"] = str(puc)
    ilmd["vn:harvestDate"] = harvest.isoformat()
    if crop:
        ilmd["vn:variety"] = str(crop)
    harvest_event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": _time(harvest, 6),
        "eventTimeZoneOffset": OFFSET,
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "quantityList": quantity,
        "bizTransactionList": [record],
        "ilmd": ilmd,
    }
    if farm:
        harvest_event["bizLocation"] = {"id": farm}
    if house:
        harvest_event["destinationList"] = [{"type": "location", "destination": house}]
    events.append(_finish(harvest_event))

    pack_ilmd: dict[str, Any] = {"cbvmda:lotNumber": lot, "vn:packingDate": pack.isoformat()}
    if puc:
        pack_ilmd["vn:plantingAreaCode"] = str(puc)
    if crop:
        pack_ilmd["vn:variety"] = str(crop)
    pack_event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": _time(pack, 10),
        "eventTimeZoneOffset": OFFSET,
        "action": "ADD",
        "bizStep": "packing",
        "disposition": "active",
    }
    if cartons:
        pack_event["epcList"] = cartons
    pack_event["quantityList"] = quantity
    if house:
        pack_event["bizLocation"] = {"id": house}
    pack_event["bizTransactionList"] = [record]
    pack_event["ilmd"] = pack_ilmd
    if phc:
        pack_event["vn:packingHouseCode"] = str(phc)
    if house:
        pack_event["vn:tlcSource"] = house
    events.append(_finish(pack_event))

    pallets: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row.get("sscc"):
            pallets.setdefault(str(row["sscc"]), []).append(row)
    for sscc in sorted(pallets):
        members = pallets[sscc]
        agg: dict[str, Any] = {
            "type": "AggregationEvent",
            "eventTime": _time(pack, 11),
            "eventTimeZoneOffset": OFFSET,
            "parentID": _dl([("00", sscc)]),
            "action": "ADD",
            "bizStep": "packing",
            "disposition": "active",
        }
        serials = [_dl([("01", gtin), ("21", str(r["serial"]))]) for r in members if r.get("serial")]
        if serials:
            agg["childEPCs"] = serials
        if len(serials) < len(members):
            agg["childQuantityList"] = [{"epcClass": lot_class, "quantity": len(members) - len(serials)}]
        if house:
            agg["bizLocation"] = {"id": house}
        events.append(_finish(agg))

    if not market:  # no destination: nothing is known to be shipped yet
        return events
    ship: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": _time(pack, 16),
        "eventTimeZoneOffset": OFFSET,
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
    }
    shipped = [_dl([("00", s)]) for s in sorted(pallets)]
    loose = [
        c for c, r in zip(cartons, [r for r in rows if r.get("serial")], strict=True) if not r.get("sscc")
    ]
    if shipped or loose:
        ship["epcList"] = shipped + loose
    ship["quantityList"] = quantity
    if house:
        ship["bizLocation"] = {"id": house}
        ship["sourceList"] = [{"type": "location", "source": house}]
    ship["destinationList"] = [{"type": "location", "destination": _place("market", str(market))}]
    ship["vn:destinationMarket"] = str(market)
    ship["bizTransactionList"] = [record]
    if house:
        ship["vn:tlcSource"] = house
    events.append(_finish(ship))
    return events


def build_from_rows(rows: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """An EPCISDocument for label value rows (dicts with ``gtin``, ``lot``, ``harvest_date``,
    ``pack_date``, ``net_weight_kg`` and optionally ``puc``, ``phc``, ``crop``, ``destination_market``,
    ``serial``, ``sscc``). Rows are grouped by (GTIN, lot) in order of first appearance."""
    lots: dict[tuple[str, str], list[Mapping[str, Any]]] = {}
    for row in rows:
        lots.setdefault((str(row["gtin"]), str(row["lot"])), []).append(row)
    events: list[dict[str, Any]] = []
    for group in lots.values():
        events += _lot_events(group)
    latest = max((e["eventTime"] for e in events), default=_time(dt.date(2000, 1, 1), 0))
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": latest,
        "epcisBody": {"eventList": events},
    }


def build_document(source: Any, *, name: str | None = None) -> BuildResult:
    """Build from a label file (path or binary stream: CSV, XLSX, JSON Lines, one label JSON) or from an
    iterable of label ``dict``\\ s. Rows with errors are left out and returned in ``issues``; a file that
    cannot be read raises its ``file.*`` error."""
    from trace_std.label.batch import RowResult, iter_file

    if isinstance(source, (list, tuple)):
        import io
        import json

        data = "\n".join(json.dumps(row, default=str, ensure_ascii=False) for row in source).encode()
        source, name = io.BytesIO(data), name or "labels.jsonl"
    rows: list[Mapping[str, Any]] = []
    issues: list[Any] = []
    skipped = 0
    for item in iter_file(source, values=True, name=name):
        if not isinstance(item, RowResult):
            continue
        if item.valid and item.values is not None and "gtin" in item.values and "lot" in item.values:
            rows.append(item.values)
        else:
            skipped += 1
            issues += [i for i in item.issues if str(i.severity) == "error"]
    return BuildResult(build_from_rows(rows), len(rows), skipped, issues)
