from __future__ import annotations

import datetime

import pytest

from trace_std import codes
from trace_std.codes import _engine, phc, puc
from trace_std.errors import InvalidCombination, InvalidLength, TraceStdError

AS_OF = datetime.date(2026, 1, 1)

# -- real codes of vn-codes.md §6/§7 ---------------------------------------------------------------------

VALID_PUC = [
    ("VN-DTOR-0017", "VN-DTOR-0017"),
    ("VN-DTOR-0018", "VN-DTOR-0018"),
    ("VN-DNOOR0039", "VN-DNOOR-0039"),
    ("VN-DNOR-0269", "VN-DNOR-0269"),
    ("VN - DNOR - 0271", "VN-DNOR-0271"),
    ("VN-DNOR-0272", "VN-DNOR-0272"),
    ("VN-DNOR-0273", "VN-DNOR-0273"),
    ("VN-DNOR-0274", "VN-DNOR-0274"),
    ("VN - DLOR - 0188", "VN-DLOR-0188"),
    ("VN - DTOR - 0574", "VN-DTOR-0574"),
    ("vn-dtor-0017", "VN-DTOR-0017"),
    ("VN – DTOR – 0017", "VN-DTOR-0017"),
    ("ＶＮ－ＤＴＯＲ－００１７", "VN-DTOR-0017"),
    ("\u00a0VN-DTOR-0017\t", "VN-DTOR-0017"),
    ("VN-75-731-26041-12-24", "VN-75-731-26041-12-24"),
    ("VN-87-877-30268-01-23", "VN-87-877-30268-01-23"),
    ("vn 87 - 877 - 30268 - 001 - 23".replace("vn ", "VN-"), "VN-87-877-30268-001-23"),
]
VALID_PHC = [
    ("VN-DTPH-0001", "VN-DTPH-0001"),
    ("VN-BTPH-036", "VN-BTPH-036"),
    ("VN-DNPH-120", "VN-DNPH-120"),
    ("VN-DNPH-129", "VN-DNPH-129"),
    ("VN-DNPH-131", "VN-DNPH-131"),
    ("VN - TGPH - 0219", "VN-TGPH-0219"),
    ("VN-DLPH-035", "VN-DLPH-035"),
    ("vn-btph036", "VN-BTPH-036"),
]
VALID_PUC += [("PB.33.01.01.001", "PB.33.01.01.001"), ("pb. 33 .01.01.001", "PB.33.01.01.001")]


@pytest.mark.parametrize(("value", "expected"), VALID_PUC)
def test_valid_puc(value: str, expected: str) -> None:
    assert puc.validate(value) == expected
    assert puc.is_valid(value)
    assert puc.format(value) == expected
    assert puc.parse(value, as_of=AS_OF).canonical == expected
    assert codes.check(value).valid


@pytest.mark.parametrize(("value", "expected"), VALID_PHC)
def test_valid_phc(value: str, expected: str) -> None:
    assert phc.validate(value) == expected
    assert phc.is_valid(value)
    assert phc.parse(value).kind == "phc"
    assert not puc.is_valid(value)


# -- malformed: (input, first error code, span in the original) ------------------------------------------

