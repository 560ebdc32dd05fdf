"""``trace-std serve``: argument checks, first-run sample loading, and a real gunicorn start."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.hardening.server import stop_group
from trace_std.cli import main
from trace_std.cli.serve import gunicorn_application, prepare_registry


def test_bind_needs_workers_and_workers_must_be_positive(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--bind", "127.0.0.1:1"]) == 2
    assert main(["serve", "--workers", "0"]) == 2
    assert main(["serve", "--workers", "2", "--threads", "0"]) == 2
    assert main(["serve", "--threads", "4"]) == 2  # threads are a gunicorn setting


def test_worker_class_follows_threads() -> None:
    sync = gunicorn_application("127.0.0.1:0", 2)
    assert (sync.cfg.worker_class_str, sync.cfg.threads) == ("sync", 1)
    threaded = gunicorn_application("127.0.0.1:0", 2, threads=8)
    assert (threaded.cfg.worker_class_str, threaded.cfg.threads) == ("gthread", 8)


def test_first_run_creates_the_sqlite_registry_and_loads_the_sample(tmp_path: Path) -> None:
    from trace_std.registry import Registry

    url = f"sqlite:///{tmp_path / 'new.sqlite3'}"
    prepare_registry(url, None)
    with Registry(url) as registry:
        count = registry.count()
        assert count >= 216
    prepare_registry(url, None)  # second run: nothing reloaded, nothing duplicated
    with Registry(url) as registry:
        assert registry.count() == count


def test_no_sample_only_creates_the_schema(tmp_path: Path) -> None:
    from trace_std.registry import Registry

    url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    prepare_registry(url, False)
    with Registry(url) as registry:
        assert registry.is_empty() and registry.revision() is not None


def test_gunicorn_application_serves_create_app() -> None:
    application = gunicorn_application("127.0.0.1:0", 3)
    assert application.cfg.workers == 3
    assert application.cfg.bind == ["127.0.0.1:0"]
    from flask import Flask

    assert isinstance(application.load(), Flask)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["gunicorn", "dev"])
def test_newcomer_serve_then_lookup(tmp_path: Path, mode: str) -> None:
    port = _free_port()
    args = ["--workers", "2", "--bind", f"127.0.0.1:{port}"] if mode == "gunicorn" else ["--port", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACE_STD_")}
    if mode == "gunicorn":
        env["TRACE_STD_ALLOWED_HOSTS"] = "127.0.0.1"  # required under gunicorn (issue 17 item 9)
    proc = subprocess.Popen(
        [sys.executable, "-c", "from trace_std.cli import run; run()", "serve", *args],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        body = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/codes/VN-SLOR-0001", timeout=5) as r:
                    body = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.3)
        assert body is not None, proc.stderr.read().decode() if proc.poll() is not None else "no answer"
        assert body["code"] == "VN-SLOR-0001"
        assert (tmp_path / "trace_std.sqlite3").exists()
    finally:
        stop_group(proc, timeout=15)
        assert proc.stderr is not None
        proc.stderr.close()
