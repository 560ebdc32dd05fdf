"""The export writes exactly the bytes it wrote before the issue 16 speed work (every format, both backends).

``export_reference.py`` is a frozen copy of the exporter before that work. Both export the same registry:
the Sơn La sample, the hostile texts of ``test_export_streaming`` and values written straight into the
tables that the importer would never produce (CR/LF, quotes, control characters, empty strings, floats
whose ``repr`` is unusual, geometry texts that are not in ``json.dumps`` form, several approvals and
events per code, missing dates, products and lots with NULLs). Only the generation time may differ.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.registry import export_reference
from tests.registry.conftest import SAMPLE_JSON
from tests.registry.test_export_streaming import edge_file
from trace_std.registry import Registry, exporter

_STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")

#: (code, column, value) written over an imported code.
CODE_VALUES = [
    ("VN-DTOR-0001", "name", 'a,b "quoted"\r\nnext line'),
    ("VN-DTOR-0001", "area_ha", 1e20),
    ("VN-DTOR-0001", "geometry", '{"type": "Point", "coordinates": [105.10, 21]}'),
    ("VN-DTOR-0002", "owner", ""),
    ("VN-DTOR-0002", "area_ha", 0.1 + 0.2),
    ("VN-DTOR-0002", "geometry", '{"coordinates": [1.5, 2.5], "type": "Point"}'),
    ("VN-DTOR-0003", "address", None),
    ("VN-DTOR-0003", "area_ha", 5.0),
    ("VN-DTOR-0003", "geometry", '{"type":"Point","coordinates":[1.5,2.5]}'),
    ("VN-DTOR-0004", "area_ha", -0.0),
    ("VN-DTOR-0004", "geometry", '{"type": "Point", "coordinates": [1e-05, 2.5]}'),
    ("VN-DTOR-0005", "area_ha", 1e-7),
    (
        "VN-DTOR-0005",
        "geometry",
        '{"type": "Polygon", "coordinates": [[[1.0, 2.0], [3.5, 4.25], [1.0, 2.0]]]}',
    ),
    ("VN-DTOR-0006", "area_ha", 123456789012345678.0),
    ("VN-DTOR-0006", "geometry", '{"type": "Point", "coordinates": [-105.5, -0.001]}'),
    ("VN-DTOR-0007", "area_ha", 1e16),
    ("VN-DTOR-0007", "households", 2**31 - 1),
    ("VN-DTOR-0007", "geometry", '{"type": "Point", "coordinates": [100.0, 20.0]}'),
    ("VN-DTOR-0008", "households", 0),
    ("VN-DTOR-0008", "name", "\x01ctl\ttab\u2028sep\\back"),
    ("VN-DTOR-0008", "crops", '["a;b", "c\\\\d", "\\u00e9t\\u00e9"]'),
    ("VN-DTOR-0009", "crops", "[]"),
    ("VN-DTOR-0009", "varieties", "[]"),
    ("VN-DTOR-0009", "province_name", "=1+1"),
    ("VN-DTOR-0009", "commune_name", "-x, y"),
    ("VN-DTOR-0010", "issued", None),
    ("VN-DTOR-0010", "commune_code", "@1"),
    ("VN-DTOR-0010", "owner", "'+quoted apostrophe"),
    ("VN-DTOR-0011", "address", '"'),
    ("VN-DTOR-0011", "owner", "\r"),
    ("VN-DTOR-0011", "name", "trailing\n"),
]


def _hostile(reg: Registry, tmp_path: Path) -> None:
    assert reg.import_file(SAMPLE_JSON, actor="t").ok
    assert reg.import_file(edge_file(tmp_path), actor="t").ok
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC) if reg.backend == "postgresql" else "2025-01-01 00:00:00"
    with reg.engine.begin() as conn:
        for code, column, value in CODE_VALUES:
            conn.execute(text(f"UPDATE codes SET {column} = :v WHERE code = :c"), {"v": value, "c": code})
        ids = {c: i for c, i in conn.execute(text("SELECT code, id FROM codes WHERE code LIKE 'VN-DTOR-%'"))}
        conn.execute(
            text(
                "INSERT INTO market_approvals (code_id, market, approved, valid_to, registration_number, status) "
                "VALUES (:c, :m, :a, :v, :r, :s)"
            ),
            [
                {
                    "c": ids["VN-DTOR-0001"],
                    "m": "JP",
                    "a": None,
                    "v": dt.date(2026, 1, 2),
                    "r": 'x,"y"\n=z',
                    "s": "suspended",
                },
                {
                    "c": ids["VN-DTOR-0001"],
                    "m": "AU",
                    "a": dt.date(2024, 3, 4),
                    "v": None,
                    "r": None,
                    "s": "active",
                },
                {
                    "c": ids["VN-DTOR-0003"],
                    "m": "US",
                    "a": dt.date(2024, 3, 4),
                    "v": None,
                    "r": "",
                    "s": "revoked",
                },
            ],
        )
        conn.execute(
            text(
                "INSERT INTO status_history (code_id, from_status, to_status, date, reason, legal_doc, "
                "recorded_by, recorded_at) VALUES (:c, :f, :t, :d, :r, :l, :b, :at)"
            ),
            [
                {
                    "c": ids["VN-DTOR-0002"],
                    "f": "suspended",
                    "t": "active",
                    "d": dt.date(2024, 5, 1),
                    "r": "same day,\r\nsecond",
                    "l": "+x",
                    "b": 'a"b',
                    "at": now,
                },
                {
                    "c": ids["VN-DTOR-0002"],
                    "f": "active",
                    "t": "revoked",
                    "d": dt.date(2024, 5, 1),
                    "r": None,
                    "l": None,
                    "b": "@me",
                    "at": now,
                },
                {
                    "c": ids["VN-DTOR-0004"],
                    "f": None,
                    "t": "active",
                    "d": dt.date(2020, 1, 1),
                    "r": "",
                    "l": "",
                    "b": "\tx",
                    "at": now,
                },
            ],
        )
        if reg.backend == "sqlite":  # PostgreSQL text cannot hold NUL; SQLite's can
            conn.execute(
                text("UPDATE market_approvals SET registration_number = :r WHERE code_id = :c"),
                {"r": "nul\x00inside, too", "c": ids["VN-DTOR-0003"]},
            )
        gtin = conn.execute(text("SELECT gtin FROM products ORDER BY gtin")).scalars().first()
        conn.execute(
            text("UPDATE products SET name = :n, variety = NULL, exporter = :e WHERE gtin = :g"),
            {"n": 'Name, with "comma"', "e": "=x", "g": gtin},
        )
        conn.execute(
            text("UPDATE lots SET phc_id = NULL, market = NULL, harvest_date = NULL WHERE id = "
                 "(SELECT MIN(id) FROM lots)")
        )  # fmt: skip


@pytest.fixture
def hostile(registry: Registry, tmp_path: Path) -> Registry:
    _hostile(registry, tmp_path)
    return registry


def _same(reg: Registry, tmp_path: Path, fmt: str) -> bytes:
    new, old = tmp_path / f"new.{fmt}", tmp_path / f"old.{fmt}"
    info = exporter.export(reg, format=fmt, out=new)
    ref = export_reference.export(reg, format=fmt, out=old)
    got, want = new.read_bytes(), old.read_bytes()
    assert _STAMP.sub(b"T", got) == _STAMP.sub(b"T", want)
    assert (info.sha256, info.counts) == (ref.sha256, ref.counts)
    return got


@pytest.mark.parametrize("fmt", exporter.FORMATS)
def test_same_bytes_as_before_hostile_registry(hostile: Registry, tmp_path: Path, fmt: str) -> None:
    got = _same(hostile, tmp_path, fmt)
    assert b"VN-DTOR-0011" in got and b"Name, with" in got  # the hostile rows are in it


@pytest.mark.parametrize("fmt", exporter.FORMATS)
def test_same_bytes_as_before_in_small_batches(
    hostile: Registry, tmp_path: Path, fmt: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batch and chunk boundaries fall inside codes' approval and history rows."""
    monkeypatch.setattr(exporter, "BATCH", 2)
    _same(hostile, tmp_path, fmt)


