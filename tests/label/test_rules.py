"""Cross-field rules, market profiles and check_label (codes and field paths)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from trace_std.errors import Severity
from trace_std.gs1.voice_pick import voice_pick_code
from trace_std.label import CartonLabel
from trace_std.label.check import check_label
from trace_std.label.markets import base_required_fields, market_for_destination, market_profile, markets
from trace_std.label.rules import association_issues, gtin_prefix

GTIN = "08935234567895"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labels"


def label(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "gtin": GTIN, "lot": "DF2503A", "harvest_date": "2025-03-01", "pack_date": "2025-03-05",
        "net_weight_kg": 10, "product_name": {"vi": "Thanh long"}, "crop": "dragon fruit",
        "puc": "VN-DTOR-0017", "phc": "VN-BTPH-036", "exporter": "X", "destination_market": "CN",
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def errors(report: Any) -> set[tuple[str, str | None]]:
    return {(i.code, i.field) for i in report.errors}


def test_clean_label() -> None:
    report = check_label(label())
    assert report.valid and report.issues == []
    assert report.kind == "carton_label"
    assert report.details["market"] == "CN"
    assert report.normalized == report.details["hri"]
    assert report.normalized.startswith("(01)" + GTIN)


@pytest.mark.parametrize(
    ("changes", "kwargs", "expected"),
    [
        ({"pack_date": "2025-02-28"}, {}, {("label.date.order", "pack_date")}),
        ({"harvest_date_end": "2025-03-06"}, {}, {("label.date.order", "pack_date")}),
        ({"harvest_date_end": "2025-02-01"}, {}, {("label.date.range", "harvest_date_end")}),
        ({"best_before": "2025-03-04"}, {}, {("label.date.best_before", "best_before")}),
        ({}, {"as_of": dt.date(2025, 3, 4)}, {("label.date.future", "pack_date")}),
        (
            {},
            {"as_of": dt.date(2025, 2, 1)},
            {("label.date.future", "pack_date"), ("label.date.future", "harvest_date")},
        ),
        ({"puc": "VN-BTPH-036"}, {}, {("label.puc.kind", "puc")}),
        ({"phc": "VN-DTOR-0017"}, {}, {("label.phc.kind", "phc")}),
        ({"phc": None}, {}, {("label.market.required", "phc")}),
        ({"puc": None}, {}, {("label.market.required", "puc")}),
        ({"puc": None, "phc": None, "destination_market": "AU"}, {}, {("label.market.required", "phc")}),
        ({"lot": "L1", "destination_market": "DE", "phc": None, "puc": None}, {}, set()),
        (
            {"crop": None, "exporter": None},
            {},
            {("label.field.required", "crop"), ("label.field.required", "exporter")},
        ),
        ({"product_name": None}, {}, {("label.field.required", "product_name")}),
        ({"destination_market": None}, {}, {("label.field.required", "destination_market")}),
        (
            {"pack_date": "1970-01-01", "harvest_date": "1970-01-01"},
            {},
            {("label.date.unencodable", "harvest_date"), ("label.date.unencodable", "pack_date")},
        ),
        ({}, {"market": "XX"}, {("label.market.unknown", None)}),
    ],
)
def test_rules(
    changes: dict[str, Any], kwargs: dict[str, Any], expected: set[tuple[str, str | None]]
) -> None:
    assert errors(check_label(label(**changes), **kwargs)) == expected


def test_explicit_market_overrides_destination_with_a_warning() -> None:
    report = check_label(label(puc=None, phc=None, destination_market="JP"), market="cn")
    assert errors(report) == {("label.market.required", "puc"), ("label.market.required", "phc")}
    assert [(w.code, w.field) for w in report.warnings] == [("label.market.mismatch", "destination_market")]


def test_unknown_destination_applies_no_market_rules() -> None:
    report = check_label(label(puc=None, phc=None, destination_market="TH"))
    assert report.valid and "market" not in report.details


def test_gtin_prefix_warning() -> None:
    report = check_label(label(gtin="00416000336108"))
    assert report.valid
    assert [(w.code, w.field, w.span) for w in report.warnings] == [("label.gtin.prefix", "gtin", (1, 4))]
    assert gtin_prefix("00000002345673") == "023"
    report8 = check_label(label(gtin="02345673"))
    assert [(w.code, w.span) for w in report8.warnings] == [("label.gtin.prefix", (6, 9))]


def test_us_market_gives_the_voice_pick_code_and_pti_symbols() -> None:
    report = check_label(label(destination_market="US", puc=None, phc=None))
    assert report.valid
    model = CartonLabel.model_validate(label())
    assert report.details["voice_pick_code"] == voice_pick_code(model.gtin, model.lot, model.pack_date)
    assert "voice-pick" in report.details["symbols"]
    assert market_profile("US").gs1_128_elements == ("01", "10", "13")
    assert errors(check_label(label(destination_market="US", pack_date=None))) == {
        ("label.field.required", "pack_date")
    }


def test_cn_required_text_on_carton_and_pallet() -> None:
    cn = market_profile("CN")
    text = "Exported to the People's Republic of China / 输往中华人民共和国"
    assert cn.texts("carton") == (text,) and cn.texts("pallet") == (text,)
    assert check_label(label()).details["required_text"] == [text]
    assert set(cn.required("carton")) == {"puc", "phc"}
    assert "phc" in market_profile("AU").required("carton")


def test_market_data_integrity() -> None:
    assert markets() == ["AU", "CN", "EU", "JP", "KR", "RU", "US", "VN"]
    carton_fields = set(CartonLabel.model_fields)
    from trace_std.label import PalletLabel

    pallet_fields = set(PalletLabel.model_fields)
    for name in markets():
        profile = market_profile(name)
        assert {f.partition(".")[0] for f in profile.required("carton")} <= carton_fields
        assert {f.partition(".")[0] for f in profile.required("pallet")} <= pallet_fields
        assert set(profile.symbols) <= {"gs1-128", "qr", "datamatrix", "voice-pick"}
        assert profile.sources
    assert set(base_required_fields()) <= carton_fields & pallet_fields
    assert market_for_destination("FR").market == "EU"
    assert market_for_destination("vn").market == "VN"
    assert [market_for_destination(c).market for c in ("RU", "BY", "KZ", "AM", "KG", "JP", "KR")] == [
        "RU",
        "RU",
        "RU",
        "RU",
        "RU",
        "JP",
        "KR",
    ]


def _model_has(model: type, path: str) -> bool:
    from trace_std.label.models import ProductName

    head, _, rest = path.partition(".")
    if head not in model.model_fields:
        return False
    return not rest or (head == "product_name" and rest in ProductName.model_fields)


def test_market_requirements_data() -> None:
    """Every requirement: a real field path, a confidence tag, a status, sources; warnings iff unconfirmed."""
    from trace_std.data import load
    from trace_std.label import PalletLabel
    from trace_std.schemas import load_schema

    table = load("label_markets")
    tags = set(table["confidence_tags"])
    v1_fields = set(load_schema("label", "v1")["properties"]) | {"product_name.vi", "product_name.en"}
    for name in ("JP", "KR", "RU"):
        profile = market_profile(name)
        assert profile.requirements and profile.languages and profile.sources
        for req in profile.requirements:
            assert req.confidence in tags and req.sources, req.id
            assert req.status in {"required", "optional", "applies"} and req.id.startswith(name.lower() + ".")
            assert set(req.on) <= {"carton", "pallet"}
            if req.field is None:
                assert req.label_data == "none"
                continue
            assert _model_has(CartonLabel, req.field) and _model_has(PalletLabel, req.field), req.id
            # "existing" fields were in the v1 label document, "new" ones came with v1.1
            assert (req.label_data == "existing") == (req.field in v1_fields), req.id
            assert req.caption, req.id
            if req.status == "required":
                bucket = profile.required if req.confirmed else profile.unconfirmed
                assert req.field in bucket(req.on[0]), req.id
        for text in profile.required_text:
            assert text.confidence in tags and text.sources
    ru = market_profile("RU")
    assert {r.field for r in ru.requirements if r.label_data == "new"} == {
        "product_name.ru",
        "exporter_address",
        "importer",
        "importer_address",
        "storage_conditions",
    }
    eac = next(r for r in ru.requirements if r.id == "ru.eac")
    assert (eac.status, eac.field, eac.confidence) == ("applies", None, "I")


def test_association_rules_are_checked_on_the_shape() -> None:
    assert association_issues(("01", "10", "13")) == []
    (issue,) = association_issues(("10",))
    assert (issue.code, issue.field) == ("gs1.pair.required", "lot")
    codes = {i.code for i in association_issues(("01", "02", "37"))}
    assert "gs1.pair.excluded" in codes


def test_invalid_field_stops_before_the_rules() -> None:
    report = check_label(label(gtin="1", pack_date="2024-01-01"))
    assert errors(report) == {("gs1.key.length", "gtin")}
    assert report.to_dict()["valid"] is False


def test_pallet_report() -> None:
    data = json.loads((EXAMPLES / "valid-pallet-cn-dragon-fruit.json").read_text("utf-8"))
    report = check_label(data)
    assert report.valid and report.kind == "pallet_label"
    assert "(37)60" in report.normalized


def test_examples_match_expectations() -> None:
    expectations = json.loads((EXAMPLES / "expectations.json").read_text("utf-8"))["examples"]
    files = sorted(p.name for p in EXAMPLES.glob("*.json") if p.name.startswith(("valid-", "invalid-")))
    assert files == sorted(expectations)
    for name, expected in expectations.items():
        data = json.loads((EXAMPLES / name).read_text("utf-8"))
        as_of = dt.date.fromisoformat(expected["as_of"]) if expected.get("as_of") else None
        report = check_label(data, as_of=as_of, market=expected.get("market"))
        got = [(i.code, i.field) for i in report.issues if i.severity is Severity.ERROR]
        assert sorted(c for c, _ in got) == sorted(expected["codes"]), name
        if name.startswith("invalid-"):
            assert not report.valid and sorted(f for _, f in got) == sorted(expected["fields"]), name
            for want, issue in zip(expected.get("spans", []), report.errors, strict=False):
                assert list(issue.span or ()) == want, name
            if "warnings" in expected:  # unconfirmed market requirements: a warning on the field
                warned = sorted((w.code, w.field or "") for w in report.warnings)
                assert warned == sorted(zip(expected["warnings"], expected["warning_fields"], strict=True)), (
                    name
                )
        else:
            assert report.valid, name
            assert sorted(w.code for w in report.warnings) == sorted(expected.get("warnings", [])), name


def test_misuse() -> None:
    with pytest.raises(TypeError):
        check_label("not a label")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        check_label(label(), as_of="2025-01-01")  # type: ignore[arg-type]
