"""Open-data export (JSON, CSV or JSON Lines) with provenance: generation time, source and a SHA-256 checksum.

The checksum covers the *data*, not the provenance, so two exports of the same registry have the
same checksum whenever they were made:

* JSON: SHA-256 of the canonical JSON (UTF-8, keys sorted, no spaces) of
  ``{"codes": [...], "lots": [...], "products": [...]}``;
* CSV: SHA-256 of the bytes after the ``#`` provenance lines.

* JSON Lines (``jsonl``): SHA-256 of the bytes after the first line.

The JSON Lines form has the provenance object (``$schema``, ``format``, ``version``,
``provenance``) on its first line, then one record per line: the record of the JSON document in its
canonical form with a ``record`` member (``code``, ``product`` or ``lot``, as the CSV ``record``
column); codes first, then products, then lots.

Records are sorted (codes by code, products by GTIN, lots by GTIN and lot). The export streams:
codes, approvals and history are three set-based queries sorted by code, read from one consistent
snapshot of the database (SQLite: plain cursors side by side; PostgreSQL: server-side cursors, each
row sent as one JSON array text) and merged a batch of codes at a time. A batch is encoded column
by column: the C JSON encoder encodes all its scalars in one call, JSON columns are decoded and
encoded again a batch at a time, CSV quoting and neutralisation run only on the columns that hold a
cell needing them, and one join per batch interleaves the constant texts (keys, commas) with the
columns; the result is, byte for byte, what encoding each record on its own gives. Records go to
temporary spool files while the checksum is computed incrementally, and the provenance (which
carries the checksum and counts) is written in front at the end. Memory holds one batch, whatever
the registry's size. In the JSON document each record is one line, in its canonical form. A path is
written to a temporary file in the same directory, flushed to disk, then renamed over the target,
so a reader sees the old file or the new one, never a partial file.

CSV text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) are
prefixed with an apostrophe (:mod:`trace_std.spreadsheet`); the importer removes it again.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import gc
import hashlib
import io
import itertools
import json
import operator
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from trace_std import __version__
from trace_std.registry import db
from trace_std.registry.importer.formats import (
    CSV_COLUMNS,
    FORMAT_NAME,
    FORMAT_VERSION,
    HISTORY_FIELDS,
    LOT_FIELDS,
    PRODUCT_FIELDS,
    join_list,
)
from trace_std.registry.records import ExportInfo
from trace_std.spreadsheet import TRIGGERS, neutralise

__all__ = ["SCHEMA_ID", "export", "json_checksum", "render"]

SCHEMA_ID = "https://trace-std.org/schemas/v1/registry-export.schema.json"
#: Rows read from the database, and records encoded, at a time.
BATCH = 1000
#: Export formats: the JSON document, CSV, and JSON Lines (one record per line).
FORMATS = ("json", "csv", "jsonl")
_RECORD = {"codes": "code", "products": "product", "lots": "lot"}
_SECTIONS = ("codes", "products", "lots")
#: The columns of a code record, in the order of the open-data format (``code`` … ``status_since``).
CODE_COLUMNS = CSV_COLUMNS[1 : CSV_COLUMNS.index("status_since") + 1]


_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def json_checksum(data: dict[str, list[dict[str, Any]]]) -> str:
    """SHA-256 of the canonical JSON of the data part of an export."""
    canonical = json.dumps(
        {k: data[k] for k in _SECTIONS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- reading: three sorted streams from one snapshot -------------------------------------------------
#: A batch of codes as read: the columns of their rows (CODE_COLUMNS order; dates and the JSON columns
#: ``crops``, ``varieties`` and ``geometry`` as text, ``area_ha`` a float, ``households`` an int), their
#: approval rows ``(code, market, status, approved, valid_to, registration_number)`` and their history
#: rows ``(code, from, to, date, reason, legal_doc, recorded_by)``, each in the database's order.
Batch = tuple[list[Sequence[Any]], list[Sequence[Any]], list[Sequence[Any]]]
_APPROVAL_KEYS = ("market", "status", "approved", "valid_to", "registration_number")
_HISTORY_KEYS = ("from", "to", "date", "reason", "legal_doc", "recorded_by")
_I_CROPS, _I_VARIETIES = CODE_COLUMNS.index("crops"), CODE_COLUMNS.index("varieties")
_I_GEOMETRY = CODE_COLUMNS.index("geometry")
_I_AREA, _I_HOUSEHOLDS = CODE_COLUMNS.index("area_ha"), CODE_COLUMNS.index("households")
#: The five queries: (columns, rest); PostgreSQL reads the columns marked ``::text`` as text.
_CODES_Q = ([*CODE_COLUMNS], "FROM codes ORDER BY code")
_APPROVALS_Q = (
    ["c.code", "a.market", "a.status", "a.approved::text", "a.valid_to::text", "a.registration_number"],
    "FROM market_approvals a JOIN codes c ON c.id = a.code_id ORDER BY c.code, a.market",
)
#: SQLite's plans for the same results: the whole table read in order and sorted (external merge sort,
#: bounded memory), rather than one random table page per row through an index (at 1,000,000 codes:
#: codes 5.3 s instead of 6.7 s CPU, approvals 1.1 s instead of 2.6 s, most of it system time).
_SQLITE_REST = {
    _CODES_Q[1]: "FROM codes NOT INDEXED ORDER BY code",
    _APPROVALS_Q[
        1
    ]: "FROM market_approvals a CROSS JOIN codes c ON c.id = a.code_id ORDER BY c.code, a.market",
}
_HISTORY_Q = (
    ["c.code", "h.from_status", "h.to_status", "h.date::text", "h.reason", "h.legal_doc", "h.recorded_by"],
    "FROM status_history h JOIN codes c ON c.id = h.code_id ORDER BY c.code, h.date, h.id",
)
_PRODUCTS_Q = (["gtin", "name", "crop", "variety", "exporter"], "FROM products ORDER BY gtin")
_LOTS_Q = (
    ["l.gtin", "l.lot", "p.code", "h.code", "l.harvest_date::text", "l.pack_date::text", "l.market"],
    "FROM lots l JOIN codes p ON p.id = l.puc_id LEFT JOIN codes h ON h.id = l.phc_id ORDER BY l.gtin, l.lot",
)
#: Columns PostgreSQL sends as text: the JSON ones (as stored), the dates (ISO) and ``area_ha`` (its
#: shortest exact text: ``-0`` and ``5`` read back as the floats -0.0 and 5.0, not as JSON integers).
_AS_TEXT = {"crops", "varieties", "geometry", "area_ha", "issued", "status_since"}


def _sql(query: tuple[list[str], str], pg: bool) -> str:
    """The query: its columns as they are (SQLite), or each row as one JSON array (PostgreSQL)."""
    columns, rest = query
    if not pg:
        return f"SELECT {', '.join(c.removesuffix('::text') for c in columns)} {_SQLITE_REST.get(rest, rest)}"
    exprs = [f"{c}::text" if c in _AS_TEXT else c for c in columns]
    return f"SELECT json_build_array({', '.join(exprs)})::text {rest}"


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


def _ANY(_code: Any) -> bool:
    return True


class _Rows:
    """Rows sorted by code, read in batches; :meth:`take` the run of the next rows whose code is wanted."""

    def __init__(self, batches: Iterable[list[Sequence[Any]]]) -> None:
        self.batches = iter(batches)
        self.buf: list[Sequence[Any]] = []

    def take(self, wanted: Callable[[Any], bool]) -> list[Sequence[Any]]:
        out: list[Sequence[Any]] = []
        while True:
            buf = self.buf
            n = len(list(itertools.takewhile(wanted, map(_FIRST, buf))))
            out += buf[:n]
            if n < len(buf):
                self.buf = buf[n:]
                return out
            self.buf = next(self.batches, [])
            if not self.buf:
                return out


class _Reader:
    """Open-data records streamed from one snapshot (raw DB-API cursors, no ORM), a batch at a time.

    Codes, their market approvals and their status history are three set-based queries, each sorted by
    code; they are merged a batch of codes at a time, so no query runs per code and memory holds one
    batch. SQLite steps plain cursors side by side. PostgreSQL steps server-side cursors, each row
    sent as one JSON array: the driver converts one text per row, and one ``json.loads`` per batch
    decodes them all.
    """

    def __init__(self, dbapi: Any, pg: bool) -> None:
        self.db, self.pg = dbapi, pg
        self._cursors = 0

    def _batches(self, query: tuple[list[str], str]) -> Iterator[list[Sequence[Any]]]:
        if self.pg:
            self._cursors += 1
            cur = self.db.cursor(name=f"trace_std_export_{self._cursors}")
            cur.itersize = BATCH
        else:
            cur = self.db.cursor()
        try:
            cur.execute(_sql(query, self.pg))
            while rows := cur.fetchmany(BATCH):
                yield json.loads("[" + ",".join(map(_FIRST, rows)) + "]") if self.pg else rows
        finally:
            cur.close()

    def codes(self) -> Iterator[Batch]:
        """Every code in code order, a batch at a time, with its approval and history rows."""
        if self.pg:
            cur = self.db.cursor()
            cur.execute("SET LOCAL extra_float_digits = 1")  # shortest exact text, as float() reads it
            cur.execute("SET LOCAL DateStyle = 'ISO, MDY'")
            # plan the cursors for their whole result, not their first rows: the planner's default for a
            # cursor (10 %) picks index scans of codes in code order and a nested loop of index lookups
            # per code for approvals and history, one random heap page per row once the table outgrows
            # shared_buffers (measured at 1,000,000 codes: docs/reference/benchmarks.md)
            cur.execute("SET LOCAL cursor_tuple_fraction = 1.0")
            cur.close()
        codes = self._batches(_CODES_Q)
        approvals = _Rows(self._batches(_APPROVALS_Q))
        history = _Rows(self._batches(_HISTORY_Q))
        for rows in codes:
            cols: list[Sequence[Any]] = list(zip(*rows, strict=True))
            if self.pg:  # the number as the SQLite driver gives it
                cols[_I_AREA] = [None if v is None else float(v) for v in cols[_I_AREA]]
            mine = set(cols[0]).__contains__
            yield cols, approvals.take(mine), history.take(mine)
        left = approvals.take(_ANY) or history.take(_ANY)
        if left:  # the streams disagree on the order: never drop rows silently
            raise RuntimeError(f"export: rows of {left[0][0]!r} out of code order")

    def products(self) -> Iterator[list[Sequence[Any]]]:
        """Batches of ``(gtin, name, crop, variety, exporter)`` in GTIN order."""
        return self._batches(_PRODUCTS_Q)

    def lots(self) -> Iterator[list[Sequence[Any]]]:
        """Batches of ``(gtin, lot, puc, phc, harvest_date, pack_date, market)`` in (GTIN, lot) order."""
        return self._batches(_LOTS_Q)


def _text(value: Any) -> Any:
    """A JSON column's value as the SQLite driver gives it (JSON text); in-memory data is encoded."""
    return value if value is None or isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _batches_of(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _groups(codes: Iterable[dict[str, Any]]) -> Iterator[Batch]:
    """Code records (the JSON form) as the reader's batches."""
    json_columns = (_I_CROPS, _I_VARIETIES, _I_GEOMETRY)
    for chunk in _batches_of(codes, BATCH):
        rows = [
            tuple(_text(c[k]) if i in json_columns else c[k] for i, k in enumerate(CODE_COLUMNS))
            for c in chunk
        ]
        yield (
            list(zip(*rows, strict=True)),
            [(c["code"], *(m[k] for k in _APPROVAL_KEYS)) for c in chunk for m in c["markets"]],
            [(c["code"], *(h[k] for k in _HISTORY_KEYS)) for c in chunk for h in c["history"]],
        )


@contextlib.contextmanager
def _snapshot(registry: Any) -> Iterator[_Reader]:
    """A reader over one consistent snapshot (PostgreSQL ``REPEATABLE READ``; SQLite's read transaction)."""
    pg = registry.backend == "postgresql"
    with db.unavailable_guard(), registry.engine.connect() as conn:
        if pg:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin() as tx:
            dbapi = conn.connection.dbapi_connection
            try:
                yield _Reader(dbapi, pg)
            finally:
                tx.rollback()


# -- encoding: a batch at a time, column by column ------------------------------------------------------
# Each value is encoded by the C encoders (json, str.replace/join) over a whole column or batch, and
# records are put together by %-templates; the per-value Python paths run only for the rare columns
# that need them. The result is, byte for byte, what encoding each record on its own gives (a test
# compares it with the exporter before this design).
#: Scalars in one JSON encoder call: the item separator (never in its output: the encoder escapes every
#: control character) lets the output be split back into the values' encodings.
_SEP = "\x00"
_scalars_json = json.JSONEncoder(ensure_ascii=False, separators=(_SEP, ":")).encode
_objects_canonical = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(_SEP, ":")).encode
_objects_dumped = json.JSONEncoder(ensure_ascii=False, separators=(_SEP, ": ")).encode


