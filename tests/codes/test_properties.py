"""Hypothesis properties and the junk-input sweep over every code module."""

from __future__ import annotations

import contextlib
import datetime as dt
import string
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trace_std import codes
from trace_std.codes import phc, puc
from trace_std.errors import TraceStdError

MODULES = [puc, phc]

letters = st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=3)
digits = st.text(alphabet=string.digits, min_size=3, max_size=4)
export_codes = st.builds(lambda p, t, s: f"VN-{p}{t}-{s}", letters, st.sampled_from(["OR", "PH"]), digits)
dashes = st.sampled_from(["-", "–", "—", "‐", "−", "－", " - ", " – "])
spaces = st.sampled_from(["", " ", "  ", "\u00a0", "\u3000", "\t"])


@st.composite
def messy_export(draw: st.DrawFn) -> tuple[str, str]:
    """A canonical export code and a lenient spelling of it."""
    p, t, s = draw(letters), draw(st.sampled_from(["OR", "PH"])), draw(digits)
    canonical = f"VN-{p}{t}-{s}"
    head = "VN" if not draw(st.booleans()) else "vn"
    body = p + t if not draw(st.booleans()) else (p + t).lower()
    last = draw(dashes) if draw(st.booleans()) else ""  # missing hyphen before the sequence is accepted
    text = f"{draw(spaces)}{head}{draw(dashes)}{body}{last}{s}{draw(spaces)}"
    return text, canonical


@given(st.text(max_size=80))
@settings(max_examples=250, deadline=None)
def test_any_text_raises_only_trace_std_errors(text: str) -> None:
    for module in MODULES:
        with contextlib.suppress(TraceStdError):
            module.validate(text)
        assert isinstance(module.is_valid(text), bool)
        module.check(text)
        with contextlib.suppress(TraceStdError):
            module.compact(text)
    codes.detect(text)
    codes.check(text)


@given(st.text(alphabet=string.ascii_letters + string.digits + "-–— \u3000ＶＮＯＲ０１", max_size=30))
@settings(max_examples=250, deadline=None)
def test_code_like_text_raises_only_trace_std_errors(text: str) -> None:
    for strict in (False, True):
        report = codes.check(text, strict=strict)
        assert report.valid == (report.normalized is not None)
        for issue in report.issues:
            assert issue.span is not None
            a, b = issue.span
            assert 0 <= a <= b <= len(text)


@given(st.text(max_size=80))
@settings(max_examples=300, deadline=None)
def test_normalisation_is_idempotent(text: str) -> None:
    try:
        once = puc.compact(text)
    except TraceStdError:
        return
    assert puc.compact(once) == once


@given(messy_export())
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_lenient_spellings_normalise_to_canonical(case: tuple[str, str]) -> None:
    text, canonical = case
    assert codes.parse_code(text).canonical == canonical
    assert codes.parse_code(canonical, strict=True).canonical == canonical
    if text != canonical:
        assert not codes.check(text, strict=True).valid
        assert codes.check(text).warnings


@given(st.one_of(export_codes, messy_export().map(lambda c: c[0]), st.text(max_size=30)))
@settings(max_examples=300, deadline=None)
def test_validate_of_format_equals_validate(text: str) -> None:
    for module in MODULES:
        try:
            expected = module.validate(text)
        except TraceStdError:
            with pytest.raises(TraceStdError):
                module.validate(module.format(text))
            continue
        assert module.validate(module.format(text)) == expected
        assert module.format(expected) == expected


@given(export_codes)
@settings(deadline=None)
def test_fast_path_and_full_analysis_agree(code: str) -> None:
    kind = "puc" if code[5:7] == "OR" or code[6:8] == "OR" else "phc"
    report = codes.check(code)
    assert report.valid and report.kind == kind and report.normalized == code
    assert codes.parse_code(code).segments["sequence"] == code.rsplit("-", 1)[1]


# -- junk sweep --------------------------------------------------------------------------------------------

NON_STR = [None, b"VN-DTOR-0017", bytearray(b"VN"), 17, 17.0, object(), ["VN-DTOR-0017"], ("VN",)]


