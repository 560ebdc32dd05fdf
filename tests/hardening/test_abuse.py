"""API abuse suite against a real gunicorn server (2 workers) on loopback. Every loop is bounded.

Each case must come back as a clean answer — a JSON problem document or a normal page — never a
5xx, a stack trace, an executed or unescaped payload, or a file from outside the app.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import re
import socket
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_service
from tests.hardening.server import Server, free_port, nginx_binary, run_nginx, run_server

pytestmark = pytest.mark.slow

GENUINE = "VN-SLOR-0001"  # active in the synthetic Sơn La sample
SQLI = [
    "' OR '1'='1",
    "1; DROP TABLE codes; --",
    '" OR 1=1 --',
    "VN-DTOR-0017' UNION SELECT * FROM api_tokens --",
]
XSS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "<svg/onload=alert(1)>",
]
TRAVERSAL = [
    "/01/../../etc/passwd",
    "/01/%2e%2e/%2e%2e/etc/passwd",
    "/..%2f..%2fetc%2fpasswd",
    "/01/09501101530003/10/..%2F..%2Fetc%2Fpasswd",
    "/static/../../../../etc/passwd",
    "/%2e%2e/pyproject.toml",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with run_server(
        tmp_path_factory.mktemp("abuse"), env={"TRACE_STD_RATELIMIT_PUBLIC": "1000000 per minute"}
    ) as s:
        yield s


def _no_leak(status: int, body: bytes) -> None:
    assert status < 500, (status, body[:300])
    assert b"Traceback" not in body and b'File "/' not in body
    assert b"root:x:0:0" not in body and b"[build-system]" not in body


def _is_problem(headers: dict[str, str], body: bytes) -> dict[str, object]:
    assert headers.get("content-type", "").startswith("application/problem+json"), headers
    doc = json.loads(body)
    assert isinstance(doc, dict) and "status" in doc and "title" in doc
    return doc


def test_oversized_body_is_413_problem(server: Server) -> None:
    body = b'{"q": "' + b"A" * (3 * 1024 * 1024) + b'"}'
    status, headers, data = server.request("POST", "/v1/verify", body, {"Content-Type": "application/json"})
    _no_leak(status, data)
    assert status == 413
    _is_problem(headers, data)


def test_oversized_headers_are_refused_and_server_lives(server: Server) -> None:
    status, _, _ = server.request("GET", "/v1/ping", headers={"X-Big": "a" * 20000})
    assert status in (400, 431), status
    assert server.request("GET", "/v1/ping")[0] == 200


def test_deeply_nested_json_is_a_400_problem(server: Server) -> None:
    for opener, closer in (("[", "]"), ('{"a":', "}")):
        body = (opener * 100_000 + "1" + closer * 100_000).encode()
        for path in ("/v1/verify", "/v1/labels/verify", "/v1/labels/encode"):
            status, headers, data = server.request("POST", path, body, {"Content-Type": "application/json"})
            _no_leak(status, data)
            assert status in (400, 413, 422), (path, status)
            _is_problem(headers, data)


def _slowloris_served(port: int, seconds: float = 6.0) -> int:
    """Six connections trickle a request a header line at a time while one normal request is sent
    every half second; returns how many normal requests got a 200 within their 3 s timeout."""
    slow: list[socket.socket] = []
    served = 0
    try:
        for _ in range(6):
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            s.sendall(b"GET /v1/ping HTTP/1.1\r\nHost: x\r\n")
            slow.append(s)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for s in slow:
                with contextlib.suppress(OSError):  # nginx may drop a stalled client: that is the point
                    s.sendall(b"X-a: b\r\n")
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=3)
            try:
                conn.request("GET", "/v1/ping")
                served += conn.getresponse().status == 200
            except OSError:
                pass
            finally:
                conn.close()
            time.sleep(0.5)
    finally:
        for s in slow:
            s.close()
    return served


def test_slowloris_starves_sync_workers_exposed_directly(server: Server) -> None:
    """The control: the attack is real. Sync workers without a buffering proxy stop answering."""
    assert _slowloris_served(server.port, seconds=4) <= 1


@pytest.fixture(scope="module")
def nginx(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The shipped deploy/nginx template in front of the module's server; yields nginx's port."""
    if nginx_binary() is None:
        require_service("nginx", "not installed (apt-get install nginx)")
    with run_nginx(tmp_path_factory.mktemp("nginx"), server.port) as port:
        yield port


