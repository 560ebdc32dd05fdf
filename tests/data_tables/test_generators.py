"""The generated tables are what their scripts produce (nobody edited them by hand)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
DATA = ROOT / "trace_std" / "data"


def _script(name: str) -> ModuleType:
    sys.path.insert(0, str(SCRIPTS))
    try:
        spec = importlib.util.spec_from_file_location(name, SCRIPTS / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SCRIPTS))
    return module


def _without_retrieval_date(table: dict[str, Any]) -> dict[str, Any]:
    out = dict(table)
    out["source"] = {k: v for k, v in table["source"].items() if k != "retrieved"}
    return out


def _regenerate(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    script: str,
    names: list[str],
    inputs: tuple[str, ...] = (),
) -> None:
    module = _script(script)
    common = sys.modules["gen_common"]
    for name in inputs:  # generators that read other tables read them from the output folder
        (tmp_path / name).write_bytes((DATA / name).read_bytes())
    monkeypatch.setattr(common, "DATA_DIR", tmp_path)
    monkeypatch.setattr(module, "DATA_DIR", tmp_path, raising=False)
    assert module.main() == 0
    for name in names:
        fresh = json.loads((tmp_path / f"{name}.json").read_text("utf-8"))
        shipped = json.loads((DATA / f"{name}.json").read_text("utf-8"))
        assert _without_retrieval_date(fresh) == _without_retrieval_date(shipped), name


def test_abbreviations_are_generated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _regenerate(
        monkeypatch,
        tmp_path,
        "gen_vn_abbreviations",
        ["vn_export_abbreviations"],
        inputs=("vn_admin_2004.json", "vn_export_abbreviations.overrides.json"),
    )


def test_iso_tables_are_generated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    pycountry = pytest.importorskip("pycountry")
    shipped = json.loads((DATA / "iso3166.json").read_text("utf-8"))["version"]
    if shipped != f"pycountry-{importlib.metadata.version('pycountry')}":
        require_service("pycountry " + shipped.removeprefix("pycountry-"), "the test extra pins it")
    assert pycountry.DATABASE_DIR
    _regenerate(monkeypatch, tmp_path, "gen_iso_tables", ["iso3166", "iso4217"])


@pytest.mark.slow
def test_admin_tables_are_generated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Downloads the two vietnam-provinces wheels from PyPI (slow; needs the package index)."""
    _regenerate(monkeypatch, tmp_path, "gen_vn_admin", ["vn_admin_2004", "vn_admin_2025"])


def test_initials() -> None:
    initials = _script("gen_vn_abbreviations").initials
    cases = [("Tiền Giang", "TG"), ("Đắk Nông", "DN"), ("Bà Rịa - Vũng Tàu", "BRVT"), ("Hồ Chí Minh", "HCM")]
    assert [initials(name) for name, _ in cases] == [abbr for _, abbr in cases]
