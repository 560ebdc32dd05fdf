"""Admin endpoints under ``/v1/admin/`` (bearer token with a scope; every write records who).

Tokens are made with ``trace-std token create --scope ...`` and checked by
:meth:`trace_std.registry.Registry.verify_token` (stored hashed, revocable). A missing or unknown
token is ``401``; a token without the needed scope is ``403``. The actor recorded in the history
and audit log is ``token:<name>``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from api import bodies, params, store
from api.http import clear_caches, json_response
from api.problems import Problem, ProblemCode
from api.serialise import plain

bp = Blueprint("admin", __name__, url_prefix="/v1/admin")
RATE_LIMITED = False

_BEARER = {"WWW-Authenticate": 'Bearer realm="trace-std admin"'}


def authenticate(scope: str) -> Any:
    """The request's bearer token (a :class:`~trace_std.registry.records.TokenRecord`) holding
    ``scope``: ``401`` without a known, unrevoked token, ``403`` without the scope."""
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(401, ProblemCode.UNAUTHORIZED, "a bearer token is required", headers=_BEARER)
    token = store.registry().verify_token(secret.strip())
    if token is None:
        raise Problem(401, ProblemCode.UNAUTHORIZED, "the token is unknown or revoked", headers=_BEARER)
    if not token.has_scope(scope):
        raise Problem(403, ProblemCode.FORBIDDEN, f"the token lacks the scope '{scope}'")
    return token


def _actor(scope: str) -> str:
    """Authenticate the request for ``scope``; returns the actor name to record."""
    return f"token:{authenticate(scope).name}"


def _written(body: Any, status: int = 200) -> Response:
    clear_caches()  # the API's answers and the website's reports
    return json_response(plain(body), status)


@bp.post("/codes")
def create_code() -> Response:
    """Create (or update) a code from an open-data record; ``201`` when created."""
    actor = _actor("codes:write")
    outcome, record = store.registry().upsert_code(params.json_object(), actor=actor)
    return _written({"outcome": outcome, "code": record}, 201 if outcome == "created" else 200)


@bp.put("/codes/<path:code>")
def update_code(code: str) -> Response:
    """Update a code from an open-data record (the path names the code)."""
    actor = _actor("codes:write")
    outcome, record = store.registry().upsert_code({**params.json_object(), "code": code}, actor=actor)
    return _written({"outcome": outcome, "code": record}, 201 if outcome == "created" else 200)


@bp.post("/codes/<path:code>/status")
def set_status(code: str) -> Response:
    """Suspend, revoke or reactivate: ``{"status", "reason", "legal_doc", "on"}``."""
    actor = _actor("codes:status")
    body = params.json_object()
    status = params.text("status", required=True, max_length=16, source=body)
    reason = params.text("reason", required=True, max_length=2000, source=body)
    assert status is not None and reason is not None
    record = store.registry().set_status(
        code,
        status,
        reason=reason,
        legal_doc=params.text("legal_doc", max_length=200, source=body),
        on=params.date("on", source=body),
        actor=actor,
    )
    return _written(record)


@bp.post("/import")
def import_file() -> Response:
    """Import an open-data file (multipart ``file`` or a JSON, JSON Lines or CSV body), all or nothing.

    ``?dry_run=true`` checks without writing. A file with bad rows changes nothing: ``422`` with
    every bad row in ``errors`` and the import report in ``report``.
    """
    actor = _actor("registry:import")
    dry_run = request.args.get("dry_run", "").lower() in ("1", "true", "yes")
    source, fmt, _name = bodies.source(
        "file", types={"application/json": "json", "application/jsonl": "jsonl", "text/csv": "csv"}
    )
    report = store.registry().import_file(source, actor=actor, dry_run=dry_run, format=fmt)
    body = plain(report)
    if not report.ok:
        raise Problem(
            422,
            ProblemCode.IMPORT_REJECTED,
            "the file has bad rows; nothing was imported",
            errors=body.get("issues", []),
            extra={"report": body},
        )
    return _written(body)


@bp.get("/audit")
def audit() -> Response:
    """The latest writes (who, what, when); scope ``admin``."""
    _actor("admin")
    entries = store.registry().audit_log(limit=params.integer("limit", default=100, maximum=1000))
    return json_response({"items": plain(entries)})


@bp.post("/authorisations")
def upsert_authorisation() -> Response:
    """Create or update a holder's authorisation (``ref`` is the key); ``201`` when created."""
    from trace_std.audit.authorisations import upsert_authorisation as upsert

    actor = _actor("authorisations:write")
    outcome, record = upsert(store.registry(), params.json_object(), actor=actor)
    return _written(
        {"outcome": outcome, "authorisation": record.to_dict()}, 201 if outcome == "created" else 200
    )


@bp.post("/authorisations/<path:ref>/status")
def authorisation_status(ref: str) -> Response:
    """Suspend, revoke or reactivate an authorisation: ``{"status", "reason", "on"}``."""
    from trace_std.audit.authorisations import set_authorisation_status

    actor = _actor("authorisations:write")
    body = params.json_object()
    status = params.text("status", required=True, max_length=16, source=body)
    reason = params.text("reason", required=True, max_length=2000, source=body)
    assert status is not None and reason is not None
    record = set_authorisation_status(
        store.registry(), ref, status, reason=reason, actor=actor, on=params.date("on", source=body)
    )
    return _written({"authorisation": record.to_dict()})


@bp.get("/authorisations")
def list_authorisations() -> Response:
    """Authorisations of a PUC and/or a PHC (``?puc=``, ``?phc=``); scope ``inspector``."""
    from trace_std.audit.authorisations import list_authorisations as listed

    _actor("inspector")
    records = listed(
        store.registry(),
        puc=params.text("puc", max_length=64),
        phc=params.text("phc", max_length=64),
        limit=params.integer("limit", default=100, maximum=1000),
    )
    return json_response({"items": [r.to_dict() for r in records]})
