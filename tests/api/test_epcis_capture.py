"""EPCIS capture over HTTP: 202 + Location, the capture job, scopes, behaviours, GS1 headers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import store
from tests.api.conftest import close_app, make_app
from tests.events.repo_data import CONTEXT, chain, document, document_bytes


@pytest.fixture
def epcis(write_app: Flask) -> Iterator[tuple[FlaskClient, Any]]:
    with write_app.app_context():
        registry = store.registry()
    yield write_app.test_client(), registry


def token(registry: Any, *scopes: str, name: str = "exporter-a") -> dict[str, str]:
    secret, _ = registry.create_token(name, list(scopes), actor="test-setup")
    return {"Authorization": f"Bearer {secret}"}


def post(client: FlaskClient, path: str, body: bytes, headers: dict[str, str], **extra: str) -> Any:
    return client.post(path, data=body, headers={**headers, **extra}, content_type="application/json")


def test_capture_a_document_then_read_its_job(epcis: tuple[FlaskClient, Any]) -> None:
    client, registry = epcis
    auth = token(registry, "events:capture")
    r = post(client, "/epcis/capture", document_bytes(2), auth, **{"GS1-EPCIS-Version": "2.0.0"})
    assert r.status_code == 202, r.get_json()
    assert r.headers["GS1-EPCIS-Version"] == "2.0.0" and r.headers["GS1-CBV-Version"] == "2.0.0"
    assert "trace-std.org/ns/vn-fresh-produce" in r.headers["GS1-Extensions"]
    location = r.headers["Location"]
    assert location.startswith("/epcis/capture/")
    job = client.get(location, headers=auth)
    assert job.status_code == 200
    body = job.get_json()
    assert (body["running"], body["success"], body["captureErrorBehaviour"]) == (False, True, "rollback")
    assert body["events"] == {"received": 8, "stored": 8, "duplicates": 0}
    again = post(client, "/epcis/capture", document_bytes(2), auth)
    assert again.get_json()["events"] == {"received": 8, "stored": 0, "duplicates": 8}
    # another party cannot read the job; an inspector can
    other = token(registry, "events:capture", name="exporter-b")
    assert client.get(location, headers=other).status_code == 404
    inspector = token(registry, "events:capture", "events:inspect", name="inspector")
    assert client.get(location, headers=inspector).status_code == 200


def test_one_event_endpoint(epcis: tuple[FlaskClient, Any]) -> None:
    client, registry = epcis
    auth = token(registry, "events:capture")
    event = json.dumps({"@context": CONTEXT, **chain(3)[0]}).encode()
    r = post(client, "/epcis/events", event, auth)
    assert r.status_code == 202 and r.get_json()["events"]["stored"] == 1
    r = post(client, "/epcis/events", document_bytes(1), auth)
    assert r.status_code == 202
    assert r.get_json()["success"] is False
    assert r.get_json()["errors"][0]["code"] == "epcis.capture.document_type"


def test_rollback_and_proceed(epcis: tuple[FlaskClient, Any]) -> None:
    client, registry = epcis
    auth = token(registry, "events:capture")
    doc = document(2)
    doc["epcisBody"]["eventList"][1]["bizStep"] = "transforming"
    body = json.dumps(doc).encode()
    r = post(client, "/epcis/capture", body, auth)
    assert r.status_code == 202
    job = r.get_json()
    assert (job["success"], job["events"]["stored"]) == (False, 0)
    assert [(e["code"], e["pointer"]) for e in job["errors"]] == [
        ("epcis.vocab.unknown", "/epcisBody/eventList/1/bizStep")
    ]
    r = post(client, "/epcis/capture", body, auth, **{"GS1-Capture-Error-Behaviour": "proceed"})
    assert r.get_json()["events"]["stored"] == 7 and r.get_json()["state"] == "partial"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "http.unauthorized"),
        ({"Authorization": "Bearer tst_nope"}, 401, "http.unauthorized"),
        ({"GS1-EPCIS-Version": "1.2"}, 406, "http.not_acceptable"),
        ({"GS1-CBV-Version": "9"}, 406, "http.not_acceptable"),
        ({"GS1-Capture-Error-Behaviour": "maybe"}, 400, "request.parameter.invalid"),
    ],
)
def test_refusals_are_problem_documents(
    epcis: tuple[FlaskClient, Any], headers: dict[str, str], status: int, code: str
) -> None:
    client, registry = epcis
    auth = {} if "Authorization" in headers or not headers else token(registry, "events:capture")
    r = post(client, "/epcis/capture", document_bytes(1), {**auth, **headers})
    assert r.status_code == status
    assert r.mimetype == "application/problem+json" and r.get_json()["code"] == code


def test_scope_and_media_type(epcis: tuple[FlaskClient, Any]) -> None:
    client, registry = epcis
    reader = token(registry, "events:read", name="reader")
    assert post(client, "/epcis/capture", document_bytes(1), reader).status_code == 403
    auth = token(registry, "events:capture")
    r = client.post("/epcis/capture", data=document_bytes(1), headers=auth, content_type="text/plain")
    assert r.status_code == 415


def test_a_body_over_the_limit_is_413_and_stores_nothing(fresh_database_url: str) -> None:
    app = make_app(fresh_database_url, EPCIS_CAPTURE_MAX_BYTES=10_000)
    try:
        with app.app_context():
            registry = store.registry()
        auth = token(registry, "events:capture")
        r = post(app.test_client(), "/epcis/capture", document_bytes(50), auth)
        assert r.status_code == 413 and r.get_json()["code"] == "http.payload_too_large"
        from trace_std.events.repository.query import count_events

        assert count_events(registry) == 0
    finally:
        close_app(app)


def test_capture_has_its_own_rate_limit(fresh_database_url: str) -> None:
    app = make_app(fresh_database_url, RATELIMIT_ENABLED=True, RATELIMIT_CAPTURE="2 per minute")
    try:
        with app.app_context():
            registry = store.registry()
        auth = token(registry, "events:capture")
        client = app.test_client()
        codes = [post(client, "/epcis/capture", document_bytes(1), auth).status_code for _ in range(3)]
        assert codes == [202, 202, 429]
        assert client.get("/v1/codes/VN-SLOR-0001").status_code != 429  # the public budget is untouched
    finally:
        close_app(app)


# -- query over HTTP ------------------------------------------------------------------------------
def test_query_sees_own_events_unless_inspector(epcis: tuple[FlaskClient, Any], validate: Any) -> None:
    client, registry = epcis
    a = token(registry, "events:capture", "events:read", name="exporter-a")
    b = token(registry, "events:capture", "events:read", name="exporter-b")
    inspector = token(registry, "events:read", "events:inspect", name="inspector")
    assert post(client, "/epcis/capture", document_bytes(3), a).status_code == 202
    assert post(client, "/epcis/capture", document_bytes(2, start=50), b).status_code == 202
    r = client.get("/epcis/events?EQ_bizStep=shipping", headers=a)
    assert r.status_code == 200 and r.headers["GS1-EPCIS-Version"] == "2.0.0"
    validate(r, "epcis-query-document")
    found = r.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert len(found) == 3
    r = client.get("/epcis/events?EQ_bizStep=shipping", headers=inspector)
    assert len(r.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 5
    event_id = quote(found[0]["eventID"], safe="")  # ni:///sha-256;...?ver=CBV2.0, percent-encoded
    assert client.get(f"/epcis/events/{event_id}", headers=a).status_code == 200
    assert client.get(f"/epcis/events/{event_id}", headers=b).status_code == 404
    assert client.get(f"/epcis/events/{event_id}", headers=inspector).status_code == 200
    capture_only = token(registry, "events:capture", name="device")
    assert client.get("/epcis/events", headers=capture_only).status_code == 403
    assert client.get("/epcis/events").status_code == 401


def test_query_pages_through_link_headers(epcis: tuple[FlaskClient, Any]) -> None:
    client, registry = epcis
    auth = token(registry, "events:capture", "events:read")
    post(client, "/epcis/capture", document_bytes(5), auth)
    url: str | None = "/epcis/events?perPage=6&eventType=ObjectEvent"
    seen = []
    while url:
        r = client.get(url, headers=auth)
        assert r.status_code == 200
        seen += r.get_json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
        link = r.headers.get("Link")
        url = link[1 : link.index(">")] if link else None
    assert len(seen) == 15 and len({e["eventID"] for e in seen}) == 15


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("GE_eventTime=not-a-date", "epcis.query.parameter_invalid"),
        ("EQ_nothing=1", "epcis.query.parameter_unknown"),
        ("MATCH_epc=" + "9" * 20_000, "epcis.query.parameter_invalid"),
        ("nextPageToken=%27%3B+DROP+TABLE+epcis_events%3B--", "epcis.query.page_token"),
    ],
)
def test_hostile_queries_are_problem_documents(epcis: tuple[FlaskClient, Any], query: str, code: str) -> None:
    client, registry = epcis
    auth = token(registry, "events:read")
    r = client.get(f"/epcis/events?{query}", headers=auth)
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    assert r.get_json()["code"] == code
    assert client.get("/epcis/events?EQ_bizStep=%27+OR+1%3D1--", headers=auth).status_code == 200


# -- genealogy over HTTP --------------------------------------------------------------------------
def test_trace_for_inspectors(epcis: tuple[FlaskClient, Any], validate: Any) -> None:
    from tests.events.repo_data import gtin, sscc

    client, registry = epcis
    exporter = token(registry, "events:capture", "events:read", name="exporter-a")
    inspector = token(registry, "events:read", "events:inspect", name="inspector")
    post(client, "/epcis/capture", document_bytes(3), exporter)
    assert client.get(f"/v1/trace?sscc={sscc(1)}", headers=exporter).status_code == 403
    r = client.get(f"/v1/trace?sscc={sscc(1)}", headers=inspector)
    assert r.status_code == 200, r.get_json()
    body = validate(r, "trace")
    assert body["plantingAreas"] == ["VN-SLOR-0002"] and body["packingHouses"] == ["VN-SLPH-001"]
    r = client.get(f"/v1/trace?gtin={gtin(1)}&lot=L0000001&direction=forward&format=svg", headers=inspector)
    assert r.status_code == 200 and r.mimetype == "image/svg+xml" and b"<svg" in r.data
    r = client.get(f"/v1/trace?gtin={gtin(1)}&lot=L0000001&format=html", headers=inspector)
    assert r.status_code == 200 and r.mimetype == "text/html" and b"VN-SLOR-0002" in r.data
    for query in (
        "sscc=12",
        "lot=L1",
        "since=yesterday&direction=forward",
        "zzz=1",
        "format=pdf",
        "epc=" + "x" * 700,
    ):
        r = client.get(f"/v1/trace?{query}", headers=inspector)
        assert r.status_code == 400 and r.mimetype == "application/problem+json", query
