"""The OpenAPI document: valid OpenAPI 3.1, and in step with the app's routes both ways."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from api.openapi import RESOLVER_PATHS, paths

# Routes that are not part of the JSON API: static assets, the website's HTML pages (the public
# site and the inspector's pages).
IGNORED_ENDPOINT_PREFIXES = ("web.", "inspector.")
IGNORED_ENDPOINTS = {"static", "docs.static"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _shape(path: str) -> str:
    """``/v1/codes/<path:code>`` and ``/v1/codes/{code}`` → ``/v1/codes/{}``."""
    return re.sub(r"<[^>]+>|\{[^}]+\}", "{}", path)


def _routes(app: Flask) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in IGNORED_ENDPOINTS or rule.endpoint.startswith(IGNORED_ENDPOINT_PREFIXES):
            continue
        if rule.endpoint == "resolver.resolve":
            continue  # the catch-all: documented by RESOLVER_PATHS
        methods = {m.lower() for m in rule.methods or ()} & HTTP_METHODS
        routes.setdefault(_shape(rule.rule), set()).update(methods)
    return routes


def test_every_route_is_documented_and_every_operation_exists(app: Flask) -> None:
    documented = {
        _shape(path): {m for m in item if m in HTTP_METHODS}
        for path, item in paths().items()
        if path not in RESOLVER_PATHS
    }
    assert _routes(app) == documented


def test_resolver_paths_reach_the_resolver(app: Flask) -> None:
    adapter = app.url_map.bind("localhost")
    for path in RESOLVER_PATHS:
        endpoint, _ = adapter.match(re.sub(r"\{[^}]+\}", "1", path), method="GET")
        assert endpoint == "resolver.resolve", path


def test_document_is_valid_openapi_31(client: FlaskClient) -> None:
    from openapi_spec_validator import validate

    response = client.get("/v1/openapi.json")
    assert response.status_code == 200
    doc: dict[str, Any] = response.get_json()
    assert doc["openapi"].startswith("3.1")
    validate(doc)
    assert doc["servers"] == [{"url": "http://localhost"}]


def test_every_response_schema_is_published(client: FlaskClient) -> None:
    """Each ``$ref``'d component comes from ``schemas/v1`` (no empty placeholders left)."""
    from api.openapi import load_schema

    doc = client.get("/v1/openapi.json").get_json()
    refs = set(re.findall(r'"#/components/schemas/([a-z0-9-]+)', str(doc).replace("'", '"')))
    missing = sorted(name for name in refs if load_schema(name) is None)
    assert not missing, f"schemas not published in schemas/v1: {missing}"
