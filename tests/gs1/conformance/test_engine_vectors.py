"""The GS1 Barcode Syntax Engine's own unit-test vectors, run against trace_std.

``engine_vectors.json`` is extracted from the engine's C unit tests by ``scripts/gen_engine_vectors.py``
(its header names the engine commit; Apache-2.0, data only). Each vector is compared with what
trace_std does for the same input:

* ``agree``: same acceptance, and the same output where the engine gives one (raw data, a URI, an
  error span);
* ``differ``: a disagreement; every one must be listed in :data:`DELIBERATE` with its reason (and
  in docs/gs1.md), and every listed one must still differ;
* ``n/a``: no trace_std equivalent (a reason string): engine options trace_std does not have
  (unknown AIs), plain non-GS1 payloads, internal engine functions.

Association rules (``req``, ``ex``, repeats, the digital-signature rule) are checked by the engine
in a separate step (``validateAIs``); the parse vectors are therefore compared on syntax and
values, and the ``ai_validate`` vectors on the association rule they name.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from trace_std.errors import Report, TraceStdError
from trace_std.gs1 import digital_link as dl
from trace_std.gs1 import element_string as es
from trace_std.gs1.ai import ai_info
from trace_std.gs1.linters import LINTERS

HERE = Path(__file__).parent
CORPUS = json.loads((HERE / "engine_vectors.json").read_text("utf-8"))
VECTORS: list[dict[str, Any]] = CORPUS["vectors"]

ASSOCIATION = frozenset({"gs1.pair.required", "gs1.pair.excluded", "gs1.digsig.serial", "gs1.ai.repeated"})
VALIDATIONS = {
    "validateAIrequisites": "gs1.pair.required",
    "validateAImutex": "gs1.pair.excluded",
    "validateAIrepeats": "gs1.ai.repeated",
    "validateDigSigRequiresSerialisedKey": "gs1.digsig.serial",
}
ENGINE_ONLY_LINTERS = {
    "csetnumeric": "trace_std checks N components by the component type (gs1.value.character), not a linter",
    "yyyymmd0": "no AI of the syntax dictionary trace_std ships uses it",
}

#: Vector id → why trace_std deliberately answers differently (listed in docs/gs1.md too).
DELIBERATE: dict[str, str] = {
    "ai.c:1708": "raw data without FNC1 in first position ('991234'): the engine refuses it; for "
    "trace_std it is the plain raw form (as printed under a barcode or pasted from a spreadsheet), "
    "the leading FNC1 being optional",
    "dl.c:2215": "(01)(235)(10) to a Digital Link: the engine picks the path /01/…/10/… and then fails "
    "because (235) cannot be a query attribute; trace_std picks the qualifier path that leaves only "
    "valid attributes and renders /01/…/235/…?10=…",
}


# -- how trace_std answers each kind ---------------------------------------------------------------
def _errors(report: Report, *, associations: bool = False) -> list[str]:
    return [
        i.code for i in report.issues if i.severity == "error" and (associations or i.code not in ASSOCIATION)
    ]


def _engine_raw(elements: Any) -> str:
    return "^" + es.ElementString(tuple(elements)).raw("^")


def _unknown_ai(text: str) -> bool:
    """Whether bracketed data names an AI trace_std does not know (the engine permits those)."""
    import re

    return any(ai_info(ai) is None for ai in re.findall(r"(?<!\\)\((\d+)\)", text))


def compare_lint(v: dict[str, Any]) -> str:
    if any("CUSTOM_GCP_LOOKUP" in b for b in v.get("build", [])):
        return "n/a: an engine build with a GCP allocation lookup; trace_std has no GCP lookup"
    if v["linter"] in ENGINE_ONLY_LINTERS:
        return "n/a: " + ENGINE_ONLY_LINTERS[v["linter"]]
    span = LINTERS[v["linter"]](v["input"])
    if v["ok"]:
        return "agree" if span is None else "differ"
    return "agree" if span is not None and list(span) == v["span"] else "differ"


def compare_ai_bracketed(v: dict[str, Any]) -> str:
    if v["options"].get("PermitUnknownAIs") or (v["ok"] and _unknown_ai(v["input"])):
        return "n/a: unknown AIs (trace_std knows only the AIs of the syntax dictionary)"
    return _same_outcome(es.check(v["input"]), v)


def _same_outcome(report: Report, v: dict[str, Any]) -> str:
    """Same acceptance (association rules aside) and, when accepted, the same ``^``-FNC1 raw data."""
    ok = not _errors(report)
    if ok != v["ok"]:
        return "differ"
    if ok and _engine_raw((e["ai"], e["value"]) for e in report.details["elements"]) != v["expect"]:
        return "differ"
    return "agree"


def compare_ai_raw(v: dict[str, Any]) -> str:
    if v["options"].get("PermitUnknownAIs"):
        return "n/a: unknown AIs (trace_std knows only the AIs of the syntax dictionary)"
    report = es.check(v["input"], caret_fnc1=True)
    return "agree" if (not _errors(report)) == v["ok"] else "differ"


def compare_ai_validate(v: dict[str, Any]) -> str:
    if _unknown_ai(v["input"]):
        return "n/a: unknown AIs (trace_std knows only the AIs of the syntax dictionary)"
    code = VALIDATIONS[v["validation"]]
    report = es.check(v["input"])
    found = code in _errors(report, associations=True)
    return "agree" if found != v["ok"] else "differ"


def compare_ai_linter(v: dict[str, Any]) -> str:
    report = es.check(v["input"])
    ok = not _errors(report)
    return "agree" if ok == (v["error"] == "GS1_LINTER_OK") else "differ"


def _dl_options(v: dict[str, Any]) -> dict[str, bool] | str:
    o = v["options"]
    if o.get("PermitUnknownAIs"):
        return "n/a: unknown AIs (trace_std knows only the AIs of the syntax dictionary)"
    return {
        "permit_zero_suppressed_gtin": bool(o.get("PermitZeroSuppressedGTINinDLuris")),
        "permit_convenience_alphas": bool(o.get("permitConvenienceAlphas")),
    }


def compare_dl_parse(v: dict[str, Any]) -> str:
    options = _dl_options(v)
    if isinstance(options, str):
        return options
    return _same_outcome(dl.check(v["input"], **options), v)


def compare_dl_generate(v: dict[str, Any]) -> str:
    if _unknown_ai(v["input"]):
        return "n/a: unknown AIs (trace_std knows only the AIs of the syntax dictionary)"
    try:
        pairs = es.parse_element_string(v["input"]).elements
        uri = dl.build_digital_link(pairs, v["stem"])
    except TraceStdError:
        return "agree" if not v["ok"] else "differ"
    return "agree" if v["ok"] and _same_uri(uri, v["expect"]) else "differ"


def _same_uri(a: str, b: str) -> bool:
    """Equal up to the order of the query's attributes (which carries no meaning)."""
    (pa, _, qa), (pb, _, qb) = a.partition("?"), b.partition("?")
    return pa == pb and sorted(qa.split("&")) == sorted(qb.split("&"))


