"""The streaming importer: chunk boundaries, CSV rows far from their code, hostile files, limits."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.registry.conftest import SAMPLE_CSV, SAMPLE_JSON
from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry import Registry
from trace_std.registry.importer import parse


def _counts(report: Any) -> tuple[dict[str, int], dict[str, int], int]:
    return report.created, report.updated, report.history_appended


def test_json_records_split_across_read_chunks_import_the_same(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every record boundary falls inside a read chunk somewhere when chunks are 7 characters."""
    reference = Registry(f"sqlite:///{tmp_path / 'ref.sqlite3'}")
    reference.init()
    expected = reference.import_file(SAMPLE_JSON, actor="t")
    monkeypatch.setattr(parse, "CHUNK", 7)
    report = registry.import_file(SAMPLE_JSON, actor="t")
    assert report.ok and report.applied
    assert _counts(report) == _counts(expected)
    assert registry.export("json").sha256 == reference.export("json").sha256
    reference.close()


def test_csv_approval_and_history_rows_anywhere_in_the_file(registry: Registry, tmp_path: Path) -> None:
    """Sub-rows far from their code row attach to it as if they followed it."""
    lines = SAMPLE_CSV.read_text("utf-8").splitlines(keepends=True)
    head = [ln for ln in lines if ln.startswith("#")]
    body = lines[len(head) :]
    rows = list(csv.reader(body))
    header, data = rows[0], rows[1:]
    main = [r for r in data if r[0] not in ("approval", "history")]
    subs = [r for r in data if r[0] in ("approval", "history")]
    moved = tmp_path / "moved.csv"
    with moved.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        half = len(subs) // 2  # some before their code row, some long after it; each code's in order
        w.writerows(main[:50] + subs[:half] + main[50:] + subs[half:])
    reference = Registry(f"sqlite:///{tmp_path / 'ref.sqlite3'}")
    reference.init()
    expected = reference.import_file(SAMPLE_CSV, actor="t")
    report = registry.import_file(moved, actor="t")
    assert report.ok, report.issues[:3]
    assert _counts(report) == _counts(expected)
    assert registry.export("json").sha256 == reference.export("json").sha256
    reference.close()


def test_csv_sub_row_of_an_unknown_code_is_reported_by_line(registry: Registry, tmp_path: Path) -> None:
    path = tmp_path / "orphan.csv"
    path.write_text(
        "record,code,market,status\ncode,VN-SLOR-0001,,active\napproval,VN-SLOR-0002,CN,active\n",
        "utf-8",
    )
    report = registry.import_file(path, actor="t")
    assert not report.ok
    assert [(i.code, i.pointer) for i in report.issues] == [
        (ErrorCode.REGISTRY_IMPORT_UNKNOWN_REFERENCE, "line 3")
    ]


@pytest.mark.parametrize(
    "content",
    [
        b'{"codes": [' + b"[" * 5000 + b"]" * 5000 + b"]}",  # 17.10: nested deeper than the decoder
        b'{"provenance": ' + b"[" * 5000 + b"]" * 5000 + b', "codes": []}',
        b'{"codes": []} trailing',
        b'{"codes": [{"code": "VN-SLOR-0001"} {"code": "VN-SLOR-0002"}]}',
        b'{"codes": [{"code": "VN-SLOR-0001"}',
        b'{"codes" [] }',
        b"42",
        b"",
    ],
)
def test_hostile_json_raises_a_typed_error(registry: Registry, content: bytes) -> None:
    with pytest.raises(TraceStdError) as err:
        registry.import_file(io.BytesIO(content), actor="t")
    assert err.value.code == ErrorCode.REGISTRY_IMPORT_UNREADABLE
    assert registry.count() == 0


def test_invalid_json_is_located(registry: Registry) -> None:
    text = '{\n "codes": [\n  {"code": "VN-SLOR-0001"},\n  {"code": oops}\n ]\n}'
    with pytest.raises(TraceStdError) as err:
        registry.import_file(io.BytesIO(text.encode()), actor="t")
    assert err.value.context["line"] == 4
    assert err.value.span == (text.index("oops"), text.index("oops") + 1)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("owner", "Tổ hợp tác\x00 A"),  # 17.10: NUL is refused on every backend
        ("name", "\x00"),
        ("households", 2**31),  # 17.10: PostgreSQL integer
        ("households", "99999999999"),
        ("varieties", ["ok", "bad\x00"]),
    ],
)
def test_values_no_backend_can_store_are_row_errors(registry: Registry, field: str, value: Any) -> None:
    doc = {"codes": [{"code": "VN-SLOR-0001", field: value}]}
    report = registry.import_file(io.BytesIO(json.dumps(doc).encode()), actor="t")
    assert [(i.code, i.pointer) for i in report.issues] == [
        (ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"/codes/0/{field}")
    ]
    assert registry.count() == 0


def test_largest_integer_is_stored(registry: Registry) -> None:
    doc = {"codes": [{"code": "VN-SLOR-0001", "households": 2**31 - 1}]}
    assert registry.import_file(io.BytesIO(json.dumps(doc).encode()), actor="t").ok
    record = registry.get_code("VN-SLOR-0001")
    assert record is not None and record.households == 2**31 - 1


def test_max_bytes_refuses_and_the_default_has_no_limit(registry: Registry) -> None:
    data = SAMPLE_JSON.read_bytes()
    with pytest.raises(TraceStdError) as err:
        registry.import_file(io.BytesIO(data), actor="t", max_bytes=len(data) - 1)
    assert err.value.code == ErrorCode.REGISTRY_IMPORT_UNREADABLE
    assert registry.count() == 0
    from trace_std.registry import importer

    assert not hasattr(importer, "MAX_FILE_BYTES")
    assert registry.import_file(io.BytesIO(data), actor="t", max_bytes=len(data)).ok


def test_text_streams_and_bom_are_read(registry: Registry) -> None:
    text = "\ufeff" + SAMPLE_CSV.read_text("utf-8")
    report = registry.import_file(io.StringIO(text), actor="t")
    assert report.ok and report.created["codes"] == 224


def test_the_collector_thresholds_are_raised_for_an_import_and_restored(
    registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gc

    from trace_std.registry import importer

    seen: list[tuple[int, ...]] = []
    original = importer._import_file

    def spy(*args: Any) -> Any:
        seen.append(gc.get_threshold())
        return original(*args)

    monkeypatch.setattr(importer, "_import_file", spy)
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        assert registry.import_file(SAMPLE_CSV, actor="t").applied
        assert gc.get_threshold() == (700, 10, 10)
        assert seen[0][0] >= 50_000
        with pytest.raises(TraceStdError):
            registry.import_file(io.BytesIO(b"{"), actor="t")  # an unreadable file restores them too
        assert gc.get_threshold() == (700, 10, 10)
    finally:
        gc.set_threshold(*before)
