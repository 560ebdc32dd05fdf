"""Hostile and large label files: bounded per-file state, deep JSON Lines rows, stream names, dates.

Issue 16 §2 (memory flat with size: errors cached as data, lots bounded) and issue 17 items 3
(JSON Lines nested 3,000 deep) and 15 (the report's file name; ISO week dates).
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path

import pytest

from trace_std.errors import ErrorCode, FileFormatError
from trace_std.label import batch
from trace_std.label.batch import RowResult, iter_file, validate_file

ROOT = Path(__file__).resolve().parents[2]
HEADER = "gtin,lot,product_name,crop,harvest_date,pack_date,net_weight_kg,puc,phc,exporter,destination_market,serial"
GOOD = {
    "gtin": "08935234567895",
    "lot": "DF2503A",
    "product_name": "Thanh long",
    "crop": "dragon fruit",
    "harvest_date": "2025-03-01",
    "pack_date": "2025-03-05",
    "net_weight_kg": 10,
    "puc": "VN-DTOR-0017",
    "phc": "VN-BTPH-036",
    "exporter": "ACME",
    "destination_market": "CN",
}


def _csv_row(
    n: int, *, market: str = "CN", lot: str = "DF2503A", harvest: str = "2025-03-01", serial: bool = True
) -> str:
    return (
        f"08935234567895,{lot},Thanh long,dragon fruit,{harvest},2025-03-05,10,VN-DTOR-0017,VN-BTPH-036,"
        f"ACME,{market},{f'S{n:08d}' if serial else ''}\n"
    )


def _deep(depth: int) -> str:
    return '{"gtin": ' + "[" * depth + "]" * depth + "}"


# -- errors are cached as data ------------------------------------------------------------------------


def test_a_repeated_bad_value_keeps_no_exception_in_the_caches() -> None:
    checker = batch._Checker(None, None, (), "t")
    cells = {"gtin": "08935234567895", "lot": "A", "harvest_date": "2025-03-01", "pack_date": "2025-03-02",
             "net_weight_kg": "10", "destination_market": "EU"}  # fmt: skip
    results = [checker.check(n, cells) for n in range(2, 50)]
    assert all(
        [(i.field, i.code) for i in r.issues if i.field == "destination_market"]
        == [("destination_market", ErrorCode.LABEL_COUNTRY_UNKNOWN)]
        for r in results
    )
    cached = [v for cache in checker._caches.values() for v in cache.values()]
    assert not any(isinstance(v, BaseException) for v in cached)
    assert any(isinstance(v, batch._Bad) for v in cached)


def test_memory_held_does_not_grow_with_rows_of_a_repeated_bad_value() -> None:
    """Before the fix, one cached exception was re-raised on every row and its traceback chain kept
    every row's frames alive: about 1.3 GB at 1M rows. The state held mid-file must stay flat."""
    rows = 12_000
    body = HEADER + "\n" + "".join(_csv_row(n, market="EU", serial=False) for n in range(rows))
    stream = iter_file(io.BytesIO(body.encode()))
    tracemalloc.start()
    try:
        held = []
        for n, item in enumerate(stream):
            assert isinstance(item, RowResult) and not item.valid
            if n in (2_000, rows - 1):
                held.append(tracemalloc.get_traced_memory()[0])
    finally:
        tracemalloc.stop()
        stream.close()
    assert held[1] - held[0] < 200_000, held  # 10,000 more rows: under 20 bytes each


# -- lots are bounded like serials ---------------------------------------------------------------------


def test_lots_spill_to_disk_and_conflicts_stay_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "_SEEN_IN_MEMORY", 3)
    lines = [_csv_row(n, lot=f"L{n}") for n in range(8)]  # 8 lots: 5 of them beyond the dict
    lines.append(_csv_row(8, lot="L1", harvest="2025-03-02"))  # in memory
    lines.append(_csv_row(9, lot="L6", harvest="2025-03-02"))  # spilled
    lines.append(_csv_row(10, lot="L6"))  # same as its first row: no conflict
    report = validate_file(io.BytesIO((HEADER + "\n" + "".join(lines)).encode()))
    conflicts = [
        (i.row, i.context["first_row"]) for i in report.issues if i.code == "batch.lot.harvest_conflict"
    ]
    assert conflicts == [(10, 3), (11, 8)]  # row 12 repeats its lot's own date


