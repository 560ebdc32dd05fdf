"""Query the repository: the EPCIS 2.0 SimpleEventQuery parameters that trace_std's users need.

:func:`parse_query` turns the raw parameters (a mapping of name -> string, as in a URL) into a
:class:`Query`, raising :class:`~trace_std.errors.TraceStdError` with ``field`` = the parameter for
an unknown name (``epcis.query.parameter_unknown``), a malformed value
(``epcis.query.parameter_invalid``: a bad timestamp, an over-long value, too many values) or a
tampered page token (``epcis.query.page_token``). :func:`query` runs it, newest last, keyset-paged
on ``(event_time, id)``; :func:`get_events` finds the events of one ``eventID``.

Parameters (values comma-separated where the standard allows a list): ``eventType``,
``GE_eventTime``, ``LT_eventTime``, ``GE_recordTime``, ``LT_recordTime``, ``EQ_action``,
``EQ_bizStep``, ``EQ_disposition``, ``EQ_bizLocation``, ``EQ_readPoint``, ``EQ_eventID``,
``MATCH_epc``, ``MATCH_parentID``, ``MATCH_inputEPC``, ``MATCH_outputEPC``, ``MATCH_anyEPC``,
``MATCH_epcClass``, ``MATCH_inputEPCClass``, ``MATCH_outputEPCClass``, ``MATCH_anyEPCClass``,
``EQ_bizTransaction_<type>``, ``EQ_source_<type>``, ``EQ_destination_<type>``,
``EQ_vn_plantingAreaCode``, ``EQ_vn_packingHouseCode``, ``perPage``, ``nextPageToken``.
Identifiers match in any spelling (URN or Digital Link); CBV words bare or as URIs. Values are
always bound parameters, never SQL text.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import and_, func, select, tuple_

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.events._syntax import parse_time
from trace_std.events.repository import canonical_id, cbv_word
from trace_std.events.repository.schema import event_keys, events
from trace_std.registry import db
from trace_std.registry.core import Registry, utcnow

__all__ = [
    "DEFAULT_PER_PAGE",
    "MAX_PER_PAGE",
    "Page",
    "Query",
    "count_events",
    "get_events",
    "parse_query",
    "query",
]

DEFAULT_PER_PAGE = 100
MAX_PER_PAGE = 1000
MAX_VALUE_LENGTH = 4000
MAX_VALUES = 100
EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
ACTIONS = ("ADD", "OBSERVE", "DELETE")
_MATCH_ROLES = {
    "MATCH_epc": ("epc", "child"),
    "MATCH_parentID": ("parent",),
    "MATCH_inputEPC": ("input",),
    "MATCH_outputEPC": ("output",),
    "MATCH_anyEPC": ("epc", "child", "parent", "input", "output"),
    "MATCH_epcClass": ("class",),
    "MATCH_inputEPCClass": ("inclass",),
    "MATCH_outputEPCClass": ("outclass",),
    "MATCH_anyEPCClass": ("class", "inclass", "outclass"),
}
_VN = {"EQ_vn_plantingAreaCode": "puc", "EQ_vn_packingHouseCode": "phc"}
_TYPED = {"EQ_bizTransaction_": "btx", "EQ_source_": "src", "EQ_destination_": "dst"}
_COLUMNS: dict[str, tuple[str, Callable[[str], str]]] = {
    "EQ_bizStep": ("biz_step", cbv_word),
    "EQ_disposition": ("disposition", cbv_word),
    "EQ_bizLocation": ("biz_location", canonical_id),
    "EQ_readPoint": ("read_point", canonical_id),
    "EQ_eventID": ("event_id", str),
}
_TIMES = {
    "GE_eventTime": ("event_time", ">="),
    "LT_eventTime": ("event_time", "<"),
    "GE_recordTime": ("record_time", ">="),
    "LT_recordTime": ("record_time", "<"),
}
_TYPE_NAME = re.compile(r"[A-Za-z0-9_.:/%-]{1,200}")
_TOKEN = re.compile(r"v1\.(-?[0-9]{1,20})\.([0-9]{1,20})")


def _bad(name: str, message: str, code: ErrorCode = ErrorCode.EPCIS_QUERY_PARAMETER_INVALID) -> TraceStdError:
    return TraceStdError.from_code(code, message, field=name)


@dataclasses.dataclass(frozen=True)
class Query:
    """A parsed query: column filters, key filters (``(roles, values)``, all must match), time
    bounds, the page size and the position after which the page starts."""

    event_types: tuple[str, ...] = ()
    action: tuple[str, ...] = ()
    columns: tuple[tuple[str, tuple[str, ...]], ...] = ()
    keys: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = ()
    times: tuple[tuple[str, str, dt.datetime], ...] = ()
    per_page: int = DEFAULT_PER_PAGE
    after: tuple[dt.datetime, int] | None = None


@dataclasses.dataclass(frozen=True)
class Page:
    """One page of events (their stored JSON) and the token of the next page (``None``: the last)."""

    events: list[dict[str, Any]]
    next_page_token: str | None

    def document(self) -> dict[str, Any]:
        """The page as an ``EPCISQueryDocument``."""
        return query_document(self.events)


def query_document(found: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery", "resultsBody": {"eventList": found}}},
    }


def _values(name: str, raw: str) -> tuple[str, ...]:
    values = tuple(v.strip() for v in raw.split(","))
    if len(values) > MAX_VALUES:
        raise _bad(name, f"at most {MAX_VALUES} values")
    if any(not v for v in values):
        raise _bad(name, "an empty value")
    return values


def micros_time(micros: int) -> dt.datetime:
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=micros)


def page_token(moment: dt.datetime, event_pk: int) -> str:
    micros = (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    return base64.urlsafe_b64encode(f"v1.{micros}.{event_pk}".encode()).decode().rstrip("=")


def _parse_token(raw: str) -> tuple[dt.datetime, int]:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode("ascii")
    except ValueError:
        text = ""
    m = _TOKEN.fullmatch(text)
    if m is None:
        raise _bad("nextPageToken", "not a page token of this repository", ErrorCode.EPCIS_QUERY_PAGE_TOKEN)
    try:
        return micros_time(int(m.group(1))), int(m.group(2))
    except OverflowError:
        raise _bad(
            "nextPageToken", "not a page token of this repository", ErrorCode.EPCIS_QUERY_PAGE_TOKEN
        ) from None


def parse_query(params: Mapping[str, str]) -> Query:
    """The :class:`Query` of URL parameters (one value per name; see the module docstring)."""
    event_types: tuple[str, ...] = ()
    action: tuple[str, ...] = ()
    columns: list[tuple[str, tuple[str, ...]]] = []
    keys: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    times: list[tuple[str, str, dt.datetime]] = []
    per_page = DEFAULT_PER_PAGE
    after = None
    for name, raw in params.items():
        if not isinstance(name, str) or not isinstance(raw, str):
            raise TypeError("parameters are strings")
        if len(name) > 300:
            raise _bad(name[:300], "unknown parameter", ErrorCode.EPCIS_QUERY_PARAMETER_UNKNOWN)
        if len(raw) > MAX_VALUE_LENGTH:
            raise _bad(name, f"a value longer than {MAX_VALUE_LENGTH} characters")
        if "\x00" in raw:
            raise _bad(name, "a NUL character")
        if name == "eventType":
            event_types = _values(name, raw)
            if any(t not in EVENT_TYPES for t in event_types):
                raise _bad(name, f"one of {', '.join(EVENT_TYPES)}")
        elif name == "EQ_action":
            action = _values(name, raw)
            if any(a not in ACTIONS for a in action):
                raise _bad(name, "ADD, OBSERVE or DELETE")
        elif name in _COLUMNS:
            column, norm = _COLUMNS[name]
            columns.append((column, tuple(norm(v) for v in _values(name, raw))))
        elif name in _TIMES:
            micros = parse_time(raw.strip())
            if micros is None:
                raise _bad(name, "an RFC 3339 timestamp with an offset, e.g. 2025-08-12T00:00:00+07:00")
            column, op = _TIMES[name]
            times.append((column, op, micros_time(micros)))
        elif name in _MATCH_ROLES:
            keys.append((_MATCH_ROLES[name], tuple(canonical_id(v) for v in _values(name, raw))))
        elif name in _VN:
            keys.append(((_VN[name],), tuple(v.upper() for v in _values(name, raw))))
        elif name.startswith(tuple(_TYPED)):
            prefix = next(p for p in _TYPED if name.startswith(p))
            kind = name[len(prefix) :]
            if not _TYPE_NAME.fullmatch(kind):
                raise _bad(name, "unknown parameter", ErrorCode.EPCIS_QUERY_PARAMETER_UNKNOWN)
            kind = cbv_word(kind)
            keys.append(((_TYPED[prefix],), tuple(f"{kind} {canonical_id(v)}" for v in _values(name, raw))))
        elif name == "perPage":
            if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PER_PAGE:
                raise _bad(name, f"a whole number from 1 to {MAX_PER_PAGE}")
            per_page = int(raw)
        elif name == "nextPageToken":
            after = _parse_token(raw)
        else:
            raise _bad(name, "unknown parameter", ErrorCode.EPCIS_QUERY_PARAMETER_UNKNOWN)
    return Query(event_types, action, tuple(columns), tuple(keys), tuple(times), per_page, after)


def _where(
    q: Query, party: str | None, keys: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]
) -> list[Any]:
    conds: list[Any] = []
    if party is not None:
        conds.append(events.c.party == party)
    if q.event_types:
        conds.append(events.c.event_type.in_(q.event_types))
    if q.action:
        conds.append(events.c.action.in_(q.action))
    for column, values in q.columns:
        conds.append(events.c[column].in_(values))
    for column, op, moment in q.times:
        col = events.c[column]
        conds.append(col >= moment if op == ">=" else col < moment)
    for roles, values in keys:
        inner = select(event_keys.c.event).where(event_keys.c.value.in_(values), event_keys.c.role.in_(roles))
        conds.append(events.c.id.in_(inner))
    return conds


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def _statement(q: Query, party: str | None, limit: int) -> Any:
    """The page's SQL. With an identifier (or ``vn:`` code) filter the first one drives: its keys
    are read from ``(value, event_time, event, role)`` in event-time order and joined to their
    events (on ``id`` and ``event_time``: one partition each on PostgreSQL) until the page is full;
    the other filters apply to the joined events. Without one, events are read in event-time order."""
    columns = (events.c.id, events.c.event_time, events.c.body)
    if not q.keys:
        conds = _where(q, party, ())
        if q.after is not None:
            conds.append(tuple_(events.c.event_time, events.c.id) > tuple_(*q.after))
        return select(*columns).where(*conds).order_by(events.c.event_time, events.c.id).limit(limit)
    (roles, values), *others = q.keys
    k = event_keys.alias("k")
    conds = [k.c.value.in_(values), k.c.role.in_(roles), *_where(q, party, tuple(others))]
    for column, op, moment in q.times:
        if column == "event_time":  # bounds the index range (and the partitions) of the keys too
            conds.append(k.c.event_time >= moment if op == ">=" else k.c.event_time < moment)
    if q.after is not None:
        conds.append(tuple_(k.c.event_time, k.c.event) > tuple_(*q.after))
    return (
        select(*columns)
        .select_from(k.join(events, and_(events.c.id == k.c.event, events.c.event_time == k.c.event_time)))
        .where(*conds)
        .order_by(k.c.event_time, k.c.event)
        .limit(limit)
    )


def query(registry: Registry, q: Query | Mapping[str, str], *, party: str | None) -> Page:
    """One page of the events matching ``q`` (``party``: only that party's events; ``None``: every
    party's, for an inspector)."""
    if not isinstance(q, Query):
        q = parse_query(q)
    wanted = q.per_page + 1
    # one event can match the driving filter twice (two of its values, or one value in two roles):
    # such rows are adjacent in the order; read more until the page has enough distinct events
    limit = wanted
    with db.unavailable_guard(), registry._read_engine.connect() as conn:
        while True:
            raw = conn.execute(_statement(q, party, limit)).all()
            rows = list({r.id: r for r in raw}.values())
            if len(rows) >= wanted or len(raw) < limit:
                break
            limit *= 4
        conn.rollback()
    more = len(rows) > q.per_page
    rows = rows[: q.per_page]
    token = page_token(_aware(rows[-1].event_time), rows[-1].id) if more and rows else None
    return Page([json.loads(r.body) for r in rows], token)


def get_events(registry: Registry, event_id: str, *, party: str | None) -> list[dict[str, Any]]:
    """The stored events whose ``eventID`` is ``event_id`` (the original first, then any
    error declaration that corrects it), limited to ``party``'s unless ``None``."""
    if not isinstance(event_id, str) or len(event_id) > 500:
        return []
    conds = [events.c.event_id == event_id]
    if party is not None:
        conds.append(events.c.party == party)
    stmt = select(events.c.body).where(*conds).order_by(events.c.record_time, events.c.id).limit(100)
    with db.unavailable_guard(), registry._read_engine.connect() as conn:
        bodies = conn.execute(stmt).scalars().all()
        conn.rollback()
    return [json.loads(b) for b in bodies]


def count_events(registry: Registry) -> int:
    """How many events the repository holds."""
    with db.unavailable_guard(), registry._read_engine.connect() as conn:
        n = int(conn.execute(select(func.count()).select_from(events)).scalar_one())
        conn.rollback()
    return n


def lot_declared(conn: Any, gtin14: str, lot: str) -> dt.date | None:
    """The date (UTC) of the first captured event that names lot ``lot`` of GTIN ``gtin14`` as a
    class, or ``None`` when no captured event declares it. For public verification: a date only,
    never a volume or a party (``docs/api.md``, privacy rule). ``conn``: an open connection."""
    value = canonical_id(f"https://id.gs1.org/01/{gtin14}/10/{lot}")
    first = conn.execute(
        select(func.min(events.c.event_time)).where(
            events.c.id.in_(
                select(event_keys.c.event).where(event_keys.c.value == value, event_keys.c.role == "class")
            )
        )
    ).scalar_one()
    if first is None:
        return None
    if isinstance(first, str):  # SQLite without type affinity on an aggregate
        first = dt.datetime.fromisoformat(first)
    return _aware(first).date()
