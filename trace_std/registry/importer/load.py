"""Import stage 4: load validated records into the registry, set-based, inside the write transaction.

For each chunk of records (file order) the stored state of those keys is read with a few keyed
queries, and the change is worked out in Python with the import semantics of ``docs/registry.md``
(present fields overwrite, history is appended only when it continues the stored one, approvals are
upserted by market). The rows to write go to temporary staging tables (PostgreSQL ``COPY``; SQLite
``executemany``) and are merged by one ``INSERT … ON CONFLICT`` statement per table, in the caller's
transaction: a failure or a kill at any moment leaves the registry as it was. Memory holds one chunk.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy.orm import Session

from trace_std.errors import ErrorCode
from trace_std.registry.importer.spill import Known
from trace_std.registry.importer.validate import CodeIn, LotIn, ProductIn, validate_code
from trace_std.registry.records import ImportReport, RowIssue
from trace_std.registry.search import derive

__all__ = ["CHUNK", "Loader"]

CHUNK = 2000

#: Columns of ``codes`` written by the import, in staging order (``id`` is the database's).
CODE_COLUMNS = (
    "code", "kind", "scheme", "name", "province_code", "province_name", "commune_code", "commune_name",
    "crops", "varieties", "area_ha", "households", "owner", "address", "geometry", "issued", "status",
    "status_since", "created_at", "updated_at", "province_key", "search_text",
)  # fmt: skip
_JSON_COLUMNS = frozenset({"crops", "varieties", "geometry"})
_DATE_COLUMNS = frozenset({"issued", "status_since"})
_TIME_COLUMNS = frozenset({"created_at", "updated_at"})
_APPROVAL_COLUMNS = ("market", "approved", "valid_to", "registration_number", "status")
_HISTORY_COLUMNS = ("from_status", "to_status", "date", "reason", "legal_doc", "recorded_by")
_PRODUCT_COLUMNS = ("gtin", "name", "crop", "variety", "exporter")
_LOT_COLUMNS = ("gtin", "lot", "puc_id", "phc_id", "harvest_date", "pack_date", "market")

_SQL_TYPES = {
    "code": "TEXT", "kind": "TEXT", "scheme": "TEXT", "name": "TEXT", "province_code": "TEXT",
    "province_name": "TEXT", "commune_code": "TEXT", "commune_name": "TEXT", "crops": "TEXT",
    "varieties": "TEXT", "area_ha": "DOUBLE PRECISION", "households": "BIGINT", "owner": "TEXT",
    "address": "TEXT", "geometry": "TEXT", "issued": "DATE", "status": "TEXT", "status_since": "DATE",
    "created_at": "TIMESTAMPTZ", "updated_at": "TIMESTAMPTZ", "market": "TEXT", "approved": "DATE",
    "valid_to": "DATE", "registration_number": "TEXT", "from_status": "TEXT", "to_status": "TEXT",
    "date": "DATE", "reason": "TEXT", "legal_doc": "TEXT", "recorded_by": "TEXT", "gtin": "TEXT",
    "crop": "TEXT", "variety": "TEXT", "exporter": "TEXT", "lot": "TEXT", "puc_id": "BIGINT",
    "phc_id": "BIGINT", "harvest_date": "DATE", "pack_date": "DATE", "seq": "BIGINT", "import_digest": "TEXT",
    "province_key": "TEXT", "search_text": "TEXT",
}  # fmt: skip
_STAGES = {
    "stage_codes": ("seq", *CODE_COLUMNS, "import_digest"),
    "stage_digests": ("code", "import_digest"),
    "stage_approvals": ("code", *_APPROVAL_COLUMNS),
    "stage_history": ("seq", "code", *_HISTORY_COLUMNS),
    "stage_products": _PRODUCT_COLUMNS,
    "stage_lots": ("seq", *_LOT_COLUMNS),
}


_ENCODED = _JSON_COLUMNS | _DATE_COLUMNS | _TIME_COLUMNS


def _json(value: Any) -> str:
    """``json.dumps`` of a list column: crops and varieties repeat across codes, so lists of
    strings are encoded once."""
    if value.__class__ is list and all(v.__class__ is str for v in value):
        return _json_strings(tuple(value))
    return json.dumps(value)


@functools.lru_cache(maxsize=4096)
def _json_strings(items: tuple[str, ...]) -> str:
    return json.dumps(list(items))


def _sqlite_time(value: dt.datetime) -> str:
    """A UTC datetime as SQLAlchemy stores it in SQLite (naive, microseconds)."""
    return value.astimezone(dt.UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


class Loader:
    """Applies validated records to the registry inside ``session``'s write transaction."""

    def __init__(self, session: Session, *, actor: str, report: ImportReport, issues: list[RowIssue]) -> None:
        conn = session.connection()
        self.pg = conn.dialect.name == "postgresql"
        self.db: Any = conn.connection.dbapi_connection
        assert self.db is not None
        self.actor, self.report, self.issues = actor, report, issues
        self.now = dt.datetime.now(dt.UTC)
        self.today = self.now.date()
        self._now_text = _sqlite_time(self.now)
        self._seq = 0
        self._staged: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _STAGES}
        self._pending_approvals = False
        cur = self.db.cursor()
        for name, cols in _STAGES.items():
            types = ", ".join(f"{c} {_SQL_TYPES[c]}" for c in cols)
            if not self.pg:  # the merges read in seq order: as the rowid, without a sort
                types = types.replace("seq BIGINT", "seq INTEGER PRIMARY KEY")
            if self.pg:
                cur.execute(f"CREATE TEMP TABLE {name} ({types}) ON COMMIT DROP")
            else:
                cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({types})")
                cur.execute(f"DELETE FROM temp.{name}")
        if not self.pg:
            # merge_codes looks each stored code up in it: without the index the update of the
            # digests of unchanged records read the whole table per code (quadratic: 7.7 s for
            # 20,000 codes, hours for 1,000,000)
            cur.execute("CREATE INDEX IF NOT EXISTS temp.stage_digests_code ON stage_digests (code)")
        cur.close()

    # -- plumbing -----------------------------------------------------------------------------
    def _query(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        cur = self.db.cursor()
        try:
            cur.execute(sql, params)
            return list(cur.fetchall())
        finally:
            cur.close()

    def _in(self, column: str, values: Sequence[Any]) -> tuple[str, Sequence[Any]]:
        """``column IN (values)`` for this backend (one array parameter on PostgreSQL)."""
        if self.pg:
            return f"{column} = ANY(%s)", [list(values)]
        return f"{column} IN ({', '.join('?' * len(values))})", list(values)

    def _stage(self, name: str, row: tuple[Any, ...]) -> None:
        self._staged[name].append(row)

    def _flush(self) -> None:
        cur = self.db.cursor()
        try:
            for name, rows in self._staged.items():
                if not rows:
                    continue
                cols = _STAGES[name]
                if self.pg:
                    with cur.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join("?" * len(cols))
                    cur.executemany(f"INSERT INTO temp.{name} ({', '.join(cols)}) VALUES ({marks})", rows)
                rows.clear()
        finally:
            cur.close()

    def _execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        cur = self.db.cursor()
        try:
            cur.execute(sql.replace("temp.", "") if self.pg else sql, params)
        finally:
            cur.close()

    def _p(self) -> str:
        return "%s" if self.pg else "?"

    def _issue(self, record: str, item: Any, field: str | None, code: ErrorCode, msg: str, key: str) -> None:
        ptr = item.raw.pointer
        where = f"{ptr}/{field}" if field and ptr.startswith("/") else ptr
        self.issues.append(RowIssue(record, item.raw.row, where, code, msg, key, field))

    # -- values: Python ↔ database --------------------------------------------------------------
    def _decode_code(self, row: Sequence[Any]) -> dict[str, Any]:
        out = dict(zip(("id", *CODE_COLUMNS), row, strict=True))
        if not self.pg:
            for c in _JSON_COLUMNS:
                if out[c] is not None:
                    out[c] = json.loads(out[c])
            for c in _DATE_COLUMNS:
                if out[c] is not None:
                    out[c] = dt.date.fromisoformat(out[c])
        return out

    def _date(self, value: dt.date | None) -> Any:
        return value if self.pg or value is None else value.isoformat()

    def _encode_code(self, seq: int, row: dict[str, Any]) -> tuple[Any, ...]:
        out: list[Any] = [seq]
        append = out.append
        pg = self.pg
        for c in CODE_COLUMNS:
            v = row[c]
            if v is None or c not in _ENCODED:
                append(v)
            elif c in _JSON_COLUMNS:
                append(_json(v) if c != "geometry" else json.dumps(v))
            elif c in _DATE_COLUMNS:
                append(v if pg else v.isoformat())
            elif pg or isinstance(v, str):
                append(v)
            else:
                append(self._now_text if v is self.now else _sqlite_time(v))
        return tuple(out)

    def _dates(self, values: Iterable[Any]) -> list[Any]:
        if self.pg:
            return list(values)
        return [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values]

    # -- codes ---------------------------------------------------------------------------------
    def _known(self, items: list[CodeIn | Known]) -> list[CodeIn]:
        """Count unchanged the records whose digest still matches the stored one (:mod:`.digest`);
        validate the others (their code changed since they were read) and return every record to
        apply."""
        known = [i.canonical for i in items if isinstance(i, Known)]
        if not known:
            return items  # type: ignore[return-value]
        cond, params = self._in("code", known)
        stored = dict(self._query(f"SELECT code, import_digest FROM codes WHERE {cond}", params))
        out: list[CodeIn] = []
        for item in items:
            if isinstance(item, Known):
                if stored.get(item.canonical) == item.digest:
                    self.report.unchanged["codes"] += 1
                    continue
                checked = validate_code(item.unpack_raw(), self.issues)
                if checked is None:
                    continue  # reported; the import is rolled back
                checked.digest = item.digest
                item = checked
            out.append(item)
        return out

    def codes(self, chunk: list[CodeIn | Known]) -> None:
        """Work out and stage the change of one chunk of code records."""
        items = self._known(chunk)
        if not items:
            return
        keys = [i.canonical for i in items]
        cond, params = self._in("code", keys)
        stored = {}
        for r in self._query(
            f"SELECT id, {', '.join(CODE_COLUMNS)}, import_digest FROM codes WHERE {cond}", params
        ):
            decoded = self._decode_code(r[:-1])
            decoded["import_digest"] = r[-1]
            stored[decoded["code"]] = decoded
        events: dict[int, list[tuple[Any, ...]]] = {}
        approvals: dict[int, dict[str, dict[str, Any]]] = {}
        if stored:
            cond, params = self._in("code_id", [r["id"] for r in stored.values()])
            for code_id, frm, to, day in self._query(
                f"SELECT code_id, from_status, to_status, date FROM status_history WHERE {cond}", params
            ):
                events.setdefault(code_id, []).append((frm, to, self._dates([day])[0]))
            for code_id, *values in self._query(
                f"SELECT code_id, {', '.join(_APPROVAL_COLUMNS)} FROM market_approvals WHERE {cond}", params
            ):
                a = dict(zip(_APPROVAL_COLUMNS, values, strict=True))
                a["approved"], a["valid_to"] = self._dates([a["approved"], a["valid_to"]])
                approvals.setdefault(code_id, {})[a["market"]] = a
        for item in items:
            cur = stored.get(item.canonical)
            cid = cur["id"] if cur is not None else None
            self._code(item, cur, events.get(cid, []) if cid else [], approvals.get(cid, {}) if cid else {})
        self._flush()

    def _code(
        self,
        item: CodeIn,
        cur: dict[str, Any] | None,
        events: list[tuple[Any, ...]],
        approvals: dict[str, dict[str, Any]],
    ) -> None:
        now, report = self.now, self.report
        created = cur is None
        if cur is None:
            first_day = (
                item.history[0].date
                if item.history
                else item.fields.get("issued") or item.status_since or self.today
            )
            row: dict[str, Any] = dict.fromkeys(CODE_COLUMNS)
            row.update(
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
            changed = True
        else:
            row = cur
            changed = False
        for name, value in item.fields.items():
            if row[name] != value:
                row[name] = value
                changed = True
        # history: append what the registry lacks, each event continuing the one before
        known = {(f, t, d) for f, t, d in events}
        current: str | None = None if created else row["status"]
        last: dt.date | None = max((d for _, _, d in events), default=None)
        appended: list[tuple[Any, ...]] = []

        def append(
            frm: str | None, to: str, day: dt.date, reason: str | None, legal: str | None, by: str | None
        ) -> bool:
            nonlocal current, last
            if frm != current or (last is not None and day < last):
                self.issues.append(
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
            appended.append((frm, to, day, reason, legal, by or self.actor))
            current, last = to, day
            return True

        ok = True
        for ev in item.history:
            if (ev.from_status, ev.to_status, ev.date) in known:
                continue
            if not append(ev.from_status, ev.to_status, ev.date, ev.reason, ev.legal_doc, ev.recorded_by):
                ok = False
                break
        if ok and created and current is None:
            issued = item.fields.get("issued")
            first_status = "active" if issued is not None or item.status in (None, "active") else item.status
            day = issued or item.status_since or self.today
            ok = append(
                None,
                first_status,
                day,
                "issued" if first_status == "active" else item.status_reason,
                None if first_status == "active" else item.legal_doc,
                None,
            )
        if ok and item.status is not None and item.status != current:
            append(
                current,
                item.status,
                item.status_since or self.today,
                item.status_reason,
                item.legal_doc,
                None,
            )
        if appended:
            changed = True
            row["status"], row["status_since"] = current, last
        report.history_appended += len(appended)
        for m in item.markets:
            stored = approvals.get(m["market"])
            if stored is None or any(stored[k] != v for k, v in m.items()):
                self._stage(
                    "stage_approvals",
                    (
                        item.canonical,
                        *(
                            self._date(m[c]) if c in ("approved", "valid_to") else m[c]
                            for c in _APPROVAL_COLUMNS
                        ),
                    ),
                )
                changed = True
        if changed:
            row["updated_at"] = now
            row.update(derive(row))  # the folded search columns (search.py), indexed by the database
            self._seq += 1
            self._stage("stage_codes", (*self._encode_code(self._seq, row), item.digest))
        elif item.digest is not None and row["import_digest"] != item.digest:
            self._stage("stage_digests", (item.canonical, item.digest))
        for event in appended:
            self._seq += 1
            frm, to, day, reason, legal, by = event
            self._stage(
                "stage_history", (self._seq, item.canonical, frm, to, self._date(day), reason, legal, by)
            )
        bucket = report.created if created else report.updated if changed else report.unchanged
        bucket["codes"] += 1

    def merge_codes(self) -> None:
        """Write the staged codes, approvals and history (one statement each)."""
        self._flush()
        cols = ", ".join(CODE_COLUMNS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in CODE_COLUMNS if c not in ("code", "created_at"))
        select = ", ".join(f"{c}::json" if self.pg and c in _JSON_COLUMNS else c for c in CODE_COLUMNS)
        self._execute(
            f"INSERT INTO codes ({cols}, import_digest) SELECT {select}, import_digest FROM temp.stage_codes "
            f"WHERE true ORDER BY seq ON CONFLICT (code) DO UPDATE SET {sets}, "
            "import_digest = excluded.import_digest"
        )
        acols = ", ".join(_APPROVAL_COLUMNS)
        asets = ", ".join(f"{c} = excluded.{c}" for c in _APPROVAL_COLUMNS if c != "market")
        self._execute(
            f"INSERT INTO market_approvals (code_id, {acols}) "
            f"SELECT c.id, {', '.join('s.' + c for c in _APPROVAL_COLUMNS)} "
            "FROM temp.stage_approvals s JOIN codes c ON c.code = s.code WHERE true "
            f"ON CONFLICT (code_id, market) DO UPDATE SET {asets}"
        )
        hcols = ", ".join(_HISTORY_COLUMNS)
        now = self.now if self.pg else _sqlite_time(self.now)
        self._execute(
            f"INSERT INTO status_history (code_id, {hcols}, recorded_at) "
            f"SELECT c.id, {', '.join('s.' + c for c in _HISTORY_COLUMNS)}, {self._p()} "
            "FROM temp.stage_history s JOIN codes c ON c.code = s.code ORDER BY s.seq",
            (now,),
        )
        # unchanged records applied under other rules or from another file: their digest only
        if self.pg:
            self._execute(
                "UPDATE codes c SET import_digest = s.import_digest FROM stage_digests s "
                "WHERE c.code = s.code"
            )
        else:
            self._execute(
                "UPDATE codes SET import_digest = (SELECT s.import_digest FROM temp.stage_digests s "
                "WHERE s.code = codes.code) WHERE code IN (SELECT code FROM temp.stage_digests)"
            )

    # -- products and lots ------------------------------------------------------------------------
    def products(self, items: list[ProductIn]) -> None:
        cond, params = self._in("gtin", [p.gtin for p in items])
        stored = {
            r[0]: dict(zip(_PRODUCT_COLUMNS, r, strict=True))
            for r in self._query(f"SELECT {', '.join(_PRODUCT_COLUMNS)} FROM products WHERE {cond}", params)
        }
        for item in items:
            cur = stored.get(item.gtin)
            if cur is None:
                row = dict.fromkeys(_PRODUCT_COLUMNS)
                row.update(gtin=item.gtin, **item.fields)
                self.report.created["products"] += 1
            else:
                row = dict(cur)
                row.update(item.fields)
                if row == cur:
                    self.report.unchanged["products"] += 1
                    continue
                self.report.updated["products"] += 1
            self._stage("stage_products", tuple(row[c] for c in _PRODUCT_COLUMNS))
        self._flush()

    def merge_products(self) -> None:
        self._flush()
        cols = ", ".join(_PRODUCT_COLUMNS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in _PRODUCT_COLUMNS if c != "gtin")
        self._execute(
            f"INSERT INTO products ({cols}) SELECT {cols} FROM temp.stage_products WHERE true "
            f"ON CONFLICT (gtin) DO UPDATE SET {sets}"
        )

    def lots(self, items: list[LotIn]) -> None:
        refs = sorted({li.puc for li in items} | {li.phc for li in items if li.phc})
        cond, params = self._in("code", refs)
        ids = dict(self._query(f"SELECT code, id FROM codes WHERE {cond}", params))
        gtins = sorted({li.gtin for li in items})
        cond, params = self._in("gtin", gtins)
        known_products = {r[0] for r in self._query(f"SELECT gtin FROM products WHERE {cond}", params)}
        if self.pg:
            where = "(gtin, lot) IN (SELECT * FROM unnest(%s::text[], %s::text[]))"
            lparams: list[Any] = [[li.gtin for li in items], [li.lot for li in items]]
        else:
            where = f"(gtin, lot) IN (VALUES {', '.join('(?, ?)' for _ in items)})"
            lparams = [v for li in items for v in (li.gtin, li.lot)]
        stored: dict[tuple[str, str], dict[str, Any]] = {}
        for r in self._query(f"SELECT {', '.join(_LOT_COLUMNS)} FROM lots WHERE {where}", lparams):
            row = dict(zip(_LOT_COLUMNS, r, strict=True))
            row["harvest_date"], row["pack_date"] = self._dates([row["harvest_date"], row["pack_date"]])
            stored[(row["gtin"], row["lot"])] = row
        for li in items:
            key = f"{li.gtin}/{li.lot}"
            ok = True
            values: dict[str, Any] = {}
            for name, ref in (("puc", li.puc), ("phc", li.phc)):
                if ref is None:
                    continue
                if ref not in ids:
                    self._issue(
                        "lots",
                        li,
                        name,
                        ErrorCode.REGISTRY_IMPORT_UNKNOWN_REFERENCE,
                        f"{name} {ref} is neither registered nor in this file",
                        key,
                    )
                    ok = False
                else:
                    values[f"{name}_id"] = ids[ref]
            if li.gtin not in known_products:
                self._issue(
                    "lots",
                    li,
                    "gtin",
                    ErrorCode.REGISTRY_IMPORT_UNKNOWN_REFERENCE,
                    f"product {li.gtin} is neither registered nor in this file",
                    key,
                )
                ok = False
            if not ok:
                continue
            values.update(li.fields)
            cur = stored.get((li.gtin, li.lot))
            if cur is None:
                row = dict.fromkeys(_LOT_COLUMNS)
                row.update(gtin=li.gtin, lot=li.lot, **values)
                self.report.created["lots"] += 1
            else:
                row = dict(cur)
                row.update(values)
                if row == cur:
                    self.report.unchanged["lots"] += 1
                    continue
                self.report.updated["lots"] += 1
            self._seq += 1
            staged = tuple(self._date(row[c]) if c.endswith("_date") else row[c] for c in _LOT_COLUMNS)
            self._stage("stage_lots", (self._seq, *staged))
        self._flush()

    def merge_lots(self) -> None:
        self._flush()
        cols = ", ".join(_LOT_COLUMNS)
        sets = ", ".join(f"{c} = excluded.{c}" for c in _LOT_COLUMNS if c not in ("gtin", "lot"))
        self._execute(
            f"INSERT INTO lots ({cols}) SELECT {cols} FROM temp.stage_lots WHERE true ORDER BY seq "
            f"ON CONFLICT (gtin, lot) DO UPDATE SET {sets}"
        )
