"""Batch validation of exporters' label files: CSV, XLSX and JSON Lines, streamed row by row.

Each row is one carton label in the column template of ``examples/labels/template.csv``
(``docs/batch-validation.md``)::

    gtin, lot, product_name, crop, harvest_date, pack_date, best_before, net_weight_kg,
    puc, phc, exporter, destination_market, serial, sscc

The rows are checked with the same field validators (:mod:`trace_std.label.fields`) and the same
cross-field rules (:mod:`trace_std.label.rules`) as :func:`trace_std.label.check_label`, without
building a pydantic model per row (the fast path). Cross-row checks: a repeated GTIN + serial or
SSCC is an error, one GTIN + lot with two different harvest dates is a warning.

Memory: rows are streamed, never held. The cross-row checks remember every GTIN + serial, SSCC and
lot (GTIN + lot, with its harvest dates): the first 50,000 of each in a dict, the rest in a private
temporary SQLite file with a 2 MiB page cache, so memory stays bounded however many serials or lots
a file has. The per-column caches hold parsed values and error *data*, never exception objects.

Row numbers are those a spreadsheet shows: the header is row 1, the first label row 2. For JSON
Lines, the row number is the line number.

>>> import io
>>> data = io.BytesIO(
...     "gtin;lot;product_name;crop;harvest_date;pack_date;net_weight_kg;exporter;destination_market\\n"
...     "08935012345677;L1;Thanh long;dragon fruit;2025-03-02;2025-03-01;10;ACME;VN\\n".encode())
>>> report = validate_file(data)
>>> report.rows_total, report.rows_invalid, [(i.row, i.field, i.code) for i in report.issues]
(1, 1, [(2, 'pack_date', 'label.date.order')])
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import dataclasses
import datetime as _dt
import inspect
import io
import itertools
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO, Any

from trace_std.errors import ErrorCode, FileFormatError, Issue, Severity, TraceStdError
from trace_std.label import fields as F
from trace_std.label import repair as R
from trace_std.label import sheet_reader
from trace_std.label.markets import MarketProfile
from trace_std.label.rules import association_issues, cross_field_issues, resolve_market
from trace_std.label.xlsx_guard import XlsxLimits, check_archive, sheet_rows
from trace_std.spreadsheet import restore

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "BatchReport",
    "Row",
    "RowCheck",
    "RowContext",
    "RowIssue",
    "RowResult",
    "XlsxLimits",
    "iter_file",
    "validate_file",
]

#: The template columns, in template order.
COLUMNS: tuple[str, ...] = (
    "gtin", "lot", "product_name", "crop", "harvest_date", "pack_date", "best_before", "net_weight_kg",
    "puc", "phc", "exporter", "destination_market", "serial", "sscc",
)  # fmt: skip
#: Columns a file must have (the others may be left out; an empty cell is an absent value).
REQUIRED_COLUMNS: tuple[str, ...] = ("gtin", "lot", "harvest_date", "pack_date", "net_weight_kg")
#: Columns accepted besides the template (the market particulars of RU, JP and KR among them).
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "product_name_en", "harvest_date_end", "product_name_ru", "product_name_ja", "product_name_ko",
    "exporter_address", "importer", "importer_address", "storage_conditions", "treatment_method",
    "treatment_facility",
)  # fmt: skip
#: Columns whose value is a nested label field: the value is kept (and reported) under that path.
_FIELD_OF_COLUMN: dict[str, str] = {
    "product_name_ru": "product_name.ru",
    "product_name_ja": "product_name.ja",
    "product_name_ko": "product_name.ko",
}

_CHUNK = 1 << 16
_SNIFF = 1 << 13


# -- results ---------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class RowIssue:
    """One issue of one row (``row`` is ``None`` for a file-level warning)."""

    row: int | None
    field: str | None
    code: str
    severity: Severity
    message: str
    span: tuple[int, int] | None = None
    context: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, row: int | None, issue: Issue) -> RowIssue:
        return cls(row, issue.field, issue.code, issue.severity, issue.message, issue.span, issue.context)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "row": self.row,
            "field": self.field,
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
        }
        if self.span is not None:
            out["span"] = list(self.span)
        if "value" in self.context:
            out["value"] = self.context["value"]
        if "read_as" in self.context:
            out["read_as"] = self.context["read_as"]
        return out


@dataclasses.dataclass(frozen=True, slots=True)
class Row(Mapping[str, Any]):
    """A row handed to the ``row_checks`` hooks: its number, raw cells and parsed values.

    A ``Row`` is also a read-only mapping of its parsed values (``row["puc"]``, ``row.get("pack_date")``:
    canonical codes, ``datetime.date`` objects, ``Decimal`` weights), so a hook written for a label
    mapping works on it unchanged.
    """

    number: int
    cells: Mapping[str, str]
    parsed: Mapping[str, Any]
    valid: bool  # no error so far

    def __getitem__(self, key: str) -> Any:
        return self.parsed[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.parsed)

    def __len__(self) -> int:
        return len(self.parsed)


@dataclasses.dataclass(frozen=True, slots=True)
class RowContext:
    """What a hook may need besides the row: the market, the ``as_of`` date and the file name."""

    market: MarketProfile | None
    as_of: _dt.date | None
    source: str


#: A per-row hook: ``hook(row, context)`` or ``hook(row)`` returning the row's extra issues.
RowCheck = Callable[[Row, RowContext], Iterable[Issue]] | Callable[[Row], Iterable[Issue]]


def _takes_context(hook: Callable[..., Any]) -> bool:
    """Whether a hook accepts a second positional argument (the :class:`RowContext`)."""
    try:
        params = list(inspect.signature(hook).parameters.values())
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return True
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind is p.VAR_POSITIONAL for p in params)


@dataclasses.dataclass(frozen=True, slots=True)
class RowResult:
    number: int
    issues: tuple[RowIssue, ...]
    #: the parsed values (canonical codes, dates, ``Decimal`` weight), with ``iter_file(values=True)``
    values: Mapping[str, Any] | None = None

    @property
    def valid(self) -> bool:
        return not any(i.severity is Severity.ERROR for i in self.issues)


@dataclasses.dataclass(slots=True)
class BatchReport:
    """Totals and issues of one file (``issues`` is capped by ``max_issues`` of :func:`validate_file`)."""

    source: str
    rows_total: int = 0
    rows_valid: int = 0
    rows_invalid: int = 0
    issues: list[RowIssue] = dataclasses.field(default_factory=list)
    issues_total: int = 0
    issues_by_code: dict[str, int] = dataclasses.field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.rows_invalid == 0

    def add(self, result: RowResult, max_issues: int | None) -> None:
        self.rows_total += 1
        if result.valid:
            self.rows_valid += 1
        else:
            self.rows_invalid += 1
        for issue in result.issues:
            self.add_issue(issue, max_issues)

    def add_issue(self, issue: RowIssue, max_issues: int | None) -> None:
        self.issues_total += 1
        self.issues_by_code[issue.code] = self.issues_by_code.get(issue.code, 0) + 1
        if max_issues is None or len(self.issues) < max_issues:
            self.issues.append(issue)

    def to_dict(self) -> dict[str, Any]:
        """The ``--format json`` document (``schemas/v1/batch-report.schema.json``)."""
        return {
            "file": self.source,
            "rows_total": self.rows_total,
            "rows_valid": self.rows_valid,
            "rows_invalid": self.rows_invalid,
            "issues_total": self.issues_total,
            "issues": [i.to_dict() for i in self.issues],
        }


# -- file errors -------------------------------------------------------------------------------------


def _file_error(code: ErrorCode, message: str, **context: Any) -> FileFormatError:
    err = TraceStdError.from_code(code, message, context=context)
    assert isinstance(err, FileFormatError)
    return err


def _utf8_error_position(raw: IO[bytes]) -> tuple[int, int] | None:
    """Byte offset and 1-based line of the first invalid UTF-8 sequence of a seekable stream."""
    try:
        raw.seek(0)
    except (OSError, ValueError):
        return None
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    lines = 1
    while True:
        chunk = raw.read(_CHUNK)
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            start = offset - pending + exc.start
            head = chunk[: max(0, exc.start)]
            return start, lines + head.count(b"\n")
        if not chunk:
            return None
        lines += chunk.count(b"\n")
        offset += len(chunk)


def _sniff_bytes(head: bytes) -> None:
    """Reject binary files and non-UTF-8 encodings with a clear ``file.*`` error."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _file_error(
            ErrorCode.FILE_ENCODING,
            "the file is UTF-16 (Excel 'Unicode Text'); save it as 'CSV UTF-8' instead",
            byte_offset=0,
            encoding="utf-16",
        )
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _file_error(
            ErrorCode.FILE_FORMAT_UNKNOWN,
            "old Excel .xls files are not supported; save as .xlsx or 'CSV UTF-8'",
        )
    if head.startswith((b"%PDF", b"\x89PNG", b"\x1f\x8b", b"GIF8", b"\xff\xd8\xff")):
        raise _file_error(
            ErrorCode.FILE_BINARY, "the file is binary, not a CSV, XLSX or JSON Lines file", byte_offset=0
        )
    if b"\x00" in head:
        evens, odds = head[0::2], head[1::2]
        if odds.count(0) > len(odds) // 3 or evens.count(0) > len(evens) // 3:
            raise _file_error(
                ErrorCode.FILE_ENCODING,
                "the file looks like UTF-16 without a byte-order mark; save it as 'CSV UTF-8'",
                byte_offset=head.index(b"\x00"),
                encoding="utf-16",
            )
        raise _file_error(
            ErrorCode.FILE_BINARY,
            "the file is binary, not a CSV, XLSX or JSON Lines file",
            byte_offset=head.index(b"\x00"),
        )


