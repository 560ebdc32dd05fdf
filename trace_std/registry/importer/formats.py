"""The open-data file format shared by the importer and the exporter: names, CSV columns, list cells.

CSV list cells (``crops``, ``varieties``) hold the items separated by ``;``; an item containing ``;``
or ``\\`` has them escaped with a backslash (``Red; late`` → ``Red\\; late``), so every list
round-trips. Text cells are protected against spreadsheet formula injection
(:mod:`trace_std.spreadsheet`) when written and restored when read.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterable
from typing import Any

__all__ = [
    "CSV_COLUMNS",
    "CSV_RECORDS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "Raw",
    "decode_csv_lists",
    "join_list",
    "split_list",
]

FORMAT_NAME = "trace-std-registry"
FORMAT_VERSION = "1"

#: Columns of the CSV form, in order. ``record`` says which columns a row uses.
CSV_COLUMNS: tuple[str, ...] = (
    "record",
    "code",
    "kind",
    "scheme",
    "name",
    "province_code",
    "province_name",
    "commune_code",
    "commune_name",
    "crops",
    "varieties",
    "area_ha",
    "households",
    "owner",
    "address",
    "geometry",
    "issued",
    "status",
    "status_since",
    "status_reason",
    "legal_doc",
    "market",
    "approved",
    "valid_to",
    "registration_number",
    "from_status",
    "to_status",
    "date",
    "reason",
    "recorded_by",
    "gtin",
    "product_name",
    "crop",
    "variety",
    "exporter",
    "lot",
    "puc",
    "phc",
    "harvest_date",
    "pack_date",
)
CSV_RECORDS = ("code", "approval", "history", "product", "lot")

#: CSV columns of each record kind → the JSON field they fill.
CODE_FIELDS = CSV_COLUMNS[1 : CSV_COLUMNS.index("legal_doc") + 1]  # "code" … "legal_doc"
APPROVAL_FIELDS = ("market", "approved", "valid_to", "registration_number", "status")
HISTORY_FIELDS = {
    "from_status": "from",
    "to_status": "to",
    "date": "date",
    "reason": "reason",
    "legal_doc": "legal_doc",
    "recorded_by": "recorded_by",
}
PRODUCT_FIELDS = {
    "gtin": "gtin",
    "product_name": "name",
    "crop": "crop",
    "variety": "variety",
    "exporter": "exporter",
}
LOT_FIELDS = ("gtin", "lot", "puc", "phc", "harvest_date", "pack_date", "market")


@dataclasses.dataclass(slots=True)
class Raw:
    """One record as read from the file, before validation."""

    record: str  # codes | products | lots
    row: int  # index in the JSON array, or CSV line
    pointer: str  # JSON pointer, or "line N"
    data: dict[str, Any]
    #: CSV lines of the approval and history rows attached to a code row
    sub_pointers: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    #: a CSV code row whose list cells (crops, varieties, geometry) are still text: decoded by
    #: :func:`decode_csv_lists` when the record is validated (a re-import that skips it never does)
    csv_lists: bool = False


def decode_csv_lists(raw: Raw) -> None:
    """Turn the list cells of a CSV code row into lists (and its geometry cell into JSON), once."""
    if not raw.csv_lists:
        return
    raw.csv_lists = False
    data = raw.data
    for key in ("crops", "varieties"):
        if key in data:
            data[key] = split_list(data[key])
    if "geometry" in data:
        with contextlib.suppress(json.JSONDecodeError, RecursionError):  # else reported by validation
            data["geometry"] = json.loads(data["geometry"])


def join_list(items: Iterable[str]) -> str:
    r"""One CSV cell from a list of strings.

    >>> join_list(["Red; late", "a\\b", "Úc R2E2"])
    'Red\\; late;a\\\\b;Úc R2E2'
    """
    return ";".join(i.replace("\\", "\\\\").replace(";", "\\;") for i in items)


def split_list(cell: str) -> list[str]:
    r"""The list written by :func:`join_list` (items stripped; empty items dropped).

    >>> split_list('Red\\; late;a\\\\b; Úc R2E2 ;')
    ['Red; late', 'a\\b', 'Úc R2E2']
    """
    if "\\" not in cell:
        parts = cell.split(";")
    else:
        parts, cur, chars = [], [], iter(cell)
        for ch in chars:
            if ch == "\\":
                cur.append(next(chars, "\\"))
            elif ch == ";":
                parts.append("".join(cur))
                cur = []
            else:
                cur.append(ch)
        parts.append("".join(cur))
    return [p.strip() for p in parts if p.strip()]
