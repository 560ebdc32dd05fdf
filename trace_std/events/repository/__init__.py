"""The EPCIS 2.0 event repository: capture validated events into the registry database, query them.

* :func:`capture` -- validate an ``EPCISDocument`` (or one bare event) with
  :func:`trace_std.events.validate` (optionally a profile such as ``vn-fresh-produce``) and store its
  events in one transaction, as a capture job (:class:`CaptureJob`). Behaviour ``rollback`` (the
  EPCIS default) keeps nothing from a document with any error; ``proceed`` keeps the valid events.
  Re-capturing an event with the same CBV 2.0 event hash stores nothing (``duplicates``), also when
  two captures of overlapping documents run at once (one writer at a time, the unique key behind it).
  An event with an ``errorDeclaration`` (whose CBV hash is that of the event it corrects) is stored
  beside it, once (:data:`~trace_std.events.repository.schema.ERROR_DECLARATION_SUFFIX`).
* :func:`capture_job` -- a job by id (``GET /epcis/capture/{id}``).
* :func:`query` / :func:`get_event` -- in :mod:`trace_std.events.repository.query`.

Identifiers are stored in one canonical spelling (:func:`trace_std.gs1.epc.canonical_epc`: the URN
and Digital Link spellings of one GS1 key are equal), CBV words bare (``shipping``, not
``https://ref.gs1.org/cbv/BizStep-shipping``). Events are immutable; a correction is a new event with
an ``errorDeclaration``, as EPCIS 2.0 says.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
import logging
import re
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from trace_std.errors import ErrorCode, Issue, RegistryError, Severity, TraceStdError
from trace_std.events.hashing import event_hash
from trace_std.events.reader import read_document
from trace_std.events.repository.schema import (
    ERROR_DECLARATION_SUFFIX,
    capture_jobs,
    event_keys,
    events,
)
from trace_std.events.validate import validate
from trace_std.gs1.epc import canonical_epc
from trace_std.registry import db
from trace_std.registry.core import Registry, utcnow

__all__ = [
    "BEHAVIOURS",
    "VN_NAMESPACE",
    "CaptureJob",
    "canonical_id",
    "capture",
    "capture_job",
    "cbv_word",
    "event_rows",
]

BEHAVIOURS = ("rollback", "proceed")
#: The expanded IRI prefix of the trace_std ``vn:`` extension terms (schemas/v1 context).
VN_NAMESPACE = "https://trace-std.org/ns/vn-fresh-produce/1/"
#: Keys of the ``vn:`` terms the repository indexes (term -> role).
VN_ROLES = {"plantingAreaCode": "puc", "packingHouseCode": "phc"}
MAX_VALUE = 600
MAX_ERRORS = 1000
_BATCH = 2000
_PG_EVENTS_LOCK = 0x7472_6163_6501  # "trace" + 1: the events' own writer lock (not the registry's)

_CBV = re.compile(
    r"^(?:urn:epcglobal:cbv:(?:bizstep|disp|btt|sdt|er):|https://ref\.gs1\.org/cbv/(?:BizStep|Disp|BTT|SDT|ER)-)"
)
# what-dimension lists -> the role their identifiers are indexed under
_EPC_LISTS = {"epcList": "epc", "childEPCs": "child", "inputEPCList": "input", "outputEPCList": "output"}
_QTY_LISTS = {
    "quantityList": "class",
    "childQuantityList": "class",
    "inputQuantityList": "inclass",
    "outputQuantityList": "outclass",
}


def cbv_word(value: str) -> str:
    """A CBV term as its bare word (``https://ref.gs1.org/cbv/BizStep-shipping`` -> ``shipping``);
    any other URI unchanged.

    >>> cbv_word("urn:epcglobal:cbv:bizstep:shipping"), cbv_word("https://ref.gs1.org/cbv/Disp-active")
    ('shipping', 'active')
    """
    return _CBV.sub("", value, count=1)


def canonical_id(value: str) -> str:
    """The stored spelling of an identifier: the canonical Digital Link of a GS1 EPC, class or
    location (URN and Digital Link spellings agree), the value unchanged otherwise (also when it is
    a malformed GS1 EPC: the validator reports those).

    >>> canonical_id("urn:epc:id:sgtin:0614141.107346.2017") == canonical_id(
    ...     "https://example.com/01/10614141073464/21/2017")
    True
    """
    try:
        return canonical_epc(value)
    except (TraceStdError, ValueError):
        return value


@dataclasses.dataclass(frozen=True)
class CaptureJob:
    """The outcome of one capture request. ``state``: ``succeeded`` (every event valid and kept or
    already held), ``partial`` (``proceed``: the valid events kept, the others refused) or ``failed``
    (nothing kept). ``errors``: the validator's issues (``code``, ``severity``, ``pointer``,
    ``message``), at most :data:`MAX_ERRORS`."""

    id: str
    party: str
    state: str
    behaviour: str
    received: int
    stored: int
    duplicates: int
    errors: list[dict[str, Any]]
    created_at: dt.datetime
    finished_at: dt.datetime

    @property
    def running(self) -> bool:
        return False  # captures run inside the request; a job is finished when it can be read

    def as_dict(self) -> dict[str, Any]:
        return {
            "captureID": self.id,
            "running": self.running,
            "success": self.state != "failed",
            "state": self.state,
            "captureErrorBehaviour": self.behaviour,
            "createdAt": self.created_at.isoformat(),
            "finishedAt": self.finished_at.isoformat(),
            "events": {"received": self.received, "stored": self.stored, "duplicates": self.duplicates},
            "errors": self.errors,
        }


def _prefixes(context: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    items = context if isinstance(context, list) else [context]
    for item in items:
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str) and isinstance(key, str) and not key.startswith("@"):
                    out[key] = value
    return out


def _vn_terms(obj: dict[str, Any], prefixes: dict[str, str]) -> Iterator[tuple[str, Any]]:
    for key, value in obj.items():
        prefix, sep, term = key.partition(":")
        if sep and term in VN_ROLES and prefixes.get(prefix, "") + term == VN_NAMESPACE + term:
            yield VN_ROLES[term], value


def _keys(event: dict[str, Any], prefixes: dict[str, str]) -> Iterator[tuple[str, str]]:
    for name, role in _EPC_LISTS.items():
        for epc in event.get(name) or ():
            if isinstance(epc, str):
                yield role, canonical_id(epc)
    parent = event.get("parentID")
    if isinstance(parent, str):
        yield "parent", canonical_id(parent)
    for name, role in _QTY_LISTS.items():
        for item in event.get(name) or ():
            if isinstance(item, dict) and isinstance(item.get("epcClass"), str):
                yield role, canonical_id(item["epcClass"])
    for name, role, field in (
        ("bizTransactionList", "btx", "bizTransaction"),
        ("sourceList", "src", "source"),
        ("destinationList", "dst", "destination"),
    ):
        for item in event.get(name) or ():
            if isinstance(item, dict) and isinstance(item.get(field), str):
                kind = item.get("type")
                kind = cbv_word(kind) if isinstance(kind, str) else ""
                yield role, f"{kind} {canonical_id(item[field])}"
    for container in (event, event.get("ilmd")):
        if isinstance(container, dict):
            for role, value in _vn_terms(container, prefixes):
                if isinstance(value, str):
                    yield role, value.strip().upper()


def _point(value: Any) -> str | None:
    if isinstance(value, dict) and isinstance(value.get("id"), str):
        return canonical_id(value["id"])
    return None


def _word(value: Any) -> str | None:
    return cbv_word(value) if isinstance(value, str) else None


def _time(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    return moment.astimezone(dt.UTC)


def event_rows(
    event: dict[str, Any], context: Any, *, party: str, job_id: str, record_time: dt.datetime
) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """The row of one (valid) event and its ``(role, value)`` keys, identifiers canonical.

    The stored JSON is the event as captured, with the document's ``@context`` when the event has
    none of its own (so that it can be read alone), the repository's ``recordTime`` and, when it
    had none, its event hash as ``eventID``."""
    if "@context" not in event and context is not None:
        event = {"@context": context, **event}
    ctx = event.get("@context")
    digest = event_hash(event, context=ctx)
    event_id = event.get("eventID") if isinstance(event.get("eventID"), str) else digest
    if isinstance(event.get("errorDeclaration"), dict):  # a correction: stored beside its event
        digest += ERROR_DECLARATION_SUFFIX
    body = dict(event)
    body["eventID"] = event_id  # an event captured without one is named by its hash
    body["recordTime"] = record_time.isoformat().replace("+00:00", "Z")
    row = {
        "event_time": _time(event["eventTime"]),
        "record_time": record_time,
        "event_hash": digest,
        "event_id": event_id,
        "event_type": str(event.get("type")),
        "action": event.get("action") if isinstance(event.get("action"), str) else None,
        "biz_step": _word(event.get("bizStep")),
        "disposition": _word(event.get("disposition")),
        "biz_location": _point(event.get("bizLocation")),
        "read_point": _point(event.get("readPoint")),
        "party": party,
        "job_id": job_id,
        "body": json.dumps(body, ensure_ascii=False, separators=(",", ":")),
    }
    keys = list(dict.fromkeys(_keys(event, _prefixes(ctx))))
    return row, keys


def _too_long(row: dict[str, Any], keys: list[tuple[str, str]]) -> str | None:
    for name in ("event_id", "biz_step", "disposition", "biz_location", "read_point"):
        value = row[name]
        if value is not None and len(value) > (500 if name != "biz_step" and name != "disposition" else 300):
            return name
    return next((role for role, value in keys if len(value) > MAX_VALUE), None)


# -- writing ----------------------------------------------------------------------------------
@contextmanager
def _writer(registry: Registry) -> Iterator[Connection]:
    """One write transaction holding the events' writer lock (SQLite: ``BEGIN IMMEDIATE``;
    PostgreSQL: an advisory lock of its own, so captures never wait on code imports)."""
    wait = registry.write_lock_timeout_ms
    with db.unavailable_guard():
        if registry.backend == "sqlite":
            with registry._write_engine.begin() as conn:
                yield conn
            return
        with registry.engine.begin() as conn:
            conn.execute(text(f"SET LOCAL lock_timeout = {int(wait)}"))
            try:
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_EVENTS_LOCK})
            except OperationalError as exc:
                if getattr(exc.orig, "sqlstate", None) in ("55P03", "57014"):
                    raise db.busy(wait) from exc
                raise
            conn.execute(text("SET LOCAL lock_timeout = 0"))
            yield conn


def _month(moment: dt.datetime) -> dt.datetime:
    return dt.datetime(moment.year, moment.month, 1, tzinfo=dt.UTC)


def _next_month(moment: dt.datetime) -> dt.datetime:
    return dt.datetime(moment.year + moment.month // 12, moment.month % 12 + 1, 1, tzinfo=dt.UTC)


def ensure_partitions(registry: Registry, months: set[dt.datetime]) -> None:
    """PostgreSQL: create the monthly partitions of events and keys that do not exist yet, each in
    its own short transaction (a partition's DDL locks the parent table; never for a whole capture).
    A partition left empty by a capture rolled back afterwards is harmless."""
    if registry.backend != "postgresql" or not months:
        return
    with db.unavailable_guard(), registry.engine.connect() as conn:
        existing = {
            r[0]
            for r in conn.execute(
                text(
                    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                    "JOIN pg_class p ON p.oid = i.inhparent "
                    "WHERE p.relname IN ('epcis_events', 'epcis_event_keys')"
                )
            )
        }
        conn.rollback()
        for month in sorted(months):
            lo, hi = month, _next_month(month)
            for table in ("epcis_events", "epcis_event_keys"):
                name = f"{table}_p{lo:%Y%m}"
                if name in existing:
                    continue
                with conn.begin():
                    conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_EVENTS_LOCK + 1})
                    conn.execute(
                        text(
                            f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF {table} "
                            f"FOR VALUES FROM ('{lo.isoformat()}') TO ('{hi.isoformat()}')"
                        )
                    )


_EVENT_COLUMNS = tuple(c.name for c in events.columns)
_KEY_COLUMNS = ("event", "event_time", "role", "value")


def _held(conn: Connection, pg: bool, hashes: list[str]) -> set[str]:
    """The hashes among ``hashes`` already stored: one set-based lookup (chunks of 500 on SQLite)."""
    if pg:
        return set(
            conn.execute(
                text("SELECT event_hash FROM epcis_events WHERE event_hash = ANY(:h)"), {"h": hashes}
            ).scalars()
        )
    held: set[str] = set()
    for chunk in _chunks(hashes, 500):
        held.update(conn.execute(select(events.c.event_hash).where(events.c.event_hash.in_(chunk))).scalars())
    return held


def _copy(conn: Connection, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]) -> None:
    """PostgreSQL ``COPY … FROM STDIN`` in the connection's transaction."""
    cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cur.close()


#: PostgreSQL: a capture storing at least this many events refreshes its months' planner statistics
ANALYZE_AFTER = 10_000


def analyze_partitions(registry: Registry, months: set[dt.datetime]) -> None:
    """PostgreSQL: ``ANALYZE`` the monthly partitions of ``months`` (events and keys) after a bulk
    capture, so that queries plan with their real sizes at once (autovacuum analyzes a partition
    only after its next pass, and a freshly filled one without statistics is planned as tiny).
    A failure is logged, never raised: the capture it follows is committed."""
    if registry.backend != "postgresql" or not months:
        return
    names = [f"{t}_p{m:%Y%m}" for m in sorted(months) for t in ("epcis_events", "epcis_event_keys")]
    try:
        with db.unavailable_guard(), registry.engine.connect() as conn:
            conn.exec_driver_sql(f"ANALYZE {', '.join(names)}")
            conn.commit()
    except Exception as exc:  # statistics are an optimisation
        logging.getLogger("trace_std.events").warning("ANALYZE after a capture failed: %s", exc)


def _store(
    registry: Registry, batches: Iterator[list[tuple[dict[str, Any], list[tuple[str, str]]]]]
) -> tuple[int, int]:
    """Insert the batches in one transaction; returns ``(stored, duplicates)``. The hashes already
    held are looked up once per batch; PostgreSQL writes each batch with ``COPY``."""
    stored = duplicates = 0
    pg = registry.backend == "postgresql"
    items: Iterable[list[tuple[dict[str, Any], list[tuple[str, str]]]]] = batches
    if pg:
        items = list(batches)
        ensure_partitions(registry, {_month(r["event_time"]) for batch in items for r, _ in batch})
    with _writer(registry) as conn:
        next_id = int(conn.execute(select(func.coalesce(func.max(events.c.id), 0))).scalar_one()) + 1
        for batch in items:
            held = _held(conn, pg, sorted({r["event_hash"] for r, _ in batch}))
            rows: list[dict[str, Any]] = []
            keys: list[tuple[int, dt.datetime, str, str]] = []
            for row, row_keys in batch:
                if row["event_hash"] in held:
                    duplicates += 1
                    continue
                held.add(row["event_hash"])
                row = {**row, "id": next_id}
                rows.append(row)
                keys.extend((next_id, row["event_time"], role, value) for role, value in row_keys)
                next_id += 1
            if pg:
                _copy(
                    conn, "epcis_events", _EVENT_COLUMNS, (tuple(r[c] for c in _EVENT_COLUMNS) for r in rows)
                )
                _copy(conn, "epcis_event_keys", _KEY_COLUMNS, keys)
            else:
                if rows:
                    conn.execute(events.insert(), rows)
                if keys:
                    conn.execute(event_keys.insert(), [dict(zip(_KEY_COLUMNS, k, strict=True)) for k in keys])
            stored += len(rows)
    if pg and stored >= ANALYZE_AFTER:
        analyze_partitions(registry, {_month(r["event_time"]) for batch in items for r, _ in batch})
    return stored, duplicates


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _event_index(pointer: str, base: str) -> int | None:
    if base == "":  # a bare event: every issue is the event's
        return 0
    if not pointer.startswith(base + "/"):
        return None
    head = pointer[len(base) + 1 :].split("/", 1)[0]
    return int(head) if head.isdigit() else None


def _issue_line(issue: Issue) -> dict[str, Any]:
    return {
        "code": str(issue.code),
        "severity": str(issue.severity),
        "pointer": issue.field or "",
        "message": issue.message,
    }


def _error(code: ErrorCode | str, message: str, pointer: str = "") -> dict[str, Any]:
    return {"code": str(code), "severity": "error", "pointer": pointer, "message": message}


def capture(
    registry: Registry,
    source: Any,
    *,
    party: str,
    behaviour: str = "rollback",
    profile: str | None = None,
    bare_event: bool = False,
) -> CaptureJob:
    """Capture an ``EPCISDocument`` (``bare_event``: one event) from ``source`` (bytes, a path or a
    binary stream) for ``party`` (who captured; queries show a party its own events).

    Returns the finished :class:`CaptureJob`, also recorded for :func:`capture_job`. Raises
    ``ValueError`` for an unknown ``behaviour`` or ``profile`` and
    :class:`~trace_std.registry.db.RegistryBusy` / ``RegistryUnavailable`` as the registry does."""
    if behaviour not in BEHAVIOURS:
        raise ValueError(f"behaviour must be one of {BEHAVIOURS}, not {behaviour!r}")
    if isinstance(source, (bytes, bytearray, memoryview)):
        source = io.BytesIO(bytes(source))
    job_id = str(uuid.uuid4())
    created = utcnow()
    report = validate(source, name="<capture>", profile=profile)
    expected = "event" if bare_event else "EPCISDocument"
    errors = [_issue_line(i) for i in report.issues if i.severity is Severity.ERROR]
    received = int(report.details.get("events") or 0)
    kind = report.details.get("document_type")
    stored = duplicates = 0
    state = "succeeded"
    if kind != expected and not any(e["code"].startswith("epcis.json") for e in errors):
        errors.insert(
            0, _error(ErrorCode.EPCIS_CAPTURE_DOCUMENT_TYPE, f"this endpoint takes {expected}, not {kind}")
        )
    base = "" if bare_event else "/epcisBody/eventList"
    bad_events = {_event_index(e["pointer"], base) for e in errors}
    doc_errors = kind != expected or None in bad_events or bool(report.details.get("issues_dropped"))
    if errors and (behaviour == "rollback" or doc_errors):
        state = "failed"
    else:
        try:
            stored, duplicates, refused = _capture_events(
                registry, source, party=party, job_id=job_id, skip=bad_events
            )
        except TraceStdError as exc:
            if isinstance(exc, RegistryError):
                raise
            errors.append(_error(exc.code, exc.message, exc.field or ""))
            state, stored, duplicates = "failed", 0, 0
        else:
            errors.extend(refused)
            if refused and behaviour == "rollback":  # a stored-column limit: nothing was kept
                state, stored, duplicates = "failed", 0, 0
            elif errors:
                state = "partial"
    job = CaptureJob(
        id=job_id,
        party=party,
        state=state,
        behaviour=behaviour,
        received=received,
        stored=stored,
        duplicates=duplicates,
        errors=errors[:MAX_ERRORS],
        created_at=created,
        finished_at=utcnow(),
    )
    _record_job(registry, job)
    return job


def _capture_events(
    registry: Registry, source: Any, *, party: str, job_id: str, skip: set[int | None]
) -> tuple[int, int, list[dict[str, Any]]]:
    refused: list[dict[str, Any]] = []
    record_time = utcnow()

    def batches() -> Iterator[list[tuple[dict[str, Any], list[tuple[str, str]]]]]:
        with read_document(source) as doc:
            context = doc.header.get("@context") if doc.kind != "event" else None
            batch: list[tuple[dict[str, Any], list[tuple[str, str]]]] = []
            for index, (pointer, event) in enumerate(doc.events()):
                if index in skip:
                    continue
                row, keys = event_rows(event, context, party=party, job_id=job_id, record_time=record_time)
                too_long = _too_long(row, keys)
                if too_long is not None:
                    refused.append(
                        _error(
                            ErrorCode.EPCIS_CAPTURE_VALUE_TOO_LONG,
                            f"{too_long}: an identifier longer than the repository stores",
                            pointer,
                        )
                    )
                    continue
                batch.append((row, keys))
                if len(batch) >= _BATCH:
                    yield batch
                    batch = []
            if batch:
                yield batch

    if hasattr(source, "seek"):
        source.seek(0)
    stored, duplicates = _store(registry, batches())
    return stored, duplicates, refused


def _record_job(registry: Registry, job: CaptureJob) -> None:
    with db.unavailable_guard(), registry.engine.begin() as conn:
        conn.execute(
            capture_jobs.insert().values(
                id=job.id,
                party=job.party,
                created_at=job.created_at,
                finished_at=job.finished_at,
                state=job.state,
                behaviour=job.behaviour,
                received=job.received,
                stored=job.stored,
                duplicates=job.duplicates,
                errors=job.errors,
            )
        )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def capture_job(registry: Registry, job_id: str) -> CaptureJob | None:
    """The capture job ``job_id``, or ``None``."""
    if not isinstance(job_id, str) or len(job_id) > 36:
        return None
    with db.unavailable_guard(), registry.engine.connect() as conn:
        row = conn.execute(select(capture_jobs).where(capture_jobs.c.id == job_id)).mappings().first()
        conn.rollback()
    if row is None:
        return None
    return CaptureJob(
        id=row["id"],
        party=row["party"],
        state=row["state"],
        behaviour=row["behaviour"],
        received=row["received"],
        stored=row["stored"],
        duplicates=row["duplicates"],
        errors=list(row["errors"]),
        created_at=_aware(row["created_at"]),
        finished_at=_aware(row["finished_at"]),
    )
