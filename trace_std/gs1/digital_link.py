"""GS1 Digital Link URIs (GS1 Digital Link: URI Syntax 1.6), uncompressed form.

A Digital Link carries GS1 element strings in a web address::

    scheme://domain[/custom/path]/{key AI}/{value}[/{qualifier AI}/{value}...][?{AI}={value}&...][#fragment]

Rules applied by :func:`parse_digital_link` (each failure has its own ``dl.*`` code and a
span in the URI):

* the scheme is ``http`` or ``https``, all lower or all upper case (``dl.scheme``); the URI
  holds only characters a URI may hold (``dl.character``) and has a host (``dl.host``); a host in
  brackets is an RFC 3986 IP literal, with no IPv6 zone identifier (``%25…``, RFC 6874, which
  RFC 3986 URIs do not have: ``dl.host``);
* exactly one primary key sits in the path, found by walking back from the end of the path in
  (AI, value) pairs; whatever precedes it is a free path prefix (``dl.key.missing``). Key-like
  segments in the prefix are prefix, unless they form a second valid key path (an AI and a value
  valid for it, as in ``/01/<GTIN>/00/<SSCC>``: ``dl.key.multiple``), so the rightmost valid key
  path is the primary key (``/00/faux/00/<SSCC>`` has the prefix ``/00/faux``);
* the key qualifiers follow in the fixed order the AI table gives for that key, one
  alternative sequence only (``dl.ai.unknown``, ``dl.qualifier.invalid``, ``dl.qualifier.order``);
* query parameters with numeric keys are data attributes: a known AI flagged as a Digital Link
  attribute (``dl.query.unknown_ai``, ``dl.query.not_attribute``), never an AI that belongs in the
  path as a qualifier of the key (``dl.query.path_ai``), never an AI given twice
  (``dl.query.duplicate``); parameters with other keys (``linkType``...) and parameters without
  ``=`` are ignored; empty values are invalid (``dl.value.empty``);
* values are percent-decoded: ``+`` is a literal plus in the path and a space in the query,
  ``%00`` is forbidden (``dl.percent.nul``), a malformed escape or non-UTF-8 bytes are rejected
  (``dl.percent.invalid``);
* a GTIN (01) in the path has 14 digits (``dl.gtin.zero_suppressed`` unless
  ``permit_zero_suppressed_gtin=True``, which pads it); convenience alphas such as ``/gtin/``
  are rejected (``dl.convenience_alpha``) unless ``permit_convenience_alphas=True``;
* every element-string rule (formats, check digits, dates, code lists, ``req``/``ex``) applies to
  the decoded AIs through :func:`trace_std.gs1.ai.validate_elements`, with spans mapped back into
  the URI.

Compressed Digital Links are not supported yet.

>>> dl = parse_digital_link("https://example.com/shop/01/18935234567892/10/DF%2F25?17=260310&linkType=gs1:pip")
>>> dl.elements
(('01', '18935234567892'), ('10', 'DF/25'), ('17', '260310'))
>>> dl.canonical()
'https://id.gs1.org/01/18935234567892/10/DF%2F25?17=260310'
>>> dl.with_domain("https://trace.example.vn/dl")
'https://trace.example.vn/dl/01/18935234567892/10/DF%2F25?17=260310'
>>> build_digital_link([("01", "18935234567892"), ("17", "260310"), ("10", "L1")])
'https://id.gs1.org/01/18935234567892/10/L1?17=260310'
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any, Final

from trace_std.errors import ErrorCode, Report, Severity, TraceStdError
from trace_std.gs1 import ai as _ai
from trace_std.gs1.ai import ai_info, elements_valid, validate_elements, validate_value

__all__ = [
    "CANONICAL_STEM",
    "CONVENIENCE_ALPHAS",
    "DigitalLink",
    "build_digital_link",
    "check",
    "digital_link_to_element_string",
    "element_string_to_digital_link",
    "is_digital_link",
    "parse_digital_link",
    "percent_encode",
]

#: Stem of the canonical form (GS1's own resolver domain).
CANONICAL_STEM: Final = "https://id.gs1.org"

#: Deprecated alphabetic aliases of path AIs (GS1 Digital Link 1.1 convenience strings), accepted
#: only with ``permit_convenience_alphas=True``.
CONVENIENCE_ALPHAS: Final[dict[str, str]] = {
    "sscc": "00",
    "gtin": "01",
    "lot": "10",
    "ser": "21",
    "cpv": "22",
    "gdti": "253",
    "glnx": "254",
    "gcn": "255",
    "ginc": "401",
    "gsin": "402",
    "gln": "414",
    "payTo": "415",
    "party": "417",
    "grai": "8003",
    "giai": "8004",
    "itip": "8006",
    "cpid": "8010",
    "cpsn": "8011",
    "gmn": "8013",
    "gsrnp": "8017",
    "gsrn": "8018",
    "srin": "8019",
}

_SCHEMES: Final = frozenset(("http", "https", "HTTP", "HTTPS"))
# Characters that may appear literally in a URI (RFC 3986 unreserved + reserved + "%").
_BAD_CHAR: Final = re.compile(r"[^A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]")
# RFC 3986 IP-literal: an IPv6 address (hex digits, colons, an IPv4 tail) or IPvFuture; no zone.
_IP_LITERAL: Final = re.compile(r"\[(?:[0-9A-Fa-f:.]+|[vV][0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+)\]")
_PORT: Final = re.compile(r"(?::[0-9]*)?")
_UNRESERVED: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_HEX: Final = frozenset("0123456789abcdefABCDEF")
_GTIN_SHORT: Final = frozenset((8, 12, 13))

Span = tuple[int, int]


def _err(code: ErrorCode, message: str, span: Span | None, **context: Any) -> TraceStdError:
    return TraceStdError.from_code(code, message, span=span, context=context)


# -- percent-encoding -------------------------------------------------------------


def percent_encode(value: str) -> str:
    """Escape ``value`` for a Digital Link path segment or query value.

    Unreserved characters (``A-Z a-z 0-9 - . _ ~``) stay as they are; every other character
    becomes ``%XX`` (upper-case hex) of its UTF-8 bytes.

    >>> percent_encode("AB/12+3 x&y")
    'AB%2F12%2B3%20x%26y'
    """
    if all(c in _UNRESERVED for c in value):
        return value
    out: list[str] = []
    for ch in value:
        if ch in _UNRESERVED:
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8"))
    return "".join(out)


def _decode(raw: str, start: int, plus_is_space: bool) -> tuple[str, list[int] | None]:
    """Percent-decode ``raw`` (found at ``start`` in the URI).

    Returns the text and, when it differs from ``raw``, the URI position of every decoded
    character plus one final entry for the end, so spans can be mapped back.
    """
    if "%" not in raw and not (plus_is_space and "+" in raw):
        return raw, None
    chars: list[str] = []
    where: list[int] = []
    i, n = 0, len(raw)
    while i < n:
        ch = raw[i]
        if ch == "+" and plus_is_space:
            chars.append(" ")
            where.append(start + i)
            i += 1
            continue
        if ch != "%":
            chars.append(ch)
            where.append(start + i)
            i += 1
            continue
        # A run of escapes forms UTF-8 bytes.
        run_start = i
        data = bytearray()
        offsets: list[int] = []
        while i < n and raw[i] == "%":
            if i + 2 >= n or raw[i + 1] not in _HEX or raw[i + 2] not in _HEX:
                raise _err(
                    ErrorCode.DL_PERCENT_INVALID,
                    "a % must be followed by two hex digits",
                    (start + i, start + min(i + 3, n)),
                )
            byte = int(raw[i + 1 : i + 3], 16)
            if byte == 0:
                raise _err(
                    ErrorCode.DL_PERCENT_NUL,
                    "%00 is not allowed in a Digital Link",
                    (start + i, start + i + 3),
                )
            offsets.append(i)
            data.append(byte)
            i += 3
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise _err(
                ErrorCode.DL_PERCENT_INVALID,
                "percent-escapes do not form UTF-8 text",
                (start + run_start, start + i),
            ) from None
        # Map each decoded character to the escape that starts it.
        k = 0
        for c in text:
            where.append(start + offsets[k])
            chars.append(c)
            k += len(c.encode("utf-8"))
    where.append(start + n)
    return "".join(chars), where


# -- the result -------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class DigitalLink:
    """A parsed, validated GS1 Digital Link URI.

    ``elements`` are the ``(ai, value)`` pairs in URI order: primary key, key qualifiers, then
    the query's data attributes. ``path_length`` says how many of them sit in the path.
    ``ignored`` holds the query parameters that are not GS1 data (``linkType``...).
    """

    uri: str
    scheme: str
    domain: str
    path_prefix: str
    elements: tuple[tuple[str, str], ...]
    path_length: int
    ignored: tuple[tuple[str, str], ...] = ()
    fragment: str | None = None

    @property
    def primary_key(self) -> tuple[str, str]:
        """The primary key ``(ai, value)``."""
        return self.elements[0]

    @property
    def qualifiers(self) -> tuple[tuple[str, str], ...]:
        """The key qualifiers in the path, in order."""
        return self.elements[1 : self.path_length]

    @property
    def attributes(self) -> tuple[tuple[str, str], ...]:
        """The data attributes of the query string, in URI order."""
        return self.elements[self.path_length :]

    @property
    def stem(self) -> str:
        """``scheme://domain`` plus the custom path prefix, as given."""
        return f"{self.scheme}://{self.domain}{self.path_prefix}"

    def _tail(self) -> str:
        path = "".join(f"/{ai}/{percent_encode(v)}" for ai, v in self.elements[: self.path_length])
        query = "&".join(f"{ai}={percent_encode(v)}" for ai, v in self.attributes)
        return f"{path}?{query}" if query else path

    def canonical(self) -> str:
        """The canonical URI: stem ``https://id.gs1.org``, numeric AIs, 14-digit GTIN, qualifiers in
        order, the data attributes in element-string (input) order, non-GS1 parameters dropped."""
        return CANONICAL_STEM + self._tail()

    def with_domain(self, base: str) -> str:
        """The same GS1 data under another stem (``https://host[/path]``)."""
        return _checked_stem(base) + self._tail()

    def element_string(self, form: str = "hri") -> str:
        """The element string of :attr:`elements`: ``"hri"`` (bracketed) or ``"raw"`` (GS-separated)."""
        from trace_std.gs1.element_string import ElementString

        es = ElementString(self.elements)
        if form == "hri":
            return es.hri()
        if form == "raw":
            return es.raw()
        raise ValueError(f"form must be 'hri' or 'raw', not {form!r}")

    def __str__(self) -> str:
        return self.uri