# -- row checking (the fast path) -----------------------------------------------------------------

_Parser = Callable[[str, str], Any]
# What a reader yields: a file-level warning, or (row number, cells or None, reader issues).
_Item = RowIssue | tuple[int, dict[str, str] | None, tuple[RowIssue, ...]]

_PARSERS: dict[str, _Parser] = {
    "gtin": F.parse_gtin,
    "lot": F.parse_lot,
    "product_name": F.parse_text,
    "product_name_en": F.parse_text,
    "crop": F.parse_text,
    "harvest_date_end": F.parse_date,
    "pack_date": F.parse_date,
    "best_before": F.parse_date,
    "net_weight_kg": F.parse_weight,
    "puc": F.parse_puc,
    "phc": F.parse_phc,
    "exporter": F.parse_text,
    "destination_market": F.parse_country,
    "product_name_ru": F.parse_text,
    "product_name_ja": F.parse_text,
    "product_name_ko": F.parse_text,
    "exporter_address": F.parse_address,
    "importer": F.parse_text,
    "importer_address": F.parse_address,
    "storage_conditions": F.parse_text,
    "treatment_method": F.parse_treatment,
    "treatment_facility": F.parse_text,
    "serial": F.parse_serial,
    "sscc": F.parse_sscc,
}
# Columns whose values are unique per row by design: not worth caching.
_UNCACHED = frozenset({"serial", "sscc"})
# Fields whose mere presence matters to the rules (required fields, market requirements, AI shape).
_PRESENCE = (
    "product_name",
    "crop",
    "exporter",
    "destination_market",
    "lot",
    "net_weight_kg",
    "serial",
    "sscc",
    "product_name.ru",
    "product_name.ja",
    "product_name.ko",
    "exporter_address",
    "importer",
    "importer_address",
    "storage_conditions",
    "treatment_method",
    "treatment_facility",
)
_REQUIRED_CODES = frozenset({str(ErrorCode.LABEL_FIELD_REQUIRED), str(ErrorCode.LABEL_MARKET_REQUIRED)})
_CELL_CACHE = 16_384  # entries per column cache (more than the ~11,000 export PUCs + PHCs): bounded memory
_SEEN_IN_MEMORY = 50_000  # serials/SSCCs kept in a dict before spilling to a temporary SQLite file
_MISS = object()
_UNKNOWN_FIELDS = 100  # unknown JSON Lines keys warned about (then silently ignored): bounded memory
# (field, AI) of the carton profile; the batch computes the AI *shape* to check req/ex (cached).
_SHAPE: tuple[tuple[str, str], ...] = (
    ("sscc", "00"), ("gtin", "01"), ("pack_date", "13"), ("best_before", "15"), ("net_weight_kg", "3100"),
    ("lot", "10"), ("serial", "21"), ("harvest_date", "7007"), ("puc", "90"), ("phc", "7030"),
)  # fmt: skip


