"""JSON Lines export and import (issue 16): round trips on both backends, hostile values, bad lines."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import random
from pathlib import Path
from typing import Any

import pytest

from tests.registry.conftest import SAMPLE_JSON
from tests.registry.test_export_streaming import EDGE_TEXTS, edge_file
from trace_std.registry import Registry, exporter
from trace_std.spreadsheet import neutralise


def _no_change(report: Any) -> None:
    assert report.ok, report.issues[:3]
    assert sum(report.created.values()) == sum(report.updated.values()) == report.history_appended == 0


def _lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def test_jsonl_round_trip_with_hostile_values(registry: Registry, tmp_path: Path) -> None:
    """Export → import gives 0 changes; into an empty registry it gives the same export."""
    assert registry.import_file(SAMPLE_JSON, actor="t").ok
    assert registry.import_file(edge_file(tmp_path), actor="t").ok
    out = tmp_path / "out.jsonl"
    info = registry.export("jsonl", out)
    report = registry.import_file(out, actor="t")  # format detected
    assert report.format == "jsonl"
    _no_change(report)
    other = Registry(tmp_path / "copy.sqlite3")
    other.init()
    try:
        assert other.import_file(out, actor="copy").ok
        assert other.export("jsonl").sha256 == info.sha256
        assert other.export("json").sha256 == registry.export("json").sha256
        for i, text in enumerate(EDGE_TEXTS):
            rec = other.get_code(f"VN-DTOR-{i + 1:04d}")
            assert rec is not None and rec.owner == text.strip()
            assert rec.varieties == (text.strip(), "Tam Hoa", "a;b", "c\\d")
    finally:
        other.close()


def test_jsonl_lines_are_the_json_documents_records(registry: Registry, tmp_path: Path) -> None:
    assert registry.import_file(SAMPLE_JSON, actor="t").ok
    assert registry.import_file(edge_file(tmp_path), actor="t").ok
    info = registry.export("jsonl", tmp_path / "out.jsonl")
    registry.export("json", tmp_path / "out.json")
    raw = (tmp_path / "out.jsonl").read_bytes()
    head, body = raw.split(b"\n", 1)
    header = json.loads(head)
    assert header["format"] == "trace-std-registry" and "record" not in header
    assert header["provenance"]["sha256"] == info.sha256 == hashlib.sha256(body).hexdigest()
    doc = json.loads((tmp_path / "out.json").read_text("utf-8"))
    assert header["provenance"]["counts"] == {k: len(doc[k]) for k in ("codes", "products", "lots")}
    records = _lines(tmp_path / "out.jsonl")[1:]
    kinds = {"code": "codes", "product": "products", "lot": "lots"}
    got: dict[str, list[dict[str, Any]]] = {"codes": [], "products": [], "lots": []}
    for rec in records:
        got[kinds[rec.pop("record")]].append(rec)
    assert got == {k: doc[k] for k in ("codes", "products", "lots")}
    # formula-looking text is kept as it is (JSON is not a spreadsheet), and one record is one line
    owners = {r["owner"] for r in got["codes"]}
    assert {'=HYPERLINK("http://x","y")', "'=already quoted", "@SUM(A1)"} <= owners


def test_newlines_in_values_stay_on_one_line(registry: Registry, tmp_path: Path) -> None:
    record = {"code": "VN-DTOR-0100", "name": "two\nlines\r\nand\u2028sep", "owner": "=1+2\n@x",
              "crops": ["plum"], "status": "active", "status_since": "2024-01-01"}  # fmt: skip
    (tmp_path / "in.json").write_text(json.dumps({"codes": [record]}), "utf-8")
    assert registry.import_file(tmp_path / "in.json", actor="t").ok
    registry.export("jsonl", tmp_path / "out.jsonl")
    lines = (tmp_path / "out.jsonl").read_bytes().split(b"\n")
    assert len(lines) == 3 and lines[-1] == b""  # header, the code, the final newline
    _no_change(registry.import_file(tmp_path / "out.jsonl", actor="t"))
    rec = registry.get_code("VN-DTOR-0100")
    assert rec is not None and rec.owner == "=1+2\n@x"


def _issues(report: Any) -> list[tuple[str, str]]:
    return [(i["code"], i["row"]) if isinstance(i, dict) else (i.code, i.pointer) for i in report.issues]


def test_bad_lines_are_each_reported_and_nothing_is_written(registry: Registry, tmp_path: Path) -> None:
    good = {"record": "code", "code": "VN-DTOR-0001", "crops": ["plum"], "status": "active",
            "status_since": "2024-01-01"}  # fmt: skip
    nul = {**good, "code": "VN-DTOR-0002", "name": "bad\x00name"}
    text = "\n".join([
        json.dumps(good),
        "{not json",
        "[1, 2]",
        json.dumps({"record": "planet", "code": "x"}),
        "",
        json.dumps(nul),
    ]) + "\n"  # fmt: skip
    path = tmp_path / "bad.jsonl"
    path.write_text(text, "utf-8")
    report = registry.import_file(path, actor="t", format="jsonl")
    assert not report.ok
    pointers = sorted({i.pointer for i in report.issues})
    assert pointers == ["line 2", "line 3", "line 4", "line 6"]
    assert {i.code for i in report.issues} == {"registry.import.field_invalid"}
    assert registry.get_code("VN-DTOR-0001") is None  # all or nothing


def test_foreign_header_and_overlong_line_make_the_file_unreadable(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from trace_std.errors import TraceStdError
    from trace_std.registry.importer import parse

    path = tmp_path / "other.jsonl"
    path.write_text(json.dumps({"format": "something-else", "version": "1"}) + "\n", "utf-8")
    with pytest.raises(TraceStdError) as err:
        registry.import_file(path, actor="t")
    assert err.value.code == "registry.import.unreadable"
    monkeypatch.setattr(parse, "MAX_LINE", 50)
    path.write_text(json.dumps({"record": "code", "code": "VN-DTOR-0001", "name": "x" * 100}) + "\n", "utf-8")
    with pytest.raises(TraceStdError) as err:
        registry.import_file(path, actor="t", format="jsonl")
    assert err.value.code == "registry.import.unreadable" and err.value.context["line"] == 1


def test_format_detection_keeps_one_line_json_documents(registry: Registry, tmp_path: Path) -> None:
    doc = {"format": "trace-std-registry", "codes": [{"code": "VN-DTOR-0001", "crops": ["plum"],
           "status": "active", "status_since": "2024-01-01"}]}  # fmt: skip
    path = tmp_path / "one-line.json"
    path.write_text(json.dumps(doc), "utf-8")
    report = registry.import_file(path, actor="t")
    assert report.ok and report.format == "json" and report.created["codes"] == 1


# -- the CSV writer's fast path (a chunk is neutralised cell by cell only when it may need it) ------------
_HOSTILE = "=+-@\t\r'\n,\";\\ aZ9Ω"


def _text(rng: random.Random) -> str:
    return "".join(rng.choice(_HOSTILE) for _ in range(rng.randint(1, 6)))


def test_csv_chunks_neutralise_exactly_the_cells_that_need_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Random hostile texts, in chunks of 3 codes: every cell is exactly ``neutralise(value)``."""
    rng = random.Random(16)
    monkeypatch.setattr(exporter, "BATCH", 3)
    codes = []
    for i in range(60):
        hostile = i % 4 == 0  # most chunks hold no hostile cell: both paths are taken
        t = (lambda: _text(rng)) if hostile else (lambda: f"plain {rng.randint(0, 99)}")
        codes.append({
            "code": f"VN-DTOR-{i:04d}", "kind": "puc", "scheme": "vn", "name": t(), "province_code": "87",
            "province_name": t(), "commune_code": None, "commune_name": t(), "crops": ["plum"],
            "varieties": [t()], "area_ha": 1.5, "households": 3, "owner": t(), "address": t(),
            "geometry": None, "issued": "2024-01-01", "status": "active", "status_since": "2024-01-01",
            "markets": [{"market": "CN", "status": "active", "approved": "2024-02-01", "valid_to": None,
                         "registration_number": t()}],
            "history": [{"from": None, "to": "active", "date": "2024-01-01", "reason": t(),
                         "legal_doc": t(), "recorded_by": t()}],
        })  # fmt: skip
    data = {"codes": codes, "products": [], "lots": []}
    text, _ = exporter.render(data, "csv", source="t", generated=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    body = "".join(line for line in text.splitlines(keepends=True) if not line.startswith("#"))
    rows = list(csv.reader(io.StringIO(body, newline="")))[1:]
    want = []
    for c in codes:
        line = ["code", *("" if c[k] is None else str(c[k]) for k in exporter.CODE_COLUMNS), *[""] * 21]
        line[exporter._AT["crops"]] = "plum"
        line[exporter._AT["varieties"]] = c["varieties"][0].replace("\\", "\\\\").replace(";", "\\;")
        want.append([neutralise(v) for v in line])
        m, h = c["markets"][0], c["history"][0]
        sub = [""] * len(exporter.CSV_COLUMNS)
        sub[:2] = ["approval", c["code"]]
        for k in exporter._APPROVAL_KEYS:
            sub[exporter._AT[k]] = m[k] or ""
        want.append([neutralise(v) for v in sub])
        sub = [""] * len(exporter.CSV_COLUMNS)
        sub[:2] = ["history", c["code"]]
        for col, k in zip(("from_status", "to_status", "date", "reason", "legal_doc", "recorded_by"),
                          exporter._HISTORY_KEYS, strict=True):  # fmt: skip
            sub[exporter._AT[col]] = h[k] or ""
        want.append([neutralise(v) for v in sub])
    assert rows == want
