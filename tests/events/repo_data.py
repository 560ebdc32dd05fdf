"""Synthetic EPCIS documents shaped like the Vietnamese export chain, for the repository tests and
benchmarks: harvest (ADD, a lot class in quantityList, the PUC in ilmd), packing (unique carton
SGTINs, the PHC), palletising (cartons onto an SSCC pallet) and shipping (the pallet, a purchase
order, source and destination parties). Deterministic for a seed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

VN = "https://trace-std.org/ns/vn-fresh-produce/1/"
CONTEXT: list[Any] = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"vn": VN}]
COMPANY = "8935234"


def check_digit(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def gtin(i: int) -> str:
    body = f"0{COMPANY}{i % 100:05d}"
    return body + check_digit(body)


def sscc(i: int) -> str:
    body = f"0{COMPANY}{i:09d}"
    return body + check_digit(body)


def chain(i: int, *, cartons: int = 4, day: int = 12) -> list[dict[str, Any]]:
    """The four events of lot ``i``: harvest, packing, palletising, shipping."""
    g = gtin(i)
    lot = f"L{i:07d}"
    puc = f"VN-SLOR-{(i % 99) + 1:04d}"
    hh = f"{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}"
    base = {"eventTimeZoneOffset": "+07:00", "bizLocation": {"id": f"urn:epc:id:sgln:{COMPANY}.00010.0"}}
    items = [f"urn:epc:id:sgtin:{COMPANY}.0{g[8:13]}.{i}{k:03d}" for k in range(cartons)]
    s = sscc(i)
    pallet = f"urn:epc:id:sscc:{COMPANY}.{s[0]}{s[8:17]}"
    return [
        {
            "type": "ObjectEvent",
            "eventTime": f"2025-08-{day:02d}T{hh}.100+07:00",
            "action": "ADD",
            "bizStep": "commissioning",
            "disposition": "active",
            "quantityList": [
                {"epcClass": f"https://id.gs1.org/01/{g}/10/{lot}", "quantity": 250.5, "uom": "KGM"}
            ],
            "ilmd": {"vn:plantingAreaCode": puc, "vn:harvestDate": f"2025-08-{day:02d}"},
            **base,
        },
        {
            "type": "ObjectEvent",
            "eventTime": f"2025-08-{day:02d}T{hh}.200+07:00",
            "action": "ADD",
            "bizStep": "packing",
            "disposition": "active",
            "epcList": items,
            "quantityList": [
                {"epcClass": f"https://id.gs1.org/01/{g}/10/{lot}", "quantity": 40, "uom": "KGM"}
            ],
            "ilmd": {"vn:packingHouseCode": "VN-SLPH-001"},
            **base,
        },
        {
            "type": "AggregationEvent",
            "eventTime": f"2025-08-{day:02d}T{hh}.300+07:00",
            "action": "ADD",
            "bizStep": "packing",
            "parentID": pallet,
            "childEPCs": items,
            **base,
        },
        {
            "type": "ObjectEvent",
            "eventTime": f"2025-08-{day + 1:02d}T{hh}.400+07:00",
            "action": "OBSERVE",
            "bizStep": "shipping",
            "disposition": "in_transit",
            "epcList": [pallet],
            "bizTransactionList": [
                {"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:{COMPANY}00003:PO{i}"}
            ],
            "sourceList": [{"type": "owning_party", "source": f"urn:epc:id:pgln:{COMPANY}.00001"}],
            "destinationList": [
                {"type": "owning_party", "destination": "https://id.gs1.org/417/4012345000009"}
            ],
            **base,
        },
    ]


def events(n_lots: int, *, start: int = 0) -> Iterator[dict[str, Any]]:
    for i in range(start, start + n_lots):
        yield from chain(i)


def document(n_lots: int, *, start: int = 0) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-08-14T10:00:00Z",
        "epcisBody": {"eventList": list(events(n_lots, start=start))},
    }


def document_bytes(n_lots: int, *, start: int = 0) -> bytes:
    return json.dumps(document(n_lots, start=start)).encode()