class _SeenKeys:
    """The first row (and a short payload) of every key seen, exact, in bounded memory.

    Serials, SSCCs and lots (GTIN + lot, with its harvest dates as the payload). The first ``limit``
    keys live in a dict; beyond that, new keys go to a private temporary SQLite database on disk
    whose page cache is capped (``cache_kib``), so a file with a million unique serials or lots
    does not hold a million strings in memory.
    """

    def __init__(self, limit: int | None = None, cache_kib: int = 2048) -> None:
        self.limit = _SEEN_IN_MEMORY if limit is None else limit
        self.cache_kib = cache_kib
        self.memory: dict[str, tuple[int, str]] = {}
        self.db: sqlite3.Connection | None = None

    def first(self, key: str, row: int, payload: str = "") -> tuple[int, str]:
        """The row and payload ``key`` was first seen with (``row``, ``payload`` when it is new)."""
        hit = self.memory.get(key)
        if hit is not None:
            return hit
        if self.db is None:
            if len(self.memory) < self.limit:
                self.memory[key] = (row, payload)
                return row, payload
            self.db = sqlite3.connect("", check_same_thread=False)  # "": a private temporary file
            self.db.execute(f"PRAGMA cache_size=-{self.cache_kib}")
            self.db.execute("PRAGMA journal_mode=OFF")
            self.db.execute("PRAGMA synchronous=OFF")
            self.db.execute(
                "CREATE TABLE seen (key TEXT PRIMARY KEY, row INTEGER NOT NULL, payload TEXT NOT NULL)"
                " WITHOUT ROWID"
            )
        if self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?, ?)", (key, row, payload)).rowcount == 1:
            return row, payload
        found: tuple[int, str] = self.db.execute(
            "SELECT row, payload FROM seen WHERE key = ?", (key,)
        ).fetchone()
        return found

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None


@dataclasses.dataclass(frozen=True, slots=True)
class _Bad:
    """A cell value's error, as data: cached per distinct value and turned into a fresh
    :class:`RowIssue` on every row (never a cached exception, whose traceback would grow on each
    re-raise and keep every row's frames alive)."""

    code: str
    message: str
    span: tuple[int, int] | None
    context: Mapping[str, Any]


