"""Item 6 of issue 15: the sample registry's 2025 audit season plants exactly one case of each audit
rule (next to clean neighbours), so that a newcomer sees the audit work on the first run."""

from __future__ import annotations

import json
import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from tests.registry.conftest import BACKENDS, create_pg_database, drop_pg_database
from trace_std.audit.rules import RULES, run_audit
from trace_std.audit.sample import ensure_audit_sample, load_audit_sample
from trace_std.registry import Registry
from trace_std.registry.models import Code, MarketApproval

ROOT = Path(__file__).resolve().parents[2]
GEN = runpy.run_path(str(ROOT / "scripts/gen_sample_audit.py"), run_name="gen_sample_audit")
PLANTED: dict[str, dict[str, str]] = GEN["PLANTED"]


def _approvals(reg: Registry) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    with reg.read() as s:
        for code, *row in s.execute(
            select(
                Code.code, MarketApproval.market, MarketApproval.status, MarketApproval.approved,
                MarketApproval.valid_to, MarketApproval.registration_number,
            ).outerjoin(MarketApproval, MarketApproval.code_id == Code.id)
        ):  # fmt: skip
            out.setdefault(code, []).append(tuple(str(v) for v in row))
    return {k: sorted(v) for k, v in out.items()}


@pytest.fixture(scope="module", params=BACKENDS)
def season(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    url = (
        f"sqlite:///{tmp_path_factory.mktemp('audit-sample') / 's.sqlite3'}"
        if request.param == "sqlite"
        else create_pg_database()
    )
    reg = Registry(url)
    assert reg.ensure_sample() is True
    reg.before = _approvals(reg)  # type: ignore[attr-defined]
    assert ensure_audit_sample(reg) is True
    yield reg
    reg.close()
    if request.param == "postgresql":
        drop_pg_database(url)


def _shape(findings: list[Any]) -> list[tuple[str, dict[str, Any], str | None]]:
    return [(f.rule, {k: v for k, v in f.subject.items() if v is not None}, f.season) for f in findings]


SEEN: dict[str, list[dict[str, Any]]] = {}


def test_exactly_one_finding_per_rule(season: Registry) -> None:
    found = run_audit(season)
    assert sorted(f.rule for f in found) == sorted(RULES)  # each rule once, no other finding
    for rule, subject, year in _shape(found):
        assert year == "2025"
        assert PLANTED[rule].items() <= subject.items(), (rule, subject)
    sources = {f.rule: f.provenance["source"] for f in found}
    assert sources["over_yield"] == sources["chronology"] == sources["one_lot_many_origins"] == "epcis"
    assert sources["unauthorised"] == sources["geography"] == "labels"
    # the same findings on both backends (provenance names a capture job id of each run: left out)
    comparable = [{**f.to_dict(), "provenance": None} for f in found]
    for other in SEEN.values():
        assert other == comparable
    SEEN[season.backend] = comparable


def test_clean_neighbours_stay_clean(season: Registry) -> None:
    """Lines of the same season that raise nothing: the README's lot, the letter at its cap, the
    suspended PUC before its suspension, the authorised packing house of the unauthorised PUC."""
    found = run_audit(season)
    flagged = {f.subject.get("puc") for f in found} | {f.subject.get("lot") for f in found}
    for clean in ("VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003", "SL250801S", "SL250805Q"):
        assert clean not in flagged
    volume = next(f for f in found if f.rule == "volume_cap")
    assert (volume.evidence["declared_kg"], volume.evidence["volume_cap_kg"]) == (600.0, 500.0)


def test_loading_again_changes_nothing(season: Registry) -> None:
    before = _shape(run_audit(season))
    assert ensure_audit_sample(season) is False
    load_audit_sample(season)  # idempotent: same letters, register, file and events
    assert _shape(run_audit(season)) == before


def test_the_register_leaves_the_sample_approvals_as_they_were(season: Registry) -> None:
    after = _approvals(season)
    extra = set(after) - set(season.before)  # type: ignore[attr-defined]
    assert extra == {"VN-DTPH-021"}
    assert {k: after[k] for k in season.before} == season.before  # type: ignore[attr-defined]


def test_generated_files_are_current() -> None:
    assert GEN["main"](["--check"]) == 0


def test_newcomer_first_run_shows_every_finding(tmp_path: Path) -> None:
    """The documented first run: ``trace-std registry init --sample``, then ``trace-std audit``."""
    db = str(tmp_path / "trace_std.sqlite3")

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "trace_std.cli", *args],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path,
        )

    init = cli("registry", "init", "--sample", "--database", db)
    assert init.returncode == 0, init.stderr
    out = cli("audit", "--database", db)
    assert out.returncode == 1, out.stderr  # findings
    for rule in RULES:
        assert f"audit.{rule}" in out.stdout
    assert "needs inspection" in out.stdout and "fraud" not in out.stdout.lower()
    body = json.loads(cli("audit", "--database", db, "--format", "json").stdout)
    assert body["count"] == len(RULES)


def test_serve_first_run_loads_the_audit_season(tmp_path: Path) -> None:
    from trace_std.cli.serve import prepare_registry

    url = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    prepare_registry(url, None)
    with Registry(url) as reg:
        assert sorted(f.rule for f in run_audit(reg)) == sorted(RULES)
    prepare_registry(url, False)
    with Registry(url) as reg:
        assert len(run_audit(reg)) == len(RULES)
