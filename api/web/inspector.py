"""The inspector's audit pages: the findings as a table, and each planting area's season.

* ``GET /inspector/audit?season=YYYY&rule=R…&page=N``: the findings of
  :func:`trace_std.audit.rules.run_audit`, filtered by season and rules, each reading "needs
  inspection" with its evidence and a link to its PUC;
* ``GET /inspector/audit/puc/<code>?season=YYYY``: :func:`trace_std.audit.season.inspect_puc`,
  one chart per crop of the declared volume against the capacity (drawn by
  :func:`trace_std.audit.chart.svg` on the server: no script, no external asset), the figures as a
  table, the PUC's authorisations and its findings.

Findings name business partners and volumes: like ``GET /v1/audit`` and the genealogy page
(``GET /v1/trace?format=html``) the pages need a bearer token with the scope ``inspector``; without
one the answer is the same ``401``/``403`` problem document. Answers are ``no-store``. The pages are
the website's (its languages, style sheet and Content-Security-Policy).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from babel.numbers import format_decimal
from flask import Blueprint, Response, current_app, request, url_for

from api import store
from api.admin import authenticate
from api.http import TTLCache, register_cache
from api.web import _page, present
from api.web.present import N_
from trace_std.audit.chart import ChartText, svg
from trace_std.errors import TraceStdError

__all__ = ["bp"]

bp = Blueprint("inspector", __name__, url_prefix="/inspector")
RATE_LIMITED = True
RATE_LIMIT_GROUP = "inspector"

PAGE_SIZE = 200
SCOPE = "inspector"

RULE_TITLES = {
    "over_yield": N_("Declared volume above what the planting area can yield"),
    "unauthorised": N_("Planting-area code used without a valid authorisation"),
    "volume_cap": N_("Declared volume above an authorisation's cap"),
    "inactive": N_("Shipped while a code was not active or not approved for the market"),
    "gacc_mismatch": N_("The importing country's register disagrees"),
    "chronology": N_("Dates out of order"),
    "geography": N_("Packing house far from the planting area"),
    "one_lot_many_origins": N_("One lot declared from planting areas of different holders"),
}
#: Evidence fields, as the rules name them; a field not listed shows its name.
EVIDENCE = {
    "declared_t": N_("Declared (t)"),
    "capacity_t": N_("Capacity (t)"),
    "area_ha": N_("Area (ha)"),
    "ceiling_t_per_ha": N_("Yield ceiling (t/ha)"),
    "tolerance": N_("Tolerance"),
    "ratio": N_("Ratio"),
    "lines": N_("Lines"),
    "yield_sources": N_("Yield sources"),
    "declared_kg": N_("Declared (kg)"),
    "first_pack_date": N_("First pack date"),
    "last_pack_date": N_("Last pack date"),
    "authorisations_of_puc": N_("Authorisations of the planting area"),
    "status_on_pack_date": N_("Status on the pack date"),
    "volume_cap_kg": N_("Volume cap (kg)"),
    "distance_km": N_("Distance (km)"),
    "max_km": N_("Largest distance allowed (km)"),
    "harvest_date": N_("Harvest date"),
    "pack_date": N_("Pack date"),
    "ship_date": N_("Ship date"),
    "holders": N_("Holders"),
    "pucs": N_("Planting areas"),
    "declared_crop": N_("Declared crop"),
    "register_rows": N_("Register rows"),
    "status": N_("Status"),
    "valid_to": N_("Valid until"),
}
SEVERITIES = {"info": N_("Information"), "warning": N_("Warning"), "error": N_("Important")}
AUTH_STATUSES = {"active": N_("Active"), "suspended": N_("Suspended"), "revoked": N_("Revoked")}
MONTHS = (
    N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
    N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec"),
)  # fmt: skip


class _BadFilter(Exception):
    pass


_Computed = tuple[dt.datetime, list[Any]]  # when, findings


@bp.record_once
def _setup(state: Any) -> None:
    app = state.app
    ttl = float(app.config.get("INSPECTOR_FINDINGS_TTL", 0) or 0)
    cache: TTLCache[tuple[Any, ...], _Computed] = TTLCache(ttl, 64)
    app.extensions["trace_std.inspector.findings"] = cache
    register_cache(app, cache)  # admin writes (authorisations, codes) empty it


def _season_findings(season: int | None, chosen: list[str]) -> _Computed:
    """The audit's findings for a season and rules: kept ``INSPECTOR_FINDINGS_TTL`` seconds per
    worker, so that the pages of the PUCs in a findings table do not each run the whole audit."""
    from trace_std.audit.rules import run_audit

    cache: TTLCache[tuple[Any, ...], _Computed] = current_app.extensions["trace_std.inspector.findings"]
    key = (season, tuple(sorted(set(chosen))))
    hit = cache.get(key)
    if hit is None:
        hit = (dt.datetime.now(dt.UTC), run_audit(store.registry(), season=season, rules_=chosen or None))
        cache.put(key, hit)
    return hit


def _filters() -> tuple[int | None, list[str], int]:
    """``season``, ``rule`` (repeatable) and ``page`` from the query string."""
    from trace_std.audit.rules import RULES

    raw = request.args.get("season", "").strip()
    season = None
    if raw:
        if not (raw.isascii() and raw.isdigit() and len(raw) == 4 and 1900 <= int(raw) <= 2999):
            raise _BadFilter
        season = int(raw)
    chosen = [r for r in request.args.getlist("rule")[:20] if r]
    if any(r not in RULES for r in chosen):
        raise _BadFilter
    raw_page = request.args.get("page", "1")
    page = int(raw_page) if raw_page.isascii() and raw_page.isdigit() and len(raw_page) < 7 else 0
    if page < 1:
        raise _BadFilter
    return season, chosen, page


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Authorization")
    return response


def _when(tr: present.Translator, moment: dt.datetime | None) -> str | None:
    if moment is None:
        return None
    from babel.dates import format_datetime

    from api.web.i18n import DATETIME_FORMATS

    pattern = DATETIME_FORMATS.get(str(tr.locale), "medium")
    return str(format_datetime(moment, pattern, tzinfo=tr.timezone, locale=tr.locale))


def _number(tr: present.Translator, value: float, digits: int = 1) -> str:
    return str(format_decimal(round(value, digits), format=f"#,##0.{'0' * digits}", locale=tr.locale))


def _value(tr: present.Translator, value: Any, key: str = "") -> str:
    if isinstance(value, str) and (key.endswith("_date") or key == "valid_to"):
        return tr.date(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, float):
        return str(format_decimal(value, locale=tr.locale))
    if isinstance(value, (list, tuple)):
        return "; ".join(_value(tr, v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _finding(tr: present.Translator, f: Any) -> dict[str, Any]:
    d = f.to_dict()
    return {
        "code": d["code"],
        "rule": d["rule"],
        "title": tr(RULE_TITLES[d["rule"]]) if d["rule"] in RULE_TITLES else d["rule"],
        "severity": d["severity"],
        "severity_label": tr(SEVERITIES.get(d["severity"], d["severity"])),
        "season": d["season"] or "",
        "subject": [(k, str(v)) for k, v in d["subject"].items() if v is not None],
        "puc": d["subject"].get("puc"),
        "reason": d["reason"],
        "evidence": [
            (k, tr(EVIDENCE[k]) if k in EVIDENCE else k, _value(tr, v, k)) for k, v in d["evidence"].items()
        ],
        "provenance": d["provenance"],
    }


def _rule_choices(tr: present.Translator, chosen: list[str]) -> list[dict[str, Any]]:
    from trace_std.audit.rules import RULES

    return [{"rule": r, "title": tr(RULE_TITLES.get(r, r)), "checked": r in chosen} for r in RULES]


@bp.get("/audit")
def audit_page() -> Response:
    """The findings of the audit as a table, filtered by season and rules."""
    authenticate(SCOPE)
    tr = present.Translator()
    try:
        season, chosen, page = _filters()
    except _BadFilter:
        return _no_store(
            _page(
                "web/inspector_audit.html", 400, tr=tr, error=True, findings=[], total=0,
                rules=_rule_choices(tr, []), season="", page=1, pages=1, pucs=[],
            )
        )  # fmt: skip
    computed_at, findings = _season_findings(season, chosen)
    pages = max(1, -(-len(findings) // PAGE_SIZE))
    shown = findings[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    pucs = sorted({str(f.subject["puc"]) for f in findings if f.subject.get("puc")})
    return _no_store(
        _page(
            "web/inspector_audit.html",
            200,
            tr=tr,
            findings=[_finding(tr, f) for f in shown],
            total=len(findings),
            computed_at=_when(tr, computed_at),
            rules=_rule_choices(tr, chosen),
            season=season or "",
            page=min(page, pages),
            pages=pages,
            pucs=pucs[:PAGE_SIZE],
            pucs_total=len(pucs),
            page_url=lambda n: url_for(
                "inspector.audit_page", season=season or None, rule=chosen or None, page=n
            ),
        )
    )


def _chart_text(tr: present.Translator) -> ChartText:
    return ChartText(
        title=tr("Declared volume against capacity: %(puc)s, %(crop)s, %(season)s"),
        desc=tr("%(declared)s t declared in season %(season)s for %(puc)s (%(crop)s), against a capacity of %(capacity)s t."),  # noqa: E501
        desc_no_capacity=tr("%(declared)s t declared in season %(season)s for %(puc)s (%(crop)s); no capacity is known, so it is not judged."),  # noqa: E501
        above=tr("Above capacity from %(day)s."),
        x_axis=tr("Pack date"),
        y_axis=tr("Declared since 1 January (t)"),
        declared=tr("Declared"),
        capacity=tr("Capacity %(capacity)s t"),
        nothing=tr("Nothing declared this season"),
        no_crop=tr("no crop given"),
        point=tr("%(day)s: %(kg)s t declared, %(total)s t in the season"),
        months=tuple(tr(m) for m in MONTHS),
        number=lambda v: _number(tr, v),
        tick=lambda v: str(format_decimal(v, locale=tr.locale)),
        day=tr.date,
    )  # fmt: skip


@bp.get("/audit/puc/<path:code>")
def puc_page(code: str) -> Response:
    """One planting area's season: a chart per crop, its authorisations and its findings."""
    from trace_std.audit.season import inspect_puc

    authenticate(SCOPE)
    tr = present.Translator()
    try:
        if len(code) > 64:
            raise _BadFilter
        season, chosen, _ = _filters()
        computed: list[dt.datetime] = []

        def season_findings(year: int) -> list[Any]:
            when, found = _season_findings(year, chosen)
            computed.append(when)
            return found

        view = inspect_puc(
            store.registry(), code, season=season, rules_=chosen or None, findings=season_findings
        )
    except (_BadFilter, TraceStdError):
        return _no_store(_page("web/inspector_puc.html", 400, tr=tr, error=True, view=None, code=code[:64]))
    words = _chart_text(tr)
    charts = []
    for i, s in enumerate(view.series):
        cap = s.capacity_kg
        charts.append(
            {
                "crop": s.crop,
                "svg": svg(s, text=words, id_prefix=f"chart-{i}"),
                "declared": _number(tr, s.declared_kg / 1000, 3),
                "capacity": _number(tr, cap / 1000, 3) if cap is not None else None,
                "ratio": _number(tr, 100 * s.declared_kg / cap, 1) if cap else None,
                "above": s.above_capacity,
                "first_above": tr.date(s.first_day_above) if s.first_day_above else None,
                "area": _number(tr, s.area_ha, 2) if s.area_ha is not None else None,
                "ceiling": _number(tr, s.ceiling_t_per_ha, 2) if s.ceiling_t_per_ha is not None else None,
                "tolerance": _number(tr, s.tolerance, 2),
                "sources": s.yield_sources,
                "points": [
                    (tr.date(p.day), _number(tr, p.kg / 1000, 3), _number(tr, p.cumulative_kg / 1000, 3),
                     p.lines)
                    for p in s.points
                ],
            }
        )  # fmt: skip
    auths = [
        {
            **dataclasses.asdict(a),
            "status_label": tr(AUTH_STATUSES.get(a.status, a.status)),
            "valid_from": tr.date(a.valid_from),
            "status_since": tr.date(a.status_since),
            "valid_to": tr.date(a.valid_to) if a.valid_to else None,
            "cap": _number(tr, a.volume_cap_kg / 1000, 3) if a.volume_cap_kg is not None else None,
            "valid_today": a.valid_on(dt.date.today()),
        }
        for a in view.authorisations
    ]
    return _no_store(
        _page(
            "web/inspector_puc.html",
            200,
            tr=tr,
            view=view,
            code=view.puc,
            area=_number(tr, view.area_ha, 2) if view.area_ha is not None else None,
            charts=charts,
            authorisations=auths,
            findings=[_finding(tr, f) for f in view.findings],
            computed_at=_when(tr, computed[0] if computed else None),
            season_url=lambda y: url_for("inspector.puc_page", code=view.puc, season=y),
            audit_url=url_for("inspector.audit_page", season=view.season),
        )
    )
