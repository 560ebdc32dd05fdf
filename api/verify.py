"""``GET|POST /v1/verify``: any input (code, GTIN, element string, Digital Link, raw scan) → a Report.

A bad code is a successful verification: ``200`` with verdict ``malformed``. Only a request without
input (or with a bad ``on`` date) is a ``400``.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from api import params, store
from api.http import json_response, public
from api.problems import Problem, ProblemCode

bp = Blueprint("verify", __name__)
RATE_LIMITED = True

MAX_INPUT = 4096


def _verify(source: Any) -> Response:
    from trace_std.registry.verify import verify

    text = params.text("q", required=True, max_length=MAX_INPUT, source=source)
    assert text is not None
    report = verify(
        store.registry(),
        text,
        on=params.date("on", source=source),
        market=params.text("market", max_length=8, source=source),
    )
    return json_response(report.to_dict())


@bp.get("/v1/verify")
@public()
def verify_get() -> Response:
    """``?q=<input>&on=YYYY-MM-DD&market=CN``."""
    return _verify(request.args)


@bp.post("/v1/verify")
@public(cache=False)
def verify_post() -> Response:
    """JSON ``{"q": ..., "on": ..., "market": ...}``, a form, or the raw input as ``text/plain``."""
    if request.is_json:
        return _verify(params.json_object())
    if request.mimetype == "text/plain":
        return _verify({"q": request.get_data(as_text=True), **request.args.to_dict()})
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return _verify(request.form)
    raise Problem(415, ProblemCode.UNSUPPORTED_MEDIA_TYPE, "send JSON, a form or text/plain")
