"""Public lookup of registered PUC/PHC codes: ``GET /v1/codes/{code}`` and the paginated search."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from api import params, store
from api.http import json_response, public
from api.problems import Problem, ProblemCode
from api.serialise import plain

bp = Blueprint("codes", __name__)
RATE_LIMITED = True


@bp.get("/v1/codes/<path:code>")
@public()
def get_code(code: str) -> Response:
    """One code with status, market approvals and status history (any accepted spelling finds it)."""
    record = store.registry().get_code(code)
    if record is None:
        raise Problem(404, ProblemCode.CODE_NOT_FOUND, "no registered code matches")
    return json_response(record.to_dict())  # JSON-ready already: no second walk through plain()


@bp.get("/v1/codes")
@public()
def search_codes() -> Response:
    """Search by province, crop, market, status and free text; ``page`` counts from 1."""
    page = store.registry().search(
        province=params.text("province", max_length=100),
        crop=params.text("crop", max_length=100),
        market=params.text("market", max_length=8),
        status=params.text("status", max_length=16),
        q=params.text("q", max_length=200),
        after=params.text("after", max_length=64),
        page=params.integer("page", default=1, maximum=100_000),
        per_page=params.integer("per_page", default=int(current_app.config["SEARCH_PAGE_SIZE"]), maximum=200),
    )
    return json_response(plain(page))
