"""Integrity of the administrative-unit, abbreviation and code-scheme tables."""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from trace_std.codes._schemes import schemes
from trace_std.data import data_version, load
from trace_std.data import vn_admin as admin

DATA = Path(admin.__file__).parent
GENERATED = {
    "vn_admin_2004": "scripts/gen_vn_admin.py",
    "vn_admin_2025": "scripts/gen_vn_admin.py",
    "vn_export_abbreviations": "scripts/gen_vn_abbreviations.py",
}


@pytest.mark.parametrize("name", [*GENERATED, "code_schemes"])
def test_headers_and_provenance(name: str) -> None:
    table = load(name)
    assert table["dataset"] == name and table["version"]
    assert table["generated_by"] == GENERATED.get(name)
    source = table["source"]
    for key in ("title", "url", "licence", "retrieved", "sha256"):
        assert source[key], key
    assert re.fullmatch(r"[0-9a-f]{64}", source["sha256"])
    datetime.date.fromisoformat(source["retrieved"])
    assert data_version(name) == f"{name}@{table['version']}"


@pytest.mark.parametrize("name", list(GENERATED))
def test_generated_files_have_one_record_per_line(name: str) -> None:
    lines = (DATA / f"{name}.json").read_text("utf-8").splitlines()
    records = [line for line in lines if line.startswith("    {")]
    assert records and all(json.loads(line.rstrip(",")) for line in records)


def _sorted_unique(records: list[dict[str, str]], key: str = "code") -> None:
    keys = [r[key] for r in records]
    assert keys == sorted(keys) and len(keys) == len(set(keys))


def test_pre_2025_hierarchy() -> None:
    table = load("vn_admin_2004")
    assert (table["valid_from"], table["valid_until"]) == (None, "2025-06-30")
    provinces, districts, communes = table["provinces"], table["districts"], table["communes"]
    assert len(provinces) == 63
    for records, width in ((provinces, 2), (districts, 3), (communes, 5)):
        _sorted_unique(records)
        assert all(re.fullmatch(f"[0-9]{{{width}}}", r["code"]) for r in records)
        assert all(r["name"].strip() for r in records)
    province_codes = {p["code"] for p in provinces}
    district_codes = {d["code"] for d in districts}
    assert {d["province"] for d in districts} == province_codes  # every parent exists, none is empty
    assert {c["district"] for c in communes} <= district_codes
    assert len(communes) > 10_000


def test_2025_hierarchy() -> None:
    table = load("vn_admin_2025")
    assert (table["valid_from"], table["valid_until"]) == ("2025-07-01", None)
    provinces, communes = table["provinces"], table["communes"]
    assert len(provinces) == 34
    _sorted_unique(provinces)
    _sorted_unique(communes)
    assert {c["province"] for c in communes} == {p["code"] for p in provinces}
    assert len(communes) == 3321  # Decision 19/2025/QĐ-TTg
    expected = "01 04 08 11 12 14 15 19 20 22 24 25 31 33 37 38 40 42 44 46 48 51 52 56 " + (
        "66 68 75 79 80 82 86 91 92 96"
    )
    assert " ".join(p["code"] for p in provinces) == expected  # vn-codes.md §7 PROVINCE_2025


def test_validity_windows_meet() -> None:
    until = datetime.date.fromisoformat(load("vn_admin_2004")["valid_until"])
    start = datetime.date.fromisoformat(load("vn_admin_2025")["valid_from"])
    assert start - until == datetime.timedelta(days=1) and start == admin.REFORM_DATE
    assert admin.era_for(until) == admin.ERA_2004 and admin.era_for(start) == admin.ERA_2025


