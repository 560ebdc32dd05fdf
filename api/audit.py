"""``GET /v1/audit``: the code-use audit's findings, for inspectors (bearer token, scope ``inspector``).

Findings carry volumes and party details: they are never public. Each reads "needs inspection".
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from api import params, store
from api.admin import _actor
from api.http import json_response

bp = Blueprint("audit", __name__)


@bp.get("/v1/audit")
def audit() -> Response:
    """``?season=YYYY``, ``?rule=R`` (repeatable), ``?tolerance=``; findings as JSON."""
    from trace_std.audit.rules import run_audit

    _actor("inspector")
    season = request.args.get("season")
    tolerance = request.args.get("tolerance")
    rules_ = request.args.getlist("rule")
    for name in ("season", "tolerance"):
        params.text(name, max_length=20)
    try:
        year = int(season) if season else None
        tol = float(tolerance) if tolerance else None
    except ValueError:
        from trace_std.errors import ErrorCode, TraceStdError

        raise TraceStdError.from_code(
            ErrorCode.AUDIT_OPTION_INVALID, "season is a year and tolerance a number", field="season"
        ) from None
    findings = run_audit(
        store.registry(), season=year, rules_=[r[:64] for r in rules_[:20]] or None, tolerance=tol
    )
    return json_response(
        {
            "status_wording": "needs inspection",
            "count": len(findings),
            "findings": [f.to_dict() for f in findings],
        }
    )
