"""GS1 Application Identifiers: the table and the validation of ``(ai, value)`` sequences.

The table is generated from the GS1 Barcode Syntax Dictionary (``scripts/gen_gs1_ai.py`` writes
``trace_std/data/gs1_ai.json``). :func:`ai_info` gives one AI's entry; :func:`validate_elements`
applies every rule of the dictionary to a sequence of ``(ai, value)`` pairs:

* each value against its AI's components (type ``N``/``X``/``Y``/``Z``, lengths, optional
  components) and linters (check digits, dates, code lists...);
* the ``req`` associations (one alternative of each rule must be present, ``+`` = all of a group)
  and the ``ex`` exclusions (an AI never excludes itself);
* a repeated AI must repeat the same value;
* a digital signature (8030) over a GDTI (253), GCN (255) or GRAI (8003) needs that key's serial
  component.

>>> ai_info("01").title, ai_info("01").predefined_length, ai_info("10").predefined_length
('GTIN', True, False)
>>> ai_info("3103").components[0].type, ai_info("3106") is None
('N', True)
>>> ai_length_from_prefix("31"), ai_length_from_prefix("70"), ai_length_from_prefix("05")
(4, 4, None)
>>> validate_elements([("01", "09501101530003"), ("10", "ABC")])
[]
>>> [(e.code, e.context["ai"]) for e in validate_elements([("10", "ABC")])]
[('gs1.pair.required', '10')]
>>> [(e.code, e.span) for e in validate_elements([("01", "09501101530004")], spans=[(4, 18)])]
[('gs1.lint.csum', (17, 18))]
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, Final

from trace_std.data import data_version, load
from trace_std.errors import ErrorCode, TraceStdError
from trace_std.gs1.linters import CSET82, LINT_CODES, LINT_MESSAGES, LINTERS, withdrawn_currency

__all__ = [
    "AIInfo",
    "Component",
    "ai_info",
    "ai_length_from_prefix",
    "all_ais",
    "data_version_string",
    "elements_valid",
    "matches_pattern",
    "predefined_length",
    "validate_elements",
    "validate_value",
    "value_warnings",
]

Problem = tuple[str, int, int, dict[str, Any]]
"""A value-level problem: (code, start, end, context) with positions inside the value."""

_DIGITS: Final = "0123456789"


@dataclasses.dataclass(frozen=True, slots=True)
class Component:
    """One component of an AI's format: ``type`` N (digits), X (CSET 82), Y (CSET 39) or Z (CSET 64)."""

    type: str
    min: int
    max: int
    optional: bool
    linters: tuple[str, ...]


@dataclasses.dataclass(frozen=True, slots=True)
class AIInfo:
    """One Application Identifier as described by the GS1 Barcode Syntax Dictionary.

    ``req``: rules that must all hold; each rule is a tuple of alternatives, each alternative a
    tuple of AIs/patterns (``n`` = any digit) that must all be present. ``ex``: AIs/patterns that
    must not be present. ``dlpkey``: ``None`` unless the AI is a Digital Link primary key, else the
    alternative qualifier sequences (``((),)`` = no qualifiers).
    """

    ai: str
    title: str
    predefined_length: bool
    dl_attribute: bool
    spec: str
    components: tuple[Component, ...]
    req: tuple[tuple[tuple[str, ...], ...], ...]
    ex: tuple[str, ...]
    dlpkey: tuple[tuple[str, ...], ...] | None

    @property
    def fnc1_required(self) -> bool:
        """Whether a separator (FNC1/GS) must follow the value when another AI follows."""
        return not self.predefined_length

    @property
    def min_length(self) -> int:
        return sum(c.min for c in self.components if not c.optional)

    @property
    def max_length(self) -> int:
        return sum(c.max for c in self.components)

    @property
    def is_dl_primary_key(self) -> bool:
        return self.dlpkey is not None


@cache
def _table() -> dict[str, AIInfo]:
    out: dict[str, AIInfo] = {}
    for rec in load("gs1_ai")["records"]:
        comps = tuple(
            Component(c["type"], c["min"], c["max"], c["optional"], tuple(c["linters"]))
            for c in rec["components"]
        )
        dlpkey = None if rec["dlpkey"] is None else tuple(tuple(q) for q in rec["dlpkey"])
        out[rec["ai"]] = AIInfo(
            ai=rec["ai"],
            title=rec["title"],
            predefined_length=rec["predefined_length"],
            dl_attribute=rec["dl_attribute"],
            spec=rec["spec"],
            components=comps,
            req=tuple(tuple(tuple(alt) for alt in rule) for rule in rec["req"]),
            ex=tuple(rec["ex"]),
            dlpkey=dlpkey,
        )
    return out


