"""One planting area's season, for an inspector: declared volume day by day against its capacity,
its authorisations and its findings.

:func:`season_series` sums the ledger of one PUC per crop and day (the day is the pack date, the
ship date when there is none, as in :mod:`trace_std.audit.rules`) and runs the sum up over the
season (a calendar year). Each crop's capacity is the one the over-yield rule uses:
``area_ha × ceiling (t/ha) × tolerance``; a crop without a ceiling, or a PUC without an area, has no
capacity (not judged). :func:`inspect_puc` adds the PUC's authorisations and its findings, and
:mod:`trace_std.audit.chart` draws a series as SVG.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select

from trace_std.audit.capacity import ceilings, default_tolerance
from trace_std.audit.models import LedgerRow
from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry.models import Code

__all__ = ["PucSeason", "SeasonPoint", "SeasonSeries", "inspect_puc", "season_series"]


@dataclasses.dataclass(frozen=True, slots=True)
class SeasonPoint:
    """The lines of one day: what was declared that day and the season's running total."""

    day: dt.date
    kg: float
    cumulative_kg: float
    lines: int


@dataclasses.dataclass(frozen=True, slots=True)
class SeasonSeries:
    """The declared volume of one PUC and crop over one season, with its capacity ceiling."""

    puc: str
    crop: str | None  # None: ledger lines without a crop (never judged by the over-yield rule)
    season: int
    points: tuple[SeasonPoint, ...]
    area_ha: float | None
    ceiling_t_per_ha: float | None
    tolerance: float
    yield_sources: tuple[str, ...] = ()

    @property
    def capacity_kg(self) -> float | None:
        """``area_ha × ceiling × tolerance`` in kg; None when the area or the ceiling is unknown."""
        if self.area_ha is None or self.ceiling_t_per_ha is None:
            return None
        return self.area_ha * 1000.0 * self.ceiling_t_per_ha * self.tolerance

    @property
    def declared_kg(self) -> float:
        return self.points[-1].cumulative_kg if self.points else 0.0

    @property
    def above_capacity(self) -> bool:
        """The over-yield rule's test: the season's total strictly above the capacity."""
        cap = self.capacity_kg
        return cap is not None and self.declared_kg > cap

    @property
    def first_day_above(self) -> dt.date | None:
        """The first day the running total went above the capacity."""
        cap = self.capacity_kg
        if cap is None:
            return None
        return next((p.day for p in self.points if p.cumulative_kg > cap), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "puc": self.puc,
            "crop": self.crop,
            "season": self.season,
            "area_ha": self.area_ha,
            "ceiling_t_per_ha": self.ceiling_t_per_ha,
            "tolerance": self.tolerance,
            "capacity_kg": self.capacity_kg,
            "declared_kg": self.declared_kg,
            "above_capacity": self.above_capacity,
            "first_day_above": self.first_day_above.isoformat() if self.first_day_above else None,
            "yield_sources": list(self.yield_sources),
            "points": [
                {"day": p.day.isoformat(), "kg": p.kg, "cumulative_kg": p.cumulative_kg, "lines": p.lines}
                for p in self.points
            ],
        }


@dataclasses.dataclass(frozen=True, slots=True)
class PucSeason:
    """What an inspector sees of one PUC in one season."""

    puc: str
    season: int
    seasons: tuple[int, ...]  # every season with dated ledger lines of this PUC, newest first
    registered: bool
    name: str | None
    owner: str | None
    status: str | None
    area_ha: float | None
    series: tuple[SeasonSeries, ...]
    undated_lines: int  # lines with neither a pack nor a ship date: in no season, not plotted
    authorisations: tuple[Any, ...] = ()  # AuthorisationRecord
    findings: tuple[Any, ...] = ()  # rules.Finding


def _day_column() -> Any:
    return func.coalesce(LedgerRow.pack_date, LedgerRow.ship_date)


def _spellings(puc: str) -> list[str]:
    """The PUC as written and, when the code library reads it, its canonical form (the ledger keeps
    what was declared; the registry keeps canonical codes)."""
    if not isinstance(puc, str):
        raise TypeError("puc must be a string")
    out = [puc]
    try:
        from trace_std.registry._codes import resolve_code

        canonical = resolve_code(puc).canonical
    except TraceStdError:
        return out
    if canonical != puc:
        out.append(canonical)
    return out


def _check_season(season: Any) -> None:
    if season is not None and (
        isinstance(season, bool) or not isinstance(season, int) or not 1900 <= season <= 2999
    ):
        raise TraceStdError.from_code(
            ErrorCode.AUDIT_OPTION_INVALID, "season must be a year", context={"actual": str(season)[:20]}
        )


def _check_tolerance(tolerance: Any) -> float:
    tol = default_tolerance() if tolerance is None else tolerance
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not (0 < tol < 1000) or math.isnan(tol):
        raise TraceStdError.from_code(
            ErrorCode.AUDIT_OPTION_INVALID,
            "tolerance must be a number above 0",
            context={"actual": str(tolerance)[:20]},
        )
    return float(tol)


