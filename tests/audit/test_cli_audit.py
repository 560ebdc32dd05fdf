"""``trace-std audit``: formats, rule and season filters, exit codes, typed option errors."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.audit import scenario as S
from trace_std.audit.report import COLUMNS, render
from trace_std.audit.rules import run_audit
from trace_std.registry import Registry


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    reg = Registry(url)
    reg.init()
    S.build(reg)
    S.declare(reg, S.line(S.A, kg=260_000, lot="OVER"), S.line(S.A, S.Q, exporter="=cmd|' /C calc'!A0"))
    reg.close()
    return url


def _cli(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "trace_std.cli", "audit", *args], capture_output=True, timeout=120
    )


def test_text_json_and_filters(db: str) -> None:
    out = _cli("--database", db)
    assert out.returncode == 1  # findings
    text = out.stdout.decode()
    assert "audit.over_yield" in text and "audit.unauthorised" in text and "needs inspection" in text
    assert "fraud" not in text.lower()
    body = json.loads(_cli("--database", db, "--format", "json", "--rule", "over_yield").stdout)
    assert [f["code"] for f in body["findings"]] == ["audit.over_yield"]
    assert body["findings"][0]["status"] == "needs inspection"
    empty = _cli("--database", db, "--season", "2024", "--format", "json")
    assert empty.returncode == 0 and json.loads(empty.stdout)["count"] == 0


def test_csv_and_xlsx_are_formula_safe(db: str, tmp_path: Path) -> None:
    rows = list(csv.reader(io.StringIO(_cli("--database", db, "--format", "csv").stdout.decode("utf-8-sig"))))
    assert tuple(rows[0]) == COLUMNS and len(rows) == 3
    lots = [r[COLUMNS.index("exporter")] for r in rows[1:]]
    assert "'=cmd|' /C calc'!A0" in lots
    target = tmp_path / "f.xlsx"
    assert _cli("--database", db, "--format", "xlsx", "-o", str(target)).returncode == 1
    assert zipfile.is_zipfile(target)
    ws = load_workbook(target, read_only=True)["findings"]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    assert tuple(values[0]) == COLUMNS and len(values) == 3
    assert all(not (isinstance(v, str) and v.startswith("=")) for row in values for v in row)


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (("--tolerance", "0"), "audit.option.invalid"),
        (("--severity", "chronology=urgent"), "audit.option.invalid"),
    ],
)
def test_bad_options_are_typed(db: str, args: tuple[str, ...], code: str) -> None:
    out = _cli("--database", db, *args)
    assert out.returncode == 2 and code in out.stderr.decode()


def test_unknown_rule_is_a_usage_error(db: str) -> None:
    assert _cli("--database", db, "--rule", "over_yeild").returncode == 2


def test_render_rejects_unknown_format(db: str) -> None:
    with Registry(db) as reg, pytest.raises(ValueError):
        render(run_audit(reg), "pdf")


def test_store_and_close(db: str) -> None:
    """``--store`` records the run (the PUC gets its public notice); ``--close ID --reason`` closes one."""
    from trace_std.audit.public import stored_findings
    from trace_std.registry.verify import verify

    assert _cli("--database", db, "--season", "2025").returncode == 1
    with Registry(db) as reg:
        assert stored_findings(reg, status=None) == []  # running is not storing
    out = _cli("--database", db, "--season", "2025", "--store", "--actor", "inspector:t", "--format", "json")
    assert out.returncode == 1 and b"2 opened" in out.stderr
    with Registry(db) as reg:
        stored = stored_findings(reg)
        assert verify(reg, S.A).to_dict()["notice"]["status"] == "needs inspection"
    assert len(stored) == 2
    missing = _cli("--database", db, "--close", str(stored[0]["id"]))
    assert missing.returncode == 2 and b"audit.option.invalid" in missing.stderr
    unknown = _cli("--database", db, "--close", "99999", "--reason", "x")
    assert unknown.returncode == 2 and b"audit.finding.not_found" in unknown.stderr
    for f in stored:
        assert _cli("--database", db, "--close", str(f["id"]), "--reason", "visited").returncode == 0
    with Registry(db) as reg:
        assert verify(reg, S.A).to_dict()["notice"] is None
        closed = stored_findings(reg, status="closed")
    assert {f["close_reason"] for f in closed} == {"visited"}