@cache
def _prefix_lengths() -> dict[str, int]:
    lengths: dict[str, int] = load("gs1_ai")["ai_length_by_prefix"]
    return lengths


@cache
def _predefined_prefixes() -> dict[str, int]:
    table: dict[str, int] = load("gs1_ai")["predefined_length_prefixes"]
    return table


def ai_info(ai: str) -> AIInfo | None:
    """The dictionary entry of ``ai`` (e.g. ``"01"``, ``"3103"``), or ``None`` if unknown."""
    if not isinstance(ai, str):
        raise TypeError(f"ai must be str, not {type(ai).__name__}")
    return _table().get(ai)


def all_ais() -> list[str]:
    """Every AI in the table, sorted."""
    return sorted(_table())


def ai_length_from_prefix(prefix: str) -> int | None:
    """The length of the AIs starting with the two digits ``prefix`` (only the first two count).

    ``None`` when no assigned AI starts with that prefix.
    """
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be str, not {type(prefix).__name__}")
    return _prefix_lengths().get(prefix[:2])


def predefined_length(ai: str) -> int | None:
    """The predefined data length of ``ai`` from GS1's predefined-length prefix table, or ``None``.

    Covers reserved prefixes too (``04`` -> 16, ``14`` -> 6...). An AI with a predefined length
    never needs a separator after its value.
    """
    if not isinstance(ai, str):
        raise TypeError(f"ai must be str, not {type(ai).__name__}")
    return _predefined_prefixes().get(ai[:2])


def data_version_string() -> str:
    """``"gs1_ai@<version>"`` for ``Report.data_versions``."""
    return data_version("gs1_ai")


def matches_pattern(ai: str, pattern: str) -> bool:
    """Whether ``ai`` matches a dictionary pattern (``n`` stands for any digit).

    >>> matches_pattern("3103", "310n"), matches_pattern("3203", "310n"), matches_pattern("01", "01")
    (True, False, True)
    """
    if len(ai) != len(pattern):
        return False
    return all(p == "n" or p == a for a, p in zip(ai, pattern, strict=True))


# -- per-AI value validators -----------------------------------------------------

_CHARSET_LINTER: Final = {"X": "cset82", "Y": "cset39", "Z": "cset64"}


def _first_non_digit(s: str) -> int:
    return next((i for i, c in enumerate(s) if c not in _DIGITS), 0)


def _linter_chain(comp: Component) -> tuple[tuple[str, Callable[[str], tuple[int, int] | None]], ...]:
    names = list(comp.linters)
    cset = _CHARSET_LINTER.get(comp.type)
    if cset is not None:
        names.insert(0, cset)
    return tuple((LINT_CODES[n], LINTERS[n]) for n in names)


def _diagnoser(comps: tuple[Component, ...]) -> Callable[[str], Problem | None]:
    """The full check of a value: the first problem with its position (used on the error path)."""
    steps = tuple((c, _linter_chain(c)) for c in comps)
    lo = sum(c.min for c in comps if not c.optional)
    hi = sum(c.max for c in comps)
    length_code = str(ErrorCode.GS1_VALUE_LENGTH)
    char_code = str(ErrorCode.GS1_VALUE_CHARACTER)
    single = len(comps) == 1

    def check(value: str) -> Problem | None:
        n = len(value)
        if n < lo or n > hi:
            start = hi if n > hi else 0
            return (length_code, start, n, {"min": lo, "max": hi, "actual": n})
        pos = 0
        for index, (comp, chain) in enumerate(steps):
            if pos >= n and comp.optional:
                break
            if comp.min == comp.max:
                end = pos + comp.max
                if end > n:
                    return (length_code, 0, n, {"min": lo, "max": hi, "actual": n})
            else:
                end = n
            part = value[pos:end]
            if comp.type == "N" and not (part.isdigit() and part.isascii()):
                i = pos + _first_non_digit(part)
                return (char_code, i, i + 1, {"expected": "digit"})
            for code, fn in chain:
                bad = fn(part)
                if bad is not None:
                    return (code, pos + bad[0], pos + bad[1], {} if single else {"component": index})
            pos = end
        if pos < n:  # pragma: no cover - the length bounds already exclude this
            return (length_code, pos, n, {"min": lo, "max": hi, "actual": n})
        return None

    return check


