"""Generated JSON Schemas: drift, meta-validity, examples, and the documents they describe."""

from __future__ import annotations

import datetime as dt
import io
import json
import tomllib
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from trace_std import schemas
from trace_std.label.batch import validate_file
from trace_std.label.check import check_label

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples" / "labels"


def validator(name: str, version: str | None = None) -> Draft202012Validator:
    return Draft202012Validator(schemas.load_schema(name, version), format_checker=FormatChecker())


@pytest.mark.parametrize("name", schemas.GENERATED)
def test_committed_schema_matches_generated(name: str) -> None:
    """Drift test: run `python scripts/gen_schemas.py` after changing a model."""
    committed = (ROOT / "schemas" / schemas.VERSIONS[name] / f"{name}.schema.json").read_text("utf-8")
    assert committed == schemas.dump(schemas.generate()[name])


ALL_VERSIONS = [(n, schemas.VERSIONS[n]) for n in schemas.GENERATED] + [
    (n, v) for n, kept in schemas.KEPT.items() for v in kept
]


@pytest.mark.parametrize(("name", "version"), ALL_VERSIONS)
def test_schema_is_valid_draft_2020_12_with_versioned_id(name: str, version: str) -> None:
    schema = schemas.load_schema(name, version)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://trace-std.org/schemas/{version}/{name}.schema.json"
    assert (ROOT / "schemas" / version / f"{name}.schema.json").is_file()


_NEW_IN_V1_1 = {
    "exporter_address",
    "importer",
    "importer_address",
    "storage_conditions",
    "treatment_method",
    "treatment_facility",
}


@pytest.mark.parametrize("name", sorted(schemas.KEPT))
def test_minor_version_only_adds_optional_properties(name: str) -> None:
    """v1.1 is v1 plus optional properties: every v1 property and requirement is unchanged."""
    old, new = schemas.load_schema(name, "v1"), schemas.load_schema(name, "v1.1")
    assert old["required"] == new["required"]
    assert set(new["properties"]) - set(old["properties"]) == _NEW_IN_V1_1
    for prop, body in old["properties"].items():
        assert new["properties"][prop] == body, prop
    old_name, new_name = old["$defs"]["ProductName"], new["$defs"]["ProductName"]
    assert set(new_name["properties"]) - set(old_name["properties"]) == {"ru", "ja", "ko"}
    assert old_name["required"] == new_name["required"]


def test_gen_script_check_mode_passes() -> None:
    import runpy

    module = runpy.run_path(str(ROOT / "scripts" / "gen_schemas.py"), run_name="gen_schemas")
    assert module["main"](["--check"]) == 0


def test_wheel_ships_the_schemas_where_schema_dir_looks() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    force = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["schemas"] == "trace_std/schemas"
    assert (schemas.schema_dir() / "label.schema.json").is_file()


def _examples(prefix: str) -> list[Path]:
    return sorted(EXAMPLES.glob(f"{prefix}-*.json"))


@pytest.mark.parametrize("path", _examples("valid"), ids=lambda p: p.name)
def test_valid_examples_pass_the_schema(path: Path) -> None:
    data = json.loads(path.read_text("utf-8"))
    name = "pallet-label" if "content_gtin" in data else "label"
    assert list(validator(name).iter_errors(data)) == []
    # the kept v1 schema accepts every example that uses no v1.1 field, and only those
    new_fields = _NEW_IN_V1_1 & set(data) or {"ru", "ja", "ko"} & set(data.get("product_name", {}))
    v1_errors = list(validator(name, "v1").iter_errors(data))
    assert bool(v1_errors) == bool(new_fields), path.name
    leaves = [leaf for e in v1_errors for leaf in ([e] if e.validator != "anyOf" else e.context or [])]
    assert {e.validator for e in v1_errors} <= {"additionalProperties", "anyOf"}
    assert not v1_errors or any(leaf.validator == "additionalProperties" for leaf in leaves)


def test_invalid_examples_fail_with_the_expected_codes() -> None:
    expectations = json.loads((EXAMPLES / "expectations.json").read_text("utf-8"))["examples"]
    invalid = [p.name for p in _examples("invalid")]
    assert invalid and set(invalid) <= set(expectations)
    structural = 0
    for name in invalid:
        data = json.loads((EXAMPLES / name).read_text("utf-8"))
        expected = expectations[name]
        as_of = dt.date.fromisoformat(expected["as_of"]) if expected.get("as_of") else None
        report = check_label(data, as_of=as_of)
        assert sorted(i.code for i in report.errors) == sorted(expected["codes"]), name
        schema_name = "pallet-label" if "content_gtin" in data else "label"
        structural += bool(list(validator(schema_name).iter_errors(data)))
    assert structural >= 4  # missing/unknown fields, bad formats are caught by the schema too


def test_report_schema_describes_check_label_reports() -> None:
    v = validator("report")
    for path in _examples("valid") + _examples("invalid"):
        report = check_label(json.loads(path.read_text("utf-8")))
        assert list(v.iter_errors(report.to_dict())) == [], path.name


def test_report_schema_describes_code_reports() -> None:
    from trace_std.check import check

    v = validator("report")
    for text in ("VN-DTOR-0017", "VN-DTOR-17", "08935234567895", "(01)08935234567895(10)A", "", "???"):
        assert list(v.iter_errors(check(text).to_dict())) == [], text


def test_batch_report_schema_describes_batch_reports() -> None:
    v = validator("batch-report")
    for path in sorted(EXAMPLES.glob("sample-batch.*")):
        report = validate_file(path)
        assert report.rows_invalid > 0
        assert list(v.iter_errors(report.to_dict())) == [], path.name
    assert list(v.iter_errors([validate_file(EXAMPLES / "template.csv").to_dict()])) == []
    bad: dict[str, Any] = validate_file(
        io.BytesIO(b"gtin,lot,harvest_date,pack_date,net_weight_kg\n")
    ).to_dict()
    bad["issues"] = [{"row": 0, "field": None, "code": "x", "severity": "fatal", "message": ""}]
    assert list(v.iter_errors(bad))