def _engine_data(scan: Any) -> str:
    """The engine's representation of a scan: the URI, the EAN digits (``|`` composite), or raw data."""
    if scan.kind == "digital_link":
        return scan.uri
    if scan.kind == "gtin":
        digits, _, composite = scan.data.partition("|")
        return digits + ("|" + _engine_raw(scan.elements[1:]) if composite else "")
    return _engine_raw(scan.elements)


def compare_scan(v: dict[str, Any]) -> str:
    from trace_std.gs1.scan_data import parse_scan_data

    text = v["input"]
    if (
        v["ok"]
        and text[:3] in ("]Q1", "]d1", "]J0")
        and not text[3:].lower().startswith(("http://", "https://"))
    ):
        return (
            "n/a: plain (non-GS1) data in a QR Code, Data Matrix or DotCode: trace_std checks GS1 data only"
        )
    if v["ok"] and v.get("dl_ai_data") == "":
        return "n/a: the engine keeps an invalid Digital Link as plain data; trace_std checks GS1 data only"
    try:
        scan = parse_scan_data(text)
    except TraceStdError:
        return "agree" if not v["ok"] else "differ"
    if not v["ok"]:
        return "differ"
    if "dl_ai_data" in v and _engine_raw(scan.elements) != v["dl_ai_data"]:
        return "differ"
    return "agree" if _engine_data(scan) == v["expect"] else "differ"


