"""Admin endpoints: bearer tokens with scopes, create/update, suspend/revoke, import; who is recorded."""

from __future__ import annotations

import copy
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import store


@pytest.fixture
def admin(write_app: Flask) -> Iterator[tuple[FlaskClient, Any]]:
    with write_app.app_context():
        registry = store.registry()
    yield write_app.test_client(), registry


def token(registry: Any, *scopes: str, name: str = "clerk") -> dict[str, str]:
    secret, _ = registry.create_token(name, list(scopes), actor="test-setup")
    return {"Authorization": f"Bearer {secret}"}


def sample_record(code: str) -> dict[str, Any]:
    from trace_std.registry.sample import sample_path

    data = json.loads(Path(sample_path()).read_text("utf-8"))
    record = copy.deepcopy(next(c for c in data["codes"] if c["code"] == code))
    return dict(record)


def an_export_code(registry: Any) -> str:
    code: str = registry.search(kind="puc", status="active", market="CN", per_page=1).items[0].code
    return code


def test_missing_bad_and_revoked_tokens_are_401(admin: Any, problem: Any) -> None:
    client, registry = admin
    body = {"status": "suspended", "reason": "x"}
    code = an_export_code(registry)
    url = f"/v1/admin/codes/{code}/status"
    response = client.post(url, json=body)
    problem(response, 401, "http.unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    problem(
        client.post(url, json=body, headers={"Authorization": "Bearer tst_nope"}), 401, "http.unauthorized"
    )
    problem(client.post(url, json=body, headers={"Authorization": "Basic abc"}), 401, "http.unauthorized")
    headers = token(registry, "codes:status", name="leaver")
    registry.revoke_token("leaver", actor="test-setup")
    problem(client.post(url, json=body, headers=headers), 401, "http.unauthorized")
    assert registry.get_code(code).status == "active"


def test_token_without_the_scope_is_403(admin: Any, problem: Any) -> None:
    client, registry = admin
    code = an_export_code(registry)
    headers = token(registry, "registry:import")
    response = client.post(f"/v1/admin/codes/{code}/status", json={"status": "revoked", "reason": "x"},
                           headers=headers)  # fmt: skip
    problem(response, 403, "http.forbidden")
    assert registry.get_code(code).status == "active"


