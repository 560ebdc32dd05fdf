"""Authorisations: the digital authorisation letter (giấy ủy quyền) of a PUC's holder.

A record: ``ref`` (the letter's reference, unique), ``puc``, the grantee — ``phc`` (a packing house)
and/or ``exporter`` — ``crops`` (empty: every crop of the PUC), ``valid_from``, ``valid_to`` (empty:
open-ended), ``volume_cap_kg`` (optional) and ``status`` (active, suspended, revoked; changes append
to the history). Files are JSON (an array or ``{"authorisations": [...]}``) or CSV (``crops``
separated by ``|`` or ``;``), imported all-or-nothing; records are upserted by ``ref``.

Authorisations are not open data: they name business partners. Inspectors and holders read and
write them through the admin API (scopes ``authorisations:read`` and ``authorisations:write``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from trace_std.audit._files import read_rows
from trace_std.audit.models import Authorisation, AuthorisationEvent
from trace_std.errors import ErrorCode, RegistryError, TraceStdError
from trace_std.registry._codes import resolve_code
from trace_std.registry.core import today, utcnow
from trace_std.registry.models import STATUSES, Code
from trace_std.registry.records import ImportReport, RowIssue

__all__ = [
    "AuthorisationRecord",
    "import_authorisations",
    "list_authorisations",
    "set_authorisation_status",
    "upsert_authorisation",
]

_FIELD = ErrorCode.REGISTRY_IMPORT_FIELD_INVALID.value
_MISSING = ErrorCode.REGISTRY_IMPORT_FIELD_MISSING.value
_CODE = ErrorCode.REGISTRY_IMPORT_CODE_INVALID.value
_UNKNOWN = ErrorCode.REGISTRY_IMPORT_UNKNOWN_REFERENCE.value
_DUP = ErrorCode.REGISTRY_IMPORT_DUPLICATE.value
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
_CROP = re.compile(r"[a-z][a-z0-9-]{0,63}")
FIELDS = (
    "ref",
    "puc",
    "phc",
    "exporter",
    "crops",
    "valid_from",
    "valid_to",
    "volume_cap_kg",
    "status",
    "reason",
)


@dataclasses.dataclass(frozen=True, slots=True)
class AuthorisationRecord:
    ref: str
    puc: str
    phc: str | None
    exporter: str | None
    crops: tuple[str, ...]
    valid_from: dt.date
    valid_to: dt.date | None
    volume_cap_kg: float | None
    status: str
    status_since: dt.date
    history: tuple[dict[str, Any], ...] = ()

    def valid_on(self, day: dt.date) -> bool:
        return (
            self.status == "active"
            and self.valid_from <= day
            and (self.valid_to is None or day <= self.valid_to)
        )

    def to_dict(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        for k in ("valid_from", "valid_to", "status_since"):
            d[k] = d[k].isoformat() if d[k] else None
        d["crops"] = list(self.crops)
        d["history"] = list(self.history)
        return d


@dataclasses.dataclass(frozen=True, slots=True)
class _Parsed:
    ref: str
    puc: str
    phc: str | None
    exporter: str | None
    crops: tuple[str, ...]
    valid_from: dt.date
    valid_to: dt.date | None
    volume_cap_kg: float | None
    status: str
    reason: str | None


def _str(fields: Mapping[str, Any], key: str, limit: int) -> str | None:
    value = fields.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    value = value.strip()
    if len(value) > limit:
        raise ValueError(f"{key} longer than {limit} characters")
    if any(ord(ch) < 32 or 0x202A <= ord(ch) <= 0x202E or 0x2066 <= ord(ch) <= 0x2069 for ch in value):
        raise ValueError(f"{key} holds control or bidi characters")
    return value or None


def _day(fields: Mapping[str, Any], key: str) -> dt.date | None:
    value = _str(fields, key, 10)
    if value is None:
        return None
    if not value.isascii() or not _ISO.fullmatch(value):
        raise ValueError(f"{key} must be a date YYYY-MM-DD")
    return dt.date.fromisoformat(value)


def _parse(row: int, pointer: str, fields: Mapping[str, Any], issues: list[RowIssue]) -> _Parsed | None:
    def bad(code: str, field: str, message: str, key: str | None = None) -> None:
        ptr = f"{pointer}/{field}" if pointer.startswith("/") else pointer
        issues.append(RowIssue("authorisations", row, ptr, code, message, key=key, field=field))

    unknown = sorted(k for k in fields if k not in FIELDS)
    if unknown:
        bad(_FIELD, unknown[0], f"unknown field {unknown[0][:40]!r}")
        return None
    try:
        ref = _str(fields, "ref", 100)
        puc_text = _str(fields, "puc", 100)
        phc_text = _str(fields, "phc", 100)
        exporter = _str(fields, "exporter", 300)
        status = _str(fields, "status", 16) or "active"
        reason = _str(fields, "reason", 2000)
    except ValueError as exc:
        bad(_FIELD, str(exc).split()[0], str(exc))
        return None
    for name, value in (("ref", ref), ("puc", puc_text)):
        if value is None:
            bad(_MISSING, name, f"{name} is required")
            return None
    assert ref is not None and puc_text is not None
    if phc_text is None and exporter is None:
        bad(_MISSING, "phc", "a grantee is required: phc, exporter or both", ref)
        return None
    try:
        puc = resolve_code(puc_text)
        phc = resolve_code(phc_text) if phc_text else None
    except TraceStdError as exc:
        bad(_CODE, "puc" if phc_text is None or "puc" in str(exc) else "phc", str(exc), ref)
        return None
    if puc.kind != "puc":
        bad(_CODE, "puc", f"{puc.canonical} is not a planting-area code", ref)
        return None
    if phc is not None and phc.kind != "phc":
        bad(_CODE, "phc", f"{phc.canonical} is not a packing-house code", ref)
        return None
    raw_crops = fields.get("crops", [])
    if isinstance(raw_crops, str):
        raw_crops = [c for c in re.split(r"[|;,]", raw_crops) if c.strip()]
    if not isinstance(raw_crops, list) or not all(isinstance(c, str) for c in raw_crops):
        bad(_FIELD, "crops", "crops must be a list of crop ids", ref)
        return None
    crops = tuple(sorted({c.strip().lower() for c in raw_crops}))
    if any(not _CROP.fullmatch(c) for c in crops):
        bad(_FIELD, "crops", "a crop id is lower-case letters, digits and '-'", ref)
        return None
    try:
        valid_from = _day(fields, "valid_from")
        valid_to = _day(fields, "valid_to")
    except ValueError as exc:
        bad(_FIELD, str(exc).split()[0], str(exc), ref)
        return None
    if valid_from is None:
        bad(_MISSING, "valid_from", "valid_from is required", ref)
        return None
    if valid_to is not None and valid_to < valid_from:
        bad(ErrorCode.REGISTRY_AUTHORISATION_INVALID.value, "valid_to", "valid_to is before valid_from", ref)
        return None
    cap = fields.get("volume_cap_kg")
    if cap in (None, ""):
        cap_kg = None
    else:
        try:
            if isinstance(cap, bool):
                raise ValueError
            cap_kg = float(cap.replace(",", ".")) if isinstance(cap, str) else float(cap)
            if not (0 < cap_kg < 1e12):
                raise ValueError
        except (ValueError, TypeError, AttributeError):
            bad(_FIELD, "volume_cap_kg", "volume_cap_kg must be a positive number of kilograms", ref)
            return None
    if status not in STATUSES:
        bad(ErrorCode.REGISTRY_STATUS_INVALID.value, "status", f"unknown status {status!r}", ref)
        return None
    return _Parsed(
        ref,
        puc.canonical,
        phc.canonical if phc else None,
        exporter,
        crops,
        valid_from,
        valid_to,
        cap_kg,
        status,
        reason,
    )


def _record(a: Authorisation) -> AuthorisationRecord:
    return AuthorisationRecord(
        ref=a.ref,
        puc=a.puc.code,
        phc=a.phc.code if a.phc is not None else None,
        exporter=a.exporter,
        crops=tuple(a.crops or ()),
        valid_from=a.valid_from,
        valid_to=a.valid_to,
        volume_cap_kg=a.volume_cap_kg,
        status=a.status,
        status_since=a.status_since,
        history=tuple(
            {
                "from": h.from_status,
                "to": h.to_status,
                "date": h.date.isoformat(),
                "reason": h.reason,
                "by": h.recorded_by,
            }
            for h in a.history
        ),
    )


def _apply(
    registry: Any,
    s: Any,
    items: list[_Parsed],
    actor: str,
    report: ImportReport,
    issues: list[RowIssue],
    rows: list[int],
) -> None:
    codes_wanted = {p.puc for p in items} | {p.phc for p in items if p.phc}
    ids = (
        dict(s.execute(select(Code.code, Code.id).where(Code.code.in_(list(codes_wanted)))).all())
        if codes_wanted
        else {}
    )
    existing = {
        a.ref: a
        for a in s.scalars(
            select(Authorisation)
            .where(Authorisation.ref.in_([p.ref for p in items]))
            .options(selectinload(Authorisation.history))
        ).all()
    }
    now, day = utcnow(), today()
    for row, p in zip(rows, items, strict=True):
        for field, code in (("puc", p.puc), ("phc", p.phc)):
            if code is not None and code not in ids:
                issues.append(
                    RowIssue(
                        "authorisations",
                        row,
                        field,
                        _UNKNOWN,
                        f"{code} is not registered",
                        key=p.ref,
                        field=field,
                    )
                )
        if issues:
            continue
        values = {
            "puc_id": ids[p.puc],
            "phc_id": ids[p.phc] if p.phc else None,
            "exporter": p.exporter,
            "crops": list(p.crops),
            "valid_from": p.valid_from,
            "valid_to": p.valid_to,
            "volume_cap_kg": p.volume_cap_kg,
        }
        a = existing.get(p.ref)
        if a is None:
            a = Authorisation(
                ref=p.ref, status=p.status, status_since=day, created_at=now, updated_at=now, **values
            )
            s.add(a)
            s.add(
                AuthorisationEvent(
                    authorisation=a,
                    from_status=None,
                    to_status=p.status,
                    date=p.valid_from,
                    reason=p.reason or "granted",
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
            report.created["authorisations"] = report.created.get("authorisations", 0) + 1
            existing[p.ref] = a
            continue
        changed = any(getattr(a, k) != v for k, v in values.items())
        for k, v in values.items():
            setattr(a, k, v)
        if a.status != p.status:
            s.add(
                AuthorisationEvent(
                    authorisation=a,
                    from_status=a.status,
                    to_status=p.status,
                    date=day,
                    reason=p.reason,
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
            a.status, a.status_since = p.status, day
            report.history_appended += 1
            changed = True
        if changed:
            a.updated_at = now
            report.updated["authorisations"] = report.updated.get("authorisations", 0) + 1
        else:
            report.unchanged["authorisations"] = report.unchanged.get("authorisations", 0) + 1


class _Rollback(Exception):
    pass


def import_authorisations(
    registry: Any,
    source: str | Path | IO[bytes] | IO[str] | bytes,
    *,
    actor: str,
    dry_run: bool = False,
) -> ImportReport:
    """Validate every record, then apply all of them in one transaction, or none."""
    issues: list[RowIssue] = []
    name, digest, raw = read_rows(
        source, record="authorisations", keys=("authorisations", "records", "data"), issues=issues
    )
    items: list[_Parsed] = []
    rows: list[int] = []
    seen: dict[str, int] = {}
    for row, pointer, fields in raw:
        p = _parse(row, pointer, fields, issues)
        if p is None:
            continue
        if p.ref in seen:
            issues.append(
                RowIssue(
                    "authorisations",
                    row,
                    pointer,
                    _DUP,
                    f"ref {p.ref!r} also at row {seen[p.ref]}",
                    key=p.ref,
                    field="ref",
                )
            )
            continue
        seen[p.ref] = row
        items.append(p)
        rows.append(row)
    report = ImportReport(
        source=name,
        format="authorisations",
        dry_run=dry_run,
        sha256=digest,
        created={},
        updated={},
        unchanged={},
    )
    if issues:
        report.issues = sorted(issues, key=lambda i: i.row)
        return report
    try:
        with registry.write(dry_run=dry_run) as s:
            _apply(registry, s, items, actor, report, issues, rows)
            if issues:
                raise _Rollback
            registry._audit(
                s,
                actor,
                "authorisations.import",
                name,
                {"sha256": digest, "created": report.created, "updated": report.updated},
            )
    except _Rollback:
        report.issues = sorted(issues, key=lambda i: i.row)
        report.created, report.updated, report.unchanged, report.history_appended = {}, {}, {}, 0
        return report
    report.applied = not dry_run
    return report


def upsert_authorisation(
    registry: Any, data: Mapping[str, Any], *, actor: str
) -> tuple[str, AuthorisationRecord]:
    """Create or update one authorisation (the admin API); raises the first problem."""
    if not isinstance(data, Mapping):
        raise TraceStdError.from_code(
            ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, "an authorisation is a JSON object"
        )
    issues: list[RowIssue] = []
    p = _parse(0, "", data, issues)
    report = ImportReport(source="api", format="record", dry_run=False, created={}, updated={}, unchanged={})
    if p is not None:
        try:
            with registry.write() as s:
                _apply(registry, s, [p], actor, report, issues, [0])
                if issues:
                    raise _Rollback
                registry._audit(s, actor, "authorisation.upsert", p.ref, {"created": bool(report.created)})
        except _Rollback:
            pass
    if issues:
        first = issues[0]
        raise TraceStdError.from_code(
            ErrorCode(first.code),
            first.message,
            field=first.field,
            context={"issues": [i.to_dict() for i in issues]},
        )
    assert p is not None
    outcome = "created" if report.created else "updated" if report.updated else "unchanged"
    return outcome, get_authorisation(registry, p.ref)


def get_authorisation(registry: Any, ref: str) -> AuthorisationRecord:
    with registry.read() as s:
        a = s.scalars(
            select(Authorisation)
            .where(Authorisation.ref == ref)
            .options(
                selectinload(Authorisation.history),
                selectinload(Authorisation.puc),
                selectinload(Authorisation.phc),
            )
        ).first()
        if a is None:
            raise RegistryError(ErrorCode.REGISTRY_AUTHORISATION_NOT_FOUND, f"no authorisation {ref!r}")
        return _record(a)


def list_authorisations(
    registry: Any, *, puc: str | None = None, phc: str | None = None, limit: int = 1000
) -> list[AuthorisationRecord]:
    """Authorisations, optionally of one PUC and/or one PHC, by reference."""
    stmt = select(Authorisation).options(
        selectinload(Authorisation.history), selectinload(Authorisation.puc), selectinload(Authorisation.phc)
    )
    with registry.read() as s:
        if puc is not None:
            stmt = stmt.join(Code, Code.id == Authorisation.puc_id).where(
                Code.code == resolve_code(puc).canonical
            )
        if phc is not None:
            sub = select(Code.id).where(Code.code == resolve_code(phc).canonical).scalar_subquery()
            stmt = stmt.where(Authorisation.phc_id == sub)
        return [_record(a) for a in s.scalars(stmt.order_by(Authorisation.ref).limit(limit)).all()]


def set_authorisation_status(
    registry: Any, ref: str, to: str, *, reason: str, actor: str, on: dt.date | None = None
) -> AuthorisationRecord:
    """Suspend, revoke or re-activate an authorisation, appending a history event."""
    if to not in STATUSES:
        raise TraceStdError.from_code(
            ErrorCode.REGISTRY_STATUS_INVALID, f"unknown status {to!r}", context={"expected": list(STATUSES)}
        )
    day = on or today()
    with registry.write() as s:
        a = s.scalars(
            select(Authorisation).where(Authorisation.ref == ref).options(selectinload(Authorisation.history))
        ).first()
        if a is None:
            raise RegistryError(ErrorCode.REGISTRY_AUTHORISATION_NOT_FOUND, f"no authorisation {ref!r}")
        if a.status == to:
            raise RegistryError(ErrorCode.REGISTRY_STATUS_UNCHANGED, f"{ref} is already {to}")
        last = max((h.date for h in a.history), default=None)
        if last is not None and day < last:
            raise TraceStdError.from_code(
                ErrorCode.REGISTRY_STATUS_INVALID,
                "the date is before the latest event",
                context={"latest": last.isoformat()},
            )
        s.add(
            AuthorisationEvent(
                authorisation=a,
                from_status=a.status,
                to_status=to,
                date=day,
                reason=reason,
                recorded_by=actor,
                recorded_at=utcnow(),
            )
        )
        a.status, a.status_since, a.updated_at = to, day, utcnow()
        registry._audit(
            s, actor, "authorisation.status", ref, {"to": to, "date": day.isoformat(), "reason": reason}
        )
    return get_authorisation(registry, ref)