def _json_values(values: Sequence[Any]) -> list[str]:
    """The JSON encoding of each scalar (text, number, None) in ``values``."""
    if not values:
        return []
    parts = _scalars_json(values)[1:-1].split(_SEP)
    if len(parts) != len(values):  # a value that is not a scalar: one at a time
        return [_canonical(v) for v in values]
    return parts


def _json_objects(values: Sequence[Any], canonical: bool) -> list[str | None]:
    """Each JSON text of ``values`` (None stays None) decoded and encoded again: canonical (sorted keys,
    no spaces) or as ``json.dumps`` writes it (without ASCII escapes)."""
    present = [v for v in values if v is not None]
    if not present:
        return list(values)
    encode = _canonical if canonical else _dumps
    objects = json.loads("[" + ",".join(present) + "]") if all(v.strip() for v in present) else None
    texts: list[str] | None = None
    if objects is not None and len(objects) == len(present) and all(type(o) is dict for o in objects):
        whole = (_objects_canonical if canonical else _objects_dumped)(objects)
        # between objects the separator follows "}" and precedes "{"; inside one only when it nests objects
        pieces = whole[2:-2].replace("}" + _SEP + "{", "\x01").replace(_SEP, "," if canonical else ", ")
        texts = pieces.split("\x01")
        texts = ["{" + t + "}" for t in texts] if len(texts) == len(present) else None
    if texts is None:
        texts = [encode(json.loads(v)) for v in present]
    it = iter(texts)
    return [None if v is None else next(it) for v in values]


