"""``trace-std events validate``: JSON lines, exit codes 0 / 1 / 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.events.reference import ROOT

EVENT = {
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    "type": "ObjectEvent",
    "action": "OBSERVE",
    "eventTime": "2025-08-12T07:30:00+07:00",
    "eventTimeZoneOffset": "+07:00",
    "epcList": ["urn:epc:id:sgtin:8935234.012345.1001"],
    "bizStep": "shipping",
}


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "trace_std.cli", "events", "validate", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_exit_codes_and_json_lines(tmp_path: Path) -> None:
    good = tmp_path / "good.jsonld"
    good.write_text(json.dumps(EVENT))
    bad = tmp_path / "bad.jsonld"
    bad.write_text(json.dumps({**EVENT, "bizStep": "transforming"}))
    broken = tmp_path / "broken.jsonld"
    broken.write_text('{"type": ')
    ok = _run("--format", "json", str(good))
    assert ok.returncode == 0
    assert json.loads(ok.stdout) == {"file": str(good), "valid": True, "events": 1, "issues": []}
    mixed = _run("--format", "json", str(good), str(bad))
    assert mixed.returncode == 1
    lines = [json.loads(line) for line in mixed.stdout.splitlines()]
    assert [line["valid"] for line in lines] == [True, False]
    assert lines[1]["issues"] == [
        {
            "code": "epcis.vocab.unknown",
            "severity": "error",
            "pointer": "/bizStep",
            "message": lines[1]["issues"][0]["message"],
        }
    ]
    unreadable = _run("--format", "json", str(bad), str(broken), str(tmp_path / "missing.jsonld"))
    assert unreadable.returncode == 2
    codes = [[i["code"] for i in json.loads(line)["issues"]] for line in unreadable.stdout.splitlines()]
    assert codes == [["epcis.vocab.unknown"], ["epcis.json.syntax"], ["file.unreadable"]]
    text = _run(str(bad))
    assert text.returncode == 1 and "epcis.vocab.unknown at /bizStep" in text.stdout


def test_profile_with_a_registry(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    database = tmp_path / "registry.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    init = subprocess.run(
        [sys.executable, "-m", "trace_std.cli", "registry", "init", "--sample", "--database", str(database)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    built = _run_events("build", str(ROOT / "examples" / "labels" / "valid-sonla-longan-cn.json"), "-o", "-")
    doc = json.loads(built.stdout)
    good = tmp_path / "good.jsonld"
    good.write_text(json.dumps(doc))
    event = doc["epcisBody"]["eventList"][0]
    event.pop("eventID")
    event["ilmd"]["vn:plantingAreaCode"] = "VN-SLOR-0031"  # revoked in the sample registry
    bad = tmp_path / "revoked.jsonld"
    bad.write_text(json.dumps(doc))
    args = ["--profile", "vn-fresh-produce", "--registry", str(database), "--format", "json"]
    assert _run(*args, str(good)).returncode == 0
    result = _run(*args, str(bad))
    assert result.returncode == 1
    issues = json.loads(result.stdout)["issues"]
    assert ("registry.code.revoked", "/epcisBody/eventList/0/ilmd/vn:plantingAreaCode") in {
        (i["code"], i["pointer"]) for i in issues
    }


def _run_events(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "trace_std.cli", "events", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
