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

The stages, one module each, stream the file in bounded memory whatever its size:

1. :mod:`.parse` reads raw records (JSON element by element, CSV row by row), hashing the bytes;
2. :mod:`.validate` checks each record on its own;
3. :mod:`.spill` keeps the validated records in a temporary file and makes the cross-row checks
   (duplicates; CSV approval and history rows far from their code row);
4. :mod:`.load` applies them in the write transaction with set-based statements.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry.importer.digest import record_digest
from trace_std.registry.importer.formats import CSV_COLUMNS, CSV_RECORDS, FORMAT_NAME, FORMAT_VERSION, Raw
from trace_std.registry.importer.load import CHUNK, Loader
from trace_std.registry.importer.parse import Orphan, Source, read_records
from trace_std.registry.importer.spill import Spill
from trace_std.registry.importer.validate import validate_code, validate_lot, validate_product
from trace_std.registry.records import ImportReport, RowIssue

__all__ = [
    "CSV_COLUMNS",
    "CSV_RECORDS",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "import_file",
    "upsert_one",
]

Progress = Callable[[str, int, int], None]


class _Rollback(Exception):
    """Raised inside the write transaction to undo it."""


def _validate(raw: Raw, issues: list[RowIssue]) -> tuple[Any, str | None]:
    """The typed record and its key (``None`` when the row has a problem)."""
    if raw.record == "codes":
        code = validate_code(raw, issues)
        return code, code.canonical if code else None
    if raw.record == "products":
        product = validate_product(raw, issues)
        return product, product.gtin if product else None
    lot = validate_lot(raw, issues)
    return lot, f"{lot.gtin}/{lot.lot}" if lot else None


def _sort_issues(issues: list[RowIssue]) -> list[RowIssue]:
    order = {"codes": 0, "products": 1, "lots": 2}
    return sorted(issues, key=lambda i: (order.get(i.record, 3), i.row))


def _stored_digests(registry: Any, codes: list[str]) -> dict[str, str]:
    """``code → import_digest`` of those of ``codes`` that are stored with a digest."""
    if not codes:
        return {}
    with registry.read() as s:
        conn = s.connection()
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None  # a checked-out connection always has one
        cur = dbapi.cursor()
        try:
            if conn.dialect.name == "postgresql":
                cur.execute("SELECT code, import_digest FROM codes WHERE code = ANY(%s)", [codes])
            else:
                marks = ", ".join("?" * len(codes))
                cur.execute(f"SELECT code, import_digest FROM codes WHERE code IN ({marks})", codes)
            return {code: digest for code, digest in cur.fetchall() if digest is not None}
        finally:
            cur.close()


def _add_codes(registry: Any, spill: Spill, batch: list[Raw], issues: list[RowIssue]) -> None:
    """Validate and keep a batch of code records, except those already applied (:mod:`.digest`)."""
    digests = [record_digest(raw) for raw in batch]
    texts = [raw.data.get("code") for raw in batch]
    stored = _stored_digests(registry, [t for t in texts if isinstance(t, str) and len(t) <= 64])
    for raw, digest, text in zip(batch, digests, texts, strict=True):
        if digest is not None and isinstance(text, str) and stored.get(text) == digest:
            spill.add_known(raw, text, digest)  # stored codes are canonical: text is the key
            continue
        typed, key = _validate(raw, issues)
        if typed is not None:
            typed.digest = digest
        spill.add(raw, typed, key)
    batch.clear()


def _spill(src: Source, issues: list[RowIssue], progress: Progress | None, registry: Any) -> Spill:
    """Stages 1–3: read, validate and keep every record; every problem goes to ``issues``."""
    spill = Spill(keep_raw=src.format == "csv")
    try:
        n = 0
        batch: list[Raw] = []
        for item in read_records(src):
            if isinstance(item, Raw):
                if item.record == "codes":
                    batch.append(item)
                    if len(batch) >= CHUNK:
                        _add_codes(registry, spill, batch, issues)
                else:
                    typed, key = _validate(item, issues)
                    spill.add(item, typed, key)
                n += 1
                if progress is not None and n % 10_000 == 0:
                    progress("read", n, 0)
            elif isinstance(item, Orphan):
                spill.add_orphan(item)
            else:
                issues.append(item)
        _add_codes(registry, spill, batch, issues)
        spill.finish(issues, _validate)
    except BaseException:
        spill.close()
        raise
    return spill


def import_file(
    registry: Any,
    source: str | Path | IO[bytes] | IO[str],
    *,
    actor: str,
    dry_run: bool = False,
    format: str | None = None,
    progress: Progress | None = None,
    max_bytes: int | None = None,
) -> ImportReport:
    """Validate and apply an import file; see the module docstring.

    ``max_bytes`` refuses a larger file (``registry.import.unreadable``); by default any size is read,
    in bounded memory.
    """
    with _fewer_collections():
        return _import_file(registry, source, actor, dry_run, format, progress, max_bytes)


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the import with the cyclic garbage collector's young generation 70 times larger.

    An import allocates millions of short-lived containers (cells, records, rows) while the
    process holds the SQLAlchemy and data-table objects: with the default threshold (700) the
    collector ran after every 700 of them and took 13-15 % of the CPU time of an import. Cycles
    are still collected, every 50,000 allocations, so memory stays bounded. The thresholds are
    restored afterwards (never lowered: a larger one set by the application is kept)."""
    old = gc.get_threshold()
    gc.set_threshold(max(old[0], 50_000), max(old[1], 20), *old[2:])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _import_file(
    registry: Any,
    source: str | Path | IO[bytes] | IO[str],
    actor: str,
    dry_run: bool,
    format: str | None,
    progress: Progress | None,
    max_bytes: int | None,
) -> ImportReport:
    src = Source(source, format=format, max_bytes=max_bytes)
    issues: list[RowIssue] = []
    try:
        spill = _spill(src, issues, progress, registry)
        digest = src.finish()
    finally:
        src.close()
    report = ImportReport(source=src.name, format=src.format, dry_run=dry_run, sha256=digest)
    try:
        total = sum(spill.counts.values())
        if progress is not None:
            progress("validated", 0, total)
        if issues:
            report.issues = _sort_issues(issues)
            return report
        try:
            with registry.write(dry_run=dry_run) as s:
                _load(s, spill, actor, report, issues, progress, total)
                if issues:
                    raise _Rollback
                registry._audit(
                    s,
                    actor,
                    "registry.import" if not dry_run else "registry.import.dry_run",
                    src.name,
                    {
                        "sha256": digest,
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
    finally:
        spill.close()
    report.applied = not dry_run
    if report.applied and (any(report.created.values()) or any(report.updated.values())):
        registry.refresh_statistics()
    return report


def _load(
    s: Any,
    spill: Spill,
    actor: str,
    report: ImportReport,
    issues: list[RowIssue],
    progress: Progress | None,
    total: int,
) -> None:
    loader = Loader(s, actor=actor, report=report, issues=issues)
    done = 0
    if progress is not None:
        progress("apply", done, total)
    for record, apply, merge in (
        ("codes", loader.codes, loader.merge_codes),
        ("products", loader.products, loader.merge_products),
        ("lots", loader.lots, loader.merge_lots),
    ):
        for chunk in spill.items(record, CHUNK):
            apply(chunk)
            done += len(chunk)
            if progress is not None:
                progress("apply", done, total)
        if issues:
            return
        merge()


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
        loader = Loader(s, actor=actor, report=report, issues=issues)
        loader.codes([item])
        if issues:
            raise _first_error(issues)
        loader.merge_codes()
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
