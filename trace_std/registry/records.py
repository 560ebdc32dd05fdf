"""Plain, frozen result records returned by :class:`~trace_std.registry.Registry`.

They are detached from the database (safe to cache, pickle and serialise) and each has
``to_dict()`` giving the JSON shape used by the CLI, the API and the open-data export.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from trace_std.errors import Issue, _jsonable

__all__ = [
    "Approval",
    "AuditRecord",
    "CodeRecord",
    "ExportInfo",
    "HistoryEvent",
    "ImportReport",
    "LotRecord",
    "ProductRecord",
    "RowIssue",
    "SearchResult",
    "TokenRecord",
]


def _d(value: Any) -> Any:
    if value is None:
        return None
    if type(value) is dt.date or type(value) is dt.datetime:  # the common case, without the ABC checks
        return value.isoformat()
    return _jsonable(value)


@dataclasses.dataclass(frozen=True, slots=True)
class Approval:
    """Approval of a code by one importing market."""

    market: str
    status: str
    approved: dt.date | None = None
    valid_to: dt.date | None = None
    registration_number: str | None = None

    def valid_on(self, day: dt.date) -> bool:
        """Active, and ``day`` is inside ``[approved, valid_to]``."""
        if self.status != "active":
            return False
        if self.approved is not None and day < self.approved:
            return False
        return not (self.valid_to is not None and day > self.valid_to)

    def to_dict(self) -> dict[str, Any]:
        return {
            "market": self.market,
            "status": self.status,
            "approved": _d(self.approved),
            "valid_to": _d(self.valid_to),
            "registration_number": self.registration_number,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One status change (append-only)."""

    from_status: str | None
    to_status: str
    date: dt.date
    reason: str | None = None
    legal_doc: str | None = None
    recorded_by: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.from_status,
            "to": self.to_status,
            "date": _d(self.date),
            "reason": self.reason,
            "legal_doc": self.legal_doc,
            "recorded_by": self.recorded_by,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class CodeRecord:
    """A registered PUC or PHC with its markets and status history.

    ``status`` is the status after the latest history event; :meth:`status_on` gives the status on
    any date (``None`` before the code was issued).
    """

    code: str
    kind: str
    scheme: str
    status: str
    status_since: dt.date
    name: str | None = None
    province_code: str | None = None
    province_name: str | None = None
    commune_code: str | None = None
    commune_name: str | None = None
    crops: tuple[str, ...] = ()
    varieties: tuple[str, ...] = ()
    area_ha: float | None = None
    households: int | None = None
    owner: str | None = None
    address: str | None = None
    geometry: dict[str, Any] | None = None
    issued: dt.date | None = None
    markets: tuple[Approval, ...] = ()
    history: tuple[HistoryEvent, ...] = ()
    updated_at: dt.datetime | None = None
    as_of: dt.date | None = None

    def status_on(self, day: dt.date) -> str | None:
        """The status in force on ``day`` (events dated ``day`` count), ``None`` if not yet issued."""
        status: str | None = None
        for event in self.history:
            if event.date <= day:
                status = event.to_status
            else:
                break
        if status is None and not self.history and (self.issued is None or self.issued <= day):
            status = self.status  # a record without history (should not happen): trust the row
        return status

    def approval(self, market: str) -> Approval | None:
        """The approval for ``market`` (case-insensitive), or ``None``."""
        market = market.upper()
        for approval in self.markets:
            if approval.market == market:
                return approval
        return None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "kind": self.kind,
            "scheme": self.scheme,
            "name": self.name,
            "province_code": self.province_code,
            "province_name": self.province_name,
            "commune_code": self.commune_code,
            "commune_name": self.commune_name,
            "crops": list(self.crops),
            "varieties": list(self.varieties),
            "area_ha": self.area_ha,
            "households": self.households,
            "owner": self.owner,
            "address": self.address,
            "geometry": self.geometry,
            "issued": _d(self.issued),
            "status": self.status,
            "status_since": _d(self.status_since),
            "markets": [a.to_dict() for a in self.markets],
            "history": [h.to_dict() for h in self.history],
        }
        if self.as_of is not None:
            out["as_of"] = self.as_of.isoformat()
            out["status_as_of"] = self.status_on(self.as_of)
        return out