class _Checker:
    """Per-file state: column layout, market, cross-row sets."""

    def __init__(
        self,
        market: str | None,
        as_of: _dt.date | None,
        row_checks: Sequence[RowCheck],
        source: str,
        keep_values: bool = False,
    ) -> None:
        self.market_name = market
        self.keep_values = keep_values
        self.as_of = as_of
        self.row_checks = tuple((hook, _takes_context(hook)) for hook in row_checks)
        self.source = source
        self.serials = _SeenKeys()
        self.ssccs = _SeenKeys()
        self.lots = _SeenKeys()
        self.reference_year = _dt.date.today().year
        self._market_cache: dict[str | None, tuple[MarketProfile | None, tuple[Issue, ...]]] = {}
        self._caches: dict[str, dict[str, Any]] = {name: {} for name in _PARSERS if name not in _UNCACHED}
        self._caches["harvest_date"] = {}
        self._rules_cache: dict[tuple[Any, ...], tuple[Issue, ...]] = {}
        # repairs of cells the strict parsers refuse (only messy files get here): per column
        self._repairs: dict[str, dict[str, R.Repaired | _Bad]] = {}
        self._repair_state = R.RepairState()

    def close(self) -> None:
        self.serials.close()
        self.ssccs.close()
        self.lots.close()

    def market_for(self, destination: str | None) -> tuple[MarketProfile | None, tuple[Issue, ...]]:
        hit = self._market_cache.get(destination)
        if hit is None:
            profile, issues = resolve_market(destination, self.market_name)
            hit = (profile, tuple(issues))
            if len(self._market_cache) >= _CELL_CACHE:
                self._market_cache.clear()
            self._market_cache[destination] = hit
        return hit

    def _parse(self, name: str, text: str) -> Any:
        """Parse one cell: its value, a :class:`_Bad` with the error's data, or the
        :class:`~trace_std.label.repair.Repaired` note of a value the parser had to normalise.
        Never raises: what is cached is data, never an exception to raise again."""
        try:
            if name == "harvest_date":
                value: Any = F.parse_harvest(text)
            else:
                parser = _PARSERS.get(name)
                value = parser(text, name) if parser is not None else None
        except TraceStdError as err:
            return _Bad(err.code, err.message, err.span, err.context)
        if name in R.NOTED_COLUMNS:  # a value the parser had to normalise: a warning says so
            noted = R.note(name, text, value)
            if noted is not None:
                return noted
        return value

    def _repair(self, number: int, name: str, text: str, bad: _Bad) -> R.Repaired | _Bad:
        """A cell the strict parser refused: its repair, or the error to report (value and fix shown)."""
        cache = self._repairs.setdefault(name, {})
        hit = cache.get(text)
        if hit is not None:
            return hit
        err = TraceStdError.from_code(
            ErrorCode(bad.code), bad.message, span=bad.span, field=name, context=dict(bad.context)
        )
        us_order = self._repair_state.us_order_row
        found = R.repair(name, text, err, self._repair_state, number)
        if us_order is None and self._repair_state.us_order_row is not None:
            # the file has a date in US order: day/month readings cached so far no longer hold
            for column in R.DATE_COLUMNS:
                self._repairs.pop(column, None)
            cache = self._repairs.setdefault(name, {})
        if isinstance(found, TraceStdError):
            result: R.Repaired | _Bad = _Bad(found.code, found.message, found.span, found.context)
        else:
            result = found
        if not isinstance(result, R.Repaired) or result.cacheable:
            if len(cache) >= _CELL_CACHE:
                cache.clear()
            cache[text] = result
        return result

    def check(self, number: int, cells: Mapping[str, str]) -> RowResult:
        issues: list[RowIssue] = []
        values: dict[str, Any] = {}
        failed: set[str] = set()
        caches = self._caches
        for name, text in cells.items():
            if not text:
                continue
            # every cell goes through a bounded per-column cache: cells repeat a lot in label files
            cache = caches.get(name)
            if cache is None:
                value = self._parse(name, text)
            else:
                value = cache.get(text, _MISS)
                if value is _MISS:
                    value = self._parse(name, text)
                    if len(cache) >= _CELL_CACHE:
                        cache.clear()
                    cache[text] = value
            if value.__class__ is _Bad:
                value = self._repair(number, name, text, value)
                if value.__class__ is _Bad:
                    field = _FIELD_OF_COLUMN.get(name, name)  # product_name_ru -> product_name.ru
                    failed.add(field)
                    issues.append(
                        RowIssue(
                            number,
                            field,
                            value.code,
                            Severity.ERROR,
                            value.message,
                            value.span,
                            value.context,
                        )
                    )
                    continue
            if isinstance(value, R.Repaired):
                issues.append(_repaired_issue(number, name, value))
                value = value.value
            if name == "harvest_date":
                values["harvest_date"] = value[0]
                if value[1] is not None:
                    values["harvest_date_end"] = value[1]
            elif value is not None:
                values[_FIELD_OF_COLUMN.get(name, name)] = value
        for name in REQUIRED_COLUMNS:
            if name not in values and name not in failed:
                issues.append(
                    RowIssue(
                        number, name, ErrorCode.LABEL_FIELD_REQUIRED, Severity.ERROR, f"{name} is required"
                    )
                )
                failed.add(name)

        market, market_issues = self.market_for(values.get("destination_market"))
        for issue in market_issues:
            issues.append(_with_cell(number, issue, cells))
        for issue in self._row_rules(values, market, frozenset(failed)):
            issues.append(_with_cell(number, issue, cells))
        self._cross_row(number, values, issues)
        if self.row_checks:
            row = Row(number, cells, values, not any(i.severity is Severity.ERROR for i in issues))
            context = RowContext(market, self.as_of, self.source)
            for hook, with_context in self.row_checks:
                extra = hook(row, context) if with_context else hook(row)  # type: ignore[call-arg]
                for issue in extra:
                    issues.append(_with_cell(number, issue, cells))
        return RowResult(number, tuple(issues), values if self.keep_values else None)

    def _row_rules(
        self, values: Mapping[str, Any], market: MarketProfile | None, failed: frozenset[str]
    ) -> tuple[Issue, ...]:
        """Cross-field, date-window and GS1 req/ex rules: a pure function of the values that matter,
        memoised on them (identical rows are the norm in a label file)."""
        get = values.get
        puc, phc = get("puc"), get("phc")
        key = (  # the rules read a code only through its kind: thousands of PUCs share two keys
            get("harvest_date"), get("harvest_date_end"), get("pack_date"), get("best_before"),
            None if puc is None else F.code_kind(puc), None if phc is None else F.code_kind(phc),
            get("gtin"), market, failed, tuple(name in values for name in _PRESENCE),
        )  # fmt: skip
        hit = self._rules_cache.get(key)
        if hit is not None:
            return hit
        out: list[Issue] = []
        for issue in cross_field_issues(
            values, kind="carton", market=market, as_of=self.as_of, reference_year=self.reference_year
        ):
            if issue.field in failed and issue.code in _REQUIRED_CODES:
                continue
            out.append(issue)
        if "gtin" in values:
            out.extend(association_issues(tuple(ai for name, ai in _SHAPE if name in values)))
        result = tuple(out)
        if len(self._rules_cache) >= _CELL_CACHE:
            self._rules_cache.clear()
        self._rules_cache[key] = result
        return result

    def _cross_row(self, number: int, values: Mapping[str, Any], issues: list[RowIssue]) -> None:
        gtin = values.get("gtin")
        serial = values.get("serial")
        if gtin is not None and serial is not None:
            key = gtin + "\x1d" + serial
            first = self.serials.first(key, number)[0]
            if first != number:
                issues.append(
                    RowIssue(
                        number,
                        "serial",
                        ErrorCode.BATCH_SERIAL_DUPLICATE,
                        Severity.ERROR,
                        f"GTIN {gtin} serial {serial} already used on row {first}",
                        context={"first_row": first},
                    )
                )
        sscc = values.get("sscc")
        if sscc is not None:
            first = self.ssccs.first(sscc, number)[0]
            if first != number:
                issues.append(
                    RowIssue(
                        number,
                        "sscc",
                        ErrorCode.BATCH_SSCC_DUPLICATE,
                        Severity.ERROR,
                        f"SSCC {sscc} already used on row {first}",
                        context={"first_row": first},
                    )
                )
        lot = values.get("lot")
        harvest = values.get("harvest_date")
        if gtin is not None and lot is not None and harvest is not None:
            end = values.get("harvest_date_end")
            period = harvest.isoformat() if end is None else f"{harvest.isoformat()}/{end.isoformat()}"
            first, seen = self.lots.first(gtin + "\x1d" + lot, number, period)
            if seen != period:
                issues.append(
                    RowIssue(
                        number,
                        "harvest_date",
                        ErrorCode.BATCH_LOT_HARVEST_CONFLICT,
                        Severity.WARNING,
                        f"lot {lot} has another harvest date on row {first}",
                        context={"first_row": first},
                    )
                )