@pytest.mark.parametrize("fmt", exporter.FORMATS)
def test_same_bytes_as_before_empty_registry(registry: Registry, tmp_path: Path, fmt: str) -> None:
    _same(registry, tmp_path, fmt)


@pytest.mark.parametrize("fmt", exporter.FORMATS)
def test_same_text_stream_as_before(hostile: Registry, fmt: str) -> None:
    import io

    new, old = io.StringIO(), io.StringIO()
    exporter.export(hostile, format=fmt, out=new)
    export_reference.export(hostile, format=fmt, out=old)
    assert _STAMP.sub(b"T", new.getvalue().encode()) == _STAMP.sub(b"T", old.getvalue().encode())


#: Values at the edges of the encoders' fast paths (float texts near the switch to exponents, geometry
#: numbers ``repr`` writes otherwise, list cells with escapes, formula triggers after an apostrophe,
#: separators): the bytes must be the reference exporter's.
EDGE_VALUES = [
    ("VN-DTOR-0001", "area_ha", 1e15),
    ("VN-DTOR-0002", "area_ha", 999999999999999.9),
    ("VN-DTOR-0003", "area_ha", 1e-4),
    ("VN-DTOR-0004", "area_ha", 9.999999999999999e-05),
    ("VN-DTOR-0005", "area_ha", 1e14),
    ("VN-DTOR-0006", "area_ha", -1.5),
    ("VN-DTOR-0007", "area_ha", 0.0),
    ("VN-DTOR-0008", "area_ha", 123456.7),
    ("VN-DTOR-0001", "geometry", '{"type": "Point", "coordinates": [0.00001, 0.0001]}'),
    ("VN-DTOR-0002", "geometry", '{"type": "Point", "coordinates": [-0, -0.0]}'),
    ("VN-DTOR-0003", "geometry", '{"type": "Point", "coordinates": [105, 21.10]}'),
    ("VN-DTOR-0004", "geometry", '{"type": "Point", "coordinates": [105.0, 0.5]}'),
    ("VN-DTOR-0005", "geometry", '{"type": "Point", "coordinates": [1234567.5, 1.25]}'),
    ("VN-DTOR-0006", "geometry", '{"type": "Point", "coordinates": [105.12345678, 21.1234567]}'),
    ("VN-DTOR-0007", "geometry", '{"type": "Point",  "coordinates": [105.1, 21.2]}'),
    ("VN-DTOR-0001", "crops", '["\\u00e9t\\u00e9", "b"]'),
    ("VN-DTOR-0002", "crops", '["a","b"]'),
    ("VN-DTOR-0003", "crops", '[ "a" ]'),
    ("VN-DTOR-0004", "crops", '["=a", "b,c"]'),
    ("VN-DTOR-0005", "crops", '["a\\tb"]'),
    ("VN-DTOR-0006", "varieties", '["x\\"y"]'),
    ("VN-DTOR-0007", "varieties", '["-1"]'),
    ("VN-DTOR-0008", "varieties", "null"),
    ("VN-DTOR-0009", "name", "'=not a formula"),
    ("VN-DTOR-0010", "name", "''"),
    ("VN-DTOR-0011", "name", "\u2028x, \u00e9\x7f"),
]


@pytest.mark.parametrize("fmt", exporter.FORMATS)
def test_same_bytes_as_before_sql_edges(hostile: Registry, tmp_path: Path, fmt: str) -> None:
    with hostile.engine.begin() as conn:
        for code, column, value in EDGE_VALUES:
            conn.execute(text(f"UPDATE codes SET {column} = :v WHERE code = :c"), {"v": value, "c": code})
    _same(hostile, tmp_path, fmt)