@dataclasses.dataclass(frozen=True, slots=True)
class ProductRecord:
    gtin: str
    name: str
    crop: str
    variety: str | None = None
    exporter: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True, slots=True)
class LotRecord:
    gtin: str
    lot: str
    puc: str
    phc: str | None = None
    harvest_date: dt.date | None = None
    pack_date: dt.date | None = None
    market: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: _d(v) for k, v in dataclasses.asdict(self).items()}


@dataclasses.dataclass(frozen=True, slots=True)
class SearchResult:
    """One page of a search. ``total`` is exact when ``total_exact``; otherwise the search matched
    more codes than it counts (``total`` is then a lower bound, or the registry's estimated size
    for a search without filters): walk on with ``after=`` (keyset) rather than ``pages``."""

    items: tuple[CodeRecord, ...]
    total: int
    page: int
    per_page: int
    total_exact: bool = True

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [c.to_dict() for c in self.items],
            "total": self.total,
            "total_exact": self.total_exact,
            "page": self.page,
            "per_page": self.per_page,
            "pages": self.pages,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class TokenRecord:
    id: int
    name: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None = None
    last_used_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None

    @property
    def active(self) -> bool:
        """Not revoked and not expired (now)."""
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > dt.datetime.now(dt.UTC)

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= dt.datetime.now(dt.UTC)

    def has_scope(self, scope: str) -> bool:
        return "admin" in self.scopes or scope in self.scopes

    def to_dict(self) -> dict[str, Any]:
        return {k: _d(v) for k, v in dataclasses.asdict(self).items()} | {
            "active": self.active,
            "expired": self.expired,
        }


@dataclasses.dataclass(frozen=True, slots=True)
class AuditRecord:
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {k: _d(v) for k, v in dataclasses.asdict(self).items()}


@dataclasses.dataclass(frozen=True, slots=True)
class RowIssue:
    """A problem with one record of an import file.

    ``record`` is ``codes``, ``products`` or ``lots``; ``row`` is the 1-based line number in a CSV
    file or the 0-based index in the JSON array; ``pointer`` locates it (``/codes/3/markets/0/valid_to``
    or ``line 12``); ``key`` is the record's code or GTIN(+lot) when known.
    """

    record: str
    row: int
    pointer: str
    code: str
    message: str
    key: str | None = None
    field: str | None = None

    def to_issue(self) -> Issue:
        return Issue.error(
            self.code,
            self.message,
            field=self.pointer,
            context={"record": self.record, "row": self.row, "key": self.key},
        )

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(slots=True)
class ImportReport:
    """Outcome of :meth:`Registry.import_file`: all rows applied, or none (``ok`` False)."""

    source: str
    format: str
    dry_run: bool
    applied: bool = False
    created: dict[str, int] = dataclasses.field(
        default_factory=lambda: {"codes": 0, "products": 0, "lots": 0}
    )
    updated: dict[str, int] = dataclasses.field(
        default_factory=lambda: {"codes": 0, "products": 0, "lots": 0}
    )
    unchanged: dict[str, int] = dataclasses.field(
        default_factory=lambda: {"codes": 0, "products": 0, "lots": 0}
    )
    history_appended: int = 0
    issues: list[RowIssue] = dataclasses.field(default_factory=list)
    sha256: str | None = None

    @property
    def ok(self) -> bool:
        return not self.issues

    @property
    def bad_rows(self) -> list[tuple[str, int]]:
        """Every ``(record, row)`` with at least one issue, in file order."""
        seen: dict[tuple[str, int], None] = {}
        for issue in self.issues:
            seen.setdefault((issue.record, issue.row), None)
        return list(seen)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "format": self.format,
            "dry_run": self.dry_run,
            "applied": self.applied,
            "ok": self.ok,
            "sha256": self.sha256,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "unchanged": dict(self.unchanged),
            "history_appended": self.history_appended,
            "issues": [i.to_dict() for i in self.issues],
        }


@dataclasses.dataclass(frozen=True, slots=True)
class ExportInfo:
    """What :meth:`Registry.export` wrote. ``sha256`` covers the data (not the provenance header)."""

    format: str
    path: str | None
    generated: dt.datetime
    source: str
    sha256: str
    counts: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {k: _d(v) for k, v in dataclasses.asdict(self).items()}
