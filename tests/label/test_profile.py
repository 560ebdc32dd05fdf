"""Profile vn-fresh-produce/1: label <-> GS1 elements, and the lossless round trip."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trace_std.errors import TraceStdError
from trace_std.gs1.element_string import encode_element_string, parse_element_string
from trace_std.gs1.keys import gtin_check_digit, sscc_check_digit
from trace_std.label import CartonLabel, PalletLabel, from_elements, to_elements
from trace_std.label import profile as P
from trace_std.label.models import ProductName

GTIN = "08935234567895"
SSCC = "389352345000000015"
REF = 2026


def carton(**changes: Any) -> CartonLabel:
    data: dict[str, Any] = {
        "gtin": GTIN,
        "lot": "DF2503A",
        "harvest_date": "2025-03-01",
        "pack_date": "2025-03-05",
        "net_weight_kg": "10.5",
    }
    data.update(changes)
    return CartonLabel.model_validate(data)


def test_full_carton_mapping() -> None:
    label = carton(
        harvest_date_end="2025-03-04",
        best_before="2025-03-25",
        puc="VN-DTOR-0017",
        phc="VN-BTPH-036",
        serial="000123",
        sscc=SSCC,
    )
    assert to_elements(label, reference_year=REF) == [
        ("00", SSCC), ("01", GTIN), ("13", "250305"), ("15", "250325"), ("3101", "000105"), ("10", "DF2503A"),
        ("21", "000123"), ("7007", "250301250304"), ("422", "704"), ("427", "45"), ("7030", "704VN-BTPH-036"),
        ("90", "VN-DTOR-0017"),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("weight", "element"),
    [("10", ("3100", "000010")), ("10.5", ("3101", "000105")), ("10.50", ("3101", "000105")),
     ("0.125", ("3103", "000125")), ("1.23456", ("3105", "123456")), ("999999", ("3100", "999999")),
     ("9999.99", ("3102", "999999"))],
)  # fmt: skip
def test_net_weight_uses_the_fewest_decimals(weight: str, element: tuple[str, str]) -> None:
    elements = dict(to_elements(carton(net_weight_kg=weight)))
    assert (element[0], elements[element[0]]) == element


def test_427_only_when_the_province_resolves() -> None:
    assert "427" not in dict(to_elements(carton()))  # no PUC
    assert dict(to_elements(carton(puc="VN-DNOOR0039")))["427"] == "72"
    # a domestic code on the pre-2025 administrative table resolves through the province name
    assert dict(to_elements(carton(puc="VN-75-731-26041-12-24")))["427"] == "39"  # Đồng Nai
    # a domestic code on the 2025 table has no ISO 3166-2 subdivision (ISO still lists the 63 provinces)
    assert "427" not in dict(to_elements(carton(puc="VN-82-866-29869-01-25")))


def test_pallet_mapping() -> None:
    pallet = PalletLabel.model_validate(
        {
            "sscc": SSCC,
            "content_gtin": GTIN,
            "count": 60,
            "lot": "L1",
            "pack_date": "2025-03-05",
            "phc": "VN-BTPH-036",
        }
    )
    assert to_elements(pallet, reference_year=REF) == [
        ("00", SSCC),
        ("02", GTIN),
        ("13", "250305"),
        ("37", "60"),
        ("10", "L1"),
        ("422", "704"),
        ("7030", "704VN-BTPH-036"),
    ]
    assert from_elements(to_elements(pallet), kind="pallet") == pallet


def test_encoded_result_satisfies_gs1_rules() -> None:
    from trace_std.gs1.ai import validate_elements

    label = carton(
        harvest_date_end="2025-03-04",
        best_before="2025-03-25",
        puc="VN-DTOR-0017",
        phc="VN-BTPH-036",
        serial="1",
        sscc=SSCC,
    )
    assert validate_elements(to_elements(label)) == []


@pytest.mark.parametrize(
    ("elements", "code"),
    [
        ([("01", GTIN), ("99", "x")], "label.profile.unmapped"),
        ([("01", GTIN), ("422", "156")], "label.profile.mismatch"),
        ([("01", GTIN), ("7030", "156VN-BTPH-036")], "label.profile.mismatch"),
        ([("01", GTIN), ("90", "VN-DTOR-0017"), ("427", "50")], "label.profile.mismatch"),
        ([("01", GTIN), ("427", "45")], "label.profile.mismatch"),
        ([("01", GTIN), ("13", "251301")], "label.date.invalid"),
        ([("01", GTIN), ("3102", "12x")], "label.weight.invalid"),
        ([("01", GTIN + "0")], "gs1.key.length"),
    ],
)
def test_from_elements_errors(elements: list[tuple[str, str]], code: str) -> None:
    base = {"10": "L", "13": "250305", "7007": "250301", "3100": "000010"}
    present = {ai for ai, _ in elements}
    full = elements + [(ai, v) for ai, v in base.items() if ai not in present and not ai.startswith("310")]
    if not any(ai.startswith("310") for ai in present):
        full.append(("3100", "000010"))
    with pytest.raises(TraceStdError) as info:
        from_elements(full)
    assert info.value.code == code


def test_from_elements_missing_field_is_required_error() -> None:
    with pytest.raises(TraceStdError) as info:
        from_elements([("01", GTIN), ("10", "L")])
    assert (info.value.code, info.value.field) == ("label.field.required", "harvest_date")


def test_day_zero_and_century_window() -> None:
    assert P.decode_yymmdd("250200", "best_before", reference_year=REF) == dt.date(2025, 2, 28)
    assert P.decode_yymmdd("761231", "x", reference_year=REF) == dt.date(2076, 12, 31)
    assert P.decode_yymmdd("770101", "x", reference_year=REF) == dt.date(1977, 1, 1)
    with pytest.raises(TraceStdError) as info:
        P.encode_yymmdd(dt.date(2077, 1, 1), "pack_date", reference_year=REF)
    assert (info.value.code, info.value.field) == ("label.date.unencodable", "pack_date")


def test_profile_table_is_consistent() -> None:
    known = {
        "digits",
        "yymmdd",
        "yymmdd_range",
        "decimal",
        "text",
        "integer",
        "constant",
        "subdivision",
        "prefixed",
    }
    from trace_std.data import load
    from trace_std.gs1.ai import ai_info

    table = load("label_profile_vn_fresh_produce")
    assert set(table["encodings"]) == known
    for kind, model in (("carton", CartonLabel), ("pallet", PalletLabel)):
        rows = P.mappings(kind)
        assert [r.order for r in rows] == sorted(r.order for r in rows)
        for row in rows:
            assert row.encoding in known
            assert row.field is None or row.field in model.model_fields
            assert ai_info(row.ai.replace("n", "0")) is not None, row.ai


# -- the lossless round trip ---------------------------------------------------------------------

cset82 = st.text(
    alphabet=sorted("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"),
    min_size=1,
    max_size=20,
)
dates = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2060, 12, 31))
gtins = st.integers(0, 10**13 - 1).map(lambda n: f"{n:013d}" + str(gtin_check_digit(f"{n:013d}")))
ssccs = st.integers(0, 10**17 - 1).map(lambda n: f"{n:017d}" + str(sscc_check_digit(f"{n:017d}")))
weights = st.builds(lambda units, n: Decimal(units).scaleb(-n), st.integers(1, 999999), st.integers(0, 5))
pucs = st.sampled_from(["VN-DTOR-0017", "VN-DTOR-0018", "VN-DNOR-0269", "VN-DNOOR0039", "VN-DLOR-0188", None])
phcs = st.sampled_from(["VN-BTPH-036", "VN-DTPH-0001", "VN-DNPH-120", "VN-TGPH-0219", None])


@st.composite
def cartons(draw: st.DrawFn) -> CartonLabel:
    harvest = draw(dates)
    end = draw(st.none() | dates)
    return CartonLabel(
        gtin=draw(gtins),
        lot=draw(cset82),
        harvest_date=harvest,
        harvest_date_end=end,
        pack_date=draw(dates),
        best_before=draw(st.none() | dates),
        net_weight_kg=draw(weights),
        puc=draw(pucs),
        phc=draw(phcs),
        serial=draw(st.none() | cset82),
        sscc=draw(st.none() | ssccs),
        product_name=ProductName(vi="Thanh long"),
        crop="dragon fruit",
        exporter="X",
        destination_market="CN",
    )


@settings(max_examples=80, deadline=None)
@given(cartons(), st.sampled_from(["hri", "raw"]))
def test_label_to_element_string_to_label_is_lossless(label: CartonLabel, form: str) -> None:
    text = encode_element_string(to_elements(label), form=form)  # type: ignore[arg-type]
    parsed = parse_element_string(text)
    extra = {k: getattr(label, k) for k in ("product_name", "crop", "exporter", "destination_market")}
    assert from_elements(parsed.elements, extra=extra) == label
    # and without the printed-only fields, exactly those are missing
    assert from_elements(parsed.elements) == label.model_copy(update=dict.fromkeys(extra))
