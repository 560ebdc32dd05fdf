"""The ledger of declared shipments, each line with its provenance.

Two sources feed it:

* ``labels``: label files declared with ``trace-std registry declare LABELS`` — the batch validator's
  rows (:func:`trace_std.label.batch.iter_file`), one carton label per row, summed per lot line
  (GTIN, lot, PUC, PHC, exporter, crop, market, harvest and pack dates): quantity = the net weights of
  its cartons (net weight × carton count), ``cartons`` = how many rows, ``source_row`` = the first;
* ``epcis``: captured shipping events (quantity, lot, SSCC), the lot traced to its harvest PUC and
  packing PHC through the genealogy — :func:`trace_std.audit.epcis.declare_events`, with
  ``source_ref`` = the eventID, ``source_sha256`` = the event's CBV 2.0 hash and ``ship_date`` = the
  event's local date.

A declaration is all-or-nothing: a file with any invalid row records nothing
(``registry.declare.invalid`` with the rows). Declaring the same file again (same SHA-256) adds
nothing.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, insert, select

from trace_std.audit.models import LedgerRow
from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry.core import utcnow

__all__ = ["SOURCES", "DeclareReport", "LedgerEntry", "add_entries", "crop_id", "declare_labels"]

#: Ledger sources (provenance kinds).
SOURCES: tuple[str, ...] = ("labels", "epcis")


def crop_id(text: str | None) -> str | None:
    """A label's crop as the registry's crop id: ``"Dragon fruit"`` -> ``"dragon-fruit"``."""
    if not text:
        return None
    return "-".join(text.strip().lower().replace("_", " ").split()) or None


@dataclasses.dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One declared shipment line, before it is stored (the plug for any source)."""

    puc: str
    quantity_kg: float
    source_row: int
    phc: str | None = None
    exporter: str | None = None
    gtin: str | None = None
    lot: str | None = None
    crop: str | None = None
    market: str | None = None
    harvest_date: dt.date | None = None
    pack_date: dt.date | None = None
    ship_date: dt.date | None = None
    cartons: int = 1
    source_ref: str | None = None


@dataclasses.dataclass(slots=True)
class DeclareReport:
    source: str
    sha256: str
    rows: int = 0
    lines: int = 0
    quantity_kg: float = 0.0
    applied: bool = False
    already_declared: bool = False
    issues: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def to_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "ok": self.ok}


def add_entries(
    registry: Any,
    entries: Iterable[LedgerEntry],
    *,
    source: str,
    source_name: str,
    sha256: str,
    actor: str,
    dry_run: bool = False,
) -> int:
    """Store ``entries`` with their provenance in one transaction; returns how many were added.

    Entries whose (source, sha256, source_row) is already in the ledger are skipped, so a source
    replayed adds nothing twice.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown ledger source {source!r}; expected one of {', '.join(SOURCES)}")
    now = utcnow()
    added = 0
    with registry.write(dry_run=dry_run) as s:
        seen = set(
            s.scalars(
                select(LedgerRow.source_row).where(
                    LedgerRow.source == source, LedgerRow.source_sha256 == sha256
                )
            ).all()
        )
        batch: list[dict[str, Any]] = []
        for e in entries:
            if e.source_row in seen:
                continue
            seen.add(e.source_row)
            batch.append(
                {
                    **dataclasses.asdict(e),
                    "source": source,
                    "source_name": source_name[-300:],
                    "source_sha256": sha256,
                    "declared_by": actor,
                    "declared_at": now,
                }
            )
            if len(batch) >= 5000:
                s.execute(insert(LedgerRow), batch)
                added += len(batch)
                batch = []
        if batch:
            s.execute(insert(LedgerRow), batch)
            added += len(batch)
        registry._audit(s, actor, f"ledger.{source}", source_name[-200:], {"sha256": sha256, "lines": added})
    return added


def _sha256(source: str | os.PathLike[str] | IO[bytes]) -> str:
    h = hashlib.sha256()
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        return h.hexdigest()
    pos = source.tell()
    for chunk in iter(lambda: source.read(1 << 20), b""):
        h.update(chunk)
    source.seek(pos)
    return h.hexdigest()


def declare_labels(
    registry: Any,
    source: str | os.PathLike[str] | IO[bytes],
    *,
    actor: str,
    name: str | None = None,
    dry_run: bool = False,
    max_issues: int = 100,
) -> DeclareReport:
    """Declare a label file's rows as shipped (see the module docstring)."""
    from trace_std.label.batch import RowResult, iter_file, source_name

    label = name or source_name(source)
    try:
        digest = _sha256(source)
    except OSError as exc:
        raise TraceStdError.from_code(ErrorCode.FILE_UNREADABLE, f"cannot read {label}: {exc}") from exc
    report = DeclareReport(source=label, sha256=digest)
    with registry.read() as s:
        if s.scalar(
            select(func.count())
            .select_from(LedgerRow)
            .where(LedgerRow.source == "labels", LedgerRow.source_sha256 == digest)
        ):
            report.already_declared = True
            return report
    lines: dict[tuple[Any, ...], list[Any]] = {}
    for item in iter_file(source, values=True, name=name):
        if not isinstance(item, RowResult):
            continue
        report.rows += 1
        errors = [i for i in item.issues if i.severity.value == "error"]
        if errors:
            for i in errors:
                if len(report.issues) < max_issues:
                    report.issues.append({"row": item.number, "field": i.field, "code": i.code})
            continue
        v = item.values or {}
        weight = v.get("net_weight_kg")
        if not v.get("puc") or weight is None:
            if len(report.issues) < max_issues:
                field = "puc" if not v.get("puc") else "net_weight_kg"
                report.issues.append(
                    {"row": item.number, "field": field, "code": ErrorCode.REGISTRY_DECLARE_INVALID.value}
                )
            continue
        key = (
            v.get("gtin"),
            v.get("lot"),
            v["puc"],
            v.get("phc"),
            v.get("exporter"),
            crop_id(v.get("crop")),
            v.get("destination_market"),
            v.get("harvest_date"),
            v.get("pack_date"),
        )
        line = lines.get(key)
        if line is None:
            lines[key] = [item.number, 1, Decimal(weight)]
        else:
            line[1] += 1
            line[2] += Decimal(weight)
    if report.issues:
        return report
    entries = [
        LedgerEntry(
            gtin=k[0], lot=k[1], puc=k[2], phc=k[3], exporter=k[4], crop=k[5], market=k[6],
            harvest_date=k[7], pack_date=k[8], source_row=first, cartons=n, quantity_kg=float(total),
        )
        for k, (first, n, total) in lines.items()
    ]  # fmt: skip
    report.lines = add_entries(
        registry,
        entries,
        source="labels",
        source_name=str(Path(label).name),
        sha256=digest,
        actor=actor,
        dry_run=dry_run,
    )
    report.quantity_kg = float(sum(e.quantity_kg for e in entries))
    report.applied = not dry_run
    return report
