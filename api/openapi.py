# ruff: noqa: E501
"""The OpenAPI 3.1 document of the service, served at ``/v1/openapi.json``.

Operations are declared here next to the JSON Schemas they answer with (``schemas/v1/``, inlined as
``components.schemas``). ``tests/api/test_openapi.py`` checks this table against the app's URL map
both ways, so a route cannot be added or removed without updating the document.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from trace_std import __version__

SCHEMA_NAMES: tuple[str, ...] = (
    "problem",
    "code-record",
    "code-search",
    "linkset",
    "meta",
    "resolver-description",
    "epcis-capture-job",
    "epcis-query-document",
    "trace",
    "health",
    "admin-write",
    "import-report",
    "audit-log",
    "report",
    "batch-report",
    "encode-result",
)


def schema_dir() -> Path:
    """``schemas/v1`` of the source tree, or the copy installed inside the wheel."""
    source = Path(__file__).resolve().parents[1] / "schemas" / "v1"
    if source.is_dir():
        return source
    return Path(str(resources.files("trace_std").joinpath("schemas", "v1")))


def load_schema(name: str) -> dict[str, Any] | None:
    path = schema_dir() / f"{name}.schema.json"
    if not path.is_file():
        return None
    data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return data


def _rewrite(node: Any, name: str) -> Any:
    """Point file ``$ref``s at ``components.schemas`` and local ``#/...`` refs inside the component."""
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                if value.startswith("#"):
                    out[key] = f"#/components/schemas/{name}{value[1:]}"
                else:
                    file, _, pointer = value.partition("#")
                    target = Path(file).name.removesuffix(".schema.json")
                    out[key] = f"#/components/schemas/{target}{pointer}"
            elif key not in ("$schema", "$id"):
                out[key] = _rewrite(value, name)
        return out
    if isinstance(node, list):
        return [_rewrite(v, name) for v in node]
    return node