def _with_cell(number: int, issue: Issue, cells: Mapping[str, str]) -> RowIssue:
    """A rule's or a hook's issue of a row, its message showing the cell it is about (errors only)."""
    found = RowIssue.of(number, issue)
    if issue.severity is not Severity.ERROR or not issue.field or "value" in issue.context:
        return found
    text = cells.get(issue.field.split(".", 1)[0])
    if not text:
        return found
    return dataclasses.replace(
        found, message=f"{issue.message}; the cell has {text!r}", context={**issue.context, "value": text}
    )


def _repaired_issue(number: int, name: str, rep: R.Repaired) -> RowIssue:
    return RowIssue(
        number,
        name,
        rep.code,
        Severity.WARNING,
        rep.message,
        (0, len(rep.original)),
        {"value": rep.original, "read_as": rep.read_as},
    )


# -- readers ----------------------------------------------------------------------------------------


def _normalise_header(name: str) -> str:
    return name.strip().lstrip("\ufeff").strip().lower().replace(" ", "_").replace("-", "_")


def _columns(header: Sequence[str], first_row: int) -> tuple[list[str | None], list[RowIssue]]:
    """The template column of each header cell (names in any language of the alias table)."""
    header = [h.lstrip("\ufeff").strip() for h in header]
    names = sheet_reader.header_columns(header)
    seen: set[str] = set()
    for name in names:
        if name is None:
            continue
        if name in seen:
            raise _file_error(
                ErrorCode.FILE_COLUMNS_DUPLICATE, f"column {name!r} appears twice in the header", column=name
            )
        seen.add(name)
    missing = [c for c in REQUIRED_COLUMNS if c not in seen]
    if missing:
        raise _file_error(
            ErrorCode.FILE_COLUMNS_MISSING,
            f"missing column(s): {', '.join(missing)} (header on row {first_row}: "
            f"{', '.join(repr(h) for h in header if h)}); name the columns as in "
            "examples/labels/template.csv or docs/batch-validation.md",
            missing=missing,
            found=[h for h in header if h],
        )
    warnings = [
        RowIssue(
            first_row,
            original,
            ErrorCode.LABEL_FIELD_UNKNOWN,
            Severity.WARNING,
            f"column {original!r} is not a template column and is ignored",
            context={"value": original},
        )
        for original, name in zip(header, names, strict=True)
        if original and name is None and not sheet_reader.ignored_column(original)
    ]
    return names, warnings


def _find_header(rows: Iterator[list[str]]) -> tuple[int, list[str], list[RowIssue]]:
    """Consume ``rows`` down to the header row: ``(its row number, its cells, warnings)``."""
    first: tuple[int, list[str]] | None = None
    for number, cells in enumerate(rows, start=1):
        if first is None and any(c.strip() for c in cells):
            first = (number, cells)
        if sheet_reader.is_header(cells):
            notes: list[RowIssue] = []
            if number > 1:
                notes.append(
                    RowIssue(
                        number,
                        None,
                        ErrorCode.FILE_HEADER_ROW,
                        Severity.WARNING,
                        f"the header is on row {number}; the {number - 1} row(s) above it "
                        "(titles, blank rows) are not read",
                        context={"header_row": number},
                    )
                )
            return number, cells, notes
        if number >= sheet_reader.HEADER_SCAN:
            break
    if first is None:
        raise _file_error(ErrorCode.FILE_EMPTY, "the file is empty: no header row")
    _columns(first[1], first[0])  # raises file.columns.missing, naming what it found
    raise AssertionError("unreachable: a row without three template columns lacks required ones")


def _skipped(number: int, cells: Sequence[str], reason: str) -> RowIssue:
    shown = " | ".join(c.strip() for c in cells if c and c.strip())
    return RowIssue(
        number,
        None,
        ErrorCode.FILE_ROW_SKIPPED,
        Severity.WARNING,
        f"row skipped ({reason}): {shown[:80]!r}",
        context={"value": shown[:200], "reason": reason},
    )


class _Source:
    """An opened input: a binary stream, its name, its size (for progress) and whether we own it."""

    def __init__(
        self,
        source: str | os.PathLike[str] | IO[bytes],
        fmt: str | None,
        xlsx_limits: XlsxLimits | None = None,
    ) -> None:
        self.owned = False
        self.xlsx_limits = xlsx_limits if xlsx_limits is not None else XlsxLimits()
        if isinstance(source, (str, os.PathLike)):
            path = Path(source)
            self.name = str(path)
            try:
                self.raw: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise _file_error(
                    ErrorCode.FILE_UNREADABLE, f"cannot open {path}: {exc.strerror}", path=str(path)
                ) from None
            self.owned = True
            try:
                self.size: int | None = os.fstat(self.raw.fileno()).st_size
            except OSError:  # pragma: no cover
                self.size = None
        elif hasattr(source, "read"):
            self.raw = source
            self.name = _stream_name(source)
            self.size = None
        else:
            raise TypeError(f"expected a path or a binary stream, not {type(source).__name__}")
        self.fmt = fmt

    def close(self) -> None:
        if self.owned:
            self.raw.close()

    def position(self) -> int | None:
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return None


