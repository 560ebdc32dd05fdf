"""EPCIS 2.0 capture (the REST binding's subset): ``POST /epcis/capture``, ``POST /epcis/events``,
``GET /epcis/capture/{id}``.

Bearer token with scope ``events:capture``; the party recorded for the events is the token's name.
The body is read whole (``413`` past ``EPCIS_CAPTURE_MAX_BYTES``) and handed to
:func:`trace_std.events.repository.capture`, which validates and stores it in one transaction. The
answer is ``202`` with the ``Location`` of the capture job; the job says what was kept and why not.
Headers: ``GS1-Capture-Error-Behaviour`` (``rollback``, the default, or ``proceed``),
``GS1-EPCIS-Version`` / ``GS1-CBV-Version`` (``2.0.0``; another version is ``406``),
``GS1-Extensions`` (answered with the extensions this repository indexes); ``?profile=vn-fresh-produce``
adds that profile's rules. Capture has its own rate limit (``RATELIMIT_CAPTURE``), apart from the
public endpoints' budget.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request

from api import bodies, store
from api.admin import authenticate
from api.http import json_response
from api.problems import Problem, ProblemCode
from trace_std.events import repository

bp = Blueprint("epcis_capture", __name__, url_prefix="/epcis")
RATE_LIMITED = True
RATE_LIMIT_GROUP = "epcis-capture"
RATE_LIMIT_CONFIG = "RATELIMIT_CAPTURE"

VERSIONS = ("2.0.0", "2.0")
JSON_TYPES = {"application/json": "json", "application/ld+json": "json"}


def gs1_headers() -> dict[str, str]:
    """The GS1 headers of every EPCIS answer."""
    return {
        "GS1-EPCIS-Version": "2.0.0",
        "GS1-CBV-Version": "2.0.0",
        "GS1-Extensions": f"vn={repository.VN_NAMESPACE}",
    }


def check_versions() -> None:
    """``406`` for a ``GS1-EPCIS-Version`` or ``GS1-CBV-Version`` other than 2.0.0."""
    for header in ("GS1-EPCIS-Version", "GS1-CBV-Version"):
        value = request.headers.get(header)
        if value is not None and value.strip() not in VERSIONS:
            raise Problem(
                406,
                ProblemCode.NOT_ACCEPTABLE,
                f"{header}: this repository speaks 2.0.0",
                headers=gs1_headers(),
            )


def _capture(*, bare_event: bool) -> Response:
    token = authenticate("events:capture")
    check_versions()
    behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "rollback").strip().lower()
    if behaviour not in repository.BEHAVIOURS:
        raise Problem(
            400,
            ProblemCode.INVALID_PARAMETER,
            "GS1-Capture-Error-Behaviour must be rollback or proceed",
            errors=[{"code": str(ProblemCode.INVALID_PARAMETER), "pointer": "GS1-Capture-Error-Behaviour"}],
        )
    profile = request.args.get("profile")
    if profile not in (None, "vn-fresh-produce", "fsma204"):
        raise Problem(400, ProblemCode.INVALID_PARAMETER, "profile must be vn-fresh-produce or fsma204")
    if request.mimetype not in JSON_TYPES:
        raise Problem(415, ProblemCode.UNSUPPORTED_MEDIA_TYPE, "send application/json or application/ld+json")
    data = bodies.body(int(current_app.config["EPCIS_CAPTURE_MAX_BYTES"]))
    try:
        job = repository.capture(
            store.registry(),
            data,
            party=token.name,
            behaviour=behaviour,
            profile=profile,
            bare_event=bare_event,
        )
    except ValueError as exc:  # a profile the validator does not know (yet)
        if type(exc) is not ValueError:
            raise
        raise Problem(400, ProblemCode.INVALID_PARAMETER, str(exc)) from None
    response = json_response(job.as_dict(), 202)
    response.headers["Location"] = f"/epcis/capture/{job.id}"
    response.headers.update(gs1_headers())
    return response


@bp.post("/capture")
def capture_document() -> Response:
    """Capture an ``EPCISDocument``: ``202`` and the capture job (its ``Location``)."""
    return _capture(bare_event=False)


@bp.post("/events")
def capture_event() -> Response:
    """Capture one event: ``202`` and the capture job (its ``Location``)."""
    return _capture(bare_event=True)


@bp.get("/capture/<job_id>")
def capture_job(job_id: str) -> Response:
    """A capture job of the token's party (an inspector sees every party's jobs)."""
    token = authenticate("events:capture")
    job = repository.capture_job(store.registry(), job_id)
    if job is None or (job.party != token.name and not token.has_scope("events:inspect")):
        raise Problem(404, ProblemCode.NOT_FOUND, "no such capture job")
    response = json_response(job.as_dict())
    response.headers.update(gs1_headers())
    return response
