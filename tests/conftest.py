"""Shared fixtures. Service-backed tests skip LOUDLY when the service is missing, and fail in CI."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(name: str, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a backing service is unavailable."""
    message = f"*** {name} UNAVAILABLE: {reason} — this test did NOT run ***"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)
