"""Element-string helpers shared by the renderers.

The GS1 AI table and validator (``trace_std.gs1.ai``) and Digital Link builder
(``trace_std.gs1.digital_link``) are used when present. The predefined-length AI prefixes below
are GS1's published list (General Specifications, "element strings with predefined length
using GS1 Application Identifiers": 00, 01, 02, 03, 04, 11-20, 31-36, 41) and serve only when
the AI table cannot be loaded.

>>> raw_string([("01", "18935234567892"), ("10", "DF2503A"), ("13", "250310")])
'011893523456789210DF2503A\\x1d13250310'
>>> hri_string([("01", "18935234567892"), ("10", "DF2503A")])
'(01)18935234567892(10)DF2503A'
>>> is_predefined("3103"), is_predefined("10")
(True, False)
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Sequence
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError

Elements = tuple[tuple[str, str], ...]

GS = "\x1d"
_PREDEFINED_PREFIXES = frozenset(
    ["00", "01", "02", "03", "04", *(str(n) for n in range(11, 21)), *(str(n) for n in range(31, 37)), "41"]
)


def as_elements(elements: Sequence[tuple[str, str]]) -> Elements:
    """Check the argument types and return the elements as a tuple of pairs."""
    if isinstance(elements, (str, bytes)):
        raise TypeError("elements must be a sequence of (ai, value) pairs, not a string")
    out: list[tuple[str, str]] = []
    for pair in elements:
        ai, value = pair
        if not isinstance(ai, str) or not isinstance(value, str):
            raise TypeError("every element must be a pair of str (ai, value)")
        out.append((ai, value))
    if not out:
        raise TraceStdError.from_code(ErrorCode.RENDER_ELEMENTS_EMPTY, "nothing to encode: no elements")
    return tuple(out)


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    try:
        func: Callable[..., Any] = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    return func


@functools.lru_cache(maxsize=1024)
def is_predefined(ai: str) -> bool:
    """Whether ``ai`` has a predefined length (needs no FNC1 separator after its value)."""
    ai_info = _optional("trace_std.gs1.ai", "ai_info")
    if ai_info is not None:
        info = ai_info(ai)
        if info is not None:
            return bool(info.predefined_length)
    return ai[:2] in _PREDEFINED_PREFIXES


def check_elements(elements: Sequence[tuple[str, str]]) -> None:
    """Raise the first problem ``trace_std.gs1.ai.validate_elements`` finds (every GS1 rule)."""
    validate = _optional("trace_std.gs1.ai", "validate_elements")
    if validate is not None:
        errors = validate(list(elements), origin="elements")
        if errors:
            raise errors[0]


def raw_string(elements: Sequence[tuple[str, str]]) -> str:
    """The element string as transmitted by a scanner (GS after variable-length values).

    Formatting only: the elements are validated once, as a whole, by :func:`check_elements`
    (one symbol of a split pair may legitimately miss an AI that the other carries).
    """
    parts: list[str] = []
    for i, (ai, value) in enumerate(elements):
        parts.append(ai + value)
        if i < len(elements) - 1 and not is_predefined(ai):
            parts.append(GS)
    return "".join(parts)


def hri_string(elements: Sequence[tuple[str, str]]) -> str:
    """The printed human-readable interpretation: each AI in brackets, then its value as is.

    (The bracketed *syntax* of ``trace_std.gs1.element_string`` escapes brackets inside values;
    printed HRI does not.)
    """
    return "".join(f"({ai}){value}" for ai, value in elements)


DEFAULT_RESOLVER = "https://id.gs1.org"


def digital_link(elements: Sequence[tuple[str, str]], stem: str = DEFAULT_RESOLVER) -> str:
    """A GS1 Digital Link URI of ``elements`` on the resolver ``stem``.

    Built by ``trace_std.gs1.digital_link.build_digital_link``; elements that a Digital Link
    cannot carry (neither key, key qualifier nor data attribute) are left out first.

    >>> digital_link([("01", "18935234567892"), ("10", "DF25/03"), ("13", "250310")], "https://id.example.vn")
    'https://id.example.vn/01/18935234567892/10/DF25%2F03?13=250310'
    """
    carried = _dl_carried(elements)
    build = _optional("trace_std.gs1.digital_link", "build_digital_link")
    if build is not None:
        return str(build(carried, stem=stem))
    return _fallback_digital_link(carried, stem)


def _dl_carried(elements: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    ai_info = _optional("trace_std.gs1.ai", "ai_info")
    if ai_info is None:
        return list(elements)
    key = next((ai for ai, _ in elements if getattr(ai_info(ai), "dlpkey", None)), None)
    qualifiers: set[str] = set()
    if key is not None:
        for alternative in ai_info(key).dlpkey:
            qualifiers.update(alternative)
    out = []
    for ai, value in elements:
        info = ai_info(ai)
        if ai == key or ai in qualifiers or (info is not None and info.dl_attribute):
            out.append((ai, value))
    return out


def _fallback_digital_link(elements: Sequence[tuple[str, str]], stem: str) -> str:
    # Used only until trace_std.gs1.digital_link is installed: key, then (22)(10)(21) in the
    # path, every other element as a query attribute in the given order.
    from urllib.parse import quote

    key_ais = ("01", "00", "414", "417", "8003", "8004", "253", "255", "8006", "8010", "8013", "8017", "8018")
    key = next((e for e in elements if e[0] in key_ais), None)
    if key is None:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_ELEMENTS_EMPTY, "no GS1 primary key for a Digital Link"
        )
    path = [key] + [e for q in ("22", "10", "21") for e in elements if e[0] == q and key[0] == "01"]
    query = [e for e in elements if e not in path]
    uri = stem.rstrip("/") + "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in path)
    if query:
        uri += "?" + "&".join(f"{ai}={quote(value, safe='')}" for ai, value in query)
    return uri
