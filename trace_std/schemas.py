"""JSON Schemas (draft 2020-12) of the label documents: generation and loading.

The schemas under ``schemas/<version>/`` are *generated* by ``scripts/gen_schemas.py`` from this
module (the label models for ``label`` and ``pallet-label``; the documented shapes of
:meth:`trace_std.errors.Report.to_dict` and of the batch report for ``report`` and
``batch-report``). A test regenerates them and compares with the committed files (drift test).

Every ``$id`` is ``https://trace-std.org/schemas/<version>/<name>.schema.json``. An additive change
to a document (new optional properties) gets a new minor version directory (``v1.1/``), a breaking
one a new major version (``v2/``); the old files are kept unchanged, no longer generated, and
tested (:data:`KEPT`). :data:`VERSIONS` names each generated document's current version.

In the source tree the files live in ``schemas/``; in the wheel, pyproject force-includes them as
``trace_std/schemas/``. :func:`schema_dir` finds either.

>>> load_schema("label")["$id"]
'https://trace-std.org/schemas/v1.1/label.schema.json'
>>> load_schema("label", "v1")["$id"]
'https://trace-std.org/schemas/v1/label.schema.json'
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = [
    "BASE_ID",
    "DIALECT",
    "GENERATED",
    "KEPT",
    "VERSIONS",
    "dump",
    "generate",
    "load_schema",
    "schema_dir",
    "schema_id",
]

SCHEMA_BASE = "https://trace-std.org/schemas/"
BASE_ID = f"{SCHEMA_BASE}v1/"
DIALECT = "https://json-schema.org/draft/2020-12/schema"
#: Schema files generated here (the other files in ``schemas/v1`` belong to the API).
GENERATED: tuple[str, ...] = ("label", "pallet-label", "report", "batch-report")
#: The current version of each generated schema. ``v1.1`` of the label documents adds the
#: optional market particulars (product names in ru/ja/ko, addresses, importer, storage, treatment).
VERSIONS: dict[str, str] = {"label": "v1.1", "pallet-label": "v1.1", "report": "v1", "batch-report": "v1"}
#: Older versions kept as committed (not regenerated); every document valid under them stays valid.
KEPT: dict[str, tuple[str, ...]] = {"label": ("v1",), "pallet-label": ("v1",)}
_VERSION_NAMES = frozenset({"v1", *VERSIONS.values()})


def schema_id(name: str, version: str | None = None) -> str:
    return f"{SCHEMA_BASE}{version or VERSIONS.get(name, 'v1')}/{name}.schema.json"


def schema_dir(version: str = "v1") -> Path:
    """``schemas/<version>`` of the source tree, or ``trace_std/schemas/<version>`` inside a wheel."""
    if version not in _VERSION_NAMES:
        raise ValueError(f"unknown schema version {version!r}")
    packaged = resources.files("trace_std").joinpath("schemas", version)
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[1] / "schemas" / version


@cache
def _load(name: str, version: str) -> str:
    return (schema_dir(version) / f"{name}.schema.json").read_text("utf-8")


def load_schema(name: str, version: str | None = None) -> dict[str, Any]:
    """The committed schema ``<name>.schema.json`` of ``version`` (default: the current one).

    A fresh copy each call.
    """
    if not isinstance(name, str) or "/" in name or name.startswith("."):
        raise TypeError(f"invalid schema name: {name!r}")
    data: dict[str, Any] = json.loads(_load(name, version or VERSIONS.get(name, "v1")))
    return data


def _header(name: str, title: str, description: str) -> dict[str, Any]:
    return {"$schema": DIALECT, "$id": schema_id(name), "title": title, "description": description}


def _model_schema(name: str, model: Any, title: str, description: str) -> dict[str, Any]:
    body: dict[str, Any] = model.model_json_schema(mode="validation")
    body.pop("title", None)
    body.pop("description", None)
    return {**_header(name, title, description), **body}


_ISSUE: dict[str, Any] = {
    "type": "object",
    "required": ["code", "severity", "message", "span"],
    "properties": {
        "code": {
            "type": "string",
            "pattern": "^[a-z0-9_]+(\\.[a-z0-9_]+)+$",
            "description": "stable dotted error code (tests/data/error_codes.txt)",
        },
        "severity": {"enum": ["error", "warning"]},
        "message": {"type": "string"},
        "span": {
            "description": "half-open [start, end) character positions in the original input, or null",
            "oneOf": [
                {"type": "null"},
                {"type": "array", "items": {"type": "integer", "minimum": 0}, "minItems": 2, "maxItems": 2},
            ],
        },
        "field": {"type": "string", "description": "dotted path of the field in structured input"},
        "context": {"type": "object", "description": "machine-readable facts (expected, actual, ai...)"},
    },
    "additionalProperties": False,
}


def _report_schema() -> dict[str, Any]:
    return {
        **_header(
            "report",
            "trace_std Report",
            "The result of checking one input (code, GS1 key, element string, Digital Link or label): "
            "Report.to_dict(), shown alike by the CLI (--json), the API and the website. Kind-specific "
            "details (elements, hri, raw, digital_link, market, required_text, symbols, voice_pick_code "
            "...) appear as extra top-level keys.",
        ),
        "type": "object",
        "required": [
            "input",
            "kind",
            "valid",
            "verdict",
            "normalized",
            "segments",
            "issues",
            "data_versions",
        ],
        "properties": {
            "input": {"type": "string"},
            "kind": {
                "type": ["string", "null"],
                "description": "puc, phc, gtin, gln, sscc, element_string, digital_link, carton_label, "
                "pallet_label...",
            },
            "valid": {"type": "boolean", "description": "no issue of severity error"},
            "verdict": {
                "enum": [
                    "valid",
                    "invalid",
                    "genuine",
                    "suspended",
                    "revoked",
                    "unregistered",
                    "malformed",
                    "inconsistent",
                ]
            },
            "assurance": {
                "enum": ["code", "gtin", "product", None],
                "description": "verification only: what a genuine verdict proves. code: a PUC/PHC alone "
                "is registered and active; gtin: a product number alone is registered; product: GTIN and "
                "lot registered together, their codes active, the label's dates and codes match the lot "
                "(only this is a genuine product); null for every other verdict",
            },
            "normalized": {"type": ["string", "null"]},
            "segments": {"type": "object"},
            "issues": {"type": "array", "items": {"$ref": "#/$defs/Issue"}},
            "data_versions": {"type": "object", "additionalProperties": {"type": "string"}},
            "elements": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["ai", "value"],
                    "properties": {
                        "ai": {"type": "string"},
                        "value": {"type": "string"},
                        "title": {"type": "string"},
                    },
                },
                "description": "GS1 element pairs in encoding order",
            },
            "hri": {"type": "string"},
            "raw": {"type": "string"},
            "digital_link": {"type": "string"},
            "profile": {"type": "string"},
            "market": {"type": "string"},
            "required_text": {"type": "array", "items": {"type": "string"}},
            "symbols": {"type": "array", "items": {"type": "string"}},
            "voice_pick_code": {"type": "string", "pattern": "^[0-9]{4}$"},
        },
        "additionalProperties": True,
        "$defs": {"Issue": _ISSUE},
    }


def _batch_report_schema() -> dict[str, Any]:
    row_issue = {
        "type": "object",
        "required": ["row", "field", "code", "severity", "message"],
        "properties": {
            "row": {
                "type": ["integer", "null"],
                "minimum": 1,
                "description": "spreadsheet row (header = 1) or JSON Lines line number",
            },
            "field": {"type": ["string", "null"], "description": "template column"},
            "code": {"type": "string", "pattern": "^[a-z0-9_]+(\\.[a-z0-9_]+)+$"},
            "severity": {"enum": ["error", "warning"]},
            "message": {"type": "string"},
            "span": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0},
                "minItems": 2,
                "maxItems": 2,
            },
            "file": {"type": "string"},
            "value": {"type": "string", "description": "the cell as written (bad or repaired values)"},
            "read_as": {"type": "string", "description": "what a repaired cell was read as (warnings)"},
        },
        "additionalProperties": False,
    }
    report = {
        "type": "object",
        "required": ["rows_total", "rows_valid", "rows_invalid", "issues"],
        "properties": {
            "file": {"type": "string"},
            "rows_total": {"type": "integer", "minimum": 0},
            "rows_valid": {"type": "integer", "minimum": 0},
            "rows_invalid": {"type": "integer", "minimum": 0},
            "issues_total": {
                "type": "integer",
                "minimum": 0,
                "description": "every issue found, when the issues list is capped",
            },
            "issues": {"type": "array", "items": {"$ref": "#/$defs/RowIssue"}},
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "context": {"type": "object"},
                },
                "description": "why the file could not be read (codes file.*); totals cover the rows read",
            },
            "fixed_rows": {
                "type": "integer",
                "minimum": 0,
                "description": "with fix: the rows written to the canonical file (valid rows only)",
            },
            "fixed_csv": {
                "type": "string",
                "description": "with fix: the canonical CSV (ISO dates, canonical codes, GTIN-14, ISO markets)",  # noqa: E501
            },
        },
        "additionalProperties": True,
    }
    return {
        **_header(
            "batch-report",
            "trace_std batch validation report",
            "Output of `trace-std validate --format json` and of POST /v1/labels/validate: one object "
            "per file (an array of them for several files).",
        ),
        "oneOf": [{"$ref": "#/$defs/FileReport"}, {"type": "array", "items": {"$ref": "#/$defs/FileReport"}}],
        "$defs": {"FileReport": report, "RowIssue": row_issue},
    }


def generate() -> dict[str, dict[str, Any]]:
    """Every generated schema, by name (``label`` → ``label.schema.json``)."""
    from trace_std.label.models import CartonLabel, PalletLabel

    return {
        "label": _model_schema(
            "label",
            CartonLabel,
            "Carton label (vn-fresh-produce/1)",
            "A fresh-produce carton label: GS1 data (mapped onto AIs by profile vn-fresh-produce/1) and the "
            "printed origin data (PUC, PHC, exporter, destination market). Cross-field and market rules are "
            "checked by trace_std.label.check_label, not by this schema.",
        ),
        "pallet-label": _model_schema(
            "pallet-label",
            PalletLabel,
            "Pallet label (vn-fresh-produce/1)",
            "A pallet (logistic unit) label: SSCC, content GTIN, count and the origin data of its cartons.",
        ),
        "report": _report_schema(),
        "batch-report": _batch_report_schema(),
    }


def dump(schema: dict[str, Any]) -> str:
    """The canonical text of a schema file (2-space indent, UTF-8, final newline)."""
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
