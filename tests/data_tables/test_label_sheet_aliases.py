"""The alias table of exporters' spreadsheets: provenance, checksum, no name claimed twice, coverage."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from trace_std.data import load
from trace_std.label.aliases import column_for, fold, market_for, row_kind, suggest_market
from trace_std.label.batch import COLUMNS, OPTIONAL_COLUMNS

TABLE = load("label_sheet_aliases")


def test_header_provenance_and_checksum() -> None:
    assert TABLE["dataset"] == "label_sheet_aliases"
    source = TABLE["source"]
    for key in ("title", "url", "licence", "retrieved", "sha256"):
        assert source[key], key
    body = json.dumps(TABLE["records"], ensure_ascii=False, sort_keys=True).encode()
    assert hashlib.sha256(body).hexdigest() == source["sha256"], "records changed: update source.sha256"
    assert all(rec.get("source") for rec in TABLE["records"])


@pytest.mark.parametrize("kind", ["column", "market", "row"])
def test_no_folded_name_names_two_targets(kind: str) -> None:
    owner: dict[str, str] = {}
    for rec in TABLE["records"]:
        if rec["kind"] != kind:
            continue
        for names in rec["names"].values():
            for name in names:
                key = fold(name)
                assert key, f"{name!r} folds to nothing"
                assert owner.setdefault(key, rec["target"]) == rec["target"], (
                    name,
                    owner[key],
                    rec["target"],
                )


def test_every_template_column_has_vietnamese_english_and_chinese_names() -> None:
    targets = {rec["target"]: rec["names"] for rec in TABLE["records"] if rec["kind"] == "column"}
    for column in (*COLUMNS, *OPTIONAL_COLUMNS):
        assert column in targets, column
        assert column_for(column) == column  # the template's own name
        for lang in ("vi", "en", "zh"):
            assert targets[column][lang], (column, lang)
    markets = [rec["target"] for rec in TABLE["records"] if rec["kind"] == "market"]
    assert markets == sorted(markets) and all(re.fullmatch("[A-Z]{2}", m) for m in markets)


@pytest.mark.parametrize(
    ("header", "column"),
    [
        ("Mã GTIN", "gtin"), ("Số lô", "lot"), ("Ngày thu hoạch", "harvest_date"), ("Ngày đóng gói", "pack_date"),
        ("Hạn sử dụng", "best_before"), ("Khối lượng tịnh (kg)", "net_weight_kg"), ("Mã số vùng trồng", "puc"),
        ("Mã số cơ sở đóng gói", "phc"), ("Thị trường", "destination_market"), ("Số seri", "serial"),
        ("MA SO VUNG TRONG", "puc"), ("ngay dong goi", "pack_date"), ("KHỐI LƯỢNG TỊNH (KG)", "net_weight_kg"),
        ("Net weight (kg)", "net_weight_kg"), ("Lot number", "lot"), ("批号", "lot"), ("净重（公斤）", "net_weight_kg"),
        ("种植园注册号", "puc"), ("包装厂注册号", "phc"), ("Ghi chú", ""), ("Màu thùng", None),
    ],
)  # fmt: skip
def test_header_names_from_the_issue(header: str, column: str | None) -> None:
    assert column_for(header) == column


def test_markets_by_name_and_suggestions() -> None:
    for name in ("Trung Quốc", "Trung Quoc", "TQ", "China", "中国", "ＣＨＩＮＡ"):
        assert market_for(name) == "CN", name
    assert market_for("Mỹ") == "US" and market_for("Nhật Bản") == "JP"
    assert suggest_market("Trung Qoc") == ("CN", "Trung Quốc")
    assert suggest_market("Germny") == ("DE", "Germany")
    assert suggest_market("zzzz") is None


def test_row_words() -> None:
    assert row_kind("Tổng cộng") == row_kind("TONG CONG:") == row_kind("合计") == "totals"
    assert row_kind("Người lập biểu") == "notes"
    assert row_kind("Công ty ABC") is None  # 'Cộng' is a totals word only on its own
