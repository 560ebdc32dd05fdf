"""Differential testing: trace_std against biip (test-only dependency) on the AIs both understand.

Random element strings are built from valid values for produce-relevant AIs, then optionally broken
by one mutation. For every input both parsers run, and every disagreement must fall in a class
documented in docs/reliability.md ("Differential testing"): biip does not check association rules
(req/ex), doubled separators, or repeated AIs; and biip wrongly rejects a valid AI (7007) harvest-date
*range* (12 digits), reading it as a date-time. Anything else —
in particular trace_std rejecting a string biip accepts for another reason, or trace_std accepting
what biip rejects — fails the test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trace_std.errors import TraceStdError
from trace_std.gs1.element_string import parse_element_string

biip_messages = pytest.importorskip("biip.gs1_messages")
biip_dl = pytest.importorskip("biip.gs1_digital_link_uris")

GS = "\x1d"
# Disagreement classes where trace_std is right and biip is known not to check (see docs/reliability.md).
BIIP_GAPS = {
    "gs1.pair.required": "association rule (req) not checked by biip",
    "gs1.pair.excluded": "association rule (ex) not checked by biip",
    "gs1.separator.double": "biip tolerates doubled separators",
    "gs1.ai.repeated": "biip does not compare repeated AIs",
}
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
THIS_YEAR = dt.date.today().year


def _check_digit(body: str) -> str:
    """Mod-10 GS1 check digit, written independently of trace_std."""
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


gtin = st.from_regex(r"\A[0-9]{13}\Z", fullmatch=True).map(lambda b: b + _check_digit(b))
lot = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-./", min_size=1, max_size=20)
date6 = st.dates(dt.date(THIS_YEAR - 40, 1, 1), dt.date(THIS_YEAR + 40, 12, 31)).map(
    lambda d: d.strftime("%y%m%d")
)
weight = st.integers(0, 999_999).map(lambda n: f"{n:06d}")
country = st.sampled_from(["704", "156", "840", "036", "392", "410"])
internal = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=30)


@st.composite
def produce_elements(draw: st.DrawFn) -> list[tuple[str, str]]:
    """A valid carton element list in the vn-fresh-produce shape (order shuffled)."""
    elements = [("01", draw(gtin))]
    if draw(st.booleans()):
        elements.append(("10", draw(lot)))
    for ai in ("11", "13", "15", "17"):
        if draw(st.booleans()):
            elements.append((ai, draw(date6)))
    if draw(st.booleans()):
        elements.append((f"310{draw(st.integers(0, 5))}", draw(weight)))
    if draw(st.booleans()):
        elements.append(("21", draw(lot)))
    if draw(st.booleans()):
        elements.append(("422", draw(country)))
    if draw(st.booleans()):
        d1, d2 = sorted([draw(date6), draw(date6)])
        elements.append(("7007", d1 + (d2 if draw(st.booleans()) else "")))
    if draw(st.booleans()):
        elements.append(("90", draw(internal)))
    return draw(st.permutations(elements))


PREDEFINED_PREFIXES = (
    "00",
    "01",
    "02",
    "03",
    "04",
    "11",
    "12",
    "13",
    "14",
    "15",
    "16",
    "17",
    "18",
    "19",
    "20",
    "31",
    "32",
    "33",
    "34",
    "35",
    "36",
    "41",
)


def _raw(elements: list[tuple[str, str]]) -> str:
    out = []
    for i, (ai, value) in enumerate(elements):
        out.append(ai + value)
        if i < len(elements) - 1 and not ai.startswith(PREDEFINED_PREFIXES):
            out.append(GS)
    return "".join(out)


def _hri(elements: list[tuple[str, str]]) -> str:
    return "".join(f"({ai}){value}" for ai, value in elements)


def _ours(text: str) -> tuple[list[tuple[str, str]] | None, str | None]:
    try:
        return list(parse_element_string(text).elements), None
    except TraceStdError as err:
        return None, err.code


def _biip(text: str, hri: bool) -> list[tuple[str, str]] | None:
    try:
        msg = biip_messages.GS1Message.parse_hri(text) if hri else biip_messages.GS1Message.parse(text)
    except Exception:  # biip raises several exception types (ParseError, ValueError...)
        return None
    out = []
    for es in msg.element_strings:
        # biip keeps parse failures of some keys in *_error fields instead of raising
        if (
            getattr(es, "gtin_error", None)
            or getattr(es, "sscc_error", None)
            or getattr(es, "gln_error", None)
        ):
            return None
        out.append((es.ai.ai, es.value))
    return out


MUTATIONS = (
    "none",
    "gtin_check",
    "bad_month",
    "lone_lot",
    "gtin_and_content",
    "double_gs",
    "bad_char",
    "repeat_conflict",
)


def _mutate(elements: list[tuple[str, str]], how: str) -> tuple[list[tuple[str, str]], str | None]:
    """Apply one mutation; returns the elements and an extra raw suffix instruction."""
    els = list(elements)
    if how == "gtin_check":
        i = next(i for i, (ai, _) in enumerate(els) if ai == "01")
        v = els[i][1]
        els[i] = ("01", v[:-1] + str((int(v[-1]) + 1) % 10))
    elif how == "bad_month":
        els.append(("13", "251301"))
    elif how == "lone_lot":
        els = [("10", "LOT1"), ("90", "X")]
    elif how == "gtin_and_content":
        els.append(("02", next(v for ai, v in els if ai == "01")))
    elif how == "bad_char":
        els.append(("10" if all(ai != "10" for ai, _ in els) else "90", "A#B"))
    elif how == "repeat_conflict":
        gt = next(v for ai, v in els if ai == "01")
        other = gt[:-2] + str((int(gt[-2]) + 1) % 10)
        els.append(("01", other + _check_digit(other)))
    return els, ("double_gs" if how == "double_gs" else None)


def _classify(text: str, hri: bool) -> None:
    ours, code = _ours(text)
    theirs = _biip(text, hri)
    if ours is not None and theirs is not None:
        assert ours == theirs, f"both accept {text!r} but read it differently"
        return
    if ours is None and theirs is None:
        return
    if ours is None:
        assert code in BIIP_GAPS, f"trace_std rejects {text!r} with {code}, biip accepts: undocumented"
        return
    if any(ai == "7007" and len(value) == 12 for ai, value in ours):
        return  # documented biip bug: a 7007 harvest-date range is read as a date-time and rejected
    pytest.fail(f"trace_std accepts {text!r}, biip rejects it: undocumented disagreement")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(produce_elements(), st.sampled_from(MUTATIONS), st.booleans())
def test_differential_element_strings(elements: list[tuple[str, str]], how: str, hri: bool) -> None:
    els, extra = _mutate(elements, how)
    if hri:
        text = _hri(els)
    else:
        text = _raw(els)
        if extra == "double_gs":
            # put a doubled separator after the first variable-length value that has a successor
            for i, (ai, _value) in enumerate(els[:-1]):
                if not ai.startswith(PREDEFINED_PREFIXES):
                    text = _raw(els[: i + 1]) + GS + GS + _raw(els[i + 1 :])
                    break
    _classify(text, hri)


@settings(max_examples=150, deadline=None)
@given(produce_elements())
def test_differential_valid_strings_agree_exactly(elements: list[tuple[str, str]]) -> None:
    for text, hri in ((_hri(elements), True), (_raw(elements), False)):
        ours, code = _ours(text)
        assert code is None, (text, code)
        assert ours == elements
        if not any(ai == "7007" and len(v) == 12 for ai, v in elements):  # biip bug, see module doc
            assert _biip(text, hri) == elements


def _dl(elements: list[tuple[str, str]]) -> str:
    from urllib.parse import quote

    path = [("01", next(v for ai, v in elements if ai == "01"))]
    for q in ("22", "10", "21"):
        path += [(ai, v) for ai, v in elements if ai == q]
    rest = [(ai, v) for ai, v in elements if (ai, v) not in path]
    uri = "https://example.com" + "".join(f"/{ai}/{quote(v, safe='')}" for ai, v in path)
    if rest:
        uri += "?" + "&".join(f"{ai}={quote(v, safe='')}" for ai, v in rest)
    return uri


@settings(max_examples=150, deadline=None)
@given(produce_elements())
def test_differential_digital_links(elements: list[tuple[str, str]]) -> None:
    from trace_std.gs1.digital_link import parse_digital_link

    uri = _dl(elements)
    ours = sorted(parse_digital_link(uri).elements)
    try:
        theirs = sorted(
            (es.ai.ai, es.value)
            for es in biip_dl.GS1DigitalLinkURI.parse(uri).as_gs1_message().element_strings
        )
    except Exception:  # biip raises several types; only acceptable for the documented 7007 bug
        theirs = None
    assert ours == sorted(elements)
    if not any(ai == "7007" and len(v) == 12 for ai, v in elements):  # biip bug, see module doc
        assert theirs == ours
