"""Data-driven conformance cases (``element_strings*.json`` in this folder) for GS1 element strings.

Each case gives an ``input``; ⟦ and ⟧ mark the expected error span and are removed before parsing.
Valid cases must parse (and round-trip through every rendering); invalid ones must raise the
expected ``code`` at the marked span with the expected AI, and ``check()`` must report it too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trace_std.errors import TraceStdError
from trace_std.gs1.element_string import SYMBOLOGY_IDENTIFIERS, check, parse_element_string
from trace_std.gs1.linters import LINTERS

HERE = Path(__file__).parent
OPEN, CLOSE = "⟦", "⟧"


def _load() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for path in sorted(HERE.glob("element_strings*.json")):
        cases.extend(json.loads(path.read_text("utf-8"))["cases"])
    return cases


CASES = _load()


def _strip(marked: str) -> tuple[str, tuple[int, int] | None]:
    if OPEN not in marked:
        return marked, None
    start = marked.index(OPEN)
    end = marked.index(CLOSE) - 1
    return marked.replace(OPEN, "").replace(CLOSE, ""), (start, end)


VALID = [c for c in CASES if c["valid"]]
INVALID = [c for c in CASES if not c["valid"]]


@pytest.mark.parametrize("case", VALID, ids=[c["id"] for c in VALID])
def test_valid_case(case: dict[str, Any]) -> None:
    text, span = _strip(case["input"])
    assert span is None
    es = parse_element_string(text)
    if "elements" in case:
        assert [list(e) for e in es.elements] == case["elements"]
    assert parse_element_string(es.hri()) == es
    assert parse_element_string(es.raw()) == es
    assert parse_element_string(es.scan_data("]d2")) == es
    assert check(text).valid


@pytest.mark.parametrize("case", INVALID, ids=[c["id"] for c in INVALID])
def test_invalid_case(case: dict[str, Any]) -> None:
    text, span = _strip(case["input"])
    assert span is not None, "invalid cases mark the error span"
    with pytest.raises(TraceStdError) as info:
        parse_element_string(text)
    err = info.value
    assert (err.code, err.span) == (case["code"], span)
    assert err.context.get("ai") == case["ai"]
    report = check(text)
    assert (case["code"], span) in {(i.code, i.span) for i in report.issues}


def test_case_ids_are_unique() -> None:
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids))


def test_every_linter_is_exercised_through_an_ai() -> None:
    """Each linter has a valid and an invalid case (gcppos2 only guards all-digit N14/N18 fields,
    which every value reaching it already satisfies, so it is covered by the linter unit tests)."""
    rules_ok = {c["rule"] for c in VALID}
    rules_bad = {c["rule"] for c in INVALID}
    expected = {f"lint:{name}" for name in LINTERS} - {"lint:gcppos2"}
    # latitude/longitude and nonzero/winding share one valid case each
    assert expected - rules_bad == set()
    assert expected - rules_ok - {"lint:longitude", "lint:winding"} == set()


def test_every_rule_shape_and_symbology_is_covered() -> None:
    rules = {c["rule"] for c in CASES}
    assert {
        "req:alternatives",
        "req:and",
        "req:pattern",
        "ex:plain",
        "ex:pattern",
        "repeat",
        "digsig",
    } <= rules
    valid_inputs = [c["input"] for c in VALID]
    for sym in SYMBOLOGY_IDENTIFIERS:
        assert any(i.startswith(sym) for i in valid_inputs), sym


def test_suite_size() -> None:
    assert len(CASES) >= 140
