"""Record digests: a re-import skips the records it has applied, unless the code changed since."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.registry.conftest import SAMPLE_CSV, SAMPLE_JSON
from trace_std.errors import ErrorCode
from trace_std.registry import Registry, importer
from trace_std.registry.importer import digest, load
from trace_std.registry.records import ImportReport

CODE = "VN-SLOR-0001"


def _digests(registry: Registry) -> dict[str, str | None]:
    with registry.read() as s:
        return dict(s.execute(text("SELECT code, import_digest FROM codes")).all())  # type: ignore[arg-type]


@pytest.fixture
def validated(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The codes validated in full (before the load, or in it when a digest no longer matched)."""
    seen: list[str] = []

    def counting(original: Any) -> Any:
        def validate_code(raw: Any, issues: Any) -> Any:
            seen.append(raw.data.get("code"))
            return original(raw, issues)

        return validate_code

    monkeypatch.setattr(importer, "validate_code", counting(importer.validate_code))
    monkeypatch.setattr(load, "validate_code", counting(load.validate_code))
    return seen


def test_reimport_skips_every_applied_record(registry: Registry, validated: list[str]) -> None:
    assert registry.import_file(SAMPLE_JSON, actor="test").ok
    assert len(validated) == 224
    stored = _digests(registry)
    assert len(stored) == 224 and all(d is not None and len(d) == 32 for d in stored.values())
    validated.clear()
    again = registry.import_file(SAMPLE_JSON, actor="test")
    assert again.ok and again.unchanged["codes"] == 224 and again.history_appended == 0
    assert validated == []
    assert _digests(registry) == stored


def test_csv_reimport_skips_too(registry: Registry, validated: list[str]) -> None:
    assert registry.import_file(SAMPLE_CSV, actor="test").ok
    validated.clear()
    again = registry.import_file(SAMPLE_CSV, actor="test")
    assert again.ok and again.unchanged["codes"] == 224 and validated == []
    # the same registry from the JSON form: other records, the full path, nothing changed
    other = registry.import_file(SAMPLE_JSON, actor="test")
    assert other.ok and other.unchanged["codes"] == 224 and other.history_appended == 0
    assert len(validated) == 224


def _suspend(registry: Registry) -> None:
    """Suspend CODE on the day of its last event (so that the file's status can follow it)."""
    code = registry.get_code(CODE)
    assert code is not None
    registry.set_status(CODE, "suspended", reason="monitoring", actor="inspector", on=code.status_since)


def test_a_status_change_makes_the_file_apply_again(registry: Registry, validated: list[str]) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    _suspend(registry)
    assert _digests(registry)[CODE] is None
    validated.clear()
    again = registry.import_file(SAMPLE_JSON, actor="test")
    assert again.ok and again.updated["codes"] == 1 and again.history_appended == 1
    assert validated == [CODE]
    code = registry.get_code(CODE)
    assert code is not None and code.status == "active"  # the file's status, appended again


def test_an_admin_update_makes_the_file_apply_again(registry: Registry) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    before = registry.get_code(CODE)
    assert before is not None
    assert registry.upsert_code({"code": CODE, "owner": "someone else"}, actor="admin")[0] == "updated"
    again = registry.import_file(SAMPLE_JSON, actor="test")
    assert again.ok and again.updated["codes"] == 1
    after = registry.get_code(CODE)
    assert after is not None and after.owner == before.owner


def test_a_register_import_makes_the_file_apply_again(registry: Registry) -> None:
    from trace_std.audit.registers import import_register

    registry.import_file(SAMPLE_JSON, actor="test")
    rows = [{"overseasOfficialRegNo": CODE, "prodNameEn": "Longan", "regState": "2"}]
    assert import_register(registry, json.dumps(rows).encode(), actor="t").ok
    assert _digests(registry)[CODE] is None
    changed = registry.get_code(CODE)
    assert changed is not None
    assert [(a.status, a.registration_number) for a in changed.markets if a.market == "CN"] != [
        ("active", "SYN-CN-0001")
    ]
    again = registry.import_file(SAMPLE_JSON, actor="test")
    assert again.ok and again.updated["codes"] == 1
    restored = registry.get_code(CODE)
    assert restored is not None
    assert [(a.market, a.status, a.registration_number) for a in restored.markets if a.market == "CN"] == [
        ("CN", "active", "SYN-CN-0001")
    ]


