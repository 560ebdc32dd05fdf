"""The CI-sized load and soak run (about 60 s): mixed workload at 16 and 64 connections."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hardening.soak import passed, soak

pytestmark = pytest.mark.slow


def test_mixed_workload_soak(tmp_path: Path) -> None:
    results = soak(30, [16, 64], tmp_path)
    for r in results:
        print(json.dumps(r))
        assert sum(r["errors"].values()) == 0, r
        assert r["requests"] > 100, r
        assert passed(r), r