def _load(
    registry: Any, puc: str, season: int | None, tolerance: float | None
) -> tuple[PucSeason, list[str], float]:
    _check_season(season)
    tol = _check_tolerance(tolerance)
    names = _spellings(puc)
    day = _day_column()
    table = ceilings()
    with registry.read() as s:
        code = s.execute(
            select(Code.code, Code.name, Code.owner, Code.status, Code.area_ha, Code.crops).where(
                Code.code.in_(names)
            )
        ).first()
        years = sorted(
            {
                (d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])).year
                for d in s.scalars(
                    select(day).where(LedgerRow.puc.in_(names), day.is_not(None)).group_by(day)
                )
            },
            reverse=True,
        )
        undated = s.scalar(
            select(func.count()).select_from(LedgerRow).where(LedgerRow.puc.in_(names), day.is_(None))
        )
        chosen = season if season is not None else (years[0] if years else dt.date.today().year)
        rows = s.execute(
            select(LedgerRow.crop, day, func.sum(LedgerRow.quantity_kg), func.count())
            .where(
                LedgerRow.puc.in_(names),
                day >= dt.date(chosen, 1, 1),
                day < dt.date(chosen + 1, 1, 1),
            )
            .group_by(LedgerRow.crop, day)
            .order_by(LedgerRow.crop, day)
        ).all()
    area = code.area_ha if code is not None else None
    by_crop: dict[str | None, list[tuple[dt.date, float, int]]] = {}
    for crop, d, kg, n in rows:
        d = d if isinstance(d, dt.date) else dt.date.fromisoformat(str(d)[:10])
        by_crop.setdefault(crop, []).append((d, float(kg or 0.0), int(n)))
    for crop in code.crops if code is not None else ():
        by_crop.setdefault(crop, [])  # a registered crop with nothing declared: its capacity alone
    series = []
    for crop in sorted(by_crop, key=lambda c: (c is None, c or "")):
        total = 0.0
        points = []
        for d, kg, n in by_crop[crop]:
            total += kg
            points.append(SeasonPoint(d, kg, total, n))
        ceiling = table.get(crop) if crop is not None else None
        series.append(
            SeasonSeries(
                puc=code.code if code is not None else puc,
                crop=crop,
                season=chosen,
                points=tuple(points),
                area_ha=area,
                ceiling_t_per_ha=ceiling.t_per_ha if ceiling is not None else None,
                tolerance=tol,
                yield_sources=ceiling.sources if ceiling is not None else (),
            )
        )
    view = PucSeason(
        puc=code.code if code is not None else puc,
        season=chosen,
        seasons=tuple(years),
        registered=code is not None,
        name=code.name if code is not None else None,
        owner=code.owner if code is not None else None,
        status=code.status if code is not None else None,
        area_ha=area,
        series=tuple(series),
        undated_lines=int(undated or 0),
    )
    return view, names, tol


def season_series(
    registry: Any, puc: str, *, season: int | None = None, tolerance: float | None = None
) -> list[SeasonSeries]:
    """The declared volume of ``puc`` per crop over ``season`` (default: its latest season with
    dated lines), each with its capacity. Crops registered for the PUC appear even with nothing
    declared; lines without a crop form a series of their own (crop None, no capacity).

    Raises ``audit.option.invalid`` for a season that is not a year or a tolerance not above 0.
    """
    view, _, _ = _load(registry, puc, season, tolerance)
    return list(view.series)


def inspect_puc(
    registry: Any,
    puc: str,
    *,
    season: int | None = None,
    tolerance: float | None = None,
    rules_: Sequence[str] | None = None,
    findings: Callable[[int], Sequence[Any]] | None = None,
) -> PucSeason:
    """One PUC's season for the inspector page: the series, the PUC's authorisations (every one,
    whatever its status) and the season's findings that name the PUC.

    The findings come from :func:`~trace_std.audit.rules.run_audit` over the whole season (a rule
    such as ``one_lot_many_origins`` needs the other PUCs' lines), or from ``findings(season)`` when
    the caller already holds that season's findings for ``rules_`` and ``tolerance``.
    """
    from trace_std.audit.authorisations import list_authorisations
    from trace_std.audit.rules import run_audit

    view, names, tol = _load(registry, puc, season, tolerance)
    auths: list[Any] = []
    if view.registered:
        auths = list_authorisations(registry, puc=view.puc)
    spellings = {*names, view.puc}
    season_findings = (
        findings(view.season)
        if findings is not None
        else run_audit(registry, season=view.season, rules_=rules_, tolerance=tol)
    )
    mine = [f for f in season_findings if f.subject.get("puc") in spellings]
    return dataclasses.replace(view, authorisations=tuple(auths), findings=tuple(mine))
