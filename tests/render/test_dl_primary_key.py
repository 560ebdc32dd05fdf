"""A carton label that also carries an SSCC is keyed by its GTIN in every Digital Link it yields."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trace_std.gs1.digital_link import parse_digital_link
from trace_std.gs1.keys import sscc_check_digit
from trace_std.label import CartonLabel, PalletLabel
from trace_std.label.check import check_label
from trace_std.render import sheet
from trace_std.render._elements import DEFAULT_RESOLVER
from trace_std.render.encode import encode_label

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labels"
SSCC_BODY = "38935234500000001"


def _carton_with_sscc() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "valid-sonla-longan-cn.json").read_text("utf-8"))
    data["sscc"] = SSCC_BODY + str(sscc_check_digit(SSCC_BODY))
    return data


def test_carton_with_sscc_dl_is_keyed_by_gtin() -> None:
    data = _carton_with_sscc()
    label = CartonLabel.model_validate(data)
    link = encode_label(label, to="dl")
    assert isinstance(link, str)
    assert link.startswith(DEFAULT_RESOLVER + "/01/" + data["gtin"])
    carried = dict(parse_digital_link(link).elements)
    assert carried["10"] == data["lot"] and carried["00"] == data["sscc"]
    report = check_label(data)
    assert report.valid
    assert report.details["digital_link"] == link


def test_carton_with_sscc_sheet_qr_is_keyed_by_gtin(svgkit: Any) -> None:
    pytest.importorskip("qrcode")
    data = _carton_with_sscc()
    label = CartonLabel.model_validate(data)
    svg_text = sheet.carton_sheet_svg(label, resolver="https://id.example.vn")
    found = [
        s
        for g in svgkit["groups"](svg_text)
        if g.kind == "qr"
        for s in svgkit["decode_group"](svg_text, g, 10.0)
    ]
    assert len(found) == 1
    text = found[0].text
    assert text.startswith("https://id.example.vn/01/" + data["gtin"])
    carried = dict(parse_digital_link(text).elements)
    assert carried["01"] == data["gtin"] and carried["10"] == data["lot"]


def test_pallet_dl_stays_keyed_by_sscc() -> None:
    data = json.loads((EXAMPLES / "valid-pallet-cn-dragon-fruit.json").read_text("utf-8"))
    link = encode_label(PalletLabel.model_validate(data), to="dl")
    assert isinstance(link, str) and link.startswith(DEFAULT_RESOLVER + "/00/" + data["sscc"])
    assert check_label(data).details["digital_link"] == link
