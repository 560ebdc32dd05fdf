"""The batch validator's ``name=`` is a format hint only: the content is sniffed first."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from trace_std.errors import ErrorCode, FileFormatError
from trace_std.label.batch import validate_file

LABELS = Path(__file__).resolve().parents[2] / "examples" / "labels"


@pytest.mark.parametrize("name", ["labels.csv", "labels.jsonl", "labels.xlsx", "labels", None])
def test_xlsx_content_wins_over_the_name(name: str | None) -> None:
    payload = (LABELS / "sample-batch.xlsx").read_bytes()
    expected = validate_file(LABELS / "sample-batch.xlsx")
    report = validate_file(io.BytesIO(payload), name=name)
    assert (report.rows_total, report.rows_valid) == (expected.rows_total, expected.rows_valid)


def test_name_decides_when_the_content_does_not_tell() -> None:
    jsonl = (LABELS / "sample-batch.jsonl").read_bytes()
    assert validate_file(io.BytesIO(jsonl), name="rows.jsonl").rows_total >= 1
    with pytest.raises(FileFormatError) as info:  # CSV text named .xlsx is not a workbook
        validate_file(io.BytesIO(b"gtin,lot\n08936000120016,A\n"), name="rows.xlsx")
    assert info.value.code == ErrorCode.FILE_FORMAT_UNKNOWN