def _stream_name(stream: object) -> str:
    """A stream's file name, or ``<stream>``: a temporary file's ``name`` is its descriptor number,
    which must never reach a report (a large upload is spooled to one)."""
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) and name else "<stream>"


def _peek(raw: IO[bytes]) -> tuple[bytes, IO[bytes]]:
    """The first bytes of ``raw`` and a stream that still yields them."""
    peek = getattr(raw, "peek", None)
    if peek is not None:
        head: bytes = peek(_SNIFF)[:_SNIFF]
        return head, raw
    head = raw.read(_SNIFF)
    try:
        raw.seek(0)
        return head, raw
    except (OSError, ValueError, AttributeError):
        rest = raw.read()
        return head, io.BytesIO(head + rest)


def _detect_format(name: str, head: bytes, fmt: str | None) -> str:
    if fmt is not None:
        if fmt not in ("csv", "xlsx", "jsonl"):
            raise ValueError(f"format must be csv, xlsx or jsonl, not {fmt!r}")
        return fmt
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    lower = name.lower()
    if lower.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    if lower.endswith(".xlsx"):
        return "xlsx"
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"{"):
        return "jsonl"
    return "csv"


def _csv_rows(src: _Source, raw: IO[bytes]) -> Iterator[_Item]:
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
    try:
        head: list[str] = []
        try:
            for _ in range(sheet_reader.HEADER_SCAN):
                line = text.readline()
                if not line:
                    break
                head.append(line)
        except UnicodeDecodeError:
            raise _encoding_error(src, raw) from None
        if not any(line.strip() for line in head):
            raise _file_error(ErrorCode.FILE_EMPTY, "the file is empty: no header row")
        delimiter = sheet_reader.guess_delimiter(head)
        # strict: a stray quote raises instead of silently swallowing the rest of the file
        reader = csv.reader(itertools.chain(head, text), delimiter=delimiter, strict=True)
        number = 0
        try:
            number, header, notes = _find_header(reader)
            columns, warnings = _columns(header, number)
            yield from notes
            yield from warnings
            width = len(columns)
            pairs = [(i, c) for i, c in enumerate(columns) if c is not None]
            for cells in reader:
                number += 1
                if not cells or (len(cells) == 1 and not cells[0].strip()):
                    continue
                n = len(cells)
                extra: tuple[RowIssue, ...] = ()
                # restore(): a cell neutralised against formula injection by a trace_std writer
                # (``--fix``, reports) reads back as its value, so round trips stay exact
                if n == width:
                    row = {c: restore(cells[i].strip()) for i, c in pairs}
                elif n > width and any(c.strip() for c in cells[width:]):
                    extra = (
                        RowIssue(
                            number,
                            None,
                            ErrorCode.FILE_ROW_MALFORMED,
                            Severity.ERROR,
                            f"row has {n} cells, the header {width}",
                            context={"cells": n, "columns": width},
                        ),
                    )
                    row = {c: restore(cells[i].strip()) for i, c in pairs}
                else:
                    row = {c: restore(cells[i].strip()) if i < n else "" for i, c in pairs}
                gtin = row.get("gtin")
                if not gtin or not gtin[0].isdigit():  # blank (comma-only), totals, notes: not labels
                    reason = sheet_reader.skip_reason(cells, row)
                    if reason is not None:
                        if reason:
                            yield _skipped(number, cells, reason)
                        continue
                yield number, row, extra
        except UnicodeDecodeError:
            raise _encoding_error(src, raw) from None
        except csv.Error as exc:
            raise _file_error(
                ErrorCode.FILE_ROW_MALFORMED, f"CSV syntax error near row {number}: {exc}", row=number
            ) from None
    finally:
        text.detach()


def _encoding_error(src: _Source, raw: IO[bytes]) -> FileFormatError:
    where = _utf8_error_position(raw)
    if where is None:
        return _file_error(
            ErrorCode.FILE_ENCODING, "the file is not UTF-8 (e.g. Windows-1258); save it as 'CSV UTF-8'"
        )
    offset, line = where
    return _file_error(
        ErrorCode.FILE_ENCODING,
        f"the file is not UTF-8: invalid byte at offset {offset} (line {line}); "
        "it may be Windows-1258 or another legacy encoding; save it as 'CSV UTF-8'",
        byte_offset=offset,
        line=line,
    )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, _dt.datetime):
        return value.date().isoformat() if value.time() == _dt.time() else value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return restore(str(value).strip())