@pytest.mark.parametrize("junk", NON_STR, ids=repr)
@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_non_strings_are_type_errors(module: ModuleType, junk: object) -> None:
    for verb in ("validate", "compact", "format", "parse", "check"):
        with pytest.raises(TypeError):
            getattr(module, verb)(junk)
    assert module.is_valid(junk) is False


@pytest.mark.parametrize("junk", NON_STR, ids=repr)
def test_package_non_strings(junk: object) -> None:
    for func in (codes.detect, codes.check, codes.parse_code):
        with pytest.raises(TypeError):
            func(junk)  # type: ignore[operator]


TEN_MB = "VN-DTOR-" + "0" * (10 * 1024 * 1024)
TEN_MB_DOMESTIC = "VN-87-877-30268-" + "0" * (10 * 1024 * 1024)

JUNK = [
    ("VN-DTOR-٠٠١٧", "code.character.non_ascii_digit", (8, 9)),  # Arabic-Indic
    ("VN-DTOR-۰۰۱۷", "code.character.non_ascii_digit", (8, 9)),  # Extended Arabic-Indic
    ("VN-DTOR-०१२३", "code.character.non_ascii_digit", (8, 9)),  # Devanagari
    (TEN_MB, "input.too_long", (0, len(TEN_MB))),
    (TEN_MB_DOMESTIC, "input.too_long", (0, len(TEN_MB_DOMESTIC))),
    ("\x00" * 10, "input.control_character", (0, 1)),
    ("VN-DTOR-0017\x00", "input.control_character", (12, 13)),
    ("VN-DT\x1bOR-0017", "input.control_character", (5, 6)),
    ("VN-DTOR-0017\u200b", "code.character.invalid", (12, 13)),
    ("VN-DTOR-0017\ud800", "code.character.invalid", (12, 13)),
    ("🍈", "code.character.invalid", (0, 1)),
]


@pytest.mark.parametrize(("value", "code", "span"), JUNK, ids=lambda v: repr(v)[:30])
@pytest.mark.parametrize("module", MODULES, ids=lambda m: m.__name__)
def test_junk_text(module: ModuleType, value: str, code: str, span: tuple[int, int]) -> None:
    with pytest.raises(TraceStdError) as exc:
        module.validate(value)
    assert (exc.value.code, exc.value.span) == (code, span)
    report = module.check(value)
    assert (report.errors[0].code, report.errors[0].span) == (code, span)


def test_full_width_digits_lenient_only() -> None:
    assert puc.validate("VN-DTOR-００１７") == "VN-DTOR-0017"
    with pytest.raises(TraceStdError) as exc:
        puc.validate("VN-DTOR-００１７", strict=True)
    assert (exc.value.code, exc.value.span) == ("code.form.compatibility", (8, 12))


def _domestic_units() -> list[tuple[str, str, str]]:
    from trace_std.data import vn_admin

    districts = vn_admin._districts()
    communes = vn_admin._communes(vn_admin.ERA_2004).values()
    return [(districts[c.district].province, c.district, c.code) for c in communes if c.district]


domestic_codes = st.builds(
    lambda unit, facility, year: f"VN-{unit[0]}-{unit[1]}-{unit[2]}-{facility}-{year}",
    st.sampled_from(_domestic_units()),
    st.text(alphabet=string.digits, min_size=2, max_size=4),
    st.sampled_from(["22", "23", "24"]),
)


@given(domestic_codes, st.sampled_from(["{}", " {} ", "\u3000{}\t"]), st.sampled_from(["-", "–", " - "]))
@settings(max_examples=200, deadline=None)
def test_domestic_codes_from_the_table_are_valid(code: str, frame: str, dash: str) -> None:
    assert puc.validate(code, strict=True) == code
    messy = frame.format(code).replace("-", dash)
    assert puc.validate(messy) == code
    assert puc.validate(puc.format(messy)) == puc.validate(messy)
    parsed = puc.parse(messy)
    assert parsed.scheme == "vn-3156" and parsed.admin_table == "vn_admin_2004"
    assert (parsed.segments["province"], parsed.segments["district"], parsed.segments["commune"]) == (
        code[3:5],
        code[6:9],
        code[10:15],
    )
    a, b = parsed.spans["commune"]
    assert messy[a:b] == code[10:15]