def test_slow_clients_do_not_starve_sync_workers_behind_nginx(nginx: int) -> None:
    """The documented deployment (deploy/nginx) absorbs slow clients before they reach gunicorn."""
    assert _slowloris_served(nginx) >= 5


def _raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def test_nginx_answers_its_own_errors_as_problem_documents(
    nginx: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Through the shipped template, nginx's own 413 and 50x are problem documents with stable codes."""
    status, headers, body = _raw(
        nginx,
        b"POST /v1/labels/validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/csv\r\n"
        b"Content-Length: 50000000\r\nConnection: close\r\n\r\n",
    )
    assert status == 413
    assert _is_problem(headers, body)["code"] == "http.payload_too_large"
    status, headers, body = _raw(
        nginx, b"GET /v1/codes/VN-SLOR-0001 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    assert status == 200 and json.loads(body)["code"] == GENUINE  # and the normal path works
    with run_nginx(tmp_path_factory.mktemp("nginx-down"), free_port()) as port:  # nothing listens upstream
        status, headers, body = _raw(
            port, b"GET /v1/ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
        )
        assert status == 503 and headers.get("retry-after") == "30"
        assert _is_problem(headers, body)["code"] == "http.service_unavailable"


def test_slow_clients_do_not_starve_threaded_workers(tmp_path: Path) -> None:
    """``serve --threads 8`` (gthread), for a service exposed without a proxy: slow clients hold threads."""
    with run_server(tmp_path, env={"TRACE_STD_RATELIMIT_PUBLIC": "1000000 per minute"}, threads=8) as srv:
        assert _slowloris_served(srv.port) >= 5


def test_ten_thousand_distinct_garbage_codes(server: Server) -> None:
    """Bounded: 10,000 distinct garbage lookups over keep-alive connections; no 5xx, all problems."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    statuses: dict[int, int] = {}
    try:
        for i in range(10_000):
            junk = urllib.parse.quote(f"VN-{i:05d}-\u0660{i}ZZ<{i}>", safe="")
            conn.request("GET", f"/v1/codes/{junk}")
            resp = conn.getresponse()
            body = resp.read()
            statuses[resp.status] = statuses.get(resp.status, 0) + 1
            if resp.status >= 500 or i % 997 == 0:
                _no_leak(resp.status, body)
    finally:
        conn.close()
    assert set(statuses) <= {400, 404}, statuses
    assert sum(statuses.values()) == 10_000


def _every_parameter() -> Iterator[tuple[str, str]]:
    for payload in SQLI + XSS:
        q = urllib.parse.quote(payload, safe="")
        yield "GET", f"/v1/codes/{q}"
        for param in ("province", "crop", "market", "status", "q", "page"):
            yield "GET", f"/v1/codes?{param}={q}"
        for param in ("q", "on", "market"):
            yield "GET", f"/v1/verify?{param}={q}" + ("" if param == "q" else "&q=VN-DTOR-0017")
        yield "GET", f"/v1/symbols/qr.svg?data={q}"
        yield "GET", f"/01/09501101530003/10/{q}"
        yield "GET", f"/codes/{q}"
        yield "GET", f"/verify?q={q}"


@pytest.mark.parametrize(("method", "path"), list(_every_parameter()))
def test_injection_payloads_come_back_as_data(server: Server, method: str, path: str) -> None:
    status, headers, body = server.request(method, path, headers={"Accept": "text/html,application/json"})
    _no_leak(status, body)
    ctype = headers.get("content-type", "")
    if "html" in ctype or "svg" in ctype:
        text = body.decode("utf-8", "replace")
        for payload in XSS:
            if payload.startswith(("<", '"')):
                assert payload not in text, f"unescaped payload reflected by {path}"
    else:  # JSON echoes the input as data: it must be typed as JSON and never sniffed as HTML
        assert ctype.startswith(("application/json", "application/problem+json")), (path, ctype)
        assert headers.get("x-content-type-options") == "nosniff"
        json.loads(body)


def test_registry_survives_injection(server: Server) -> None:
    status, _, body = server.request("GET", f"/v1/codes/{GENUINE}")
    assert status == 200 and json.loads(body)["code"] == GENUINE
    status, _, body = server.request("GET", "/v1/codes?page=1")
    assert status == 200 and json.loads(body)["total"] >= 216


@pytest.mark.parametrize("path", TRAVERSAL)
def test_path_traversal_in_resolver(server: Server, path: str) -> None:
    status, headers, body = server.request("GET", path)
    _no_leak(status, body)
    if status == 307:
        # `..%2F..%2Fetc%2Fpasswd` after /10/ is a legal lot value (CSET 82 has `.` and `/`): the
        # resolver treats it as data and redirects to its own verification of that Digital Link.
        location = headers["location"]
        assert location.startswith(f"http://127.0.0.1:{server.port}/v1/verify?q="), location
        assert "%2Fetc%2Fpasswd" in location or "%252Fetc%252Fpasswd" in location
    else:
        assert status in (400, 404), (path, status)


@pytest.mark.parametrize(
    ("path", "ctype", "body"),
    [
        ("/v1/labels/validate", "application/json", b'{"not": "a file"}'),
        (
            "/v1/labels/validate",
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="file"; filename="a.exe"\r\nContent-Type: application/x-msdownload\r\n\r\nMZ\x90\x00\x03\x00\x00\x00\r\n--x--\r\n',
        ),
        ("/v1/labels/verify", "text/csv", b"gtin,lot\n1,2\n"),
        ("/v1/labels/verify", "application/xml", b"<label/>"),
        ("/v1/verify", "image/png", b"\x89PNG\r\n\x1a\n"),
        ("/scan", "application/json", b"{}"),
        (
            "/scan",
            "multipart/form-data; boundary=x",
            b'--x\r\nContent-Disposition: form-data; name="photo"; filename="a.png"\r\nContent-Type: image/png\r\n\r\nnot a png\r\n--x--\r\n',
        ),
    ],
)
def test_uploads_with_wrong_content_type(server: Server, path: str, ctype: str, body: bytes) -> None:
    status, _, data = server.request("POST", path, body, {"Content-Type": ctype})
    _no_leak(status, data)
    assert 400 <= status < 500 or (path == "/scan" and status == 200), (path, status)


def test_admin_endpoints_refuse_bad_tokens(server: Server) -> None:
    body = json.dumps({"status": "suspended", "reason": "test"}).encode()
    path = f"/v1/admin/codes/{GENUINE}/status"
    hdr = {"Content-Type": "application/json"}
    assert server.request("POST", path, body, hdr)[0] == 401
    assert server.request("POST", path, body, {**hdr, "Authorization": "Bearer nope"})[0] == 401
    assert server.request("POST", path, body, {**hdr, "Authorization": "Basic YTpi"})[0] == 401
    for method, p in (("POST", "/v1/admin/codes"), ("POST", "/v1/admin/import"), ("GET", "/v1/admin/audit")):
        status, headers, data = server.request(method, p, b"{}", {**hdr, "Authorization": "Bearer x" * 3})
        assert status == 401, (p, status)
        _is_problem(headers, data)
    # a real token with the wrong scope is 403; once revoked it is 401; the right scope works
    wrong = server.cli("token", "create", "--scope", "codes:write", "--name", "writer").split()[0]
    assert server.request("POST", path, body, {**hdr, "Authorization": f"Bearer {wrong}"})[0] == 403
    right = server.cli("token", "create", "--scope", "codes:status", "--name", "statuser").split()[0]
    server.cli("token", "revoke", "statuser")
    assert server.request("POST", path, body, {**hdr, "Authorization": f"Bearer {right}"})[0] == 401
    fresh = server.cli("token", "create", "--scope", "codes:status", "--name", "statuser2").split()[0]
    ok = json.dumps({"status": "active", "reason": "abuse suite: no-op reactivation"}).encode()
    status, _, data = server.request("POST", path, ok, {**hdr, "Authorization": f"Bearer {fresh}"})
    assert status == 409 and json.loads(data)["code"] == "registry.status.unchanged", data[:300]  # authorised


def test_rate_limit_holds_across_workers_with_redis(tmp_path: Path) -> None:
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.RedisError as exc:
        require_service("Redis at 127.0.0.1:6379", str(exc))
    prefix = f"trace-std-test-{time.time_ns()}"
    env = {
        "TRACE_STD_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0",
        "TRACE_STD_RATELIMIT_PUBLIC": "10 per minute",
        "TRACE_STD_RATELIMIT_KEY_PREFIX": prefix,
    }
    with run_server(tmp_path, env=env, workers=2) as srv:
        statuses = []
        for _ in range(40):  # fresh connections, so both workers take requests
            status, headers, _ = srv.request("GET", f"/v1/codes/{GENUINE}", headers={"Connection": "close"})
            statuses.append(status)
            if status == 429:
                assert int(headers["retry-after"]) >= 0
        assert statuses.count(200) + statuses.count(304) == 10, statuses
        assert statuses.count(429) == 30


def test_chunked_upload_past_the_limit_is_413_through_gunicorn(tmp_path: Path) -> None:
    """Issue 17 item 1: a chunked import larger than MAX_CONTENT_LENGTH was cut at the limit and the
    cut file applied (200, applied). Now every body is read whole or refused with 413."""
    from tests.api.test_bodies import import_csv, send_chunked
    from trace_std.registry import Registry

    limit = 32 * 1024
    env = {"TRACE_STD_MAX_CONTENT_LENGTH": str(limit), "TRACE_STD_RATELIMIT_ENABLED": "false"}
    with run_server(tmp_path, env=env) as srv:
        secret = srv.cli("token", "create", "--scope", "registry:import", "--name", "chunked").split()[0]
        with Registry(srv.env["TRACE_STD_DATABASE_URL"]) as registry:
            too_big, fits = import_csv(registry, 2 * limit), import_csv(registry, limit // 2)
            before = registry.export("csv", io.StringIO()).sha256
        headers = {"Authorization": f"Bearer {secret}", "Content-Type": "text/csv"}
        status, got, body = send_chunked(srv.port, "/v1/admin/import", too_big, headers)
        assert status == 413, body[:300]
        assert _is_problem(got, body)["code"] == "http.payload_too_large"
        json_body = json.dumps({"q": GENUINE, "pad": "x" * (2 * limit)}).encode()
        status, got, body = send_chunked(
            srv.port, "/v1/verify", json_body, {"Content-Type": "application/json"}
        )
        assert status == 413 and _is_problem(got, body)["code"] == "http.payload_too_large"
        # a Content-Length body cut short (the client stops sending half-way): refused, never applied
        half = fits[: len(fits) // 2]
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/admin/import HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n"
                + f"Authorization: Bearer {secret}\r\nContent-Length: {len(fits)}\r\n\r\n".encode()
                + half
            )
            sock.shutdown(socket.SHUT_WR)
            answer = b""
            with contextlib.suppress(OSError):
                while chunk := sock.recv(65536):
                    answer += chunk
        assert int(answer.split()[1]) == 400 and b"application/problem+json" in answer, answer[:200]
        with Registry(srv.env["TRACE_STD_DATABASE_URL"]) as registry:
            assert registry.export("csv", io.StringIO()).sha256 == before  # nothing applied
        status, _, body = send_chunked(srv.port, "/v1/admin/import", fits, headers)
        assert status == 200 and json.loads(body)["applied"] is True, body[:300]


def test_inputs_that_gave_500s_are_clean_answers(server: Server) -> None:
    """Issue 17 item 3: lone surrogates in JSON, a 49,000,000 x 1 px PNG on /scan and a newline in
    /lang's ``next`` each gave a 500 with a traceback."""
    from tests.api.test_hostile import JSON_ENDPOINTS, wide_png

    for path in JSON_ENDPOINTS:
        status, headers, data = server.request(
            "POST", path, b'{"q":"\\ud800"}', {"Content-Type": "application/json"}
        )
        _no_leak(status, data)
        assert status == 400 and _is_problem(headers, data)["code"] == "request.body.invalid"
    boundary = "x-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="w.png"\r\n'
            "Content-Type: image/png\r\n\r\n"
        ).encode()
        + wide_png()
        + f"\r\n--{boundary}--\r\n".encode()
    )
    status, headers, data = server.request(
        "POST", "/scan", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
    )
    _no_leak(status, data)
    assert status == 422 and headers["content-type"].startswith("text/html")
    status, headers, data = server.request("GET", "/lang/en?next=/verify%0d%0aSet-Cookie:%20x=1")
    _no_leak(status, data)
    assert status == 303 and headers["location"] == "/"


