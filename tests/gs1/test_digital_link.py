"""GS1 Digital Link: conformance cases (tests/gs1/conformance/dl_*.json), building, conversions,
canonical forms, and hypothesis round trips Digital Link <-> element string."""

from __future__ import annotations

import json
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trace_std.errors import TraceStdError
from trace_std.gs1 import digital_link as dlm
from trace_std.gs1.digital_link import (
    DigitalLink,
    build_digital_link,
    digital_link_to_element_string,
    element_string_to_digital_link,
    is_digital_link,
    parse_digital_link,
    percent_encode,
)
from trace_std.gs1.element_string import ElementString, parse_element_string
from trace_std.gs1.keys import check_digit

CONFORMANCE = Path(__file__).parent / "conformance"
VALID: list[dict[str, Any]] = json.loads((CONFORMANCE / "dl_valid.json").read_text("utf-8"))["cases"]
INVALID: list[dict[str, Any]] = json.loads((CONFORMANCE / "dl_invalid.json").read_text("utf-8"))["cases"]


def _expected_span(case: dict[str, Any]) -> tuple[int, int]:
    """The span a case expects, from an explicit ``span`` or from the substring ``at``."""
    if "span" in case:
        return (case["span"][0], case["span"][1])
    uri, at = case["uri"], case["at"]
    nth = case.get("nth", 0)
    starts = [i for i in range(len(uri)) if uri.startswith(at, i)]
    start = starts[nth]
    lead, tail = case.get("trim", [0, 0])
    return (start + lead, start + len(at) - tail)


@pytest.mark.parametrize("case", VALID, ids=[c["rule"] for c in VALID])
def test_valid_conformance(case: dict[str, Any]) -> None:
    options = case.get("options", {})
    dl = parse_digital_link(case["uri"], **options)
    assert is_digital_link(case["uri"], **options)
    assert [list(e) for e in dl.elements] == case["elements"]
    assert dl.path_length == case["path_length"]
    assert dl.canonical() == case["canonical"]
    # the canonical form is itself valid, strict, and a fixed point
    again = parse_digital_link(dl.canonical())
    assert again.elements == dl.elements and again.canonical() == dl.canonical()
    report = dlm.check(case["uri"], **options)
    assert report.valid, [i.code for i in report.issues]
    assert report.normalized == case["canonical"] == report.details["digital_link"]
    assert [[e["ai"], e["value"]] for e in report.details["elements"]] == case["elements"]


@pytest.mark.parametrize("case", INVALID, ids=[c["rule"] for c in INVALID])
def test_invalid_conformance(case: dict[str, Any]) -> None:
    options = case.get("options", {})
    with pytest.raises(TraceStdError) as info:
        parse_digital_link(case["uri"], **options)
    assert (info.value.code, info.value.span) == (case["code"], _expected_span(case))
    assert not is_digital_link(case["uri"], **options)
    report = dlm.check(case["uri"], **options)
    assert not report.valid
    codes = [i.code for i in report.issues]
    assert case["code"] in codes
    for code in case.get("also", []):
        assert code in codes
    for issue in report.issues:
        assert issue.span is None or 0 <= issue.span[0] <= issue.span[1] <= len(case["uri"])


def test_conformance_suite_covers_every_dl_code() -> None:
    from trace_std.errors import ErrorCode

    dl_codes = {c.value for c in ErrorCode if c.value.startswith("dl.")}
    covered = {c["code"] for c in INVALID} | {a for c in INVALID for a in c.get("also", [])}
    assert dl_codes <= covered, dl_codes - covered


def test_parts_of_a_digital_link() -> None:
    dl = parse_digital_link(
        "https://example.com:8443/shop/x/01/18935234567892/10/L1?17=260310&linkType=all#f"
    )
    assert isinstance(dl, DigitalLink)
    assert (dl.scheme, dl.domain, dl.path_prefix, dl.fragment) == (
        "https",
        "example.com:8443",
        "/shop/x",
        "f",
    )
    assert dl.primary_key == ("01", "18935234567892")
    assert dl.qualifiers == (("10", "L1"),)
    assert dl.attributes == (("17", "260310"),)
    assert dl.ignored == (("linkType", "all"),)
    assert dl.stem == "https://example.com:8443/shop/x"
    assert str(dl) == dl.uri
    assert (
        dl.with_domain("https://dl.example.vn/") == "https://dl.example.vn/01/18935234567892/10/L1?17=260310"
    )
    assert dl.element_string() == "(01)18935234567892(10)L1(17)260310"
    assert dl.element_string("raw") == "011893523456789210L1\x1d17260310"
    with pytest.raises(ValueError):
        dl.element_string("scan")


