"""A small clean registry for the audit rules: two durian PUCs of two holders, a packing house near
them, authorisations, CN approvals through an imported GACC register. Clean lines raise no finding;
each test plants one anomaly next to its clean neighbour."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from typing import Any

from trace_std.audit.authorisations import import_authorisations
from trace_std.audit.ledger import LedgerEntry, add_entries
from trace_std.audit.registers import import_register
from trace_std.registry import Registry

A, B, C = "VN-DTOR-0001", "VN-DTOR-0002", "VN-DTOR-0003"
P, Q, FAR = "VN-DTPH-001", "VN-DTPH-002", "VN-HNPH-001"
POINT_A = (105.60, 10.45)
_ROWS = itertools.count(1)


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def build(reg: Registry) -> Registry:
    global _ROWS
    _ROWS = itertools.count(1)
    codes = [
        {
            "code": A,
            "crops": ["durian"],
            "area_ha": 10.0,
            "owner": "Holder A",
            "issued": "2023-01-02",
            "geometry": _point(*POINT_A),
        },
        {
            "code": B,
            "crops": ["durian"],
            "area_ha": 5.0,
            "owner": "Holder B",
            "issued": "2023-01-02",
            "geometry": _point(105.70, 10.50),
        },
        {
            "code": C,
            "crops": ["durian"],
            "area_ha": 8.0,
            "owner": "Holder A",
            "issued": "2023-01-02",
            "geometry": _point(105.62, 10.47),
        },
        {"code": P, "issued": "2023-01-02", "geometry": _point(105.65, 10.40)},
        {"code": Q, "issued": "2023-01-02", "geometry": _point(105.66, 10.41)},
        {"code": FAR, "issued": "2023-01-02", "geometry": _point(105.85, 21.03)},
    ]
    for c in codes:
        reg.upsert_code(c, actor="t")
    register = [
        {
            "chinaRegNo": f"QVN{i:04d}",
            "overseasOfficialRegNo": code.replace("-", " - "),
            "prodNameEn": "Durian",
            "corpTypeNameEn": "Packing house" if "PH" in code else "Orchard",
            "validFrom": "2023-05-01",
            "validTo": "2999-12-31",
            "regState": "1",
        }
        for i, code in enumerate((A, B, C, P, Q, FAR))
    ]
    assert import_register(reg, json.dumps(register).encode(), actor="t", on=dt.date(2025, 1, 1)).ok
    auths = [
        {
            "ref": f"UQ-{puc}-{phc}",
            "puc": puc,
            "phc": phc,
            "crops": ["durian"],
            "valid_from": "2025-01-01",
            "valid_to": "2025-12-31",
        }
        for puc in (A, B, C)
        for phc in (P, FAR)
    ]
    assert import_authorisations(reg, json.dumps(auths).encode(), actor="t").ok
    return reg


def line(
    puc: str = A,
    phc: str | None = P,
    *,
    kg: float = 1000.0,
    lot: str | None = None,
    gtin: str | None = "08935234567895",
    crop: str | None = "durian",
    market: str | None = "CN",
    harvest: dt.date | None = dt.date(2025, 5, 1),
    pack: dt.date | None = dt.date(2025, 5, 3),
    ship: dt.date | None = dt.date(2025, 5, 5),
    exporter: str | None = None,
) -> LedgerEntry:
    n = next(_ROWS)
    return LedgerEntry(
        puc=puc,
        phc=phc,
        quantity_kg=kg,
        source_row=n,
        lot=lot or f"L{puc[-4:]}-{n}",
        gtin=gtin,
        crop=crop,
        market=market,
        harvest_date=harvest,
        pack_date=pack,
        ship_date=ship,
        exporter=exporter,
    )


def declare(reg: Registry, *entries: LedgerEntry, sha: str = "a" * 64) -> None:
    add_entries(reg, list(entries), source="labels", source_name="test.csv", sha256=sha, actor="t")