MALFORMED = [
    ("VN-DTOR-17", "code.segment.length", (8, 10)),
    ("VN-DTOR-00017", "code.segment.length", (8, 13)),
    ("VN-DT-OR-0017", "code.separator.unexpected", (5, 6)),
    ("VNDTOR0017", "code.separator.missing", (2, 2)),
    ("VN-DTXX-0017", "code.type.unknown", (5, 7)),
    ("VN-D1OR-0017", "code.segment.character", (4, 5)),
    ("VN-DTOR-001A", "code.segment.character", (11, 12)),
    ("VN-DTOR-", "code.segment.missing", (8, 8)),
    ("VN-DTOR", "code.segment.missing", (7, 7)),
    ("US-DTOR-0017", "code.country.invalid", (0, 2)),
    ("75-PUC-SR-00001-CHN", "code.country.invalid", (0, 2)),
    ("VN-14-116-4108-01-23", "code.segment.length", (10, 14)),
    ("VN-14-116-04108-01-2023", "code.segment.length", (19, 23)),
    ("VN-14-16-04108-01-23", "code.segment.length", (6, 8)),
    ("VN-14-116-04108-1-23", "code.segment.length", (16, 17)),
    ("VN-DTOR-0017X", "code.segment.character", (12, 13)),
    ("VN-DTOR-0017-01", "code.segment.unexpected", (12, 15)),
    ("VN-DTOOOR-0017", "code.segment.length", (3, 7)),
    ("VN-DTOR-٠٠١٧", "code.character.non_ascii_digit", (8, 9)),
    ("VN-DTOR-0017\x00", "input.control_character", (12, 13)),
    ("VN-DTOR@0017", "code.character.invalid", (7, 8)),
    (
        "VN-\u00d0TOR-0017",
        "code.character.invalid",
        (3, 4),
    ),  # Icelandic Ð (eth): only Vietnamese Đ is read as D
    ("", "input.empty", (0, 0)),
    ("   ", "input.empty", (0, 3)),
    ("-", "code.segment.missing", (0, 0)),
    ("VN-" + "0" * 62, "input.too_long", (0, 65)),
    # domestic: table look-ups (spans of the offending segment in the original)
    ("VN-14-116-04108-01-23", "puc.commune.mismatch", (10, 15)),
    ("VN-99-731-26041-12-24", "puc.province.unknown", (3, 5)),
    ("VN-75-999-26041-12-24", "puc.district.unknown", (6, 9)),
    ("VN-75-877-26041-12-24", "puc.district.mismatch", (6, 9)),
    ("VN-75-731-99999-12-24", "puc.commune.unknown", (10, 15)),
    ("VN - 75 - 877 - 26041 - 12 - 24", "puc.district.mismatch", (10, 13)),
    ("VN-87-877-30268-01-27", "puc.year.future", (19, 21)),
    ("VN-87-877-30268-01-26", "puc.province.unknown", (3, 5)),
    # US dotted scheme
    ("PB.33.01.01.1", "code.segment.length", (12, 13)),
    ("PB.33.01.01", "code.segment.missing", (11, 11)),
    ("PB.33.01.01.0O1", "code.segment.character", (13, 14)),
]


@pytest.mark.parametrize(("value", "code", "span"), MALFORMED)
def test_malformed(value: str, code: str, span: tuple[int, int]) -> None:
    report = puc.check(value, as_of=AS_OF)
    assert not report.valid
    first = report.errors[0]
    assert (first.code, first.span) == (code, span)
    with pytest.raises(TraceStdError) as exc:
        puc.parse(value, as_of=AS_OF)
    assert (exc.value.code, exc.value.span) == (code, span)
    assert not puc.is_valid(value) or code.startswith("puc.year")  # is_valid judges against today


def test_vn_code_with_foreign_separator_is_judged_as_a_vn_code() -> None:
    # the dotted US scheme must not capture a VN code written with dots
    report = codes.check("VN.DTOR.0017")
    assert not report.valid
    assert [(i.code, i.span) for i in report.errors] == [
        ("code.character.invalid", (2, 3)),
        ("code.character.invalid", (7, 8)),
    ]
    for value in ("PB.33.01.01.001", "VN.33.01.01.001"):  # a valid dotted code still validates
        assert codes.check(value).valid
        assert puc.parse(value).scheme == "us-dotted"


def test_errors_carry_their_category() -> None:
    with pytest.raises(InvalidLength):
        puc.validate("VN-DTOR-17")
    with pytest.raises(InvalidCombination):
        phc.validate("VN-DTOR-0017")


def test_check_collects_several_errors() -> None:
    report = puc.check("75-PUC-SR-00001-CHN")
    assert [(i.code, i.span) for i in report.errors][:2] == [
        ("code.country.invalid", (0, 2)),
        ("code.type.unknown", (4, 6)),
    ]


# -- normalisation warnings and strict mode ---------------------------------------------------------------

LENIENT = [
    ("VN-DNOOR0039", [("code.separator.missing", (8, 8))]),
    ("vn-DTOR-0017", [("code.form.case", (0, 2))]),
    ("VN–DTOR—0017", [("code.form.dash", (2, 3)), ("code.form.dash", (7, 8))]),
    ("VN-DTOR-００１７", [("code.form.compatibility", (8, 12))]),
    ("VN-ĐLOR-0071", [("code.form.vietnamese_d", (3, 4))]),  # as the press writes Đắk Lắk's code
    (" VN-DTOR-0017 ", [("code.form.whitespace", (0, 1)), ("code.form.whitespace", (13, 14))]),
    ("VN-XYOR-0001", [("code.abbreviation.unknown", (3, 5))]),
    ("VN-QNPH-012", [("code.abbreviation.ambiguous", (3, 5))]),
    ("VN-87-877-30268-01-21", [("puc.year.before_scheme", (19, 21))]),
]