def test_suspend_and_revoke_record_reason_document_and_who(admin: Any, validate: Any) -> None:
    client, registry = admin
    code = an_export_code(registry)
    headers = token(registry, "codes:status", name="inspector-7")
    for status, doc in (("suspended", "CV-12/BVTV"), ("revoked", "QĐ-88/BVTV")):
        response = client.post(
            f"/v1/admin/codes/{code}/status",
            json={"status": status, "reason": f"{status} by test", "legal_doc": doc},
            headers=headers,
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        body = validate(response, "code-record")
        assert body["status"] == status
        event = body["history"][-1]
        assert (event["to"], event["legal_doc"], event["recorded_by"]) == (status, doc, "token:inspector-7")
    audit = client.get("/v1/admin/audit", headers=token(registry, "admin", name="boss"))
    entries = validate(audit, "audit-log")["items"]
    assert [e["action"] for e in entries if e["actor"] == "token:inspector-7"][:2] == ["code.status"] * 2


def test_status_errors(admin: Any, problem: Any) -> None:
    client, registry = admin
    code = an_export_code(registry)
    headers = token(registry, "codes:status")
    url = f"/v1/admin/codes/{code}/status"
    problem(client.post(url, json={"status": "active", "reason": "x"}, headers=headers), 409,
            "registry.status.unchanged")  # fmt: skip
    problem(client.post(url, json={"status": "gone", "reason": "x"}, headers=headers), 422,
            "registry.status.invalid")  # fmt: skip
    problem(client.post(url, json={"status": "suspended"}, headers=headers), 400, "request.parameter.invalid")
    problem(client.post(url, data="x", headers=headers), 400, "request.body.invalid")
    prefix, _, serial = code.rpartition("-")
    missing = f"{prefix}-{'9' * len(serial)}"
    problem(client.post(f"/v1/admin/codes/{missing}/status", json={"status": "revoked", "reason": "x"},
                        headers=headers), 404, "registry.code.not_found")  # fmt: skip


def test_create_and_update_a_code(admin: Any, validate: Any) -> None:
    client, registry = admin
    headers = token(registry, "codes:write", name="registrar")
    source = an_export_code(registry)
    record = sample_record(source)
    prefix, _, serial = source.rpartition("-")
    new_code = f"{prefix}-{'9' * len(serial)}"
    record.update(code=new_code, history=[], status="active")
    record.pop("status_since", None)
    created = client.post("/v1/admin/codes", json=record, headers=headers)
    assert created.status_code == 201, created.get_data(as_text=True)
    body = validate(created, "admin-write")
    assert body["outcome"] == "created" and body["code"]["code"] == new_code
    public = client.get(f"/v1/codes/{new_code}")
    assert validate(public, "code-record")["code"] == new_code

    again = client.put(f"/v1/admin/codes/{new_code}", json=record, headers=headers)
    assert again.status_code == 200 and validate(again, "admin-write")["outcome"] == "unchanged"
    changed = client.put(f"/v1/admin/codes/{new_code}", json={**record, "households": 99}, headers=headers)
    body = validate(changed, "admin-write")
    assert body["outcome"] == "updated" and body["code"]["households"] == 99
    actors = {e.actor for e in registry.audit_log(limit=10)}
    assert "token:registrar" in actors


def test_create_with_bad_values_is_a_problem(admin: Any, problem: Any) -> None:
    client, registry = admin
    headers = token(registry, "codes:write")
    response = client.post("/v1/admin/codes", json={"code": "not a code", "kind": "puc"}, headers=headers)
    body = problem(response, response.status_code)
    assert response.status_code in (400, 422) and body["errors"]


def _import(client: FlaskClient, headers: dict[str, str], payload: bytes, name: str, query: str = "") -> Any:
    data = {"file": (io.BytesIO(payload), name)}
    return client.post(
        f"/v1/admin/import{query}", data=data, headers=headers, content_type="multipart/form-data"
    )


def test_import_is_idempotent_and_all_or_nothing(admin: Any, validate: Any, problem: Any) -> None:
    from trace_std.registry.sample import sample_path

    client, registry = admin
    headers = token(registry, "registry:import", name="importer")
    payload = Path(sample_path()).read_bytes()
    response = _import(client, headers, payload, "sample.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = validate(response, "import-report")
    assert body["ok"] and body["applied"] is True  # applied, even though it changed nothing
    assert sum(body["created"].values()) == 0 and sum(body["updated"].values()) == 0  # already loaded

    data = json.loads(payload)
    before = registry.count()
    target = data["codes"][0]["code"]
    before_record = registry.get_code(target).to_dict()
    data["codes"][0]["households"] = 12345  # a good change ...
    data["codes"][1]["kind"] = "nonsense"  # ... and a bad row: nothing may change
    bad = _import(client, headers, json.dumps(data).encode(), "bad.json")
    body = problem(bad, 422, "admin.import.rejected")
    assert body["errors"] and validate_report(body["report"])
    assert registry.count() == before
    assert registry.get_code(target).to_dict() == before_record


def validate_report(report: dict[str, Any]) -> bool:
    from tests.api.conftest import schema_errors

    assert not schema_errors(report, "import-report")
    return not report["ok"]


def test_import_dry_run_writes_nothing(admin: Any, validate: Any) -> None:
    from trace_std.registry.sample import sample_path

    client, registry = admin
    headers = token(registry, "registry:import")
    data = json.loads(Path(sample_path()).read_bytes())
    code = data["codes"][0]["code"]
    data["codes"][0]["households"] = 4321
    response = _import(client, headers, json.dumps(data).encode(), "change.json", "?dry_run=true")
    body = validate(response, "import-report")
    assert body["dry_run"] and sum(body["updated"].values()) >= 1
    assert registry.get_code(code).households != 4321
    applied = _import(client, headers, json.dumps(data).encode(), "change.json")
    assert validate(applied, "import-report")["ok"]
    assert registry.get_code(code).households == 4321


def test_import_needs_a_file(admin: Any, problem: Any) -> None:
    client, registry = admin
    headers = token(registry, "registry:import")
    problem(client.post("/v1/admin/import", data=b"x", headers=headers, content_type="application/zip"), 415)


def test_deeply_nested_json_import_is_a_problem_document(admin: Any, problem: Any) -> None:
    """Issue 17.10: a JSON import nested deeper than the decoder gave a 500 (RecursionError)."""
    client, registry = admin
    headers = token(registry, "registry:import", name="deep")
    payload = b'{"codes": [' + b"[" * 5000 + b"]" * 5000 + b"]}"
    response = _import(client, headers, payload, "deep.json")
    problem(response, 422, "registry.import.unreadable")


def test_admin_write_waiting_on_an_import_is_503_with_retry_after(
    admin: Any, problem: Any, fresh_database_url: str
) -> None:
    """Issue 17.13: the write used to wait on the import's lock until gunicorn killed the worker."""
    from tests.registry.conftest import holding_write_lock

    client, registry = admin
    headers = token(registry, "codes:status", name="clerk-busy")
    code = registry.search(per_page=1).items[0].code
    body = {"status": "suspended", "reason": "inspection"}
    with holding_write_lock(fresh_database_url):
        response = client.post(f"/v1/admin/codes/{code}/status", json=body, headers=headers)
        problem(response, 503, "registry.busy")
        assert int(response.headers["Retry-After"]) > 0
        assert client.get("/v1/codes/" + code).status_code == 200  # the breaker stays closed
    response = client.post(f"/v1/admin/codes/{code}/status", json=body, headers=headers)
    assert response.status_code == 200


def test_import_accepts_json_lines(admin: Any, validate: Any, problem: Any, tmp_path: Path) -> None:
    """Issue 16: the JSON Lines export imports again, as a body or as a ``.jsonl`` upload."""
    client, registry = admin
    out = tmp_path / "registry.jsonl"
    registry.export("jsonl", out)
    headers = token(registry, "registry:import", name="jsonl")
    body = validate(
        client.post(
            "/v1/admin/import", data=out.read_bytes(), headers=headers, content_type="application/jsonl"
        ),
        "import-report",
    )
    assert body["ok"] and body["format"] == "jsonl"
    assert sum(body["created"].values()) == sum(body["updated"].values()) == 0
    bad = out.read_bytes() + b'{"record": "code", "code": "VN-DTOR-0001", "kind": "nonsense"}\n'
    body = problem(_import(client, headers, bad, "bad.jsonl"), 422, "admin.import.rejected")
    assert body["report"]["format"] == "jsonl" and body["errors"]
