"""Item 2 of issue 15: label files declared into the ledger, each line with its provenance."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from trace_std.audit.ledger import LedgerEntry, add_entries, crop_id, declare_labels
from trace_std.audit.models import LedgerRow
from trace_std.registry import Registry

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "examples/labels/sample-batch.csv"
HEADER = "gtin;lot;product_name;crop;harvest_date;pack_date;best_before;net_weight_kg;puc;phc;exporter;destination_market;serial;sscc"


def _row(serial: str, lot: str = "DF2503A", weight: str = "10,5", puc: str = "VN-DTOR-0017") -> str:
    return (
        f"08935234567895;{lot};Thanh long;Dragon fruit;2025-03-01;2025-03-05;2025-03-25;{weight};{puc};"
        f"VN-BTPH-036;Exporter A;CN;{serial};"
    )


def _file(*rows: str) -> io.BytesIO:
    data = io.BytesIO(("\ufeff" + HEADER + "\r\n" + "\r\n".join(rows) + "\r\n").encode("utf-8"))
    data.name = "week-12.csv"
    return data


def _lines(reg: Registry) -> list[Any]:
    with reg.read() as s:
        return list(s.execute(select(LedgerRow.__table__).order_by(LedgerRow.id)).all())


def test_declare_sums_cartons_per_lot_line_with_provenance(registry: Registry) -> None:
    f = _file(_row("1"), _row("2"), _row("3", lot="DF2503B", weight="12"))
    report = declare_labels(registry, f, actor="exporter-a")
    assert report.ok and report.applied and (report.rows, report.lines) == (3, 2)
    assert report.quantity_kg == pytest.approx(33.0)
    a, b = _lines(registry)
    assert (a.lot, a.cartons, a.quantity_kg, a.crop, a.puc, a.phc, a.market) == (
        "DF2503A",
        2,
        21.0,
        "dragon-fruit",
        "VN-DTOR-0017",
        "VN-BTPH-036",
        "CN",
    )
    assert (b.lot, b.cartons, b.quantity_kg, b.source_row) == ("DF2503B", 1, 12.0, 4)
    assert (a.source, a.source_name, a.source_row, a.declared_by) == (
        "labels",
        "week-12.csv",
        2,
        "exporter-a",
    )
    assert a.source_sha256 == report.sha256 and len(a.source_sha256) == 64
    assert (a.harvest_date, a.pack_date, a.ship_date) == (dt.date(2025, 3, 1), dt.date(2025, 3, 5), None)
    # declaring the same file again adds nothing
    f.seek(0)
    again = declare_labels(registry, f, actor="exporter-a")
    assert again.already_declared and len(_lines(registry)) == 2


def test_a_bad_row_records_nothing(registry: Registry) -> None:
    report = declare_labels(registry, _file(_row("1"), _row("2", weight="")), actor="x")
    assert not report.ok and not report.applied
    assert {(i["row"], i["code"]) for i in report.issues} >= {(3, report.issues[0]["code"])}
    assert _lines(registry) == []
    report = declare_labels(registry, _file(_row("1"), _row("2", puc="VN-DTOR-00X7")), actor="x")
    assert not report.ok and _lines(registry) == []


def test_dry_run_records_nothing(registry: Registry) -> None:
    report = declare_labels(registry, _file(_row("1")), actor="x", dry_run=True)
    assert report.ok and not report.applied and _lines(registry) == []


def test_second_source_plugs_in_with_its_own_provenance(registry: Registry) -> None:
    entries = [
        LedgerEntry(
            puc="VN-DTOR-0017",
            phc="VN-BTPH-036",
            lot="L1",
            quantity_kg=900.0,
            source_row=0,
            source_ref="ni:///sha-256;abc?ver=CBV2.0",
            ship_date=dt.date(2025, 3, 6),
            cartons=90,
        ),
    ]
    assert (
        add_entries(registry, entries, source="epcis", source_name="capture", sha256="e" * 64, actor="repo14")
        == 1
    )
    assert (
        add_entries(registry, entries, source="epcis", source_name="capture", sha256="e" * 64, actor="repo14")
        == 0
    )
    (row,) = _lines(registry)
    assert (row.source, row.source_ref, row.ship_date) == (
        "epcis",
        "ni:///sha-256;abc?ver=CBV2.0",
        dt.date(2025, 3, 6),
    )
    with pytest.raises(ValueError):
        add_entries(registry, entries, source="fax", source_name="x", sha256="e" * 64, actor="x")


def test_crop_ids() -> None:
    assert (
        crop_id(" Dragon  fruit ") == "dragon-fruit" and crop_id("durian") == "durian" and crop_id("") is None
    )


def test_cli_declare(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    good = tmp_path / "week.csv"
    good.write_bytes(_file(_row("1"), _row("2")).getvalue())
    run = [sys.executable, "-m", "trace_std.cli", "registry", "declare", "--database", str(db), str(good)]
    out = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.startswith("OK: ")
    again = subprocess.run(run, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout.startswith("ALREADY DECLARED")
    # the example batch has invalid rows on purpose: rejected, exit 1, nothing recorded
    bad = subprocess.run([*run[:-1], str(SAMPLE)], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1 and bad.stdout.startswith("REJECTED")