def test_fast_and_full_paths_agree() -> None:
    for case in VALID:
        if case.get("options"):
            continue
        fast = dlm._fast_parse(case["uri"])
        full = dlm._parse(
            case["uri"],
            permit_zero_suppressed_gtin=False,
            permit_convenience_alphas=False,
            out=dlm._Collector(first=True),
        )
        if fast is not None:
            assert fast == full
    for case in INVALID:
        if not case.get("options"):
            assert dlm._fast_parse(case["uri"]) is None


@pytest.mark.parametrize(
    ("stem", "code", "span"),
    [
        ("ftp://x.vn", "dl.scheme", (0, 3)),
        ("x.vn", "dl.scheme", (0, 4)),
        ("https://", "dl.host", (8, 8)),
        ("https:///path", "dl.host", (8, 13)),
        ("https://x.vn/a?b", "dl.character", (14, 15)),
        ("https://x.vn/a b", "dl.character", (14, 15)),
    ],
)
def test_bad_stems(stem: str, code: str, span: tuple[int, int]) -> None:
    dl = parse_digital_link("https://id.gs1.org/01/18935234567892")
    with pytest.raises(TraceStdError) as info:
        dl.with_domain(stem)
    assert (info.value.code, info.value.span) == (code, span)
    with pytest.raises(TypeError):
        dl.with_domain(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("elements", "stem", "expected"),
    [
        ([("01", "18935234567892")], "https://id.gs1.org", "https://id.gs1.org/01/18935234567892"),
        (
            [("10", "L1"), ("01", "18935234567892"), ("17", "260310")],
            "https://x.vn",
            "https://x.vn/01/18935234567892/10/L1?17=260310",
        ),
        (
            [("01", "18935234567892"), ("21", "S/1"), ("22", "C"), ("10", "L 1".replace(" ", "+"))],
            "https://x.vn/",
            "https://x.vn/01/18935234567892/22/C/10/L%2B1/21/S%2F1",
        ),
        (
            [("01", "18935234567892"), ("10", "L1"), ("235", "T1")],
            "https://x.vn",
            "https://x.vn/01/18935234567892/235/T1?10=L1",
        ),
        (
            [("00", "389352340000000010"), ("02", "18935234567892"), ("37", "40"), ("10", "L1")],
            "https://x.vn",
            "https://x.vn/00/389352340000000010?02=18935234567892&37=40&10=L1",
        ),
        ([("414", "8930000000019"), ("254", "A")], "https://x.vn", "https://x.vn/414/8930000000019/254/A"),
        (
            [("01", "18935234567892"), ("17", "260310"), ("17", "260310")],
            "https://x.vn",
            "https://x.vn/01/18935234567892?17=260310",
        ),
    ],
)
def test_build(elements: list[tuple[str, str]], stem: str, expected: str) -> None:
    uri = build_digital_link(elements, stem)
    assert uri == expected
    assert sorted(parse_digital_link(uri).elements) == sorted(set(elements))


@pytest.mark.parametrize(
    ("elements", "code"),
    [
        ([("02", "18935234567892"), ("37", "4"), ("00", "389352340000000011")], "gs1.lint.csum"),
        ([("10", "L1"), ("02", "18935234567892")], "gs1.pair.required"),
        ([("01", "18935234567892"), ("8200", "http://x.vn")], "dl.query.not_attribute"),
        ([("91", "X")], "dl.key.missing"),
    ],
)
def test_build_rejects(elements: list[tuple[str, str]], code: str) -> None:
    with pytest.raises(TraceStdError) as info:
        build_digital_link(elements)
    assert info.value.code == code


