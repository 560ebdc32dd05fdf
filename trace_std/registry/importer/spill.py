"""Import stage 3: the spill, a private temporary SQLite file holding the validated records.

It lets the import check what needs other rows (duplicate keys; CSV approval and history rows far from
their code row) and feed the load in file order, with memory bounded by SQLite's page cache instead
of the file size. The file is SQLite's own anonymous temporary database: it is deleted when closed,
and the operating system reclaims it even if the process is killed (it is unlinked while open).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import marshal
import pickle
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

from trace_std.errors import ErrorCode
from trace_std.registry.importer.digest import record_digest
from trace_std.registry.importer.formats import Raw
from trace_std.registry.importer.parse import Orphan, attach_orphans
from trace_std.registry.importer.validate import CodeIn, EventIn, LotIn, ProductIn
from trace_std.registry.records import RowIssue

__all__ = ["Known", "Spill"]

_TABLES = ("codes", "products", "lots")
_BATCH = 5000
_MARKET_KEYS = ("market", "approved", "valid_to", "registration_number", "status")


def _ord(day: dt.date | None) -> int | None:
    return None if day is None else day.toordinal()


def _day(n: int | None) -> dt.date | None:
    return None if n is None else dt.date.fromordinal(n)


def _pack(item: Any) -> bytes:
    """A validated record as ``marshal`` data (dates as ordinals): several times faster than pickle."""
    raw = item.raw
    if isinstance(item, CodeIn):
        fields = item.fields
        if "issued" in fields:
            fields = {**fields, "issued": fields["issued"].toordinal()}
        markets = [
            (m["market"], _ord(m["approved"]), _ord(m["valid_to"]), m["registration_number"], m["status"])
            for m in item.markets
        ]
        history = [
            (e.from_status, e.to_status, e.date.toordinal(), e.reason, e.legal_doc, e.recorded_by)
            for e in item.history
        ]
        values: tuple[Any, ...] = (
            item.canonical, item.kind, fields, item.status, _ord(item.status_since), item.status_reason,
            item.legal_doc, markets, history, item.digest,
        )  # fmt: skip
    elif isinstance(item, ProductIn):
        values = (item.gtin, item.fields)
    else:
        fields = {k: (v.toordinal() if k.endswith("_date") else v) for k, v in item.fields.items()}
        values = (item.gtin, item.lot, item.puc, item.phc, fields)
    return marshal.dumps((raw.row, raw.pointer, values))


@dataclasses.dataclass(slots=True)
class Known:
    """A code record whose digest matched the stored one when it was read (:mod:`.digest`): not
    validated; the load checks the digest again and validates ``raw_blob`` only if it changed."""

    raw: Raw  # row and pointer only
    canonical: str
    digest: str
    raw_blob: bytes

    def unpack_raw(self) -> Raw:
        return _unpack_raw(self.raw_blob)


def _unpack(record: str, blob: bytes, raw_blob: bytes | None = None) -> Any:
    row, pointer, values = marshal.loads(blob)
    raw = Raw(record, row, pointer, {})
    if record == "codes":
        if len(values) == 2:
            assert raw_blob is not None
            return Known(raw, values[0], values[1], raw_blob)
        canonical, kind, fields, status, since, reason, legal, markets, history, digest = values
        if "issued" in fields:
            fields["issued"] = dt.date.fromordinal(fields["issued"])
        return CodeIn(
            raw, canonical, kind, fields, status, _day(since), reason, legal,
            [
                dict(zip(_MARKET_KEYS, (m, _day(a), _day(v), r, st), strict=True))
                for m, a, v, r, st in markets
            ],
            [EventIn(f, t, dt.date.fromordinal(d), why, doc, by) for f, t, d, why, doc, by in history],
            digest,
        )  # fmt: skip
    if record == "products":
        return ProductIn(raw, *values)
    gtin, lot, puc, phc, fields = values
    fields = {k: (dt.date.fromordinal(v) if k.endswith("_date") else v) for k, v in fields.items()}
    return LotIn(raw, gtin, lot, puc, phc, fields)


def _pack_raw(raw: Raw) -> bytes:
    return marshal.dumps((raw.record, raw.row, raw.pointer, raw.data, raw.sub_pointers, raw.csv_lists))


def _unpack_raw(blob: bytes) -> Raw:
    return Raw(*marshal.loads(blob))


class Spill:
    """Validated records of one import (``None`` items are rows that had problems)."""

    def __init__(self, *, keep_raw: bool) -> None:
        self._db = sqlite3.connect("", isolation_level=None)
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -16000", "temp_store = FILE"):
            self._db.execute(f"PRAGMA {pragma}")
        for table in _TABLES:
            self._db.execute(
                f"CREATE TABLE {table} (seq INTEGER PRIMARY KEY, key TEXT, rawkey TEXT, row INTEGER, "
                "pointer TEXT, item BLOB, raw BLOB)"
            )
        self._db.execute("CREATE TABLE orphans (line INTEGER, rawkey TEXT, item BLOB)")
        # one transaction for the spill's life: in autocommit mode every inserted row would be a
        # commit of its own, which costs several times the rest of the insert (nothing is ever
        # committed: the file is dropped when closed)
        self._db.execute("BEGIN")
        self._keep_raw = keep_raw
        self._pending: dict[str, list[tuple[Any, ...]]] = {t: [] for t in (*_TABLES, "orphans")}
        self.counts = dict.fromkeys(_TABLES, 0)  # valid records
        self.orphans = 0

    def close(self) -> None:
        self._db.close()

    def add(self, raw: Raw, item: Any, key: str | None) -> None:
        """Keep one record (``item`` ``None`` when invalid; ``key`` identifies it for duplicates)."""
        raw_blob = None
        rawkey = None
        if self._keep_raw and raw.record == "codes":
            raw_blob = _pack_raw(raw)
            code = raw.data.get("code")
            rawkey = code if isinstance(code, str) else None
        blob = None
        if item is not None:
            blob = _pack(item)
            self.counts[raw.record] += 1
        self._push(
            raw.record, (key if item is not None else None, rawkey, raw.row, raw.pointer, blob, raw_blob)
        )

    def add_known(self, raw: Raw, canonical: str, digest: str) -> None:
        """Keep a code record whose digest matches the stored one (not validated: see :class:`Known`)."""
        self.counts["codes"] += 1
        code = raw.data.get("code")
        self._push(
            "codes",
            (
                canonical,
                code if isinstance(code, str) else None,
                raw.row,
                raw.pointer,
                marshal.dumps((raw.row, raw.pointer, (canonical, digest))),
                _pack_raw(raw),
            ),
        )

    def add_orphan(self, orphan: Orphan) -> None:
        self.orphans += 1
        self._push("orphans", (orphan.line, orphan.key, pickle.dumps(orphan, pickle.HIGHEST_PROTOCOL)))

    def _push(self, table: str, row: tuple[Any, ...]) -> None:
        pending = self._pending[table]
        pending.append(row)
        if len(pending) >= _BATCH:
            self._flush(table)

    def _flush(self, table: str) -> None:
        pending = self._pending[table]
        if pending:
            marks = ", ".join("?" * len(pending[0]))
            cols = "line, rawkey, item" if table == "orphans" else "key, rawkey, row, pointer, item, raw"
            self._db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", pending)
            pending.clear()

    def finish(
        self, issues: list[RowIssue], revalidate: Callable[[Raw, list[RowIssue]], tuple[Any, str | None]]
    ) -> None:
        """After the pass: attach orphan rows to their code rows, then report duplicate keys."""
        for table in self._pending:
            self._flush(table)
        if self.orphans:
            self._attach_orphans(issues, revalidate)
        for table in _TABLES:
            self._duplicates(table, issues)

    def _attach_orphans(
        self, issues: list[RowIssue], revalidate: Callable[[Raw, list[RowIssue]], tuple[Any, str | None]]
    ) -> None:
        self._db.execute("CREATE INDEX codes_rawkey ON codes (rawkey, seq)")
        orphans = (
            pickle.loads(blob)
            for (blob,) in self._db.execute("SELECT item FROM orphans ORDER BY rawkey, line")
        )
        for key, group in itertools.groupby(orphans, key=lambda o: o.key):
            self._attach_group(key, list(group), issues, revalidate)
        for table in _TABLES:
            self.counts[table] = self._db.execute(
                f"SELECT count(*) FROM {table} WHERE item IS NOT NULL"
            ).fetchone()[0]

    def _attach_group(
        self,
        key: str | None,
        group: list[Orphan],
        issues: list[RowIssue],
        revalidate: Callable[[Raw, list[RowIssue]], tuple[Any, str | None]],
    ) -> None:
        found = (
            self._db.execute(
                "SELECT seq, raw FROM codes WHERE rawkey = ? ORDER BY seq LIMIT 1", (key,)
            ).fetchone()
            if key is not None
            else None
        )
        if found is None:
            for o in group:
                issues.append(
                    RowIssue(
                        "codes",
                        o.line,
                        f"line {o.line}",
                        ErrorCode.REGISTRY_IMPORT_UNKNOWN_REFERENCE,
                        f"{o.kind} row for a code with no code row in this file",
                        key=o.key,
                    )
                )
            return
        seq, raw_blob = found
        raw = _unpack_raw(raw_blob)
        issues[:] = [i for i in issues if not (i.record == "codes" and i.row == raw.row)]  # validated again
        attach_orphans(raw, group)
        item, item_key = revalidate(raw, issues)
        blob = None
        if item is not None:
            item.digest = record_digest(raw)  # of the record with its rows from elsewhere in the file
            blob = _pack(item)
        self._db.execute(
            "UPDATE codes SET key = ?, item = ?, raw = ? WHERE seq = ?",
            (item_key if item is not None else None, blob, _pack_raw(raw), seq),
        )

    def _duplicates(self, table: str, issues: list[RowIssue]) -> None:
        first: dict[str, str] = {}
        for key, row, pointer in self._db.execute(
            f"SELECT key, row, pointer FROM {table} WHERE key IN "
            f"(SELECT key FROM {table} WHERE key IS NOT NULL GROUP BY key HAVING count(*) > 1) "
            "ORDER BY key, seq"
        ):
            if key in first:
                issues.append(
                    RowIssue(
                        table,
                        row,
                        pointer,
                        ErrorCode.REGISTRY_IMPORT_DUPLICATE,
                        f"{key} already appears at {first[key]}",
                        key,
                    )
                )
            else:
                first.clear()
                first[key] = pointer

    def items(self, table: str, size: int) -> Iterator[list[Any]]:
        """The valid records of ``table`` in file order, ``size`` at a time."""
        cur = self._db.execute(f"SELECT item, raw FROM {table} WHERE item IS NOT NULL ORDER BY seq")
        while rows := cur.fetchmany(size):
            yield [_unpack(table, blob, raw) for blob, raw in rows]
