"""pydantic models: field validation keeps the library's codes, spans and field paths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from trace_std.errors import Severity
from trace_std.label import CartonLabel, PalletLabel, label_errors_to_issues

GTIN = "08935234567895"
SSCC = "389352345000000015"


def carton(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "gtin": GTIN, "lot": "DF2503A", "harvest_date": "2025-03-01", "pack_date": "2025-03-02",
        "net_weight_kg": 10, "puc": "VN-DTOR-0017", "phc": "VN-BTPH-036",
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def issues_of(model: type[Any], data: dict[str, Any]) -> list[tuple[str, str | None, tuple[int, int] | None]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    issues = label_errors_to_issues(info.value)
    assert all(i.severity is Severity.ERROR for i in issues)
    return [(i.code, i.field, i.span) for i in issues]


def test_valid_carton_is_canonicalised() -> None:
    label = CartonLabel.model_validate(
        carton(gtin="8935234567895", puc="vn - dtor - 0017", net_weight_kg="10,5", destination_market="cn")
    )
    assert label.gtin == GTIN
    assert label.puc == "VN-DTOR-0017"
    assert label.net_weight_kg == Decimal("10.5")
    assert label.destination_market == "CN"
    assert label.pack_date == dt.date(2025, 3, 2)


def test_date_objects_are_accepted_and_datetimes_are_not() -> None:
    assert CartonLabel.model_validate(carton(pack_date=dt.date(2025, 3, 2))).pack_date == dt.date(2025, 3, 2)
    assert issues_of(CartonLabel, carton(pack_date=dt.datetime(2025, 3, 2, 10, 0))) == [
        ("label.field.invalid", "pack_date", None)
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"gtin": "08935234567894"}, [("gs1.key.checksum", "gtin", (13, 14))]),
        ({"lot": "LOT 1"}, [("label.field.character", "lot", (3, 4))]),
        ({"puc": "VN-DTOR-17"}, None),  # code from trace_std.codes, checked below
        ({"pack_date": "2025-02-30"}, [("label.date.invalid", "pack_date", (0, 10))]),
        ({"net_weight_kg": 0}, [("label.weight.invalid", "net_weight_kg", None)]),
        ({"net_weight_kg": 1234567}, [("label.weight.unencodable", "net_weight_kg", None)]),
        ({"net_weight_kg": True}, [("label.weight.invalid", "net_weight_kg", None)]),
        ({"net_weight_kg": [1]}, [("label.weight.invalid", "net_weight_kg", None)]),
        ({"destination_market": "ZZ"}, [("label.country.unknown", "destination_market", (0, 2))]),
        ({"gtin": 8935234567895}, [("label.field.invalid", "gtin", None)]),
        ({"product_name": {"vi": ""}}, [("label.field.required", "product_name.vi", (0, 0))]),
        ({"product_name": {"en": "Mango"}}, [("label.field.required", "product_name.vi", None)]),
        (
            {"product_name": {"vi": "Xoài", "fr": "Mangue"}},
            [("label.field.unknown", "product_name.fr", None)],
        ),
        ({"colour": "red"}, [("label.field.unknown", "colour", None)]),
        ({"lot": None}, [("label.field.required", "lot", None)]),
    ],
)
def test_field_errors(changes: dict[str, Any], expected: list[Any] | None) -> None:
    got = issues_of(CartonLabel, carton(**changes))
    if expected is None:
        from trace_std.codes import parse_code
        from trace_std.errors import TraceStdError

        with pytest.raises(TraceStdError) as info:
            parse_code(changes["puc"])
        expected = [(info.value.code, "puc", info.value.span)]
    assert got == expected


def test_every_error_is_reported_at_once() -> None:
    got = issues_of(CartonLabel, carton(gtin="1", lot="a b", pack_date="x"))
    assert {(code, field) for code, field, _ in got} == {
        ("gs1.key.length", "gtin"),
        ("label.field.character", "lot"),
        ("label.date.invalid", "pack_date"),
    }


def test_pydantic_error_type_is_the_library_code() -> None:
    with pytest.raises(ValidationError) as info:
        CartonLabel.model_validate(carton(gtin="08935234567894"))
    (error,) = info.value.errors()
    assert error["type"] == "gs1.key.checksum"
    assert error["ctx"]["code"] == "gs1.key.checksum" and error["ctx"]["span"] == [13, 14]


def test_pallet_label() -> None:
    pallet = PalletLabel.model_validate(
        {"sscc": SSCC, "content_gtin": GTIN, "count": "60", "phc": "VN-BTPH-036"}
    )
    assert pallet.count == 60 and pallet.sscc == SSCC
    assert issues_of(PalletLabel, {"sscc": SSCC, "content_gtin": GTIN, "count": 0}) == [
        ("label.count.invalid", "count", None)
    ]
    assert issues_of(PalletLabel, {"content_gtin": GTIN, "count": 1}) == [
        ("label.field.required", "sscc", None)
    ]


def test_models_are_frozen_and_round_trip_through_json() -> None:
    label = CartonLabel.model_validate(carton(product_name={"vi": "Thanh long", "en": "Dragon fruit"}))
    with pytest.raises(ValidationError):
        label.lot = "X"  # type: ignore[misc]
    assert CartonLabel.model_validate_json(label.model_dump_json()) == label


def test_label_errors_to_issues_rejects_other_exceptions() -> None:
    with pytest.raises(TypeError):
        label_errors_to_issues(ValueError("x"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"treatment_method": "steam"}, [("label.field.invalid", "treatment_method", (0, 5))]),
        ({"treatment_method": "VHT "}, []),  # case and surrounding spaces are forgiven
        ({"treatment_method": 1}, [("label.field.invalid", "treatment_method", None)]),
        ({"treatment_method": ""}, [("label.field.required", "treatment_method", (0, 0))]),
        ({"importer": "x" * 121}, [("label.field.too_long", "importer", (120, 121))]),
        ({"importer_address": "x" * 200}, []),
        ({"importer_address": "x" * 201}, [("label.field.too_long", "importer_address", (200, 201))]),
        ({"exporter_address": "Sơn La\x00"}, [("label.field.character", "exporter_address", (6, 7))]),
        ({"storage_conditions": "   "}, [("label.field.required", "storage_conditions", (0, 3))]),
        ({"storage_conditions": ["+2 °C"]}, [("label.field.invalid", "storage_conditions", None)]),
        ({"treatment_facility": "\u202e" * 3}, [("label.field.character", "treatment_facility", (0, 1))]),
        ({"product_name": {"vi": "Nhãn", "ru": ""}}, [("label.field.required", "product_name.ru", (0, 0))]),
        ({"product_name": {"vi": "Nhãn", "ja": 5}}, [("label.field.invalid", "product_name.ja", None)]),
        (
            {"product_name": {"vi": "Nhãn", "ko": "망고" * 61}},
            [("label.field.too_long", "product_name.ko", (120, 122))],
        ),
    ],
)
def test_market_particular_fields_take_hostile_input(changes: dict[str, Any], expected: list[Any]) -> None:
    """The v1.1 fields: wrong types, empty, too long, control and bidi characters -> codes on the field."""
    if not expected:
        label = CartonLabel.model_validate(carton(**changes))
        assert label.model_dump(exclude_none=True).keys() >= changes.keys()
        return
    assert issues_of(CartonLabel, carton(**changes)) == expected
    assert issues_of(PalletLabel, {"sscc": SSCC, "content_gtin": GTIN, "count": 1, **changes}) == expected
