"""``trace-std events capture``: into a local registry, and to a running server over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.events.reference import ROOT
from tests.events.repo_data import document, document_bytes
from trace_std.events.repository.query import count_events
from trace_std.registry import Registry


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "trace_std.cli", "events", "capture", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_local_capture_exit_codes(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    good = tmp_path / "good.json"
    good.write_bytes(document_bytes(3))
    r = _run(str(good), "--database", str(db), "--party", "packhouse-1")
    assert r.returncode == 0, r.stderr
    job = json.loads(r.stdout)
    assert job["events"] == {"received": 12, "stored": 12, "duplicates": 0}
    again = json.loads(_run(str(good), "--database", str(db)).stdout)
    assert again["events"]["duplicates"] == 12
    bad_doc = document(1)
    bad_doc["epcisBody"]["eventList"][0]["bizStep"] = "harvesting-ish"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bad_doc))
    r = _run(str(bad), "--database", str(db))
    assert r.returncode == 1 and json.loads(r.stdout)["errors"][0]["code"] == "epcis.vocab.unknown"
    assert _run(str(tmp_path / "missing.json"), "--database", str(db)).returncode == 2
    with Registry(f"sqlite:///{db}") as reg:
        assert count_events(reg) == 12


def test_remote_capture_needs_a_reachable_server(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_bytes(document_bytes(1))
    r = _run(str(good), "--url", "http://127.0.0.1:9", "--token", "tst_x")
    assert r.returncode == 2 and "127.0.0.1:9" in r.stderr


def test_cli_trace(tmp_path: Path) -> None:
    from tests.events.repo_data import gtin

    db = tmp_path / "r.sqlite3"
    doc = tmp_path / "doc.json"
    doc.write_bytes(document_bytes(2))
    assert _run(str(doc), "--database", str(db)).returncode == 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "trace_std.cli", "events", "trace", "--database", str(db)]
    r = subprocess.run(
        [*base, "--gtin", gtin(1), "--lot", "L0000001"], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["plantingAreas"] == ["VN-SLOR-0002"]
    r = subprocess.run(
        [*base, "--puc", "VN-SLOR-0001", "--forward", "--svg"], capture_output=True, text=True, env=env
    )
    assert r.returncode == 0 and r.stdout.startswith("<svg")
    r = subprocess.run(
        [*base, "--epc", "urn:epc:id:sscc:0000000.0000000001"], capture_output=True, text=True, env=env
    )
    assert r.returncode == 1  # nothing known about it
    r = subprocess.run([*base, "--since", "soon", "--forward"], capture_output=True, text=True, env=env)
    assert r.returncode == 2
