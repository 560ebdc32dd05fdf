"""Open-data import: JSON or CSV, validated in full, applied all-or-nothing in one transaction.

Semantics (see ``docs/registry.md``):

* Every record is validated first; every bad row is reported (record, row, pointer, error code).
  If any row is bad, nothing is written.
* Records are upserted by key (code; GTIN; GTIN + lot). Fields present in a record overwrite the
  stored value; absent (or, in CSV, empty) fields keep it. Market approvals are upserted by market;
  an approval missing from the file is kept (withdraw one with ``status: revoked``).
* Status is never overwritten: history events in the file that the registry lacks are appended
  (they must continue the stored history), and a ``status`` different from the current one appends
  one more event dated ``status_since``. A new code without history gets an issuing event.
* Re-importing the same file is a no-op (every record ``unchanged``).
* Writers are serialised; readers see the registry before or after the file, never half of it.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import hashlib
import io
import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry._codes import gtin14, resolve_code
from trace_std.registry.models import STATUSES, Code, Lot, MarketApproval, Product, StatusEvent
from trace_std.registry.records import ImportReport, RowIssue

__all__ = ["CSV_COLUMNS", "FORMAT_NAME", "FORMAT_VERSION", "import_file", "parse_file", "upsert_one"]

FORMAT_NAME = "trace-std-registry"
FORMAT_VERSION = "1"
MAX_FILE_BYTES = 256 * 1024 * 1024

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

Progress = Callable[[str, int, int], None]


class _Rollback(Exception):
    """Raised inside the write transaction to undo it."""


# -- parsed input --------------------------------------------------------------------------------
@dataclasses.dataclass(slots=True)
class Raw:
    record: str  # codes | products | lots
    row: int
    pointer: str
    data: dict[str, Any]
    sub_pointers: dict[str, list[str]] = dataclasses.field(
        default_factory=dict
    )  # CSV lines of markets/history


@dataclasses.dataclass(slots=True)
class Parsed:
    format: str
    sha256: str
    codes: list[Raw]
    products: list[Raw]
    lots: list[Raw]
    issues: list[RowIssue]


def _read_bytes(source: str | Path | IO[bytes] | IO[str]) -> tuple[bytes, str]:
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise TraceStdError.from_code(
                    ErrorCode.REGISTRY_IMPORT_UNREADABLE,
                    "file too large",
                    context={"max": MAX_FILE_BYTES, "actual": size},
                )
            return path.read_bytes(), str(path)
        except OSError as exc:
            raise TraceStdError.from_code(
                ErrorCode.REGISTRY_IMPORT_UNREADABLE, f"cannot read {path}: {exc}"
            ) from exc
    data = source.read(MAX_FILE_BYTES + 1)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_FILE_BYTES:
        raise TraceStdError.from_code(ErrorCode.REGISTRY_IMPORT_UNREADABLE, "file too large")
    return data, str(getattr(source, "name", "<stream>"))


def _decode(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise TraceStdError.from_code(
            ErrorCode.REGISTRY_IMPORT_UNREADABLE, f"not UTF-8: {exc}", span=(exc.start, exc.end)
        ) from exc


def parse_file(source: str | Path | IO[bytes] | IO[str], *, format: str | None = None) -> tuple[Parsed, str]:
    """Read a JSON or CSV import file into raw records (no validation beyond the structure)."""
    data, name = _read_bytes(source)
    digest = hashlib.sha256(data).hexdigest()
    text = _decode(data)
    if format is None:
        format = "json" if text.lstrip()[:1] in ("{", "[") else "csv"
    if format == "json":
        return _parse_json(text, digest), name
    if format == "csv":
        return _parse_csv(text, digest), name
    raise ValueError(f"unknown format {format!r}; expected json or csv")


def _parse_json(text: str, digest: str) -> Parsed:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TraceStdError.from_code(
            ErrorCode.REGISTRY_IMPORT_UNREADABLE,
            f"invalid JSON: {exc.msg}",
            span=(exc.pos, exc.pos + 1),
            context={"line": exc.lineno},
        ) from exc
    if isinstance(doc, list):
        doc = {"codes": doc}
    if not isinstance(doc, dict):
        raise TraceStdError.from_code(ErrorCode.REGISTRY_IMPORT_UNREADABLE, "a JSON object is expected")
    out = Parsed("json", digest, [], [], [], [])
    fmt = doc.get("format")
    if fmt is not None and fmt != FORMAT_NAME:
        raise TraceStdError.from_code(ErrorCode.REGISTRY_IMPORT_UNREADABLE, f"format is not {FORMAT_NAME}")
    for record in ("codes", "products", "lots"):
        items = doc.get(record, [])
        if not isinstance(items, list):
            out.issues.append(
                RowIssue(
                    record,
                    0,
                    f"/{record}",
                    ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                    f"{record} must be an array",
                )
            )
            continue
        target: list[Raw] = getattr(out, record)
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                out.issues.append(
                    RowIssue(
                        record,
                        i,
                        f"/{record}/{i}",
                        ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                        "each record must be an object",
                    )
                )
                continue
            target.append(Raw(record, i, f"/{record}/{i}", item))
    return out


_CODE_FIELDS = (
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
)
_APPROVAL_FIELDS = ("market", "approved", "valid_to", "registration_number", "status")
_HISTORY_FIELDS = {
    "from_status": "from",
    "to_status": "to",
    "date": "date",
    "reason": "reason",
    "legal_doc": "legal_doc",
    "recorded_by": "recorded_by",
}
_PRODUCT_FIELDS = {
    "gtin": "gtin",
    "product_name": "name",
    "crop": "crop",
    "variety": "variety",
    "exporter": "exporter",
}
_LOT_FIELDS = ("gtin", "lot", "puc", "phc", "harvest_date", "pack_date", "market")


def _parse_csv(text: str, digest: str) -> Parsed:
    out = Parsed("csv", digest, [], [], [], [])
    lines = text.splitlines(keepends=True)
    start = 0
    while start < len(lines) and lines[start].startswith("#"):
        start += 1  # provenance comment lines of an export
    reader = csv.DictReader(io.StringIO("".join(lines[start:]), newline=""), strict=True)
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise TraceStdError.from_code(ErrorCode.REGISTRY_IMPORT_UNREADABLE, f"invalid CSV: {exc}") from exc
    if "record" not in header and "code" in header:
        simple = True  # a plain table of codes: one row per code, no record column
    elif "record" in header:
        simple = False
    else:
        raise TraceStdError.from_code(
            ErrorCode.REGISTRY_IMPORT_UNREADABLE, "CSV header needs a 'record' or a 'code' column"
        )
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise TraceStdError.from_code(
            ErrorCode.REGISTRY_IMPORT_UNREADABLE,
            f"unknown CSV columns {unknown}",
            context={"expected": list(CSV_COLUMNS)},
        )
    by_code: dict[str, Raw] = {}
    pending: list[tuple[int, str, dict[str, str]]] = []
    try:
        for row in reader:
            line = start + reader.line_num
            if None in row:
                out.issues.append(
                    RowIssue(
                        "codes",
                        line,
                        f"line {line}",
                        ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                        "more cells than columns",
                    )
                )
                continue
            cells = {k: v for k, v in row.items() if v not in (None, "")}
            kind = "code" if simple else cells.pop("record", "")
            if kind == "code":
                data = {k: v for k, v in cells.items() if k in _CODE_FIELDS}
                data.update(_csv_lists(data))
                raw = Raw("codes", line, f"line {line}", data)
                out.codes.append(raw)
                key = cells.get("code")
                if key is not None:
                    by_code.setdefault(key, raw)
            elif kind in ("approval", "history"):
                pending.append((line, kind, cells))
            elif kind == "product":
                out.products.append(
                    Raw(
                        "products",
                        line,
                        f"line {line}",
                        {_PRODUCT_FIELDS[k]: v for k, v in cells.items() if k in _PRODUCT_FIELDS},
                    )
                )
            elif kind == "lot":
                out.lots.append(
                    Raw("lots", line, f"line {line}", {k: v for k, v in cells.items() if k in _LOT_FIELDS})
                )
            else:
                out.issues.append(
                    RowIssue(
                        "codes",
                        line,
                        f"line {line}",
                        ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                        f"record must be one of {', '.join(CSV_RECORDS)}",
                    )
                )
    except csv.Error as exc:
        raise TraceStdError.from_code(
            ErrorCode.REGISTRY_IMPORT_UNREADABLE, f"invalid CSV at line {start + reader.line_num}: {exc}"
        ) from exc
    for line, kind, cells in pending:
        parent = by_code.get(cells.get("code", ""))
        if parent is None:
            out.issues.append(
                RowIssue(
                    "codes",
                    line,
                    f"line {line}",
                    ErrorCode.REGISTRY_IMPORT_UNKNOWN_REFERENCE,
                    f"{kind} row for a code with no code row in this file",
                    key=cells.get("code"),
                )
            )
            continue
        if kind == "approval":
            parent.data.setdefault("markets", []).append(
                {k: v for k, v in cells.items() if k in _APPROVAL_FIELDS}
            )
            parent.sub_pointers.setdefault("markets", []).append(f"line {line}")
        else:
            parent.data.setdefault("history", []).append(
                {_HISTORY_FIELDS[k]: v for k, v in cells.items() if k in _HISTORY_FIELDS}
            )
            parent.sub_pointers.setdefault("history", []).append(f"line {line}")
    return out


def _csv_lists(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("crops", "varieties"):
        if key in data:
            out[key] = [p.strip() for p in str(data[key]).split(";") if p.strip()]
    if "geometry" in data:
        try:
            out["geometry"] = json.loads(data["geometry"])
        except json.JSONDecodeError:
            out["geometry"] = data["geometry"]  # reported by validation
    return out


# -- validation --------------------------------------------------------------------------------
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
        if not isinstance(value, str) or not value.strip() or len(value) > max_len:
            self.error(
                ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                f"{field} must be a non-empty string of at most {max_len} characters",
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
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
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
            if not math.isfinite(number) or number < 0:
                raise ValueError(value)
        except (ValueError, OverflowError):
            kind = "a non-negative integer" if integer else "a non-negative number"
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


def _valid_market(value: str) -> bool:
    if value == "EU":
        return True
    from trace_std.data.iso import is_iso3166_alpha2

    return bool(is_iso3166_alpha2(value))


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
        or not all(isinstance(v, str) and v.strip() for v in value)
        or (slug and not all(set(v) <= _CROP_CHARS for v in value))
    ):
        what = "lower-case crop names (a-z, 0-9, -)" if slug else "non-empty strings"
        row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"{field} must be a list of {what}", field)
        return None
    return [v.strip() for v in value]


def validate_code(raw: Raw, issues: list[RowIssue]) -> CodeIn | None:
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
    for name, limit in (
        ("name", 200),
        ("owner", 300),
        ("address", 500),
        ("province_name", 100),
        ("commune_name", 100),
        ("province_code", 8),
        ("commune_code", 8),
        ("scheme", 32),
    ):
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
    items = data.get("markets", [])
    if not isinstance(items, list):
        row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, "markets must be a list", "markets")
        items = []
    for i, item in enumerate(items):
        ptr = _sub_pointer(raw, "markets", i)
        if not isinstance(item, dict):
            row.error(
                ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, "a market approval must be an object", None, ptr
            )
            continue
        market = row.text(item, "market", required=True, max_len=8, pointer=ptr)
        if market is not None:
            market = market.upper()
            if not _valid_market(market):
                row.error(
                    ErrorCode.REGISTRY_MARKET_UNKNOWN,
                    f"{market!r} is not an ISO 3166 alpha-2 code or EU",
                    "market",
                    ptr,
                )
            elif market in seen_markets:
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
    items = data.get("history", [])
    if not isinstance(items, list):
        row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, "history must be a list", "history")
        items = []
    for i, item in enumerate(items):
        ptr = _sub_pointer(raw, "history", i)
        if not isinstance(item, dict):
            row.error(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, "a history event must be an object", None, ptr)
            continue
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
    market = row.text(data, "market", max_len=8)
    if market is not None:
        market = market.upper()
        if not _valid_market(market):
            row.error(
                ErrorCode.REGISTRY_MARKET_UNKNOWN,
                f"{market!r} is not an ISO 3166 alpha-2 code or EU",
                "market",
            )
    provided: dict[str, Any] = {"harvest_date": harvest, "pack_date": pack, "market": market}
    fields.update({k: v for k, v in provided.items() if v is not None})
    if row.bad or gtin is None or lot is None or codes["puc"] is None:
        return None
    return LotIn(raw, gtin, lot, codes["puc"], codes["phc"], fields)


def _duplicates(items: Iterable[Any], key: Callable[[Any], str], record: str, issues: list[RowIssue]) -> None:
    first: dict[str, Any] = {}
    for item in items:
        k = key(item)
        if k in first:
            issues.append(
                RowIssue(
                    record,
                    item.raw.row,
                    item.raw.pointer,
                    ErrorCode.REGISTRY_IMPORT_DUPLICATE,
                    f"{k} already appears at {first[k].raw.pointer}",
                    k,
                )
            )
        else:
            first[k] = item


# -- application -------------------------------------------------------------------------------
def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _apply_code(
    s: Session, item: CodeIn, existing: Code | None, actor: str, report: ImportReport, issues: list[RowIssue]
) -> None:
    now = _now()
    created = existing is None
    if existing is None:
        first_day = (
            item.history[0].date
            if item.history
            else item.fields.get("issued") or item.status_since or now.date()
        )
        existing = Code(
            code=item.canonical,
            kind=item.kind,
            scheme=item.fields.get("scheme", item.kind),
            crops=[],
            varieties=[],
            status=item.history[0].to_status if item.history else "active",
            status_since=first_day,
            created_at=now,
            updated_at=now,
        )
        s.add(existing)
        changed = True
    else:
        changed = False
    for name, value in item.fields.items():
        if getattr(existing, name) != value:
            setattr(existing, name, value)
            changed = True
    # history: append what the registry lacks
    known = {(h.from_status, h.to_status, h.date) for h in existing.history}
    current: str | None = None if created else existing.status
    last: dt.date | None = max((h.date for h in existing.history), default=None)
    appended = 0

    def append(
        frm: str | None, to: str, day: dt.date, reason: str | None, legal: str | None, by: str | None
    ) -> bool:
        nonlocal current, last, appended
        if frm != current or (last is not None and day < last):
            issues.append(
                RowIssue(
                    "codes",
                    item.raw.row,
                    item.raw.pointer + ("/history" if item.raw.pointer.startswith("/") else ""),
                    ErrorCode.REGISTRY_IMPORT_HISTORY_CONFLICT,
                    f"event {frm}→{to} on {day} does not continue the registered history "
                    f"(status {current} since {last})",
                    item.canonical,
                    "history",
                )
            )
            return False
        s.add(
            StatusEvent(
                code=existing,
                from_status=frm,
                to_status=to,
                date=day,
                reason=reason,
                legal_doc=legal,
                recorded_by=by or actor,
                recorded_at=now,
            )
        )
        current, last = to, day
        appended += 1
        return True

    for ev in item.history:
        if (ev.from_status, ev.to_status, ev.date) in known:
            continue
        if not append(ev.from_status, ev.to_status, ev.date, ev.reason, ev.legal_doc, ev.recorded_by):
            return
    if created and current is None:
        issued = item.fields.get("issued")
        first_status = "active" if issued is not None or item.status in (None, "active") else item.status
        day = issued or item.status_since or now.date()
        append(
            None,
            first_status,
            day,
            "issued" if first_status == "active" else item.status_reason,
            None if first_status == "active" else item.legal_doc,
            None,
        )
    if item.status is not None and item.status != current:
        append(
            current, item.status, item.status_since or now.date(), item.status_reason, item.legal_doc, None
        )
    if appended:
        changed = True
        assert current is not None and last is not None
        existing.status, existing.status_since = current, last
    report.history_appended += appended
    # markets
    by_market = {a.market: a for a in existing.approvals}
    for m in item.markets:
        approval = by_market.get(m["market"])
        if approval is None:
            existing.approvals.append(MarketApproval(**m))
            changed = True
            continue
        for key, value in m.items():
            if getattr(approval, key) != value:
                setattr(approval, key, value)
                changed = True
    if changed:
        existing.updated_at = now
    bucket = report.created if created else report.updated if changed else report.unchanged
    bucket["codes"] += 1


def _load_codes(s: Session, keys: Iterable[str]) -> dict[str, Code]:
    out: dict[str, Code] = {}
    keys = sorted(set(keys))
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        for c in s.scalars(
            select(Code)
            .where(Code.code.in_(chunk))
            .options(selectinload(Code.approvals), selectinload(Code.history))
        ):
            out[c.code] = c
    return out


def _apply(
    s: Session,
    codes: list[CodeIn],
    products: list[ProductIn],
    lots: list[LotIn],
    actor: str,
    report: ImportReport,
    issues: list[RowIssue],
    progress: Progress | None,
) -> None:
    existing = _load_codes(
        s, [c.canonical for c in codes] + [lt.puc for lt in lots] + [lt.phc for lt in lots if lt.phc]
    )
    total = len(codes) + len(products) + len(lots)
    done = 0
    for item in codes:
        _apply_code(s, item, existing.get(item.canonical), actor, report, issues)
        done += 1
        if progress is not None and done % 200 == 0:
            progress("apply", done, total)
    s.flush()
    existing = _load_codes(s, [lt.puc for lt in lots] + [lt.phc for lt in lots if lt.phc])
    gtins = sorted({p.gtin for p in products} | {lt.gtin for lt in lots})
    stored: dict[str, Product] = {}
    for i in range(0, len(gtins), 500):
        for p in s.scalars(select(Product).where(Product.gtin.in_(gtins[i : i + 500]))):
            stored[p.gtin] = p
    for pi in products:
        prod = stored.get(pi.gtin)
        if prod is None:
            prod = Product(gtin=pi.gtin, **pi.fields)
            s.add(prod)
            stored[pi.gtin] = prod
            report.created["products"] += 1
        else:
            changed = False
            for key, value in pi.fields.items():
                if getattr(prod, key) != value:
                    setattr(prod, key, value)
                    changed = True
            (report.updated if changed else report.unchanged)["products"] += 1
        done += 1
    s.flush()
    stored_lots: dict[tuple[str, str], Lot] = {}
    for i in range(0, len(gtins), 500):
        for lt in s.scalars(select(Lot).where(Lot.gtin.in_(gtins[i : i + 500]))):
            stored_lots[(lt.gtin, lt.lot)] = lt
    for li in lots:
        ptr = li.raw.pointer
        refs: dict[str, Code | None] = {}
        ok = True
        wanted: tuple[tuple[str, str | None], ...] = (("puc", li.puc), ("phc", li.phc))
        for name, ref in wanted:
            if ref is None:
                refs[name] = None
                continue
            code = existing.get(ref)
            if code is None:
                issues.append(
                    RowIssue(
                        "lots",
                        li.raw.row,
                        f"{ptr}/{name}" if ptr.startswith("/") else ptr,
                        ErrorCode.REGISTRY_IMPORT_UNKNOWN_REFERENCE,
                        f"{name} {ref} is neither registered nor in this file",
                        f"{li.gtin}/{li.lot}",
                        name,
                    )
                )
                ok = False
            refs[name] = code
        if li.gtin not in stored:
            issues.append(
                RowIssue(
                    "lots",
                    li.raw.row,
                    f"{ptr}/gtin" if ptr.startswith("/") else ptr,
                    ErrorCode.REGISTRY_IMPORT_UNKNOWN_REFERENCE,
                    f"product {li.gtin} is neither registered nor in this file",
                    f"{li.gtin}/{li.lot}",
                    "gtin",
                )
            )
            ok = False
        if not ok:
            continue
        puc, phc = refs["puc"], refs["phc"]
        assert puc is not None
        values: dict[str, Any] = {"puc_id": puc.id, **li.fields}
        if phc is not None:
            values["phc_id"] = phc.id
        lot = stored_lots.get((li.gtin, li.lot))
        if lot is None:
            s.add(Lot(gtin=li.gtin, lot=li.lot, **values))
            report.created["lots"] += 1
        else:
            changed = False
            for key, value in values.items():
                if getattr(lot, key) != value:
                    setattr(lot, key, value)
                    changed = True
            (report.updated if changed else report.unchanged)["lots"] += 1
        done += 1
    if progress is not None:
        progress("apply", total, total)
    s.flush()


def validate(parsed: Parsed) -> tuple[list[CodeIn], list[ProductIn], list[LotIn], list[RowIssue]]:
    issues = list(parsed.issues)
    codes = [c for c in (validate_code(r, issues) for r in parsed.codes) if c is not None]
    products = [p for p in (validate_product(r, issues) for r in parsed.products) if p is not None]
    lots = [lt for lt in (validate_lot(r, issues) for r in parsed.lots) if lt is not None]
    _duplicates(codes, lambda c: c.canonical, "codes", issues)
    _duplicates(products, lambda p: p.gtin, "products", issues)
    _duplicates(lots, lambda lt: f"{lt.gtin}/{lt.lot}", "lots", issues)
    return codes, products, lots, issues


def _sort_issues(issues: list[RowIssue]) -> list[RowIssue]:
    order = {"codes": 0, "products": 1, "lots": 2}
    return sorted(issues, key=lambda i: (order.get(i.record, 3), i.row))


def import_file(
    registry: Any,
    source: str | Path | IO[bytes] | IO[str],
    *,
    actor: str,
    dry_run: bool = False,
    format: str | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate and apply an import file; see the module docstring."""
    parsed, name = parse_file(source, format=format)
    report = ImportReport(source=name, format=parsed.format, dry_run=dry_run, sha256=parsed.sha256)
    codes, products, lots, issues = validate(parsed)
    if progress is not None:
        progress("validated", 0, len(codes) + len(products) + len(lots))
    if issues:
        report.issues = _sort_issues(issues)
        return report
    try:
        with registry.write(dry_run=dry_run) as s:
            _apply(s, codes, products, lots, actor, report, issues, progress)
            if issues:
                raise _Rollback
            registry._audit(
                s,
                actor,
                "registry.import" if not dry_run else "registry.import.dry_run",
                name,
                {
                    "sha256": parsed.sha256,
                    "created": report.created,
                    "updated": report.updated,
                    "unchanged": report.unchanged,
                    "history_appended": report.history_appended,
                },
            )
    except _Rollback:
        report.issues = _sort_issues(issues)
        for bucket in (report.created, report.updated, report.unchanged):
            for key in bucket:
                bucket[key] = 0
        report.history_appended = 0
        return report
    report.applied = not dry_run
    if report.applied and (any(report.created.values()) or any(report.updated.values())):
        registry.refresh_statistics()
    return report


