"""Import stage 2: validate one raw record (a code with its approvals and history, a product or a lot).

Each ``validate_*`` function checks every field of one record, appends every problem to ``issues``
(as a :class:`~trace_std.registry.records.RowIssue` with record, row, pointer and error code) and
returns the typed record, or ``None`` when it has any problem. Checks that need other rows
(duplicates, references) are made later, on the spill and in the load.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import math
from collections.abc import Iterator, Mapping
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry._codes import gtin14, resolve_code
from trace_std.registry.importer.formats import Raw, decode_csv_lists
from trace_std.registry.models import STATUSES
from trace_std.registry.records import RowIssue

_fromisoformat = dt.date.fromisoformat

#: The largest integer a column holds on every backend (PostgreSQL ``integer`` is 32-bit).
MAX_INTEGER = 2**31 - 1

__all__ = [
    "MAX_INTEGER",
    "CodeIn",
    "EventIn",
    "LotIn",
    "ProductIn",
    "validate_code",
    "validate_lot",
    "validate_product",
]


@dataclasses.dataclass(slots=True)
class EventIn:
    from_status: str | None
    to_status: str
    date: dt.date
    reason: str | None
    legal_doc: str | None
    recorded_by: str | None


@dataclasses.dataclass(slots=True)
class CodeIn:
    raw: Raw
    canonical: str
    kind: str
    fields: dict[str, Any]  # column → value, only those provided
    status: str | None
    status_since: dt.date | None
    status_reason: str | None
    legal_doc: str | None
    markets: list[dict[str, Any]]
    history: list[EventIn]
    digest: str | None = None  # of the file record (:mod:`.digest`); None: not from a file


@dataclasses.dataclass(slots=True)
class ProductIn:
    raw: Raw
    gtin: str
    fields: dict[str, Any]


@dataclasses.dataclass(slots=True)
class LotIn:
    raw: Raw
    gtin: str
    lot: str
    puc: str
    phc: str | None
    fields: dict[str, Any]


class _Row:
    """Collects the issues of one record."""

    def __init__(self, raw: Raw, issues: list[RowIssue], key: str | None = None) -> None:
        self.raw, self.issues, self.key, self.bad = raw, issues, key, False

    def error(
        self, code: ErrorCode, message: str, field: str | None = None, pointer: str | None = None
    ) -> None:
        self.bad = True
        where = pointer or (
            f"{self.raw.pointer}/{field}" if field and self.raw.pointer.startswith("/") else self.raw.pointer
        )
        self.issues.append(RowIssue(self.raw.record, self.raw.row, where, code, message, self.key, field))

    def text(
        self,
        data: Mapping[str, Any],
        field: str,
        *,
        required: bool = False,
        max_len: int = 500,
        pointer: str | None = None,
    ) -> str | None:
        value = data.get(field)
        if value is None:
            if required:
                self.error(ErrorCode.REGISTRY_IMPORT_FIELD_MISSING, f"{field} is required", field, pointer)
            return None
        if value.__class__ is str and len(value) <= max_len and "\x00" not in value:
            stripped = value.strip()
            if stripped:
                return stripped
        if not isinstance(value, str) or not value.strip() or len(value) > max_len or "\x00" in value:
            self.error(
                ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                f"{field} must be a non-empty string of at most {max_len} characters, without NUL",
                field,
                pointer,
            )
            return None
        return value.strip()

    def date(
        self, data: Mapping[str, Any], field: str, *, required: bool = False, pointer: str | None = None
    ) -> dt.date | None:
        value = data.get(field)
        if value is None:
            if required:
                self.error(ErrorCode.REGISTRY_IMPORT_FIELD_MISSING, f"{field} is required", field, pointer)
            return None
        if value.__class__ is str and len(value) == 10:
            try:
                return _fromisoformat(value)
            except ValueError:
                pass
        elif isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError:
            self.error(
                ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"{field} must be a date YYYY-MM-DD", field, pointer
            )
            return None

    def number(self, data: Mapping[str, Any], field: str, *, integer: bool = False) -> float | int | None:
        value = data.get(field)
        if value is None:
            return None
        try:
            if isinstance(value, bool):
                raise ValueError(value)
            if isinstance(value, str):
                number: float | int = int(value) if integer else float(value)
            elif isinstance(value, (int, float)):
                number = value
            else:
                raise ValueError(value)
            if integer and (not isinstance(number, int) and not float(number).is_integer()):
                raise ValueError(value)
            if not math.isfinite(number) or number < 0 or (integer and number > MAX_INTEGER):
                raise ValueError(value)
        except (ValueError, OverflowError):
            kind = f"an integer from 0 to {MAX_INTEGER}" if integer else "a non-negative number"
            self.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"{field} must be {kind}", field)
            return None
        return int(number) if integer else float(number)

    def status(
        self, data: Mapping[str, Any], field: str, *, required: bool = False, pointer: str | None = None
    ) -> str | None:
        value = self.text(data, field, required=required, max_len=16, pointer=pointer)
        if value is not None and value not in STATUSES:
            self.error(
                ErrorCode.REGISTRY_STATUS_INVALID,
                f"{field} must be one of {', '.join(STATUSES)}",
                field,
                pointer,
            )
            return None
        return value


@functools.lru_cache(maxsize=1024)
def _valid_market(value: str) -> bool:
    if value == "EU":
        return True
    from trace_std.data.iso import is_iso3166_alpha2

    return bool(is_iso3166_alpha2(value))


def _market(
    row: _Row, data: Mapping[str, Any], *, required: bool = False, pointer: str | None = None
) -> str | None:
    """The market of an approval or a lot, upper-cased (an unknown one is reported)."""
    market = row.text(data, "market", required=required, max_len=8, pointer=pointer)
    if market is None:
        return None
    market = market.upper()
    if not _valid_market(market):
        row.error(
            ErrorCode.REGISTRY_MARKET_UNKNOWN,
            f"{market!r} is not an ISO 3166 alpha-2 code or EU",
            "market",
            pointer,
        )
    return market


def _valid_position(p: Any) -> bool:
    return (
        isinstance(p, list)
        and len(p) in (2, 3)
        and all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in p)
        and -180 <= p[0] <= 180
        and -90 <= p[1] <= 90
    )


def _valid_polygon(rings: Any) -> bool:
    return (
        isinstance(rings, list)
        and len(rings) >= 1
        and all(
            isinstance(r, list) and len(r) >= 4 and all(_valid_position(p) for p in r) and r[0] == r[-1]
            for r in rings
        )
    )


def _valid_geometry(g: Any) -> bool:
    if not isinstance(g, dict) or set(g) - {"type", "coordinates", "bbox"}:
        return False
    kind, coords = g.get("type"), g.get("coordinates")
    if kind == "Point":
        return _valid_position(coords)
    if kind == "Polygon":
        return _valid_polygon(coords)
    if kind == "MultiPolygon":
        return isinstance(coords, list) and len(coords) >= 1 and all(_valid_polygon(p) for p in coords)
    return False


_CROP_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def _str_list(row: _Row, data: Mapping[str, Any], field: str, *, slug: bool) -> list[str] | None:
    value = data.get(field)
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or not all(isinstance(v, str) and v.strip() and "\x00" not in v for v in value)
        or (slug and not all(set(v) <= _CROP_CHARS for v in value))
    ):
        what = "lower-case crop names (a-z, 0-9, -)" if slug else "non-empty strings"
        row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"{field} must be a list of {what}", field)
        return None
    return [v.strip() for v in value]


_CODE_TEXTS = (
    ("name", 200),
    ("owner", 300),
    ("address", 500),
    ("province_name", 100),
    ("commune_name", 100),
    ("province_code", 8),
    ("commune_code", 8),
    ("scheme", 32),
)


def validate_code(raw: Raw, issues: list[RowIssue]) -> CodeIn | None:
    decode_csv_lists(raw)
    data = raw.data
    row = _Row(raw, issues, key=data.get("code") if isinstance(data.get("code"), str) else None)
    text = row.text(data, "code", required=True, max_len=64)
    resolved = None
    if text is not None:
        try:
            resolved = resolve_code(text)
        except TraceStdError as exc:
            row.error(
                ErrorCode.REGISTRY_IMPORT_CODE_INVALID, f"{text!r} is not a valid code ({exc.code})", "code"
            )
        else:
            row.key = resolved.canonical
    kind = row.text(data, "kind", max_len=8)
    if resolved is not None and kind is not None and kind != resolved.kind:
        row.error(
            ErrorCode.REGISTRY_CODE_KIND_MISMATCH, f"kind {kind!r} but the code is a {resolved.kind}", "kind"
        )
    fields: dict[str, Any] = {}
    for name, limit in _CODE_TEXTS:
        value = data.get(name)
        if value is None:
            continue
        if value.__class__ is str and len(value) <= limit and "\x00" not in value:
            stripped = value.strip()
            if stripped:
                fields[name] = stripped  # the common case of row.text, inline
                continue
        value = row.text(data, name, max_len=limit)
        if value is not None:
            fields[name] = value
    if resolved is not None:
        fields["kind"] = resolved.kind
        fields["scheme"] = resolved.scheme  # the code's grammar decides (verify's market rules rely on it)
        for name in ("province_code", "province_name", "commune_code", "commune_name"):
            derived = getattr(resolved, name)
            if derived is not None:
                given = fields.get(name)
                if given is not None and name.endswith("_code") and given != derived:
                    row.error(
                        ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                        f"{name} {given!r} contradicts the code ({derived!r})",
                        name,
                    )
                fields[name] = derived if name.endswith("_code") or given is None else given
    for name, slug in (("crops", True), ("varieties", False)):
        values = _str_list(row, data, name, slug=slug)
        if values is not None:
            fields[name] = values
    area = row.number(data, "area_ha")
    if area is not None:
        fields["area_ha"] = area
    households = row.number(data, "households", integer=True)
    if households is not None:
        fields["households"] = households
    if data.get("geometry") is not None:
        if _valid_geometry(data["geometry"]):
            fields["geometry"] = data["geometry"]
        else:
            row.error(
                ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                "geometry must be a GeoJSON Point, Polygon or MultiPolygon (lon, lat)",
                "geometry",
            )
    issued = row.date(data, "issued")
    if issued is not None:
        fields["issued"] = issued
    status = row.status(data, "status")
    since = row.date(data, "status_since")
    reason = row.text(data, "status_reason", max_len=2000)
    legal_doc = row.text(data, "legal_doc", max_len=200)
    markets: list[dict[str, Any]] = []
    seen_markets: set[str] = set()
    for ptr, item in _sub_items(row, "markets", "a market approval"):
        market = _market(row, item, required=True, pointer=ptr)
        if market is not None:
            if _valid_market(market) and market in seen_markets:
                row.error(ErrorCode.REGISTRY_IMPORT_DUPLICATE, f"market {market} listed twice", "market", ptr)
            seen_markets.add(market)
        approved = row.date(item, "approved", pointer=ptr)
        valid_to = row.date(item, "valid_to", pointer=ptr)
        if approved and valid_to and valid_to < approved:
            row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, "valid_to is before approved", "valid_to", ptr)
        reg_no = row.text(item, "registration_number", max_len=64, pointer=ptr)
        mstatus = row.status(item, "status", pointer=ptr) or "active"
        markets.append(
            {
                "market": market,
                "approved": approved,
                "valid_to": valid_to,
                "registration_number": reg_no,
                "status": mstatus,
            }
        )
    history: list[EventIn] = []
    for ptr, item in _sub_items(row, "history", "a history event"):
        frm = row.status(item, "from", pointer=ptr)
        to = row.status(item, "to", required=True, pointer=ptr)
        day = row.date(item, "date", required=True, pointer=ptr)
        if to is not None and day is not None:
            history.append(
                EventIn(
                    frm,
                    to,
                    day,
                    row.text(item, "reason", max_len=2000, pointer=ptr),
                    row.text(item, "legal_doc", max_len=200, pointer=ptr),
                    row.text(item, "recorded_by", max_len=200, pointer=ptr),
                )
            )
    for a, b in itertools.pairwise(history):
        if b.date < a.date or b.from_status != a.to_status:
            row.error(
                ErrorCode.REGISTRY_IMPORT_HISTORY_CONFLICT,
                "history events must be in date order, each starting from the previous status",
                "history",
            )
            break
    if row.bad or resolved is None:
        return None
    return CodeIn(
        raw, resolved.canonical, resolved.kind, fields, status, since, reason, legal_doc, markets, history
    )


def _sub_items(row: _Row, field: str, what: str) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """``(pointer, item)`` of each object in the list ``field`` of a code (markets, history)."""
    items = row.raw.data.get(field, [])
    if not isinstance(items, list):
        row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"{field} must be a list", field)
        return
    for i, item in enumerate(items):
        ptr = _sub_pointer(row.raw, field, i)
        if isinstance(item, dict):
            yield ptr, item
        else:
            row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"{what} must be an object", None, ptr)


def _sub_pointer(raw: Raw, field: str, i: int) -> str:
    lines = raw.sub_pointers.get(field)
    if lines is not None and i < len(lines):
        return lines[i]
    return f"{raw.pointer}/{field}/{i}"


def validate_product(raw: Raw, issues: list[RowIssue]) -> ProductIn | None:
    data = raw.data
    row = _Row(raw, issues, key=str(data.get("gtin")) if data.get("gtin") is not None else None)
    text = row.text(data, "gtin", required=True, max_len=14)
    gtin = None
    if text is not None:
        try:
            gtin = gtin14(text)
            row.key = gtin
        except TraceStdError:
            row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"{text!r} is not a valid GTIN", "gtin")
    fields: dict[str, Any] = {}
    name = row.text(data, "name", required=True, max_len=300)
    crop = row.text(data, "crop", required=True, max_len=64)
    if crop is not None and not set(crop) <= _CROP_CHARS:
        row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, "crop must be lower-case (a-z, 0-9, -)", "crop")
    for key, value in (
        ("name", name),
        ("crop", crop),
        ("variety", row.text(data, "variety", max_len=100)),
        ("exporter", row.text(data, "exporter", max_len=300)),
    ):
        if value is not None:
            fields[key] = value
    if row.bad or gtin is None:
        return None
    return ProductIn(raw, gtin, fields)


def validate_lot(raw: Raw, issues: list[RowIssue]) -> LotIn | None:
    data = raw.data
    row = _Row(raw, issues)
    text = row.text(data, "gtin", required=True, max_len=14)
    lot = row.text(data, "lot", required=True, max_len=20)
    row.key = f"{text}/{lot}"
    gtin = None
    if text is not None:
        try:
            gtin = gtin14(text)
        except TraceStdError:
            row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"{text!r} is not a valid GTIN", "gtin")
    if lot is not None and not all(0x21 <= ord(c) <= 0x7E for c in lot):
        row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, "lot must be printable ASCII (GS1 AI 10)", "lot")
    codes: dict[str, str | None] = {}
    for name in ("puc", "phc"):
        value = row.text(data, name, required=name == "puc", max_len=64)
        codes[name] = None
        if value is not None:
            try:
                resolved = resolve_code(value)
            except TraceStdError as exc:
                row.error(
                    ErrorCode.REGISTRY_IMPORT_CODE_INVALID,
                    f"{value!r} is not a valid code ({exc.code})",
                    name,
                )
                continue
            if resolved.kind != name:
                row.error(ErrorCode.REGISTRY_CODE_KIND_MISMATCH, f"{name} is a {resolved.kind}", name)
            codes[name] = resolved.canonical
    fields: dict[str, Any] = {}
    harvest = row.date(data, "harvest_date")
    pack = row.date(data, "pack_date")
    if harvest and pack and pack < harvest:
        row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, "pack_date is before harvest_date", "pack_date")
    market = _market(row, data)
    provided: dict[str, Any] = {"harvest_date": harvest, "pack_date": pack, "market": market}
    fields.update({k: v for k, v in provided.items() if v is not None})
    if row.bad or gtin is None or lot is None or codes["puc"] is None:
        return None
    return LotIn(raw, gtin, lot, codes["puc"], codes["phc"], fields)