def test_successors_exist_and_cover_every_new_province() -> None:
    new = {p["code"] for p in load("vn_admin_2025")["provinces"]}
    links = {p["code"]: p["successor"] for p in load("vn_admin_2004")["provinces"]}
    assert set(links.values()) == new
    merged = Counter(links.values())
    assert sum(1 for n in merged.values() if n == 1) == 11  # 11 provinces were not merged
    # spot checks against Resolution 202/2025/QH15
    assert [links[c] for c in ("83", "84", "86")] == ["86", "86", "86"]  # Bến Tre, Trà Vinh → Vĩnh Long
    assert [links[c] for c in ("67", "60", "68")] == ["68", "68", "68"]  # Đắk Nông, Bình Thuận → Lâm Đồng
    assert links["87"] == "82"  # Đồng Tháp merged with Tiền Giang, under code 82


def test_abbreviations_map_to_real_provinces() -> None:
    records = load("vn_export_abbreviations")["records"]
    _sorted_unique(records, "abbr")
    provinces = {p["code"]: p["short_name"] for p in load("vn_admin_2004")["provinces"]}
    statuses = Counter(r["status"] for r in records)
    assert set(statuses) == {"observed", "derived", "ambiguous"}
    for r in records:
        assert re.fullmatch("[A-Z]{2,3}", r["abbr"])
        if r["status"] == "ambiguous":
            assert len(r["candidates"]) >= 2 and set(r["candidates"]) <= set(provinces)
        else:
            assert provinces[r["province"]] == r["province_name"]
        if r["status"] == "observed":
            assert r["source"] and r["example"]
    observed = {r["abbr"]: r["province_name"] for r in records if r["status"] == "observed"}
    assert observed == {
        "BT": "Bến Tre",
        "DL": "Đắk Lắk",
        "DN": "Đồng Nai",
        "DNO": "Đắk Nông",
        "DT": "Đồng Tháp",
        "TG": "Tiền Giang",
    }
    # a province has at most one unambiguous abbreviation
    owners = Counter(r["province"] for r in records if r["status"] != "ambiguous")
    assert max(owners.values()) == 1


def test_overrides_have_reasons() -> None:
    overrides = load("vn_export_abbreviations.overrides")
    for entry in overrides["records"]:
        assert entry["reason"] and entry["source"] and entry["confidence"] in {"C", "S", "I"}


def test_scheme_examples_behave_as_documented() -> None:
    from trace_std.codes import parse_code

    for scheme in schemes():
        for value in scheme.examples.get("valid", ()):
            assert parse_code(value, strict=True, as_of=datetime.date(2026, 1, 1)).scheme == scheme.id
        for value in scheme.examples.get("lenient", ()):
            assert parse_code(value).scheme == scheme.id
        for value in scheme.examples.get("invalid", ()):
            with pytest.raises(ValueError):
                parse_code(value)


def test_scheme_patterns_use_ascii_classes_only() -> None:
    for scheme in schemes():
        assert "\\d" not in scheme.canonical.pattern
        for token in scheme.tokens:
            assert "\\d" not in token.regex.pattern


@pytest.mark.parametrize(
    "name",
    [
        "vn_admin_2004",
        "vn_admin_2025",
        "vn_export_abbreviations",
        "vn_export_abbreviations.overrides",
        "code_schemes",
        "iso3166",
        "iso4217",
    ],
)
def test_table_validates_against_its_schema(name: str) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((DATA / f"{name}.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(load(name))


@pytest.mark.parametrize(
    ("name", "path", "bad"),
    [
        ("vn_admin_2025", ("provinces", 0, "code"), "1"),
        ("vn_admin_2004", ("communes", 0, "district"), None),
        ("vn_export_abbreviations", ("records", 0, "status"), "guessed"),
        ("code_schemes", ("schemes", 0, "tokens", 0, "segments", 0, "alphabet"), "\\d"),
        ("iso3166", ("source", "sha256"), "not-a-checksum"),
    ],
)
def test_schemas_reject_broken_tables(name: str, path: tuple[object, ...], bad: object) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((DATA / f"{name}.schema.json").read_text("utf-8"))
    table = json.loads((DATA / f"{name}.json").read_text("utf-8"))
    node = table
    for key in path[:-1]:
        node = node[key]  # type: ignore[index]
    node[path[-1]] = bad  # type: ignore[index]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(table)
