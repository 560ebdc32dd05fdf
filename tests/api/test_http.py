"""Cross-cutting behaviour: problem documents, caching, CORS, security headers, size limits, probes."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.api.conftest import close_app, make_app


def test_meta_reports_versions(client: FlaskClient, validate: Any) -> None:
    response = client.get("/v1/meta")
    assert response.status_code == 200
    body = validate(response, "meta")
    from trace_std import __version__, data

    assert body["version"] == __version__
    assert set(body["data_versions"]) == set(data.available())


def test_ping_and_healthz(client: FlaskClient, validate: Any) -> None:
    assert client.get("/v1/ping").get_json() == {"status": "ok"}
    response = client.get("/healthz")
    assert response.status_code == 200
    assert validate(response, "health")["status"] == "ok"


def test_readyz_checks_the_database(client: FlaskClient, validate: Any, backend: str) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    body = validate(response, "health")
    assert body["status"] == "ready"
    assert body["database"]["backend"] == ("sqlite" if backend == "sqlite" else "postgresql")
    assert body["database"]["codes"] > 0


@pytest.mark.parametrize("path", ["/v1/nothing-here", "/v1/codes/x/y/z/extra/../"])
def test_unknown_path_is_a_404_problem(client: FlaskClient, problem: Any, path: str) -> None:
    if path.endswith("../"):
        path = "/v1/also-missing"
    problem(client.get(path), 404, "http.not_found")


def test_wrong_method_is_a_405_problem_with_allow(client: FlaskClient, problem: Any) -> None:
    response = client.delete("/v1/meta")
    problem(response, 405, "http.method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_too_large_body_is_a_413_problem(backend: str, database_url: str, problem: Any) -> None:
    app = make_app(database_url, MAX_CONTENT_LENGTH=1024)
    try:
        response = app.test_client().post("/v1/verify", json={"q": "x" * 4000})
        problem(response, 413, "http.payload_too_large")
    finally:
        close_app(app)


def test_unexpected_error_is_a_500_problem_without_trace(database_url: str, problem: Any) -> None:
    app = make_app(database_url)
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def boom() -> Any:
        raise RuntimeError("secret internal detail")

    app.add_url_rule("/v1/boom", "boom", boom)
    try:
        response = app.test_client().get("/v1/boom")
        body = problem(response, 500, "http.internal")
        text = response.get_data(as_text=True)
        assert "secret internal detail" not in text and "Traceback" not in text
        assert body["type"].startswith("urn:trace-std:problem:")
    finally:
        close_app(app)


def test_security_headers_everywhere(client: FlaskClient) -> None:
    for path in ("/v1/meta", "/v1/nothing", "/healthz"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in headers["Content-Security-Policy"]
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"


def test_public_get_has_etag_and_short_cache_and_304(client: FlaskClient) -> None:
    first = client.get("/v1/meta")
    assert first.headers["Cache-Control"] == "public, max-age=60, must-revalidate, stale-if-error=0"
    etag = first.headers["ETag"]
    again = client.get("/v1/meta", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""
    other = client.get("/v1/meta", headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200


@pytest.mark.parametrize(
    "conditional",
    [
        {},
        {"If-None-Match": "MATCH"},
        {"If-None-Match": '"something-else"'},
        {"If-Match": '"something-else"'},
        {"If-Match": "MATCH"},
        {"If-Modified-Since": "Sat, 05 Dec 2026 10:00:00 GMT"},
        {"If-Unmodified-Since": "Sat, 05 Dec 2000 10:00:00 GMT"},
        {"Range": "bytes=0-9"},
        {"If-Range": "MATCH", "Range": "bytes=0-9"},
    ],
)
def test_cacheable_answers_are_conditional_as_werkzeug_makes_them(
    app: Flask, conditional: dict[str, str]
) -> None:
    """The lookup's conditional handling (its own fast path when no conditional header came) gives the
    status and headers of werkzeug's ``add_etag()`` + ``make_conditional()`` on the same answer."""
    from flask import Response
    from werkzeug.http import parse_date

    client = app.test_client()
    path = "/v1/codes/VN-SLOR-0001"
    etag = client.get(path).headers["ETag"]
    headers = {k: v.replace("MATCH", etag) for k, v in conditional.items()}
    response = client.get(path, headers=headers)
    body = client.get(path).get_data()  # the 200 answer's body (a 304 or 412 has none)
    with app.test_request_context(path, headers=headers) as ctx:
        reference = Response(body, mimetype="application/json")
        reference.add_etag()
        reference.make_conditional(ctx.request)
        expected_status = reference.status_code
        expected = dict(reference.get_wsgi_headers(ctx.request.environ))
    assert response.status_code == expected_status
    assert response.headers["ETag"] == expected["ETag"]
    assert parse_date(response.headers["Date"]) is not None
    assert response.headers.get("Content-Length") == expected.get("Content-Length")
    assert response.headers.get("Accept-Ranges") == expected.get("Accept-Ranges")
    if expected_status == 200:
        assert response.get_data() == body
        assert response.headers["Cache-Control"] == "public, max-age=60, must-revalidate, stale-if-error=0"


