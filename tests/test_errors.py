from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from trace_std import errors
from trace_std.errors import ErrorCode, Issue, Report, Severity, TraceStdError

SNAPSHOT = Path(__file__).parent / "data" / "error_codes.txt"


def test_error_codes_are_append_only() -> None:
    """Every code ever published still exists with the same value (add new ones to the snapshot)."""
    pinned = {line.strip() for line in SNAPSHOT.read_text("utf-8").splitlines() if line.strip()}
    current = {c.value for c in ErrorCode}
    assert pinned - current == set(), "error codes were removed or renamed"
    assert current - pinned == set(), "new error codes: append them to tests/data/error_codes.txt"


def test_codes_are_dotted_lowercase_and_unique() -> None:
    values = [c.value for c in ErrorCode]
    assert len(values) == len(set(values))
    for value in values:
        parts = value.split(".")
        assert len(parts) >= 2, value
        assert all(p and p.replace("_", "").isalnum() and p == p.lower() for p in parts), value


def test_every_code_has_a_category() -> None:
    missing = [c for c in ErrorCode if c not in errors._CATEGORY]
    assert missing == []


def test_from_code_picks_category_and_keeps_position() -> None:
    err = TraceStdError.from_code(ErrorCode.INPUT_TOO_LONG, span=(3, 9), field="a.b", context={"max": 5})
    assert isinstance(err, errors.InvalidLength)
    assert isinstance(err, ValueError)
    assert (err.code, err.span, err.field, err.context) == ("input.too_long", (3, 9), "a.b", {"max": 5})
    shifted = err.shifted(10)
    assert shifted.span == (13, 19) and type(shifted) is type(err)


def test_errors_pickle() -> None:
    err = TraceStdError.from_code(ErrorCode.INPUT_EMPTY, span=(0, 0))
    again = pickle.loads(pickle.dumps(err))
    assert (type(again), again.code, again.span) == (type(err), err.code, err.span)


def test_report_validity_and_dict() -> None:
    report = Report(input="x", kind="puc")
    assert report.valid and report.to_dict()["verdict"] == "valid"
    report.add(Issue.warning("input.unrecognised", span=(0, 1)))
    assert report.valid
    report.add_error(TraceStdError.from_code(ErrorCode.INPUT_EMPTY, span=(0, 0)))
    data = report.to_dict()
    assert data["valid"] is False and data["verdict"] == "invalid"
    assert [i["code"] for i in data["issues"]] == ["input.unrecognised", "input.empty"]
    assert [i["severity"] for i in data["issues"]] == [Severity.WARNING, Severity.ERROR]
    assert data["issues"][1]["span"] == [0, 0]


def test_check_rejects_non_strings() -> None:
    from trace_std.check import check

    for junk in (None, b"VN-DTOR-0017", 17, object()):
        with pytest.raises(TypeError):
            check(junk)  # type: ignore[arg-type]
