"""Service metadata: ``/v1/meta`` and the trivial ``/v1/ping``."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Blueprint, Response

from api.http import json_response, public
from trace_std import __version__

bp = Blueprint("meta", __name__)
RATE_LIMITED = True


@cache
def _meta() -> dict[str, Any]:
    from trace_std import data

    return {
        "service": "trace-std",
        "version": __version__,
        "api_version": "v1",
        "data_versions": {name: data.data_version(name) for name in data.available()},
    }


@bp.get("/v1/meta")
@public()
def meta() -> Response:
    """Library and data versions, so every answer can be reproduced."""
    return json_response(_meta())


@bp.get("/v1/ping")
@public(cache=False)
def ping() -> Response:
    """A trivial JSON answer (the benchmark's baseline)."""
    return json_response({"status": "ok"})