def _checked_stem(base: str) -> str:
    if not isinstance(base, str):
        raise TypeError(f"base must be str, not {type(base).__name__}")
    scheme, sep, rest = base.partition("://")
    if not sep or scheme not in _SCHEMES:
        raise _err(
            ErrorCode.DL_SCHEME,
            "the stem must start with http:// or https://",
            (0, len(scheme) if sep else len(base)),
        )
    for pos, ch in enumerate(base):
        if ch in "?#" or _BAD_CHAR.match(ch):
            raise _err(ErrorCode.DL_CHARACTER, "the stem may not contain this character", (pos, pos + 1))
    if not rest or rest.startswith("/"):
        raise _err(ErrorCode.DL_HOST, "the stem has no host", (len(scheme) + 3, len(base)))
    return base.rstrip("/")


# -- parsing ----------------------------------------------------------------------


class _Collector:
    """Collects errors (in ``first`` mode raises the first one at once) and warnings: problems
    that an explicit option permits."""

    __slots__ = ("errors", "first", "warnings")

    def __init__(self, first: bool) -> None:
        self.first = first
        self.errors: list[TraceStdError] = []
        self.warnings: list[TraceStdError] = []

    def add(self, err: TraceStdError, *, permitted: bool = False) -> None:
        if permitted:
            self.warnings.append(err)
            return
        if self.first:
            raise err
        self.errors.append(err)


