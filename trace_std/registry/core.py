"""The :class:`Registry` facade: every operation the CLI and the API call."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import os
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NamedTuple

from sqlalchemy import (
    String,
    bindparam,
    cast,
    column,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, selectinload, sessionmaker
from sqlalchemy.sql import Select

from trace_std.errors import ErrorCode, RegistryError, TraceStdError
from trace_std.registry import db
from trace_std.registry._codes import canonical_code, gtin14, resolve_code
from trace_std.registry.models import (
    STATUSES,
    ApiToken,
    AuditEntry,
    Code,
    Lot,
    MarketApproval,
    Product,
    StatusEvent,
)
from trace_std.registry.records import (
    Approval,
    AuditRecord,
    CodeRecord,
    ExportInfo,
    HistoryEvent,
    ImportReport,
    LotRecord,
    ProductRecord,
    SearchResult,
    TokenRecord,
)
from trace_std.registry.search import MIN_QUERY, SUBSTRING_FROM, fold

__all__ = ["SCOPES", "TOKEN_PREFIX", "Registry"]

#: Token scopes. ``admin`` implies every other scope.
SCOPES: tuple[str, ...] = (
    "admin",
    "codes:write",
    "codes:status",
    "registry:import",
    "tokens:admin",
    "events:capture",
    "events:read",
    "events:inspect",
    "authorisations:write",
    "inspector",
)
TOKEN_PREFIX = "tst_"
MAX_PER_PAGE = 100
_PG_WRITE_LOCK = 0x7472_6163  # pg_advisory_xact_lock key: one writer at a time ("trac")
#: Scopes that change the registry or its tokens (today: every scope).
WRITE_SCOPES: frozenset[str] = frozenset(SCOPES)
#: Lifetime of a new token with a write scope unless the caller says otherwise (``None``: never).
DEFAULT_TOKEN_LIFETIME = dt.timedelta(days=365)
_TOUCH_EVERY = dt.timedelta(seconds=60)  # last_used_at resolution (avoids a write per request)
_EXACT_COUNT_UP_TO = 10_000
#: A search counts its matches exactly up to this many; beyond, ``total`` is this lower bound.
_SEARCH_COUNT_UP_TO = 1_000
#: PostgreSQL reads up to this many matches from the index when they may be all (no walk for the page).
_SEARCH_IN_HAND_UP_TO = 3_000
_PROBED_TRIGRAMS = 24  # a longer query's trigrams are sampled evenly
_TRIGRAMS_USED = 3  # trigrams of a query that the SQLite index looks up (the rarest)
_TRIGRAM_PROBE_UP_TO = 500_000  # a trigram in this many codes or more is common: not looked up
_TRIGRAM_CACHE_SIZE = 50_000  # trigram frequencies kept per Registry (they only steer the plan)
_TRIGRAM_SAMPLE = 4_000  # codes read (PostgreSQL, TABLESAMPLE) to estimate trigram frequencies
_TRIGRAM_SAMPLE_TTL = 3_600.0  # seconds before the estimates are sampled again
#: PostgreSQL's walk for common queries (:meth:`Registry._dense_walk`): sampled matches needed to trust
#: the estimate, rows read at most (times the estimate), and the cost of a row read in storage
#: order and through the province index, in entries of the trigram index (measured at 1,000,000
#: codes: about 0.3-0.5 µs an entry, 0.5-0.7 µs a row in storage order).
_DENSE_MIN_HITS = 4
_GIN_COMMON_SHARE = 0.2  # a trigram in more of the codes than this is left out of a LIKE pattern
_DENSE_WALK_MARGIN = 3.0
_DENSE_ROW_COST = 1.5
_DENSE_INDEXED_ROW_COST = 3.0
_BOUNDED_COUNT = text("SELECT count(*) FROM (SELECT 1 FROM codes LIMIT :n) AS t")


@dataclass(frozen=True, slots=True)
class _Sample:
    """Codes sampled on PostgreSQL (:meth:`Registry._sampled_trigrams`): ``rows`` of ``(search_text,
    province_code, province_key)``, the registry's estimated size and each trigram's estimated count."""

    taken: float
    total: int
    rows: list[tuple[str, str | None, str | None]]
    counts: dict[str, int]

    def hits(self, needle: str, province: str | None) -> tuple[int, int]:
        """``(in scope, matching)``: the sampled codes of ``province`` (a code or a name; all without
        one), and how many of them hold ``needle``."""
        rows = self.rows
        if province:
            key, at = (province, 1) if province.isdigit() else (fold(province), 2)
            rows = [r for r in rows if r[at] == key]
        return len(rows), sum(1 for r in rows if needle in r[0])


#: a SELECT of any columns
_AnySelect = Select[*tuple[Any, ...]]


class _TextPlan(NamedTuple):
    """How a text search runs (:meth:`Registry._text_search`)."""

    matches: _AnySelect  # (id, code) of matching codes, from the index
    walk: _AnySelect  # their ids, for ORDER BY ``order``: a page among many matches
    order: Any
    dense: _AnySelect | None  # PostgreSQL: a walk proving "more than 1,000" (Registry._dense_walk)
    read_up_to: int  # matches the index query reads (all of them when it gets fewer)


def like_escape(value: str) -> str:
    r"""``value`` with the LIKE wildcards escaped (``\`` is the escape character).

    >>> like_escape("50%_off\\")
    '50\\%\\_off\\\\'
    """
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_T_CODES, _T_APPROVALS, _T_HISTORY = Code.__table__, MarketApproval.__table__, StatusEvent.__table__
_PHC = Code.__table__.alias("phc")
_PUC = Code.__table__.alias("puc")
_A, _H = _T_APPROVALS, _T_HISTORY
_ANALYZED_TABLES = tuple(m.__tablename__ for m in (Code, MarketApproval, StatusEvent, Product, Lot))
_log = logging.getLogger("trace_std.registry")
#: The columns of a code copied as they are into its record (the ORM object and the Core row alike).
_CODE_FIELDS = (
    "code", "kind", "scheme", "status", "status_since", "name", "province_code", "province_name",
    "commune_code", "commune_name", "area_ha", "households", "owner", "address", "geometry", "issued",
    "updated_at",
)  # fmt: skip
_CODE_COLUMNS = (*_CODE_FIELDS, "crops", "varieties")  # what a record needs (not the search columns)
_A_COLUMNS = (_A.c.id, _A.c.market, _A.c.status, _A.c.approved, _A.c.valid_to, _A.c.registration_number)
_H_COLUMNS = (
    _H.c.id,
    _H.c.from_status,
    _H.c.to_status,
    _H.c.date,
    _H.c.reason,
    _H.c.legal_doc,
    _H.c.recorded_by,
)
_AT = len(_CODE_COLUMNS)  # where an approval's columns start in a _CODE_FULL row
_HT = _AT + len(_A_COLUMNS)  # where a history event's columns start
_CODE_ROWS = (  # one round trip: codes with their approvals and history (a few rows each)
    select(
        *(_T_CODES.c[name] for name in _CODE_COLUMNS),
        *(c.label(f"a_{c.name}") for c in _A_COLUMNS),
        *(c.label(f"h_{c.name}") for c in _H_COLUMNS),
    ).select_from(
        _T_CODES.outerjoin(_A, _A.c.code_id == _T_CODES.c.id).outerjoin(_H, _H.c.code_id == _T_CODES.c.id)
    )
)
_CODE_FULL = _CODE_ROWS.where(_T_CODES.c.code == bindparam("code"))
_ID_OF_CODE = select(Code.id).where(Code.code == bindparam("code"))
_PRODUCT_BY_GTIN = select(Product.__table__).where(Product.__table__.c.gtin == bindparam("gtin"))
_LOT_BY_KEY = (
    select(
        Lot.gtin,
        Lot.lot,
        _PUC.c.code.label("puc"),
        _PHC.c.code.label("phc"),
        Lot.harvest_date,
        Lot.pack_date,
        Lot.market,
    )
    .join(_PUC, _PUC.c.id == Lot.puc_id)
    .outerjoin(_PHC, _PHC.c.id == Lot.phc_id)
    .where(Lot.gtin == bindparam("gtin"), Lot.lot == bindparam("lot"))
    .limit(1)
)


def _search_needle(q: str) -> str:
    """The folded text a query looks for (see :mod:`trace_std.registry.search`): itself from 3
    characters, after a space (the start of a word) for 2; 1 is ``registry.search.query_too_short``."""
    folded = fold(q)
    if len(folded) < MIN_QUERY:
        raise TraceStdError.from_code(
            ErrorCode.REGISTRY_SEARCH_QUERY_TOO_SHORT,
            f"a search needs at least {MIN_QUERY} letters or digits",
            field="q",
            context={"minimum": MIN_QUERY, "actual": len(folded)},
        )
    return folded if len(folded) >= SUBSTRING_FROM else " " + folded


def _fts_phrase(text_: str) -> str:
    """An FTS5 string literal: with the trigram tokenizer, the substring ``text_`` (3 characters or more)."""
    return '"' + text_.replace('"', '""') + '"'


def _anchors(needle: str) -> list[str]:
    """The parts of a folded query that the index looks up: its words of 3 characters or more, each
    a substring of every match, longest first, then the later first (names run from the general
    to the particular: "htx longan xa chieng"); a query without such a word is its own anchor.

    >>> _anchors("htx longan xa chieng"), _anchors(" ha"), _anchors("vn-14-116")
    (['chieng', 'longan', 'htx'], [' ha'], ['vn-14-116'])
    """
    words = list(dict.fromkeys(w for w in needle.split(" ") if len(w) >= SUBSTRING_FROM))
    order = {w: i for i, w in enumerate(words)}
    return sorted(words, key=lambda w: (-len(w), -order[w])) or [needle]


def _gin_window(word: str, sample: _Sample) -> str:
    """The part of ``word`` that PostgreSQL's trigram index looks up: the run of its trigrams that
    leaves out the common ones (in more than :data:`_GIN_COMMON_SHARE` of the codes, as sampled)
    and holds its rarest. GIN reads the list of every trigram of a ``LIKE`` pattern, so ``longan``
    would read ``ong`` (in "vung trong" of nearly every code): ``ngan`` finds the same candidates
    from two short lists. A word with other characters than letters and digits is kept whole
    (``pg_trgm`` splits it into words of its own, whose trigrams the sample does not count).

    >>> s = _Sample(0.0, 100, [], {"lon": 5, "ong": 90, "nga": 3, "gan": 4})
    >>> _gin_window("longan", s), _gin_window("vn-14", s), _gin_window("ong", s)
    ('ngan', 'vn-14', 'ong')
    """
    if len(word) <= 3 or not word.isalnum():
        return word
    common = sample.total * _GIN_COMMON_SHARE
    grams = [sample.counts.get(word[i : i + 3], 0) for i in range(len(word) - 2)]
    best: tuple[int, str] | None = None
    i = 0
    while i < len(grams):
        if grams[i] > common:
            i += 1
            continue
        j = i
        while j + 1 < len(grams) and grams[j + 1] <= common:
            j += 1
        rarest = min(grams[i : j + 1])
        if best is None or rarest < best[0]:
            best = (rarest, word[i : j + 3])
        i = j + 1
    return word if best is None else best[1]


def _province_marker(province: str) -> str:
    """What the ``province`` column of the SQLite index (migration 0010) holds for a province code
    or name: the code or the folded name, between control characters that no folded query holds."""
    return f"\x1c{province}\x1c" if province.isdigit() else f"\x1d{fold(province)}\x1d"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    return utcnow().date()


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _code_record(
    row: Any, markets: Iterable[Approval], history: Iterable[HistoryEvent], as_of: dt.date | None
) -> CodeRecord:
    """A record from a ``Code`` object or a ``codes`` row, with its approvals and history."""
    return CodeRecord(
        **{name: getattr(row, name) for name in _CODE_FIELDS},
        crops=tuple(row.crops or ()),
        varieties=tuple(row.varieties or ()),
        markets=tuple(markets),
        history=tuple(history),
        as_of=as_of,
    )


def _code_record_of_rows(rows: Sequence[Sequence[Any]], as_of: dt.date | None) -> CodeRecord | None:
    """The record from the rows of ``_CODE_FULL`` (Core rows or plain tuples, read by position): the
    code's columns repeated on each row, with one approval and one history event joined on each."""
    if not rows:
        return None
    row = rows[0]
    fields = dict(zip(_CODE_FIELDS, row, strict=False))
    approvals = sorted({r[_AT]: r for r in rows if r[_AT] is not None}.values(), key=lambda r: r[_AT + 1])
    history = sorted(
        {r[_HT]: r for r in rows if r[_HT] is not None}.values(), key=lambda r: (r[_HT + 3], r[_HT])
    )
    return CodeRecord(
        **fields,
        crops=tuple(row[_AT - 2] or ()),
        varieties=tuple(row[_AT - 1] or ()),
        markets=tuple(Approval(*r[_AT + 1 : _HT]) for r in approvals),
        history=tuple(HistoryEvent(*r[_HT + 1 :]) for r in history),
        as_of=as_of,
    )