_LIST_JSON: dict[Any, str] = {}
_LIST_CELL: dict[Any, str] = {}


def _lists(values: Sequence[Any], csv_cell: bool) -> list[str]:
    """A list column (JSON text) as canonical JSON or as its CSV cell; repeated texts done once."""
    cache = _LIST_CELL if csv_cell else _LIST_JSON
    if len(cache) > 50_000:
        cache.clear()
    out = []
    for v in values:
        got = cache.get(v)
        if got is None:
            items = (json.loads(v) if isinstance(v, str) else v) or []
            got = cache[v] = _list_cell(items) if csv_cell else _canonical(items)
        out.append(got)
    return out


def _list_cell(items: list[str]) -> str:
    text = ";".join(items)
    if "\\" in text or text.count(";") >= len(items):  # an item holds ";" or "\": escape
        return join_list(items)
    return text


_NEEDS = TRIGGERS | {"'"}  # first characters that may need :func:`neutralise`
_CELL_SEP = "\x1f"
#: A cell separator followed by a first character that may need :func:`neutralise`.
_STARTS = re.compile(_CELL_SEP + "[" + re.escape("".join(sorted(_NEEDS))) + "]")
_QUOTED = frozenset(',"\r\n')


def _cell(value: Any) -> str:
    """One CSV cell as ``csv.writer`` (``QUOTE_MINIMAL``) writes a value, text cells neutralised."""
    if value is None:
        return ""
    if value.__class__ is str:
        text = neutralise(value) if value[:1] in _NEEDS else value
    else:
        text = repr(value) if isinstance(value, float) else str(value)
    if _QUOTED.isdisjoint(text):
        return text
    return '"' + text.replace('"', '""') + '"'