def test_a_change_after_the_read_is_caught_in_the_write_transaction(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, validated: list[str]
) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    stored = _digests(registry)
    # the file is read while every digest matches; the status changes before the load
    monkeypatch.setattr(importer, "_stored_digests", lambda reg, codes: {c: stored[c] for c in codes})
    _suspend(registry)
    validated.clear()
    again = registry.import_file(SAMPLE_JSON, actor="test")
    assert again.ok and again.updated["codes"] == 1 and again.history_appended == 1
    assert validated == [CODE]
    assert _digests(registry) == stored


def test_a_bad_record_found_in_the_load_is_reported_and_nothing_changes(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    doc = json.loads(SAMPLE_JSON.read_text("utf-8"))
    doc["codes"][0]["area_ha"] = -1  # invalid, but taken for an applied record (a forged digest)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), "utf-8")
    monkeypatch.setattr(importer, "_stored_digests", lambda reg, codes: {c: "0" * 32 for c in codes})
    monkeypatch.setattr(importer, "record_digest", lambda raw: "0" * 32)
    before = _digests(registry)
    report = registry.import_file(path, actor="test")
    assert not report.ok and not report.applied
    assert [(i.row, i.code) for i in report.issues] == [(0, ErrorCode.REGISTRY_IMPORT_FIELD_INVALID)]
    assert _digests(registry) == before


def test_new_rules_take_the_full_path_once(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, validated: list[str]
) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    old = _digests(registry)
    monkeypatch.setattr(digest, "rules_version", lambda: b"other rules 0000")
    validated.clear()
    again = registry.import_file(SAMPLE_JSON, actor="test")
    assert again.ok and again.unchanged["codes"] == 224 and len(validated) == 224
    new = _digests(registry)
    assert new.keys() == old.keys() and all(new[c] != old[c] for c in new)
    validated.clear()
    assert registry.import_file(SAMPLE_JSON, actor="test").unchanged["codes"] == 224
    assert validated == []


def test_a_known_record_twice_is_a_duplicate(registry: Registry, tmp_path: Path) -> None:
    registry.import_file(SAMPLE_JSON, actor="test")
    doc = json.loads(SAMPLE_JSON.read_text("utf-8"))
    doc["codes"].append(doc["codes"][0])
    path = tmp_path / "twice.json"
    path.write_text(json.dumps(doc), "utf-8")
    report = registry.import_file(path, actor="test")
    assert not report.ok
    assert [(i.row, i.code) for i in report.issues] == [(224, ErrorCode.REGISTRY_IMPORT_DUPLICATE)]


def test_the_digest_covers_every_field_and_the_rules() -> None:
    from trace_std.registry.importer.formats import Raw

    base = {"code": CODE, "area_ha": 1.5, "crops": ["longan"], "markets": [{"market": "CN"}]}
    first = digest.record_digest(Raw("codes", 0, "/codes/0", dict(base)))
    assert first == digest.record_digest(Raw("codes", 7, "/codes/7", dict(base)))  # where it is: no
    for change in ({"area_ha": 1.6}, {"area_ha": "1.5"}, {"crops": ["longan", "mango"]}, {"markets": []}):
        assert digest.record_digest(Raw("codes", 0, "", {**base, **change})) != first


def test_the_digest_update_looks_staged_codes_up_by_index(registry: Registry) -> None:
    """The update of the digests of unchanged records is linear (it was quadratic on SQLite)."""
    if registry.backend != "sqlite":
        pytest.skip("PostgreSQL joins the staging table (UPDATE … FROM)")
    report = ImportReport(source="t", format="json", dry_run=True)
    with registry.write(dry_run=True) as s:
        load.Loader(s, actor="t", report=report, issues=[])
        plan = s.execute(
            text(
                "EXPLAIN QUERY PLAN UPDATE codes SET import_digest = (SELECT s.import_digest FROM "
                "temp.stage_digests s WHERE s.code = codes.code) "
                "WHERE code IN (SELECT code FROM temp.stage_digests)"
            )
        ).all()
    details = [row[-1] for row in plan]
    assert any("stage_digests" in d and "INDEX" in d for d in details), details
    assert not any(d.startswith("SCAN s") for d in details), details
