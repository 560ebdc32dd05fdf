from __future__ import annotations

import re

import pytest

from trace_std.data import iso, load


@pytest.mark.parametrize("name", ["iso3166", "iso4217"])
def test_header_and_provenance(name: str) -> None:
    table = load(name)
    assert table["dataset"] == name
    assert table["generated_by"] == "scripts/gen_iso_tables.py"
    source = table["source"]
    for key in ("title", "url", "licence", "retrieved", "sha256"):
        assert source[key], key
    assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
    assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", source["retrieved"])


def test_iso3166_records_sorted_unique_and_well_formed() -> None:
    records = load("iso3166")["records"]
    assert len(records) >= 249
    keys = [r["alpha_2"] for r in records]
    assert keys == sorted(keys)
    for field, pattern in (("alpha_2", "[A-Z]{2}"), ("alpha_3", "[A-Z]{3}"), ("numeric", "[0-9]{3}")):
        values = [r[field] for r in records]
        assert len(values) == len(set(values)), field
        assert all(re.fullmatch(pattern, v) for v in values), field


def test_iso4217_records_sorted_unique_and_well_formed() -> None:
    records = load("iso4217")["records"]
    assert len(records) >= 150
    alpha = [r["alpha_3"] for r in records]
    assert alpha == sorted(alpha) and len(alpha) == len(set(alpha))
    numeric = [r["numeric"] for r in records]
    assert len(numeric) == len(set(numeric))
    assert all(re.fullmatch("[0-9]{3}", n) for n in numeric)


def test_vn_subdivisions_are_the_63_pre_2025_provinces() -> None:
    subs = load("iso3166")["vn_subdivisions"]
    assert len(subs) == 63
    assert all(re.fullmatch(r"VN-[0-9A-Z]{2}", s["code"]) for s in subs)


@pytest.mark.parametrize(
    ("func", "code", "expected"),
    [
        (iso.is_iso3166_numeric, "704", True),
        (iso.is_iso3166_numeric, "156", True),
        (iso.is_iso3166_numeric, "840", True),
        (iso.is_iso3166_numeric, "999", False),
        (iso.is_iso3166_numeric, "04", False),
        (iso.is_iso3166_numeric, "VN", False),
        (iso.is_iso3166_numeric, "", False),
        (iso.is_iso3166_alpha2, "VN", True),
        (iso.is_iso3166_alpha2, "CN", True),
        (iso.is_iso3166_alpha2, "vn", False),
        (iso.is_iso3166_alpha2, "VNM", False),
        (iso.is_iso3166_alpha2, "704", False),
        (iso.is_iso3166_alpha2, "XX", False),
        (iso.is_iso3166_alpha3, "VNM", True),
        (iso.is_iso3166_alpha3, "VN", False),
        (iso.is_iso4217_numeric, "704", True),
        (iso.is_iso4217_numeric, "978", True),
        (iso.is_iso4217_numeric, "000", False),
        (iso.is_iso4217_numeric, "VND", False),
        (iso.is_iso4217_alpha3, "VND", True),
        (iso.is_iso4217_alpha3, "EUR", True),
        (iso.is_iso4217_alpha3, "704", False),
        (iso.is_iso3166_2_vn, "VN-44", True),
        (iso.is_iso3166_2_vn, "VN-HN", True),
        (iso.is_iso3166_2_vn, "VN-XX", False),
    ],
)
def test_lookups(func: object, code: str, expected: bool) -> None:
    assert func(code) is expected  # type: ignore[operator]


def test_every_table_entry_is_found_by_each_code() -> None:
    for rec in load("iso3166")["records"]:
        assert iso.is_iso3166_alpha2(rec["alpha_2"]) and iso.is_iso3166_alpha3(rec["alpha_3"])
        assert iso.is_iso3166_numeric(rec["numeric"])
        assert iso.country(rec["numeric"]) == iso.country(rec["alpha_2"])
    for rec in load("iso4217")["records"]:
        assert iso.is_iso4217_numeric(rec["numeric"]) and iso.is_iso4217_alpha3(rec["alpha_3"])


@pytest.mark.parametrize(
    "func",
    [
        iso.is_iso3166_numeric,
        iso.is_iso3166_alpha2,
        iso.is_iso3166_alpha3,
        iso.is_iso4217_numeric,
        iso.is_iso4217_alpha3,
        iso.is_iso3166_2_vn,
        iso.country,
        iso.currency,
        iso.vn_subdivision_name,
    ],
)
@pytest.mark.parametrize("junk", [None, 704, b"704", object()])
def test_non_str_is_type_error(func: object, junk: object) -> None:
    with pytest.raises(TypeError):
        func(junk)  # type: ignore[operator]