def test_every_per_file_structure_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "_SEEN_IN_MEMORY", 50)
    monkeypatch.setattr(batch, "_CELL_CACHE", 40)
    checker = batch._Checker(None, None, (), "t")
    try:
        for n in range(2, 400):
            checker.check(n, {"gtin": "08935234567895", "lot": f"L{n}", "harvest_date": f"2025-03-{1 + n % 28:02d}",
                              "pack_date": "2025-04-01", "net_weight_kg": f"{n}", "serial": f"S{n}",
                              "destination_market": "EU" if n % 2 else "CN"})  # fmt: skip
        for n in range(400):  # every destination a new bad value
            checker.check(n, {"gtin": "08935234567895", "destination_market": f"X{n}"})
        assert len(checker._market_cache) <= 40
        assert all(len(cache) <= 40 for cache in checker._caches.values())
        assert len(checker._rules_cache) <= 40
        for seen in (checker.serials, checker.lots):
            assert len(seen.memory) <= 50 and seen.db is not None
    finally:
        checker.close()


# -- JSON Lines nested 3,000 deep (issue 17 item 3) -------------------------------------------------------


def test_a_deeply_nested_json_line_is_a_row_error() -> None:
    lines = [json.dumps(GOOD), _deep(3000), _deep(200), json.dumps(GOOD)]
    report = validate_file(io.BytesIO("\n".join(lines).encode()), name="rows.jsonl")
    assert report.rows_total == 4
    malformed = [
        (i.row, i.code, i.context.get("reason")) for i in report.issues if i.code.startswith("file.")
    ]
    assert malformed == [(2, ErrorCode.FILE_ROW_MALFORMED, "nesting")]
    assert report.rows_valid == 2  # the rows after it are still validated


@pytest.mark.parametrize("depth", [3000, 100_000])
def test_a_file_that_starts_with_a_deeply_nested_line(depth: int) -> None:
    """The single-label sniffing of the first bytes must not crash on it either (a whole label JSON
    pretty-printed over several lines, or a JSON Lines file whose first row is hostile)."""
    for tail in ("", "\n" + json.dumps(GOOD)):
        report = validate_file(io.BytesIO((_deep(depth) + tail).encode()), name="rows.jsonl")
        assert [(i.row, i.code) for i in report.issues if i.code.startswith("file.")] == [
            (1, ErrorCode.FILE_ROW_MALFORMED)
        ]
    multi = "{\n" + '"gtin": ' + "[" * depth + "]" * depth + "\n}"  # one pretty-printed object
    try:
        validate_file(io.BytesIO(multi.encode()), name="label.json")
    except FileFormatError as err:  # a typed error is fine; a RecursionError is not
        assert err.code.startswith("file.")


def test_cli_reports_a_deeply_nested_row(tmp_path: Path) -> None:
    path = tmp_path / "deep.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + _deep(3000) + "\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "trace_std.cli", "validate", str(path), "--format", "json"],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-500:]
    assert "Traceback" not in proc.stderr
    doc = json.loads(proc.stdout)
    assert [(i["row"], i["code"]) for i in doc["issues"]] == [(2, "file.row.malformed")]


# -- the report names the file, never a descriptor (issue 17 item 15) ---------------------------------------


def test_a_spooled_stream_is_not_named_by_its_descriptor() -> None:
    body = (HEADER + "\n" + _csv_row(1)).encode()
    with tempfile.TemporaryFile() as spool:  # what a large upload is spooled to: .name is an int
        spool.write(body)
        spool.seek(0)
        assert isinstance(spool.name, int)
        assert validate_file(spool).source == "<stream>"
        spool.seek(0)
        assert validate_file(spool, name="week48.csv").source == "week48.csv"


# -- ISO week dates are not label dates (issue 17 item 15) ----------------------------------------------------


@pytest.mark.parametrize("text", ["2025-W01-1", "2025W011", "2025-W01", "2025-001", "2025-W52-7"])
def test_only_calendar_dates_are_label_dates(text: str) -> None:
    row = dict(GOOD, harvest_date=text, pack_date=text, best_before=text)
    report = validate_file(io.BytesIO(json.dumps(row).encode()), name="rows.jsonl")
    found = {(i.field, i.code) for i in report.issues}
    assert {("harvest_date", "label.date.invalid"), ("pack_date", "label.date.invalid"),
            ("best_before", "label.date.invalid")} <= found  # fmt: skip


def test_cli_as_of_refuses_a_week_date(tmp_path: Path) -> None:
    path = tmp_path / "rows.jsonl"
    path.write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    run = [sys.executable, "-m", "trace_std.cli", "validate", str(path), "--as-of"]
    bad = subprocess.run([*run, "2025-W01-1"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr
    good = subprocess.run([*run, "2025-03-10"], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert good.returncode == 0, good.stdout + good.stderr


def test_unknown_json_keys_are_warned_about_a_bounded_number_of_times() -> None:
    lines = [json.dumps(dict(GOOD, **{f"extra{n}": 1})) for n in range(300)]
    report = validate_file(io.BytesIO("\n".join(lines).encode()), name="rows.jsonl")
    unknown = [i for i in report.issues if i.code == "label.field.unknown"]
    assert len(unknown) == batch._UNKNOWN_FIELDS
    assert report.rows_total == 300
