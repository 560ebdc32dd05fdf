"""Every error code has a documented bad example and fix, and every library-input example really produces its code."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.docs.error_examples import VIAS, codes_of, load
from trace_std.errors import ErrorCode

EXAMPLES = load()
RUNNABLE = sorted(code for code, entry in EXAMPLES.items() if entry.get("via"))


def test_one_entry_per_code() -> None:
    assert set(EXAMPLES) == {c.value for c in ErrorCode}
    for code, entry in EXAMPLES.items():
        assert entry.get("fix"), f"{code}: no fix"
        assert entry.get("input") is not None or entry.get("label") is not None, f"{code}: no bad example"
        assert entry.get("via") in (*VIAS, None), code


def test_most_examples_are_checked() -> None:
    # Codes that need a file system state, an image or a server condition are described, not run.
    assert len(RUNNABLE) >= 140


@pytest.fixture(scope="module")
def sample_registry() -> Iterator[Any]:
    pytest.importorskip("sqlalchemy")
    from trace_std.registry import Registry

    with tempfile.TemporaryDirectory() as tmp:
        reg = Registry(f"sqlite:///{tmp}/sample.sqlite3")
        assert reg.ensure_sample() is True
        yield reg
        reg.close()


@pytest.mark.parametrize("code", RUNNABLE)
def test_example_produces_its_code(code: str, request: pytest.FixtureRequest) -> None:
    entry = EXAMPLES[code]
    registry = request.getfixturevalue("sample_registry") if entry["via"] == "verify" else None
    assert code in codes_of(entry, registry)