def _resolve_ai(seg: str) -> tuple[str | None, bool]:
    """The AI a path segment names (numeric AI or convenience alpha) and whether it was an alpha."""
    if seg.isdigit() and seg.isascii():
        return (seg if ai_info(seg) is not None else None), False
    alias = CONVENIENCE_ALPHAS.get(seg)
    return alias, alias is not None


def _is_pkey(seg: str) -> bool:
    ai, _ = _resolve_ai(seg)
    if ai is None:
        return False
    info = ai_info(ai)
    return info is not None and info.dlpkey is not None


def _valid_key_path(seg: str, raw_value: str) -> bool:
    """Whether ``/{seg}/{raw_value}`` is a valid primary-key path (the AI's value rules pass):
    only then is it a second primary key rather than part of the path prefix."""
    ai, _ = _resolve_ai(seg)
    if ai is None:
        return False
    try:
        value, _where = _decode(raw_value, 0, False)
    except TraceStdError:
        return False
    return bool(value) and validate_value(ai, value) is None


def _parse(
    uri: str,
    *,
    permit_zero_suppressed_gtin: bool,
    permit_convenience_alphas: bool,
    out: _Collector,
) -> DigitalLink | None:
    if not isinstance(uri, str):
        raise TypeError(f"uri must be str, not {type(uri).__name__}")
    n = len(uri)
    if not uri:
        out.add(_err(ErrorCode.INPUT_EMPTY, "empty Digital Link", (0, 0)))
        return None
    # -- scheme, characters, authority
    colon = uri.find("://")
    if colon < 0 or uri[:colon] not in _SCHEMES:
        out.add(
            _err(
                ErrorCode.DL_SCHEME,
                "a Digital Link starts with http:// or https:// (one case)",
                (0, colon if colon >= 0 else n),
            )
        )
        return None
    scheme = uri[:colon]
    bad = _BAD_CHAR.search(uri)
    if bad is not None:
        out.add(
            _err(
                ErrorCode.DL_CHARACTER,
                "this character may not appear in a URI",
                (bad.start(), bad.start() + 1),
                actual=bad.group(),
            )
        )
        return None
    hash_at = uri.find("#")
    end = n if hash_at < 0 else hash_at
    fragment = None if hash_at < 0 else uri[hash_at + 1 :]
    q_at = uri.find("?", 0, end)
    path_end = end if q_at < 0 else q_at
    host_start = colon + 3
    slash = uri.find("/", host_start, path_end)
    host_end = path_end if slash < 0 else slash
    if host_end == host_start:
        out.add(_err(ErrorCode.DL_HOST, "the Digital Link has no host", (host_start, host_start)))
        return None
    domain = uri[host_start:host_end]
    if "[" in domain or "]" in domain:
        at = domain.rfind("@") + 1  # after any userinfo
        host = domain[at:]
        close = host.find("]") + 1
        if not (
            host.startswith("[") and _IP_LITERAL.fullmatch(host, 0, close) and _PORT.fullmatch(host, close)
        ):
            message = (
                "an IPv6 zone identifier is not allowed in a URI host (RFC 3986)"
                if "%" in host[:close]
                else "a host in brackets is an IP literal (RFC 3986)"
            )
            out.add(_err(ErrorCode.DL_HOST, message, (host_start + at, host_end)))
            return None
    if slash < 0 or slash + 1 >= path_end:
        out.add(_err(ErrorCode.DL_KEY_MISSING, "the path holds no GS1 primary key", (host_end, path_end)))
        return None
    if uri[path_end - 1] == "/":
        out.add(_err(ErrorCode.DL_PATH_SEGMENT, "the path may not end with /", (path_end - 1, path_end)))
        return None
    # -- path segments with their positions
    segs = uri[slash + 1 : path_end].split("/")
    starts: list[int] = []
    pos = slash + 1
    for s in segs:
        starts.append(pos)
        pos += len(s) + 1
    # -- walk back in pairs to the primary key
    k = len(segs) - 2
    while k >= 0 and not _is_pkey(segs[k]):
        k -= 2
    if k < 0:
        out.add(_err(ErrorCode.DL_KEY_MISSING, "the path holds no GS1 primary key", (slash, path_end)))
        return None
    if k >= 2 and _is_pkey(segs[k - 2]) and _valid_key_path(segs[k - 2], segs[k - 1]):
        out.add(
            _err(
                ErrorCode.DL_KEY_MULTIPLE,
                "a Digital Link path holds exactly one primary key",
                (starts[k - 2] - 1, starts[k - 1] + len(segs[k - 1])),
            )
        )
    path_prefix = uri[slash : starts[k] - 1]

    elements: list[tuple[str, str]] = []
    value_spans: list[Span] = []
    ai_spans: list[Span] = []
    maps: list[list[int] | None] = []
    pads: list[int] = []

    def add_element(ai: str, raw_start: int, raw_value: str, ai_span: Span, plus_is_space: bool) -> bool:
        vspan = (raw_start, raw_start + len(raw_value))
        if not raw_value:
            out.add(_err(ErrorCode.DL_VALUE_EMPTY, "empty value", vspan, ai=ai))
            return False
        try:
            value, where = _decode(raw_value, raw_start, plus_is_space)
        except TraceStdError as err:
            err.context.setdefault("ai", ai)
            out.add(err)
            return False
        pad = 0
        if ai == "01" and len(value) in _GTIN_SHORT and value.isascii() and value.isdigit():
            out.add(
                _err(
                    ErrorCode.DL_GTIN_ZERO_SUPPRESSED,
                    "the GTIN in a Digital Link has 14 digits",
                    vspan,
                    ai=ai,
                    actual=len(value),
                ),
                permitted=permit_zero_suppressed_gtin,
            )
            pad = 14 - len(value)
            value = value.zfill(14)
        elements.append((ai, value))
        value_spans.append(vspan)
        ai_spans.append(ai_span)
        maps.append(where)
        pads.append(pad)
        return True

    # primary key
    key_ai, alpha = _resolve_ai(segs[k])
    assert key_ai is not None
    key_span = (starts[k], starts[k] + len(segs[k]))
    if alpha:
        out.add(
            _err(
                ErrorCode.DL_CONVENIENCE_ALPHA,
                "use the numeric AI, not a convenience alpha",
                key_span,
                ai=key_ai,
                actual=segs[k],
            ),
            permitted=permit_convenience_alphas,
        )
    add_element(key_ai, starts[k + 1], segs[k + 1], key_span, False)
    key_info = ai_info(key_ai)
    assert key_info is not None and key_info.dlpkey is not None
    alternatives = key_info.dlpkey
    # qualifiers
    quals: list[str] = []
    qual_spans: list[Span] = []
    j = k + 2
    while j < len(segs):
        seg = segs[j]
        span = (starts[j], starts[j] + len(seg))
        ai, alpha = _resolve_ai(seg)
        if ai is None:
            out.add(
                _err(
                    ErrorCode.DL_AI_UNKNOWN if seg else ErrorCode.DL_PATH_SEGMENT,
                    "not an Application Identifier" if seg else "empty path segment",
                    span,
                    actual=seg,
                )
            )
            j += 2
            continue
        if alpha:
            out.add(
                _err(
                    ErrorCode.DL_CONVENIENCE_ALPHA,
                    "use the numeric AI, not a convenience alpha",
                    span,
                    ai=ai,
                    actual=seg,
                ),
                permitted=permit_convenience_alphas,
            )
        quals.append(ai)
        qual_spans.append(span)
        add_element(ai, starts[j + 1], segs[j + 1], span, False)
        j += 2
    compatible = _check_qualifiers(key_ai, alternatives, quals, qual_spans, out)
    path_length = len(elements)
    path_only = {q for alt in compatible for q in alt}
    seen = {ai for ai, _ in elements} | set(quals)

    # -- query
    ignored: list[tuple[str, str]] = []
    if q_at >= 0 and q_at + 1 < end:
        pos = q_at + 1
        for param in uri[q_at + 1 : end].split("&"):
            p_start = pos
            pos += len(param) + 1
            key, eq, raw_value = param.partition("=")
            if not (key.isdigit() and key.isascii()) or not eq:
                if param:
                    ignored.append((key, raw_value))
                continue
            kspan = (p_start, p_start + len(key))
            info = ai_info(key)
            if info is None:
                out.add(
                    _err(ErrorCode.DL_QUERY_UNKNOWN_AI, "numeric query keys must be GS1 AIs", kspan, ai=key)
                )
                continue
            if key in seen:
                out.add(_err(ErrorCode.DL_QUERY_DUPLICATE, "this AI is given twice", kspan, ai=key))
                continue
            seen.add(key)
            if key in path_only:
                out.add(
                    _err(
                        ErrorCode.DL_QUERY_PATH_AI,
                        "this AI belongs in the path as a key qualifier",
                        kspan,
                        ai=key,
                        key=key_ai,
                    )
                )
                continue
            if not info.dl_attribute:
                out.add(
                    _err(
                        ErrorCode.DL_QUERY_NOT_ATTRIBUTE,
                        "this AI may not be used as a Digital Link data attribute",
                        kspan,
                        ai=key,
                    )
                )
                continue
            add_element(key, kspan[1] + 1, raw_value, kspan, True)

    # -- element-string rules on the decoded AIs
    if all(m is None for m in maps) and not any(pads):
        problems = validate_elements(elements, spans=value_spans, ai_spans=ai_spans, origin="digital_link")
    else:
        problems = [
            _remap(e, value_spans, ai_spans, maps, pads)
            for e in validate_elements(elements, origin="digital_link")
        ]
    for problem in problems:
        out.add(problem)
    if out.errors:
        return None
    return DigitalLink(
        uri=uri,
        scheme=scheme,
        domain=domain,
        path_prefix=path_prefix,
        elements=tuple(elements),
        path_length=path_length,
        ignored=tuple(ignored),
        fragment=fragment,
    )


