"""Element strings: the three input forms, separators, renderings, check() reports, hostile input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trace_std.errors import InvalidCombination, TraceStdError, UnknownReference
from trace_std.gs1.element_string import (
    GS,
    MAX_INPUT_LENGTH,
    SYMBOLOGY_IDENTIFIERS,
    ElementString,
    check,
    encode_element_string,
    parse_element_string,
)

GTIN = "09501101530003"
HRI3 = f"(01){GTIN}(17)261231(10)AB-123"
RAW3 = f"01{GTIN}17261231" + "10AB-123"


@pytest.mark.parametrize(
    ("text", "elements"),
    [
        (HRI3, (("01", GTIN), ("17", "261231"), ("10", "AB-123"))),
        (RAW3, (("01", GTIN), ("17", "261231"), ("10", "AB-123"))),
        (f"01{GTIN}10AB-123{GS}17261231", (("01", GTIN), ("10", "AB-123"), ("17", "261231"))),
        (f"]C101{GTIN}10LOT7", (("01", GTIN), ("10", "LOT7"))),
        (f"]d201{GTIN}3103001250", (("01", GTIN), ("3103", "001250"))),
        (f"(01){GTIN}(422)704(7007)250301250310", (("01", GTIN), ("422", "704"), ("7007", "250301250310"))),
        (f"(01){GTIN}(10)A\\(B)", (("01", GTIN), ("10", "A(B)"))),
        (f"(01){GTIN}(10)A)B", (("01", GTIN), ("10", "A)B"))),
        (f"(01){GTIN}(10)A(10)A", (("01", GTIN), ("10", "A"), ("10", "A"))),
    ],
)
def test_parse(text: str, elements: tuple[tuple[str, str], ...]) -> None:
    assert parse_element_string(text).elements == elements


def test_parse_classmethod() -> None:
    assert ElementString.parse(HRI3) == parse_element_string(RAW3)
    assert ElementString.parse(f"^01{GTIN}", caret_fnc1=True).elements == (("01", GTIN),)


def test_forms_are_recorded_but_not_compared() -> None:
    a = parse_element_string(HRI3)
    b = parse_element_string(RAW3)
    c = parse_element_string("]Q3" + RAW3)
    assert (a.form, b.form, c.form, c.symbology) == ("hri", "raw", "scan", "]Q3")
    assert a == b == c


# (text, code, span, ai)
ERRORS: list[tuple[str, str, tuple[int, int], str | None]] = [
    ("", "input.empty", (0, 0), None),
    ("hello", "input.unrecognised", (0, 1), None),
    ("]X1" + RAW3, "gs1.symbology.unknown", (0, 3), None),
    ("]C0" + RAW3, "gs1.symbology.unknown", (0, 3), None),
    ("]C1", "input.empty", (3, 3), None),
    (f"(01){GTIN}(10", "gs1.hri.syntax", (18, 21), None),
    (f"(01){GTIN}(1x)AB", "gs1.ai.malformed", (19, 21), "1x"),
    (f"(01){GTIN}()AB", "gs1.ai.malformed", (19, 19), ""),
    (f"(01){GTIN}(05)AB", "gs1.ai.unknown", (18, 24), "05"),
    (f"01{GTIN}05AB", "gs1.ai.unknown", (16, 18), "05"),
    (f"01{GTIN}3", "gs1.ai.malformed", (16, 17), "3"),
    (f"01{GTIN}310", "gs1.ai.malformed", (16, 19), "310"),
    (f"(01){GTIN[:-1]}", "gs1.value.length", (4, 17), "01"),
    (f"(01){GTIN}1", "gs1.value.length", (18, 19), "01"),
    (f"01{GTIN[:-1]}", "gs1.value.length", (2, 15), "01"),
    (f"(01){GTIN[:-1]}4", "gs1.lint.csum", (17, 18), "01"),
    (f"(01){GTIN}(10)", "gs1.value.length", (22, 22), "10"),
    (f"(01){GTIN}(10)AB CD", "gs1.lint.cset82", (24, 25), "10"),
    (f"(01){GTIN}(17)2613", "gs1.value.length", (22, 26), "17"),
    (f"(01){GTIN}(17)26A231", "gs1.value.character", (24, 25), "17"),
    (f"(01){GTIN}(17)261331", "gs1.lint.yymmd0", (24, 26), "17"),
    (f"(01){GTIN}(10)A\\(B(17)261331", "gs1.lint.yymmd0", (32, 34), "17"),
    (f"(01){GTIN}(10)A\\(B C", "gs1.lint.cset82", (26, 27), "10"),
    (f"(00){'1' * 17}5(4307)V\\(", "gs1.lint.iso3166alpha2", (28, 31), "4307"),
    (f"(01){GTIN}(10)A\\(B(1x)C", "gs1.ai.malformed", (27, 29), "1x"),
    (f"(01){GTIN}(10\\(AB", "gs1.hri.syntax", (18, 25), None),
    (f"(01){GTIN}(10)A\\(B(10", "gs1.hri.syntax", (26, 29), None),
    (f"01{GTIN}3106001250", "gs1.ai.unknown", (16, 20), "3106"),
    # separators
    (f"01{GTIN}10AB{GS}{GS}17261231", "gs1.separator.double", (20, 22), "10"),
    (f"01{GTIN}10AB{GS}", "gs1.separator.superfluous", (20, 21), "10"),
    (f"01{GTIN}{GS}10AB", "gs1.separator.superfluous", (16, 17), "01"),
    (f"{GS}01{GTIN}10AB", "gs1.separator.superfluous", (0, 1), None),
    (f"]C1{GS}01{GTIN}10AB", "gs1.separator.superfluous", (3, 4), None),
    # a missing separator makes the lot swallow the date: too long, or a linter error
    (f"01{GTIN}10ABCDEFGHIJKLMNOPQ17261231", "gs1.value.length", (38, 43), "10"),
    (f"01{GTIN}422704" + "10AB", "gs1.value.length", (22, 26), "422"),
    # associations
    ("(10)AB", "gs1.pair.required", (0, 6), "10"),
    (f"(01){GTIN}(255)8935234000002", "gs1.pair.excluded", (0, 18), "01"),
    (f"(01){GTIN}(02){GTIN}", "gs1.pair.required", (18, 36), "02"),
    (f"(01){GTIN}(10)A(10)B", "gs1.ai.repeated", (23, 28), "10"),
    (f"(01){GTIN}(3102)001250(3103)001250", "gs1.pair.excluded", (18, 30), "3102"),
    ("(253)8935234000002(8030)abcd", "gs1.digsig.serial", (0, 18), "253"),
]


@pytest.mark.parametrize(("text", "code", "span", "ai"), ERRORS)
def test_parse_errors(text: str, code: str, span: tuple[int, int], ai: str | None) -> None:
    with pytest.raises(TraceStdError) as info:
        parse_element_string(text)
    err = info.value
    assert (err.code, err.span) == (code, span)
    assert err.context.get("ai") == ai


def test_association_error_is_an_invalid_combination() -> None:
    with pytest.raises(InvalidCombination):
        parse_element_string("(10)AB")


def test_caret_fnc1_is_an_explicit_option() -> None:
    text = f"^01{GTIN}10AB^17261231"
    assert parse_element_string(text, caret_fnc1=True).elements == (
        ("01", GTIN),
        ("10", "AB"),
        ("17", "261231"),
    )
    with pytest.raises(TraceStdError) as info:
        parse_element_string(text)
    assert info.value.code == "input.unrecognised"
    with pytest.raises(TraceStdError) as info:
        parse_element_string("^", caret_fnc1=True)
    assert info.value.code == "input.empty"


def test_renderings() -> None:
    es = parse_element_string(f"(01){GTIN}(10)AB(3103)001250(21)S\\(1)")
    assert es.hri() == f"(01){GTIN}(10)AB(3103)001250(21)S\\(1)"
    assert es.raw() == f"01{GTIN}10AB{GS}3103001250" + "21S(1)"
    assert es.raw("^") == f"01{GTIN}10AB^3103001250" + "21S(1)"
    assert es.scan_data() == "]C1" + es.raw()
    assert es.scan_data("]d2").startswith("]d2")
    with pytest.raises(TraceStdError) as info:
        es.scan_data("]E0")
    assert info.value.code == "gs1.symbology.unknown"
    assert es.to_dicts()[0] == {"ai": "01", "value": GTIN, "title": "GTIN"}


def test_digital_link_rendering() -> None:
    es = parse_element_string(f"(01){GTIN}(10)AB(17)261231")
    assert es.digital_link() == f"https://id.gs1.org/01/{GTIN}/10/AB?17=261231"
    assert es.digital_link("https://dl.example.vn").startswith("https://dl.example.vn/01/")


@pytest.mark.parametrize("symbology", sorted(SYMBOLOGY_IDENTIFIERS))
def test_every_symbology_round_trips(symbology: str) -> None:
    es = parse_element_string(HRI3)
    again = parse_element_string(es.scan_data(symbology))
    assert again == es and again.symbology == symbology


def test_check_report_collects_every_issue() -> None:
    text = f"(10)AB(01){GTIN[:-1]}4(17)261331"
    report = check(text)
    data = report.to_dict()
    assert data["kind"] == "element_string" and data["valid"] is False and data["normalized"] is None
    got = [(i["code"], tuple(i["span"])) for i in data["issues"]]
    assert got == [
        ("gs1.lint.csum", (23, 24)),
        ("gs1.lint.yymmd0", (30, 32)),
    ]
    assert [e["ai"] for e in data["elements"]] == ["10", "01", "17"]
    assert data["elements"][1]["title"] == "GTIN"
    assert data["hri"] == text and data["raw"] == f"10AB{GS}01{GTIN[:-1]}417261331"
    assert data["data_versions"]["gs1_ai"].startswith("gs1_ai@")


def test_check_report_of_a_valid_string() -> None:
    report = check(RAW3)
    assert report.valid and report.normalized == HRI3
    assert report.details["form"] == "raw"
    scan = check("]e0" + RAW3)
    assert scan.details["symbology"] == "]e0"


def test_check_reports_association_issues_last() -> None:
    codes = [i.code for i in check(f"(10)AB(01){GTIN}(37)5").issues]
    assert codes == ["gs1.pair.excluded", "gs1.pair.required"]


def test_check_reports_structure_errors() -> None:
    report = check(f"01{GTIN}10AB{GS}{GS}99X{GS}", strict=True)
    assert [i.code for i in report.issues] == ["gs1.separator.double", "gs1.separator.superfluous"]
    lenient = check(f"01{GTIN}10AB{GS}{GS}99X{GS}")
    assert [i.code for i in lenient.errors] == ["gs1.separator.double"]
    assert [(i.code, i.span) for i in lenient.warnings] == [("gs1.separator.superfluous", (25, 26))]
    assert [e["ai"] for e in report.details["elements"]] == ["01", "10", "99"]
    assert check("").issues[0].code == "input.empty"


def test_check_continues_after_an_unknown_ai_in_raw_data() -> None:
    report = check(f"01{GTIN}05XYZ{GS}10AB")
    assert [i.code for i in report.issues] == ["gs1.ai.unknown"]
    assert [e["ai"] for e in report.details["elements"]] == ["01", "10"]


def test_encode() -> None:
    pairs = [("01", GTIN), ("10", "AB"), ("17", "261231")]
    assert encode_element_string(pairs) == f"(01){GTIN}(10)AB(17)261231"
    assert encode_element_string(pairs, "raw") == f"01{GTIN}10AB{GS}17261231"
    assert encode_element_string(pairs, "scan", symbology="]d2") == f"]d201{GTIN}10AB{GS}17261231"
    assert encode_element_string(iter(pairs), "raw", separator="^") == f"01{GTIN}10AB^17261231"


@pytest.mark.parametrize(
    ("pairs", "code", "field"),
    [
        ([("01", GTIN[:-1] + "4")], "gs1.lint.csum", "elements[0]"),
        ([("10", "AB")], "gs1.pair.required", "elements[0]"),
        ([("01", GTIN), ("99", "A\x1dB")], "gs1.lint.cset82", "elements[1]"),
        ([("01", GTIN), ("0", "x")], "gs1.ai.malformed", "elements[1]"),
        ([], "input.empty", None),
    ],
)
def test_encode_validates_first(pairs: list[tuple[str, str]], code: str, field: str | None) -> None:
    with pytest.raises(TraceStdError) as info:
        encode_element_string(pairs)
    assert (info.value.code, info.value.field) == (code, field)


def test_encode_unknown_symbology() -> None:
    with pytest.raises(TraceStdError) as info:
        encode_element_string([("01", GTIN)], "scan", symbology="]Q1")
    assert (info.value.code, info.value.span) == ("gs1.symbology.unknown", (0, 3))
    assert isinstance(info.value, UnknownReference)


def test_misuse() -> None:
    with pytest.raises(TypeError):
        parse_element_string(None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check(b"(01)")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        encode_element_string([("01", GTIN)], "pdf")  # type: ignore[arg-type]
    assert encode_element_string([["01", GTIN]]) == f"(01){GTIN}"  # type: ignore[list-item]
    with pytest.raises(TypeError):
        encode_element_string([("01", GTIN, "x")])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        encode_element_string([("01", 5)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ElementString((("01", GTIN),)).raw(None)  # type: ignore[arg-type]


def test_huge_input_is_rejected_early() -> None:
    text = "(99)" + "A" * (MAX_INPUT_LENGTH * 100)
    with pytest.raises(TraceStdError) as info:
        parse_element_string(text)
    assert (info.value.code, info.value.span) == ("input.too_long", (MAX_INPUT_LENGTH, len(text)))
    assert check(text).issues[0].code == "input.too_long"


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from("()\\]^\x1d0123456789ACdeQ1J-x %"), max_size=60) | st.text(max_size=40)
)
def test_any_text_raises_only_trace_std_errors(text: str) -> None:
    try:
        es = parse_element_string(text)
    except TraceStdError as err:
        assert err.span is None or 0 <= err.span[0] <= err.span[1] <= len(text)
    else:
        assert parse_element_string(es.hri()) == es
    report = check(text)
    for issue in report.issues:
        assert issue.span is None or 0 <= issue.span[0] <= issue.span[1] <= len(text)


# Strings biip accepts although they break a GS1 rule; each must be rejected with the rule's code.
BIIP_ACCEPTS: list[tuple[str, str, str, tuple[int, int]]] = [
    ("parse_hri", "(10)AB-123", "gs1.pair.required", (0, 10)),
    ("parse_hri", f"(01){GTIN}(37)12", "gs1.pair.excluded", (0, 18)),
    ("parse_hri", f"(01){GTIN}(3102)001250(3103)001250", "gs1.pair.excluded", (18, 30)),
    ("parse", "800307071324001022085952", "gs1.lint.csum", (17, 18)),
    ("parse", f"01{GTIN}10AB{GS}{GS}17261231", "gs1.separator.double", (20, 22)),
]


@pytest.mark.parametrize(("method", "text", "code", "span"), BIIP_ACCEPTS)
def test_rejects_what_biip_accepts(method: str, text: str, code: str, span: tuple[int, int]) -> None:
    biip_messages = pytest.importorskip("biip.gs1_messages")
    parsed = getattr(biip_messages.GS1Message, method)(text)
    assert parsed.element_strings  # biip accepts it
    with pytest.raises(TraceStdError) as info:
        parse_element_string(text)
    assert (info.value.code, info.value.span) == (code, span)


@pytest.mark.parametrize(
    ("text", "position", "next_ai"),
    [
        (f"01{GTIN}422704" + "10AB", 22, "10"),
        (f"01{GTIN}10ABCDEFGHIJKLMNOPQ17261231", 35, "17"),
        (f"]C101{GTIN}10ABCDEFGHIJKLMNOPQ17261231{GS}21X", 38, "17"),
        (f"01{GTIN}10ABCDEFGHIJKLMNOPQRSTUVWXYZ", None, None),  # too long, but no AI inside
        (f"(01){GTIN}(422)70410AB", None, None),  # the bracketed form has no separators
    ],
)
def test_check_hints_at_a_missing_separator(text: str, position: int | None, next_ai: str | None) -> None:
    report = check(text)
    assert not report.valid
    hints = [i for i in report.warnings if i.code == "gs1.separator.missing"]
    if position is None:
        assert hints == []
    else:
        assert [(h.span, h.context["next_ai"]) for h in hints] == [((position, position), next_ai)]


def test_first_use_from_many_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """The lazily built tables are published whole: concurrent first calls all succeed."""
    import threading

    from trace_std.gs1 import ai as ai_mod
    from trace_std.gs1 import element_string as es_mod

    monkeypatch.setattr(ai_mod, "_VALIDATORS", {})
    monkeypatch.setattr(ai_mod, "_DIAGNOSERS", {})
    monkeypatch.setattr(es_mod, "_PREDEF", {})
    barrier = threading.Barrier(6)
    failures: list[BaseException] = []

    def work() -> None:
        barrier.wait()
        try:
            for _ in range(20):
                assert parse_element_string(RAW3).elements[2] == ("10", "AB-123")
                assert parse_element_string(HRI3 + "(3103)001250").elements[3] == ("3103", "001250")
        except BaseException as exc:  # collected and re-raised in the main thread
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


@pytest.mark.parametrize(
    "text",
    [f"01{GTIN}{GS}10AB", f"01{GTIN}10AB{GS}", f"{GS}01{GTIN}10AB", f"]C1{GS}01{GTIN}{GS}10AB{GS}"],
)
def test_extra_separators_can_be_allowed(text: str) -> None:
    with pytest.raises(TraceStdError) as info:
        parse_element_string(text)
    assert info.value.code == "gs1.separator.superfluous"
    assert parse_element_string(text, allow_extra_separators=True).elements == (("01", GTIN), ("10", "AB"))
    assert check(text, allow_extra_separators=True, strict=True).valid
    assert not check(text, strict=True).valid
    assert ElementString.parse(text, allow_extra_separators=True).elements[1] == ("10", "AB")


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        (f"01{GTIN}{GS}10AB", [(16, 17)]),  # after a predefined-length AI
        (f"01{GTIN}10AB{GS}", [(20, 21)]),  # at the end
        (f"{GS}01{GTIN}10AB", [(0, 1)]),  # before the first AI
        (f"^01{GTIN}^10AB^", [(17, 18), (22, 23)]),  # caret FNC1 form
    ],
)
def test_superfluous_separators_are_a_warning_when_lenient_an_error_when_strict(
    text: str, spans: list[tuple[int, int]]
) -> None:
    caret = text.startswith("^")
    lenient = check(text, caret_fnc1=caret)
    assert lenient.valid and lenient.normalized == f"(01){GTIN}(10)AB"
    assert [(i.code, i.span) for i in lenient.warnings] == [("gs1.separator.superfluous", s) for s in spans]
    strict = check(text, caret_fnc1=caret, strict=True)
    assert [(i.code, i.span) for i in strict.errors] == [("gs1.separator.superfluous", s) for s in spans]
    with pytest.raises(TraceStdError) as info:
        parse_element_string(text, caret_fnc1=caret)
    assert (info.value.code, info.value.span) == ("gs1.separator.superfluous", spans[0])


def test_withdrawn_currency_is_a_warning() -> None:
    """BGN (975) left ISO 4217 on 2026-01-01; older readers still accept it: a warning, not an error."""
    text = "(415)8935234000002(8020)ABC123(3912){}995"
    report = check(text.format("975"))
    assert report.valid
    assert [(i.code, i.span, i.context["alpha_3"]) for i in report.warnings] == [
        ("gs1.lint.iso4217", (36, 39), "BGN")
    ]
    assert check(text.format("978")).issues == []
    bad = check(text.format("974"))
    assert [(i.code, i.span) for i in bad.errors] == [("gs1.lint.iso4217", (36, 39))]


def test_double_separators_are_never_allowed() -> None:
    with pytest.raises(TraceStdError) as info:
        parse_element_string(f"01{GTIN}10AB{GS}{GS}17261231", allow_extra_separators=True)
    assert info.value.code == "gs1.separator.double"
