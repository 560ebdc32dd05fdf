"""The open-data format: JSON Schemas, the synthetic sample and its generator."""

from __future__ import annotations

import copy
import json
import runpy
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry as SchemaRegistry
from referencing import Resource

from tests.registry.conftest import ROOT, SAMPLE_JSON
from trace_std.registry import Registry
from trace_std.registry.exporter import json_checksum
from trace_std.registry.sample import sample_path

SCHEMAS = ROOT / "schemas/v1"
NAMES = ("registry-import", "registry-export")


def load(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / f"{name}.schema.json").read_text("utf-8"))
    return schema


def validator(name: str) -> Draft202012Validator:
    resources = SchemaRegistry().with_resources(
        [(load(n)["$id"], Resource.from_contents(load(n))) for n in NAMES]
    )
    return Draft202012Validator(load(name), registry=resources, format_checker=FormatChecker())


def sample() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(SAMPLE_JSON.read_text("utf-8"))
    return data


@pytest.mark.parametrize("name", NAMES)
def test_schemas_are_draft_2020_12_with_versioned_ids(name: str) -> None:
    schema = load(name)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://trace-std.org/schemas/v1/{name}.schema.json"


@pytest.mark.parametrize("name", NAMES)
def test_sample_is_valid(name: str) -> None:
    assert list(validator(name).iter_errors(sample())) == []


def test_export_of_a_registry_is_valid(sample_registry: Registry, tmp_path: Path) -> None:
    sample_registry.export("json", tmp_path / "e.json")
    doc = json.loads((tmp_path / "e.json").read_text("utf-8"))
    assert list(validator("registry-export").iter_errors(doc)) == []
    assert doc["$schema"] == load("registry-export")["$id"]


def _mutations() -> list[tuple[str, Any]]:
    def set_(path: list[Any], value: Any) -> Any:
        def apply(doc: dict[str, Any]) -> None:
            target: Any = doc
            for key in path[:-1]:
                target = target[key]
            target[path[-1]] = value

        return apply

    return [
        ("unknown top-level key", set_(["extra"], 1)),
        ("bad status", set_(["codes", 20, "status"], "paused")),
        ("bad date", set_(["codes", 20, "issued"], "2024-13-01")),
        ("negative area", set_(["codes", 20, "area_ha"], -1)),
        ("crop not a slug", set_(["codes", 20, "crops"], ["Dragon Fruit"])),
        ("market not alpha-2", set_(["codes", 20, "markets", 0, "market"], "CHN")),
        ("unknown code field", set_(["codes", 20, "colour"], "red")),
        ("geometry not GeoJSON", set_(["codes", 20, "geometry"], {"type": "Circle", "coordinates": [1, 2]})),
        ("history without date", set_(["codes", 20, "history", 0, "date"], None)),
        ("lot with a space", set_(["lots", 0, "lot"], "A 1")),
        ("gtin letters", set_(["products", 0, "gtin"], "0893600012001X")),
        ("bad checksum shape", set_(["provenance", "sha256"], "xyz")),
    ]


@pytest.mark.parametrize(("case", "mutate"), _mutations(), ids=[m[0] for m in _mutations()])
def test_invalid_documents_fail_the_export_schema(case: str, mutate: Any) -> None:
    doc = copy.deepcopy(sample())
    mutate(doc)
    assert list(validator("registry-export").iter_errors(doc)) != [], case


def test_minimal_import_document() -> None:
    doc = {"codes": [{"code": "VN-SLOR-0001"}]}
    assert list(validator("registry-import").iter_errors(doc)) == []
    assert list(validator("registry-export").iter_errors(doc)) != []


# -- the synthetic sample ----------------------------------------------------------------------
def test_sample_mirrors_the_published_son_la_counts() -> None:
    codes = sample()["codes"]
    pucs = [c for c in codes if c["kind"] == "puc"]
    export = [c for c in pucs if c["scheme"] == "vn-export"]
    domestic = [c for c in pucs if c["scheme"] == "vn-3156"]
    assert (len(pucs), len(export), len(domestic)) == (216, 200, 16)
    assert sum(c["kind"] == "phc" for c in codes) == 8
    markets: dict[str, int] = {}
    for c in export:
        assert len(c["markets"]) == 1
        markets[c["markets"][0]["market"]] = markets.get(c["markets"][0]["market"], 0) + 1
    assert {k: markets[k] for k in ("CN", "AU", "US", "NZ")} == {"CN": 108, "AU": 41, "US": 33, "NZ": 9}
    assert sum(v for k, v in markets.items() if k not in ("CN", "AU", "US", "NZ")) == 9
    assert round(sum(c["area_ha"] for c in export), 2) == 2654.85
    assert round(sum(c["area_ha"] for c in domestic), 2) == 179.07
    assert sum("longan" in c["crops"] for c in export) == 92
    assert {c["status"] for c in codes} == {"active", "suspended", "revoked"}
    assert all(c["province_code"] == "14" and c["province_name"] == "Sơn La" for c in codes)
    assert all(
        c["code"].startswith("VN-14-")
        and int(c["issued"][:4]) <= 2025
        and c["issued"] < "2025-07-01"
        and c["code"].endswith(c["issued"][2:4])
        for c in domestic
    )
    assert "SYNTHETIC" in sample()["provenance"]["source"]


def test_sample_products_are_gs1_vietnam_gtins_with_valid_check_digits() -> None:
    from trace_std.gs1.keys import validate_gtin

    for product in sample()["products"]:
        assert product["gtin"][1:4] == "893"
        assert validate_gtin(product["gtin"]) in (product["gtin"], product["gtin"][1:])


def test_sample_checksum_and_bundled_copy() -> None:
    doc = sample()
    assert doc["provenance"]["sha256"] == json_checksum(doc)
    assert sample_path().read_bytes() == SAMPLE_JSON.read_bytes()


def test_generator_is_deterministic_and_up_to_date() -> None:
    module = runpy.run_path(str(ROOT / "scripts/gen_sample_registry.py"), run_name="gen_sample_registry")
    assert module["main"](["--check"]) == 0