def code_record(c: Code, *, as_of: dt.date | None = None) -> CodeRecord:
    return _code_record(
        c,
        (
            Approval(a.market, a.status, a.approved, a.valid_to, a.registration_number)
            for a in sorted(c.approvals, key=lambda a: a.market)
        ),
        (
            HistoryEvent(h.from_status, h.to_status, h.date, h.reason, h.legal_doc, h.recorded_by)
            for h in sorted(c.history, key=lambda h: (h.date, h.id))
        ),
        as_of,
    )


def _token_record(t: ApiToken) -> TokenRecord:
    return TokenRecord(
        t.id, t.name, tuple(t.scopes), t.created_at, t.created_by, t.revoked_at, t.last_used_at, t.expires_at
    )


def _require_str(name: str, value: object, *, optional: bool = False) -> None:
    if value is None and optional:
        return
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")


class Registry:
    """The registry of codes, products and lots over one database.

    ``Registry()`` uses ``$TRACE_STD_DATABASE_URL`` or ``./trace_std.sqlite3``; ``Registry(url)``
    takes an SQLAlchemy URL or a file path. Call :meth:`init` once to create or upgrade the schema.
    Every method that touches the database raises
    :class:`~trace_std.registry.db.RegistryUnavailable` when it cannot be reached.
    """

    def __init__(
        self,
        url: str | os.PathLike[str] | URL | None = None,
        *,
        engine: Engine | None = None,
        echo: bool = False,
        pool_size: int = 5,
        write_lock_timeout_ms: int = db.WRITE_LOCK_TIMEOUT_MS,
    ) -> None:
        self.engine: Engine = (
            engine if engine is not None else db.make_engine(url, echo=echo, pool_size=pool_size)
        )
        self.write_lock_timeout_ms = write_lock_timeout_ms
        self._write_engine = self.engine.execution_options(
            trace_std_write=True, trace_std_lock_timeout_ms=write_lock_timeout_ms
        )
        # Fast Core reads: on PostgreSQL each statement in autocommit (READ COMMITTED gives every
        # statement its own snapshot anyway), which saves the BEGIN and ROLLBACK round trips; SQLite
        # keeps its BEGIN (in-process, free) for a snapshot across the statements of one read.
        self._read_engine = (
            self.engine.execution_options(isolation_level="AUTOCOMMIT")
            if self.engine.url.get_backend_name() == "postgresql"
            else self.engine
        )
        self._read_sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._code_query = db.FastSelect(self.engine, _CODE_FULL)  # get_code, the hot lookup
        self._trigram_counts: dict[str, int] = {}
        self._trigram_sample: _Sample | None = None
        self._write_sessions = sessionmaker(self._write_engine, expire_on_commit=False)

    # -- plumbing -----------------------------------------------------------------------------
    @property
    def url(self) -> URL:
        return self.engine.url

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.engine.url.get_backend_name()

    def describe(self) -> str:
        """The URL with any password hidden (for provenance and logs)."""
        return self.engine.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self._code_query.close()
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session (one transaction, rolled back at the end)."""
        with db.unavailable_guard(), self._read_sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def write(self, *, dry_run: bool = False) -> Iterator[Session]:
        """One write transaction; writers are serialised (PostgreSQL advisory lock / SQLite
        ``BEGIN IMMEDIATE``). Commits on success unless ``dry_run``; rolls back on any error.

        A writer waits at most ``write_lock_timeout_ms`` for the one before it, then raises
        :class:`~trace_std.registry.db.RegistryBusy` (``registry.busy``; the API answers 503 with
        ``Retry-After``)."""
        wait = self.write_lock_timeout_ms
        with db.unavailable_guard(), self._write_sessions() as session:
            session.begin()
            try:
                if self.backend == "postgresql":
                    session.execute(text(f"SET LOCAL lock_timeout = {int(wait)}"))
                    try:
                        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_WRITE_LOCK})
                    except OperationalError as exc:
                        # lock_not_available, or the connection's statement_timeout fired first
                        if getattr(exc.orig, "sqlstate", None) in ("55P03", "57014"):
                            raise db.busy(wait) from exc
                        raise
                    session.execute(text("SET LOCAL lock_timeout = 0"))
                yield session
                if dry_run:
                    session.rollback()
                else:
                    session.commit()
            except BaseException:
                session.rollback()
                raise

    def _audit(
        self,
        session: Session,
        actor: str,
        action: str,
        target: str | None,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        session.add(
            AuditEntry(at=utcnow(), actor=actor, action=action, target=target, detail=dict(detail or {}))
        )

    # -- schema -------------------------------------------------------------------------------
    def init(self) -> str:
        """Create or upgrade the schema to the latest migration; returns the revision."""
        from trace_std.registry.migrations import upgrade

        with db.unavailable_guard():
            return upgrade(self.engine)

    upgrade = init

    def revision(self) -> str | None:
        """The schema revision in the database (``None`` when not initialised)."""
        from trace_std.registry.migrations import current_revision

        with db.unavailable_guard():
            return current_revision(self.engine)

    def refresh_statistics(self) -> bool:
        """Refresh PostgreSQL's planner statistics of the registry tables (``ANALYZE``) after a bulk
        change, so lookups use their indexes at once instead of after autovacuum's next pass.

        Returns whether it ran: SQLite plans these point lookups without statistics, and a failure
        here is logged, never raised (the change it follows is already committed).
        """
        if self.backend != "postgresql":
            return False
        tables = ", ".join(_ANALYZED_TABLES)
        try:
            with db.unavailable_guard(), self._read_engine.connect() as conn:
                conn.exec_driver_sql(f"ANALYZE {tables}")
        except Exception as exc:  # statistics are an optimisation; the import stands
            _log.warning("ANALYZE after an import failed: %s", exc)
            return False
        return True

    def health(self) -> dict[str, Any]:
        """``{"ok", "backend", "revision", "head", "codes"}``; raises ``RegistryUnavailable``."""
        from trace_std.registry.migrations import head_revision

        with self.read() as s:
            s.execute(text("SELECT 1"))
        rev = self.revision()
        head = head_revision()
        count = self.approximate_count() if rev is not None else 0
        return {"ok": rev == head, "backend": self.backend, "revision": rev, "head": head, "codes": count}

    # -- reads --------------------------------------------------------------------------------
    def count(self) -> int:
        """The exact number of codes (reads every row of an index: use :meth:`approximate_count`
        where a probe or a page needs it)."""
        with self.read() as s:
            return int(s.scalar(select(func.count()).select_from(Code)) or 0)

    def approximate_count(self) -> int:
        """The number of codes: exact up to 10,000; above, PostgreSQL's planner estimate (refreshed by
        every import's ``ANALYZE``) or SQLite's largest id (codes are never deleted). It reads at most
        10,001 index entries, so ``/readyz`` stays fast at any size."""
        with self.connect() as conn:
            n = int(conn.execute(_BOUNDED_COUNT, {"n": _EXACT_COUNT_UP_TO + 1}).scalar_one())
            if n <= _EXACT_COUNT_UP_TO:
                return n
            estimate = conn.execute(
                text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'codes'::regclass")
                if self.backend == "postgresql"
                else text("SELECT max(id) FROM codes")
            ).scalar_one()
            return max(n, int(estimate or 0))

    def is_empty(self) -> bool:
        with self.connect() as conn:
            return conn.execute(text("SELECT 1 FROM codes LIMIT 1")).first() is None

    def get_code(self, value: str, *, on: dt.date | None = None) -> CodeRecord | None:
        """The record of a code in any spelling the codes library accepts, or ``None``.

        Raises a ``TraceStdError`` (``puc.*``/``phc.*`` codes) when ``value`` is not a code at all.
        With ``on``, the record carries ``as_of``/``status_as_of``.
        """
        _require_str("value", value)
        canonical = canonical_code(value)
        with db.unavailable_guard():
            return _code_record_of_rows(self._code_query.all({"code": canonical}), on)

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        """A Core connection for fast reads only: on SQLite one transaction (one snapshot), rolled back
        at the end; on PostgreSQL autocommit, each statement with its own READ COMMITTED snapshot."""
        with db.unavailable_guard(), self._read_engine.connect() as conn:
            try:
                yield conn
            finally:
                conn.rollback()

    @staticmethod
    def _fetch_code(conn: Connection, canonical: str, *, as_of: dt.date | None = None) -> CodeRecord | None:
        """The read path of a code inside a larger read (verification): one Core query, no ORM."""
        return _code_record_of_rows(conn.execute(_CODE_FULL, {"code": canonical}).all(), as_of)

    def search(
        self,
        *,
        province: str | None = None,
        crop: str | None = None,
        market: str | None = None,
        status: str | None = None,
        kind: str | None = None,
        q: str | None = None,
        page: int = 1,
        per_page: int = 20,
        after: str | None = None,
    ) -> SearchResult:
        """Codes matching every given filter, with the total count (``total_exact``: exact up to
        1,000 matches, then a lower bound; the registry's estimated size without filters).

        ``province`` matches the province code (digits) or its name, case- and accent-insensitively;
        ``crop`` one of the crops; ``market`` a market with an approval (any status); ``q`` folded
        text (:mod:`trace_std.registry.search`) in the code, name, owner, address or commune: 3
        characters or more anywhere, 2 at the start of a word, 1 is
        ``registry.search.query_too_short`` (``%`` and ``_`` are literal characters).

        Order: by code; with ``q``, in registration order (the trigram index's order, so a page
        stops when full however many codes match). ``per_page`` is capped at 100. ``after``
        (keyset pagination) starts after that code in the same order: pass the last code of a page
        to get the next one at any depth; ``page`` still works and counts from there.
        """
        for name, value in (
            ("province", province),
            ("crop", crop),
            ("market", market),
            ("status", status),
            ("kind", kind),
            ("q", q),
            ("after", after),
        ):
            _require_str(name, value, optional=True)
        if not isinstance(page, int) or not isinstance(per_page, int):
            raise TypeError("page and per_page must be int")
        page = max(1, page)
        per_page = min(max(1, per_page), MAX_PER_PAGE)
        where: list[Any] = []
        if province:  # by index, in code order: a GSO code is digits, a name is compared folded
            where.append(
                Code.province_code == province if province.isdigit() else Code.province_key == fold(province)
            )
        if crop:
            where.append(cast(Code.crops, String).like(f'%"{like_escape(crop.lower())}"%', escape="\\"))
        if market:
            where.append(Code.approvals.any(MarketApproval.market == market.upper()))
        if status:
            where.append(Code.status == status)
        if kind:
            where.append(Code.kind == kind)
        needle = _search_needle(q) if q is not None and q.strip() else None
        offset = (page - 1) * per_page
        with self.connect() as conn:
            if needle is None:  # code order, from the code index (or a province's)
                total, exact = self._bounded_count(conn, select(literal(1)).select_from(Code).where(*where))
                if after is not None:
                    where.append(Code.code > after)
                order: Any = Code.code
                stmt = select(Code.code).where(*where)
            else:  # registration order, from the trigram index
                plan = self._text_search(conn, needle, where, province or None)
                stmt, order = plan.walk, plan.order
                found: list[Any] = [] if plan.dense is None else list(conn.execute(plan.dense))
                in_hand = False
                if len(found) <= _SEARCH_COUNT_UP_TO:  # no walk, or it ran out of budget: the index
                    found = list(conn.execute(plan.matches.limit(plan.read_up_to + 1)))
                    in_hand = len(found) <= plan.read_up_to
                exact = len(found) <= _SEARCH_COUNT_UP_TO
                total = len(found) if exact else _SEARCH_COUNT_UP_TO
                after_id = None if after is None else conn.execute(_ID_OF_CODE, {"code": after}).scalar()
                if in_hand:  # every match is in hand: the page is cut from them, not searched again
                    found.sort()
                    if after is not None:
                        found = [r for r in found if after_id is not None and r[0] > after_id]
                    keys = [r[0] for r in found[offset : offset + per_page]]
                else:  # many matches: walked in registration order until the page is full
                    if after is not None:
                        stmt = stmt.where(order > after_id) if after_id is not None else stmt.where(false())
                    keys = list(conn.execute(stmt.order_by(order).offset(offset).limit(per_page)).scalars())
            if needle is None:
                keys = list(conn.execute(stmt.order_by(order).offset(offset).limit(per_page)).scalars())
            if not keys:
                return SearchResult((), total, page, per_page, exact)
            # the page's records in one round trip, in the page's order (the key's)
            key = _T_CODES.c.code if needle is None else _T_CODES.c.id
            rows = conn.execute(_CODE_ROWS.where(key.in_(keys)).order_by(key)).all()
        by_code: dict[str, list[Any]] = {}
        for row in rows:
            by_code.setdefault(row[0], []).append(row)
        records = (_code_record_of_rows(group, None) for group in by_code.values())
        return SearchResult(tuple(r for r in records if r is not None), total, page, per_page, exact)

    def _bounded_count(self, conn: Connection, stmt: Select[Any]) -> tuple[int, bool]:
        """``(count, exact)`` of the rows of ``stmt``: exact up to :data:`_SEARCH_COUNT_UP_TO`
        (reading at most one more), else that lower bound; the registry's size (:meth:`approximate_count`)
        for a search without filters."""
        matching = stmt.limit(_SEARCH_COUNT_UP_TO + 1).subquery()
        n = int(conn.execute(select(func.count()).select_from(matching)).scalar_one())
        if n <= _SEARCH_COUNT_UP_TO:
            return n, True
        if stmt.whereclause is None:
            return max(n, self.approximate_count()), False
        return _SEARCH_COUNT_UP_TO, False

    def _text_search(
        self, conn: Connection, needle: str, where: list[Any], province: str | None
    ) -> _TextPlan:
        """The plan of the folded query ``needle`` (see :mod:`.search`): ``matches`` selects ``(id,
        code)`` of the matching codes from the index (the caller reads ``read_up_to`` + 1 of them,
        which count the total and, when that is all, give the page); ``walk`` selects their ids for
        ``ORDER BY order`` (registration order), for a page among more matches: it stops as soon as
        the page is full. ``dense`` (PostgreSQL, or ``None``) is a cheaper way to prove that more
        than 1,000 codes match, tried first: see :meth:`_dense_walk`. ``read_up_to`` is 1,000, or
        on PostgreSQL :data:`_SEARCH_IN_HAND_UP_TO` when the sample says that may be every match
        (the page then needs no walk: among a few thousand matches in a million codes, a walk in
        registration order reads tens of thousands of rows for a page).

        The index is asked for a few of the query's trigrams, never all of them: looking up every
        trigram of a long query would read the long lists of its common ones (``htx``, `` xa``) in
        full, the cost that grew with the registry. Each candidate's stored search text must then
        contain the whole query (``instr``/``strpos``: a literal substring).

        * SQLite: the FTS5 table (detail ``column``: no positions, which nothing here reads). Each
          trigram's frequency is probed with a bounded count (and kept); the lookup takes the
          rarest trigram of each word (:func:`_anchors`, :meth:`_rare_trigrams`), up to
          :data:`_TRIGRAMS_USED`. A province is two more trigrams of the same lookup (its marker,
          migration 0010), so a province's matches come straight from the index. The candidates
          are the outer loop (each one's code row is read by rowid in a correlated subquery), so
          the planner can't start from a province's index and match every one of its codes.
        * PostgreSQL: one ``LIKE`` per word (the rarest 3) for the ``pg_trgm`` GIN index, leaving
          out words whose every trigram is common; frequencies are estimated from a sample
          (:meth:`_sampled_trigrams`: a bounded count there would read the rows, since ``pg_trgm``
          rechecks every candidate). Whole words, not single trigrams: ``pg_trgm`` also looks up a
          word's boundaries (``" 14"``, ``"14 "`` in ``vn-14-116``), which narrow code fragments
          far more, and a candidate costs a table page there. The planner combines it with the
          province index.
        """
        anchors = _anchors(needle)
        if self.backend != "sqlite":
            sample = self._sampled_trigrams(conn)

            def rarest(word: str) -> int:
                return min(sample.counts.get(word[i : i + 3], 0) for i in range(len(word) - 2))

            words = [a for a in anchors if rarest(a) < _TRIGRAM_PROBE_UP_TO] or anchors[:1]
            words = sorted(words, key=rarest)[:_TRIGRAMS_USED]
            looked_up = [
                Code.search_text.like(f"%{like_escape(_gin_window(w, sample))}%", escape="\\") for w in words
            ]
            contains = func.strpos(Code.search_text, needle) > 0
            in_scope, hits = sample.hits(needle, province)
            estimate = hits * sample.total / max(len(sample.rows), 1)  # matches, all of the registry
            # the walk leaves out the index: among many matches, codes in id order reach a page's
            # worth after a few hundred rows, where the GIN index would hand over all of them
            return _TextPlan(
                select(Code.id, Code.code).where(*looked_up, contains, *where),
                select(Code.id).where(contains, *where),
                Code.id,
                self._dense_walk(in_scope, hits, needle, sum(rarest(w) for w in words), where, province),
                _SEARCH_IN_HAND_UP_TO if estimate <= _SEARCH_IN_HAND_UP_TO * 2 / 3 else _SEARCH_COUNT_UP_TO,
            )
        grams = self._rare_trigrams(anchors, lambda g: self._trigram_count(conn, g))
        if grams is None:  # a trigram no code has: nothing matches
            nothing = select(Code.id, Code.code).where(false())
            return _TextPlan(nothing, select(Code.id).where(false()), Code.id, None, _SEARCH_COUNT_UP_TO)
        if province:
            marker = _province_marker(province)
            grams += [marker[:3], marker[-3:]]
        fts = table("codes_search", column("rowid"))
        candidate = Code.id == fts.c.rowid
        stmt = (
            select(fts.c.rowid, select(Code.code).where(candidate).scalar_subquery())
            .select_from(fts)
            .where(
                literal_column("codes_search").op("MATCH")(
                    " AND ".join(map(_fts_phrase, dict.fromkeys(grams)))
                )
            )
            .where(exists().where(candidate, func.instr(Code.search_text, needle) > 0, *where))
        )
        return _TextPlan(stmt, stmt.with_only_columns(fts.c.rowid), fts.c.rowid, None, _SEARCH_COUNT_UP_TO)

    def _rare_trigrams(self, anchors: list[str], count: Callable[[str], int]) -> list[str] | None:
        """The trigrams of ``anchors`` that the index looks up (see :meth:`_text_search`): the
        rarest of each word, up to :data:`_TRIGRAMS_USED` (trigrams of different words narrow the
        candidates independently; a trigram list costs its length to read, so a word's second
        trigram rarely pays), or for a single word its two rarest that don't overlap; never one in
        :data:`_TRIGRAM_PROBE_UP_TO` codes or more while a rarer one is left. ``count`` gives a
        trigram's number of codes (bounded); ``None`` when one is in no code (nothing matches)."""
        per_word = [{a[i : i + 3]: i for i in range(len(a) - 2)} for a in anchors]  # trigram → position
        probed = sorted({g for w in per_word for g in w})
        if len(probed) > _PROBED_TRIGRAMS:
            probed = probed[:: -(-len(probed) // _PROBED_TRIGRAMS)]
        if len(probed) <= 1:
            return probed
        counts = {g: count(g) for g in probed}
        if 0 in counts.values():
            return None

        def rank(g: str) -> int:
            return counts.get(g, _TRIGRAM_PROBE_UP_TO)

        # the rarest of each word first: trigrams of different words narrow independently
        firsts = sorted({min(w, key=rank) for w in per_word}, key=rank)
        chosen = [g for g in firsts if rank(g) < _TRIGRAM_PROBE_UP_TO][:_TRIGRAMS_USED]
        if len(chosen) < 2:  # one word: a second trigram of it that does not overlap the first
            taken = [(k, w[g]) for k, w in enumerate(per_word) for g in chosen if g in w]
            for g in sorted(counts, key=rank):
                if (
                    g not in chosen
                    and rank(g) < _TRIGRAM_PROBE_UP_TO
                    and all(abs(w[g] - i) >= 3 for k, i in taken for w in (per_word[k],) if g in w)
                ):
                    chosen.append(g)
                    break
        return chosen or firsts[:1]

    @staticmethod
    def _dense_walk(
        in_scope: int, hits: int, needle: str, index_cost: int, where: list[Any], province: str | None
    ) -> _AnySelect | None:
        """PostgreSQL: a walk that proves "more than 1,000 matches" without the trigram index, for a
        query the sample says is common; ``None`` when the index is cheaper.

        A GIN index is read as a bitmap of every candidate, whatever the ``LIMIT``: 20-40 ms for the
        100,000 candidates of ``mango`` at 1,000,000 codes. When matches are dense, reading codes
        (the province's from its index, else the table in storage order) and checking each one's
        text finds 1,001 matches in far fewer rows. The sample estimates both costs: rows to read
        until 1,001 matches (1,001 / their density: ``hits`` of the ``in_scope`` sampled codes of
        the province, or of all), and for the index (``index_cost``) the codes holding the rarest
        trigram of each looked-up word (GIN's scan is driven by its rarest entry and skips through
        the others), each row of the walk costing
        :data:`_DENSE_ROW_COST` such entries (:data:`_DENSE_INDEXED_ROW_COST` through the
        province index: a page each). The walk reads at most
        :data:`_DENSE_WALK_MARGIN` times its estimate; if that finds 1,000 or fewer, the caller
        counts with the index, so a wrong estimate costs time, never a wrong total (every row the
        walk returns is a match).
        """
        if hits < _DENSE_MIN_HITS:
            return None  # too rare in the sample to estimate (or absent): the index
        walk_rows = (_SEARCH_COUNT_UP_TO + 1) * in_scope / hits
        if walk_rows * (_DENSE_INDEXED_ROW_COST if province else _DENSE_ROW_COST) >= index_cost:
            return None
        budget = int(walk_rows * _DENSE_WALK_MARGIN) + 1
        scope = select(Code.id, Code.search_text).where(*where)
        if not province:  # the primary key, which holds the search text: an index-only scan
            scope = scope.order_by(Code.id)
        rows_ = scope.limit(budget).subquery()
        return (
            select(rows_.c.id, rows_.c.id)
            .where(func.strpos(rows_.c.search_text, needle) > 0)
            .limit(_SEARCH_COUNT_UP_TO + 1)
        )

    def _sampled_trigrams(self, conn: Connection) -> _Sample:
        """PostgreSQL: about :data:`_TRIGRAM_SAMPLE` codes (``TABLESAMPLE SYSTEM``: a few pages, not
        the table) and each trigram's estimated number of codes from them, kept
        :data:`_TRIGRAM_SAMPLE_TTL` seconds. A bounded count there would read the rows themselves
        (``pg_trgm`` rechecks every candidate), so the plan is steered by this estimate."""
        taken = self._trigram_sample
        if taken is not None and time.monotonic() - taken.taken < _TRIGRAM_SAMPLE_TTL:
            return taken
        total = int(
            conn.execute(
                text("SELECT reltuples::bigint FROM pg_class WHERE oid = 'codes'::regclass")
            ).scalar_one()
            or 0
        )
        cols = "coalesce(search_text, ''), province_code, province_key"
        if total > 2 * _TRIGRAM_SAMPLE:  # analysed and large: a sample of its pages
            percent = 100.0 * _TRIGRAM_SAMPLE / total
            sql = f"SELECT {cols} FROM codes TABLESAMPLE SYSTEM ({percent:.6f})"
        else:  # small, or never analysed (-1): its first codes
            sql = f"SELECT {cols} FROM codes LIMIT {2 * _TRIGRAM_SAMPLE}"
        rows = [tuple(r) for r in conn.execute(text(sql)).all()]
        seen: Counter[str] = Counter()
        for value, *_ in rows:
            seen.update({value[i : i + 3] for i in range(len(value) - 2)})
        scale = max(total, len(rows)) / max(len(rows), 1)
        counts = {g: int(c * scale) for g, c in seen.items()}
        self._trigram_sample = _Sample(time.monotonic(), max(total, len(rows)), rows, counts)
        return self._trigram_sample

    def _trigram_count(self, conn: Connection, gram: str) -> int:
        """How many codes contain ``gram`` (SQLite's index; counted up to
        :data:`_TRIGRAM_PROBE_UP_TO`), cached: a stale figure only makes a plan slower, never an
        answer wrong (every candidate's text is checked)."""
        cache = self._trigram_counts
        if gram not in cache:
            if len(cache) >= _TRIGRAM_CACHE_SIZE:
                cache.clear()
            bounded = text(
                "SELECT count(*) FROM (SELECT 1 FROM codes_search WHERE codes_search MATCH :q LIMIT :n)"
            )
            cache[gram] = int(
                conn.execute(bounded, {"q": _fts_phrase(gram), "n": _TRIGRAM_PROBE_UP_TO}).scalar_one()
            )
            if cache[gram] == 0:  # may be added by the next write: never cached
                return cache.pop(gram)
        return cache[gram]

    def product(self, gtin: str) -> ProductRecord | None:
        """The product of a GTIN (8/12/13/14 digits), or ``None``; raises on a malformed GTIN."""
        _require_str("gtin", gtin)
        key = gtin14(gtin)
        with self.connect() as conn:
            return self._fetch_product(conn, key)

    @staticmethod
    def _fetch_product(conn: Connection, gtin14_: str) -> ProductRecord | None:
        p = conn.execute(_PRODUCT_BY_GTIN, {"gtin": gtin14_}).first()
        return None if p is None else ProductRecord(p.gtin, p.name, p.crop, p.variety, p.exporter)

    @staticmethod
    def _fetch_lot(conn: Connection, gtin14_: str, lot: str) -> LotRecord | None:
        row = conn.execute(_LOT_BY_KEY, {"gtin": gtin14_, "lot": lot}).first()
        if row is None:
            return None
        return LotRecord(row.gtin, row.lot, row.puc, row.phc, row.harvest_date, row.pack_date, row.market)

    def lookup_lot(self, gtin: str, lot: str) -> LotRecord | None:
        """The lot registered for ``(gtin, lot)``, or ``None``."""
        _require_str("gtin", gtin)
        _require_str("lot", lot)
        key = gtin14(gtin)
        with self.connect() as conn:
            return self._fetch_lot(conn, key, lot)

    def lots_for_code(self, code: str, *, limit: int = 100) -> list[LotRecord]:
        """Lots whose PUC or PHC is ``code`` (newest pack date first)."""
        canonical = resolve_code(code).canonical
        with self.read() as s:
            c = s.scalars(select(Code).where(Code.code == canonical)).first()
            if c is None:
                return []
            rows = s.scalars(
                select(Lot)
                .where(or_(Lot.puc_id == c.id, Lot.phc_id == c.id))
                .order_by(Lot.pack_date.desc(), Lot.id)
                .limit(limit)
                .options(selectinload(Lot.puc), selectinload(Lot.phc))
            ).all()
            return [
                LotRecord(
                    r.gtin,
                    r.lot,
                    r.puc.code,
                    r.phc.code if r.phc else None,
                    r.harvest_date,
                    r.pack_date,
                    r.market,
                )
                for r in rows
            ]

    def audit_log(self, *, limit: int = 100, actor: str | None = None) -> list[AuditRecord]:
        """The latest writes, newest first."""
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        if actor is not None:
            stmt = stmt.where(AuditEntry.actor == actor)
        with self.read() as s:
            return [
                AuditRecord(a.at, a.actor, a.action, a.target, dict(a.detail or {})) for a in s.scalars(stmt)
            ]

    # -- writes -------------------------------------------------------------------------------
    def set_status(
        self,
        code: str,
        to: str,
        *,
        reason: str,
        actor: str,
        legal_doc: str | None = None,
        on: dt.date | None = None,
    ) -> CodeRecord:
        """Change a code's status, appending a history event dated ``on`` (default today).

        Raises ``RegistryError`` with ``registry.code.not_found``, ``registry.status.invalid``
        (unknown status, or a date before the latest event) or ``registry.status.unchanged``.
        """
        for name, value in (("code", code), ("to", to), ("reason", reason), ("actor", actor)):
            _require_str(name, value)
        _require_str("legal_doc", legal_doc, optional=True)
        if to not in STATUSES:
            raise TraceStdError.from_code(
                ErrorCode.REGISTRY_STATUS_INVALID,
                f"unknown status {to!r}",
                context={"expected": list(STATUSES), "actual": to},
            )
        day = on or today()
        canonical = resolve_code(code).canonical
        with self.write() as s:
            row = s.scalars(
                select(Code)
                .where(Code.code == canonical)
                .options(selectinload(Code.approvals), selectinload(Code.history))
            ).first()
            if row is None:
                raise RegistryError(ErrorCode.REGISTRY_CODE_NOT_FOUND, f"{canonical} is not registered")
            if row.status == to:
                raise RegistryError(ErrorCode.REGISTRY_STATUS_UNCHANGED, f"{canonical} is already {to}")
            last = max((h.date for h in row.history), default=None)
            if last is not None and day < last:
                raise TraceStdError.from_code(
                    ErrorCode.REGISTRY_STATUS_INVALID,
                    "the status history is append-only: the date is before the latest event",
                    context={"latest": last.isoformat(), "actual": day.isoformat()},
                )
            event = StatusEvent(
                code=row,
                from_status=row.status,
                to_status=to,
                date=day,
                reason=reason,
                legal_doc=legal_doc,
                recorded_by=actor,
                recorded_at=utcnow(),
            )
            s.add(event)
            row.status, row.status_since, row.updated_at = to, day, utcnow()
            row.import_digest = None  # the next import of this code takes the full path
            self._audit(
                s,
                actor,
                "code.status",
                canonical,
                {
                    "from": event.from_status,
                    "to": to,
                    "date": day.isoformat(),
                    "reason": reason,
                    "legal_doc": legal_doc,
                },
            )
            s.flush()
            return code_record(row)

    def upsert_code(self, data: Mapping[str, Any], *, actor: str) -> tuple[str, CodeRecord]:
        """Create or update one code from an open-data record (see ``docs/registry.md``).

        Returns ``("created"|"updated"|"unchanged", record)``. A status different from the stored
        one appends history. Raises the first problem as a ``TraceStdError``.
        """
        from trace_std.registry import importer

        _require_str("actor", actor)
        outcome, canonical = importer.upsert_one(self, data, actor=actor)
        record = self.get_code(canonical)
        assert record is not None
        return outcome, record

    def import_file(
        self,
        source: str | Path | IO[bytes] | IO[str],
        *,
        actor: str,
        dry_run: bool = False,
        format: str | None = None,
        progress: Any = None,
        max_bytes: int | None = None,
    ) -> ImportReport:
        """Import an open-data file (JSON or CSV), all or nothing, in bounded memory whatever its
        size; ``max_bytes`` refuses a larger file. See :mod:`.importer`."""
        from trace_std.registry import importer

        _require_str("actor", actor)
        return importer.import_file(
            self, source, actor=actor, dry_run=dry_run, format=format, progress=progress, max_bytes=max_bytes
        )

    def export(
        self, format: str = "json", out: str | Path | IO[str] | None = None, *, source: str | None = None
    ) -> ExportInfo:
        """Write the open-data export (``json``/``csv``) to a path (atomically) or a text stream."""
        from trace_std.registry import exporter

        return exporter.export(self, format=format, out=out, source=source)

    def load_sample(self, *, actor: str = "sample-loader") -> ImportReport:
        """Import the bundled synthetic Sơn La sample (idempotent)."""
        from trace_std.registry.sample import sample_path

        return self.import_file(sample_path(), actor=actor)

    def ensure_sample(self, *, actor: str = "sample-loader") -> bool:
        """Create/upgrade the schema, and load the sample if the registry has no codes.

        Returns ``True`` when the sample was loaded (used by ``trace-std serve`` on first run).
        """
        self.init()
        if not self.is_empty():
            return False
        report = self.load_sample(actor=actor)
        if not report.ok:  # pragma: no cover - the sample is tested
            raise RegistryError(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, "the bundled sample did not import")
        return True

    # -- tokens -------------------------------------------------------------------------------
    def create_token(
        self,
        name: str,
        scopes: Sequence[str],
        *,
        actor: str,
        expires_in: dt.timedelta | str | None = "default",
    ) -> tuple[str, TokenRecord]:
        """Create a token; returns ``(secret, record)``. The secret is shown once, only its
        SHA-256 is stored.

        ``name`` must not be the name of another active token (``registry.token.name_taken``), so a
        token can be revoked by name without doubt. ``expires_in``: the token's lifetime; by default
        :data:`DEFAULT_TOKEN_LIFETIME` (one year) when a scope writes (:data:`WRITE_SCOPES`), else
        none; ``None``: never expires.
        """
        _require_str("name", name)
        _require_str("actor", actor)
        scopes = tuple(dict.fromkeys(scopes))
        unknown = [s for s in scopes if s not in SCOPES]
        if unknown or not scopes:
            raise TraceStdError.from_code(
                ErrorCode.REGISTRY_TOKEN_SCOPE_UNKNOWN,
                f"unknown or missing scopes: {unknown}",
                context={"expected": list(SCOPES), "actual": list(scopes)},
            )
        if expires_in == "default":
            lifetime = DEFAULT_TOKEN_LIFETIME if WRITE_SCOPES.intersection(scopes) else None
        elif expires_in is None or isinstance(expires_in, dt.timedelta):
            lifetime = expires_in
        else:
            raise TypeError(f"expires_in must be a timedelta or None, not {type(expires_in).__name__}")
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        with self.write() as s:  # writers are serialised: the name check cannot race
            now = utcnow()
            if self._active_tokens_named(s, name, now):
                raise RegistryError(
                    ErrorCode.REGISTRY_TOKEN_NAME_TAKEN,
                    f"an active token is already named {name!r}",
                    context={"name": name},
                )
            row = ApiToken(
                name=name,
                scopes=list(scopes),
                token_hash=_hash_token(secret),
                created_at=now,
                created_by=actor,
                expires_at=now + lifetime if lifetime is not None else None,
            )
            s.add(row)
            s.flush()
            expires = row.expires_at.isoformat() if row.expires_at is not None else None
            detail = {"name": name, "scopes": list(scopes), "expires_at": expires}
            self._audit(s, actor, "token.create", f"token:{row.id}", detail)
            return secret, _token_record(row)

    @staticmethod
    def _active_tokens_named(session: Session, name: str, now: dt.datetime) -> list[ApiToken]:
        rows = session.scalars(
            select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None)).order_by(ApiToken.id)
        )
        return [t for t in rows if t.expires_at is None or t.expires_at > now]

    def verify_token(
        self, secret: str, scope: str | None = None, *, touch: bool = True
    ) -> TokenRecord | None:
        """The active token whose secret is ``secret`` (and that has ``scope``), else ``None``.

        The stored hash is compared in constant time. ``touch`` records ``last_used_at``.
        """
        if not isinstance(secret, str) or not secret.startswith(TOKEN_PREFIX):
            return None
        digest = _hash_token(secret)
        with self.read() as s:
            row = s.scalars(select(ApiToken).where(ApiToken.token_hash == digest)).first()
            if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
                return None
            record = _token_record(row)
        if record.expired:
            return None
        if scope is not None and not record.has_scope(scope):
            return None
        now = utcnow()
        if touch and (record.last_used_at is None or now - record.last_used_at > _TOUCH_EVERY):
            with db.unavailable_guard(), self._write_sessions() as s, s.begin():
                tok = s.get(ApiToken, record.id)
                if tok is not None:
                    tok.last_used_at = now
        return record

    def list_tokens(self) -> list[TokenRecord]:
        with self.read() as s:
            return [_token_record(t) for t in s.scalars(select(ApiToken).order_by(ApiToken.id))]

    def revoke_token(self, token: int | str, *, actor: str) -> TokenRecord:
        """Revoke a token by id or by the name of an active token (``registry.token.not_found`` when
        unknown; ``registry.token.ambiguous``, with the ids, when several active tokens share it)."""
        _require_str("actor", actor)
        with self.write() as s:
            if isinstance(token, int) or (isinstance(token, str) and token.isdigit()):
                row = s.get(ApiToken, int(token))
            else:
                named = self._active_tokens_named(s, token, utcnow())
                if len(named) > 1:  # duplicates made before names were unique: never guess
                    raise RegistryError(
                        ErrorCode.REGISTRY_TOKEN_AMBIGUOUS,
                        f"{len(named)} active tokens are named {token!r}; revoke by id",
                        context={"name": token, "ids": [t.id for t in named]},
                    )
                row = named[0] if named else None
            if row is None:
                raise RegistryError(ErrorCode.REGISTRY_TOKEN_NOT_FOUND, f"no token {token!r}")
            if row.revoked_at is None:
                row.revoked_at = utcnow()
                self._audit(s, actor, "token.revoke", f"token:{row.id}", {"name": row.name})
            s.flush()
            return _token_record(row)
