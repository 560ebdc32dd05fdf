"""Bridge to the codes and GS1 libraries: canonical codes, province/commune resolution, GTINs."""

from __future__ import annotations

import dataclasses
import datetime as dt
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


def resolve_code(text: str, *, as_of: dt.date | None = None) -> ResolvedCode:
    """Normalise ``text`` with :func:`trace_std.codes.parse_code` (raises ``TraceStdError``)."""
    try:
        from trace_std.codes import parse_code
    except ImportError:  # pragma: no cover - until trace_std.codes lands
        return _fallback(text)
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


_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")


def _fallback(text: str) -> ResolvedCode:  # pragma: no cover - until trace_std.codes lands
    import re
    import unicodedata

    if not isinstance(text, str):
        raise TypeError("value must be str")
    norm = "".join(unicodedata.normalize("NFKC", text).translate(_DASHES).split()).upper()
    m = re.fullmatch(r"VN-([A-Z]{2,3})(OR|PH)-?([0-9]{3,4})", norm)
    if m:
        kind = "puc" if m.group(2) == "OR" else "phc"
        return ResolvedCode(f"VN-{m.group(1)}{m.group(2)}-{m.group(3)}", kind, "export")
    m = re.fullmatch(r"VN-([0-9]{2})-([0-9]{3})-([0-9]{5})-([0-9]{2,})-([0-9]{2})", norm)
    if m:
        return ResolvedCode(norm, "puc", "domestic-3156", province_code=m.group(1), commune_code=m.group(3))
    raise TraceStdError.from_code(ErrorCode.INPUT_UNRECOGNISED, f"not a code: {text!r}", span=(0, len(text)))


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