@pytest.mark.parametrize(("value", "warnings"), LENIENT)
def test_lenient_warnings(value: str, warnings: list[tuple[str, tuple[int, int]]]) -> None:
    report = codes.check(value)
    assert report.valid
    assert [(i.code, i.span) for i in report.warnings] == warnings
    assert [(i.code, i.span) for i in codes.parse_code(value).warnings] == warnings


@pytest.mark.parametrize(
    ("value", "code", "span"),
    [
        ("VN-DNOOR0039", "code.separator.missing", (8, 8)),
        ("vn-DTOR-0017", "code.form.case", (0, 2)),
        ("VN–DTOR-0017", "code.form.dash", (2, 3)),
        ("VN-DTOR-００１７", "code.form.compatibility", (8, 12)),
        ("VN-ĐLOR-0071", "code.form.vietnamese_d", (3, 4)),
        (" VN-DTOR-0017", "code.form.whitespace", (0, 1)),
    ],
)
def test_strict_rejects_each_change(value: str, code: str, span: tuple[int, int]) -> None:
    assert codes.parse_code(value).canonical  # fine when lenient
    report = codes.check(value, strict=True)
    assert [(i.code, i.span) for i in report.errors] == [(code, span)]
    with pytest.raises(TraceStdError):
        puc.validate(value, strict=True) if "OR" in value else phc.validate(value, strict=True)


@pytest.mark.parametrize("value", [v for v, e in VALID_PUC + VALID_PHC if v == e])
def test_strict_accepts_canonical(value: str) -> None:
    assert codes.parse_code(value, strict=True, as_of=AS_OF).canonical == value


def test_no_repadding() -> None:
    assert phc.validate("VN-BTPH-036") != phc.validate("VN-BTPH-0036")
    assert phc.parse("VN-BTPH-036").segments["sequence"] == "036"


# -- parse results ------------------------------------------------------------------------------------------


def test_parse_export_resolves_province_and_successor() -> None:
    p = puc.parse("VN - DNOOR0039")
    assert (p.kind, p.scheme, p.canonical, p.original) == (
        "puc",
        "vn-export",
        "VN-DNOOR-0039",
        "VN - DNOOR0039",
    )
    assert dict(p.segments) == {"country": "VN", "province": "DNO", "type": "OR", "sequence": "0039"}
    assert dict(p.spans) == {"country": (0, 2), "province": (5, 8), "type": (8, 10), "sequence": (10, 14)}
    assert (p.province_code, p.province_name, p.successor_code, p.successor_name) == (
        "67",
        "Đắk Nông",
        "68",
        "Lâm Đồng",
    )
    assert p.abbreviation_status == "observed"


def test_parse_derived_abbreviation() -> None:
    p = phc.parse("VN-STPH-001")
    assert (p.province_name, p.abbreviation_status) == ("Sóc Trăng", "derived")


def test_parse_domestic() -> None:
    p = puc.parse("VN-87-877-30268-01-23")
    assert p.scheme == "vn-3156" and p.issue_year == 2023 and p.admin_table == "vn_admin_2004"
    assert (p.province_name, p.district_name, p.commune_name) == (
        "Đồng Tháp",
        "Huyện Châu Thành",
        "Xã Phú Hựu",
    )
    assert (p.successor_code, p.successor_name) == ("82", "Đồng Tháp")
    assert p.spans["commune"] == (10, 15)


def test_domestic_2025_tables() -> None:
    # 2025: either table; this commune/province pair exists only in the 2025 table (no districts there).
    p = puc.parse("VN-82-866-29869-01-25", as_of=AS_OF)
    assert p.admin_table == "vn_admin_2025" and p.commune_name == "Phường Cao Lãnh"
    assert [i.code for i in p.warnings] == ["puc.district.abolished"]
    # a 2026 code is checked against the 34-province table only
    p = puc.parse("VN-82-866-29869-01-26", as_of=AS_OF)
    assert p.admin_table == "vn_admin_2025"
    report = puc.check("VN-82-866-29869-01-26", as_of=datetime.date(2025, 12, 31))
    assert [i.code for i in report.errors] == ["puc.year.future"]


