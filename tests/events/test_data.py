"""The CBV vocabulary table and the Rec 20 unit table are what their generators make from their
sources (drift test against ../shared for the GS1 facts; the vendored CSV for Rec 20)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.data_tables.test_generators import DATA, _regenerate, _script, _without_retrieval_date
from tests.events.reference import require_shared
from trace_std.events._syntax import vocabulary_words


def test_cbv_table_matches_gs1_contexts(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    source = require_shared() / "gs1"
    module = _script("gen_epcis_cbv")
    common = __import__("sys").modules["gen_common"]
    monkeypatch.setattr(common, "DATA_DIR", tmp_path)
    assert module.main([str(source)]) == 0
    fresh = json.loads((tmp_path / "epcis_cbv.json").read_text("utf-8"))
    shipped = json.loads((DATA / "epcis_cbv.json").read_text("utf-8"))
    assert _without_retrieval_date(fresh) == _without_retrieval_date(shipped)


def test_rec20_table_is_generated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _regenerate(monkeypatch, tmp_path, "gen_unece_rec20", ["unece_rec20"])


def test_cbv_words_are_the_schema_enums() -> None:
    schema = json.loads((require_shared() / "gs1" / "EPCIS-JSON-Schema.json").read_text("utf-8"))
    enum = next(b["enum"] for b in schema["definitions"]["bizStep"]["anyOf"] if "enum" in b)
    assert set(vocabulary_words("bizStep")) == set(enum)
    assert vocabulary_words("bizStep")["commissioning"] == "https://ref.gs1.org/cbv/BizStep-commissioning"
    assert "transforming" not in vocabulary_words("bizStep")
    assert "in_transport" not in vocabulary_words("disposition")


def test_no_gs1_file_is_shipped() -> None:
    root = Path(__file__).resolve().parents[2]
    shipped = {p.name for p in (root / "trace_std").rglob("*") if p.is_file()}
    assert not shipped & {"epcis-context.jsonld", "EPCIS-JSON-Schema.json", "cbv-context-bizstep.jsonld"}