def _xlsx_rows(src: _Source, raw: IO[bytes]) -> Iterator[_Item]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is in the test environment
        raise _file_error(
            ErrorCode.FILE_FORMAT_UNKNOWN,
            "reading .xlsx needs the 'xlsx' extra: pip install 'trace-std[xlsx]'",
        ) from None
    # openpyxl is a third-party parser of untrusted zip + XML: a damaged workbook can make it raise
    # almost anything (zip, zlib, XML, KeyError, TypeError...). Everything it raises is turned into a
    # file error here, at the boundary, so nothing but TraceStdError leaves the reader.
    # Zip bombs, huge parts and cell floods are refused before openpyxl inflates anything.
    limits = src.xlsx_limits
    if not hasattr(raw, "seek") or not raw.seekable():  # zipfile needs to seek; an upload is seekable
        raw = io.BytesIO(raw.read(limits.max_total_bytes + 1))
    check_archive(raw, limits)
    try:
        book = openpyxl.load_workbook(raw, read_only=True, data_only=True)
    except Exception as exc:
        raise _file_error(
            ErrorCode.FILE_TRUNCATED,
            f"the .xlsx file is damaged or truncated ({type(exc).__name__}); save it again",
            reason=type(exc).__name__,
        ) from None
    number = 1
    try:
        sheet = book.active
        if sheet is None or not hasattr(sheet, "iter_rows"):
            raise _file_error(ErrorCode.FILE_EMPTY, "the workbook has no worksheet")
        rows = sheet_rows(sheet, limits)
        top = (list(map(_cell_text, cells)) for cells in rows)
        number, header, notes = _find_header(top)
        columns, warnings = _columns(header, number)
        yield from notes
        yield from warnings
        pairs = [(i, c) for i, c in enumerate(columns) if c is not None]
        for cells in rows:
            number += 1
            if not any(c is not None and _cell_text(c) for c in cells):
                continue
            n = len(cells)
            row = {c: _cell_text(cells[i]) if i < n else "" for i, c in pairs}
            gtin = row.get("gtin")
            if not gtin or not gtin[0].isdigit():  # totals, notes: not label rows
                texts = [_cell_text(c) for c in cells]
                reason = sheet_reader.skip_reason(texts, row)
                if reason is not None:
                    if reason:
                        yield _skipped(number, texts, reason)
                    continue
            yield number, row, ()
    except TraceStdError:
        raise
    except Exception as exc:  # a cut-off or corrupt sheet, found while reading it
        raise _truncated(exc, number) from None
    finally:
        with contextlib.suppress(Exception):
            book.close()


def _truncated(exc: BaseException, row: int) -> FileFormatError:
    return _file_error(
        ErrorCode.FILE_TRUNCATED,
        f"the .xlsx file is damaged or truncated near row {row} ({type(exc).__name__})",
        row=row,
        reason=type(exc).__name__,
    )


def _jsonl_rows(src: _Source, raw: IO[bytes]) -> Iterator[_Item]:
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="strict", newline="")
    known = set(COLUMNS) | set(OPTIONAL_COLUMNS)
    warned: set[str] = set()
    number = 0
    try:
        try:
            for line in text:
                number += 1
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except json.JSONDecodeError as exc:
                    bad = RowIssue(
                        number,
                        None,
                        ErrorCode.FILE_ROW_MALFORMED,
                        Severity.ERROR,
                        f"not a JSON object: {exc.msg}",
                        (exc.pos, exc.pos + 1),
                    )
                    yield number, None, (bad,)
                    continue
                except RecursionError:  # hostile nesting: the C parser gives up past the recursion limit
                    yield number, None, (_too_deep(number),)
                    continue
                if not isinstance(obj, dict):
                    bad = RowIssue(
                        number,
                        None,
                        ErrorCode.FILE_ROW_MALFORMED,
                        Severity.ERROR,
                        "each line must be a JSON object",
                    )
                    yield number, None, (bad,)
                    continue
                cells: dict[str, str] = {}
                unknown: list[str] = []
                try:
                    for key, value in obj.items():
                        name = _normalise_header(str(key))
                        if name in known:
                            cells[name] = _json_cell(value)
                        elif name not in warned and len(warned) < _UNKNOWN_FIELDS:
                            warned.add(name)
                            unknown.append(name)
                except RecursionError:  # a value nested just under the parser's limit, too deep to print
                    yield number, None, (_too_deep(number),)
                    continue
                for name in unknown:
                    yield RowIssue(
                        number,
                        name,
                        ErrorCode.LABEL_FIELD_UNKNOWN,
                        Severity.WARNING,
                        f"field {name!r} is not part of the template",
                    )
                yield number, cells, ()
        except UnicodeDecodeError:
            raise _encoding_error(src, raw) from None
    finally:
        text.detach()
    if number == 0:
        raise _file_error(ErrorCode.FILE_EMPTY, "the file is empty")


def _too_deep(number: int) -> RowIssue:
    return RowIssue(
        number,
        None,
        ErrorCode.FILE_ROW_MALFORMED,
        Severity.ERROR,
        "the JSON object is nested too deeply",
        context={"reason": "nesting"},
    )


def _json_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) and not value.is_integer() else str(int(value))
    if isinstance(value, dict) and "vi" in value:  # {"vi": ..., "en": ...} product name
        return str(value.get("vi") or "")
    return str(value).strip()