def _cells(values: Sequence[Any]) -> Sequence[str]:
    """:func:`_cell` of each value; a column of plain texts that need neither is returned as it is."""
    kinds = set(map(type, values))
    if kinds <= {str}:
        joined = _CELL_SEP.join(values)
        if joined[:1] in _NEEDS or _STARTS.search(joined):  # some cell may start a formula: the exact pass
            return [_cell(v) for v in values]
        if "," in joined or '"' in joined or "\r" in joined or "\n" in joined:
            return [
                '"' + v.replace('"', '""') + '"' if ("," in v or '"' in v or "\r" in v or "\n" in v) else v
                for v in values
            ]
        return values
    if kinds <= {float, int, type(None)} and bool not in kinds:
        return ["" if v is None else repr(v) for v in values]
    return [_cell(v) for v in values]


def _join(consts: Sequence[str], cols: Sequence[Sequence[str]], n: int) -> str:
    """``consts[0] + cols[0][i] + consts[1] + … + cols[-1][i] + consts[-1]`` for each row ``i``, joined
    (one C-level pass, however many rows)."""
    parts: list[Iterable[str]] = [itertools.repeat(consts[0], n)]
    for const, col in zip(consts[1:], cols, strict=True):
        parts += (col, itertools.repeat(const, n))
    return "".join(itertools.chain.from_iterable(zip(*parts, strict=True)))


