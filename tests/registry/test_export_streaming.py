"""The streaming export: round trips with hostile values (17.6 formula injection, 17.11 lists), pages."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.registry.conftest import SAMPLE_JSON
from trace_std.registry import Registry, exporter
from trace_std.spreadsheet import TRIGGERS

EDGE_TEXTS = [
    '=HYPERLINK("http://x","y")',
    "+84 912 345 678",
    "-1",
    "@SUM(A1)",
    "\tTab first",
    "'=already quoted",
    "''",
    "'t Hooft",
    "plain; with semicolon",
    "back\\slash;and\\;both",
    "Ω unicode — dash",
]


def edge_file(tmp_path: Path) -> Path:
    codes: list[dict[str, Any]] = []
    for i, text in enumerate(EDGE_TEXTS):
        codes.append(
            {
                "code": f"VN-DTOR-{i + 1:04d}",
                "name": text.strip() or "x",
                "owner": text,
                "address": f"{text} / address",
                "varieties": [text.strip(), "Tam Hoa", "a;b", "c\\d"],
                "crops": ["plum"],
                "legal_doc": text.strip()[:200] or None,
                "issued": "2024-01-01",
                "markets": [{"market": "CN", "approved": "2024-02-01", "registration_number": text.strip()}],
                "status": "suspended",
                "status_since": "2024-05-01",
                "status_reason": text,
            }
        )
    path = tmp_path / "edge.json"
    path.write_text(json.dumps({"codes": codes}, ensure_ascii=False), "utf-8")
    return path


def _no_change(report: Any) -> None:
    assert report.ok, report.issues[:3]
    assert sum(report.created.values()) == sum(report.updated.values()) == report.history_appended == 0


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_reimports_with_no_change_sample_and_edge_cases(
    registry: Registry, tmp_path: Path, fmt: str
) -> None:
    assert registry.import_file(SAMPLE_JSON, actor="t").ok
    report = registry.import_file(edge_file(tmp_path), actor="t")
    assert report.ok, report.issues[:3]
    out = tmp_path / f"out.{fmt}"
    info = registry.export(fmt, out)
    _no_change(registry.import_file(out, actor="t"))  # 17.11: 0 changes on the same registry
    other = Registry(tmp_path / "copy.sqlite3")  # and into an empty one: the same data
    other.init()
    assert other.import_file(out, actor="copy").ok
    assert other.export(fmt).sha256 == info.sha256
    for i, text in enumerate(EDGE_TEXTS):
        rec = other.get_code(f"VN-DTOR-{i + 1:04d}")
        assert rec is not None
        assert rec.owner == text.strip() and rec.address == f"{text} / address".strip()
        assert rec.varieties == (text.strip(), "Tam Hoa", "a;b", "c\\d")
        assert rec.markets[0].registration_number == text.strip()
        assert rec.history[-1].reason == text.strip()
    other.close()


def test_csv_cells_never_start_a_formula(registry: Registry, tmp_path: Path) -> None:
    """17.6: no cell of the CSV export starts with a character that makes a spreadsheet evaluate it."""
    assert registry.import_file(edge_file(tmp_path), actor="t").ok
    text = io.StringIO()
    registry.export("csv", text)
    body = "".join(line for line in text.getvalue().splitlines(keepends=True) if not line.startswith("#"))
    cells = [c for row in csv.reader(io.StringIO(body)) for c in row]
    assert cells and not [c for c in cells if c[:1] in TRIGGERS]
    assert '\'=HYPERLINK("http://x","y")' in cells
    assert "''=already quoted" in cells and "'t Hooft" in cells


def test_export_pages_through_many_codes(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Batches of 7 rows and chunks of 3 records give the same document as one page."""
    assert registry.import_file(SAMPLE_JSON, actor="t").ok
    whole = registry.export("json", tmp_path / "whole.json")
    monkeypatch.setattr(exporter, "BATCH", 7)
    paged = registry.export("json", tmp_path / "paged.json")
    assert paged.sha256 == whole.sha256 and paged.counts == whole.counts
    assert (tmp_path / "paged.json").read_bytes() == (tmp_path / "whole.json").read_bytes()
    doc = json.loads((tmp_path / "paged.json").read_text("utf-8"))
    assert exporter.json_checksum(doc) == paged.sha256
    assert [c["code"] for c in doc["codes"]] == sorted(c["code"] for c in doc["codes"])


def test_empty_registry_exports_valid_documents(registry: Registry, tmp_path: Path) -> None:
    info = registry.export("json", tmp_path / "empty.json")
    doc = json.loads((tmp_path / "empty.json").read_text("utf-8"))
    assert doc["codes"] == doc["products"] == doc["lots"] == []
    assert info.sha256 == exporter.json_checksum(doc)
    assert registry.import_file(tmp_path / "empty.json", actor="t").ok


@pytest.mark.postgres
def test_postgresql_cursors_planned_for_their_whole_result(pg_url: str) -> None:
    """The export's cursors read whole tables: planned for every row (seq scans and sorts), not for the
    first 10 % (index scans in code order, a random heap page per row at national scale)."""
    reg = Registry(pg_url)
    try:
        with exporter._snapshot(reg) as reader:
            list(reader.codes())  # sets the transaction's settings, then reads
            cur = reader.db.cursor()
            cur.execute("SHOW cursor_tuple_fraction")
            assert float(cur.fetchone()[0]) == 1.0
            cur.close()
    finally:
        reg.close()