COMPARE: dict[str, Callable[[dict[str, Any]], str]] = {
    "lint": compare_lint,
    "ai_bracketed": compare_ai_bracketed,
    "ai_raw": compare_ai_raw,
    "ai_validate": compare_ai_validate,
    "ai_linter": compare_ai_linter,
    "dl_parse": compare_dl_parse,
    "dl_generate": compare_dl_generate,
    "scan": compare_scan,
}


@cache
def outcomes() -> dict[str, str]:
    return {v["id"]: COMPARE[v["kind"]](v) for v in VECTORS}


def figures() -> dict[str, int]:
    verdicts = outcomes()
    return {
        "total": len(verdicts),
        "with_equivalent": sum(1 for o in verdicts.values() if not o.startswith("n/a")),
        "agree": sum(1 for o in verdicts.values() if o == "agree"),
        "deliberate": sum(1 for k, o in verdicts.items() if o == "differ" and k in DELIBERATE),
    }


@pytest.mark.parametrize("kind", sorted(COMPARE))
def test_trace_std_agrees_with_the_engine(kind: str) -> None:
    verdicts = outcomes()
    differ = sorted(v["id"] for v in VECTORS if v["kind"] == kind and verdicts[v["id"]] == "differ")
    undocumented = [i for i in differ if i not in DELIBERATE]
    assert undocumented == [], f"{len(undocumented)} {kind} vectors differ: {undocumented[:20]}"


def test_every_deliberate_difference_still_differs() -> None:
    verdicts = outcomes()
    assert sorted(i for i in DELIBERATE if verdicts.get(i) != "differ") == []


def test_the_corpus_is_the_engines() -> None:
    prov = CORPUS["provenance"]
    assert prov["source"] == "https://github.com/gs1/gs1-syntax-engine"
    assert len(prov["commit"]) == 40 and "Apache-2.0" in prov["licence"]
    assert CORPUS["counts"] == dict(sorted(Counter(v["kind"] for v in VECTORS).items()))
    assert len({v["id"] for v in VECTORS}) == len(VECTORS) > 6000
    assert set(COMPARE) == set(CORPUS["counts"])


def test_most_vectors_have_an_equivalent() -> None:
    f = figures()
    assert f["with_equivalent"] >= 0.95 * f["total"]
    assert f["agree"] + f["deliberate"] == f["with_equivalent"]


def test_docs_give_these_figures() -> None:
    import re

    doc = (HERE.parents[2] / "docs" / "gs1.md").read_text("utf-8")
    table = dict(
        re.findall(
            r"^\| (extracted|with a trace_std equivalent|trace_std agrees|deliberate)[^|]*\| ([\d,]+) \|$",
            doc,
            re.M,
        )
    )
    f = figures()
    assert {k: int(v.replace(",", "")) for k, v in table.items()} == {
        "extracted": f["total"], "with a trace_std equivalent": f["with_equivalent"],
        "trace_std agrees": f["agree"], "deliberate": f["deliberate"],
    }  # fmt: skip
    assert CORPUS["provenance"]["commit"][:12] in doc
    assert len(DELIBERATE) == f["deliberate"]


if __name__ == "__main__":  # python3 -m tests.gs1.conformance.test_engine_vectors: the figures
    import sys

    verdicts = outcomes()
    for v in VECTORS:
        if verdicts[v["id"]] == "differ" or ("-v" in sys.argv and verdicts[v["id"]].startswith("n/a")):
            print(verdicts[v["id"]][:60], json.dumps(v, ensure_ascii=False)[:300])
    print(figures(), Counter((v["kind"], verdicts[v["id"]][:40]) for v in VECTORS))