def _split(text: str, n: int) -> list[str] | None:
    """The ``n`` pieces of ``text``, each ended by ``\\x00``; None when some piece holds one too."""
    pieces = text.split("\x00")
    pieces.pop()
    return pieces if len(pieces) == n else None


#: A record layout: the constant texts around the values, and the order the values are written in.
Spec = tuple[list[str], list[int]]


def _csv_spec(kind: str, at: Sequence[int]) -> Spec:
    """The CSV line with ``kind`` in the record column and the values at the columns ``at``."""
    order = sorted(range(len(at)), key=lambda k: at[k])
    slots = {at[k] for k in order}
    consts, text = [], kind
    for i in range(1, _WIDTH):
        text += ","
        if i in slots:
            consts.append(text)
            text = ""
    consts.append(text + "\r\n")
    return consts, order


_WIDTH = len(CSV_COLUMNS)
_AT = {name: i for i, name in enumerate(CSV_COLUMNS)}
_CODE_LINE = _csv_spec("code", range(1, 1 + len(CODE_COLUMNS)))
_APPROVAL_LINE = _csv_spec("approval", [1, *(_AT[k] for k in _APPROVAL_KEYS)])  # "status": the code row's
_HISTORY_LINE = _csv_spec("history", [1, *(_AT[c] for c in HISTORY_FIELDS)])
_PRODUCT_LINE = _csv_spec("product", [_AT[c] for c in PRODUCT_FIELDS])
_LOT_LINE = _csv_spec("lot", [_AT[k] for k in LOT_FIELDS])
assert CSV_COLUMNS[1 : 1 + len(CODE_COLUMNS)] == CODE_COLUMNS  # a code row is "code" + its columns
assert list(HISTORY_FIELDS.values()) == list(_HISTORY_KEYS)


def _csv_text(spec: Spec, cols: Sequence[Sequence[Any]], tails: Sequence[str] | None = None) -> str:
    """The CSV lines of the rows of the columns ``cols`` (each followed by its tail, if given)."""
    consts, order = spec
    cells = [_cells(cols[k]) for k in order]
    if tails is not None:
        return _join([*consts, ""], [*cells, tails], len(tails))
    return _join(consts, cells, len(cols[0]) if cols else 0)


def _csv_lines(spec: Spec, rows: Sequence[Sequence[Any]]) -> list[str]:
    """One CSV line per row."""
    if not rows:
        return []
    consts, order = spec
    lines = _split(
        _csv_text(([*consts[:-1], consts[-1] + "\x00"], order), list(zip(*rows, strict=True))), len(rows)
    )
    return lines if lines is not None else [_csv_text(spec, list(zip(row, strict=True))) for row in rows]