def _check_qualifiers(
    key_ai: str,
    alternatives: tuple[tuple[str, ...], ...],
    quals: list[str],
    spans: list[Span],
    out: _Collector,
) -> tuple[tuple[str, ...], ...]:
    """Check the qualifier sequence; return the alternatives it is compatible with."""
    if not quals:
        return alternatives
    allowed = {q for alt in alternatives for q in alt}
    for q, span in zip(quals, spans, strict=True):
        if q not in allowed:
            out.add(
                _err(
                    ErrorCode.DL_QUALIFIER_INVALID,
                    "this AI is not a qualifier of the primary key",
                    span,
                    ai=q,
                    key=key_ai,
                )
            )
            return ()
    holding = tuple(alt for alt in alternatives if all(q in alt for q in quals))
    if not holding:
        first_alt = next(alt for alt in alternatives if quals[0] in alt)
        bad = next(i for i, q in enumerate(quals) if q not in first_alt)
        out.add(
            _err(
                ErrorCode.DL_QUALIFIER_INVALID,
                "these qualifiers belong to different alternatives of the key",
                spans[bad],
                ai=quals[bad],
                key=key_ai,
            )
        )
        return ()
    ordered = tuple(alt for alt in holding if _in_order(alt, quals))
    if not ordered:
        alt = holding[0]
        bad = next(i for i in range(1, len(quals)) if alt.index(quals[i]) <= alt.index(quals[i - 1]))
        out.add(
            _err(
                ErrorCode.DL_QUALIFIER_ORDER,
                "key qualifiers must follow their fixed order",
                spans[bad],
                ai=quals[bad],
                key=key_ai,
                expected=list(alt),
            )
        )
        return holding
    return ordered


