"""Bridge to the codes and GS1 libraries: canonical codes, province/commune resolution, GTINs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError

__all__ = ["ResolvedCode", "gtin14", "resolve_code"]


@dataclasses.dataclass(frozen=True, slots=True)
class ResolvedCode:
    canonical: str
    kind: str
    scheme: str
    province_code: str | None = None
    province_name: str | None = None
    commune_code: str | None = None
    commune_name: str | None = None


def _str_attr(obj: Any, *names: str) -> str | None:
    for name in names:
        value = getattr(obj, name, None)
        if isinstance(value, str) and value:
            return value
    segments = getattr(obj, "segments", None)
    if isinstance(segments, dict):
        for name in names:
            value = segments.get(name)
            if isinstance(value, str) and value:
                return value
    return None


@functools.lru_cache(maxsize=8192)
def resolve_code(text: str, *, as_of: dt.date | None = None) -> ResolvedCode:
    """Normalise ``text`` with :func:`trace_std.codes.parse_code` (raises ``TraceStdError``)."""
    from trace_std.codes import parse_code

    parsed: Any = parse_code(text, as_of=as_of) if as_of is not None else parse_code(text)
    kind = str(parsed.kind)
    return ResolvedCode(
        canonical=str(parsed.canonical),
        kind=kind,
        scheme=str(getattr(parsed, "scheme", None) or kind),
        province_code=_str_attr(parsed, "province_code"),
        province_name=_str_attr(parsed, "province_name"),
        commune_code=_str_attr(parsed, "commune_code", "commune"),
        commune_name=_str_attr(parsed, "commune_name"),
    )


def _check_digit(body: str) -> int:
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin14(text: str) -> str:
    """A GTIN-8/12/13/14 as 14 digits, check digit verified (raises ``TraceStdError``).

    >>> gtin14("8931234500016")
    '08931234500016'
    """
    value = text.strip()
    if not value.isdigit() or not value.isascii() or len(value) not in (8, 12, 13, 14):
        raise TraceStdError.from_code(ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"not a GTIN: {text!r}")
    if _check_digit(value[:-1]) != int(value[-1]):
        raise TraceStdError.from_code(
            ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, f"GTIN check digit does not match: {text!r}"
        )
    return value.zfill(14)