def test_build_without_validation_and_misuse() -> None:
    assert build_digital_link([("01", "18935234567892"), ("10", "L1")], validate=False).endswith("/10/L1")
    with pytest.raises(TypeError):
        build_digital_link([("01", 18935234567892)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        build_digital_link(["0118935234567892"])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        parse_digital_link(b"https://id.gs1.org/01/18935234567892")  # type: ignore[arg-type]


def test_conversions() -> None:
    text = "(01)18935234567892(17)260310(10)DF/25"
    uri = element_string_to_digital_link(text, "https://dl.example.vn")
    assert uri == "https://dl.example.vn/01/18935234567892/10/DF%2F25?17=260310"
    assert digital_link_to_element_string(uri) == "(01)18935234567892(10)DF/25(17)260310"
    assert digital_link_to_element_string(uri, "raw") == "011893523456789210DF/25\x1d17260310"
    raw = "]d2011893523456789210L1\x1d17260310"
    assert element_string_to_digital_link(raw) == "https://id.gs1.org/01/18935234567892/10/L1?17=260310"


def test_conversion_and_check_do_no_work_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_second_validation(*args: object, **kwargs: object) -> list[object]:
        raise AssertionError("the element string was already validated")

    monkeypatch.setattr(dlm, "validate_elements", no_second_validation)
    text = "(01)18935234567892(17)260310(10)L1"
    assert element_string_to_digital_link(text) == "https://id.gs1.org/01/18935234567892/10/L1?17=260310"
    with pytest.raises(TraceStdError):
        element_string_to_digital_link("(01)18935234567893")  # still rejected, by the parser
    monkeypatch.undo()

    calls: list[int] = []
    canonical = dlm.DigitalLink.canonical

    def counted(self: dlm.DigitalLink) -> str:
        calls.append(1)
        return canonical(self)

    monkeypatch.setattr(dlm.DigitalLink, "canonical", counted)
    report = dlm.check("https://example.com/01/18935234567892/10/L1?17=260310")
    assert report.valid and report.normalized == report.details["digital_link"]
    assert len(calls) == 1


def test_check_empty_and_details() -> None:
    report = dlm.check("")
    assert [(i.code, i.span) for i in report.issues] == [("input.empty", (0, 0))]
    report = dlm.check("https://example.com/01/18935234567892/10/L1")
    assert report.details["hri"] == "(01)18935234567892(10)L1"
    assert report.details["raw"] == "011893523456789210L1"
    assert report.details["elements"][0] == {"ai": "01", "value": "18935234567892", "title": "GTIN"}
    assert report.data_versions["gs1_ai"].startswith("gs1_ai@")
    # strict switches the permissive options off
    zs = "https://example.com/01/8935234567895"
    report = dlm.check(zs, permit_zero_suppressed_gtin=True)
    assert report.valid
    assert [(i.code, i.severity, i.span) for i in report.issues] == [
        ("dl.gtin.zero_suppressed", "warning", (23, 36))
    ]
    report = dlm.check("https://x.vn/gtin/18935234567892/lot/L1", permit_convenience_alphas=True)
    assert report.valid
    assert [(i.code, i.span) for i in report.warnings] == [
        ("dl.convenience_alpha", (13, 17)),
        ("dl.convenience_alpha", (33, 36)),
    ]
    assert not dlm.check(zs, permit_zero_suppressed_gtin=True, strict=True).valid


def test_percent_encode() -> None:
    assert percent_encode("AZaz09-._~") == "AZaz09-._~"
    assert percent_encode("!\"%&'()*+,/:;<=>?") == "%21%22%25%26%27%28%29%2A%2B%2C%2F%3A%3B%3C%3D%3E%3F"
    assert percent_encode("Đ") == "%C4%90"


# -- hypothesis ----------------------------------------------------------------------

CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


def _with_check_digit(body: str) -> str:
    return body + str(check_digit(body))


gtin14 = st.text(string.digits, min_size=13, max_size=13).map(_with_check_digit)
sscc = st.text(string.digits, min_size=17, max_size=17).map(_with_check_digit)
gln = st.text(string.digits, min_size=12, max_size=12).map(_with_check_digit)
x20 = st.text(CSET82, min_size=1, max_size=20)
yymmdd = st.dates().map(lambda d: d.strftime("%y%m%d"))
# Attributes a produce carton may carry, each with values valid for its AI.
produce_attributes = st.dictionaries(
    st.sampled_from(["11", "13", "15", "17", "3103", "422", "7007", "99"]),
    st.just(""),
    max_size=5,
)


@st.composite
def gtin_element_sets(draw: st.DrawFn) -> list[tuple[str, str]]:
    elements = [("01", draw(gtin14))]
    if draw(st.booleans()):
        elements.append(("235", draw(x20)))
        if draw(st.booleans()):
            elements.append(("10", draw(x20)))
    else:
        for ai in ("22", "10", "21"):
            if draw(st.booleans()):
                elements.append((ai, draw(x20)))
    values = {
        "11": yymmdd,
        "13": yymmdd,
        "15": yymmdd,
        "17": yymmdd,
        "3103": st.text(string.digits, min_size=6, max_size=6),
        "422": st.sampled_from(["704", "764", "840", "392"]),
        "7007": yymmdd,
        "99": st.text(CSET82, min_size=1, max_size=90),
    }
    for ai in draw(produce_attributes):
        elements.append((ai, draw(values[ai])))
    return draw(st.permutations(elements))


@st.composite
def pallet_element_sets(draw: st.DrawFn) -> list[tuple[str, str]]:
    elements = [
        ("00", draw(sscc)),
        ("02", draw(gtin14)),
        ("37", draw(st.text(string.digits, min_size=1, max_size=8))),
    ]
    if draw(st.booleans()):
        elements.append(("10", draw(x20)))
    if draw(st.booleans()):
        elements.append(("410", draw(gln)))
    return draw(st.permutations(elements))


@settings(max_examples=150, deadline=None)
@given(st.one_of(gtin_element_sets(), pallet_element_sets()))
def test_round_trip_element_string_and_digital_link(elements: list[tuple[str, str]]) -> None:
    uri = build_digital_link(elements, "https://dl.example.vn/p")
    dl = parse_digital_link(uri)
    assert sorted(dl.elements) == sorted(elements)
    # canonical form: idempotent and equal in content
    canonical = dl.canonical()
    assert parse_digital_link(canonical).canonical() == canonical
    # element string -> Digital Link -> element string
    hri = ElementString(tuple(elements)).hri()
    via = element_string_to_digital_link(hri)
    assert via == canonical
    back = parse_element_string(digital_link_to_element_string(via))
    assert sorted(back.elements) == sorted(elements)
    # the full (slow) parser agrees with the fast one
    full = dlm._parse(
        uri,
        permit_zero_suppressed_gtin=False,
        permit_convenience_alphas=False,
        out=dlm._Collector(first=True),
    )
    assert full == dl


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("https:/.exampl01893524?&=%+#AZaz-~ \x00é")), max_size=60))
def test_any_text_raises_only_trace_std_errors(text: str) -> None:
    try:
        dl = parse_digital_link("https://x.vn/01/18935234567892" + text)
    except TraceStdError as err:
        assert err.span is None or 0 <= err.span[0] <= err.span[1] <= len(text) + 30
    else:
        assert parse_digital_link(dl.canonical()).elements == dl.elements
    report = dlm.check(text)
    assert report.valid == is_digital_link(text)


