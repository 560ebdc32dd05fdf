"""Element-string helpers shared by the renderers.

The GS1 encoders (``trace_std.gs1.element_string``) and AI table (``trace_std.gs1.ai``) are
used when present. The predefined-length AI prefixes below are GS1's published list (General
Specifications, "element strings with predefined length using GS1 Application Identifiers":
00, 01, 02, 03, 04, 11-20, 31-36, 41) and serve only when the AI table cannot be loaded.

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


def raw_string(elements: Sequence[tuple[str, str]]) -> str:
    """The element string as transmitted by a scanner (GS after variable-length values)."""
    encode = _optional("trace_std.gs1.element_string", "encode_element_string")
    if encode is not None:
        return str(encode(elements, form="raw"))
    parts: list[str] = []
    for i, (ai, value) in enumerate(elements):
        parts.append(ai + value)
        if i < len(elements) - 1 and not is_predefined(ai):
            parts.append(GS)
    return "".join(parts)


def hri_string(elements: Sequence[tuple[str, str]]) -> str:
    """The human-readable interpretation, AIs in brackets."""
    encode = _optional("trace_std.gs1.element_string", "encode_element_string")
    if encode is not None:
        return str(encode(elements, form="hri"))
    return "".join(f"({ai}){value}" for ai, value in elements)