def _fast_predicate(
    comps: tuple[Component, ...], diagnose: Callable[[str], Problem | None]
) -> Callable[[str], bool]:
    """A quick yes/no check of a value, specialised for the common single-component shapes."""
    if len(comps) != 1:
        return lambda value: diagnose(value) is None
    comp = comps[0]
    lo, hi = comp.min, comp.max
    fns = tuple(LINTERS[n] for n in comp.linters)
    if comp.type == "N":
        if not fns:

            def ok_n(value: str) -> bool:
                return lo <= len(value) <= hi and value.isdigit() and value.isascii()

            return ok_n
        if len(fns) == 1:
            (f1,) = fns

            def ok_n1(value: str) -> bool:
                return lo <= len(value) <= hi and value.isdigit() and value.isascii() and f1(value) is None

            return ok_n1
        if len(fns) == 2:
            f1, f2 = fns

            def ok_n2(value: str) -> bool:
                return (
                    lo <= len(value) <= hi
                    and value.isdigit()
                    and value.isascii()
                    and f1(value) is None
                    and f2(value) is None
                )

            return ok_n2
    if comp.type == "X" and not fns:

        def ok_x(value: str) -> bool:
            return lo <= len(value) <= hi and not value.strip(CSET82)

        return ok_x
    return lambda value: diagnose(value) is None


_VALIDATORS: dict[str, Callable[[str], bool]] = {}
_COMPILE_LOCK: Final = threading.Lock()
_DIAGNOSERS: dict[str, Callable[[str], Problem | None]] = {}


def _compile_all() -> dict[str, Callable[[str], bool]]:
    """Build the fast predicate and the diagnoser of every AI (once, on first use).

    Both tables are filled in one step each (diagnosers first), so a thread never sees a
    partly built table: readers test ``_VALIDATORS`` for emptiness.
    """
    if not _VALIDATORS:
        with _COMPILE_LOCK:
            if not _VALIDATORS:
                diagnosers = {ai: _diagnoser(info.components) for ai, info in _table().items()}
                predicates = {
                    ai: _fast_predicate(info.components, diagnosers[ai]) for ai, info in _table().items()
                }
                _DIAGNOSERS.update(diagnosers)
                _VALIDATORS.update(predicates)
    return _VALIDATORS


def _diagnose(ai: str, value: str) -> Problem | bool | None:
    """The problem of ``value`` for ``ai``; ``False`` when the AI is unknown."""
    fn = _DIAGNOSERS.get(ai)
    if fn is None:
        _compile_all()
        fn = _DIAGNOSERS.get(ai)
        if fn is None:
            return False
    return fn(value)


def validate_value(ai: str, value: str) -> Problem | None:
    """The first problem of ``value`` as the data of ``ai``: ``(code, start, end, context)``.

    Positions are inside ``value``. ``None`` when the value is valid. Unknown AIs give
    ``gs1.ai.unknown`` over the whole value.

    >>> validate_value("17", "250231")
    ('gs1.lint.yymmd0', 4, 6, {})
    >>> validate_value("422", "704") is None
    True
    """
    if not isinstance(ai, str) or not isinstance(value, str):
        raise TypeError("ai and value must be str")
    problem = _diagnose(ai, value)
    if problem is False:
        return (str(ErrorCode.GS1_AI_UNKNOWN), 0, len(value), {})
    assert problem is not True
    return problem


@cache
def _currency_components() -> dict[str, tuple[int, int]]:
    """AI → (start, length) of its fixed-position ISO 4217 component."""
    found: dict[str, tuple[int, int]] = {}
    for ai, info in _table().items():
        pos = 0
        for comp in info.components:
            if "iso4217" in comp.linters and comp.min == comp.max:
                found[ai] = (pos, comp.max)
            if comp.min != comp.max:
                break
            pos += comp.max
    return found


def value_warnings(ai: str, value: str) -> list[Problem]:
    """Warnings about a value that passes: an ISO 4217 currency code withdrawn in a recent edition
    of the list (accepted by the ``iso4217`` linter, reported as a ``gs1.lint.iso4217`` warning).

    >>> value_warnings("3911", "9751234")
    [('gs1.lint.iso4217', 0, 3, {'alpha_3': 'BGN', 'withdrawn': '2026-01-01', 'replaced_by': 'EUR'})]
    >>> value_warnings("3911", "9781234")
    []
    """
    where = _currency_components().get(ai)
    if where is None:
        return []
    start, length = where
    record = withdrawn_currency(value[start : start + length])
    if record is None:
        return []
    context = {
        "alpha_3": record["alpha_3"],
        "withdrawn": record["withdrawn"],
        "replaced_by": record["replaced_by"],
    }
    return [(LINT_CODES["iso4217"], start, start + length, context)]


