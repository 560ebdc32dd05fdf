"""Generate ``trace_std/data/epcis_cbv.json``: the CBV 2.0 vocabularies and the EPCIS 2.0 JSON-LD
term table, as facts read from GS1's published JSON-LD contexts.

Run: ``python scripts/gen_epcis_cbv.py [GS1_DIR]``. ``GS1_DIR`` defaults to the ``gs1/`` folder of the
EPCIS reference material in ``../shared/data/epcis/`` (the unmodified files of github.com/gs1/EPCIS).
Those files carry no open-source licence, so they are neither vendored nor shipped: this script
keeps only the facts the validator needs (which bare words each vocabulary has and the IRI each
expands to; which prefixes and terms the standard context defines), and records each file's SHA-256
so that ``tests/events/test_data.py`` notices when GS1's files change.

Records (``records``): ``{"vocabulary", "word", "iri"}`` for bizStep, disposition,
bizTransactionType, sourceDestType, errorReason, measurementType, sensorAlertType and component.
``prefixes``: the standard context's prefixes. ``terms``: every top-level term of the standard
context with the IRI (or JSON-LD keyword) it maps to. ``contexts``: the URLs under which GS1 publishes
that context (resolved from this table, never fetched).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_common import ROOT, sha256_file, today, write_table

COMMIT = "2b888befbc071e1c2d388e027b30149b3f51dcef"
VOCABULARIES = {  # vocabulary -> (context file, schema definition)
    "bizStep": ("cbv-context-bizstep", "bizStep"),
    "disposition": ("cbv-context-disposition", "disposition"),
    "bizTransactionType": ("cbv-context-biztransaction-type", "bizTransaction-type"),
    "sourceDestType": ("cbv-context-sourcedest-type", "source-dest-type"),
    "errorReason": ("cbv-context-error-reason", "error-reason"),
    "measurementType": ("gs1-context-measurement-type", "measurementType"),
    "sensorAlertType": ("gs1-context-sensor-alert-type", "sensorAlertType"),
    "component": ("cbv-context-component", "component"),
}
CONTEXT_URLS = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    "https://ref.gs1.org/standards/epcis/epcis-context.jsonld",
    "https://gs1.github.io/EPCIS/epcis-context.jsonld",
]


def default_source() -> Path:
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data" / "epcis" / "gs1"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data" / "epcis" / "gs1"


def _expand(value: str, prefixes: dict[str, str]) -> str:
    head, sep, tail = value.partition(":")
    if sep and head in prefixes and not tail.startswith("//"):
        return prefixes[head] + tail
    return value


def _schema_enum(schema: dict[str, Any], name: str) -> set[str]:
    for branch in schema["definitions"][name]["anyOf"]:
        if "enum" in branch:
            return set(branch["enum"])
    raise KeyError(name)


def build(source: Path) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    schema = json.loads((source / "EPCIS-JSON-Schema.json").read_text("utf-8"))
    root = json.loads((source / "epcis-context.jsonld").read_text("utf-8"))["@context"]
    artefacts = {"epcis-context.jsonld": sha256_file(source / "epcis-context.jsonld")}
    artefacts["EPCIS-JSON-Schema.json"] = sha256_file(source / "EPCIS-JSON-Schema.json")
    prefixes = {
        k: v
        for k, v in root.items()
        if isinstance(v, str) and not k.startswith("@") and v.endswith(("/", "#", ":"))
    }
    records: list[dict[str, str]] = []
    for vocabulary, (filename, definition) in VOCABULARIES.items():
        path = source / "JSON-LD-Context" / f"{filename}.jsonld"
        artefacts[path.name] = sha256_file(path)
        ctx = json.loads(path.read_text("utf-8"))["@context"]
        local = {**prefixes, **{k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith("/")}}
        words = {k: _expand(v, local) for k, v in ctx.items() if not k.startswith("@") and k not in local}
        missing = _schema_enum(schema, definition) - set(words)
        if missing:  # the schema and the context must agree on the bare words
            raise SystemExit(f"{vocabulary}: schema words missing from {path.name}: {sorted(missing)}")
        records += [{"vocabulary": vocabulary, "word": w, "iri": iri} for w, iri in words.items()]
    records.sort(key=lambda r: (r["vocabulary"], r["word"]))
    terms = []
    for term, value in root.items():
        if term.startswith("@") or term in prefixes:
            continue
        iri = value if isinstance(value, str) else value.get("@id", "")
        terms.append({"term": term, "iri": _expand(iri, prefixes)})
    terms.sort(key=lambda r: r["term"])
    header: dict[str, Any] = {
        "dataset": "epcis_cbv",
        "version": f"epcis-2.0-cbv-2.0@{COMMIT[:12]}",
        "generated_by": "scripts/gen_epcis_cbv.py",
        "source": {
            "title": "GS1 EPCIS 2.0 / CBV 2.0 JSON-LD contexts and JSON Schema (facts extracted: vocabulary "
            "words, term and prefix IRIs)",
            "url": f"https://github.com/gs1/EPCIS/tree/{COMMIT}",
            "licence": "facts only; the GS1 files carry no open-source licence and are not shipped",
            "retrieved": today(),
            "sha256": artefacts["epcis-context.jsonld"],
            "artefacts": artefacts,
        },
        "contexts": CONTEXT_URLS,
        "cbv_namespaces": [
            "urn:epcglobal:cbv:",
            "https://ns.gs1.org/cbv/",
            "http://ns.gs1.org/cbv/",
            "https://ref.gs1.org/cbv/",
            "http://ref.gs1.org/cbv/",
        ],
        "gs1_voc_namespaces": [
            "https://gs1.org/voc/",
            "http://gs1.org/voc/",
            "https://www.gs1.org/voc/",
            "http://www.gs1.org/voc/",
        ],
    }
    lists = {
        "prefixes": [{"prefix": k, "iri": v} for k, v in sorted(prefixes.items())],
        "terms": terms,
        "records": records,
    }
    return header, lists


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    source = Path(args[0]) if args else default_source()
    if not (source / "epcis-context.jsonld").is_file():
        print(f"GS1 EPCIS reference files not found in {source}", file=sys.stderr)
        return 2
    header, lists = build(source)
    write_table("epcis_cbv", header, lists)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
