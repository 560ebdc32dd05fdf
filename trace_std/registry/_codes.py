"""Bridge to the codes and GS1 libraries: canonical codes, province/commune resolution, GTINs."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError

__all__ = ["ResolvedCode", "canonical_code", "gtin14", "resolve_code"]


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
    """Normalise ``text`` with :func:`trace_std.codes.parse_code` (raises ``TraceStdError``).

    Hot path (an import resolves one code per row): a canonical domestic PUC that the codes
    library's fast path accepts (issued 2000–2024, units nesting in the 2004 table) takes the
    province and commune of the first code resolved in full with the same ``VN-PP-DDD-CCCCC``
    prefix (at most one per commune); the rest of the code (facility, year) derives nothing.
    """
    if as_of is None and text.__class__ is str:
        if not _FAST:
            _FAST.extend(_fast_path())
        match, confirm, prefix_end = _FAST
        m = match(text)
        if m is not None and m.lastgroup is not None and confirm(text):
            prefix = text[:prefix_end]
            template = _DOMESTIC.get(prefix)
            if template is None:
                template = _resolve(text, None)
                if template.canonical != text:  # pragma: no cover - the fast path only accepts canonical
                    return template
                _DOMESTIC[prefix] = template
            if template.canonical == text:
                return template
            t = template
            return ResolvedCode(
                text, t.kind, t.scheme, t.province_code, t.province_name, t.commune_code, t.commune_name
            )
    return _resolve(text, as_of)


def canonical_code(text: str) -> str:
    """The canonical form of a code in any accepted spelling (raises ``TraceStdError`` like
    :func:`resolve_code`), for a lookup that needs nothing else.

    A code the codes library's fast path accepts is canonical already: no parse, and none of the
    province and commune names :func:`resolve_code` derives (a lookup of a code from a commune not seen
    before cost a full parse there).
    """
    if text.__class__ is str:
        if not _FAST:
            _FAST.extend(_fast_path())
        match, confirm, _end = _FAST
        m = match(text)
        if m is not None and (m.lastgroup is None or confirm(text)):
            return text
    return resolve_code(text).canonical


_DOMESTIC: dict[str, ResolvedCode] = {}  # "VN-PP-DDD-CCCCC" → a code resolved in full
_FAST: list[Any] = []  # (match, confirm, end of the prefix), built on first use


def _fast_path() -> tuple[Any, Any, int]:
    """The codes library's fast path for canonical PUCs and PHCs (the domestic scheme is the one
    alternative with a marker group) and where the commune segment ends."""
    from trace_std.codes import _engine

    match, confirm = _engine.fast_path(frozenset({"puc", "phc"}))
    return match, confirm, _engine._DOMESTIC_KEY.stop


@functools.lru_cache(maxsize=8192)
def _resolve(text: str, as_of: dt.date | None) -> ResolvedCode:
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
