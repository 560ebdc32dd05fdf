"""A kill -9 of the server in the middle of a 100,000-event rollback capture leaves no event stored
(SQLite and PostgreSQL), and the repository takes the next capture at once."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.events.repo_data import document_bytes
from tests.events.repository.conftest import BACKENDS
from tests.registry.conftest import create_pg_database, drop_pg_database
from trace_std.events.repository import capture
from trace_std.events.repository.query import count_events
from trace_std.events.repository.schema import capture_jobs
from trace_std.registry import Registry

ROOT = Path(__file__).resolve().parents[3]
LOTS = int(os.environ.get("TRACE_STD_KILL_TEST_LOTS", "25000"))  # 4 events per lot: 100,000 events


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _inserting(reg: Registry, wal: Path | None) -> bool:
    if wal is not None:  # SQLite: the open write transaction spills its pages into the WAL
        return wal.exists() and wal.stat().st_size > 4 * 1024 * 1024
    with reg.engine.connect() as conn:
        n = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND ("
                "query LIKE 'COPY epcis_event%' OR query LIKE 'SELECT event_hash FROM epcis_events%')"
            )
        ).scalar_one()
        conn.rollback()
    return bool(n)


@pytest.mark.slow
@pytest.mark.parametrize("backend", BACKENDS)
def test_kill_9_mid_capture_keeps_nothing(backend: str, tmp_path: Path) -> None:
    if backend == "sqlite":
        db_file = tmp_path / "r.sqlite3"
        url, wal = f"sqlite:///{db_file}", tmp_path / "r.sqlite3-wal"
    else:
        url, wal = create_pg_database(), None
    reg = Registry(url)
    try:
        reg.init()
        secret, _ = reg.create_token("packhouse", ["events:capture"], actor="test")
        body = document_bytes(LOTS)
        port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACE_STD_")}
        env["PYTHONPATH"] = str(ROOT)
        env["TRACE_STD_DATABASE_STATEMENT_TIMEOUT_MS"] = "0"
        proc = subprocess.Popen(
            [sys.executable, "-m", "trace_std.cli", "serve", "--port", str(port), "--database", url],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
                    break
                except OSError:
                    time.sleep(0.3)
            # the first serve may load the sample registry (with its audit season's events): what
            # is stored before the capture is the baseline
            held = count_events(reg)
            with reg.engine.connect() as conn:
                jobs = conn.execute(select(func.count()).select_from(capture_jobs)).scalar_one()
            outcome: list[object] = []

            def post() -> None:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/epcis/capture",
                    data=body,
                    method="POST",
                    headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
                )
                try:
                    with urllib.request.urlopen(request, timeout=600) as r:
                        outcome.append(r.status)
                except (urllib.error.URLError, OSError) as exc:
                    outcome.append(exc)

            sender = threading.Thread(target=post)
            sender.start()
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and not _inserting(reg, wal) and sender.is_alive():
                time.sleep(0.05)
            assert sender.is_alive(), f"the capture ended before it could be killed: {outcome}"
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(30)
            sender.join(60)
            assert outcome and not isinstance(outcome[0], int), outcome
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)
        assert count_events(reg) == held
        with reg.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(capture_jobs)).scalar_one() == jobs
        # nothing is left locked: the next capture goes through
        job = capture(reg, document_bytes(2), party="p")
        assert (job.state, job.stored) == ("succeeded", 8)
    finally:
        reg.close()
        if backend == "postgresql":
            drop_pg_database(url)
