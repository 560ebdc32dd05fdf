"""Field validators: canonical values, and (code, span) for every failure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trace_std.errors import TraceStdError
from trace_std.label import fields as F


@pytest.mark.parametrize(
    ("parse", "text", "expected"),
    [
        (F.parse_gtin, "8935234567895", "08935234567895"),
        (F.parse_gtin, "08935234567895", "08935234567895"),
        (F.parse_gtin, "02345673", "00000002345673"),
        (F.parse_sscc, "389352345000000015", "389352345000000015"),
        (F.parse_lot, "DF2503A", "DF2503A"),
        (F.parse_lot, "A" * 20, "A" * 20),
        (F.parse_serial, "x/1-2", "x/1-2"),
        (F.parse_puc, "VN-DTOR-0017", "VN-DTOR-0017"),
        (F.parse_puc, "VN - DNOR - 0269", "VN-DNOR-0269"),
        (F.parse_phc, "vn-btph-036", "VN-BTPH-036"),
        (F.parse_date, "2024-02-29", dt.date(2024, 2, 29)),
        (F.parse_weight, "10", Decimal(10)),
        (F.parse_weight, "10.250", Decimal("10.25")),
        (F.parse_weight, "0,5", Decimal("0.5")),
        (F.parse_weight, "999999", Decimal(999999)),
        (F.parse_weight, "9.99999", Decimal("9.99999")),
        (F.parse_count, "60", 60),
        (F.parse_country, "cn", "CN"),
        (F.parse_text, "Sầu riêng", "Sầu riêng"),
    ],
)
def test_parse_ok(parse, text, expected) -> None:  # type: ignore[no-untyped-def]
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("parse", "text", "code", "span"),
    [
        (F.parse_gtin, "8935234567894", "gs1.key.checksum", (12, 13)),
        (F.parse_gtin, "89352345678X5", "gs1.key.character", (11, 12)),
        (F.parse_gtin, "", "label.field.required", (0, 0)),
        (F.parse_sscc, "389352345000000016", "gs1.key.checksum", (17, 18)),
        (F.parse_lot, "LOT 7", "label.field.character", (3, 4)),
        (F.parse_lot, "LÔ7", "label.field.character", (1, 2)),
        (F.parse_lot, "A" * 21, "label.field.too_long", (20, 21)),
        (F.parse_serial, "#1", "label.field.character", (0, 1)),
        (F.parse_date, "2025-02-29", "label.date.invalid", (0, 10)),
        (F.parse_date, "20250301", "label.date.invalid", (0, 8)),
        (F.parse_date, "2025-W10-1", "label.date.invalid", (0, 10)),
        (F.parse_date, "２０２５-03-01", "label.date.invalid", (0, 10)),
        (F.parse_harvest, "2025-03-01/2025-13-01", "label.date.invalid", (11, 21)),
        (F.parse_harvest, "2025-3-1/2025-03-02", "label.date.invalid", (0, 8)),
        (F.parse_weight, "0", "label.weight.invalid", (0, 1)),
        (F.parse_weight, "-1", "label.weight.invalid", (0, 2)),
        (F.parse_weight, "1e3", "label.weight.invalid", (0, 3)),
        (F.parse_weight, "NaN", "label.weight.invalid", (0, 3)),
        (F.parse_weight, "1000000", "label.weight.unencodable", (0, 7)),
        (F.parse_weight, "0.000001", "label.weight.unencodable", (0, 8)),
        (F.parse_weight, "99999.99", "label.weight.unencodable", (0, 8)),
        (F.parse_count, "0", "label.count.invalid", (0, 1)),
        (F.parse_count, "123456789", "label.count.invalid", (0, 9)),
        (F.parse_country, "XX", "label.country.unknown", (0, 2)),
        (F.parse_country, "VNM", "label.country.unknown", (0, 3)),
        (F.parse_text, "   ", "label.field.required", (0, 3)),
        (F.parse_text, "a\x00b", "label.field.character", (1, 2)),
        (F.parse_text, "x" * 121, "label.field.too_long", (120, 121)),
    ],
)
def test_parse_errors(parse, text, code, span) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TraceStdError) as info:
        parse(text)
    assert (info.value.code, info.value.span) == (code, span)
    assert info.value.field is not None


def test_code_errors_keep_the_code_libraries_code_and_span() -> None:
    from trace_std.codes import parse_code

    for text in ("VN-DTOR-17", "VN-D1OR-0017", "US-DTOR-0017"):
        with pytest.raises(TraceStdError) as ours:
            F.parse_puc(text)
        with pytest.raises(TraceStdError) as theirs:
            parse_code(text)
        assert (ours.value.code, ours.value.span) == (theirs.value.code, theirs.value.span)
        assert ours.value.field == "puc"


def test_code_kind_and_subdivision() -> None:
    assert F.code_kind(F.parse_puc("VN-DTOR-0017")) == "puc"
    assert F.code_kind(F.parse_phc("VN-BTPH-036")) == "phc"
    assert F.code_subdivision("VN-DTOR-0017") == "VN-45"  # Đồng Tháp
    assert F.code_subdivision("VN-DNOOR0039") == "VN-72"  # Đắk Nông (3-letter abbreviation)
    assert F.code_subdivision("VN-BTPH-036") == "VN-50"  # Bến Tre


def test_every_2004_province_has_an_iso_subdivision() -> None:
    from trace_std.data import vn_admin
    from trace_std.data.iso import is_iso3166_2_vn

    for province in vn_admin.provinces(vn_admin.ERA_2004):
        code = F._subdivisions_by_name().get(F._fold(province.short_name))
        assert code is not None and is_iso3166_2_vn(code), province


def test_weight_decimals_is_the_fewest_exact() -> None:
    for text, n in (("7", 0), ("7.0", 0), ("7.5", 1), ("0.25", 2), ("1.23456", 5), ("120", 0)):
        assert F.weight_decimals(Decimal(text)) == n


@given(st.text(max_size=30))
def test_parsers_raise_only_trace_std_errors(text: str) -> None:
    for parse in (
        F.parse_gtin,
        F.parse_sscc,
        F.parse_lot,
        F.parse_serial,
        F.parse_puc,
        F.parse_date,
        F.parse_harvest,
        F.parse_weight,
        F.parse_count,
        F.parse_country,
        F.parse_text,
    ):
        try:
            parse(text)
        except TraceStdError as err:
            assert err.code and err.field
            if err.span is not None:
                assert 0 <= err.span[0] <= err.span[1] <= len(text)


def test_misuse_raises_type_error() -> None:
    with pytest.raises(TypeError):
        F.parse_date(20250301)  # type: ignore[arg-type]