def test_cors_on_public_gets_not_on_admin(client: FlaskClient) -> None:
    assert client.get("/v1/meta").headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/v1/meta", headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 200
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in client.get("/v1/admin/audit").headers


def test_non_public_answers_are_not_cached(client: FlaskClient) -> None:
    assert client.get("/healthz").headers["Cache-Control"] == "no-store"
    assert "ETag" not in client.get("/healthz").headers


def test_response_cache_serves_and_expires(database_url: str) -> None:
    import time

    from api.http import json_response, public

    app: Flask = make_app(database_url, RESPONSE_CACHE_TTL=0.3)
    calls: list[int] = []

    @public()
    def counted() -> Any:
        calls.append(1)
        return json_response({"n": len(calls)})

    app.add_url_rule("/v1/counted", "counted", counted)
    try:
        client = app.test_client()
        assert client.get("/v1/counted").get_json() == {"n": 1}
        assert client.get("/v1/counted").get_json() == {"n": 1}  # from the cache
        assert client.get("/v1/counted?x=1").get_json() == {"n": 2}  # another key
        time.sleep(0.35)
        assert client.get("/v1/counted").get_json() == {"n": 3}  # expired
    finally:
        close_app(app)


def test_response_cache_keys_on_host_path_query_and_accept(database_url: str) -> None:
    from api.http import json_response, public

    app: Flask = make_app(database_url, RESPONSE_CACHE_TTL=60, ALLOWED_HOSTS="a.example,b.example")
    calls: list[int] = []

    @public()
    def counted(rest: str = "") -> Any:
        calls.append(1)
        return json_response({"n": len(calls)})

    app.add_url_rule("/v1/counted", "counted", counted)
    app.add_url_rule("/v1/counted/<path:rest>", "counted_rest", counted)
    try:
        client = app.test_client()

        def n(path: str, host: str = "a.example", **headers: str) -> int:
            answer = client.get(path, base_url=f"http://{host}", headers=headers)
            assert answer.status_code == 200
            return int(answer.get_json()["n"])

        assert client.head("/v1/counted", base_url="http://a.example").status_code == 200  # not stored
        assert n("/v1/counted") == 2
        assert n("/v1/counted") == 2  # from the cache
        assert n("/v1/counted", host="b.example") == 3  # another host
        assert n("/v1/counted", Accept="application/json") == 4  # another Accept
        assert n("/v1/counted?x=1") == 5  # another query
        assert n("/v1/counted?x=1") == 5
        assert n("/v1/counted/x%2Fy") == 6  # path segments as the client spelled them
        assert n("/v1/counted/x%2Fy") == 6
        assert n("/v1/counted/%E1%BA%A1") == 7  # a non-ASCII path (WSGI's latin-1 PATH_INFO)
        assert n("/v1/counted/%E1%BA%A1") == 7
        assert n("/v1/counted", host="b.example") == 3
    finally:
        close_app(app)


def test_docs_page_is_served_from_the_package(client: FlaskClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "/docs/static/docs.js" in html and "https://" not in html.split("<body>")[0]
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    script = client.get("/docs/static/docs.js")
    assert script.status_code == 200
    script.close()