def _in_order(alt: tuple[str, ...], quals: list[str]) -> bool:
    last = -1
    for q in quals:
        idx = alt.index(q)
        if idx <= last:
            return False
        last = idx
    return True


def _remap(
    err: TraceStdError,
    value_spans: list[Span],
    ai_spans: list[Span],
    maps: list[list[int] | None],
    pads: list[int],
) -> TraceStdError:
    """Move an error of ``validate_elements`` (positions inside values) into the URI."""
    field = err.field or ""
    i = int(field[len("elements[") : -1])  # validate_elements names the element without spans
    if err.span is None:
        span = (ai_spans[i][0], value_spans[i][1])
    else:
        s, e = (max(0, p - pads[i]) for p in err.span)
        where = maps[i]
        if where is None:
            base = value_spans[i][0]
            span = (base + s, base + e)
        else:
            span = (where[min(s, len(where) - 1)], where[min(e, len(where) - 1)])
    return type(err)(err.code, err.message, span=span, field=None, context=err.context)


# -- the fast path ----------------------------------------------------------------------
#
# Most URIs are valid: a first pass with plain string methods and precomputed tables accepts
# them without building spans or errors. Anything unusual (escapes, "+" in the query, options,
# a rule broken) returns ``None`` and goes through :func:`_parse`, which finds every problem.


