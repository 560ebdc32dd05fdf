"""XLSX zip bombs and floods are refused before openpyxl inflates them (issue 17 item 2).

The crafted workbooks come from :mod:`tests.label.xlsx_bombs`; sizes here are just over the default
limits so the suite stays fast (``benchmarks/bench_xlsx_bombs.py`` measures time and RSS with the
1 GB bombs of the report). Time is never asserted here.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.label import xlsx_bombs as B
from trace_std.errors import ErrorCode, FileFormatError
from trace_std.label.batch import validate_file
from trace_std.label.xlsx_guard import XlsxLimits, check_archive

ROOT = Path(__file__).resolve().parents[2]
MIB = 1 << 20


def _refused(data: bytes, limits: XlsxLimits | None = None) -> dict[str, Any]:
    with pytest.raises(FileFormatError) as info:
        validate_file(io.BytesIO(data), xlsx_limits=limits)
    assert info.value.code == ErrorCode.FILE_TOO_LARGE
    return dict(info.value.context)


@pytest.fixture
def no_openpyxl(monkeypatch: pytest.MonkeyPatch) -> None:
    """The directory and token checks must refuse before openpyxl opens the workbook."""
    import openpyxl

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("openpyxl opened a workbook the guard should have refused")

    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


@pytest.mark.parametrize(
    ("make", "limit", "member"),
    [
        (lambda: B.huge_shared_strings(9), "max_shared_strings_bytes", "xl/sharedStrings.xml"),
        (lambda: B.huge_sheet(49), "max_member_bytes", "xl/worksheets/sheet1.xml"),
        (lambda: B.huge_workbook_xml(3), "max_part_bytes", "xl/workbook.xml"),
        (lambda: B.high_ratio(2), "max_ratio", "xl/worksheets/sheet1.xml"),
        (lambda: B.many_cells(6_000), "max_xml_tokens", "xl/worksheets/sheet1.xml"),
        (lambda: B.many_members(300), "max_members", None),
    ],
    ids=[
        "huge-shared-strings",
        "huge-sheet",
        "huge-workbook-xml",
        "high-ratio",
        "many-cells",
        "many-members",
    ],
)
def test_bombs_are_refused_before_openpyxl(
    make: Any, limit: str, member: str | None, no_openpyxl: None
) -> None:
    context = _refused(make())
    assert context["limit"] == limit
    assert context.get("member") == member


def test_total_size_is_bounded_across_parts(no_openpyxl: None) -> None:
    limits = XlsxLimits(
        max_total_bytes=2 * MIB, max_member_bytes=2 * MIB, max_shared_strings_bytes=2 * MIB, max_ratio=10_000
    )
    data = B.workbook(
        sheet_xml=B.sheet(B._repeat("<row/>", int(1.5 * MIB))), strings=B.shared_strings(90_000)
    )
    assert _refused(data, limits)["limit"] == "max_total_bytes"


def test_the_directory_cannot_lie_its_way_past_the_limits() -> None:
    """A part whose directory entry declares a small size is cut at that size, then fails its CRC."""
    data = bytearray(B.workbook(sheet_xml=B.sheet(B._repeat("<row/>", 4 * MIB))))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo("xl/worksheets/sheet1.xml")
    real = info.file_size.to_bytes(4, "little")
    # rewrite the declared size in the central directory (and the local header) to 1 KiB
    data = bytearray(bytes(data).replace(real, (1024).to_bytes(4, "little")))
    with pytest.raises(FileFormatError) as exc:
        check_archive(io.BytesIO(bytes(data)), XlsxLimits())
    assert exc.value.code == ErrorCode.FILE_TRUNCATED


def test_far_rows_and_a_huge_dimension_are_not_walked() -> None:
    """A 2 KB sheet whose dimension says A1:XFD1048576 and whose last row is 1,048,576."""
    context = _refused(B.far_rows())
    assert context["limit"] == "max_cells"
    assert XlsxLimits().max_cells - 50 < context["row"] <= XlsxLimits().max_cells + 1  # not 1,048,576


def test_a_cell_longer_than_excel_allows_is_refused() -> None:
    context = _refused(B.long_cell(40_000))
    assert (context["limit"], context["row"], context["actual"]) == ("max_cell_chars", 2, 40_000)


def test_a_normal_workbook_is_read_and_trusted_limits_read_a_large_one() -> None:
    report = validate_file(io.BytesIO(B.shared_cells(50)))
    assert report.rows_total == 50
    big = B.shared_cells(6_000)
    assert _refused(big)["limit"] == "max_xml_tokens"
    assert validate_file(io.BytesIO(big), xlsx_limits=XlsxLimits.trusted()).rows_total == 6_000


def test_limits_from_a_configuration_mapping() -> None:
    limits = XlsxLimits.from_mapping({"max_cells": 10, "max_ratio": "50"})
    assert (limits.max_cells, limits.max_ratio, limits.max_members) == (10, 50.0, XlsxLimits().max_members)
    assert XlsxLimits.from_mapping(None) == XlsxLimits()
    with pytest.raises(ValueError, match="max_rows"):
        XlsxLimits.from_mapping({"max_rows": 1})
    assert _refused(B.shared_cells(20), limits)["limit"] == "max_cells"


def test_not_a_zip_is_a_truncated_file() -> None:
    with pytest.raises(FileFormatError) as exc:
        validate_file(io.BytesIO(b"PK\x03\x04" + b"\x00" * 200), name="x.xlsx")
    assert exc.value.code == ErrorCode.FILE_TRUNCATED


def test_cli_refuses_a_bomb_and_trust_xlsx_reads_a_large_workbook(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(B.huge_sheet(49))
    big = tmp_path / "big.xlsx"
    big.write_bytes(B.shared_cells(6_000))
    run = [sys.executable, "-m", "trace_std.cli", "validate", "--format", "json"]
    for path, extra in ((bomb, []), (bomb, ["--trust-xlsx"]), (big, [])):
        proc = subprocess.run(
            [*run, str(path), *extra], capture_output=True, text=True, cwd=ROOT, timeout=120
        )
        assert proc.returncode == 2, proc.stderr[-500:]
        assert json.loads(proc.stdout)["error"]["code"] == "file.too_large"
    proc = subprocess.run(
        [*run, str(big), "--trust-xlsx"], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert proc.returncode in (0, 1) and json.loads(proc.stdout)["rows_total"] == 6_000
