"""What public verification may learn from the audit, and the stored findings it learns it from.

Two facts, both cheap keyed reads on the verification's own connection:

* :func:`notice`: whether a planting-area code (PUC) has an **open** finding of a rule in
  :data:`NOTICE_RULES` (over-yield, unauthorised use). Public answers then carry a neutral notice
  ("needs inspection", and since when), never the rule, the figures or the parties;
* :func:`authorised`: whether a PUC may be used by a packing house (or an exporter) on a pack date:
  self-use (the PUC's holder is the PHC's operator), or an authorisation naming that PHC or exporter,
  active on the date (its status history), inside its window, for the crop. ``None`` when the
  registry holds no authorisation at all (the scheme is not in use there: nothing is judged).

Findings become open when ``trace-std audit --store`` (:func:`store_findings`) records a run: a
finding not stored yet is opened; an open finding of the same scope (rules, season) that the run no
longer finds is closed ("no longer found") and reopens if a later run finds it again; a finding an
inspector closed (:func:`close_finding`) stays closed. Volumes, evidence and parties stay in the
table for inspectors (:func:`stored_findings`); they never reach a public answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Date, bindparam, insert, select, text, update
from sqlalchemy.engine import Connection

from trace_std.errors import ErrorCode, RegistryError, TraceStdError

__all__ = [
    "NOTICE_RULES",
    "RUN_CLOSED",
    "StoreReport",
    "authorised",
    "close_finding",
    "fingerprint",
    "notice",
    "same_holder",
    "store_findings",
    "stored_findings",
]

#: Rules whose open findings put a neutral notice on a planting-area code's public verification.
NOTICE_RULES: tuple[str, ...] = ("over_yield", "unauthorised")
#: ``close_reason`` of a finding closed because a later run of its scope no longer found it.
RUN_CLOSED = "no longer found"
#: The public wording of a notice (the same as a finding's status; never more).
NOTICE_STATUS = "needs inspection"

_NOTICE_SQL = text(
    "SELECT MIN(opened_at) FROM audit_findings WHERE puc = :puc AND status = 'open' AND rule IN :rules"
).bindparams(bindparam("rules", expanding=True))
_AUTH_SQL = text(
    "SELECT a.id, h.code, a.exporter, a.crops FROM authorisations a"
    " JOIN codes p ON p.id = a.puc_id LEFT JOIN codes h ON h.id = a.phc_id"
    " WHERE p.code = :puc AND a.valid_from <= :day AND (a.valid_to IS NULL OR :day <= a.valid_to)"
).bindparams(bindparam("day", type_=Date))
_AUTH_STATUS_SQL = text(
    "SELECT authorisation_id, to_status FROM authorisation_history"
    " WHERE authorisation_id IN :ids AND date <= :day ORDER BY authorisation_id, date, id"
).bindparams(bindparam("ids", expanding=True), bindparam("day", type_=Date))
_ANY_AUTH_SQL = text("SELECT 1 FROM authorisations LIMIT 1")


# -- public facts -----------------------------------------------------------------------------------


def notice(conn: Connection, puc: str) -> dict[str, Any] | None:
    """``{"status": "needs inspection", "since": date}`` if ``puc`` (canonical) has an open finding of
    a :data:`NOTICE_RULES` rule, else ``None``. One indexed read (``audit_findings (puc, status)``)."""
    since = conn.execute(_NOTICE_SQL, {"puc": puc, "rules": list(NOTICE_RULES)}).scalar()
    if since is None:
        return None
    if isinstance(since, str):  # SQLite through text(): the stored ISO text
        since = dt.datetime.fromisoformat(since)
    return {"status": NOTICE_STATUS, "since": since.date() if isinstance(since, dt.datetime) else since}


def _party(value: str | None) -> str:
    """A holder's or exporter's name compared case- and space-insensitively."""
    return re.sub(r"\s+", " ", value or "").strip().casefold()


def same_holder(puc_owner: str | None, phc_owner: str | None) -> bool:
    """Self-use: both codes name an operator and it is the same one (case and spaces aside)."""
    a, b = _party(puc_owner), _party(phc_owner)
    return bool(a) and a == b


def authorised(
    conn: Connection,
    puc: str,
    day: dt.date,
    *,
    phc: str | None = None,
    exporters: Iterable[str | None] = (),
    crop: str | None = None,
) -> bool | None:
    """Whether an authorisation lets ``phc`` (or one of ``exporters``) use ``puc`` on ``day``.

    ``None`` when the registry holds no authorisation at all. An authorisation counts when it names
    the PHC or one of the exporters (case and spaces aside), covers ``day`` (window ends inclusive),
    was ``active`` on ``day`` by its status history, and lists ``crop`` (or no crop: every crop)."""
    rows = conn.execute(_AUTH_SQL, {"puc": puc, "day": day}).all()
    if not rows:
        return None if conn.execute(_ANY_AUTH_SQL).first() is None else False
    names = {_party(e) for e in exporters if _party(e)}
    wanted = re.sub(r"[\s_]+", "-", crop.strip().lower()) if crop else None
    candidates = [
        aid
        for aid, grantee_phc, exporter, crops in rows
        if ((phc is not None and grantee_phc == phc) or (exporter is not None and _party(exporter) in names))
        and (wanted is None or not _crops(crops) or wanted in _crops(crops))
    ]
    if not candidates:
        return False
    status: dict[int, str] = {}
    for aid, to in conn.execute(_AUTH_STATUS_SQL, {"ids": candidates, "day": day}):
        status[aid] = to  # ordered by date: the last event on or before the day wins
    return any(status.get(aid) == "active" for aid in candidates)


def _crops(value: Any) -> set[str]:
    if isinstance(value, str):  # JSON read back as text on some drivers
        try:
            value = json.loads(value)
        except ValueError:
            return set()
    return {str(c) for c in value or ()}


# -- stored findings --------------------------------------------------------------------------------


def fingerprint(finding: Any) -> str:
    """A stable identity for a finding: SHA-256 of its rule, reason, season and subject."""
    rule, reason, season, subject = finding.key()
    raw = json.dumps([rule, reason, season, [list(p) for p in subject]], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclasses.dataclass(frozen=True, slots=True)
class StoreReport:
    """What storing a run changed: findings opened, reopened, still open, closed."""

    opened: int = 0
    reopened: int = 0
    kept: int = 0
    closed: int = 0

    def to_dict(self) -> dict[str, int]:
        return dataclasses.asdict(self)


def store_findings(
    registry: Any,
    findings: Sequence[Any],
    *,
    rules_: Sequence[str] | None = None,
    season: int | None = None,
    actor: str,
) -> StoreReport:
    """Record an audit run's findings (all or nothing, one transaction); see the module docstring.

    ``rules_`` and ``season`` are the run's scope (``None``: every rule, every season): only open
    findings inside it can be closed as no longer found.
    """
    from trace_std.audit.models import StoredFinding
    from trace_std.audit.rules import RULES
    from trace_std.registry.core import utcnow

    scope_rules = list(rules_ or RULES)
    now = utcnow()
    by_print = {fingerprint(f): f for f in findings}
    opened = reopened = kept = closed = 0
    with registry.write() as s:
        stmt = select(
            StoredFinding.id, StoredFinding.fingerprint, StoredFinding.status, StoredFinding.close_reason
        )
        known = {fp: (fid, st, why) for fid, fp, st, why in s.execute(stmt)}
        rows: list[dict[str, Any]] = []
        for fp, f in by_print.items():
            data = f.to_dict()
            values = {
                "rule": f.rule,
                "code": f.code,
                "severity": f.severity,
                "puc": _subject_puc(f.subject),
                "season": f.season,
                "subject": _plain(data["subject"]),
                "reason": f.reason,
                "evidence": _plain(data["evidence"]),
                "provenance": _plain(data["provenance"]),
                "last_seen_at": now,
            }
            old = known.get(fp)
            if old is None:
                rows.append({"fingerprint": fp, "status": "open", "opened_at": now, **values})
                opened += 1
                continue
            fid, status, why = old
            if status == "closed" and why == RUN_CLOSED:
                values.update(status="open", opened_at=now, closed_at=None, closed_by=None, close_reason=None)
                reopened += 1
            elif status == "open":
                kept += 1
            s.execute(update(StoredFinding).where(StoredFinding.id == fid).values(**values))
        if rows:
            s.execute(insert(StoredFinding), rows)
        gone = select(StoredFinding.id, StoredFinding.fingerprint).where(
            StoredFinding.status == "open", StoredFinding.rule.in_(scope_rules)
        )
        if season is not None:
            gone = gone.where(StoredFinding.season == str(season))
        stale = [fid for fid, fp in s.execute(gone) if fp not in by_print]
        for i in range(0, len(stale), 500):
            s.execute(
                update(StoredFinding)
                .where(StoredFinding.id.in_(stale[i : i + 500]))
                .values(status="closed", closed_at=now, closed_by=actor, close_reason=RUN_CLOSED)
            )
        closed = len(stale)
        report = StoreReport(opened, reopened, kept, closed)
        registry._audit(
            s,
            actor,
            "audit.store",
            "audit_findings",
            {**report.to_dict(), "rules": scope_rules, "season": season},
        )
    return report


def _subject_puc(subject: Mapping[str, Any]) -> str | None:
    value = subject.get("puc")
    return str(value) if value else None


def _plain(value: Any) -> Any:
    """JSON-ready (dates as ISO text) for the JSON columns."""
    return json.loads(json.dumps(value, default=str))


def close_finding(registry: Any, finding_id: int, *, actor: str, reason: str) -> dict[str, Any]:
    """An inspector closes a stored finding (``audit.finding.not_found`` if there is none, or it is
    closed already: ``registry.status.unchanged``). It stays closed when later runs find it again."""
    from trace_std.audit.models import StoredFinding
    from trace_std.registry.core import utcnow

    if isinstance(finding_id, bool) or not isinstance(finding_id, int):
        raise TypeError("finding_id must be an int")
    if not isinstance(reason, str) or not reason.strip():
        raise TraceStdError.from_code(ErrorCode.AUDIT_OPTION_INVALID, "a reason is required", field="reason")
    with registry.write() as s:
        row = s.get(StoredFinding, finding_id)
        if row is None:
            raise RegistryError(ErrorCode.AUDIT_FINDING_NOT_FOUND, f"no stored finding {finding_id}")
        if row.status == "closed":
            raise RegistryError(ErrorCode.REGISTRY_STATUS_UNCHANGED, f"finding {finding_id} is closed")
        row.status, row.closed_at, row.closed_by = "closed", utcnow(), actor
        row.close_reason = reason.strip()[:2000]
        registry._audit(s, actor, "audit.close", str(finding_id), {"reason": row.close_reason})
        return _stored(row)


def stored_findings(
    registry: Any, *, status: str | None = "open", puc: str | None = None, limit: int = 10_000
) -> list[dict[str, Any]]:
    """Stored findings (for inspectors: with evidence), newest first; ``status=None``: all."""
    from trace_std.audit.models import StoredFinding

    stmt = select(StoredFinding).order_by(StoredFinding.opened_at.desc(), StoredFinding.id.desc())
    if status is not None:
        stmt = stmt.where(StoredFinding.status == status)
    if puc is not None:
        from trace_std.registry._codes import resolve_code

        stmt = stmt.where(StoredFinding.puc == resolve_code(puc).canonical)
    with registry.read() as s:
        return [_stored(r) for r in s.scalars(stmt.limit(limit))]


def _stored(row: Any) -> dict[str, Any]:
    return {
        "id": row.id,
        "rule": row.rule,
        "code": row.code,
        "severity": row.severity,
        "status": row.status,
        "wording": NOTICE_STATUS,
        "subject": row.subject,
        "season": row.season,
        "reason": row.reason,
        "evidence": row.evidence,
        "provenance": row.provenance,
        "opened_at": row.opened_at,
        "last_seen_at": row.last_seen_at,
        "closed_at": row.closed_at,
        "closed_by": row.closed_by,
        "close_reason": row.close_reason,
    }