@dataclasses.dataclass(frozen=True, slots=True)
class _Tables:
    pkeys: frozenset[str]
    # key AI -> {qualifier tuple in a valid order: AIs that belong in the path (not the query)}
    qualifiers: dict[str, dict[tuple[str, ...], frozenset[str]]]
    attributes: frozenset[str]


@cache
def _tables() -> _Tables:
    pkeys: set[str] = set()
    qualifiers: dict[str, dict[tuple[str, ...], frozenset[str]]] = {}
    attributes: set[str] = set()
    for ai in _ai.all_ais():
        info = ai_info(ai)
        assert info is not None
        if info.dl_attribute:
            attributes.add(ai)
        if info.dlpkey is None:
            continue
        pkeys.add(ai)
        valid: dict[tuple[str, ...], set[str]] = {}
        for alt in info.dlpkey:
            for mask in range(1 << len(alt)):
                sub = tuple(q for b, q in enumerate(alt) if mask >> b & 1)
                valid.setdefault(sub, set()).update(alt)
        qualifiers[ai] = {sub: frozenset(ais) for sub, ais in valid.items()}
    return _Tables(frozenset(pkeys), qualifiers, frozenset(attributes))


def _fast_unquote(value: str) -> str | None:
    """Percent-decode ``value``; ``None`` for anything :func:`_decode` would reject."""
    parts = value.split("%")
    out = bytearray(parts[0].encode("ascii"))
    for part in parts[1:]:
        if len(part) < 2 or part[0] not in _HEX or part[1] not in _HEX:
            return None
        byte = int(part[:2], 16)
        if not byte:
            return None
        out.append(byte)
        out += part[2:].encode("ascii")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _fast_parse(uri: str) -> DigitalLink | None:
    if uri.startswith("https://") or uri.startswith("HTTPS://"):
        start = 8
    elif uri.startswith("http://") or uri.startswith("HTTP://"):
        start = 7
    else:
        return None
    if _BAD_CHAR.search(uri) is not None:
        return None
    end = uri.find("#")
    fragment = None
    if end >= 0:
        fragment = uri[end + 1 :]
    else:
        end = len(uri)
    path, _, query = uri[start:end].partition("?")
    slash = path.find("/")
    if slash <= 0 or path.endswith("/"):
        return None
    segs = path[slash + 1 :].split("/")
    t = _tables()
    pkeys = t.pkeys
    if "[" in path[:slash]:
        return None  # an IP literal host: the full parser checks it
    k = len(segs) - 2
    while k >= 0 and segs[k] not in pkeys:
        k -= 2
    if k < 0 or (k >= 2 and segs[k - 2] in pkeys):
        return None
    key = segs[k]
    path_only = t.qualifiers[key].get(tuple(segs[k + 2 :: 2]))
    if path_only is None:
        return None
    values = segs[k + 1 :: 2]
    if "" in values or (key == "01" and len(values[0]) != 14):
        return None
    if "%" in path:
        decoded = [_fast_unquote(v) for v in values]
        if None in decoded or "%" in "".join(segs[k::2]):
            return None
        values = decoded  # type: ignore[assignment]
    elements = list(zip(segs[k::2], values, strict=True))
    ignored: list[tuple[str, str]] = []
    if query:
        if "+" in query:
            return None
        seen = set(segs[k::2])
        attributes = t.attributes
        for param in query.split("&"):
            name, eq, value = param.partition("=")
            if not eq or not (name.isdigit() and name.isascii()):
                if param:
                    ignored.append((name, value))
                continue
            if not value or name in seen or name in path_only or name not in attributes:
                return None
            if "%" in value:
                value = _fast_unquote(value)  # type: ignore[assignment]
                if value is None:
                    return None
            seen.add(name)
            elements.append((name, value))
    if not elements_valid(elements):
        return None
    return DigitalLink(
        uri=uri,
        scheme=uri[: start - 3],
        domain=path[:slash],
        path_prefix="/" + "/".join(segs[:k]) if k else "",
        elements=tuple(elements),
        path_length=(len(segs) - k) // 2,
        ignored=tuple(ignored),
        fragment=fragment,
    )