def _csv_codes(batch: Batch) -> str:
    """The CSV lines of a batch of codes: each code's row, then its approval and history rows."""
    cols, markets, events = batch
    cols = list(cols)
    cols[_I_CROPS] = _lists(cols[_I_CROPS], True)
    cols[_I_VARIETIES] = _lists(cols[_I_VARIETIES], True)
    cols[_I_GEOMETRY] = _json_objects(cols[_I_GEOMETRY], canonical=False)
    if not (markets or events):
        return _csv_text(_CODE_LINE, cols)
    at = {code: i for i, code in enumerate(cols[0])}
    tails = [""] * len(cols[0])
    for rows, spec in ((markets, _APPROVAL_LINE), (events, _HISTORY_LINE)):
        codes = map(_FIRST, rows)
        for code, group in itertools.groupby(zip(codes, _csv_lines(spec, rows), strict=True), _FIRST):
            tails[at[code]] += "".join(map(_SECOND, group))
    return _csv_text(_CODE_LINE, cols, tails)


def _json_spec(keys: Sequence[str]) -> Spec:
    """A JSON object with the keys ``keys`` sorted: the texts around its values, and their order."""
    order = sorted(range(len(keys)), key=lambda k: keys[k])
    consts = [("{" if i == 0 else ",") + _canonical(keys[k]) + ":" for i, k in enumerate(order)]
    return [*consts, "}"], order


def _plain_json(values: Sequence[Any]) -> bool:
    """True when every value is a text that JSON writes as it is, between quotes (no escape)."""
    if not values or not set(map(type, values)) <= {str}:
        return False
    joined = "|".join(values)
    return joined.isprintable() and '"' not in joined and "\\" not in joined


def _json_scalars(cols: Sequence[Sequence[Any]]) -> list[tuple[Sequence[str], bool]]:
    """Each column's values JSON-encoded (one encoder call for all), or as they are with ``True`` when
    they only need the quotes around them (:func:`_plain_json`)."""
    plain = [_plain_json(col) for col in cols]
    rest = [col for col, p in zip(cols, plain, strict=True) if not p]
    encoded: list[Sequence[str]] = []
    if rest and rest[0]:
        parts = _json_values(list(itertools.chain.from_iterable(zip(*rest, strict=True))))
        encoded = [parts[k :: len(rest)] for k in range(len(rest))]
    else:
        encoded = [[] for _ in rest]
    it = iter(encoded)
    return [(col, True) if p else (next(it), False) for col, p in zip(cols, plain, strict=True)]


def _json_text(spec: Spec, cols: Sequence[tuple[Sequence[str], bool]], end: str) -> str:
    """The JSON objects of the rows of the encoded columns ``cols``, each followed by ``end``."""
    consts, order = spec
    consts = [*consts[:-1], consts[-1] + end]
    values = []
    for i, k in enumerate(order):
        col, quote = cols[k]
        if quote:
            consts[i] += '"'
            consts[i + 1] = '"' + consts[i + 1]
        values.append(col)
    return _join(consts, values, len(values[0]))


def _encoded(values: Sequence[str]) -> tuple[Sequence[str], bool]:
    return values, False


_CODE_KEYS = (*CODE_COLUMNS, "markets", "history")
_CODE_JSON = {tag: _json_spec((*_CODE_KEYS, *(("record",) if tag else ()))) for tag in ("", "code")}
_APPROVAL_JSON = _json_spec(_APPROVAL_KEYS)
_HISTORY_JSON = _json_spec(_HISTORY_KEYS)
_PRODUCT_KEYS = ("gtin", "name", "crop", "variety", "exporter")
_PLAIN_JSON = {
    (section, tag): _json_spec((*keys, *(("record",) if tag else ())))
    for section, keys in (("products", _PRODUCT_KEYS), ("lots", LOT_FIELDS))
    for tag in ("", section[:-1])
}


def _json_nested(rows: Sequence[Sequence[Any]], spec: Spec, at: dict[str, int], n: int) -> list[str]:
    """The JSON list (``markets`` or ``history``) of each of ``n`` codes from their rows."""
    out = ["[]"] * n
    if not rows:
        return out
    cols = list(zip(*rows, strict=True))
    items = _split(_json_text(spec, _json_scalars(cols[1:]), "\x00"), len(rows))  # encoded: no raw NUL
    assert items is not None
    for code, group in itertools.groupby(zip(cols[0], items, strict=True), _FIRST):  # rows are in code order
        out[at[code]] = "[" + ",".join(map(_SECOND, group)) + "]"
    return out


