"""Probes for orchestrators (not rate limited): ``/healthz`` (alive) and ``/readyz`` (database answers)."""

from __future__ import annotations

from flask import Blueprint, Response

from api import store
from api.http import json_response

bp = Blueprint("probes", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """Liveness: the process answers."""
    return json_response({"status": "ok"})


@bp.get("/readyz")
def readyz() -> Response:
    """Readiness: the registry database answers (503 otherwise)."""
    return json_response({"status": "ready", "database": store.registry().health()})