def parse_digital_link(
    uri: str,
    *,
    permit_zero_suppressed_gtin: bool = False,
    permit_convenience_alphas: bool = False,
) -> DigitalLink:
    """Parse and fully validate a Digital Link URI; raise the first problem.

    >>> parse_digital_link("https://id.gs1.org/01/18935234567892/10/L1/21/S1").qualifiers
    (('10', 'L1'), ('21', 'S1'))
    >>> parse_digital_link("https://id.gs1.org/01/18935234567892/21/S1/10/L1")
    Traceback (most recent call last):
    ...
    trace_std.errors.InvalidFormat: key qualifiers must follow their fixed order
    """
    if not (permit_zero_suppressed_gtin or permit_convenience_alphas) and uri.__class__ is str:
        fast = _fast_parse(uri)
        if fast is not None:
            return fast
    dl = _parse(
        uri,
        permit_zero_suppressed_gtin=permit_zero_suppressed_gtin,
        permit_convenience_alphas=permit_convenience_alphas,
        out=_Collector(first=True),
    )
    assert dl is not None
    return dl


def is_digital_link(uri: str, **options: bool) -> bool:
    """Whether ``uri`` is a valid Digital Link (never raises for a ``str``)."""
    try:
        parse_digital_link(uri, **options)
    except TraceStdError:
        return False
    return True


def check(
    uri: str,
    *,
    strict: bool = False,
    permit_zero_suppressed_gtin: bool = False,
    permit_convenience_alphas: bool = False,
) -> Report:
    """Every problem of ``uri`` as a :class:`~trace_std.errors.Report` (kind ``digital_link``).

    ``details`` carries ``elements`` (``{"ai", "value", "title"}``), ``hri``, ``raw`` and the
    canonical ``digital_link``; ``normalized`` is the canonical URI. What a permissive option lets
    through is reported as a warning with the same code. ``strict`` switches the permissive
    options off whatever they say.
    """
    from trace_std.gs1.ai import data_version_string

    report = Report(input=uri, kind="digital_link")
    report.data_versions["gs1_ai"] = data_version_string()
    collector = _Collector(first=False)
    dl = _parse(
        uri,
        permit_zero_suppressed_gtin=permit_zero_suppressed_gtin and not strict,
        permit_convenience_alphas=permit_convenience_alphas and not strict,
        out=collector,
    )
    for err in collector.errors:
        report.add_error(err)
    for err in collector.warnings:
        report.add(err.to_issue(Severity.WARNING))
    if dl is not None:
        canonical = dl.canonical()
        report.normalized = canonical
        report.details.update(_details(dl.elements))
        report.details["digital_link"] = canonical
    return report


