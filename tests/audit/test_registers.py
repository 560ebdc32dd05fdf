"""Item 1 of issue 15: authorisations, yield ceilings, GACC register import (all or nothing)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from sqlalchemy import func, select

from trace_std.audit.authorisations import (
    import_authorisations,
    list_authorisations,
    set_authorisation_status,
    upsert_authorisation,
)
from trace_std.audit.capacity import ceilings, default_tolerance
from trace_std.audit.models import AuthorisationEvent, RegisterEntry
from trace_std.audit.registers import crop_for_product, import_register
from trace_std.data import load
from trace_std.errors import TraceStdError
from trace_std.registry import Registry

CODES = [
    {"code": "VN-DTOR-0574", "crops": ["durian"], "area_ha": 10.0, "issued": "2023-01-02"},
    {"code": "VN-DTOR-0575", "crops": ["durian"], "area_ha": 5.0, "issued": "2023-01-02"},
    {"code": "VN-BTPH-036", "issued": "2023-01-02"},
]


@pytest.fixture
def reg(registry: Registry) -> Registry:
    for c in CODES:
        registry.upsert_code(c, actor="t")
    return registry


def _gacc(**over: str) -> dict[str, str]:
    row = {
        "chinaRegNo": "QVNM0001",
        "overseasOfficialRegNo": "VN - DTOR - 0574",
        "corpNameEn": "Orchard A",
        "provinceNameEn": "Dong Thap, Viet Nam",
        "countryCode": "704",
        "corpTypeNameEn": "Orchard",
        "corpTypeNameCn": "生产型",
        "prodNameEn": "Durian",
        "prodNameCn": "榴莲",
        "prodNameLa": "Durio zibethinus",
        "validFrom": "2023-05-01",
        "validTo": "2999-12-31",
        "regState": "1",
    }
    row.update(over)
    return row


def test_yield_table_provenance_and_checksum() -> None:
    table = load("crop_yields")
    body = json.dumps(
        {"yields": table["yields"], "records": table["records"]}, ensure_ascii=False, sort_keys=True
    )
    assert hashlib.sha256(body.encode()).hexdigest() == table["source"]["sha256"]
    assert all(r["source"] for r in table["yields"])
    ids = {r["id"] for r in table["yields"]}
    for rec in table["records"]:
        assert set(rec["from"]) <= ids
        # the ceiling is the largest published figure of its sources
        assert rec["yield_t_per_ha"] == max(
            r["yield_t_per_ha"] for r in table["yields"] if r["id"] in rec["from"]
        )
    assert ceilings()["durian"].t_per_ha == 20.0
    assert ceilings()["mango"].t_per_ha == pytest.approx(3.9 * 3)
    assert default_tolerance() == table["tolerance"]["value"] > 1


def test_crop_names_checksum_and_mapping() -> None:
    table = load("crop_names")
    body = json.dumps(table["records"], ensure_ascii=False, sort_keys=True)
    assert hashlib.sha256(body.encode()).hexdigest() == table["source"]["sha256"]
    assert crop_for_product("DURIAN") == crop_for_product(None, "榴莲") == "durian"
    assert crop_for_product("Dragon  Fruit") == "dragon-fruit"
    assert crop_for_product("Rambutan", "", None) is None


def test_gacc_import_normalises_codes_and_maps_approvals(reg: Registry) -> None:
    rows = [
        _gacc(),
        _gacc(chinaRegNo="QVNM0002", overseasOfficialRegNo="VN - DTOR - 0575", regState="2"),
        _gacc(
            chinaRegNo="QVNP0003",
            overseasOfficialRegNo="VN - BTPH - 036",
            corpTypeNameEn="Packing house",
            corpTypeNameCn="包装加工型",
            validTo="2024-01-01",
        ),
        _gacc(
            chinaRegNo="QVNM0009", overseasOfficialRegNo="VN-DTOR-0999"
        ),  # not in our registry: kept in the register
    ]
    report = import_register(reg, json.dumps({"data": rows}).encode(), actor="t", on=dt.date(2025, 6, 1))
    assert report.ok and report.applied, report.issues
    assert report.created == {"register": 4, "approvals": 3}
    a = reg.get_code("VN-DTOR-0574")
    assert a is not None
    (cn,) = [m for m in a.markets if m.market == "CN"]
    assert (cn.status, cn.registration_number, cn.valid_to) == ("active", "QVNM0001", None)
    b = reg.get_code("VN-DTOR-0575")
    assert b is not None and [m.status for m in b.markets if m.market == "CN"] == ["suspended"]
    phc = reg.get_code("VN-BTPH-036")
    assert phc is not None and [m.status for m in phc.markets if m.market == "CN"] == [
        "revoked"
    ]  # past validTo
    with reg.read() as s:
        kinds = dict(s.execute(select(RegisterEntry.code, RegisterEntry.kind)).all())
        statuses = dict(s.execute(select(RegisterEntry.code, RegisterEntry.status)).all())
    assert kinds == {
        "VN-DTOR-0574": "puc",
        "VN-DTOR-0575": "puc",
        "VN-BTPH-036": "phc",
        "VN-DTOR-0999": "puc",
    }
    assert statuses["VN-BTPH-036"] == "expired"
    # re-import of the same file: approvals unchanged, the snapshot replaced (not doubled)
    again = import_register(reg, json.dumps({"data": rows}).encode(), actor="t", on=dt.date(2025, 6, 1))
    assert again.unchanged == {"approvals": 3} and again.updated == {"approvals": 0}
    with reg.read() as s:
        assert s.scalar(select(func.count()).select_from(RegisterEntry)) == 4


def test_gacc_csv_from_excel_semicolons_bom(reg: Registry) -> None:
    row = _gacc()
    header = ";".join(row)
    line = ";".join(row.values())
    data = ("\ufeff" + header + "\r\n" + line + "\r\n\r\n").encode("utf-8")
    report = import_register(reg, data, actor="t", on=dt.date(2025, 6, 1))
    assert report.ok and report.created["register"] == 1


@pytest.mark.parametrize(
    ("over", "code", "pointer"),
    [
        ({"overseasOfficialRegNo": ""}, "registry.import.field_missing", "/1/overseasOfficialRegNo"),
        ({"overseasOfficialRegNo": "not a code"}, "registry.import.code_invalid", "/1/overseasOfficialRegNo"),
        ({"regState": "7"}, "registry.import.field_invalid", "/1/regState"),
        ({"validFrom": "01/05/2023"}, "registry.import.field_invalid", "/1/validFrom"),
        ({"validTo": "2020-01-01"}, "registry.import.field_invalid", "/1/validTo"),
        ({"prodNameEn": ["x"]}, "registry.import.field_invalid", "/1/prodNameEn"),
    ],
)
def test_gacc_bad_row_changes_nothing(
    reg: Registry, over: dict[str, object], code: str, pointer: str
) -> None:
    import_register(reg, json.dumps([_gacc()]).encode(), actor="t", on=dt.date(2025, 6, 1))
    before = reg.get_code("VN-DTOR-0575")
    bad = _gacc(chinaRegNo="QVNM0002", overseasOfficialRegNo="VN - DTOR - 0575")
    bad.update(over)  # type: ignore[arg-type]
    report = import_register(
        reg, json.dumps([_gacc(regState="2"), bad]).encode(), actor="t", on=dt.date(2025, 6, 1)
    )
    assert not report.ok and not report.applied
    assert [(i.code, i.pointer) for i in report.issues] == [(code, pointer)]
    assert reg.get_code("VN-DTOR-0575") == before
    a = reg.get_code("VN-DTOR-0574")
    assert a is not None and [m.status for m in a.markets] == [
        "active"
    ]  # the good row was not applied either


@pytest.mark.parametrize("data", [b"", b"\xff\xfe\x00garbage", b"[1, 2", b'{"nothing": 1}', b"[" * 100_000])
def test_gacc_unreadable_files(reg: Registry, data: bytes) -> None:
    with pytest.raises(TraceStdError) as info:
        import_register(reg, data, actor="t")
    assert info.value.code == "registry.import.unreadable"


AUTH = {
    "ref": "UQ-2025-001",
    "puc": "vn-dtor-0574",
    "phc": "VN - BTPH - 036",
    "crops": ["durian"],
    "valid_from": "2025-01-01",
    "valid_to": "2025-12-31",
    "volume_cap_kg": 50000,
}


def test_authorisations_import_upsert_and_history(reg: Registry) -> None:
    report = import_authorisations(reg, json.dumps({"authorisations": [AUTH]}).encode(), actor="holder")
    assert report.ok and report.created == {"authorisations": 1}
    (rec,) = list_authorisations(reg, puc="VN-DTOR-0574")
    assert (rec.puc, rec.phc, rec.crops, rec.volume_cap_kg) == (
        "VN-DTOR-0574",
        "VN-BTPH-036",
        ("durian",),
        50000.0,
    )
    assert rec.valid_on(dt.date(2025, 1, 1)) and rec.valid_on(dt.date(2025, 12, 31))
    assert not rec.valid_on(dt.date(2024, 12, 31)) and not rec.valid_on(dt.date(2026, 1, 1))
    again = import_authorisations(reg, json.dumps([AUTH]).encode(), actor="holder")
    assert again.unchanged == {"authorisations": 1}
    revoked = set_authorisation_status(
        reg, "UQ-2025-001", "revoked", reason="letter withdrawn", actor="insp", on=dt.date(2025, 7, 1)
    )
    assert revoked.status == "revoked" and [h["to"] for h in revoked.history] == ["active", "revoked"]
    assert list_authorisations(reg, phc="VN-BTPH-036")[0].status == "revoked"
    with pytest.raises(TraceStdError) as info:
        set_authorisation_status(reg, "UQ-2025-001", "revoked", reason="x", actor="i")
    assert info.value.code == "registry.status.unchanged"
    with pytest.raises(TraceStdError) as info:
        set_authorisation_status(reg, "nope", "revoked", reason="x", actor="i")
    assert info.value.code == "registry.authorisation.not_found"


def test_authorisation_history_is_append_only(reg: Registry) -> None:
    from sqlalchemy.exc import DBAPIError

    upsert_authorisation(reg, AUTH, actor="holder")
    with pytest.raises(DBAPIError), reg.engine.begin() as conn:
        conn.execute(AuthorisationEvent.__table__.delete())


@pytest.mark.parametrize(
    ("over", "code", "field"),
    [
        ({"ref": None}, "registry.import.field_missing", "ref"),
        ({"phc": None}, "registry.import.field_missing", "phc"),
        ({"puc": "VN-BTPH-036"}, "registry.import.code_invalid", "puc"),
        ({"phc": "VN-DTOR-0575"}, "registry.import.code_invalid", "phc"),
        ({"puc": "VN-DTOR-0999"}, "registry.import.unknown_reference", "puc"),
        ({"valid_to": "2024-01-01"}, "registry.authorisation.invalid", "valid_to"),
        ({"valid_from": "1/1/2025"}, "registry.import.field_invalid", "valid_from"),
        ({"volume_cap_kg": -5}, "registry.import.field_invalid", "volume_cap_kg"),
        ({"volume_cap_kg": True}, "registry.import.field_invalid", "volume_cap_kg"),
        ({"crops": "Sầu riêng"}, "registry.import.field_invalid", "crops"),
        ({"exporter": "A\u202eB"}, "registry.import.field_invalid", "exporter"),
        ({"status": "paused"}, "registry.status.invalid", "status"),
        ({"colour": "red"}, "registry.import.field_invalid", "colour"),
    ],
)
def test_bad_authorisation_rejects_the_whole_file(
    reg: Registry, over: dict[str, object], code: str, field: str
) -> None:
    bad = {**AUTH, "ref": "UQ-2", **over}
    report = import_authorisations(reg, json.dumps([AUTH, bad]).encode(), actor="h")
    assert not report.applied
    assert [(i.code, i.field) for i in report.issues] == [(code, field)]
    assert list_authorisations(reg) == []
    with pytest.raises(TraceStdError) as info:
        upsert_authorisation(reg, bad, actor="h")
    assert info.value.code == code


def test_authorisations_csv_and_duplicate_refs(reg: Registry) -> None:
    csv_text = (
        "ref,puc,phc,exporter,crops,valid_from,valid_to,volume_cap_kg\r\n"
        'UQ-1,VN-DTOR-0574,VN-BTPH-036,,durian,2025-01-01,,"12,5"\r\n'
        "UQ-1,VN-DTOR-0575,,Exporter B,durian|longan,2025-01-01,2025-06-30,\r\n"
    )
    report = import_authorisations(reg, csv_text.encode(), actor="h")
    assert [(i.code, i.row) for i in report.issues] == [("registry.import.duplicate", 3)]
    report = import_authorisations(
        reg, csv_text.replace("UQ-1,VN-DTOR-0575", "UQ-2,VN-DTOR-0575").encode(), actor="h"
    )
    assert report.ok, report.issues
    recs = {r.ref: r for r in list_authorisations(reg)}
    assert recs["UQ-1"].volume_cap_kg == 12.5 and recs["UQ-1"].valid_to is None
    assert recs["UQ-2"].crops == ("durian", "longan") and recs["UQ-2"].exporter == "Exporter B"