def _table_strategy() -> Any:
    """GS1-A's strategy of random valid AI sets over the whole table (tests/gs1/conformance)."""
    import importlib.util

    path = CONFORMANCE / "test_roundtrip.py"
    spec = importlib.util.spec_from_file_location("_gs1_roundtrip_strategies", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.valid_elements()


@settings(max_examples=150, deadline=None)
@given(_table_strategy())
def test_round_trip_over_the_whole_ai_table(elements: list[tuple[str, str]]) -> None:
    from trace_std.gs1.ai import ai_info

    try:
        uri = build_digital_link(elements, "https://dl.example.vn")
    except TraceStdError as err:
        infos = [ai_info(ai) for ai, _ in elements]
        if err.code == "dl.key.missing":
            assert all(i is not None and i.dlpkey is None for i in infos)
        else:
            assert err.code == "dl.query.not_attribute"
            assert any(i is not None and not i.dl_attribute for i in infos)
        return
    dl = parse_digital_link(uri)
    assert sorted(set(dl.elements)) == sorted(set(elements))
    assert parse_digital_link(dl.canonical()).elements == dl.elements


@pytest.mark.parametrize(
    ("uri", "prefix"),
    [
        ("https://a.vn/00/faux/00/006141411234567890", "/00/faux"),  # a key-like segment, bad value
        ("https://a.vn/01/X/01/09501101530003/10/L1", "/01/X"),
        ("https://a.vn/shop/01/0950110153000/01/09501101530003", "/shop/01/0950110153000"),  # 13 digits
    ],
)
def test_rightmost_valid_key_path_is_the_primary_key(uri: str, prefix: str) -> None:
    from trace_std.gs1.digital_link import parse_digital_link

    dl = parse_digital_link(uri)
    assert dl.path_prefix == prefix
    assert dl.primary_key[0] in ("00", "01")


def test_two_valid_key_paths_are_still_two_keys() -> None:
    from trace_std.errors import TraceStdError
    from trace_std.gs1.digital_link import parse_digital_link

    with pytest.raises(TraceStdError) as info:
        parse_digital_link("https://a.vn/01/09501101530003/00/006141411234567890")
    assert (info.value.code, info.value.span) == ("dl.key.multiple", (12, 30))


@pytest.mark.parametrize(
    ("uri", "ok"),
    [
        ("https://[2001:db8::1]/01/09501101530003", True),
        ("https://[2001:db8::1]:8443/01/09501101530003", True),
        ("https://[::ffff:192.0.2.1]/01/09501101530003", True),
        ("https://user@[::1]/01/09501101530003", True),
        ("https://[fe80::1%25lo]/01/09501101530003", False),  # IPv6 zone identifier (RFC 6874)
        ("https://[fe80::1%25eth0]:80/01/09501101530003", False),
        ("https://[2001:db8::g]/01/09501101530003", False),
        ("https://example.com]/01/09501101530003", False),
        ("https://[2001:db8::1]x/01/09501101530003", False),
    ],
)
def test_ip_literal_hosts(uri: str, ok: bool) -> None:
    from trace_std.gs1.digital_link import check

    report = check(uri)
    assert report.valid is ok
    if not ok:
        assert report.errors[0].code == "dl.host"
        assert report.errors[0].span is not None and report.errors[0].span[0] >= 8
