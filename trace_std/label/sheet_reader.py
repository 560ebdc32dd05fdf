"""Where the label table is in a spreadsheet as an office saves it, and which rows are not labels.

Real files put a title ("DANH SÁCH NHÃN THÙNG - TUẦN 48", often a merged cell), the company name
and blank rows above the header, and a totals row ("Tổng cộng"), notes and a sign-off block below
the data. Excel saves blank rows of a CSV as comma-only lines. This module finds the header row
and tells the batch reader (:mod:`trace_std.label.batch`) which rows to skip:

* the header is the first row (of the first :data:`HEADER_SCAN`) in which at least three cells name
  a template column, in any of the names of :mod:`trace_std.label.aliases`;
* a row whose GTIN cell is empty or does not start with a digit is skipped when it is blank
  (silently), or when its first filled cell is a totals or notes word, or when it has no lot, no
  dates and at most three filled cells (a sum, a stray note) (a warning ``file.row.skipped``
  each time, so nothing disappears unseen).

>>> header_columns(["STT", "Mã GTIN", "Số lô", "Ngày đóng gói", "Màu thùng"])
[None, 'gtin', 'lot', 'pack_date', None]
>>> is_header(["DANH SÁCH NHÃN THÙNG TUẦN 48", "", ""]), is_header(["Mã GTIN", "Số lô", "HSD"])
(False, True)
>>> skip_reason(["", "Tổng cộng", "", "1250"], {"gtin": "", "net_weight_kg": "1250"})
'totals row'
>>> skip_reason([" ", "", ""], {"gtin": ""})
''
>>> guess_delimiter(["DANH SÁCH;;;\\r\\n", "Mã GTIN;Số lô;Ngày đóng gói\\r\\n", "0893;L1;10,5\\r\\n"])
';'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from trace_std.label.aliases import IGNORED, column_for, row_kind

__all__ = ["HEADER_SCAN", "guess_delimiter", "header_columns", "is_header", "skip_reason"]

#: How many rows from the top may hold titles before the header.
HEADER_SCAN = 30
_MIN_HEADER_COLUMNS = 3
_KEY_FIELDS = ("lot", "harvest_date", "pack_date")
_MAX_STRAY_CELLS = 3  # a row with more filled cells but no GTIN, lot or date is a broken label row
_SKIP_NAMES = {"totals": "totals row", "notes": "notes row"}


def header_columns(cells: Sequence[str]) -> list[str | None]:
    """The template column each header cell names (``None`` for unknown and ignored columns)."""
    out: list[str | None] = []
    for cell in cells:
        target = column_for(cell) if cell else None
        out.append(None if target == IGNORED else target)
    return out


def is_header(cells: Sequence[str]) -> bool:
    """Whether a row is the header: at least three cells name distinct template columns."""
    named = {c for c in header_columns(cells) if c}
    return len(named) >= _MIN_HEADER_COLUMNS


def ignored_column(cell: str) -> bool:
    """Whether a header cell is a known non-label column (row number, notes): no warning for it."""
    return bool(cell) and column_for(cell) == IGNORED


def skip_reason(cells: Sequence[str], row: Mapping[str, str]) -> str | None:
    """Why a row without a GTIN (no digits in that cell) is not a label row: ``""`` blank,
    ``"totals row"``, ``"notes row"``..., or ``None`` (a label row, to be checked).

    ``cells`` are all the row's cells as text, ``row`` the template columns read from it.
    """
    first = next((c.strip() for c in cells if c and c.strip()), None)
    if first is None:
        return ""
    kind = row_kind(first)
    if kind is not None:
        return _SKIP_NAMES[kind]
    filled = sum(1 for c in cells if c and c.strip())
    if filled <= _MAX_STRAY_CELLS and not any(row.get(name) for name in _KEY_FIELDS):
        return "no GTIN, lot or date: not a label row"
    return None


def guess_delimiter(lines: Sequence[str]) -> str:
    """``,``, ``;`` or tab, whichever the lines use most (Excel writes ``;`` where ``,`` is the decimal
    mark, as in Vietnamese regional settings)."""
    votes = {",": 0, ";": 0, "\t": 0}
    for line in lines:
        if not line.strip():
            continue
        counts = {d: line.count(d) for d in votes}
        best = max(counts, key=lambda d: counts[d])
        if counts[best]:
            votes[best] += counts[best]
    return max(votes, key=lambda d: votes[d])
