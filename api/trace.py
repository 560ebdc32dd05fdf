"""Lot genealogy for inspectors: ``GET /v1/trace`` (JSON, ``format=svg`` a picture of the graph,
``format=html`` an inspector page with the picture and the events).

Scope ``events:inspect``: a trace crosses every party's events. Parameters: ``gtin`` + ``lot`` or
``epc`` (an SSCC or a carton, any spelling; ``sscc`` takes the 18 digits), or, forward only, ``puc``
and/or ``since``/``until`` (RFC 3339); ``direction`` ``backward`` (default) or ``forward``. The walk
is :func:`trace_std.events.repository.genealogy.trace` (recursive SQL).
"""

from __future__ import annotations

from html import escape

from flask import Blueprint, Response, request

from api import store
from api.admin import authenticate
from api.http import json_response
from api.problems import Problem, ProblemCode
from trace_std.events._syntax import parse_time
from trace_std.events.repository import genealogy
from trace_std.events.repository.query import micros_time

bp = Blueprint("trace", __name__, url_prefix="/v1")
RATE_LIMITED = True
RATE_LIMIT_GROUP = "epcis-query"
RATE_LIMIT_CONFIG = "RATELIMIT_EPCIS_QUERY"
KNOWN = frozenset({"gtin", "lot", "epc", "sscc", "puc", "since", "until", "direction", "format"})


def _arg(name: str, limit: int = 600) -> str | None:
    value = request.args.get(name)
    if value is not None and (len(value) > limit or "\x00" in value):
        raise Problem(400, ProblemCode.INVALID_PARAMETER, f"{name}: at most {limit} characters",
                      errors=[{"code": ProblemCode.INVALID_PARAMETER.value, "field": name}])  # fmt: skip
    return value


def _time(name: str):  # type: ignore[no-untyped-def]
    value = _arg(name, 40)
    if value is None:
        return None
    micros = parse_time(value.strip())
    if micros is None:
        raise Problem(400, ProblemCode.INVALID_PARAMETER, f"{name}: an RFC 3339 timestamp with an offset",
                      errors=[{"code": ProblemCode.INVALID_PARAMETER.value, "field": name}])  # fmt: skip
    return micros_time(micros)


@bp.get("/trace")
def trace() -> Response:
    """Backward from a lot or SSCC to its harvests, planting areas and packing houses; forward from a
    lot, planting area or date range to every carton, pallet, shipment and destination."""
    authenticate("events:inspect")
    unknown = sorted(set(request.args) - KNOWN)
    if unknown:
        name = unknown[0][:100]
        raise Problem(
            400,
            ProblemCode.INVALID_PARAMETER,
            f"unknown parameter {name!r}",
            errors=[{"code": ProblemCode.INVALID_PARAMETER.value, "field": name}],
        )
    fmt = _arg("format", 10) or "json"
    if fmt not in ("json", "svg", "html"):
        raise Problem(400, ProblemCode.INVALID_PARAMETER, "format: json, svg or html")
    epc = _arg("epc")
    sscc = _arg("sscc", 18)
    if sscc is not None:
        if not (sscc.isascii() and sscc.isdigit() and len(sscc) == 18):
            raise Problem(400, ProblemCode.INVALID_PARAMETER, "sscc: 18 digits")
        epc = f"https://id.gs1.org/00/{sscc}"
    result = genealogy.trace(
        store.registry(),
        direction=_arg("direction", 10) or "backward",
        gtin=_arg("gtin", 14),
        lot=_arg("lot", 20),
        epc=epc,
        puc=_arg("puc", 64),
        since=_time("since"),
        until=_time("until"),
    )
    if fmt == "svg":
        response = Response(genealogy.svg(result), mimetype="image/svg+xml")
    elif fmt == "html":
        response = Response(_page(result), mimetype="text/html")
    else:
        response = json_response(result.as_dict())
    response.headers["Cache-Control"] = "no-store"
    return response


def _page(result: genealogy.Trace) -> str:
    rows = "".join(
        f"<tr><td>{escape(e['eventTime'])}</td><td>{escape(e['type'])}</td>"
        f"<td>{escape(e['bizStep'] or '')}</td>"
        f"<td>{escape(e['bizLocation'] or '')}</td><td>{escape(e['party'])}</td></tr>"
        for e in result.events
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Trace</title></head><body>'
        f"<h1>{escape(result.direction.capitalize())} trace</h1>"
        f"<p>Planting areas: {escape(', '.join(result.planting_areas) or '-')}. "
        f"Packing houses: {escape(', '.join(result.packing_houses) or '-')}. "
        f"Destinations: {escape(', '.join(result.destinations) or '-')}.</p>"
        f"<figure>{genealogy.svg(result)}</figure>"
        "<table><thead><tr><th>time</th><th>event</th><th>business step</th><th>location</th><th>party</th>"
        f"</tr></thead><tbody>{rows}</tbody></table></body></html>"
    )