def _details(elements: Sequence[tuple[str, str]]) -> dict[str, Any]:
    from trace_std.gs1.element_string import ElementString

    es = ElementString(tuple(elements))
    return {"elements": es.to_dicts(), "hri": es.hri(), "raw": es.raw()}


# -- building -----------------------------------------------------------------------


def build_digital_link(
    elements: Iterable[tuple[str, str]],
    stem: str = CANONICAL_STEM,
    *,
    validate: bool = True,
) -> str:
    """A Digital Link URI for ``elements`` (``(ai, value)`` pairs) under ``stem``.

    The first AI that is a Digital Link primary key goes in the path, followed by the
    qualifiers present (the alternative covering the most of them); every other AI becomes a
    query attribute in the given order and must be permitted as one. With ``validate`` (the
    default) the elements must pass every element-string rule first.

    >>> build_digital_link([("00", "389352340000000010"), ("02", "18935234567892"), ("37", "40")],
    ...                    "https://dl.example.vn")
    'https://dl.example.vn/00/389352340000000010?02=18935234567892&37=40'
    """
    pairs = [_pair(p) for p in elements]
    base = _checked_stem(stem)
    if validate:
        problems = validate_elements(pairs, origin="digital_link")
        if problems:
            raise problems[0]
    key_index = -1
    for i, (ai, _) in enumerate(pairs):
        info = ai_info(ai)
        if info is not None and info.dlpkey is not None:
            key_index = i
            break
    if key_index < 0:
        raise _err(
            ErrorCode.DL_KEY_MISSING,
            "no AI here can be a Digital Link primary key",
            None,
            ais=[ai for ai, _ in pairs],
        )
    key_ai, key_value = pairs[key_index]
    info = ai_info(key_ai)
    assert info is not None and info.dlpkey is not None
    present = {ai: i for i, (ai, _) in reversed(list(enumerate(pairs))) if i != key_index}
    best: tuple[str, ...] = ()
    best_score: tuple[int, int] = (-1, -1)
    for alt in info.dlpkey:
        used = [q for q in alt if q in present]
        leftovers_ok = all(
            (qi := ai_info(a)) is not None and qi.dl_attribute
            for a in present
            if a not in used and a in {q for other in info.dlpkey for q in other}
        )
        score = (int(leftovers_ok), len(used))
        if score > best_score:
            best, best_score = tuple(used), score
    in_path = {key_index} | {present[q] for q in best}
    path = f"/{key_ai}/{percent_encode(key_value)}" + "".join(
        f"/{q}/{percent_encode(pairs[present[q]][1])}" for q in best
    )
    query: list[str] = []
    seen: set[str] = {key_ai, *best}
    for i, (ai, value) in enumerate(pairs):
        if i in in_path:
            continue
        if ai in seen:
            continue  # a repeat (with the same value when validated)
        seen.add(ai)
        attr = ai_info(ai)
        if attr is None or not attr.dl_attribute:
            raise _err(
                ErrorCode.DL_QUERY_NOT_ATTRIBUTE,
                "this AI may not be carried as a Digital Link data attribute",
                None,
                ai=ai,
            )
        query.append(f"{ai}={percent_encode(value)}")
    return base + path + ("?" + "&".join(query) if query else "")


def _pair(p: object) -> tuple[str, str]:
    if (
        not isinstance(p, tuple | list)
        or len(p) != 2
        or not isinstance(p[0], str)
        or not isinstance(p[1], str)
    ):
        raise TypeError("elements must be (ai, value) pairs of str")
    return (p[0], p[1])


# -- conversions ------------------------------------------------------------------------


def element_string_to_digital_link(text: str, stem: str = CANONICAL_STEM) -> str:
    """The Digital Link of an element string (bracketed, raw or scan data).

    >>> element_string_to_digital_link("(01)18935234567892(17)260310(10)L1")
    'https://id.gs1.org/01/18935234567892/10/L1?17=260310'
    """
    from trace_std.gs1.element_string import parse_element_string

    # parse_element_string has already applied every element-string rule: no second validation
    return build_digital_link(parse_element_string(text).elements, stem, validate=False)


def digital_link_to_element_string(uri: str, form: str = "hri", **options: bool) -> str:
    """The element string of a Digital Link URI (``form`` ``"hri"`` or ``"raw"``).

    >>> digital_link_to_element_string("https://example.com/01/18935234567892/10/L1?17=260310")
    '(01)18935234567892(10)L1(17)260310'
    """
    return parse_digital_link(uri, **options).element_string(form)
