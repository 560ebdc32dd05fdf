"""Differential test: every document the official EPCIS 2.0 JSON Schema rejects (python-jsonschema
with a strict format checker: rfc3987 for ``uri``, rfc3339-validator for ``date-time``), trace_std
rejects too. The corpus: the reference documents, one-defect mutations of each, and hypothesis-made
mutations."""

from __future__ import annotations

import copy
import json
from functools import cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import require_service
from tests.events.reference import load, reference_files, rel, require_shared
from trace_std.events import validate

FILES = reference_files()


@cache
def schema_validator() -> Any:
    try:
        import jsonschema
        import rfc3339_validator  # noqa: F401 - jsonschema's strict "date-time" format
        import rfc3987  # noqa: F401 - jsonschema's strict "uri" format
    except ImportError:
        require_service("jsonschema + rfc3987 + rfc3339-validator", "the strict format checker (test extra)")
        raise
    schema = load(require_shared() / "gs1" / "EPCIS-JSON-Schema.json")
    checker = jsonschema.FormatChecker()
    assert (
        checker.conforms("not a uri", "uri") is False
        and checker.conforms("2025-13-01T00:00:00Z", "date-time") is False
    )
    return jsonschema.Draft7Validator(schema, format_checker=checker)


def schema_rejects(doc: Any) -> bool:
    return next(schema_validator().iter_errors(doc), None) is not None


def ours_rejects(doc: Any) -> bool:
    return not validate(json.dumps(doc).encode(), check_hashes=False).valid


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*path, i))
    return out


def _set(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    out = copy.deepcopy(doc)
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


def _delete(doc: Any, path: tuple[Any, ...]) -> Any:
    out = copy.deepcopy(doc)
    node = out
    for part in path[:-1]:
        node = node[part]
    del node[path[-1]]
    return out


REPLACEMENTS = [
    None,
    True,
    7,
    -1.5,
    "",
    "x",
    "shipping",
    "in_transit",
    "ADD",
    "urn:epc:id:sgtin:0614141.107346.2017",
    "not a uri",
    "2025-02-30T00:00:00Z",
    "2025-08-12T07:30:00",
    "+15:00",
    "KGM",
    "kg",
    [],
    {},
    ["a b"],
    {"id": "x y"},
    "https://id.gs1.org/01/09521234543213/21/1",
    "urn:epcglobal:cbv:bizstep:shipping",
    "example:thing",
    "Temperature",
]


def test_reference_documents_agree() -> None:
    for path in FILES:
        doc = load(path)
        if schema_rejects(doc):
            assert ours_rejects(doc), rel(path)


@pytest.mark.slow
def test_every_single_value_mutation_of_the_reference_documents() -> None:
    checked = 0
    for path in FILES:
        doc = load(path)
        paths = _paths(doc)[1:]
        step = max(1, len(paths) // 40)  # at most ~40 places per document, spread over all of it
        for where in paths[::step]:
            for value in (None, 7, "not a uri", [], {}):
                mutated = _set(doc, where, value)
                if schema_rejects(mutated):
                    checked += 1
                    assert ours_rejects(mutated), (rel(path), where, value)
            if isinstance(where[-1], str):
                mutated = _delete(doc, where)
                if schema_rejects(mutated):
                    checked += 1
                    assert ours_rejects(mutated), (rel(path), where, "deleted")
    assert checked > 1000, checked


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    doc = load(draw(st.sampled_from(FILES)))
    paths = _paths(doc)
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(paths))
        choice = draw(st.integers(0, 3))
        if choice == 0 and where and isinstance(where[-1], str):
            doc = _delete(doc, where)
        elif choice == 1:
            doc = _set(doc, where, draw(st.sampled_from(REPLACEMENTS)))
        elif choice == 2:
            doc = _set(doc, where, draw(st.text(max_size=12)))
        else:
            parent = where[:-1] if where else ()
            node = doc
            for part in parent:
                node = node[part]
            if isinstance(node, dict):
                doc = _set(
                    doc,
                    (*parent, draw(st.sampled_from(["foo", "ex:foo", "example:x", "epcList", "@id"]))),
                    draw(st.sampled_from(REPLACEMENTS)),
                )
        paths = _paths(doc)
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_documents())
def test_hypothesis_mutations_agree(doc: Any) -> None:
    if schema_rejects(doc):
        assert ours_rejects(doc)
