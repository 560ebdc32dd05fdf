"""Every curl command of docs/reference/http-examples.md answers the status its comment promises."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "reference" / "http-examples.md"
pytest.importorskip("flask")


def commands() -> list[tuple[str, int]]:
    text = PAGE.read_text("utf-8")
    found = []
    for block in re.findall(r"```sh\n(.*?)```", text, re.S):
        for line in block.splitlines():
            if line.startswith("curl "):
                command, _, comment = line.partition("# →")
                found.append((command.strip(), int(comment.split()[0])))
    return found


def request_of(command: str, token: str) -> dict[str, Any]:
    args = shlex.split(command.replace("$TOKEN", token))[1:]
    req: dict[str, Any] = {"method": None, "headers": {}, "data": None, "files": {}}
    it = iter(args)
    for arg in it:
        if arg in ("-s", "-i"):
            continue
        if arg in ("-o", "-w"):
            next(it)
        elif arg == "-X":
            req["method"] = next(it)
        elif arg == "-H":
            name, _, value = next(it).partition(":")
            req["headers"][name.strip()] = value.strip()
        elif arg in ("-d", "--data-binary"):
            value = next(it)
            req["data"] = (ROOT / value[1:]).read_bytes() if value.startswith("@") else value.encode()
        elif arg == "-F":
            name, _, value = next(it).partition("=@")
            req["files"][name] = ROOT / value
        elif arg.startswith("http"):
            parts = urlsplit(arg)
            req["path"] = parts.path + (f"?{parts.query}" if parts.query else "")
        else:
            raise AssertionError(f"unsupported curl option {arg!r} in {command}")
    req["method"] = req["method"] or ("POST" if req["data"] is not None or req["files"] else "GET")
    return req


@pytest.fixture(scope="module")
def client_and_token(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, str]]:
    from api import create_app
    from trace_std.registry import Registry

    url = f"sqlite:///{tmp_path_factory.mktemp('http-examples') / 'registry.sqlite3'}"
    registry = Registry(url)
    registry.init()
    registry.ensure_sample()
    secret, _ = registry.create_token("docs", ["admin"], actor="tests")
    registry.close()
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "RATELIMIT_ENABLED": False, "RESPONSE_CACHE_TTL": 0}
    )
    yield app.test_client(), secret


COMMANDS = commands()


def test_the_page_has_examples() -> None:
    assert len(COMMANDS) >= 25


@pytest.mark.parametrize(("command", "status"), COMMANDS, ids=[c[:70] for c, _ in COMMANDS])
def test_curl_example(command: str, status: int, client_and_token: tuple[Any, str]) -> None:
    client, token = client_and_token
    req = request_of(command, token)
    kwargs: dict[str, Any] = {"headers": req["headers"]}
    if req["files"]:
        kwargs["data"] = {name: (path.open("rb"), path.name) for name, path in req["files"].items()}
        kwargs["content_type"] = "multipart/form-data"
    elif req["data"] is not None:
        kwargs["data"] = req["data"]
        kwargs.setdefault(
            "content_type", req["headers"].pop("Content-Type", "application/x-www-form-urlencoded")
        )
    response = client.open(req["path"], method=req["method"], **kwargs)
    assert response.status_code == status, response.get_data()[:500]
    # a verdict named in the comment must be the one answered
    comment = PAGE.read_text("utf-8").split(command, 1)[1].splitlines()[0]
    for verdict in ("genuine", "suspended", "revoked", "malformed", "inconsistent"):
        if status == 200 and f"→ {status} {verdict}" in comment:
            assert response.get_json()["verdict"] == verdict, response.get_data()[:300]