def upsert_one(registry: Any, data: Mapping[str, Any], *, actor: str) -> tuple[str, str]:
    """Apply one code record (the admin API's create/update); raises the first problem."""
    if not isinstance(data, Mapping):
        raise TypeError("data must be a mapping")
    issues: list[RowIssue] = []
    item = validate_code(Raw("codes", 0, "", dict(data)), issues)
    if issues or item is None:
        first = issues[0]
        raise TraceStdError.from_code(
            ErrorCode(first.code),
            first.message,
            field=first.field,
            context={"issues": [i.to_dict() for i in issues]},
        )
    report = ImportReport(source="api", format="record", dry_run=False)
    with registry.write() as s:
        existing = _load_codes(s, [item.canonical]).get(item.canonical)
        _apply_code(s, item, existing, actor, report, issues)
        if issues:
            raise _first_error(issues)
        outcome = (
            "created" if report.created["codes"] else "updated" if report.updated["codes"] else "unchanged"
        )
        if outcome != "unchanged":
            action = "code.create" if outcome == "created" else "code.update"
            registry._audit(s, actor, action, item.canonical, {"fields": sorted(item.fields)})
    return outcome, item.canonical


def _first_error(issues: list[RowIssue]) -> TraceStdError:
    first = issues[0]
    return TraceStdError.from_code(ErrorCode(first.code), first.message, field=first.field)
