"""Concurrency and crash safety: parallel imports and readers; an import killed mid-way."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.registry.conftest import SAMPLE_JSON
from trace_std.registry import Registry

N_FILES = 4
PER_FILE = 150


def big_file(path: Path, owner: str, start: int, count: int, *, shared: bool = True) -> Path:
    codes: list[dict[str, Any]] = [
        {
            "code": f"VN-SLOR-{start + i:04d}",
            "owner": owner,
            "crops": ["longan"],
            "issued": "2024-01-01",
            "markets": [{"market": "CN", "approved": "2024-02-01", "registration_number": f"R{start + i}"}],
        }
        for i in range(count)
    ]
    if shared:  # every file also carries the same packing house: upserts must not collide
        codes.append({"code": "VN-SLPH-001", "owner": "shared", "crops": ["longan"], "issued": "2020-01-01"})
    path.write_text(json.dumps({"format": "trace-std-registry", "version": "1", "codes": codes}), "utf-8")
    return path


def test_parallel_imports_and_reads_lose_nothing_and_see_whole_files(
    registry: Registry, db_url: str, tmp_path: Path
) -> None:
    files = [
        big_file(tmp_path / f"f{i}.json", f"file{i}", 1000 + i * PER_FILE, PER_FILE) for i in range(N_FILES)
    ]
    done = threading.Event()
    seen: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def reader() -> None:
        reg = Registry(db_url)
        try:
            while not done.is_set():
                with reg.read() as s:
                    rows = s.execute(text("SELECT owner, count(*) FROM codes GROUP BY owner")).all()
                seen.append({str(owner): int(n) for owner, n in rows})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            reg.close()

    reports: list[Any] = []

    def importer(path: Path) -> None:
        reg = Registry(db_url)
        try:
            reports.append(reg.import_file(path, actor=f"worker:{path.stem}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            reg.close()

    readers = [threading.Thread(target=reader) for _ in range(3)]
    writers = [threading.Thread(target=importer, args=(p,)) for p in files]
    for t in readers + writers:
        t.start()
    for t in writers:
        t.join(timeout=120)
    done.set()
    for t in readers:
        t.join(timeout=30)
    assert errors == []
    assert all(r.ok and r.applied for r in reports) and len(reports) == N_FILES
    assert sum(r.created["codes"] for r in reports) == N_FILES * PER_FILE + 1
    assert len(seen) > N_FILES  # the readers really ran during the imports
    for snapshot in seen:  # a file is visible entirely or not at all
        for i in range(N_FILES):
            assert snapshot.get(f"file{i}", 0) in (0, PER_FILE), snapshot
    final = registry.search(per_page=1, q="VN-SLOR-")
    assert final.total == N_FILES * PER_FILE
    assert len(registry.audit_log(limit=100)) == N_FILES


def test_import_killed_midway_changes_nothing(registry: Registry, db_url: str, tmp_path: Path) -> None:
    assert registry.import_file(SAMPLE_JSON, actor="test").ok
    before = registry.export("json")
    path = big_file(tmp_path / "big.json", "big", 2000, 6000, shared=False)
    script = (
        "import sys; from trace_std.cli import main; "
        "sys.exit(main(['registry', 'import', sys.argv[1], '--database', sys.argv[2], '--progress']))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(path), db_url],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stderr is not None
    started = time.monotonic()
    line = ""
    while time.monotonic() - started < 120:
        line = proc.stderr.readline()
        if line.startswith("apply") or not line:
            break
    assert line.startswith("apply"), "the import never reached its transaction"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    proc.stderr.close()
    after = Registry(db_url)
    try:
        assert after.export("json").sha256 == before.sha256
        assert after.count() == 224
        # the registry is still writable: the same file imports completely afterwards
        report = after.import_file(
            big_file(tmp_path / "small.json", "small", 2000, 50, shared=False), actor="t"
        )
        assert report.ok and report.created["codes"] == 50
    finally:
        after.close()


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_concurrent_exports_never_expose_a_partial_file(registry: Registry, tmp_path: Path, fmt: str) -> None:
    assert registry.import_file(SAMPLE_JSON, actor="test").ok
    target = tmp_path / f"open-data.{fmt}"
    registry.export(fmt, target)
    complete = target.read_bytes()
    stop = threading.Event()
    partial: list[int] = []

    def watch() -> None:
        while not stop.is_set():
            data = target.read_bytes()
            if data != complete and len(data) != len(complete):
                partial.append(len(data))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for _ in range(5):
            registry.export(fmt, target)
    finally:
        stop.set()
        watcher.join()
    assert partial == []
