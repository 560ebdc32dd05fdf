"""``/v1/openapi.json`` (OpenAPI 3.1) and the browsable docs at ``/docs`` (served from the package,
no CDN: a small page and script in ``api/static/`` that render the OpenAPI document)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Blueprint, Response, current_app

from api.http import base_url, json_response, public
from api.openapi import document

bp = Blueprint("docs", __name__, static_folder="static", static_url_path="/docs/static")
RATE_LIMITED = False

DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


@bp.get("/v1/openapi.json")
@public()
def openapi() -> Response:
    """The OpenAPI 3.1 document."""
    return json_response(document(base_url()))


@bp.get("/docs")
@public()
def docs() -> Response:
    """The browsable API documentation."""
    response = current_app.response_class(_page(), mimetype="text/html")
    response.headers["Content-Security-Policy"] = DOCS_CSP
    return response


@cache
def _page() -> str:
    return (Path(__file__).parent / "static" / "docs.html").read_text("utf-8")
