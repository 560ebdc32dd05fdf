"""A frozen copy of ``trace_std/registry/exporter.py`` as of commit ca86b4b (before the issue 16 speed work).

``test_export_bytes.py`` compares the exporter's output with this one's, byte for byte: the faster
exporter must write exactly what this one wrote. Do not edit it to make a test pass.

Original docstring: Open-data export (JSON, CSV or JSON Lines) with provenance: generation time, source and a SHA-256 checksum.

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
codes, approvals and history are three set-based queries sorted by code, read through server-side
cursors from one consistent snapshot of the database and merged as they come; records are encoded a
chunk at a time (``csv.writer.writerows``, one JSON encoder), written to temporary spool files while
the checksum is computed incrementally, and the provenance (which carries the checksum and counts)
is written in front at the end. Memory holds one batch, whatever the registry's size. In the JSON
document each record is one line, in its canonical form. A path is written to a
temporary file in the same directory, flushed to disk, then renamed over the target, so a reader
sees the old file or the new one, never a partial file.

CSV text cells that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, CR) are
prefixed with an apostrophe (:mod:`trace_std.spreadsheet`); the importer removes it again.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator
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
#: Rows fetched from the database at a time, and records encoded at a time.
BATCH = 5000
CHUNK = 1000
#: Export formats: the JSON document, CSV, and JSON Lines (one record per line).
FORMATS = ("json", "csv", "jsonl")
_RECORD = {"codes": "code", "products": "product", "lots": "lot"}
_SECTIONS = ("codes", "products", "lots")
#: The columns of a code record, in the order of the open-data format (``code`` … ``status_since``).
CODE_COLUMNS = CSV_COLUMNS[1 : CSV_COLUMNS.index("status_since") + 1]
_JSON_COLUMNS = frozenset({"crops", "varieties", "geometry"})
_DATE_COLUMNS = frozenset({"issued", "status_since"})


def _iso(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else value.isoformat()


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


_canonical = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode
_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _same(value: Any) -> Any:
    return value


def json_checksum(data: dict[str, list[dict[str, Any]]]) -> str:
    """SHA-256 of the canonical JSON of the data part of an export."""
    canonical = json.dumps(
        {k: data[k] for k in _SECTIONS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- reading: three sorted streams from one snapshot -------------------------------------------------
#: A code as read: its row (the values of CODE_COLUMNS; crops and varieties as lists), its approval
#: rows ``(code, market, status, approved, valid_to, registration_number)`` and its history rows
#: ``(code, from, to, date, reason, legal_doc, recorded_by)``.
Group = tuple[tuple[Any, ...], list[tuple[Any, ...]], list[tuple[Any, ...]]]
_APPROVAL_KEYS = ("market", "status", "approved", "valid_to", "registration_number")
_HISTORY_KEYS = ("from", "to", "date", "reason", "legal_doc", "recorded_by")
_I_CROPS, _I_VARIETIES = CODE_COLUMNS.index("crops"), CODE_COLUMNS.index("varieties")
_I_GEOMETRY = CODE_COLUMNS.index("geometry")
_I_DATES = (CODE_COLUMNS.index("issued"), CODE_COLUMNS.index("status_since"))


class _Reader:
    """Open-data records streamed from one snapshot (raw DB-API cursors, no ORM).

    Codes, their market approvals and their status history are three set-based queries, each sorted by
    code and read through a server-side cursor (PostgreSQL) or a stepping cursor (SQLite) in batches;
    they are merged as they come, so no query runs per code and memory holds one batch of each.
    """

    def __init__(self, dbapi: Any, pg: bool) -> None:
        self.db, self.pg = dbapi, pg
        self._cursors = 0
        self._lists: dict[str, list[str]] = {}

    def _stream(self, sql: str) -> Iterator[tuple[Any, ...]]:
        if self.pg:
            self._cursors += 1
            cur = self.db.cursor(name=f"trace_std_export_{self._cursors}")
            cur.itersize = BATCH
        else:
            cur = self.db.cursor()
        try:
            cur.execute(sql)
            while rows := cur.fetchmany(BATCH):
                yield from rows
        finally:
            cur.close()

    def _list(self, value: Any) -> list[str]:
        """A list column (JSON text on SQLite, decoded on PostgreSQL); repeated texts decoded once."""
        if not isinstance(value, str):
            return value or []
        got = self._lists.get(value)
        if got is None:
            if len(self._lists) > 50_000:
                self._lists.clear()
            got = self._lists[value] = json.loads(value) or []
        return got

    def codes(self) -> Iterator[Group]:
        """Every code in code order, with its approval and history rows."""
        cols = ", ".join(CODE_COLUMNS)
        codes = self._stream(f"SELECT {cols} FROM codes ORDER BY code")
        approvals = self._stream(
            "SELECT c.code, a.market, a.status, a.approved, a.valid_to, a.registration_number "
            "FROM market_approvals a JOIN codes c ON c.id = a.code_id ORDER BY c.code, a.market"
        )
        history = self._stream(
            "SELECT c.code, h.from_status, h.to_status, h.date, h.reason, h.legal_doc, h.recorded_by "
            "FROM status_history h JOIN codes c ON c.id = h.code_id ORDER BY c.code, h.date, h.id"
        )
        lists, cache = self._list, self._lists
        a = next(approvals, None)
        h = next(history, None)
        for row in codes:
            code = row[0]
            markets = []
            while a is not None and a[0] == code:
                markets.append(a)
                a = next(approvals, None)
            events = []
            while h is not None and h[0] == code:
                events.append(h)
                h = next(history, None)
            line = list(row)
            crops, varieties = row[_I_CROPS], row[_I_VARIETIES]
            line[_I_CROPS] = (crops.__class__ is str and cache.get(crops)) or lists(crops)
            line[_I_VARIETIES] = (varieties.__class__ is str and cache.get(varieties)) or lists(varieties)
            yield line, markets, events  # type: ignore[misc]
        if a is not None or h is not None:  # the streams disagree on the order: never drop rows silently
            raise RuntimeError(f"export: rows of {(a or h)[0]!r} out of code order")  # type: ignore[index]

    def products(self) -> Iterator[tuple[Any, ...]]:
        """``(gtin, name, crop, variety, exporter)`` in GTIN order."""
        return self._stream("SELECT gtin, name, crop, variety, exporter FROM products ORDER BY gtin")

    def lots(self) -> Iterator[tuple[Any, ...]]:
        """``(gtin, lot, puc, phc, harvest_date, pack_date, market)`` in (GTIN, lot) order."""
        return self._stream(
            "SELECT l.gtin, l.lot, p.code, h.code, l.harvest_date, l.pack_date, l.market FROM lots l "
            "JOIN codes p ON p.id = l.puc_id LEFT JOIN codes h ON h.id = l.phc_id ORDER BY l.gtin, l.lot"
        )


def _groups(codes: Iterable[dict[str, Any]]) -> Iterator[Group]:
    """Code records (the JSON form) as the reader's groups."""
    for c in codes:
        code = c["code"]
        yield (
            tuple(c[k] for k in CODE_COLUMNS),
            [(code, *(m[k] for k in _APPROVAL_KEYS)) for m in c["markets"]],
            [(code, *(h[k] for k in _HISTORY_KEYS)) for h in c["history"]],
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


# -- writing ---------------------------------------------------------------------------------------------
def _code_record(group: Group) -> dict[str, Any]:
    """The JSON record of a code."""
    row, markets, events = group
    rec = dict(zip(CODE_COLUMNS, row, strict=True))
    if rec["geometry"] is not None:
        rec["geometry"] = _json(rec["geometry"])
    rec["issued"] = _iso(rec["issued"])
    rec["status_since"] = _iso(rec["status_since"])
    rec["markets"] = [
        {"market": m, "status": s, "approved": _iso(a), "valid_to": _iso(v), "registration_number": r}
        for _, m, s, a, v, r in markets
    ]
    rec["history"] = [
        {"from": f, "to": t, "date": _iso(d), "reason": r, "legal_doc": lg, "recorded_by": b}
        for _, f, t, d, r, lg, b in events
    ]
    return rec


def _product_record(row: tuple[Any, ...]) -> dict[str, Any]:
    return dict(zip(("gtin", "name", "crop", "variety", "exporter"), row, strict=True))


def _lot_record(row: tuple[Any, ...]) -> dict[str, Any]:
    gtin, lot, puc, phc, harvest, pack, market = row
    return {"gtin": gtin, "lot": lot, "puc": puc, "phc": phc, "harvest_date": _iso(harvest),
            "pack_date": _iso(pack), "market": market}  # fmt: skip


def _records(section: str, items: Iterable[Any]) -> Iterator[dict[str, Any]]:
    make = {"codes": _code_record, "products": _product_record, "lots": _lot_record}[section]
    return map(make, items)


_NEEDS = TRIGGERS | {"'"}  # first characters that may need :func:`neutralise`
#: A cell that may need :func:`neutralise`, in written CSV text: a trigger or apostrophe right after a
#: delimiter, bare or after an opening quote (a bare CR after a delimiter is the line end). It can
#: match inside a quoted cell too: that only sends the chunk through the exact per-cell pass.
_SUSPECT = re.compile("," + r"""(?:[=+\-@\t']|"[=+\-@\t\r'])""")
_WIDTH = len(CSV_COLUMNS)
_AT = {name: i for i, name in enumerate(CSV_COLUMNS)}
_CODE_PAD = ("",) * (_WIDTH - 1 - len(CODE_COLUMNS))
_APPROVAL_AT = [_AT[k] for k in _APPROVAL_KEYS]  # "status" is the code row's column
_HISTORY_AT = [_AT[c] for c in HISTORY_FIELDS]
_PRODUCT_AT = [_AT[c] for c in PRODUCT_FIELDS]
_LOT_AT = [_AT[k] for k in LOT_FIELDS]
_BLANK = [""] * _WIDTH
assert CSV_COLUMNS[1 : 1 + len(CODE_COLUMNS)] == CODE_COLUMNS  # a code row is "code" + its columns
assert list(HISTORY_FIELDS.values()) == list(_HISTORY_KEYS)


def _neutral(line: list[Any]) -> list[Any]:
    """``line`` with every text cell that a spreadsheet would run passed through :func:`neutralise`."""
    for i, v in enumerate(line):
        if v.__class__ is str and v[:1] in _NEEDS:
            line[i] = neutralise(v)
    return line


def _list_cell(items: list[str]) -> str:
    text = ";".join(items)
    if "\\" in text or text.count(";") >= len(items):  # an item holds ";" or "\": escape
        return join_list(items)
    return text


#: A GeoJSON point as ``json.dumps`` writes it (what SQLite holds): the cell is the stored text itself
#: when its numbers are in ``repr`` form, exactly what decoding and encoding it again would give.
_NUMBER = r"(-?[0-9]+\.[0-9]+(?:e-?[0-9]+)?)"
_POINT = re.compile(r'\{"type": "Point", "coordinates": \[' + _NUMBER + ", " + _NUMBER + r"\]\}")


def _as_dumped(geometry: Any) -> bool:
    if geometry.__class__ is not str or not (m := _POINT.fullmatch(geometry)):
        return False
    x, y = m.groups()
    return repr(float(x)) == x and repr(float(y)) == y


def _sub_line(kind: str, row: tuple[Any, ...], at: list[int]) -> list[Any]:
    line = _BLANK.copy()
    line[0] = kind
    line[1] = row[0]
    for i, v in zip(at, row[1:], strict=True):
        line[i] = v
    return line


def _csv_code_lines(group: Group, lines: list[list[Any]]) -> None:
    """Append the CSV rows of a code: its row, then its approval and history rows."""
    row, markets, events = group
    line: list[Any] = ["code", *row, *_CODE_PAD]
    line[1 + _I_CROPS] = _list_cell(row[_I_CROPS])
    line[1 + _I_VARIETIES] = _list_cell(row[_I_VARIETIES])
    geometry = row[_I_GEOMETRY]
    if geometry is not None and not _as_dumped(geometry):
        line[1 + _I_GEOMETRY] = _dumps(_json(geometry))
    lines.append(line)
    for m in markets:
        lines.append(_sub_line("approval", m, _APPROVAL_AT))
    for h in events:
        lines.append(_sub_line("history", h, _HISTORY_AT))


def _csv_lines(section: str, chunk: list[Any]) -> list[list[Any]]:
    lines: list[list[Any]] = []
    if section == "codes":
        for group in chunk:
            _csv_code_lines(group, lines)
        return lines
    kind, at = ("product", _PRODUCT_AT) if section == "products" else ("lot", _LOT_AT)
    for row in chunk:
        line = _BLANK.copy()
        line[0] = kind
        for i, v in zip(at, row, strict=True):
            line[i] = v
        lines.append(line)
    return lines


def _chunks(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    it = iter(items)
    while chunk := list(itertools.islice(it, size)):
        yield chunk


def _write(
    format: str,
    codes: Iterable[Group],
    products: Iterable[tuple[Any, ...]],
    lots: Iterable[tuple[Any, ...]],
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
    sections = {"codes": codes, "products": products, "lots": lots}
    with contextlib.ExitStack() as stack:
        if format == "json":
            spools = {s: stack.enter_context(tempfile.TemporaryFile()) for s in _SECTIONS}
            sha.update(b"{")
            # canonical order (sorted keys) is codes, lots, products; the document's is codes, products, lots
            for n, name in enumerate(("codes", "lots", "products")):
                sha.update(f'{"," if n else ""}"{name}":['.encode())
                spool = spools[name]
                for chunk in _chunks(_records(name, sections[name]), CHUNK):
                    texts = [_canonical(record) for record in chunk]
                    first = not counts[name]
                    sha.update(("" if first else ",").encode() + ",".join(texts).encode("utf-8"))
                    spool.write(("\n  " if first else ",\n  ").encode() + ",\n  ".join(texts).encode("utf-8"))
                    counts[name] += len(texts)
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
                tag = _RECORD[name]
                for chunk in _chunks(_records(name, sections[name]), CHUNK):
                    emit("".join([_canonical({"record": tag, **r}) + "\n" for r in chunk]).encode("utf-8"))
                    counts[name] += len(chunk)
            digest = sha.hexdigest()
            provenance.update(sha256=digest, checksum_scope="the bytes after the first line", counts=counts)
            target.write(_canonical(head).encode("utf-8") + b"\n")
        else:
            buf = io.StringIO(newline="")
            writer = csv.writer(buf, lineterminator="\r\n")
            writer.writerow(CSV_COLUMNS)
            emit(buf.getvalue().encode("utf-8"))
            for name in _SECTIONS:
                for chunk in _chunks(sections[name], CHUNK):
                    lines = _csv_lines(name, chunk)
                    buf.seek(0)
                    buf.truncate()
                    writer.writerows(lines)
                    text = buf.getvalue()
                    if _SUSPECT.search(text):  # some cell may start a formula: the exact pass
                        buf.seek(0)
                        buf.truncate()
                        writer.writerows(map(_neutral, lines))
                        text = buf.getvalue()
                    emit(text.encode("utf-8"))
                    counts[name] += len(chunk)
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
    products = (
        tuple(p[k] for k in ("gtin", "name", "crop", "variety", "exporter")) for p in data["products"]
    )
    lots = (tuple(lt[k] for k in LOT_FIELDS) for lt in data["lots"])
    digest, _ = _write(
        format, _groups(data["codes"]), products, lots, buf, source=source, generated=generated
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