# -- associations ------------------------------------------------------------------


def _compile_patterns(patterns: Sequence[str]) -> Callable[[frozenset[str]], list[str]]:
    """A function giving the present AIs that match any of ``patterns``."""
    exact = frozenset(p for p in patterns if "n" not in p)
    wild = tuple(p for p in patterns if "n" in p)

    def present_matches(present: frozenset[str]) -> list[str]:
        found = [a for a in present if a in exact]
        if wild:
            found.extend(a for a in present if any(matches_pattern(a, p) for p in wild) and a not in exact)
        return sorted(found)

    return present_matches


def _any_present(pattern: str, present: frozenset[str]) -> bool:
    if "n" not in pattern:
        return pattern in present
    return any(matches_pattern(a, pattern) for a in present)


@cache
def _association_rules(
    ai: str,
) -> tuple[tuple[tuple[tuple[str, ...], ...], ...], Callable[[frozenset[str]], list[str]]]:
    info = _table()[ai]
    return info.req, _compile_patterns(info.ex)


_ASSOC_CACHE: dict[frozenset[str], tuple[tuple[str, str, dict[str, Any]], ...]] = {}
_ASSOC_CACHE_MAX: Final = 4096


def _associations(present: frozenset[str]) -> tuple[tuple[str, str, dict[str, Any]], ...]:
    """``(ai, code, context)`` for every req/ex violation among the known AIs in ``present``."""
    hit = _ASSOC_CACHE.get(present)
    if hit is not None:
        return hit
    table = _table()
    out: list[tuple[str, str, dict[str, Any]]] = []
    for ai in sorted(present):
        if ai not in table:
            continue
        req, ex_matches = _association_rules(ai)
        for rule in req:
            if not any(all(_any_present(p, present) for p in alt) for alt in rule):
                out.append(
                    (ai, str(ErrorCode.GS1_PAIR_REQUIRED), {"required": ["+".join(alt) for alt in rule]})
                )
        excluded = [a for a in ex_matches(present) if a != ai]
        if excluded:
            out.append((ai, str(ErrorCode.GS1_PAIR_EXCLUDED), {"excluded": excluded}))
    result = tuple(out)
    if len(_ASSOC_CACHE) >= _ASSOC_CACHE_MAX:
        _ASSOC_CACHE.clear()
    _ASSOC_CACHE[present] = result
    return result


# Keys whose serial component must be present when a digital signature (8030) is: the length of
# the value without the optional serial component.
_DIGSIG_SERIAL_BASE: Final = {"253": 13, "255": 13, "8003": 14}


def _error(
    code: str,
    span: tuple[int, int] | None,
    field: str | None,
    context: dict[str, Any],
) -> TraceStdError:
    err = TraceStdError.from_code(
        ErrorCode(code), _MESSAGES.get(code, code), span=span, field=field, context=context
    )
    return err


_MESSAGES: Final[dict[str, str]] = {
    str(ErrorCode.GS1_AI_UNKNOWN): "unknown Application Identifier",
    str(ErrorCode.GS1_AI_MALFORMED): "an Application Identifier is 2 to 4 digits",
    str(ErrorCode.GS1_AI_REPEATED): "the AI is repeated with a different value",
    str(ErrorCode.GS1_PAIR_REQUIRED): "the AI requires another AI that is missing",
    str(ErrorCode.GS1_PAIR_EXCLUDED): "the AI may not be used together with another AI present",
    str(ErrorCode.GS1_DIGSIG_SERIAL): "a digital signature (8030) needs the serial component of the key",
    str(ErrorCode.GS1_VALUE_LENGTH): "the value has the wrong length for this AI",
    str(ErrorCode.GS1_VALUE_CHARACTER): "the value has a non-digit where a digit is required",
}
for _name, _code in LINT_CODES.items():
    _MESSAGES[_code] = LINT_MESSAGES[_name]


def _associations_ok(elements: Sequence[tuple[str, str]], ais: Sequence[str]) -> bool:
    """Repeats, req/ex and the DigSig rule for known AIs, building no error objects."""
    present = frozenset(ais)
    if len(present) != len(ais) and len({(ai, value) for ai, value in elements}) != len(present):
        return False
    assoc = _ASSOC_CACHE.get(present)
    if assoc is None:
        assoc = _associations(present)
    if assoc:
        return False
    if "8030" in present:
        for ai, value in elements:
            base = _DIGSIG_SERIAL_BASE.get(ai)
            if base is not None and len(value) <= base:
                return False
    return True


