"""Repair mode: write the canonical label file of an exporter's file, valid rows only.

``trace-std validate FILE --fix -o fixed.csv`` and ``POST /v1/labels/validate?fix=1`` call
:func:`fix_file`. It validates the file as :func:`trace_std.label.batch.validate_file` does (the same
repairs, each a warning in the report) and writes every row that ends up valid in the template's
canonical form: ISO 8601 dates (a harvest period as ``start/end``), canonical PUC/PHC, GTIN-14,
ISO 3166-1 markets, a decimal point. A text cell that a spreadsheet would run as a formula (``=``,
``+``, ``-``, ``@``, tab, CR first) is written with an apostrophe in front
(:func:`trace_std.spreadsheet.neutralise`); the batch reader removes it, so validating a fixed file gives
the same values. A row with an error, one it could not repair, is never
written; the report says why.

>>> import io
>>> data = io.BytesIO(
...     "Mã GTIN;Số lô;Tên hàng;Cây trồng;Ngày thu hoạch;Ngày đóng gói;KL tịnh (kg);Nhà xuất khẩu;"
...     "Thị trường;Mã số cơ sở đóng gói\\n"
...     "8935234567895;L1;Xoài;mango;01/03/2025;02/03/2025;10,5;ACME;Úc;vn btph 036\\n"
...     "8935234567895;L 2;Xoài;mango;01/03/2025;02/03/2025;10,5;ACME;Úc;VN-BTPH-036\\n".encode())
>>> out = io.StringIO()
>>> report, written = fix_file(data, out, name="week48.csv")
>>> written, report.rows_total, report.rows_invalid, report.source
(1, 2, 1, 'week48.csv')
>>> out.getvalue().splitlines()[1]
'08935234567895,L1,Xoài,mango,2025-03-01,2025-03-02,,10.5,,VN-BTPH-036,ACME,AU,,,'
"""

from __future__ import annotations

import csv
import datetime as _dt
import os
from collections.abc import Mapping, Sequence
from typing import IO, Any

from trace_std.label.batch import (
    COLUMNS,
    BatchReport,
    Progress,
    RowCheck,
    RowResult,
    XlsxLimits,
    iter_file,
    source_name,
)
from trace_std.label.repair import canonical_text
from trace_std.spreadsheet import neutralise

__all__ = ["FIXED_COLUMNS", "canonical_row", "fix_file"]

#: The columns of a fixed file: the template's, then the English product name.
FIXED_COLUMNS: tuple[str, ...] = (*COLUMNS, "product_name_en")


def canonical_row(values: Mapping[str, Any]) -> list[str]:
    """One row of parsed values in the canonical text of :data:`FIXED_COLUMNS`."""
    row: list[str] = []
    for column in FIXED_COLUMNS:
        value = values.get(column)
        if column == "harvest_date" and values.get("harvest_date_end") is not None:
            row.append(
                f"{canonical_text(column, value)}/{canonical_text(column, values['harvest_date_end'])}"
            )
        elif column == "product_name" and isinstance(value, Mapping):  # a label JSON's {"vi", "en"}
            row.append(str(value.get("vi") or ""))
        elif (
            column == "product_name_en" and value is None and isinstance(values.get("product_name"), Mapping)
        ):
            row.append(str(values["product_name"].get("en") or ""))
        else:
            row.append(canonical_text(column, value))
    return row


def fix_file(
    source: str | os.PathLike[str] | IO[bytes],
    out: IO[str],
    *,
    market: str | None = None,
    as_of: _dt.date | None = None,
    row_checks: Sequence[RowCheck] = (),
    format: str | None = None,
    name: str | None = None,
    max_issues: int | None = None,
    progress: Progress | None = None,
    xlsx_limits: XlsxLimits | None = None,
) -> tuple[BatchReport, int]:
    """Validate ``source`` and write its valid rows, canonical, as CSV to ``out``.

    Returns the report (as :func:`~trace_std.label.batch.validate_file` gives it) and the number of
    rows written. ``out`` is a text stream; open files with ``newline=""``. Raises
    :class:`~trace_std.errors.FileFormatError` like ``validate_file`` when the file cannot be read
    (nothing is written then but, possibly, the header).
    """
    report = BatchReport(source=source_name(source, name))
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIXED_COLUMNS)
    written = 0
    for item in iter_file(
        source,
        market=market,
        as_of=as_of,
        row_checks=row_checks,
        format=format,
        name=name,
        progress=progress,
        values=True,
        xlsx_limits=xlsx_limits,
    ):
        if isinstance(item, RowResult):
            report.add(item, max_issues)
            if item.valid and item.values is not None:
                # neutralised against formula injection (OWASP); the batch reader restores it
                writer.writerow([neutralise(cell) for cell in canonical_row(item.values)])
                written += 1
        else:
            report.add_issue(item, max_issues)
    return report, written
