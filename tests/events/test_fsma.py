"""The FSMA 204 sortable spreadsheet and ``trace-std events build|fsma204``."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.events.reference import ROOT
from trace_std.errors import TraceStdError
from trace_std.events.build import build_document
from trace_std.events.fsma import COLUMNS, parse_lot_code, sortable_rows, write_csv, write_xlsx

LABELS = ROOT / "examples" / "labels" / "sample-batch.csv"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "trace_std.cli", "events", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_rows_from_events_and_from_labels_are_the_same() -> None:
    doc = json.dumps(build_document(LABELS).document).encode()
    from_events = list(sortable_rows(io.BytesIO(doc)))
    from_labels = list(sortable_rows(LABELS))
    assert from_events == from_labels
    assert [r["Critical Tracking Event"] for r in from_events][:3] == [
        "Harvesting",
        "Initial packing",
        "Shipping",
    ]
    assert all(set(r) == {c for c, _ in COLUMNS} for r in from_events)


def test_filters_by_lot_code_and_date() -> None:
    all_rows = list(sortable_rows(LABELS))
    lots = {r["Traceability Lot Code"] for r in all_rows}
    assert len(lots) == 2
    one = list(sortable_rows(LABELS, lots=["08935234567895/DF2503A"]))
    assert {r["Traceability Lot Code"] for r in one} == {"(01)08935234567895(10)DF2503A"}
    assert one == list(sortable_rows(LABELS, lots=["https://id.gs1.org/01/08935234567895/10/DF2503A"]))
    import datetime as dt

    day = list(sortable_rows(LABELS, start=dt.date(2025, 3, 5), end=dt.date(2025, 3, 5)))
    assert {r["Event Date"] for r in day} == {"2025-03-05"} and len(day) == 2
    with pytest.raises(TraceStdError):
        parse_lot_code("08935234567895")


def test_csv_and_xlsx(tmp_path: Path) -> None:
    rows = list(sortable_rows(LABELS))
    out = io.StringIO()
    assert write_csv(rows, out) == len(rows)
    assert list(csv.DictReader(io.StringIO(out.getvalue()))) == rows
    openpyxl = pytest.importorskip("openpyxl")
    assert write_xlsx(rows, tmp_path / "t.xlsx") == len(rows)
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    values = list(sheet.values)
    assert list(values[0]) == [c for c, _ in COLUMNS]
    assert [dict(zip(values[0], (v or "" for v in row), strict=True)) for row in values[1:]] == rows


def test_cli_build_and_fsma204(tmp_path: Path) -> None:
    out = tmp_path / "events.jsonld"
    built = _run("build", str(LABELS), "-o", str(out))
    assert built.returncode == 1 and "4 rows with errors left out" in built.stderr  # the sample has bad rows
    assert _run("validate", "--profile", "vn-fresh-produce", str(out)).returncode == 0
    assert _run("validate", "--profile", "fsma204", str(out)).returncode == 0
    good = _run("build", str(ROOT / "examples" / "labels" / "valid-sonla-longan-cn.json"), "-o", "-")
    assert good.returncode == 0 and json.loads(good.stdout)["type"] == "EPCISDocument"
    sheet = _run("fsma204", str(out), "-o", "-", "--lot", "(01)08935234567895(10)DF2503A")
    assert sheet.returncode == 0
    assert len(list(csv.DictReader(io.StringIO(sheet.stdout)))) == 3
    assert _run("build", str(tmp_path / "missing.csv"), "-o", "-").returncode == 2