def _json_codes(batch: Batch, record: str, end: str) -> str:
    """The canonical JSON record of each code of a batch (with ``"record"`` when ``record`` is set),
    each followed by ``end``."""
    cols, markets, events = batch
    n = len(cols[0]) if cols else 0
    if not n:
        return ""
    nested = (_I_CROPS, _I_VARIETIES, _I_GEOMETRY)
    plain = [k for k in range(len(CODE_COLUMNS)) if k not in nested]
    out: list[tuple[Sequence[str], bool]] = [([], False)] * len(CODE_COLUMNS)
    for k, col in zip(plain, _json_scalars([cols[k] for k in plain]), strict=True):
        out[k] = col
    out[_I_CROPS] = _encoded(_lists(cols[_I_CROPS], False))
    out[_I_VARIETIES] = _encoded(_lists(cols[_I_VARIETIES], False))
    geometry = _json_objects(cols[_I_GEOMETRY], canonical=True)
    out[_I_GEOMETRY] = _encoded(["null" if g is None else g for g in geometry])
    at = {code: i for i, code in enumerate(cols[0])}
    out.append(_encoded(_json_nested(markets, _APPROVAL_JSON, at, n)))
    out.append(_encoded(_json_nested(events, _HISTORY_JSON, at, n)))
    if record:
        out.append(([record] * n, True))
    return _json_text(_CODE_JSON[record], out, end)


def _json_plain(section: str, rows: Sequence[Sequence[Any]], record: str, end: str) -> str:
    if not rows:
        return ""
    cols = _json_scalars(list(zip(*rows, strict=True)))
    if record:
        cols.append(([record] * len(rows), True))
    return _json_text(_PLAIN_JSON[section, record], cols, end)


def _json_batch(section: str, batch: Any, record: str, end: str) -> tuple[str, int]:
    """The JSON records of a batch, each followed by ``end``, and how many."""
    if section == "codes":
        return _json_codes(batch, record, end), len(batch[0][0]) if batch[0] else 0
    return _json_plain(section, batch, record, end), len(batch)


def _csv_batch(section: str, batch: Any) -> str:
    if section == "codes":
        return _csv_codes(batch)
    if not batch:
        return ""
    return _csv_text(_PRODUCT_LINE if section == "products" else _LOT_LINE, list(zip(*batch, strict=True)))


