from __future__ import annotations

import importlib
import io
import json

import pytest

from trace_std import check as dispatcher
from trace_std.cli import main


@pytest.fixture(autouse=True)
def _families(monkeypatch: pytest.MonkeyPatch) -> None:
    """Use every family in FAMILIES; while a family is not importable yet, test through the others."""
    usable = []
    for name in dispatcher.FAMILIES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "KINDS"):
            usable.append(name)
    monkeypatch.setattr(dispatcher, "FAMILIES", tuple(usable))


def _lines(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_json_lines_for_valid_and_invalid(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", "--json", "VN-DTOR-0017", "VN-BTPH-036", "VN-DTOR-17"])
    assert code == 1
    rows = _lines(capsys.readouterr().out)
    assert [(r["input"], r["kind"], r["valid"]) for r in rows] == [
        ("VN-DTOR-0017", "puc", True),
        ("VN-BTPH-036", "phc", True),
        ("VN-DTOR-17", "puc", False),
    ]
    for row in rows:
        assert {"input", "kind", "valid", "normalized", "segments", "issues"} <= row.keys()
    assert rows[0]["normalized"] == "VN-DTOR-0017"
    assert rows[0]["segments"] == {"country": "VN", "province": "DT", "type": "OR", "sequence": "0017"}
    assert rows[2]["normalized"] is None
    issue = rows[2]["issues"][0]  # type: ignore[index]
    assert (issue["code"], issue["severity"], issue["span"]) == ("code.segment.length", "error", [8, 10])
    assert set(issue) >= {"code", "severity", "span", "message"}


def test_all_valid_exits_0_and_reports_warnings(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--json", "VN - DLOR - 0188", "vn-dnoor0039"]) == 0
    rows = _lines(capsys.readouterr().out)
    assert [r["normalized"] for r in rows] == ["VN-DLOR-0188", "VN-DNOOR-0039"]
    codes = [(i["code"], i["severity"], i["span"]) for i in rows[1]["issues"]]  # type: ignore[attr-defined]
    assert codes == [
        ("code.form.case", "warning", [0, 2]),
        ("code.form.case", "warning", [3, 8]),
        ("code.separator.missing", "warning", [8, 8]),
    ]


def test_strict_rejects_non_canonical(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--strict", "--json", "VN-DNOOR0039"]) == 1
    (row,) = _lines(capsys.readouterr().out)
    assert [(i["code"], i["severity"]) for i in row["issues"]] == [  # type: ignore[attr-defined]
        ("code.separator.missing", "error")
    ]


def test_forced_kind(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--kind", "phc", "--json", "VN-DTOR-0017"]) == 1
    (row,) = _lines(capsys.readouterr().out)
    assert [(i["code"], i["span"]) for i in row["issues"]] == [("code.kind.mismatch", [5, 7])]  # type: ignore[attr-defined]


def test_stdin_and_text_output(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("VN-DTOR-0017\n\n  \nVN-DTXX-0017\r\n"))
    assert main(["check", "-"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "valid\tpuc\tVN-DTOR-0017"
    assert out[1].startswith("INVALID\t")
    assert out[2].startswith("  error: code.type.unknown at 5-7")


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["check"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["check", "--kind", "nonsense", "VN-DTOR-0017"])
    assert exc.value.code == 2
    capsys.readouterr()


def test_unreadable_stdin_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    raw = io.TextIOWrapper(io.BytesIO(b"VN-DTOR-0017\n\xff\xfe\n"), encoding="utf-8")
    monkeypatch.setattr("sys.stdin", raw)
    assert main(["check", "-"]) == 2
    assert "cannot read input" in capsys.readouterr().err


def test_junk_lines_do_not_crash(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--json", "VN-DT\x00OR-0017", "VN-" + "0" * 100_000, "VN-DTOR-٠٠١٧"]) == 1
    rows = _lines(capsys.readouterr().out)
    assert [r["issues"][0]["code"] for r in rows] == [  # type: ignore[index]
        "input.control_character",
        "input.too_long",
        "code.character.non_ascii_digit",
    ]
