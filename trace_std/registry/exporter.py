"""Open-data export (JSON or CSV) with provenance: generation time, source and a SHA-256 checksum.

The checksum covers the *data*, not the provenance, so two exports of the same registry have the
same checksum whenever they were made:

* JSON: SHA-256 of the canonical JSON (UTF-8, keys sorted, no spaces) of
  ``{"codes": [...], "lots": [...], "products": [...]}``;
* CSV: SHA-256 of the bytes after the ``#`` provenance lines.

Records are sorted (codes by code, products by GTIN, lots by GTIN and lot). The export streams:
records are read in keyset pages from one consistent snapshot of the database, written to temporary
spool files while the checksum is computed incrementally, and the provenance (which carries the
checksum and counts) is written in front at the end. Memory holds one page, whatever the registry's
size. In the JSON document each record is one line, in its canonical form. A path is written to a
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
import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from trace_std import __version__
from trace_std.registry import db
from trace_std.registry.importer.formats import CSV_COLUMNS, FORMAT_NAME, FORMAT_VERSION, join_list
from trace_std.registry.records import ExportInfo
from trace_std.spreadsheet import TRIGGERS, neutralise

__all__ = ["SCHEMA_ID", "export", "json_checksum", "render"]

SCHEMA_ID = "https://trace-std.org/schemas/v1/registry-export.schema.json"
PAGE = 2000
_SECTIONS = ("codes", "products", "lots")
#: The columns of a code record, in the order of the open-data format (``code`` … ``status_since``).
CODE_COLUMNS = CSV_COLUMNS[1 : CSV_COLUMNS.index("status_since") + 1]
_JSON_COLUMNS = frozenset({"crops", "varieties", "geometry"})
_DATE_COLUMNS = frozenset({"issued", "status_since"})


def _iso(value: Any) -> str | None:
    return value if value is None or isinstance(value, str) else value.isoformat()


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _canonical(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def json_checksum(data: dict[str, list[dict[str, Any]]]) -> str:
    """SHA-256 of the canonical JSON of the data part of an export."""
    canonical = json.dumps(
        {k: data[k] for k in _SECTIONS}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# -- reading: keyset pages from one snapshot ---------------------------------------------------------
class _Reader:
    """Open-data records read page by page from one snapshot (raw DB-API cursors, no ORM)."""

    def __init__(self, dbapi: Any, pg: bool) -> None:
        self.db, self.pg = dbapi, pg
        self.mark = "%s" if pg else "?"

    def _rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self.db.cursor()
        try:
            cur.execute(sql, tuple(params))
            return list(cur.fetchall())
        finally:
            cur.close()

    def _in(self, ids: list[int]) -> tuple[str, list[Any]]:
        if self.pg:
            return "= ANY(%s)", [ids]
        return f"IN ({', '.join('?' * len(ids))})", list(ids)

    def codes(self) -> Iterator[dict[str, Any]]:
        cols = ", ".join(CODE_COLUMNS)
        last = ""
        while True:
            page = self._rows(
                f"SELECT id, {cols} FROM codes WHERE code > {self.mark} ORDER BY code LIMIT {PAGE}", [last]
            )
            if not page:
                return
            ids = [r[0] for r in page]
            cond, params = self._in(ids)
            markets: dict[int, list[dict[str, Any]]] = {}
            for cid, market, status, approved, valid_to, reg in self._rows(
                "SELECT code_id, market, status, approved, valid_to, registration_number "
                f"FROM market_approvals WHERE code_id {cond} ORDER BY code_id, market",
                params,
            ):
                markets.setdefault(cid, []).append(
                    {
                        "market": market,
                        "status": status,
                        "approved": _iso(approved),
                        "valid_to": _iso(valid_to),
                        "registration_number": reg,
                    }
                )
            history: dict[int, list[dict[str, Any]]] = {}
            for cid, frm, to, day, reason, legal, by in self._rows(
                "SELECT code_id, from_status, to_status, date, reason, legal_doc, recorded_by "
                f"FROM status_history WHERE code_id {cond} ORDER BY code_id, date, id",
                params,
            ):
                history.setdefault(cid, []).append(
                    {"from": frm, "to": to, "date": _iso(day), "reason": reason, "legal_doc": legal,
                     "recorded_by": by}
                )  # fmt: skip
            for row in page:
                rec = dict(zip(CODE_COLUMNS, row[1:], strict=True))
                for c in _JSON_COLUMNS:
                    rec[c] = _json(rec[c])
                rec["crops"] = rec["crops"] or []
                rec["varieties"] = rec["varieties"] or []
                for c in _DATE_COLUMNS:
                    rec[c] = _iso(rec[c])
                rec["markets"] = markets.get(row[0], [])
                rec["history"] = history.get(row[0], [])
                yield rec
            last = page[-1][1]

    def products(self) -> Iterator[dict[str, Any]]:
        last = ""
        while True:
            page = self._rows(
                "SELECT gtin, name, crop, variety, exporter FROM products "
                f"WHERE gtin > {self.mark} ORDER BY gtin LIMIT {PAGE}",
                [last],
            )
            if not page:
                return
            for gtin, name, crop, variety, exporter in page:
                yield {"gtin": gtin, "name": name, "crop": crop, "variety": variety, "exporter": exporter}
            last = page[-1][0]

    def lots(self) -> Iterator[dict[str, Any]]:
        last = ("", "")
        m = self.mark
        while True:
            page = self._rows(
                "SELECT l.gtin, l.lot, p.code, h.code, l.harvest_date, l.pack_date, l.market FROM lots l "
                "JOIN codes p ON p.id = l.puc_id LEFT JOIN codes h ON h.id = l.phc_id "
                f"WHERE (l.gtin, l.lot) > ({m}, {m}) ORDER BY l.gtin, l.lot LIMIT {PAGE}",
                last,
            )
            if not page:
                return
            for gtin, lot, puc, phc, harvest, pack, market in page:
                yield {"gtin": gtin, "lot": lot, "puc": puc, "phc": phc, "harvest_date": _iso(harvest),
                       "pack_date": _iso(pack), "market": market}  # fmt: skip
            last = (page[-1][0], page[-1][1])


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
def _cell(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return neutralise(v) if v[:1] in TRIGGERS or v[:1] == "'" else v
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False)
    return str(v)


_COLUMN = {name: i for i, name in enumerate(CSV_COLUMNS)}


class _CsvSection:
    """CSV rows of records, hashed and spooled as they come."""

    def __init__(self, spool: IO[bytes], sha: Any) -> None:
        self.spool, self.sha = spool, sha
        self.buf = io.StringIO(newline="")
        self.writer = csv.writer(self.buf, lineterminator="\r\n")
        self.writer.writerow(CSV_COLUMNS)

    def row(self, cells: dict[str, Any]) -> None:
        line = [""] * len(CSV_COLUMNS)
        for name, value in cells.items():
            line[_COLUMN[name]] = value
        self.writer.writerow(line)
        if self.buf.tell() > 1 << 16:
            self.flush()

    def flush(self) -> None:
        data = self.buf.getvalue().encode("utf-8")
        self.sha.update(data)
        self.spool.write(data)
        self.buf.seek(0)
        self.buf.truncate()


def _csv_code(out: _CsvSection, c: dict[str, Any]) -> None:
    row = {k: _cell(c[k]) for k in CODE_COLUMNS if k not in ("crops", "varieties")}
    row.update(record="code", crops=_cell(join_list(c["crops"])), varieties=_cell(join_list(c["varieties"])))
    out.row(row)
    code = c["code"]
    for m in c["markets"]:
        out.row({"record": "approval", "code": code, **{k: _cell(v) for k, v in m.items()}})
    for h in c["history"]:
        out.row({"record": "history", "code": code, "from_status": _cell(h["from"]), "to_status": h["to"],
                 "date": h["date"], "reason": _cell(h["reason"]), "legal_doc": _cell(h["legal_doc"]),
                 "recorded_by": _cell(h["recorded_by"])})  # fmt: skip


def _write(
    format: str,
    codes: Iterable[dict[str, Any]],
    products: Iterable[dict[str, Any]],
    lots: Iterable[dict[str, Any]],
    target: IO[bytes],
    *,
    source: str,
    generated: dt.datetime,
) -> tuple[str, dict[str, int]]:
    """Write an export document to ``target``; returns ``(sha256, counts)``."""
    stamp = generated.isoformat().replace("+00:00", "Z")
    counts = dict.fromkeys(_SECTIONS, 0)
    sha = hashlib.sha256()
    with contextlib.ExitStack() as stack:
        spools = {s: stack.enter_context(tempfile.TemporaryFile()) for s in _SECTIONS}
        if format == "json":
            sha.update(b"{")
            # canonical order (sorted keys) is codes, lots, products; the document's is codes, products, lots
            for n, (name, records) in enumerate((("codes", codes), ("lots", lots), ("products", products))):
                sha.update(f'{"," if n else ""}"{name}":['.encode())
                spool = spools[name]
                for record in records:
                    text = _canonical(record).encode("utf-8")
                    if counts[name]:
                        sha.update(b",")
                        spool.write(b",\n  ")
                    else:
                        spool.write(b"\n  ")
                    sha.update(text)
                    spool.write(text)
                    counts[name] += 1
                sha.update(b"]")
            sha.update(b"}")
            digest = sha.hexdigest()
            head = {
                "$schema": SCHEMA_ID,
                "format": FORMAT_NAME,
                "version": FORMAT_VERSION,
                "provenance": {
                    "generated": stamp,
                    "source": source,
                    "generator": f"trace-std {__version__}",
                    "sha256": digest,
                    "checksum_scope": "canonical JSON of codes, products, lots",
                    "counts": counts,
                },
            }
            target.write(json.dumps(head, ensure_ascii=False, indent=1)[:-2].encode("utf-8"))
            for name in _SECTIONS:
                target.write(f',\n "{name}": ['.encode())
                spool = spools[name]
                spool.seek(0)
                shutil.copyfileobj(spool, target, 1 << 20)
                target.write(b"\n ]" if counts[name] else b"]")
            target.write(b"\n}\n")
            return digest, counts
        if format == "csv":
            spool = spools["codes"]
            out = _CsvSection(spool, sha)
            for c in codes:
                _csv_code(out, c)
                counts["codes"] += 1
            for p in products:
                out.row({"record": "product", "gtin": p["gtin"], "product_name": _cell(p["name"]),
                         "crop": _cell(p["crop"]), "variety": _cell(p["variety"]),
                         "exporter": _cell(p["exporter"])})  # fmt: skip
                counts["products"] += 1
            for lt in lots:
                out.row({"record": "lot", **{k: _cell(v) for k, v in lt.items()}})
                counts["lots"] += 1
            out.flush()
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
    raise ValueError(f"unknown format {format!r}; expected json or csv")


def render(
    data: dict[str, list[dict[str, Any]]], format: str, *, source: str, generated: dt.datetime
) -> tuple[str, str]:
    """``(text, sha256)`` of the export document of in-memory data (the sample generator uses it)."""
    buf = io.BytesIO()
    digest, _ = _write(
        format, data["codes"], data["products"], data["lots"], buf, source=source, generated=generated
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
    if format not in ("json", "csv"):
        raise ValueError(f"unknown format {format!r}; expected json or csv")
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
