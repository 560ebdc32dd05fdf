"""The generated reference pages (scripts/gen_docs.py) are up to date with the code and data."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _gen_docs():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_docs", ROOT / "scripts" / "gen_docs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_docs", module)
    spec.loader.exec_module(module)
    return module


GEN = _gen_docs()


@pytest.mark.parametrize("name", sorted(GEN.PAGES))
def test_page_is_up_to_date(name: str) -> None:
    path = GEN.REFERENCE / name
    assert path.exists(), f"run python scripts/gen_docs.py ({name} missing)"
    assert path.read_text("utf-8") == GEN.PAGES[name](), f"{name} is stale: run python scripts/gen_docs.py"


def test_cli_reference_lists_every_command() -> None:
    from trace_std.cli import COMMANDS

    text = (GEN.REFERENCE / "cli.md").read_text("utf-8")
    for name in COMMANDS:
        assert f"## `trace-std {name}`" in text


def test_error_reference_has_every_code() -> None:
    from trace_std.errors import ErrorCode

    text = (GEN.REFERENCE / "errors.md").read_text("utf-8")
    for code in ErrorCode:
        assert f"### `{code.value}`" in text


def test_http_reference_has_every_path() -> None:
    doc = GEN.openapi_document()
    text = (GEN.REFERENCE / "http-api.md").read_text("utf-8")
    for path in doc["paths"]:
        assert f" {path}`" in text


def test_data_reference_has_every_table() -> None:
    text = (GEN.REFERENCE / "data.md").read_text("utf-8")
    for path in (ROOT / "trace_std" / "data").glob("*.json"):
        if not path.name.endswith(".schema.json"):
            assert f"## {path.name}" in text