def _count(section: str, batch: Any) -> int:
    return len(batch[0][0]) if section == "codes" and batch[0] else len(batch) if section != "codes" else 0


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: the export makes millions of short-lived tuples and no
    cycles, and the collector's passes over them cost more than the encoding."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _write(
    format: str,
    codes: Iterable[Batch],
    products: Iterable[list[Sequence[Any]]],
    lots: Iterable[list[Sequence[Any]]],
    target: IO[bytes],
    *,
    source: str,
    generated: dt.datetime,
) -> tuple[str, dict[str, int]]:
    """Write an export document to ``target``; returns ``(sha256, counts)``."""
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected {', '.join(FORMATS)}")
    stamp = generated.isoformat().replace("+00:00", "Z")
    counts = dict.fromkeys(_SECTIONS, 0)
    sha = hashlib.sha256()
    provenance: dict[str, Any] = {
        "generated": stamp,
        "source": source,
        "generator": f"trace-std {__version__}",
    }
    head = {"$schema": SCHEMA_ID, "format": FORMAT_NAME, "version": FORMAT_VERSION, "provenance": provenance}
    sections: dict[str, Iterable[Any]] = {"codes": codes, "products": products, "lots": lots}
    with contextlib.ExitStack() as stack:
        stack.enter_context(_no_gc())
        if format == "json":
            spools = {s: stack.enter_context(tempfile.TemporaryFile()) for s in _SECTIONS}
            sha.update(b"{")
            # canonical order (sorted keys) is codes, lots, products; the document's is codes, products, lots
            for n, name in enumerate(("codes", "lots", "products")):
                sha.update(f'{"," if n else ""}"{name}":['.encode())
                spool = spools[name]
                for batch in sections[name]:
                    text, k = _json_batch(name, batch, "", ",\n  ")
                    if not k:
                        continue
                    data = (("\n  " if not counts[name] else ",\n  ") + text[:-4]).encode("utf-8")
                    spool.write(data)
                    sha.update(data.replace(b"\n  ", b""))  # canonical JSON holds no newline: only ours
                    counts[name] += k
                sha.update(b"]")
            sha.update(b"}")
            digest = sha.hexdigest()
            provenance.update(sha256=digest, checksum_scope="canonical JSON of codes, products, lots")
            provenance["counts"] = counts
            target.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2].encode("utf-8"))
            for name in _SECTIONS:
                target.write(f',\n "{name}": ['.encode())
                spool = spools[name]
                spool.seek(0)
                shutil.copyfileobj(spool, target, 1 << 20)
                target.write(b"\n ]" if counts[name] else b"]")
            target.write(b"\n}\n")
            return digest, counts
        spool = stack.enter_context(tempfile.TemporaryFile())

        def emit(data: bytes) -> None:
            sha.update(data)
            spool.write(data)

        if format == "jsonl":
            for name in _SECTIONS:
                for batch in sections[name]:
                    text, k = _json_batch(name, batch, _RECORD[name], "\n")
                    emit(text.encode("utf-8"))
                    counts[name] += k
            digest = sha.hexdigest()
            provenance.update(sha256=digest, checksum_scope="the bytes after the first line", counts=counts)
            target.write(_canonical(head).encode("utf-8") + b"\n")
        else:
            emit((",".join(CSV_COLUMNS) + "\r\n").encode("utf-8"))
            for name in _SECTIONS:
                for batch in sections[name]:
                    emit(_csv_batch(name, batch).encode("utf-8"))
                    counts[name] += _count(name, batch)
            digest = sha.hexdigest()
            comments = (
                f"# {FORMAT_NAME} v{FORMAT_VERSION}; generated={stamp}; generator=trace-std {__version__}\r\n"
                f"# source={source}\r\n"
                f"# sha256={digest} (of the bytes after these comment lines)\r\n"
            )
            target.write(comments.encode("utf-8"))
        spool.seek(0)
        shutil.copyfileobj(spool, target, 1 << 20)
        return digest, counts


def render(
    data: dict[str, list[dict[str, Any]]], format: str, *, source: str, generated: dt.datetime
) -> tuple[str, str]:
    """``(text, sha256)`` of the export document of in-memory data (the sample generator uses it)."""
    buf = io.BytesIO()
    products = (tuple(p[k] for k in _PRODUCT_KEYS) for p in data["products"])
    lots = (tuple(lt[k] for k in LOT_FIELDS) for lt in data["lots"])
    digest, _ = _write(
        format,
        _groups(data["codes"]),
        _batches_of(products, BATCH),
        _batches_of(lots, BATCH),
        buf,
        source=source,
        generated=generated,
    )
    return buf.getvalue().decode("utf-8"), digest


class _TextSink(io.RawIOBase):
    """Bytes written to a text stream (UTF-8, decoded incrementally)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.decoder = codecs.getincrementaldecoder("utf-8")()

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.out.write(self.decoder.decode(bytes(b)))
        return len(b)


class _NullSink(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        return len(b)


def export(
    registry: Any, *, format: str = "json", out: str | Path | IO[str] | None = None, source: str | None = None
) -> ExportInfo:
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; expected {', '.join(FORMATS)}")
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0)
    src = source or f"trace-std registry ({registry.backend})"
    path: str | None = None

    def run(target: IO[bytes]) -> tuple[str, dict[str, int]]:
        with _snapshot(registry) as reader:
            return _write(
                format,
                reader.codes(),
                reader.products(),
                reader.lots(),
                target,
                source=src,
                generated=generated,
            )

    if out is None:
        digest, counts = run(_NullSink())  # type: ignore[arg-type]
    elif isinstance(out, (str, Path)):
        target = Path(out).absolute()
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                digest, counts = run(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        path = str(out)
    else:
        sink = io.BufferedWriter(_TextSink(out), 1 << 16)
        digest, counts = run(sink)
        sink.flush()
    return ExportInfo(format, path, generated, src, digest, counts)
