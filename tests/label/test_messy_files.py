"""Exporters' files as Excel and Vietnamese offices write them: every trait, with the row-level results.

The files are built by ``tests/label/messy_files.py`` (real .xlsx workbooks with merged titles, date
cells and number GTINs; CSV as Excel's "CSV UTF-8" saves it). Each expectation lists every issue of
the file as ``(row, field, code)``: repairs are warnings, unrepairable values errors.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest

from tests.label.messy_files import FILES
from trace_std.label.batch import RowResult, iter_file, validate_file

pytest.importorskip("openpyxl")

AS_OF = dt.date(2025, 12, 1)
REPAIRED_DATE = "label.repaired.date"
REPAIRED_NUMBER = "label.repaired.number"
REPAIRED_MARKET = "label.repaired.market"

EXPECTED: dict[str, tuple[tuple[int, int, int], list[tuple[int | None, str | None, str]]]] = {
    # (rows total, valid, invalid), every issue
    "week48.xlsx": (
        (4, 2, 2),
        [
            (4, None, "file.header.row"),  # merged title, company line, blank row above the header
            (4, "Màu thùng", "label.field.unknown"),  # unknown column: ignored with a warning
            (5, "puc", "label.repaired.code"),  # VN DTOR 0017
            (5, "phc", "label.repaired.code"),  # vn-btph-036
            (5, "destination_market", REPAIRED_MARKET),  # Trung Quốc
            (6, "gtin", "label.repaired.gtin"),  # 12345678905: zeros restored, check digit proves it
            (6, "harvest_date", REPAIRED_DATE),  # 01/03/2025 text
            (6, "pack_date", REPAIRED_DATE),
            (6, "best_before", REPAIRED_DATE),  # "45741": an Excel serial in a text cell
            (6, "net_weight_kg", REPAIRED_NUMBER),  # "10,5"
            (6, "destination_market", REPAIRED_MARKET),  # TQ
            (6, "gtin", "label.gtin.prefix"),
            (7, "gtin", "label.gtin.leading_zeros"),  # 12345678901: padded check digit is wrong
            (7, "destination_market", REPAIRED_MARKET),  # 中国
            (8, "destination_market", "label.country.unknown"),  # Trung Qoc: did you mean
            (9, None, "file.row.skipped"),  # Tổng cộng
            (11, None, "file.row.skipped"),  # Người lập biểu / Giám đốc
        ],
    ),
    "week48-semicolon.csv": (
        (5, 2, 3),
        [
            (3, None, "file.header.row"),
            (4, "harvest_date", REPAIRED_DATE),
            (4, "pack_date", REPAIRED_DATE),
            (4, "best_before", REPAIRED_DATE),
            (4, "net_weight_kg", REPAIRED_NUMBER),
            (4, "destination_market", REPAIRED_MARKET),  # Trung Quoc (no diacritics)
            (5, "harvest_date", REPAIRED_DATE),  # 1/3/25 - 4/3/25: a period, d/m/yy
            (5, "pack_date", REPAIRED_DATE),
            (5, "best_before", REPAIRED_DATE),
            (5, "net_weight_kg", REPAIRED_NUMBER),
            (5, "harvest_date", "batch.lot.harvest_conflict"),
            (6, "gtin", "label.gtin.scientific"),  # 8,93523E+12
            (6, "harvest_date", REPAIRED_DATE),
            (6, "pack_date", REPAIRED_DATE),
            (6, "best_before", REPAIRED_DATE),
            (6, "net_weight_kg", REPAIRED_NUMBER),
            (7, "harvest_date", REPAIRED_DATE),
            (7, "pack_date", REPAIRED_DATE),
            (7, "best_before", "label.date.ambiguous"),  # 03/25/2025: US order
            (7, "net_weight_kg", REPAIRED_NUMBER),
            (7, "harvest_date", "batch.lot.harvest_conflict"),
            (8, "harvest_date", "label.date.ambiguous"),  # after row 7, 01/03/2025 reads both ways
            (8, "pack_date", "label.date.ambiguous"),
            (8, "best_before", "label.date.ambiguous"),
            (8, "net_weight_kg", REPAIRED_NUMBER),
            # rows 9-10: ';;;;' blank rows, skipped silently
        ],
    ),
    "week48-comma.csv": (
        (2, 2, 0),
        [
            (2, None, "file.header.row"),
            (3, "net_weight_kg", REPAIRED_NUMBER),  # 10 kg
            (3, "destination_market", REPAIRED_MARKET),  # China
            (4, "harvest_date", REPAIRED_DATE),  # Excel serials in a text column
            (4, "pack_date", REPAIRED_DATE),
            (4, "best_before", REPAIRED_DATE),
            (4, "puc", "label.repaired.code"),  # lower case
            (4, "destination_market", REPAIRED_MARKET),  # 中国
            (6, None, "file.row.skipped"),  # a notes row; rows 5 and 7 are ',,,,' blank rows
        ],
    ),
    "sonla-week.xlsx": (
        (3, 2, 1),
        [
            (3, None, "file.header.row"),
            (4, "harvest_date", REPAIRED_DATE),
            (4, "pack_date", REPAIRED_DATE),
            (4, "puc", "label.repaired.code"),
            (4, "destination_market", REPAIRED_MARKET),
            (6, "gtin", "label.gtin.scientific"),  # 8,93600E+12 typed as text
            (6, "harvest_date", REPAIRED_DATE),
            (6, "pack_date", REPAIRED_DATE),
            (7, None, "file.row.skipped"),  # Tổng cộng in the GTIN column
        ],
    ),
    "chinese-headers.xlsx": (
        (2, 2, 0),
        [
            (3, "destination_market", REPAIRED_MARKET),
            (4, None, "file.row.skipped"),  # 合计
        ],
    ),
}


def _issues(report: Any) -> list[tuple[int | None, str | None, str]]:
    return [(i.row, i.field, str(i.code)) for i in report.issues]


@pytest.mark.parametrize("name", sorted(FILES))
def test_row_level_results(name: str) -> None:
    report = validate_file(io.BytesIO(FILES[name]()), name=name, as_of=AS_OF)
    totals, issues = EXPECTED[name]
    assert (report.rows_total, report.rows_valid, report.rows_invalid) == totals
    assert _issues(report) == issues


def test_every_repair_says_row_field_original_and_reading() -> None:
    report = validate_file(io.BytesIO(FILES["week48.xlsx"]()), name="week48.xlsx", as_of=AS_OF)
    repairs = {(i.row, i.field): i.to_dict() for i in report.issues if i.code.startswith("label.repaired.")}
    assert repairs[(5, "puc")]["value"] == "VN DTOR 0017" and repairs[(5, "puc")]["read_as"] == "VN-DTOR-0017"
    assert repairs[(6, "gtin")]["value"] == "12345678905"
    assert repairs[(6, "gtin")]["read_as"] == "00012345678905"
    assert repairs[(6, "best_before")]["read_as"] == "2025-03-25"
    assert repairs[(5, "destination_market")]["read_as"] == "CN"
    for issue in repairs.values():
        assert issue["severity"] == "warning" and issue["value"] in issue["message"]


def test_every_error_shows_the_value() -> None:
    for name, build in FILES.items():
        report = validate_file(io.BytesIO(build()), name=name, as_of=AS_OF)
        for issue in report.issues:
            if str(issue.severity) == "error" and issue.field and "value" in issue.context:
                assert (
                    repr(issue.context["value"]) in issue.message or issue.context["value"] in issue.message
                )


def test_unrepairable_errors_carry_the_fix_context() -> None:
    report = validate_file(io.BytesIO(FILES["week48.xlsx"]()), name="week48.xlsx", as_of=AS_OF)
    by_code = {str(i.code): i for i in report.issues}
    assert by_code["label.gtin.leading_zeros"].context["padded"] == "00012345678901"
    assert by_code["label.country.unknown"].context["suggestion"] == "CN"
    semi = validate_file(io.BytesIO(FILES["week48-semicolon.csv"]()), as_of=AS_OF)
    ambiguous = [i for i in semi.issues if i.code == "label.date.ambiguous"]
    assert ambiguous[0].context["us_reading"] == "2025-03-25"
    assert ambiguous[1].context["us_row"] == 7 and ambiguous[1].context["read_as"] == "2025-03-01"


def test_values_read_from_real_excel_cells() -> None:
    rows = [
        r
        for r in iter_file(io.BytesIO(FILES["week48.xlsx"]()), as_of=AS_OF, values=True)
        if isinstance(r, RowResult)
    ]
    first = rows[0].values
    assert first is not None
    assert first["gtin"] == "08935234567895"  # a number cell: 13 digits is the same GTIN
    assert first["pack_date"] == dt.date(2025, 3, 5)  # a real date cell
    assert first["net_weight_kg"] == Decimal("10.5")
    assert (first["puc"], first["phc"], first["destination_market"]) == ("VN-DTOR-0017", "VN-BTPH-036", "CN")
    second = rows[1].values
    assert second is not None and second["best_before"] == dt.date(2025, 3, 25)
    semi = [r for r in iter_file(io.BytesIO(FILES["week48-semicolon.csv"]()), values=True, as_of=AS_OF)]
    period = [r for r in semi if isinstance(r, RowResult)][1].values
    assert period is not None
    assert (period["harvest_date"], period["harvest_date_end"]) == (dt.date(2025, 3, 1), dt.date(2025, 3, 4))


def test_clean_template_file_has_no_repairs() -> None:
    from pathlib import Path

    template = Path(__file__).resolve().parents[2] / "examples" / "labels" / "template.csv"
    report = validate_file(template)
    assert not [i for i in report.issues if i.code.startswith(("label.repaired.", "file."))]


def _cli(*args: str) -> Any:
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [sys.executable, "-m", "trace_std.cli", *args], capture_output=True, text=True, env=env, check=False
    )


def test_cli_fix_writes_the_canonical_file_of_repairable_rows(tmp_path: Any) -> None:
    import csv
    import json

    source = tmp_path / "week48.xlsx"
    source.write_bytes(FILES["week48.xlsx"]())
    fixed = tmp_path / "fixed.csv"
    run = _cli(
        "validate", str(source), "--fix", "-o", str(fixed), "--as-of", "2025-12-01", "--format", "json"
    )
    assert run.returncode == 1, run.stderr  # two rows could not be repaired
    doc = json.loads(run.stdout)
    assert (doc["rows_valid"], doc["rows_invalid"], doc["fixed_rows"]) == (2, 2, 2)
    rows = list(csv.DictReader(fixed.read_text("utf-8-sig").splitlines()))
    assert [r["gtin"] for r in rows] == ["08935234567895", "00012345678905"]  # GTIN-14
    assert {r["puc"] for r in rows} == {"VN-DTOR-0017"} and {r["destination_market"] for r in rows} == {"CN"}
    assert [r["pack_date"] for r in rows] == ["2025-03-05", "2025-03-05"]  # ISO dates
    assert [r["net_weight_kg"] for r in rows] == ["10.5", "10.5"]
    # the fixed file is clean: no repair left, same rows
    again = validate_file(fixed, as_of=AS_OF)
    assert again.rows_total == again.rows_valid == 2
    assert not [i for i in again.issues if i.code.startswith("label.repaired.")]


def test_cli_fix_needs_one_file_and_an_output(tmp_path: Any) -> None:
    source = tmp_path / "a.csv"
    source.write_bytes(FILES["week48-comma.csv"]())
    assert _cli("validate", str(source), "--fix").returncode == 2
    assert _cli("validate", str(source), "-o", str(tmp_path / "x.csv")).returncode == 2


def test_cli_validates_a_single_label_json() -> None:
    from pathlib import Path

    labels = Path(__file__).resolve().parents[2] / "examples" / "labels"
    ok = _cli("validate", str(labels / "valid-carton-cn-dragon-fruit.json"))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 rows, 1 valid" in ok.stdout
    bad = _cli("validate", str(labels / "invalid-gtin-check-digit.json"), "--format", "json")
    assert bad.returncode == 1
    assert '"gs1.key.checksum"' in bad.stdout


def test_template_passes_against_the_bundled_sample_registry(tmp_path: Any) -> None:
    """A newcomer's first upload of the template passes: its codes, GTIN and lot are in the sample."""
    from pathlib import Path

    pytest.importorskip("sqlalchemy")
    from trace_std.registry import Registry
    from trace_std.registry.verify import row_checks

    template = Path(__file__).resolve().parents[2] / "examples" / "labels" / "template.csv"
    registry = Registry(f"sqlite:///{tmp_path}/sample.sqlite3")
    try:
        assert registry.ensure_sample() is True
        report = validate_file(template, row_checks=[row_checks(registry)])
    finally:
        registry.close()
    assert (report.rows_total, report.rows_valid) == (1, 1)
    assert report.issues == []
