"""EPCIS 2.0 query (the REST binding's subset): ``GET /epcis/events`` and ``GET /epcis/events/{eventID}``.

Not public: a bearer token with scope ``events:read``. A party sees only the events it captured
(its token's name) unless the token also holds ``events:inspect``. Parameters are parsed by
:func:`trace_std.events.repository.query.parse_query` (an unknown or malformed one is a ``400``
problem document with the parameter as ``field``); the answer is an ``EPCISQueryDocument``, the
next page in a ``Link: <...>; rel="next"`` header (and ``GS1-Next-Page-Token``). Its own rate
limit (``RATELIMIT_EPCIS_QUERY``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, request

from api import store
from api.admin import authenticate
from api.epcis import check_versions, gs1_headers
from api.http import json_response
from api.problems import Problem, ProblemCode
from trace_std.events.repository import query as repo_query

bp = Blueprint("epcis_query", __name__, url_prefix="/epcis")
RATE_LIMITED = True
RATE_LIMIT_GROUP = "epcis-query"
RATE_LIMIT_CONFIG = "RATELIMIT_EPCIS_QUERY"
MEDIA = "application/ld+json"


def _party() -> str | None:
    token = authenticate("events:read")
    return None if token.has_scope("events:inspect") else str(token.name)


def _answer(body: dict[str, object]) -> Response:
    response = json_response(body)
    response.headers.update(gs1_headers())
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/events")
def events() -> Response:
    """Events matching the SimpleEventQuery parameters, oldest first, ``perPage`` at a time."""
    party = _party()
    check_versions()
    params = {name: ",".join(request.args.getlist(name)) for name in request.args}
    page = repo_query.query(store.registry(), repo_query.parse_query(params), party=party)
    response = _answer(page.document())
    if page.next_page_token is not None:
        following = {**params, "nextPageToken": page.next_page_token}
        response.headers["Link"] = f'</epcis/events?{urlencode(following)}>; rel="next"'
        response.headers["GS1-Next-Page-Token"] = page.next_page_token
    return response


@bp.get("/events/<path:event_id>")
def event(event_id: str) -> Response:
    """The event ``eventID`` (and the error declarations that correct it) as an EPCISQueryDocument."""
    party = _party()
    check_versions()
    found = repo_query.get_events(store.registry(), event_id, party=party)
    if not found:
        raise Problem(404, ProblemCode.NOT_FOUND, "no such event (or not one of yours)")
    return _answer(repo_query.query_document(found))