def test_report_shape() -> None:
    data = codes.check("VN-DTOR-0017").to_dict()
    assert data["kind"] == "puc" and data["normalized"] == "VN-DTOR-0017" and data["scheme"] == "vn-export"
    assert data["province_name"] == "Đồng Tháp"
    assert set(data["data_versions"]) >= {"code_schemes", "vn_export_abbreviations"}
    bad = codes.check("VN-DTXX-0017").to_dict()
    assert bad["valid"] is False and bad["normalized"] is None


def test_kind_mismatch() -> None:
    report = codes.check("VN-DTOR-0017", kind="phc")
    assert [(i.code, i.span) for i in report.errors] == [("code.kind.mismatch", (5, 7))]
    report = phc.check("VN-87-877-30268-01-23")
    assert [(i.code, i.span) for i in report.errors] == [("code.kind.mismatch", (0, 21))]
    with pytest.raises(ValueError, match="unknown kind"):
        codes.check("VN-DTOR-0017", kind="gtin")


# -- forgiving input: spaces for dashes, full-width forms from a Chinese input method -------------------


@pytest.mark.parametrize(
    ("value", "canonical", "repairs"),
    [
        (
            "VN SLOR 0001",
            "VN-SLOR-0001",
            [("code.form.whitespace", (2, 3)), ("code.form.whitespace", (7, 8))],
        ),
        ("VN SLPH 001", "VN-SLPH-001", [("code.form.whitespace", (2, 3)), ("code.form.whitespace", (7, 8))]),
        (
            "VN  DTOR   0017 ",
            "VN-DTOR-0017",
            [
                ("code.form.whitespace", (2, 4)),
                ("code.form.whitespace", (8, 11)),
                ("code.form.whitespace", (15, 16)),
            ],
        ),
        (
            "VN\u3000SLOR\u30000001",
            "VN-SLOR-0001",
            [("code.form.whitespace", (2, 3)), ("code.form.whitespace", (7, 8))],
        ),
        ("VN-SLOR 0001", "VN-SLOR-0001", [("code.form.whitespace", (7, 8))]),
        ("VN 75 731 26041 12 24", "VN-75-731-26041-12-24", None),
        (
            "ＶＮ－ＳＬＯＲ－０００１",
            "VN-SLOR-0001",
            [
                ("code.form.compatibility", (0, 2)),
                ("code.form.dash", (2, 3)),
                ("code.form.compatibility", (3, 7)),
                ("code.form.dash", (7, 8)),
                ("code.form.compatibility", (8, 12)),
            ],
        ),
        ("ＶＮ　ＳＬＯＲ　０００１", "VN-SLOR-0001", None),
    ],
)
def test_spaces_and_full_width_read_as_the_code(
    value: str, canonical: str, repairs: list[tuple[str, tuple[int, int]]] | None
) -> None:
    from trace_std.check import check, detect

    for report in (codes.check(value), check(value)):
        assert report.valid and report.normalized == canonical
        assert all(i.severity.value == "warning" and i.code.startswith("code.form.") for i in report.issues)
        if repairs is not None:
            assert [(i.code, i.span) for i in report.issues] == repairs
    assert detect(value) in ("puc", "phc")
    assert codes.parse_code(value).canonical == canonical


def test_spaces_are_not_separators_inside_a_segment() -> None:
    # A space inside the sequence does not become a dash: it is simply removed.
    assert codes.check("VN-SLOR-00 01").normalized == "VN-SLOR-0001"
    # Strict mode still refuses any repair.
    assert not codes.check("VN SLOR 0001", strict=True).valid


# -- detection ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("VN-DTOR-0017", "puc"),
        ("VN-BTPH-036", "phc"),
        ("vn – btph – 036", "phc"),
        ("VNDTOR0017", "puc"),
        ("VN-14-116-04108-01-23", "puc"),
        ("US-DTOR-0017", "puc"),
        ("XX-DTPH-001", "phc"),
        ("PB.33.01.01.001", "puc"),
        ("ＶＮ－ＤＴＯＲ－００１７", "puc"),
        ("ＶＮ－ＢＴＰＨ－０３６", "phc"),
        ("VN DTOR 0017", "puc"),
        ("０９５０６０００１３４３５２", None),
        ("09506000134352", None),
        ("(01)09506000134352", None),
        ("https://id.example.org/01/09506000134352", None),
        ("", None),
        ("V", None),
    ],
)
def test_detect(value: str, kind: str | None) -> None:
    assert codes.detect(value) == kind


