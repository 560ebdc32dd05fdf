"""The Host header is never written into an answer (issue 17, item 9), verification answers are
revalidated and never served stale (item 12).

Before the fix, without ``PUBLIC_BASE_URL`` a forged ``Host`` went into the resolver's 307
``Location``, its ``Link``, the linkset anchors and the OpenAPI ``servers``, and the 307 was
cacheable for 60 s: one request could poison a shared cache.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from tests.api.conftest import close_app, make_app

EVIL = "evil.example"
GTIN_PATH = "/01/08936000120016/10/SL250812A"


def _answers(client: Any, host: str) -> dict[str, Any]:
    """The answers that name the service's own URL, asked with ``Host: host``."""
    headers = {"Host": host}
    return {
        "redirect": client.get(f"{GTIN_PATH}?linkType=gs1:pip", headers=headers),
        "default": client.get(GTIN_PATH, headers=headers),
        "linkset": client.get(f"{GTIN_PATH}?linkType=linkset", headers=headers),
        "report": client.get(GTIN_PATH, headers={**headers, "Accept": "application/json"}),
        "openapi": client.get("/v1/openapi.json", headers=headers),
        "description": client.get("/.well-known/gs1resolver", headers=headers),
    }


@pytest.fixture
def allowed_app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url, ALLOWED_HOSTS="id.example.vn, .trace.example.vn")
    yield app
    close_app(app)


def test_a_host_outside_allowed_hosts_is_refused(allowed_app: Flask, problem: Any) -> None:
    client = allowed_app.test_client()
    for name, response in _answers(client, EVIL).items():
        problem(response, 400, "http.host_not_allowed")
        assert EVIL not in json.dumps(dict(response.headers)), name
    assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200  # probes by address
    for host in ("id.example.vn", "id.example.vn:8443", "a.trace.example.vn"):
        response = client.get(f"{GTIN_PATH}?linkType=gs1:pip", headers={"Host": host})
        assert response.status_code == 307
        assert response.headers["Location"].startswith(f"http://{host}/"), response.headers["Location"]


def test_public_base_url_is_the_only_origin_written(database_url: str) -> None:
    app = make_app(database_url, PUBLIC_BASE_URL="https://id.example.vn/")
    try:
        answers = _answers(app.test_client(), EVIL)
    finally:
        close_app(app)
    assert answers["redirect"].status_code == 307
    assert answers["redirect"].headers["Location"].startswith("https://id.example.vn/")
    assert answers["redirect"].headers["Link"].startswith("<https://id.example.vn/01/")
    assert answers["linkset"].get_json()["linkset"][0]["anchor"].startswith("https://id.example.vn/01/")
    assert answers["openapi"].get_json()["servers"][0]["url"] == "https://id.example.vn"
    for name, response in answers.items():
        assert response.status_code < 400, (name, response.status_code)
        text = response.get_data(as_text=True) + json.dumps(dict(response.headers))
        assert EVIL not in text, name


def _create_app_under_gunicorn(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    code = "import gunicorn.workers.base\nfrom api import create_app\ncreate_app()\nprint('created')"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TRACE_STD_")}
    return subprocess.run(
        [sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_gunicorn_refuses_to_load_the_app_without_an_origin() -> None:
    refused = _create_app_under_gunicorn({})
    assert refused.returncode != 0 and "TRACE_STD_PUBLIC_BASE_URL" in refused.stderr
    for env in (
        {"TRACE_STD_ALLOWED_HOSTS": "id.example.vn"},
        {"TRACE_STD_PUBLIC_BASE_URL": "https://id.example.vn"},
    ):
        loaded = _create_app_under_gunicorn(env)
        assert loaded.returncode == 0 and "created" in loaded.stdout, loaded.stderr[-2000:]


def test_serve_with_workers_needs_an_origin(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    from trace_std.cli import main

    monkeypatch.delenv("TRACE_STD_PUBLIC_BASE_URL", raising=False)
    monkeypatch.delenv("TRACE_STD_ALLOWED_HOSTS", raising=False)
    assert main(["serve", "--workers", "2", "--bind", "127.0.0.1:1"]) == 2
    assert "TRACE_STD_ALLOWED_HOSTS" in capsys.readouterr().err


# -- item 12: verification answers are revalidated, never stale ----------------------------------


def test_cacheable_answers_must_revalidate_and_never_go_stale(client: Any) -> None:
    for path in ("/v1/verify?q=VN-SLOR-0001", "/v1/codes/VN-SLOR-0001", f"{GTIN_PATH}?linkType=gs1:pip"):
        response = client.get(path, headers={"Host": "localhost"})
        assert response.status_code in (200, 307), path
        directives = {d.strip() for d in response.headers["Cache-Control"].split(",")}
        assert {"public", "max-age=60", "must-revalidate", "stale-if-error=0"} <= directives, (
            path,
            directives,
        )


def test_the_worker_cache_sends_age_so_downstream_caches_keep_the_bound(database_url: str) -> None:
    app = make_app(database_url, RESPONSE_CACHE_TTL=30)
    try:
        client = app.test_client()
        first = client.get("/v1/verify?q=VN-SLOR-0001")
        assert first.status_code == 200 and "Age" not in first.headers  # read from the database
        time.sleep(1.1)
        hit = client.get("/v1/verify?q=VN-SLOR-0001")
        assert hit.status_code == 200 and int(hit.headers["Age"]) >= 1  # counts against max-age
        assert hit.get_data() == first.get_data()
    finally:
        close_app(app)