def _raw_or_closed(port: int, request: bytes) -> tuple[int, dict[str, str], bytes] | None:
    """Like :func:`_raw`, or ``None`` when the server closes the connection without answering."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(request)
        data = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := s.recv(65536):
                data += chunk
    if not data:
        return None
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


OVERSIZE = [  # (request, status, code): what gunicorn itself refuses, before the app sees it
    (b"GET /v1/codes/" + b"A" * 10_000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n", 414, "http.uri_too_long"),
    (
        b"GET /v1/ping HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
        431,
        "http.header_fields_too_large",
    ),
    (
        b"GET /v1/ping HTTP/1.1\r\nHost: localhost\r\n"
        + b"".join(b"X-%d: 1\r\n" % i for i in range(120))
        + b"\r\n",
        431,
        "http.header_fields_too_large",
    ),
    (b"GET /v1/ping HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n", 400, "http.bad_request"),
    (b"G\x00T /v1/ping HTTP/1.1\r\nHost: localhost\r\n\r\n", 400, "http.bad_request"),
]


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    OVERSIZE,
    ids=["long-line", "big-header", "many-headers", "bad-header-name", "nul-in-method"],
)
def test_gunicorns_own_errors_are_problem_documents(
    server: Server, request_bytes: bytes, status: int, code: str
) -> None:
    """Issue 17 item 15: gunicorn answered these with its own HTML pages."""
    answer = _raw_or_closed(server.port, request_bytes)
    assert answer is not None
    got, headers, body = answer
    assert got == status, (got, body[:200])
    assert _is_problem(headers, body)["code"] == code
    assert server.request("GET", "/v1/ping")[0] == 200


@pytest.mark.parametrize(
    ("request_bytes", "status", "code"),
    [
        (
            b"GET /v1/codes/" + b"A" * 20_000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
            414,
            "http.uri_too_long",
        ),
        (
            b"GET /v1/ping HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * 20_000 + b"\r\n\r\n",
            431,
            "http.header_fields_too_large",
        ),
        (
            b"GET /v1/codes/" + b"A" * 10_000 + b" HTTP/1.1\r\nHost: localhost\r\n\r\n",
            414,
            "http.uri_too_long",
        ),
        (b"GET /v1/ping HTTP/1.1\r\nHost: localhost\r\nHost: other\r\n\r\n", 400, "http.bad_request"),
    ],
    ids=["line-20k", "header-20k", "line-10k", "two-hosts"],
)
def test_oversize_requests_through_nginx_are_problem_documents(
    nginx: int, request_bytes: bytes, status: int, code: str
) -> None:
    """Through the template, whichever of nginx or gunicorn refuses, the answer is a problem document."""
    answer = _raw_or_closed(nginx, request_bytes.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n", 1))
    assert answer is not None
    got, headers, body = answer
    assert got == status, (got, body[:200])
    assert _is_problem(headers, body)["code"] == code


def test_nginx_drops_unknown_hosts_and_sends_hsts(nginx: int) -> None:
    """Issue 17 items 9 and 12: only the configured server names get an answer; answers carry HSTS."""
    for host in (b"evil.example", b"127.0.0.2", b""):
        request = (
            b"GET /01/09501101530003/10/ABC?linkType=gs1:pip HTTP/1.1\r\nHost: "
            + host
            + b"\r\nConnection: close\r\n\r\n"
        )
        answer = _raw_or_closed(nginx, request)
        assert answer is None or answer[0] == 400, answer  # dropped (444), or nginx's own 400 for no Host
    status, headers, _ = _raw(nginx, b"GET /v1/ping HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert status == 200 and headers["strict-transport-security"].startswith("max-age=31536000")
    status, headers, _ = _raw(nginx, b"GET /nope/x HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
    assert status == 404 and "strict-transport-security" in headers


def test_a_forged_host_is_refused_by_gunicorn_too(server: Server) -> None:
    """Issue 17 item 9 without the proxy: ALLOWED_HOSTS refuses other Host headers (probes excepted)."""
    status, headers, body = server.request(
        "GET", "/01/09501101530003/10/ABC?linkType=gs1:pip", headers={"Host": "evil.example"}
    )
    assert status == 400 and _is_problem(headers, body)["code"] == "http.host_not_allowed"
    assert b"evil.example" not in body
    assert server.request("GET", "/healthz", headers={"Host": "10.1.2.3"})[0] == 200
    status, headers, _ = server.request("GET", "/01/09501101530003/10/ABC?linkType=gs1:pip")
    assert status == 307 and headers["location"].startswith(f"http://127.0.0.1:{server.port}/")
    assert "must-revalidate" in headers["cache-control"] and "stale-if-error=0" in headers["cache-control"]


def test_static_404s_are_problem_documents(server: Server) -> None:
    """Issue 17 item 15: 404s under /web-static."""
    for path in ("/web-static/nope.css", "/web-static/../../etc/passwd", "/docs/static/nope.js"):
        status, headers, body = server.request("GET", path)
        _no_leak(status, body)
        assert status == 404 and _is_problem(headers, body)["code"] == "http.not_found", path


def test_group_limits_and_a_redis_outage_through_gunicorn(tmp_path: Path) -> None:
    """Issue 17 items 7 and 8 with 2 workers: the endpoints of a group share one budget in Redis;
    with the storage unreachable every request is still answered and the outage reaches the log
    once per worker (it reached no log before)."""
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_timeout=2).ping()
    except redis.RedisError as exc:
        require_service("Redis at 127.0.0.1:6379", str(exc))
    env = {
        "TRACE_STD_RATELIMIT_STORAGE": "redis://127.0.0.1:6379/0",
        "TRACE_STD_RATELIMIT_PUBLIC": "10 per minute",
        "TRACE_STD_RATELIMIT_KEY_PREFIX": f"trace-std-test-{time.time_ns()}",
    }
    (tmp_path / "shared").mkdir()
    with run_server(tmp_path / "shared", env=env, workers=2) as srv:
        paths = [
            f"/v1/codes/{GENUINE}",
            "/v1/codes?per_page=1",
            "/v1/codes?province=14",
            "/v1/codes/VN-SLPH-001",
        ]
        statuses = [srv.request("GET", paths[i % 4], headers={"Connection": "close"})[0] for i in range(20)]
        assert statuses.count(200) == 10 and statuses.count(429) == 10, statuses
        assert srv.request("GET", "/v1/meta", headers={"Connection": "close"})[0] == 200  # another group
    closed = free_port()
    env = {
        "TRACE_STD_RATELIMIT_STORAGE": f"redis://127.0.0.1:{closed}/0",
        "TRACE_STD_RATELIMIT_PUBLIC": "1000 per minute",
    }
    (tmp_path / "down").mkdir()
    with run_server(tmp_path / "down", env=env, workers=2) as srv:
        assert all(
            srv.request("GET", "/v1/ping", headers={"Connection": "close"})[0] == 200 for _ in range(20)
        )
        lines = [line for line in srv.log.read_text().splitlines() if "rate-limit storage" in line]
        assert 1 <= len(lines) <= 2 and all("unreachable" in line for line in lines), lines


def test_expired_and_duplicate_tokens_through_gunicorn(server: Server) -> None:
    """Issue 17 item 5: a duplicate active name is refused; an expired token is 401."""
    import subprocess

    from trace_std.registry import Registry
    from trace_std.registry.models import ApiToken

    secret = server.cli("token", "create", "--scope", "admin", "--name", "abuse-expiring").split()[0]
    with pytest.raises(subprocess.CalledProcessError) as caught:
        server.cli("token", "create", "--scope", "admin", "--name", "abuse-expiring")
    assert "registry.token.name_taken" in caught.value.stderr
    headers = {"Authorization": f"Bearer {secret}"}
    assert server.request("GET", "/v1/admin/audit", headers=headers)[0] == 200
    with Registry(server.env["TRACE_STD_DATABASE_URL"]) as registry, registry.write() as s:
        for row in s.query(ApiToken).filter(ApiToken.name == "abuse-expiring"):
            row.expires_at = row.created_at  # expired
    status, got, body = server.request("GET", "/v1/admin/audit", headers=headers)
    assert status == 401 and _is_problem(got, body)["code"] == "http.unauthorized"


def _multipart(name: str, payload: bytes) -> tuple[bytes, dict[str, str]]:
    boundary = "x-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + payload
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}


def _upload(server: Server, name: str, payload: bytes) -> tuple[int, dict[str, str], bytes]:
    body, headers = _multipart(name, payload)
    return server.request("POST", "/v1/labels/validate", body, headers, 60.0)


def test_xlsx_bombs_and_deep_json_lines_through_gunicorn(server: Server) -> None:
    """Issue 17 items 2 and 3: crafted workbooks are refused with ``file.too_large`` and the workers
    keep their memory (the probe's 1 GB bomb took 16 s and left a worker at ~2 GB); a JSON Lines row
    nested 3,000 deep is a row error, not a 500."""
    from tests.label import xlsx_bombs as B

    bombs = {
        "huge-shared-strings": B.huge_shared_strings(256),
        "huge-sheet": B.huge_sheet(256),
        "huge-workbook-xml": B.huge_workbook_xml(256),
        "high-ratio": B.high_ratio(8),
        "far-rows": B.far_rows(),
        "many-cells": B.many_cells(20_000),
    }
    before = server.rss_kib()
    for name, payload in bombs.items():
        status, headers, data = _upload(server, f"{name}.xlsx", payload)
        _no_leak(status, data)
        doc = _is_problem(headers, data)
        assert (status, doc["code"]) == (400, "file.too_large"), (name, doc)
    grown_mib = (server.rss_kib() - before) / 1024
    assert grown_mib < 200, grown_mib
    deep = b'{"gtin": ' + b"[" * 3000 + b"]" * 3000 + b"}\n"
    status, headers, data = _upload(server, "rows.jsonl", deep)
    _no_leak(status, data)
    assert status == 200
    assert [i["code"] for i in json.loads(data)["issues"]][:1] == ["file.row.malformed"]


def test_spreadsheet_cells_stored_values_and_write_locks_through_gunicorn(tmp_path: Path) -> None:
    """Issue 17 items 6, 10, 11 and 13 through gunicorn: formula-looking cells are neutralised in the
    export and in the fixed label file, and the export round-trips with no change (``;`` in a variety
    included); values no backend can store, and a 5,000-deep JSON import, are 4xx problem documents,
    never 500s; an admin write waiting on another writer is a 503 with ``Retry-After``."""
    import sqlite3

    from tests.label.test_formula_cells import _label_file
    from tests.registry.test_export_streaming import edge_file
    from trace_std.spreadsheet import TRIGGERS

    env = {"TRACE_STD_RATELIMIT_ENABLED": "false", "TRACE_STD_WRITE_LOCK_TIMEOUT_MS": "1500"}
    with run_server(tmp_path, env=env) as srv:
        secret = srv.cli(
            "token", "create", "--scope", "registry:import", "--scope", "codes:status", "--name", "cells"
        ).split()[0]
        auth = {"Authorization": f"Bearer {secret}"}
        as_json = {**auth, "Content-Type": "application/json"}

        # 6 and 11: the export never starts a formula and re-imports with no change
        status, _, body = srv.request("POST", "/v1/admin/import", edge_file(tmp_path).read_bytes(), as_json)
        assert status == 200, body[:300]
        out = tmp_path / "export.csv"
        srv.cli("registry", "export", "--format", "csv", "-o", str(out))
        text = out.read_text("utf-8-sig")
        rows = [line for line in text.splitlines(keepends=True) if not line.startswith("#")]
        cells = [c for row in csv.reader(io.StringIO("".join(rows))) for c in row]
        assert '\'=HYPERLINK("http://x","y")' in cells and not [c for c in cells if c[:1] in TRIGGERS]
        status, _, body = srv.request(
            "POST", "/v1/admin/import", out.read_bytes(), {**auth, "Content-Type": "text/csv"}
        )
        report = json.loads(body)
        assert status == 200 and report["applied"] is True, body[:300]
        assert sum(report["created"].values()) == sum(report["updated"].values()) == 0, report
        assert report["history_appended"] == 0
        status, _, body = srv.request("GET", "/v1/codes/VN-DTOR-0009")
        assert status == 200 and json.loads(body)["varieties"][:1] == ["plain; with semicolon"]

        # 6: the fixed label file
        labels = re.sub(r",-L\d\+1,", ",SL250812A,", _label_file(tmp_path).read_text("utf-8"))  # a known lot
        payload, ctype = _multipart("labels.csv", labels.encode())
        status, _, body = srv.request("POST", "/v1/labels/validate?fix=1", payload, ctype, 60.0)
        assert status == 200, body[:300]
        fixed = json.loads(body)["fixed_csv"]
        fixed_cells = [c for row in csv.reader(io.StringIO(fixed)) for c in row]
        assert json.loads(body)["fixed_rows"] == 5, json.loads(body)["issues"][:2]
        assert '\'=HYPERLINK("http://x","y") Co.' in fixed_cells and not [
            c for c in fixed_cells if c[:1] in TRIGGERS
        ]

        # 10: values no backend can store, and a deep JSON import
        assert srv.request("GET", "/v1/codes/VN-SLOR-9977")[0] == 404
        for field, value in (("owner", "A\x00B"), ("households", 2**31)):
            doc = {"codes": [{"code": "VN-SLOR-9977", field: value}]}
            status, got, body = srv.request("POST", "/v1/admin/import", json.dumps(doc).encode(), as_json)
            _no_leak(status, body)
            problem = _is_problem(got, body)
            assert status == 422 and problem["code"] == "admin.import.rejected", problem
            assert [e["code"] for e in problem["errors"]] == ["registry.import.field_invalid"], problem
        deep = b'{"codes": ' + b"[" * 5000 + b"]" * 5000 + b"}"
        status, got, body = srv.request("POST", "/v1/admin/import", deep, as_json)
        _no_leak(status, body)
        assert 400 <= status < 500 and _is_problem(got, body)["code"] == "registry.import.unreadable"
        assert srv.request("GET", "/v1/codes/VN-SLOR-9977")[0] == 404  # nothing stored

        # 13: a write waiting on another writer: 503 + Retry-After after the lock timeout; reads go on
        db = srv.env["TRACE_STD_DATABASE_URL"].removeprefix("sqlite:///")
        holder = sqlite3.connect(db, timeout=1, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            status, got, body = srv.request(
                "POST",
                f"/v1/admin/codes/{GENUINE}/status",
                json.dumps({"status": "suspended", "reason": "abuse suite"}).encode(),
                as_json,
                20.0,
            )
            waited = time.monotonic() - started
            assert status == 503 and _is_problem(got, body)["code"] == "registry.busy", body[:300]
            assert int(got["retry-after"]) >= 1 and 1.0 < waited < 10, waited
            assert srv.request("GET", f"/v1/codes/{GENUINE}")[0] == 200
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        status, _, body = srv.request(
            "POST",
            f"/v1/admin/codes/{GENUINE}/status",
            json.dumps({"status": "suspended", "reason": "abuse suite"}).encode(),
            as_json,
        )
        assert status == 200, body[:300]


def test_full_width_codes_agree_through_gunicorn(server: Server) -> None:
    """Issue 17 item 15: a full-width code (a Chinese input method) was ``malformed`` in /v1/verify but
    found by /v1/codes/; both read it as the same code now."""
    typed = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in GENUINE)
    status, _, body = server.request("GET", "/v1/verify?q=" + urllib.parse.quote(typed))
    _no_leak(status, body)
    report = json.loads(body)
    assert status == 200 and (report["verdict"], report["normalized"]) == ("genuine", GENUINE), report
    status, _, body = server.request("GET", "/v1/codes/" + urllib.parse.quote(typed))
    assert status == 200 and json.loads(body)["code"] == GENUINE


def test_text_search_wildcards_and_short_queries_through_gunicorn(server: Server) -> None:
    """Issue 17 item 14: ``q=_`` and ``crop=%`` matched every code, and every ``q=`` read every
    code. Wildcards are literal, one letter (no index can answer it) is a problem document, and a
    folded query finds the sample's Vietnamese names."""
    for query in ("q=__", "q=%25%25", "q=_%25_", "crop=%25", "crop=_", "province=%25", "q=%5C%5C"):
        status, _, body = server.request("GET", f"/v1/codes?{query}")
        _no_leak(status, body)
        assert status == 200 and json.loads(body)["total"] == 0, (query, body[:300])
    for one in ("_", "%25", "a", "%C4%90", "%E2%80%83x%E2%80%83"):  # _, %, a, Đ, x between em spaces
        status, headers, body = server.request("GET", f"/v1/codes?q={one}")
        doc = _is_problem(headers, body)
        assert status == 400 and doc["code"] == "registry.search.query_too_short", (one, doc)
    status, _, body = server.request("GET", "/v1/codes?q=SON%20LA&per_page=1")  # "Sơn La", folded
    page = json.loads(body)
    assert status == 200 and page["total"] >= 200 and page["total_exact"] is True
    status, _, body = server.request("GET", "/v1/codes?q=" + "%25_" * 100)  # 200 wildcards, literal
    assert status == 200 and json.loads(body)["total"] == 0