def _components() -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for name in SCHEMA_NAMES:
        data = load_schema(name)
        schemas[name] = _rewrite(data, name) if data is not None else {"type": "object"}
    return schemas


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(name: str, description: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": _ref(name)}}}


PROBLEM = {
    "description": "Problem document",
    "content": {"application/problem+json": {"schema": _ref("problem")}},
}


def _problems(*statuses: int) -> dict[str, Any]:
    return {str(s): PROBLEM for s in statuses}


def _q(name: str, description: str, *, required: bool = False, **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "description": description,
        "schema": {"type": "string", **schema},
    }


def _p(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": {"type": "string", **schema}}  # fmt: skip


BEARER: list[dict[str, list[str]]] = [{"bearer": []}]
ON = _q("on", "Date of the check (YYYY-MM-DD); default today", format="date")
MARKET = _q("market", "Destination market (ISO 3166-1 alpha-2)", maxLength=8)
PUBLIC_ERRORS = _problems(429, 503)


def _h(name: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"name": name, "in": "header", "required": False, "description": description,
            "schema": {"type": "string", **schema}}  # fmt: skip


GS1_VERSIONS = [
    _h("GS1-EPCIS-Version", "EPCIS version of the request (2.0.0)", enum=["2.0.0"]),
    _h("GS1-CBV-Version", "CBV version of the request (2.0.0)", enum=["2.0.0"]),
]
CAPTURE_BEHAVIOUR = _h(
    "GS1-Capture-Error-Behaviour", "rollback (default): keep nothing if any event is bad; proceed: keep the "
    "valid events", enum=["rollback", "proceed"])  # fmt: skip
PROFILE = _q("profile", "Extra validation rules", enum=["vn-fresh-produce", "fsma204"])
CAPTURE_ACCEPTED = {
    "description": "The capture job (finished); its URL in Location",
    "headers": {"Location": {"schema": {"type": "string"}, "description": "/epcis/capture/{captureID}"}},
    "content": {"application/json": {"schema": _ref("epcis-capture-job")}},
}
_TIME = {"format": "date-time", "maxLength": 40}
EPCIS_QUERY = [
    _q("eventType", "Event types, comma-separated", maxLength=200),
    _q("GE_eventTime", "eventTime at or after (RFC 3339 with offset)", **_TIME),
    _q("LT_eventTime", "eventTime before", **_TIME),
    _q("GE_recordTime", "recordTime at or after", **_TIME),
    _q("LT_recordTime", "recordTime before", **_TIME),
    _q("EQ_action", "ADD, OBSERVE or DELETE", enum=["ADD", "OBSERVE", "DELETE"]),
    _q("EQ_bizStep", "Business steps (CBV word or URI), comma-separated", maxLength=4000),
    _q("EQ_disposition", "Dispositions, comma-separated", maxLength=4000),
    _q("EQ_bizLocation", "Business locations (SGLN URN or Digital Link)", maxLength=4000),
    _q("EQ_readPoint", "Read points", maxLength=4000),
    _q("EQ_eventID", "eventIDs", maxLength=4000),
    _q("MATCH_epc", "EPCs in epcList or childEPCs (any spelling)", maxLength=4000),
    _q("MATCH_parentID", "parentID", maxLength=4000),
    _q("MATCH_inputEPC", "inputEPCList", maxLength=4000),
    _q("MATCH_outputEPC", "outputEPCList", maxLength=4000),
    _q("MATCH_anyEPC", "Any EPC field", maxLength=4000),
    _q("MATCH_epcClass", "epcClass in quantityList / childQuantityList", maxLength=4000),
    _q("MATCH_anyEPCClass", "Any epcClass", maxLength=4000),
    _q("EQ_bizTransaction_po", "Business transactions of type po (EQ_bizTransaction_<type>)", maxLength=4000),
    _q("EQ_source_owning_party", "Sources of a type (EQ_source_<type>)", maxLength=4000),
    _q("EQ_destination_owning_party", "Destinations of a type (EQ_destination_<type>)", maxLength=4000),
    _q("EQ_vn_plantingAreaCode", "vn:plantingAreaCode (PUC) in the event or its ilmd", maxLength=4000),
    _q("EQ_vn_packingHouseCode", "vn:packingHouseCode (PHC)", maxLength=4000),
    {"name": "perPage", "in": "query", "required": False, "description": "Events per page (default 100)",
     "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    _q("nextPageToken", "From the previous page's Link header", maxLength=200),
]  # fmt: skip


def _resolver_get(description: str, params: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "tags": ["resolver"],
        "summary": description,
        "parameters": [
            *params,
            _q("linkType", "gs1:pip, gs1:traceability, gs1:certificationInfo, gs1:defaultLink or linkset",
               maxLength=200),
        ],
        "responses": {
            "200": {
                "description": "Linkset (linkType=linkset or Accept: application/linkset+json) or the Report",
                "content": {
                    "application/linkset+json": {"schema": _ref("linkset")},
                    "application/json": {"schema": _ref("report")},
                    "text/html": {"schema": {"type": "string"}},
                },
            },
            "307": {"description": "Redirect to the link of the requested (or default) link type"},
            **_problems(400, 404, 429, 503),
        },
    }  # fmt: skip


GTIN = _p("gtin", "GTIN-14", pattern="^[0-9]{14}$")
LOT = _p("lot", "Batch/lot (AI 10)", minLength=1, maxLength=20)
SERIAL = _p("serial", "Serial number (AI 21)", minLength=1, maxLength=20)


def paths() -> dict[str, Any]:
    """Every operation of the service (OpenAPI path → method → operation)."""
    return {
        "/v1/meta": {"get": {"tags": ["meta"], "summary": "Library and data versions",
                             "responses": {"200": _json("meta", "Versions"), **_problems(429)}}},
        "/v1/ping": {"get": {"tags": ["meta"], "summary": "Trivial JSON answer",
                             "responses": {"200": {"description": "ok", "content": {"application/json": {
                                 "schema": {"type": "object", "required": ["status"]}}}}, **_problems(429)}}},
        "/healthz": {"get": {"tags": ["meta"], "summary": "Liveness",
                             "responses": {"200": _json("health", "Alive")}}},
        "/readyz": {"get": {"tags": ["meta"], "summary": "Readiness (database answers)",
                            "responses": {"200": _json("health", "Ready"), **_problems(503)}}},
        "/v1/codes/{code}": {"get": {
            "tags": ["codes"], "summary": "One registered code (any accepted spelling)",
            "parameters": [_p("code", "PUC or PHC", minLength=1, maxLength=64)],
            "responses": {"200": _json("code-record", "The code"), **_problems(400, 404), **PUBLIC_ERRORS},
        }},
        "/v1/codes": {"get": {
            "tags": ["codes"], "summary": "Search registered codes",
            "parameters": [
                _q("province", "Province code or name", maxLength=100),
                _q("crop", "Crop", maxLength=100),
                MARKET,
                _q("status", "active, suspended or revoked", maxLength=16),
                _q("q", "Free text (code, name, owner, address, commune), case- and accent-insensitive; "
                   "% and _ are literal; 3+ characters match anywhere, 2 the start of a word, 1 is a 400 "
                   "(registry.search.query_too_short)", maxLength=200),
                _q("after", "Keyset pagination: the last code of the previous page (constant time at any depth)",
                   maxLength=64),
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100000}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
            ],
            "responses": {"200": _json("code-search", "A page of codes"), **_problems(400), **PUBLIC_ERRORS},
        }},
        "/v1/verify": {
            "get": {
                "tags": ["verify"], "summary": "Verify any input against the registry",
                "parameters": [_q("q", "Code, GTIN, element string, Digital Link or scan data", required=True,
                                  minLength=1, maxLength=4096), ON, MARKET],
                "responses": {"200": _json("report", "The verification Report (a bad code is verdict malformed)"),
                              **_problems(400), **PUBLIC_ERRORS},
            },
            "post": {
                "tags": ["verify"], "summary": "Verify any input (JSON body)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "required": ["q"], "properties": {
                        "q": {"type": "string", "minLength": 1, "maxLength": 4096},
                        "on": {"type": "string", "format": "date"}, "market": {"type": "string", "maxLength": 8}}}},
                    "text/plain": {"schema": {"type": "string"}}}},
                "responses": {"200": _json("report", "The verification Report"), **_problems(400, 413, 415),
                              **PUBLIC_ERRORS},
            },
        },
        "/v1/labels/verify": {"post": {
            "tags": ["labels"], "summary": "Check a label (JSON) and verify it against the registry",
            "parameters": [MARKET],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": _json("report", "The label Report"), **_problems(400, 413, 415), **PUBLIC_ERRORS},
        }},
        "/v1/labels/validate": {"post": {
            "tags": ["labels"], "summary": "Validate a batch file (CSV, XLSX, JSONL) with registry row checks",
            "parameters": [MARKET, _q("fix", "1: add fixed_csv, the canonical file of the valid rows",
                                      enum=["0", "1", "true", "false"])],
            "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}}}}}},
            "responses": {"200": _json("batch-report", "The batch report"), **_problems(400, 413, 415),
                          **PUBLIC_ERRORS},
        }},
        "/v1/labels/encode": {"post": {
            "tags": ["labels"], "summary": "Encode label values as element strings and a Digital Link",
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": _json("encode-result", "The encodings"), **_problems(400, 413, 415, 422),
                          **PUBLIC_ERRORS},
        }},
        "/v1/symbols/{symbology}.{format}": {"get": {
            "tags": ["labels"], "summary": "Render a barcode symbol",
            "parameters": [
                _p("symbology", "Symbology", enum=["gs1-128", "qr", "datamatrix"]),
                _p("format", "Image format", enum=["svg", "png"]),
                _q("data", "Element string (HRI) or Digital Link", required=True, minLength=1, maxLength=2048),
            ],
            "responses": {"200": {"description": "The symbol", "content": {
                "image/svg+xml": {"schema": {"type": "string"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}}}},
                **_problems(400, 404, 422), **PUBLIC_ERRORS},
        }},
        "/v1/admin/codes": {"post": {
            "tags": ["admin"], "summary": "Create or update a code", "security": BEARER,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": _json("admin-write", "Updated or unchanged"), "201": _json("admin-write", "Created"),
                          **_problems(400, 401, 403, 404, 413, 415, 422, 503)},
        }},
        "/v1/admin/codes/{code}": {"put": {
            "tags": ["admin"], "summary": "Update a code", "security": BEARER,
            "parameters": [_p("code", "PUC or PHC", minLength=1, maxLength=64)],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
            "responses": {"200": _json("admin-write", "Updated or unchanged"), "201": _json("admin-write", "Created"),
                          **_problems(400, 401, 403, 404, 413, 415, 422, 503)},
        }},
        "/v1/admin/codes/{code}/status": {"post": {
            "tags": ["admin"], "summary": "Suspend, revoke or reactivate a code", "security": BEARER,
            "parameters": [_p("code", "PUC or PHC", minLength=1, maxLength=64)],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["status", "reason"], "properties": {
                    "status": {"enum": ["active", "suspended", "revoked"]}, "reason": {"type": "string"},
                    "legal_doc": {"type": "string"}, "on": {"type": "string", "format": "date"}}}}}},
            "responses": {"200": _json("code-record", "The code after the change"),
                          **_problems(400, 401, 403, 404, 409, 413, 415, 422, 503)},
        }},
        "/v1/admin/import": {"post": {
            "tags": ["admin"], "summary": "Import an open-data file, all or nothing", "security": BEARER,
            "parameters": [_q("dry_run", "Check without writing", enum=["true", "false"])],
            "requestBody": {"required": True, "content": {
                "multipart/form-data": {"schema": {"type": "object", "properties": {
                    "file": {"type": "string", "format": "binary"}}}},
                "application/json": {"schema": {"type": "object"}},
                "application/jsonl": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}}}},
            "responses": {"200": _json("import-report", "Imported (or checked)"),
                          **_problems(400, 401, 403, 413, 415, 422, 503)},
        }},
        "/v1/admin/audit": {"get": {
            "tags": ["admin"], "summary": "The latest writes", "security": BEARER,
            "parameters": [{"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                                       "maximum": 1000}}],
            "responses": {"200": _json("audit-log", "Writes, newest first"), **_problems(400, 401, 403, 503)},
        }},
        "/epcis/capture": {"post": {
            "tags": ["epcis"], "summary": "Capture an EPCISDocument (validated, stored in one transaction)",
            "security": BEARER,
            "parameters": [*GS1_VERSIONS, CAPTURE_BEHAVIOUR, PROFILE],
            "requestBody": {"required": True, "content": {
                "application/json": {"schema": {"type": "object"}},
                "application/ld+json": {"schema": {"type": "object"}}}},
            "responses": {"202": CAPTURE_ACCEPTED, **_problems(400, 401, 403, 406, 413, 415, 429, 503)},
        }},
        "/epcis/events": {
            "post": {
                "tags": ["epcis"], "summary": "Capture one EPCIS event", "security": BEARER,
                "parameters": [*GS1_VERSIONS, CAPTURE_BEHAVIOUR, PROFILE],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/ld+json": {"schema": {"type": "object"}}}},
                "responses": {"202": CAPTURE_ACCEPTED, **_problems(400, 401, 403, 406, 413, 415, 429, 503)},
            },
            "get": {
                "tags": ["epcis"], "summary": "Query events (SimpleEventQuery subset); a party sees its own",
                "security": BEARER,
                "parameters": [*GS1_VERSIONS, *EPCIS_QUERY],
                "responses": {"200": _json("epcis-query-document", "Events, oldest first; next page in Link"),
                              **_problems(400, 401, 403, 406, 429, 503)},
            },
        },
        "/epcis/events/{eventID}": {"get": {
            "tags": ["epcis"], "summary": "One event by eventID (and its error declarations)", "security": BEARER,
            "parameters": [_p("eventID", "The event's eventID", minLength=1, maxLength=500), *GS1_VERSIONS],
            "responses": {"200": _json("epcis-query-document", "The event"),
                          **_problems(401, 403, 404, 406, 429, 503)},
        }},
        "/epcis/capture/{captureID}": {"get": {
            "tags": ["epcis"], "summary": "A capture job: what was kept and the errors", "security": BEARER,
            "parameters": [_p("captureID", "The job id from the Location header", maxLength=36)],
            "responses": {"200": _json("epcis-capture-job", "The job"), **_problems(401, 403, 404, 429, 503)},
        }},
        "/v1/trace": {"get": {
            "tags": ["epcis"], "summary": "Lot genealogy (inspectors): backward to harvests, forward to shipments",
            "security": BEARER,
            "parameters": [
                _q("gtin", "GTIN of the lot", pattern="^[0-9]{8,14}$"),
                _q("lot", "Lot (AI 10)", minLength=1, maxLength=20),
                _q("epc", "An SSCC or carton, URN or Digital Link", maxLength=600),
                _q("sscc", "An SSCC (18 digits)", pattern="^[0-9]{18}$"),
                _q("puc", "Forward: lots harvested in this planting area", maxLength=64),
                _q("since", "Forward: harvests at or after", format="date-time", maxLength=40),
                _q("until", "Forward: harvests before", format="date-time", maxLength=40),
                _q("direction", "backward (default) or forward", enum=["backward", "forward"]),
                _q("format", "json (default), svg or html", enum=["json", "svg", "html"]),
            ],
            "responses": {"200": {"description": "The walked graph", "content": {
                "application/json": {"schema": _ref("trace")},
                "image/svg+xml": {"schema": {"type": "string"}},
                "text/html": {"schema": {"type": "string"}}}},
                **_problems(400, 401, 403, 429, 503)},
        }},
        "/v1/admin/authorisations": {
            "post": {
                "tags": ["admin"], "summary": "Create or update a holder's authorisation", "security": BEARER,
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
                "responses": {"200": {"description": "Updated or unchanged"}, "201": {"description": "Created"},
                              **_problems(400, 401, 403, 413, 415, 422, 503)},
            },
            "get": {
                "tags": ["admin"], "summary": "Authorisations of a PUC or PHC (scope inspector)", "security": BEARER,
                "parameters": [_q("puc", "PUC", maxLength=64), _q("phc", "PHC", maxLength=64),
                               {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}}],
                "responses": {"200": {"description": "Authorisations"}, **_problems(400, 401, 403, 503)},
            },
        },
        "/v1/admin/authorisations/{ref}/status": {"post": {
            "tags": ["admin"], "summary": "Suspend, revoke or reactivate an authorisation", "security": BEARER,
            "parameters": [_p("ref", "Authorisation reference", minLength=1, maxLength=100)],
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["status", "reason"], "properties": {
                    "status": {"enum": ["active", "suspended", "revoked"]}, "reason": {"type": "string"},
                    "on": {"type": "string", "format": "date"}}}}}},
            "responses": {"200": {"description": "The authorisation after the change"},
                          **_problems(400, 401, 403, 404, 409, 413, 415, 422, 503)},
        }},
        "/v1/audit": {"get": {
            "tags": ["admin"], "summary": "Code-use audit findings (scope inspector; each needs inspection)",
            "security": BEARER,
            "parameters": [_q("season", "Year of the pack dates", maxLength=4), _q("rule", "A rule (repeatable)", maxLength=64),
                           _q("tolerance", "Over-yield tolerance", maxLength=20)],
            "responses": {"200": {"description": "Findings"}, **_problems(400, 401, 403, 422, 503)},
        }},
        "/v1/openapi.json": {"get": {"tags": ["meta"], "summary": "This document",
                                     "responses": {"200": {"description": "OpenAPI 3.1"}}}},
        "/docs": {"get": {"tags": ["meta"], "summary": "Browsable API documentation",
                          "responses": {"200": {"description": "HTML",
                                                "content": {"text/html": {"schema": {"type": "string"}}}}}}},
        "/.well-known/gs1resolver": {"get": {
            "tags": ["resolver"], "summary": "Resolver description file",
            "responses": {"200": _json("resolver-description", "Description"), **_problems(429)}}},
        "/01/{gtin}": {"get": _resolver_get("Resolve a GTIN", [GTIN])},
        "/01/{gtin}/10/{lot}": {"get": _resolver_get("Resolve a GTIN + lot", [GTIN, LOT])},
        "/01/{gtin}/10/{lot}/21/{serial}": {"get": _resolver_get("Resolve a GTIN + lot + serial",
                                                                 [GTIN, LOT, SERIAL])},
        "/01/{gtin}/21/{serial}": {"get": _resolver_get("Resolve a GTIN + serial", [GTIN, SERIAL])},
        "/00/{sscc}": {"get": _resolver_get("Resolve an SSCC", [_p("sscc", "SSCC", pattern="^[0-9]{18}$")])},
        "/414/{gln}": {"get": _resolver_get("Resolve a location GLN", [_p("gln", "GLN", pattern="^[0-9]{13}$")])},
    }  # fmt: skip


#: Paths served by the resolver's catch-all route (any primary key, any path prefix).
RESOLVER_PATHS = frozenset(p for p in paths() if p.startswith(("/01/", "/00/", "/414/")))


@cache
def _document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "trace_std registry, verification and GS1 Digital Link resolver",
            "version": __version__,
            "description": "Lookup of Vietnamese planting-area (PUC) and packing-house (PHC) codes, "
            "verification of codes, GS1 keys, element strings and Digital Links, label checks, "
            "barcode symbols and a GS1-conformant resolver. Errors are RFC 9457 problem documents.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "paths": paths(),
        "components": {
            "schemas": _components(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Token from `trace-std token create --scope ...`"}},
        },
    }  # fmt: skip


def document(server_url: str | None = None) -> dict[str, Any]:
    doc = copy.deepcopy(_document())
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
