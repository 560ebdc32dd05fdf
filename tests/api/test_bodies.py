"""Request bodies are read whole or refused (``api.bodies``): chunked uploads past the limit are a
413 and nothing of them is parsed or applied (issue 17, item 1).

Three transports: Flask's test client with a chunked environ (what gunicorn hands the app), and
real chunked HTTP requests (``http.client``) against werkzeug's server in a thread. The gunicorn
case is in ``tests/hardening/test_abuse.py``.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from api import store
from tests.api.conftest import close_app, make_app

LIMIT = 32 * 1024


def chunks(data: bytes, size: int = 4096) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


def import_csv(registry: Any, target_bytes: int) -> bytes:
    """A CSV update of the sample's planting areas (new owner names, ~1 KB a row) of at least
    ``target_bytes``, or as many rows as the sample has: shaped like the probe's 9,000-row file."""
    out = io.StringIO()
    registry.export("csv", out)
    lines = [line for line in out.getvalue().splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    writer_out = io.StringIO()
    writer = csv.DictWriter(writer_out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    n = 0
    for row in rows:
        if row["record"] != "code":
            continue
        n += 1
        writer.writerow({**row, "owner": f"Hợp tác xã {n:05d} " + "x" * 260})
        if len(writer_out.getvalue().encode()) > target_bytes:
            break
    return writer_out.getvalue().encode()


@pytest.fixture
def small_app(fresh_database_url: str) -> Iterator[Flask]:
    app = make_app(fresh_database_url, MAX_CONTENT_LENGTH=LIMIT, MAX_UPLOAD_BYTES=LIMIT)
    yield app
    close_app(app)


def _token(app: Flask) -> dict[str, str]:
    with app.app_context():
        secret, _ = store.registry().create_token("importer", ["registry:import"], actor="test")
    return {"Authorization": f"Bearer {secret}"}


def _owners(app: Flask) -> str:
    with app.app_context():
        out = io.StringIO()
        store.registry().export("csv", out)
    return "\n".join(line for line in out.getvalue().splitlines() if not line.startswith("#"))


def _chunked_post(client: Any, path: str, data: bytes, content_type: str, headers: dict[str, str]) -> Any:
    """A chunked request as gunicorn hands it to the app: no Content-Length, the stream ends itself."""
    return client.post(
        path,
        input_stream=io.BytesIO(data),
        content_type=content_type,
        headers={**headers, "Transfer-Encoding": "chunked"},
        environ_overrides={"wsgi.input_terminated": True},
    )


def test_chunked_import_over_the_limit_is_413_and_applies_nothing(small_app: Flask, problem: Any) -> None:
    headers = _token(small_app)
    with small_app.app_context():
        data = import_csv(store.registry(), 2 * LIMIT)
    assert len(data) > LIMIT
    before = _owners(small_app)
    response = _chunked_post(small_app.test_client(), "/v1/admin/import", data, "text/csv", headers)
    problem(response, 413, "http.payload_too_large")
    assert _owners(small_app) == before


def test_chunked_import_within_the_limit_is_applied_whole(small_app: Flask, validate: Any) -> None:
    headers = _token(small_app)
    with small_app.app_context():
        data = import_csv(store.registry(), LIMIT // 2)
    rows = data.count(b"\n") - 1
    response = _chunked_post(small_app.test_client(), "/v1/admin/import", data, "text/csv", headers)
    report = validate(response, "import-report")
    assert report["ok"] and report["applied"]
    assert _owners(small_app).count("Hợp tác xã ") == rows


def test_a_body_of_exactly_the_limit_is_accepted(small_app: Flask, validate: Any) -> None:
    body = json.dumps({"q": "VN-SLOR-0001", "pad": ""}).encode()
    body = body[:-2] + b" " * (LIMIT - len(body)) + body[-2:]
    assert len(body) == LIMIT
    response = _chunked_post(small_app.test_client(), "/v1/verify", body, "application/json", {})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


@pytest.mark.parametrize(
    ("path", "content_type"),
    [
        ("/v1/verify", "application/json"),
        ("/v1/labels/verify", "application/json"),
        ("/v1/verify", "text/plain"),
    ],
)
def test_chunked_json_over_the_limit_is_413_not_a_truncated_parse(
    small_app: Flask, problem: Any, path: str, content_type: str
) -> None:
    body = json.dumps({"q": "VN-SLOR-0001", "pad": "x" * (2 * LIMIT)}).encode()
    response = _chunked_post(small_app.test_client(), path, body, content_type, {})
    problem(response, 413, "http.payload_too_large")


def _multipart(field: str, name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "----trace-std-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + data + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_chunked_multipart_uploads_over_the_limit_are_413(small_app: Flask, problem: Any) -> None:
    csv_rows = b"gtin,lot\n" + b"08936000120016,SL250812A\n" * (LIMIT // 10)
    body, ctype = _multipart("file", "labels.csv", csv_rows)
    client = small_app.test_client()
    problem(_chunked_post(client, "/v1/labels/validate", body, ctype, {}), 413, "http.payload_too_large")
    headers = _token(small_app)
    body, ctype = _multipart("file", "update.csv", csv_rows)
    problem(_chunked_post(client, "/v1/admin/import", body, ctype, headers), 413, "http.payload_too_large")


def test_a_chunked_body_the_server_cannot_delimit_is_411(small_app: Flask, problem: Any) -> None:
    response = small_app.test_client().post(
        "/v1/verify",
        input_stream=io.BytesIO(b'{"q":"VN-SLOR-0001"}'),
        content_type="application/json",
        headers={"Transfer-Encoding": "chunked"},
    )
    problem(response, 411, "http.length_required")


# -- real chunked HTTP against werkzeug's server -----------------------------------------------------


@pytest.fixture
def live(small_app: Flask) -> Iterator[int]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, small_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    thread.join(5)


def send_chunked(
    port: int, path: str, data: bytes, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", path, body=chunks(data), headers=headers, encode_chunked=True)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def test_real_chunked_import_over_the_limit_is_refused(small_app: Flask, live: int) -> None:
    headers = _token(small_app)
    with small_app.app_context():
        data = import_csv(store.registry(), 2 * LIMIT)
    before = _owners(small_app)
    status, got, body = send_chunked(live, "/v1/admin/import", data, {**headers, "Content-Type": "text/csv"})
    assert status == 413, body[:300]
    assert got["content-type"].startswith("application/problem+json")
    assert json.loads(body)["code"] == "http.payload_too_large"
    assert _owners(small_app) == before


def test_real_chunked_import_within_the_limit_is_applied(small_app: Flask, live: int) -> None:
    headers = _token(small_app)
    with small_app.app_context():
        data = import_csv(store.registry(), LIMIT // 2)
    status, _, body = send_chunked(live, "/v1/admin/import", data, {**headers, "Content-Type": "text/csv"})
    assert status == 200, body[:300]
    assert json.loads(body)["applied"] is True