# -- the canonical fast path of analyse() against the full analysis -----------------------------------

_KNOWN_LETTERS = st.sampled_from(["DT", "BT", "DN", "DNO", "DL", "TG", "HCM", "BD", "XY", "QQQ", "AB"])
_canonical_like = st.one_of(
    st.builds(
        lambda p, t, s: f"VN-{p}{t}-{s}",
        st.one_of(_KNOWN_LETTERS, letters),
        st.sampled_from(["OR", "PH"]),
        st.text(alphabet=string.digits, min_size=2, max_size=5),
    ),
    st.builds(
        lambda unit, facility, year: f"VN-{unit[0]}-{unit[1]}-{unit[2]}-{facility}-{year}",
        st.sampled_from(_domestic_units()),
        st.text(alphabet=string.digits, min_size=1, max_size=4),
        st.sampled_from(["00", "19", "21", "22", "24", "25", "26", "30", "99"]),
    ),
    st.builds(  # digits that need not nest in the table
        lambda p, d, c, y: f"VN-{p}-{d}-{c}-01-{y}",
        st.text(alphabet=string.digits, min_size=2, max_size=2),
        st.text(alphabet=string.digits, min_size=3, max_size=3),
        st.text(alphabet=string.digits, min_size=5, max_size=5),
        st.sampled_from(["22", "24", "25", "26"]),
    ),
    st.builds(
        lambda p, groups: f"{p}.{groups}",
        st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=2),
        st.sampled_from(["33.01.01.001", "3.01.01.001", "33.01.01.0011"]),
    ),
)
_SPELLINGS = {
    "as-is": lambda c: c,
    "space": lambda c: c + " ",
    "lower": str.lower,
    "prefix": lambda c: "x" + c,
}
_spellings = st.sampled_from(sorted(_SPELLINGS))


@given(
    _canonical_like,
    _spellings,
    st.sampled_from([frozenset({"puc"}), frozenset({"phc"}), frozenset({"puc", "phc"})]),
    st.booleans(),
    st.sampled_from([None, dt.date(2021, 6, 1), dt.date(2024, 12, 31), dt.date(2031, 1, 1)]),
)
@settings(max_examples=400, deadline=None)
def test_canonical_fast_path_gives_the_full_analysis(
    code: str, spelling: str, kinds: frozenset[str], strict: bool, as_of: dt.date | None
) -> None:
    """analyse() takes a fast path for canonical codes; every field of its answer must equal the
    full analysis (issues, parsed code, scheme, kind, segments, data versions)."""
    from trace_std.codes._engine import _analyse_canonical, analyse, analyse_full

    text = _SPELLINGS[spelling](code)
    full = analyse_full(text, strict=strict, kinds=kinds, as_of=as_of)
    assert analyse(text, strict=strict, kinds=kinds, as_of=as_of) == full
    fast = _analyse_canonical(text, kinds, as_of)
    if fast is not None:  # the fast path was taken: it must have been a valid or look-up-judged code
        assert fast == full
        assert fast.parsed is not None and fast.parsed.canonical == text


def test_canonical_fast_path_is_taken_for_valid_codes() -> None:
    from trace_std.codes._engine import _analyse_canonical

    for code, kinds in [
        ("VN-DTOR-0017", frozenset({"puc"})),
        ("VN-BTPH-036", frozenset({"phc"})),
        ("VN-75-731-26041-12-24", frozenset({"puc", "phc"})),
        ("PB.33.01.01.001", frozenset({"puc"})),
    ]:
        assert _analyse_canonical(code, kinds, None) is not None, code
    assert _analyse_canonical("vn-dtor-0017", frozenset({"puc"}), None) is None
    assert _analyse_canonical("VN-BTPH-036", frozenset({"puc"}), None) is None  # wrong kind: diagnosed