def _single_label(head: bytes) -> dict[str, Any] | None:
    """The label object of a whole (pretty-printed) JSON label file held in ``head``, else ``None``.

    JSON Lines files (one object per line) and files longer than the sniffed head are left to the
    JSON Lines reader.
    """
    if len(head) >= _SNIFF:
        return None
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not text.startswith(b"{"):
        return None
    first = text.split(b"\n", 1)[0]
    try:
        json.loads(first)
        return None  # the first line is a whole object: JSON Lines
    except RecursionError:  # nested too deeply: the JSON Lines reader reports it as a row error
        return None
    except (json.JSONDecodeError, UnicodeDecodeError):
        pass
    try:
        obj = json.loads(text.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return None
    return obj if isinstance(obj, dict) else None


def _check_single_label(
    label: dict[str, Any],
    market: str | None,
    as_of: _dt.date | None,
    row_checks: Sequence[RowCheck],
    source: str,
) -> RowResult:
    """One label JSON checked as :func:`~trace_std.label.check_label` does, as row 1."""
    from trace_std.label import check_label

    report = check_label(label, market=market, as_of=as_of)
    issues = [RowIssue.of(1, issue) for issue in report.issues]
    if row_checks:
        profile = None
        row = Row(1, {}, label, report.valid)
        context = RowContext(profile, as_of, source)
        for hook in row_checks:
            found = hook(row, context) if _takes_context(hook) else hook(row)  # type: ignore[call-arg]
            issues.extend(RowIssue.of(1, issue) for issue in found)
    return RowResult(1, tuple(issues), label)


# -- public API --------------------------------------------------------------------------------------

Progress = Callable[[int, int | None, int | None], None]


def iter_file(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    market: str | None = None,
    as_of: _dt.date | None = None,
    row_checks: Sequence[RowCheck] = (),
    format: str | None = None,
    name: str | None = None,
    progress: Progress | None = None,
    progress_every: int = 4096,
    values: bool = False,
    xlsx_limits: XlsxLimits | None = None,
) -> Iterator[RowResult | RowIssue]:
    """Stream a label file: one :class:`RowResult` per label row, :class:`RowIssue` for file warnings.

    Raises :class:`~trace_std.errors.FileFormatError` (codes ``file.*``) when the file cannot be
    read: ``file.unreadable``, ``file.binary``, ``file.encoding`` (with ``context["byte_offset"]``),
    ``file.truncated``, ``file.empty``, ``file.columns.missing``, ``file.columns.duplicate``.
    ``progress(rows, bytes_read, bytes_total)`` is called every ``progress_every`` rows.
    ``row_checks`` are hooks (e.g. registry look-ups) run on every row after the built-in rules.
    ``name`` (e.g. an upload's file name) is a hint for the format when the content does not tell
    (``format`` forces it); the content wins: an .xlsx workbook is read as one whatever its name.
    ``values=True`` keeps each row's parsed values in :attr:`RowResult.values` (for ``--fix``).

    A file that is one JSON label object (the file ``trace-std encode`` takes, carton or pallet,
    pretty-printed) is checked as one row with :func:`trace_std.label.check_label`.

    Spreadsheets as offices save them are read too (:mod:`trace_std.label.sheet_reader`,
    :mod:`trace_std.label.repair`): titles above the header, header names in Vietnamese, English or
    Chinese, blank, totals and notes rows skipped, dates, GTINs, codes, markets and decimal commas
    repaired with a warning each.
    ``xlsx_limits`` bound what an .xlsx may inflate to and hold (:mod:`trace_std.label.xlsx_guard`;
    default :class:`XlsxLimits`, the public limits; ``file.too_large`` beyond them).
    """
    if as_of is not None and (not isinstance(as_of, _dt.date) or isinstance(as_of, _dt.datetime)):
        raise TypeError("as_of must be a datetime.date")
    src = _Source(source, format, xlsx_limits)
    closers: list[Callable[[], None]] = [src.close]
    try:
        try:
            head, raw = _peek(src.raw)
        except OSError as exc:
            raise _file_error(ErrorCode.FILE_UNREADABLE, f"cannot read {src.name}: {exc}") from None
        if not head:
            raise _file_error(ErrorCode.FILE_EMPTY, "the file is empty")
        fmt = _detect_format(name or src.name, head, format)
        if fmt != "xlsx":
            _sniff_bytes(head)
        elif not head.startswith(b"PK"):
            raise _file_error(ErrorCode.FILE_FORMAT_UNKNOWN, "the file is not an .xlsx workbook")
        if fmt == "jsonl":
            label = _single_label(head)
            if label is not None:
                yield _check_single_label(label, market, as_of, row_checks, src.name)
                return
        reader = {"csv": _csv_rows, "xlsx": _xlsx_rows, "jsonl": _jsonl_rows}[fmt]
        checker = _Checker(market, as_of, row_checks, src.name, keep_values=values)
        closers.append(checker.close)
        count = 0
        for item in reader(src, raw):
            if isinstance(item, RowIssue):
                yield item
                continue
            number, cells, extra = item
            if cells is None:
                yield RowResult(number, extra)
            elif extra:
                yield RowResult(number, extra + checker.check(number, cells).issues)
            else:
                yield checker.check(number, cells)
            count += 1
            if progress is not None and count % progress_every == 0:
                progress(count, src.position(), src.size)
        if progress is not None:
            progress(count, src.size, src.size)
    finally:
        for close in closers:
            close()


def source_name(source: str | os.PathLike[str] | IO[bytes], name: str | None = None) -> str:
    """What a report calls its file: ``name`` (an upload's file name) if given, else the path or stream."""
    if name:
        return name
    return str(source) if isinstance(source, (str, os.PathLike)) else _stream_name(source)


def validate_file(
    source: str | os.PathLike[str] | IO[bytes],
    *,
    market: str | None = None,
    as_of: _dt.date | None = None,
    row_checks: Sequence[RowCheck] = (),
    format: str | None = None,
    name: str | None = None,
    max_issues: int | None = None,
    progress: Progress | None = None,
    xlsx_limits: XlsxLimits | None = None,
) -> BatchReport:
    """Validate a whole label file into a :class:`BatchReport` (see :func:`iter_file`).

    ``name`` is a format hint, as for :func:`iter_file`, and the report's ``source`` when given (an
    upload's file name); otherwise the path, or the stream's file name. ``max_issues`` caps the
    issues kept in memory (totals and ``issues_by_code`` stay exact).
    """
    report = BatchReport(source=source_name(source, name))
    for item in iter_file(
        source,
        market=market,
        as_of=as_of,
        row_checks=row_checks,
        format=format,
        name=name,
        progress=progress,
        xlsx_limits=xlsx_limits,
    ):
        if isinstance(item, RowResult):
            report.add(item, max_issues)
        else:
            report.add_issue(item, max_issues)
    return report