# -- fast path agrees with the full analysis ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "VN-DTOR-0017",
        "VN-BTPH-036",
        "VN-XYOR-0001",
        "VN-75-731-26041-12-24",
        "VN-14-116-04108-01-23",
        "VN-87-877-30268-01-21",
        "VN-87-877-30268-01-99",
        "VN-82-866-29869-01-25",
    ],
)
@pytest.mark.parametrize("kinds", [frozenset({"puc"}), frozenset({"phc"}), frozenset({"puc", "phc"})])
def test_fast_path_agrees_with_analysis(value: str, kinds: frozenset[str]) -> None:
    fast = _engine.fast_validate(value, kinds)
    slow = _engine.analyse(value, kinds=kinds)
    if fast is not None:
        assert not slow.errors and slow.parsed is not None and slow.parsed.canonical == fast
    assert _engine.is_valid_kinds(value, kinds) == (not slow.errors)


def test_compact_rejects_early() -> None:
    with pytest.raises(TraceStdError) as exc:
        puc.compact("VN-" + "0" * 100)
    assert (exc.value.code, exc.value.span) == ("input.too_long", (0, 103))
    with pytest.raises(TraceStdError) as exc:
        phc.compact("VN\x00")
    assert (exc.value.code, exc.value.span) == ("input.control_character", (2, 3))


def test_strict_reports_controls_and_form_together() -> None:
    report = codes.check("vn-DTOR-0017\x00", strict=True)
    assert [(i.code, i.span) for i in report.errors] == [
        ("input.control_character", (12, 13)),
        ("code.form.case", (0, 2)),
    ]


def test_lowercase_non_ascii_letter_is_case_then_invalid() -> None:
    report = codes.check("VN-\u00f0TOR-0017")  # ð (eth), upper-cased to Ð, still not a code letter
    assert [(i.code, i.severity.value, i.span) for i in report.issues] == [
        ("code.form.case", "warning", (3, 4)),
        ("code.character.invalid", "error", (3, 4)),
    ]


@pytest.mark.parametrize(
    ("value", "code", "span"),
    [
        ("VN-82-866-00004-01-26", "puc.commune.mismatch", (10, 15)),  # 00004 is in Hà Nội (01)
        ("VN-99-866-29869-01-26", "puc.province.unknown", (3, 5)),
    ],
)
def test_domestic_after_reform_errors(value: str, code: str, span: tuple[int, int]) -> None:
    report = puc.check(value, as_of=AS_OF)
    assert (report.errors[0].code, report.errors[0].span) == (code, span)


def test_verbs_of_the_engine_reject_non_strings() -> None:
    with pytest.raises(TypeError):
        _engine.validate_kinds(None, frozenset({"puc"}))  # type: ignore[arg-type]
    assert _engine.is_valid_kinds(b"VN-DTOR-0017", frozenset({"puc"})) is False  # type: ignore[arg-type]
    assert _engine.validate_kinds("VN-DTOR-0017", frozenset({"puc"})) == "VN-DTOR-0017"
    assert _engine.fast_validate("VN-DTOR-0017", frozenset({"phc"})) is None


def test_parsed_code_is_frozen_and_hashable() -> None:
    p = puc.parse("VN-DTOR-0017")
    assert hash(p) == hash(puc.parse("VN-DTOR-0017")) and p == puc.parse("VN-DTOR-0017")
    assert p != puc.parse("vn-dtor-0017")  # the original string is part of the value
    with pytest.raises(AttributeError):
        p.kind = "phc"  # type: ignore[misc]


def test_vietnamese_d_reads_as_d() -> None:
    """Đ/đ (U+0110/U+0111) survive NFKC, so they need their own fold: "vn-đlor-0071" is Đắk Lắk's."""
    parsed = codes.parse_code("vn-đlor-0071")
    assert (parsed.canonical, parsed.province_name) == ("VN-DLOR-0071", "Đắk Lắk")
    assert [(w.code, w.span) for w in parsed.warnings] == [
        ("code.form.case", (0, 2)),
        ("code.form.vietnamese_d", (3, 4)),
        ("code.form.case", (4, 7)),
    ]
    assert codes.detect("VN-ĐLOR-0071") == "puc"
