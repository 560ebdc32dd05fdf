"""GET /v1/audit (scope inspector) and the admin authorisation endpoints (scopes)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import store
from tests.api.test_admin import token
from tests.audit import scenario as S


@pytest.fixture
def admin(write_app: Flask) -> Iterator[tuple[FlaskClient, Any]]:
    with write_app.app_context():
        registry = store.registry()
    yield write_app.test_client(), registry


def test_audit_needs_the_inspector_scope(admin: Any) -> None:
    client, registry = admin
    S.build(registry)
    S.declare(registry, S.line(S.A, kg=260_000, lot="OVER"))
    assert client.get("/v1/audit").status_code == 401
    assert client.get("/v1/audit", headers=token(registry, "codes:write")).status_code == 403
    headers = token(registry, "inspector", name="inspector")
    body = client.get("/v1/audit?season=2025", headers=headers).get_json()
    assert [f["code"] for f in body["findings"]] == ["audit.over_yield"]
    assert body["findings"][0]["status"] == "needs inspection"
    for query, code in (
        ("season=abc", "audit.option.invalid"),
        ("rule=nope", "audit.rule.unknown"),
        ("tolerance=0", "audit.option.invalid"),
    ):
        r = client.get(f"/v1/audit?{query}", headers=headers)
        assert r.status_code in (400, 422) and r.get_json()["code"] == code


def test_authorisations_through_the_admin_api(admin: Any) -> None:
    client, registry = admin
    S.build(registry)
    writer = token(registry, "authorisations:write", name="holder")
    record = {"ref": "UQ-NEW", "puc": S.A, "phc": S.Q, "crops": ["durian"], "valid_from": "2025-01-01"}
    assert client.post("/v1/admin/authorisations", json=record).status_code == 401
    assert (
        client.post(
            "/v1/admin/authorisations", json=record, headers=token(registry, "codes:write")
        ).status_code
        == 403
    )
    r = client.post("/v1/admin/authorisations", json=record, headers=writer)
    assert r.status_code == 201 and r.get_json()["authorisation"]["phc"] == S.Q
    bad = client.post("/v1/admin/authorisations", json={**record, "valid_to": "2024-01-01"}, headers=writer)
    assert bad.status_code == 422 and bad.get_json()["code"] == "registry.authorisation.invalid"
    r = client.post(
        "/v1/admin/authorisations/UQ-NEW/status",
        json={"status": "revoked", "reason": "withdrawn"},
        headers=writer,
    )
    assert r.status_code == 200 and r.get_json()["authorisation"]["status"] == "revoked"
    assert (
        client.post(
            "/v1/admin/authorisations/NOPE/status", json={"status": "revoked", "reason": "x"}, headers=writer
        ).status_code
        == 404
    )
    listed = client.get(
        f"/v1/admin/authorisations?puc={S.A}", headers=token(registry, "inspector", name="insp")
    ).get_json()
    assert "UQ-NEW" in [a["ref"] for a in listed["items"]]
    assert client.get(f"/v1/admin/authorisations?puc={S.A}", headers=writer).status_code == 403
