"""Replay the fuzz seeds and every saved regression input; run a short bounded campaign in CI."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from fuzz import seeds as seed_mod
from fuzz.targets import TARGETS, SlowInput, warm_up

ROOT = Path(__file__).resolve().parents[2]
REGRESSIONS = ROOT / "fuzz" / "regressions"


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    warm_up()


def _regression_cases() -> list[tuple[str, Path]]:
    return [(t, p) for t in TARGETS for p in sorted((REGRESSIONS / t).glob("*")) if p.is_file()]


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_every_target_has_seeds_and_survives_them(target: str) -> None:
    items = seed_mod.seeds()[target]
    assert items, f"no seed corpus for {target}"
    for data in items:
        TARGETS[target](data)


@pytest.mark.parametrize(("target", "path"), _regression_cases(), ids=lambda v: getattr(v, "name", v))
def test_saved_regressions(target: str, path: Path) -> None:
    TARGETS[target](path.read_bytes())


def test_invariant_catches_foreign_exceptions(monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness must fail on a non-TraceStdError and on a slow input (so the campaign can fail)."""
    import fuzz.targets as t

    def boom() -> None:
        raise KeyError("x")

    with pytest.raises(KeyError):
        t._timed(boom)
    monkeypatch.setattr(t, "MAX_SECONDS", -1.0)
    with pytest.raises(SlowInput):
        t._timed(lambda: None)


@pytest.mark.slow
def test_bounded_campaign(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / "run"), "--seconds", "12", "--work", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:]