def elements_valid(elements: Sequence[tuple[str, str]]) -> bool:
    """Whether ``validate_elements(elements)`` would find nothing, decided without building errors.

    The fast path for callers that only need a yes/no (and then ask :func:`validate_elements`
    for the details when the answer is no).

    >>> elements_valid([("01", "09501101530003"), ("10", "A1")]), elements_valid([("10", "A1")])
    (True, False)
    """
    validators = _VALIDATORS or _compile_all()
    ais: list[str] = []
    for pair in elements:
        ai, value = pair
        if not isinstance(ai, str) or not isinstance(value, str):
            raise TypeError("elements must be (ai, value) pairs of str")
        ok = validators.get(ai)
        if ok is None or not ok(value):
            return False
        ais.append(ai)
    return _associations_ok(elements, ais)


def validate_elements(
    elements: Sequence[tuple[str, str]],
    *,
    spans: Sequence[tuple[int, int]] | None = None,
    ai_spans: Sequence[tuple[int, int]] | None = None,
    check_associations: bool = True,
    origin: str = "element_string",
) -> list[TraceStdError]:
    """Every problem of a sequence of ``(ai, value)`` pairs, in input order then association order.

    ``spans[i]`` is the half-open position of element *i*'s value in the caller's input; value
    errors are shifted into it. ``ai_spans[i]`` (optional) is the position of the AI itself, so
    element-level errors (unknown AI, req/ex, repeats) cover AI and value. Without ``spans``,
    positions are inside each value and ``field`` is ``elements[i]``. Each error carries the AI in
    ``context["ai"]`` and ``origin`` in ``context["origin"]``.

    ``check_associations=False`` skips ``req`` (but never ``ex``, repeats, or the DigSig rule,
    which GS1's reference engine also always applies).
    """
    errors: list[TraceStdError] = []
    n = len(elements)
    if spans is not None and len(spans) != n:
        raise ValueError("spans must have one entry per element")
    if ai_spans is not None and len(ai_spans) != n:
        raise ValueError("ai_spans must have one entry per element")

    def element_span(i: int) -> tuple[int, int] | None:
        if spans is None:
            return None
        if ai_spans is not None:
            return (ai_spans[i][0], spans[i][1])
        return spans[i]

    def field_of(i: int) -> str | None:
        return None if spans is not None else f"elements[{i}]"

    seen: dict[str, tuple[int, str]] = {}
    for i, pair in enumerate(elements):
        ai, value = pair
        if not isinstance(ai, str) or not isinstance(value, str):
            raise TypeError("elements must be (ai, value) pairs of str")
        problem = _diagnose(ai, value)
        if problem is False:
            unknown = 2 <= len(ai) <= 4 and ai.isascii() and ai.isdigit()
            bad_ai = ErrorCode.GS1_AI_UNKNOWN if unknown else ErrorCode.GS1_AI_MALFORMED
            errors.append(_error(str(bad_ai), element_span(i), field_of(i), {"ai": ai, "origin": origin}))
            continue
        if problem is not None:
            assert problem is not True
            code, start, end, ctx = problem
            span = (start, end) if spans is None else (spans[i][0] + start, spans[i][0] + end)
            errors.append(_error(code, span, field_of(i), {"ai": ai, "origin": origin, **ctx}))
        previous = seen.get(ai)
        if previous is None:
            seen[ai] = (i, value)
        elif previous[1] != value:
            errors.append(
                _error(
                    str(ErrorCode.GS1_AI_REPEATED),
                    element_span(i),
                    field_of(i),
                    {"ai": ai, "origin": origin, "first": previous[0]},
                )
            )
    table = _table()
    present = frozenset(ai for ai in seen if ai in table)
    if "8030" in present:
        for i, (ai, value) in enumerate(elements):
            base = _DIGSIG_SERIAL_BASE.get(ai)
            if base is not None and len(value) <= base:
                errors.append(
                    _error(
                        str(ErrorCode.GS1_DIGSIG_SERIAL),
                        element_span(i),
                        field_of(i),
                        {"ai": ai, "origin": origin},
                    )
                )
    for ai, rule_code, ctx in _associations(present):
        if not check_associations and rule_code == ErrorCode.GS1_PAIR_REQUIRED:
            continue
        i = seen[ai][0]
        errors.append(_error(rule_code, element_span(i), field_of(i), {"ai": ai, "origin": origin, **ctx}))
    return errors
