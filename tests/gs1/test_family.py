"""The ``trace_std.gs1`` check family: detection, check() reports, and ``trace-std check`` on GS1 kinds."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

import trace_std.gs1 as gs1
from trace_std import check as dispatcher
from trace_std.cli import main

GTIN = "18935234567892"
GTIN13 = "8935234567895"
GLN = "8930000000019"
SSCC = "389352340000000010"


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        (GTIN, "gtin"),
        (GTIN13, "gtin"),  # a bare 13-digit string is a GTIN unless kind="gln" is asked for
        ("416000336108", "gtin"),
        ("02345673", "gtin"),
        (f" {GTIN} ", "gtin"),
        (SSCC, "sscc"),
        (f"(01){GTIN}(10)L1", "element_string"),
        (f"01{GTIN}10L1\x1d17260310", "element_string"),
        (f"01{GTIN}17260310", "element_string"),
        (f"]C101{GTIN}", "element_string"),
        (f"]d201{GTIN}", "element_string"),
        (f"]Q301{GTIN}", "element_string"),
        (f"^01{GTIN}", "element_string"),
        (f"https://id.gs1.org/01/{GTIN}", "digital_link"),
        (f"HTTP://X.VN/01/{GTIN}", "digital_link"),
        (f"HtTps://x.vn/01/{GTIN}", "digital_link"),  # detected, then rejected by the scheme rule
        ("", None),
        ("   ", None),
        ("hello", None),
        ("5555555", None),
        ("555555555", None),  # 9 digits, and "55" is no AI
        ("1234567", "element_string"),  # (12) due date, to be rejected by the parser
        ("893 5234 56789 5", "gtin"),
        ("3-893-5234-000000001-0", "sscc"),
        ("893-52", None),
        ("(x)1", None),
        ("VN-DTOR-0017", None),
    ],
)
def test_detect(value: str, kind: str | None) -> None:
    assert gs1.detect(value) == kind


def test_detect_and_check_misuse() -> None:
    with pytest.raises(TypeError):
        gs1.detect(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        gs1.check(None)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown kind"):
        gs1.check(GTIN, kind="isbn")


@pytest.mark.parametrize(
    ("value", "kind", "normalized", "hri", "raw", "link"),
    [
        (GTIN, "gtin", GTIN, f"(01){GTIN}", f"01{GTIN}", f"https://id.gs1.org/01/{GTIN}"),
        (GTIN13, "gtin", "0" + GTIN13, f"(01)0{GTIN13}", f"010{GTIN13}", f"https://id.gs1.org/01/0{GTIN13}"),
        (GLN, "gln", GLN, f"(414){GLN}", f"414{GLN}", f"https://id.gs1.org/414/{GLN}"),
        (SSCC, "sscc", SSCC, f"(00){SSCC}", f"00{SSCC}", f"https://id.gs1.org/00/{SSCC}"),
        (
            f"(01){GTIN}(17)260310(10)L1",
            "element_string",
            f"(01){GTIN}(17)260310(10)L1",
            f"(01){GTIN}(17)260310(10)L1",
            f"01{GTIN}1726031010L1",
            f"https://id.gs1.org/01/{GTIN}/10/L1?17=260310",
        ),
        (
            f"https://x.vn/01/{GTIN}/10/L1?17=260310",
            "digital_link",
            f"https://id.gs1.org/01/{GTIN}/10/L1?17=260310",
            f"(01){GTIN}(10)L1(17)260310",
            f"01{GTIN}10L1\x1d17260310",
            f"https://id.gs1.org/01/{GTIN}/10/L1?17=260310",
        ),
    ],
)
def test_check_details(value: str, kind: str, normalized: str, hri: str, raw: str, link: str) -> None:
    report = gs1.check(value, kind=kind if kind == "gln" else None)
    assert report.valid and report.kind == kind
    assert report.normalized == normalized
    data = report.to_dict()
    assert (data["hri"], data["raw"], data["digital_link"]) == (hri, raw, link)
    assert all(set(e) == {"ai", "value", "title"} and e["title"] for e in data["elements"])
    assert "gs1_ai" in data["data_versions"]


def test_key_segments_name_the_prefix_owner() -> None:
    report = gs1.check(GTIN)
    assert report.segments == {"gs1_prefix": "893", "gs1_prefix_owner": "GS1 Vietnam", "check_digit": "2"}


def test_caret_fnc1_element_string() -> None:
    report = gs1.check(f"^01{GTIN}10L1^17260310")
    assert report.valid and report.kind == "element_string"
    assert report.details["hri"] == f"(01){GTIN}(10)L1(17)260310"


def test_element_string_without_a_primary_key_has_no_digital_link() -> None:
    report = gs1.check("(02)18935234567892(37)40(00)389352340000000010")
    assert report.valid and report.details["digital_link"].startswith("https://id.gs1.org/00/")
    report = gs1.check("(8200)http://x.vn(01)18935234567892")
    assert report.valid and "digital_link" not in report.details


@pytest.mark.parametrize(
    ("value", "kind", "code", "span"),
    [
        ("18935234567893", None, "gs1.key.checksum", (13, 14)),
        ("8930000000018", "gln", "gs1.key.checksum", (12, 13)),
        ("89300000000191", "gln", "gs1.key.length", (0, 14)),
        ("389352340000000011", None, "gs1.key.checksum", (17, 18)),
        ("38935234000000001X", "sscc", "gs1.key.character", (17, 18)),
        ("(01)18935234567893", None, "gs1.lint.csum", (17, 18)),
        ("https://x.vn/01/18935234567892/21/S/10/L", None, "dl.qualifier.order", (36, 38)),
        ("HtTps://x.vn/01/18935234567892", None, "dl.scheme", (0, 5)),
        ("hello", None, "input.unrecognised", (0, 5)),
        ("", None, "input.empty", (0, 0)),
        ("893-5234-56789-5", None, None, None),
    ],
)
def test_check_errors(value: str, kind: str | None, code: str | None, span: tuple[int, int] | None) -> None:
    report = gs1.check(value, kind=kind)
    if code is None:
        assert report.valid
        return
    assert not report.valid
    assert (report.issues[0].code, report.issues[0].span) == (code, span)


@pytest.mark.parametrize(
    ("value", "code", "span"),
    [
        (" (01)09501101530003", None, None),
        (" ^0109501101530003", None, None),
        (" https://id.gs1.org/01/09501101530003", None, None),
        ("(01)09501101530003 \n", None, None),
        ("  (01)09501101530004", "gs1.lint.csum", (19, 20)),
        ("  ^0109501101530004", "gs1.lint.csum", (18, 19)),
        ("\thttps://id.gs1.org/01/09501101530004 ", "gs1.lint.csum", (36, 37)),
        (" HtTps://x.vn/01/18935234567892", "dl.scheme", (1, 6)),
        (" \x1d0109501101530003", "gs1.separator.superfluous", (1, 2)),  # a warning (lenient)
    ],
)
def test_check_ignores_surrounding_whitespace_like_detect(
    value: str, code: str | None, span: tuple[int, int] | None
) -> None:
    # detect() looks past surrounding whitespace, so check() must too; spans index the original input
    report = gs1.check(value)
    assert report.input == value
    assert report.kind == gs1.detect(value)
    assert [(i.code, i.span) for i in report.issues][:1] == ([] if code is None else [(code, span)])


def test_strict_keys_refuse_separators() -> None:
    assert gs1.check("893 5234 56789 5", kind="gtin").valid
    assert gs1.check(GTIN13, strict=True).valid
    report = gs1.check("893 5234 56789 5", kind="gtin", strict=True)
    assert [(i.code, i.span) for i in report.issues] == [("gs1.key.character", (3, 4))]


def test_dispatcher_routes_gs1_kinds() -> None:
    assert set(gs1.KINDS) <= set(dispatcher.kinds())
    assert dispatcher.detect(GTIN) == "gtin"
    assert dispatcher.check(GLN, kind="gln").kind == "gln"
    assert dispatcher.check("VN-DTOR-0017").kind == "puc"


def test_lazy_reexports() -> None:
    assert gs1.validate_gtin(GTIN13) == "0" + GTIN13
    assert gs1.is_valid_gtin(GTIN)
    assert gs1.to_gtin14("02345673") == "00000002345673"
    assert gs1.gtin_check_digit("893523456789") == 5
    assert gs1.validate_gln(GLN) == GLN and gs1.validate_sscc(SSCC) == SSCC
    assert gs1.gs1_prefix_owner(GTIN) == "GS1 Vietnam"
    assert gs1.voice_pick_code(GTIN, "DF2503A", "250310") == "8027"
    assert gs1.ai_info("01").title == "GTIN"
    assert gs1.parse_element_string(f"(01){GTIN}").elements == (("01", GTIN),)
    assert gs1.encode_element_string([("01", GTIN)]) == f"(01){GTIN}"
    assert gs1.parse_digital_link(f"https://id.gs1.org/01/{GTIN}").primary_key == ("01", GTIN)
    assert gs1.build_digital_link([("01", GTIN)]) == f"https://id.gs1.org/01/{GTIN}"
    assert gs1.element_string_to_digital_link(f"(01){GTIN}") == f"https://id.gs1.org/01/{GTIN}"
    assert gs1.digital_link_to_element_string(f"https://id.gs1.org/01/{GTIN}") == f"(01){GTIN}"
    assert "parse_digital_link" in dir(gs1)
    with pytest.raises(AttributeError):
        gs1.no_such_thing  # noqa: B018


def test_import_is_cheap() -> None:
    code = (
        "import sys, trace_std.gs1; print(sorted(m for m in sys.modules if m.startswith('trace_std.gs1.')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@given(st.text(max_size=40))
def test_check_never_raises_on_text(text: str) -> None:
    report = gs1.check(text)
    assert report.valid == (not report.errors)
    for kind in gs1.KINDS:
        gs1.check(text, kind=kind)


# -- CLI --------------------------------------------------------------------------------


def _rows(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines()]


def test_cli_detects_every_gs1_kind(capsys: pytest.CaptureFixture[str]) -> None:
    values = [GTIN, GLN, SSCC, f"(01){GTIN}(10)L1", f"]d201{GTIN}10L1", f"https://x.vn/01/{GTIN}/10/L1"]
    assert main(["check", "--json", *values]) == 0
    rows = _rows(capsys.readouterr().out)
    assert [r["kind"] for r in rows] == [
        "gtin",
        "gtin",
        "sscc",
        "element_string",
        "element_string",
        "digital_link",
    ]
    for row in rows:
        assert row["valid"] is True
        assert {"elements", "hri", "raw", "digital_link"} <= set(row)
    assert rows[-1]["elements"] == [
        {"ai": "01", "value": GTIN, "title": "GTIN"},
        {"ai": "10", "value": "L1", "title": "BATCH/LOT"},
    ]
    assert rows[-1]["raw"] == f"01{GTIN}10L1"


def test_cli_forced_kinds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--json", "--kind", "gln", GLN]) == 0
    row = _rows(capsys.readouterr().out)[0]
    assert (row["kind"], row["hri"], row["digital_link"]) == (
        "gln",
        f"(414){GLN}",
        f"https://id.gs1.org/414/{GLN}",
    )
    assert main(["check", "--json", "--kind", "sscc", GTIN]) == 1
    row = _rows(capsys.readouterr().out)[0]
    assert [(i["code"], i["span"]) for i in row["issues"]] == [("gs1.key.length", [0, 14])]
    assert main(["check", "--json", "--kind", "digital_link", GTIN]) == 1
    row = _rows(capsys.readouterr().out)[0]
    assert row["kind"] == "digital_link" and row["issues"][0]["code"] == "dl.scheme"
    assert main(["check", "--json", "--kind", "element_string", f"01{GTIN}"]) == 0
    assert _rows(capsys.readouterr().out)[0]["hri"] == f"(01){GTIN}"
    assert main(["check", "--kind", "gtin", "--json", "VN-DTOR-0017"]) == 1
    assert _rows(capsys.readouterr().out)[0]["issues"][0]["code"] == "gs1.key.character"


def test_cli_text_output_and_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(f"{GTIN}\nhttps://x.vn/01/{GTIN}/21/S/10/L\n"))
    assert main(["check", "-"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"valid\tgtin\t{GTIN}"
    assert out[1].startswith("INVALID\tdigital_link\t")
    assert "dl.qualifier.order at 36-38" in out[2]


def test_cli_kind_choices_include_gs1(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check", "--kind", "isbn", GTIN])
    assert info.value.code == 2
    err = capsys.readouterr().err
    for kind in gs1.KINDS:
        assert kind in err
