"""Open-data import (all or nothing, idempotent, history appended) and export (provenance, atomic)."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.registry.conftest import SAMPLE_CSV, SAMPLE_JSON
from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry import Registry
from trace_std.registry.exporter import json_checksum


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_JSON.read_text("utf-8"))
    return data


def write(tmp_path: Path, doc: dict[str, Any], name: str = "in.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), "utf-8")
    return path


def checksum(registry: Registry) -> str:
    return registry.export("json").sha256


def test_sample_import_counts(registry: Registry) -> None:
    report = registry.import_file(SAMPLE_JSON, actor="test")
    assert report.ok and report.applied
    assert report.created == {"codes": 224, "products": 6, "lots": 41}
    assert registry.search(kind="puc").total == 216
    assert registry.search(kind="phc").total == 8
    pucs = {m: registry.search(kind="puc", market=m).total for m in ("CN", "AU", "US", "NZ")}
    assert pucs == {"CN": 108, "AU": 41, "US": 33, "NZ": 9}
    export = sum(
        registry.search(kind="puc", market=m).total for m in ("CN", "AU", "US", "NZ", "EU", "JP", "KR")
    )
    assert export == 200
    # the export of what was imported is the sample itself (same data checksum)
    assert checksum(registry) == sample()["provenance"]["sha256"]


def test_reimport_is_a_noop(registry: Registry) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    before = checksum(registry)
    history = sum(len(c.history) for c in registry.search(per_page=100).items)
    again = registry.import_file(SAMPLE_JSON, actor="test")
    assert again.ok
    assert again.created == {"codes": 0, "products": 0, "lots": 0}
    assert again.updated == {"codes": 0, "products": 0, "lots": 0}
    assert again.unchanged == {"codes": 224, "products": 6, "lots": 41}
    assert again.history_appended == 0
    assert checksum(registry) == before
    assert sum(len(c.history) for c in registry.search(per_page=100).items) == history


def test_csv_and_json_import_the_same_registry(registry: Registry, tmp_path: Path) -> None:
    report = registry.import_file(SAMPLE_CSV, actor="test")
    assert report.ok, report.issues[:3]
    assert report.format == "csv"
    assert checksum(registry) == sample()["provenance"]["sha256"]
    assert registry.import_file(SAMPLE_JSON, actor="test").unchanged["codes"] == 224


def test_one_bad_row_changes_nothing_and_every_bad_row_is_named(registry: Registry, tmp_path: Path) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    before = checksum(registry)
    doc = sample()
    doc["codes"][23]["status"] = "suspended"  # a valid change that must not be applied
    doc["codes"][23]["status_since"] = "2026-01-10"
    doc["codes"][25]["area_ha"] = -4
    doc["codes"][27]["code"] = "VN-SLOR-12"
    doc["codes"][29]["markets"][0]["market"] = "XX"
    doc["codes"][31]["code"] = doc["codes"][32]["code"]
    doc["products"][1]["gtin"] = "08936000120011"  # wrong check digit
    doc["lots"][2]["puc"] = "VN-SLOR-0999"  # well formed but nowhere
    report = registry.import_file(write(tmp_path, doc), actor="test")
    assert not report.ok and not report.applied
    found = {(i.record, i.row, i.code) for i in report.issues}
    assert found == {
        ("codes", 25, ErrorCode.REGISTRY_IMPORT_FIELD_INVALID),
        ("codes", 27, ErrorCode.REGISTRY_IMPORT_CODE_INVALID),
        ("codes", 29, ErrorCode.REGISTRY_MARKET_UNKNOWN),
        ("codes", 32, ErrorCode.REGISTRY_IMPORT_DUPLICATE),
        ("products", 1, ErrorCode.REGISTRY_IMPORT_FIELD_INVALID),
    }  # reference checks run only on a file whose rows are all well formed
    assert checksum(registry) == before
    # fix the format problems: the unknown reference is then reported, and still nothing changes
    doc = sample()
    doc["codes"][23]["status"] = "suspended"
    doc["codes"][23]["status_since"] = "2026-01-10"
    doc["lots"][2]["puc"] = "VN-SLOR-0999"
    report = registry.import_file(write(tmp_path, doc), actor="test")
    assert [(i.record, i.row, i.code, i.field) for i in report.issues] == [
        ("lots", 2, ErrorCode.REGISTRY_IMPORT_UNKNOWN_REFERENCE, "puc")
    ]
    assert report.created == report.updated == {"codes": 0, "products": 0, "lots": 0}
    assert checksum(registry) == before
    assert registry.get_code(doc["codes"][23]["code"]).status == "active"  # type: ignore[union-attr]


def test_bad_csv_rows_are_reported_by_line(registry: Registry, tmp_path: Path) -> None:
    text = SAMPLE_CSV.read_text("utf-8")
    lines = text.splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if line.startswith("code,VN-SLOR-0002,"))
    lines[target] = lines[target].replace("VN-SLOR-0002", "VN-SLOR-0002X", 1)
    path = tmp_path / "bad.csv"
    path.write_text("".join(lines), "utf-8", newline="")
    report = registry.import_file(path, actor="test")
    codes_issues = [i for i in report.issues if i.code == ErrorCode.REGISTRY_IMPORT_CODE_INVALID]
    assert [i.row for i in codes_issues] == [target + 1]
    assert registry.count() == 0


def test_status_change_in_an_import_appends_history(registry: Registry, tmp_path: Path) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    doc = sample()
    row = next(c for c in doc["codes"] if c["code"] == "VN-SLOR-0002")
    old = registry.get_code("VN-SLOR-0002")
    assert old is not None and old.status == "active"
    row.update(
        status="suspended", status_since="2026-01-15", status_reason="monitoring", legal_doc="SYN-1/TB"
    )
    report = registry.import_file(write(tmp_path, doc), actor="importer")
    assert report.ok and report.history_appended == 1
    assert report.updated["codes"] == 1 and report.unchanged["codes"] == 223
    new = registry.get_code("VN-SLOR-0002")
    assert new is not None
    assert new.history[:-1] == old.history  # nothing rewritten
    last = new.history[-1]
    assert (last.from_status, last.to_status, last.date, last.legal_doc, last.recorded_by) == (
        "active",
        "suspended",
        dt.date(2026, 1, 15),
        "SYN-1/TB",
        "importer",
    )
    assert new.status_on(dt.date(2026, 1, 14)) == "active"
    assert new.status_on(dt.date(2026, 1, 15)) == "suspended"
    # the same file again is a no-op, and the original sample (status active) appends a reinstatement
    assert registry.import_file(write(tmp_path, doc), actor="importer").history_appended == 0


def test_history_that_does_not_continue_the_registered_one_is_rejected(
    registry: Registry, tmp_path: Path
) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    before = checksum(registry)
    doc = sample()
    row = next(c for c in doc["codes"] if c["code"] == "VN-SLOR-0007")  # suspended 2025-09-15
    row["history"].insert(
        1,
        {
            "from": "active",
            "to": "revoked",
            "date": "2025-05-01",
            "reason": "x",
            "legal_doc": None,
            "recorded_by": "x",
        },
    )
    report = registry.import_file(write(tmp_path, doc), actor="test")
    assert {i.code for i in report.issues} == {ErrorCode.REGISTRY_IMPORT_HISTORY_CONFLICT}
    assert checksum(registry) == before


def test_dry_run_reports_and_changes_nothing(registry: Registry) -> None:
    report = registry.import_file(SAMPLE_JSON, actor="test", dry_run=True)
    assert report.ok and not report.applied
    assert report.created["codes"] == 224
    assert registry.count() == 0
    assert registry.audit_log() == []


def test_import_is_audited_with_the_actor(registry: Registry) -> None:
    registry.import_file(SAMPLE_JSON, actor="token:ops")
    entry = registry.audit_log()[0]
    assert (entry.actor, entry.action) == ("token:ops", "registry.import")
    assert entry.detail["sha256"] == hashlib.sha256(SAMPLE_JSON.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"\xff\xfe{", ErrorCode.REGISTRY_IMPORT_UNREADABLE),
        (b'{"codes": [', ErrorCode.REGISTRY_IMPORT_UNREADABLE),
        (b'{"format": "something-else"}', ErrorCode.REGISTRY_IMPORT_UNREADABLE),
        (b"name,colour\nx,y\n", ErrorCode.REGISTRY_IMPORT_UNREADABLE),
    ],
)
def test_unreadable_files_raise(registry: Registry, content: bytes, code: str) -> None:
    with pytest.raises(TraceStdError) as err:
        registry.import_file(io.BytesIO(content), actor="t")
    assert err.value.code == code


def test_upsert_code(registry: Registry) -> None:
    outcome, rec = registry.upsert_code(
        {
            "code": "vn-sl-or-0500".replace("-or-", "or-"),
            "crops": ["mango"],
            "issued": "2024-05-01",
            "markets": [{"market": "cn"}],
        },
        actor="a",
    )
    assert (outcome, rec.code, rec.kind, rec.province_code) == ("created", "VN-SLOR-0500", "puc", "14")
    assert [m.market for m in rec.markets] == ["CN"]
    assert registry.upsert_code({"code": "VN-SLOR-0500", "crops": ["mango"]}, actor="a")[0] == "unchanged"
    outcome, rec = registry.upsert_code({"code": "VN-SLOR-0500", "owner": "HTX"}, actor="b")
    assert (outcome, rec.owner, rec.crops) == ("updated", "HTX", ("mango",))
    with pytest.raises(TraceStdError) as err:
        registry.upsert_code({"code": "VN-SLOR-0500", "area_ha": "lots"}, actor="b")
    assert err.value.code == ErrorCode.REGISTRY_IMPORT_FIELD_INVALID
    assert [a.action for a in registry.audit_log()] == ["code.update", "code.create"]


# -- export ----------------------------------------------------------------------------------
def test_export_provenance_and_checksums(registry: Registry, tmp_path: Path) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    info = registry.export("json", tmp_path / "out.json", source="unit test")
    doc = json.loads((tmp_path / "out.json").read_text("utf-8"))
    prov = doc["provenance"]
    assert prov["source"] == "unit test" and prov["sha256"] == info.sha256 == json_checksum(doc)
    assert dt.datetime.fromisoformat(prov["generated"].replace("Z", "+00:00")) == info.generated
    assert prov["counts"] == {"codes": 224, "products": 6, "lots": 41}
    info_csv = registry.export("csv", tmp_path / "out.csv")
    raw = (tmp_path / "out.csv").read_bytes()
    header = b"".join(raw.splitlines(keepends=True)[:3])
    assert info_csv.sha256 in header.decode()
    assert hashlib.sha256(raw[len(header) :]).hexdigest() == info_csv.sha256
    rows = list(csv.DictReader(io.StringIO(raw[len(header) :].decode("utf-8"))))
    assert sum(r["record"] == "code" for r in rows) == 224


def test_export_round_trips_into_an_empty_registry(registry: Registry, tmp_path: Path) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    registry.set_status(
        "VN-SLOR-0002", "revoked", reason="r", legal_doc="d", actor="x", on=dt.date(2026, 2, 1)
    )
    for fmt in ("json", "csv"):
        path = tmp_path / f"e.{fmt}"
        info = registry.export(fmt, path)
        other = Registry(tmp_path / f"copy-{fmt}.sqlite3")
        other.init()
        assert other.import_file(path, actor="copy").ok
        assert other.export(fmt).sha256 == info.sha256
        other.close()


def test_export_to_a_path_is_atomic(
    registry: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    target = tmp_path / "published.json"
    target.write_text("previous export", "utf-8")

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        registry.export("json", target)
    assert target.read_text("utf-8") == "previous export"
    assert [p.name for p in tmp_path.iterdir() if "published" in p.name] == ["published.json"]  # no temp file
    monkeypatch.undo()
    registry.export("json", target)
    assert json.loads(target.read_text("utf-8"))["provenance"]["counts"]["codes"] == 224


def test_export_does_not_change_between_runs(registry: Registry) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    first, second = registry.export("csv"), registry.export("csv")
    assert first.sha256 == second.sha256
    assert copy.copy(first.counts) == second.counts


def _analyze_counts(registry: Registry) -> dict[str, int]:
    from sqlalchemy import text

    with registry.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT relname, analyze_count FROM pg_stat_user_tables WHERE schemaname = current_schema()")
        )
        return {name: int(count) for name, count in rows}


def test_an_applied_import_refreshes_planner_statistics(registry: Registry) -> None:
    """PostgreSQL: ANALYZE runs after an import that changed something, not after a no-op or dry run."""
    if registry.backend != "postgresql":
        assert registry.refresh_statistics() is False  # SQLite plans these lookups without statistics
        return
    tables = ("codes", "market_approvals", "status_history", "products", "lots")
    before = _analyze_counts(registry)
    registry.import_file(SAMPLE_JSON, actor="test", dry_run=True)
    registry.import_file(SAMPLE_JSON, actor="test")
    after = _analyze_counts(registry)
    assert all(after[t] == before.get(t, 0) + 1 for t in tables), (before, after)
    registry.import_file(SAMPLE_JSON, actor="test")  # unchanged: no ANALYZE
    assert _analyze_counts(registry) == after
