"""The matching engine shared by ``puc`` and ``phc``: fast path, lenient path, diagnostics, look-ups."""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from trace_std.codes._normalize import Normalized, has_gap, normalize
from trace_std.codes._schemes import Scheme, Token, schemes
from trace_std.data import data_version
from trace_std.data import vn_admin as admin
from trace_std.errors import ErrorCode, Issue, Report, Severity, TraceStdError

__all__ = [
    "MAX_LENGTH",
    "Analysis",
    "ParsedCode",
    "analyse",
    "analyse_full",
    "check_kinds",
    "compact",
    "fast_path",
    "fast_validate",
    "is_valid_kinds",
    "parse_kinds",
    "validate_kinds",
]

MAX_LENGTH = 64
"""Longest input examined. Real codes are under 30 characters; longer input is rejected at once."""

SCHEME_START_YEAR = 2022  # Decision 3156/QĐ-BNN-TT was issued on 19 Aug 2022
_SCHEMES: tuple[Scheme, ...] = schemes()
_ALNUM = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_ALLOWED = _ALNUM.union(*(s.separator for s in _SCHEMES))


def _leading_literal(scheme: Scheme) -> str | None:
    """The fixed text every code of ``scheme`` starts with (``VN``), if any."""
    return scheme.tokens[0].segments[0].literal


@dataclasses.dataclass(frozen=True)
class ParsedCode:
    """A PUC or PHC split into its named segments.

    ``segments`` maps each segment name to its value and ``spans`` to its half-open position in
    ``original``. ``province_code``/``province_name`` resolve the province: the GSO code of the
    issue-year table for a domestic code; for an export code, the pre-2025 province its letters
    stand for (``None`` when the letters are unknown or ambiguous). ``successor_code``/
    ``successor_name`` name the 2025 province that province became part of.
    """

    kind: str
    scheme: str
    canonical: str
    original: str
    segments: Mapping[str, str]
    spans: Mapping[str, tuple[int, int]]
    province_code: str | None = None
    province_name: str | None = None
    successor_code: str | None = None
    successor_name: str | None = None
    district_name: str | None = None
    commune_name: str | None = None
    issue_year: int | None = None
    admin_table: str | None = None
    abbreviation_status: str | None = None
    warnings: tuple[Issue, ...] = ()

    def __hash__(self) -> int:  # the mappings are not hashable; the identity is the code as read
        return hash((self.kind, self.scheme, self.canonical, self.original))

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary (without ``warnings``)."""
        out = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "warnings"}
        out["segments"] = dict(self.segments)
        out["spans"] = {k: list(v) for k, v in self.spans.items()}
        return out


@dataclasses.dataclass(slots=True)
class Analysis:
    """Everything found about one input."""

    value: str
    issues: list[Issue]
    parsed: ParsedCode | None = None
    scheme: Scheme | None = None
    kind: str | None = None
    segments: dict[str, str] = dataclasses.field(default_factory=dict)
    data_versions: dict[str, str] = dataclasses.field(default_factory=dict)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    def first_error(self) -> TraceStdError:
        issue = self.errors[0]
        return TraceStdError.from_code(
            ErrorCode(issue.code), issue.message, span=issue.span, context=issue.context
        )

    def report(self) -> Report:
        report = Report(input=self.value, kind=self.kind)
        report.extend(self.issues)
        report.data_versions.update(self.data_versions)
        if self.scheme is not None:
            report.details["scheme"] = self.scheme.id
        if self.parsed is not None:
            report.segments = dict(self.parsed.segments)
            if not report.errors:
                report.normalized = self.parsed.canonical
            details = self.parsed.as_dict()
            for key in ("kind", "scheme", "canonical", "original", "segments"):
                details.pop(key)
            report.details.update(details)
        elif self.segments:
            report.segments = dict(self.segments)
        return report


def _err(code: ErrorCode, message: str, span: tuple[int, int] | None, **context: Any) -> Issue:
    return Issue.error(code, message, span=span, context=context)


def _warn(code: ErrorCode, message: str, span: tuple[int, int] | None, **context: Any) -> Issue:
    return Issue.warning(code, message, span=span, context=context)


def require_str(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"value must be str, not {type(value).__name__}")
    return value


def _precheck(value: str) -> Issue | None:
    """Cheap checks done before any normalisation."""
    if len(value) > MAX_LENGTH:
        return _err(
            ErrorCode.INPUT_TOO_LONG,
            f"input longer than {MAX_LENGTH} characters",
            (0, len(value)),
            max=MAX_LENGTH,
            actual=len(value),
        )
    if not value or value.isspace():
        return _err(ErrorCode.INPUT_EMPTY, "no code given", (0, len(value)))
    return None


# -- fast path ---------------------------------------------------------------------------------------


@cache
def fast_path(
    kinds: frozenset[str],
) -> tuple[Callable[[str], re.Match[str] | None], Callable[[str], bool]]:
    """``(match, confirm)`` for the hot path of ``validate``/``is_valid``.

    ``match`` is the bound ``fullmatch`` of one regular expression without capturing groups: the
    canonical forms of every scheme that can produce one of ``kinds``, each enumeration cut down to
    the values of those kinds. Schemes whose look-ups can only warn (export province letters) are
    valid as soon as they match (``lastgroup is None``). A scheme with table look-ups (the domestic
    code) ends in an empty marker group; ``confirm`` then checks its fixed-position
    province-district-commune key against a set built once from the 2004 table. Neither function
    gives a negative verdict: a ``None`` match or a ``False`` confirm only means "take the full
    analysis".
    """
    alternatives = []
    for index, scheme in enumerate(_SCHEMES):
        if not scheme.kinds() & kinds:
            continue
        parts = []
        for token in scheme.tokens:
            body = ""
            for seg in token.segments:
                if seg.values:
                    wanted = [v for v, meta in seg.values.items() if meta["kind"] in kinds]
                    body += "(?:" + "|".join(re.escape(v) for v in sorted(wanted)) + ")"
                elif seg.role == "issue_year" and scheme.id == _DOMESTIC.id:
                    body += _FAST_YEARS  # only years the 2004 table certainly governs
                else:  # unbounded runs are capped so that huge input fails after MAX_LENGTH steps
                    capped = dataclasses.replace(seg, max=MAX_LENGTH) if seg.max is None else seg
                    body += capped.pattern().replace(f"?P<{seg.name}>", "?:", 1)
            parts.append(body)
        marker = f"(?P<s{index}>)" if scheme.id == _DOMESTIC.id else ""
        alternatives.append(re.escape(scheme.separator).join(parts) + marker)
    pattern = re.compile("|".join(f"(?:{alt})" for alt in alternatives))
    return pattern.fullmatch, _confirm_domestic


def _fixed_slice(scheme: Scheme, first: str, last: str) -> slice:
    """Where segments ``first``..``last`` stand in every canonical code (all widths before are fixed)."""
    offset = 0
    begin = None
    for t, token in enumerate(scheme.tokens):
        if t:
            offset += len(scheme.separator)
        for seg in token.segments:
            width = len(seg.literal) if seg.literal is not None else seg.min
            assert seg.literal is not None or seg.max == seg.min, "variable width before a look-up segment"
            if seg.name == first:
                begin = offset
            offset += width
            if seg.name == last:
                assert begin is not None
                return slice(begin, offset)
    raise KeyError(last)  # pragma: no cover


_DOMESTIC = next(s for s in _SCHEMES if any(seg.lookup == "admin_province" for seg in s.segments))
_DOMESTIC_KEY = _fixed_slice(_DOMESTIC, "province", "commune")
assert _DOMESTIC.segment("year").min == _DOMESTIC.segment("year").max == 2
_FAST_YEARS = "(?:[01][0-9]|2[0-4])"  # YY 00–24: issued before the 1 July 2025 reform
_DOMESTIC_KEYS: set[str] = set()  # "PP-DDD-CCCCC" of every 2004 commune, filled on first use


def _fill_domestic_keys() -> None:
    sep = _DOMESTIC.separator
    districts = admin._districts()
    for c in admin._communes(admin.ERA_2004).values():
        assert c.district is not None
        _DOMESTIC_KEYS.add(f"{districts[c.district].province}{sep}{c.district}{sep}{c.code}")


def _confirm_domestic(value: str, keys: set[str] = _DOMESTIC_KEYS, key: slice = _DOMESTIC_KEY) -> bool:
    """A canonical domestic code (``value`` matched ``fast_path``, so issued 2000–2024) whose units
    nest in the 2004 table. Later issue years may use either or the new table: ``analyse`` judges."""
    if not keys:
        _fill_domestic_keys()
    return value[key] in keys


def fast_validate(value: str, kinds: frozenset[str]) -> str | None:
    """The canonical code when ``value`` is already canonical and valid, else ``None`` (no verdict)."""
    match, confirm = fast_path(kinds)
    m = match(value)
    if m is not None and (m.lastgroup is None or confirm(value)):
        return value
    return None


# -- slow path ---------------------------------------------------------------------------------------


def compact(value: str) -> str:
    """The normalised form of ``value`` without validating its structure."""
    require_str(value)
    if len(value) > MAX_LENGTH:
        raise TraceStdError.from_code(
            ErrorCode.INPUT_TOO_LONG,
            f"input longer than {MAX_LENGTH} characters",
            span=(0, len(value)),
            context={"max": MAX_LENGTH},
        )
    norm = normalize(value)
    if norm.controls:
        raise TraceStdError.from_code(
            ErrorCode.INPUT_CONTROL_CHARACTER, "control character", span=norm.controls[0]
        )
    return norm.text


_FORM_MESSAGES = {
    ErrorCode.CODE_FORM_CASE: "lower case letters upper-cased",
    ErrorCode.CODE_FORM_WHITESPACE: "whitespace removed",
    ErrorCode.CODE_FORM_DASH: "Unicode dash replaced by '-'",
    ErrorCode.CODE_FORM_COMPATIBILITY: "compatibility character (full-width, ligature...) replaced by NFKC",
    ErrorCode.CODE_FORM_VIETNAMESE_D: "Vietnamese letter Đ/đ read as D",
}


def _alphabet_issues(norm: Normalized, allowed: frozenset[str] = _ALLOWED) -> list[Issue]:
    allowed_text = "A-Z, 0-9 and " + ", ".join(repr(c) for c in sorted(allowed - _ALNUM))
    issues: list[Issue] = []
    for pos, ch in enumerate(norm.text):
        if ch in allowed:
            continue
        span = norm.span(pos, pos + 1)
        if unicodedata.category(ch) == "Nd" or ch.isdigit():
            issues.append(
                _err(
                    ErrorCode.CODE_CHARACTER_NON_ASCII_DIGIT,
                    f"non-ASCII digit {ch!r}: only 0-9 are allowed",
                    span,
                    character=ch,
                )
            )
        else:
            issues.append(
                _err(
                    ErrorCode.CODE_CHARACTER_INVALID,
                    f"character {ch!r} is not allowed ({allowed_text} only)",
                    span,
                    character=ch,
                )
            )
    return issues


@dataclasses.dataclass(slots=True)
class _Match:
    scheme: Scheme
    issues: list[Issue]
    segments: dict[str, str]
    spans: dict[str, tuple[int, int]]  # in normalised text
    norm: Normalized

    @property
    def n_errors(self) -> int:
        return sum(1 for i in self.issues if i.severity is Severity.ERROR)


def _tokens(text: str, sep: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    start = 0
    for part in text.split(sep):
        out.append((part, start))
        start += len(part) + len(sep)
    return out


def _record(match: _Match, token: Token, m: re.Match[str], start: int, hyphen_at: int | None = None) -> None:
    for seg in token.segments:
        a, b = m.span(seg.name)
        if hyphen_at is not None:  # a merged token: positions after the removed separator shift by one
            a, b = (a + 1 if a >= hyphen_at else a), (b + 1 if b > hyphen_at else b)
        match.segments[seg.name] = m[seg.name]
        match.spans[seg.name] = (start + a, start + b)


def _diagnose(token: Token, text: str, start: int, norm: Normalized) -> list[Issue]:
    """Why ``text`` does not match ``token``: character, enumeration and length problems."""
    names = "/".join(token.names)
    if not text:
        span = norm.span(start, start)
        return [_err(ErrorCode.CODE_SEGMENT_MISSING, f"{names} is empty", span, segment=names)]
    first = token.segments[0]
    if len(token.segments) == 1 and first.literal is not None:
        code = ErrorCode(first.error) if first.error else ErrorCode.CODE_SEGMENT_CHARACTER
        return [
            _err(
                code,
                f"expected {first.literal!r}",
                norm.span(start, start + len(text)),
                segment=first.name,
                expected=first.literal,
                actual=text,
            )
        ]
    charset: set[str] = set()
    for seg in token.segments:
        charset |= seg.charset
    bad = [i for i, ch in enumerate(text) if ch not in charset]
    if bad:
        runs: list[list[int]] = []
        for i in bad:  # one issue per run of adjacent bad characters
            if runs and runs[-1][1] == i:
                runs[-1][1] = i + 1
            else:
                runs.append([i, i + 1])
        return [
            _err(
                ErrorCode.CODE_SEGMENT_CHARACTER,
                f"{text[a:b]!r} is not allowed in {names}",
                norm.span(start + a, start + b),
                segment=names,
                characters=text[a:b],
            )
            for a, b in runs
        ]
    last = token.segments[-1]
    if last.values and len(token.segments) == 2:
        head = token.segments[0]
        found = [v for v in last.values if text.endswith(v) and head.length_ok(len(text) - len(v))]
        if found:  # pragma: no cover - the token regex would have matched
            return []
        suffix = [v for v in last.values if text.endswith(v)]
        if suffix:
            n = len(text) - len(suffix[0])
            return [
                _err(
                    ErrorCode.CODE_SEGMENT_LENGTH,
                    f"{head.name} has {n} characters",
                    norm.span(start, start + n),
                    segment=head.name,
                    min=head.min,
                    max=head.max,
                    actual=n,
                )
            ]
        width = max(len(v) for v in last.values)
        code = ErrorCode(last.error) if last.error else ErrorCode.CODE_SEGMENT_CHARACTER
        tail = text[-width:] if len(text) > width else text
        return [
            _err(
                code,
                f"{last.name} must be one of {sorted(last.values)}",
                norm.span(start + len(text) - len(tail), start + len(text)),
                segment=last.name,
                expected=sorted(last.values),
                actual=tail,
            )
        ]
    seg = first
    return [
        _err(
            ErrorCode.CODE_SEGMENT_LENGTH,
            f"{seg.name} has {len(text)} characters",
            norm.span(start, start + len(text)),
            segment=seg.name,
            min=seg.min,
            max=seg.max,
            actual=len(text),
        )
    ]


def _match_scheme(scheme: Scheme, norm: Normalized, strict: bool) -> _Match:
    text = norm.text
    actual = _tokens(text, scheme.separator)
    expected = scheme.tokens
    match = _Match(scheme, [], {}, {}, norm)
    i = j = 0
    cur: tuple[str, int] | None = actual[0]
    while i < len(expected):
        token = expected[i]
        if cur is None:
            span = norm.span(len(text), len(text))
            names = "/".join(token.names)
            match.issues.append(
                _err(ErrorCode.CODE_SEGMENT_MISSING, f"{names} is missing", span, segment=names)
            )
            i += 1
            continue
        part, start = cur
        left_actual, left_expected = len(actual) - j, len(expected) - i
        m = token.regex.fullmatch(part)
        if m is not None:
            _record(match, token, m, start)
        elif left_actual > left_expected and j + 1 < len(actual):
            nxt, nstart = actual[j + 1]
            m = token.regex.fullmatch(part + nxt)
            if m is not None:
                match.issues.append(
                    _err(
                        ErrorCode.CODE_SEPARATOR_UNEXPECTED,
                        "unexpected separator",
                        norm.span(nstart - 1, nstart),
                    )
                )
                _record(match, token, m, start, hyphen_at=len(part))
                j += 1
            else:
                match.issues.extend(_diagnose(token, part, start, norm))
        elif left_actual < left_expected and i + 1 < len(expected):
            m = token.regex.match(part)
            if m is not None and 0 < m.end() < len(part):
                _record(match, token, m, start)
                lenient = expected[i + 1].separator_optional and not strict
                make = _warn if lenient else _err
                match.issues.append(
                    make(
                        ErrorCode.CODE_SEPARATOR_MISSING,
                        f"missing {scheme.separator!r} before {expected[i + 1].names[0]}",
                        norm.span(start + m.end(), start + m.end()),
                    )
                )
                cur = (part[m.end() :], start + m.end())
                i += 1
                continue
            match.issues.extend(_diagnose(token, part, start, norm))
        else:
            match.issues.extend(_diagnose(token, part, start, norm))
        i += 1
        j += 1
        cur = actual[j] if j < len(actual) else None
    if cur is not None:
        start = cur[1] - len(scheme.separator)
        match.issues.append(
            _err(
                ErrorCode.CODE_SEGMENT_UNEXPECTED,
                "unexpected text after the code",
                norm.span(start, len(text)),
            )
        )
    return match


def _best_reading(scheme: Scheme, norm: Normalized, value: str, strict: bool) -> _Match:
    """``value`` matched against ``scheme``, with whitespace removed or, when that reads better, with
    each whitespace run between letters and digits taken as the scheme's separator (``VN SLOR 0001``).
    """
    plain = _match_scheme(scheme, norm, strict)
    if not plain.issues or not has_gap(value.strip()):
        return plain
    spaced = _match_scheme(scheme, normalize(value, gap=scheme.separator), strict)
    if (spaced.n_errors, len(spaced.issues)) < (plain.n_errors, len(plain.issues)):
        return spaced
    return plain


def _kind_of(scheme: Scheme, segments: Mapping[str, str]) -> str | None:
    try:
        return scheme.kind_of(segments)
    except KeyError:
        return None


@cache
def _fast_schemes(kinds: frozenset[str]) -> tuple[Scheme, ...]:
    """The schemes that can produce one of ``kinds``, in table order (the order ``analyse`` prefers)."""
    return tuple(s for s in _SCHEMES if s.kinds() & kinds)


def _analyse_canonical(value: str, kinds: frozenset[str], as_of: datetime.date | None) -> Analysis | None:
    """``analyse`` of a code already in canonical form, without diagnosing the other schemes.

    Taken only when the :func:`fast_path` expression accepts ``value`` (canonical, a wanted kind,
    domestic units nested in the 2004 table): normalisation then changes nothing and the first
    wanted scheme whose canonical expression matches is the one the full analysis would pick with
    no error. The look-ups (:func:`_resolve`) and the kind check still run, through the same
    :func:`_conclude` as the full path, so warnings (unknown province letters), ``as_of`` errors
    and the parsed details are those of the full analysis. ``None`` means "take the full path".
    """
    match, confirm = fast_path(kinds)
    m = match(value)
    if m is None or (m.lastgroup is not None and not confirm(value)):
        return None
    for scheme in _fast_schemes(kinds):
        sm = scheme.canonical.fullmatch(value)
        if sm is None:
            continue
        names = [seg.name for seg in scheme.segments]
        segments = {name: sm[name] for name in names}
        spans = {name: sm.span(name) for name in names}
        analysis = Analysis(value, [])
        kind = _adopt(analysis, scheme, [], segments, kinds)
        return _conclude(analysis, kind, segments, spans, value, kinds, as_of)
    return None  # pragma: no cover - the fast expression is built from these schemes


def analyse(
    value: str,
    *,
    strict: bool = False,
    kinds: frozenset[str] = frozenset({"puc", "phc"}),
    as_of: datetime.date | None = None,
) -> Analysis:
    """Find every issue of ``value`` as a code of one of ``kinds``.

    A well-formed code in canonical form takes a fast path (one regular expression, then the
    look-ups); only other input is diagnosed against every scheme. Both give the same
    :class:`Analysis` (property-tested in ``tests/codes/test_properties.py``).
    """
    require_str(value)
    fast = _analyse_canonical(value, kinds, as_of)
    if fast is not None:
        return fast
    return analyse_full(value, strict=strict, kinds=kinds, as_of=as_of)


def analyse_full(
    value: str,
    *,
    strict: bool = False,
    kinds: frozenset[str] = frozenset({"puc", "phc"}),
    as_of: datetime.date | None = None,
) -> Analysis:
    """:func:`analyse` without the fast path: every scheme is matched and diagnosed."""
    require_str(value)
    analysis = Analysis(value, [])
    pre = _precheck(value)
    if pre is not None:
        analysis.issues.append(pre)
        return analysis
    norm = normalize(value)
    for span in norm.controls:
        analysis.issues.append(
            _err(
                ErrorCode.INPUT_CONTROL_CHARACTER,
                "control character",
                span,
                character=f"U+{ord(value[span[0]]):04X}",
            )
        )
    make = _err if strict else _warn
    for code, a, b in norm.changes:
        message = _FORM_MESSAGES[code] + (" (strict mode accepts only the canonical form)" if strict else "")
        analysis.issues.append(make(code, message, (a, b)))
    if analysis.errors and not strict:
        return analysis
    analysis.issues.extend(_alphabet_issues(norm))
    if any(
        i.severity is Severity.ERROR
        and i.code != ErrorCode.INPUT_CONTROL_CHARACTER
        and not i.code.startswith("code.form.")
        for i in analysis.issues
    ):
        return analysis
    if norm.controls:
        return analysis
    if not norm.text:  # pragma: no cover - defensive: whitespace-only input is caught by _precheck
        analysis.issues.append(_err(ErrorCode.INPUT_EMPTY, "no code given", (0, len(value))))
        return analysis
    matches = [_best_reading(s, norm, value, strict) for s in _SCHEMES]
    if all(mt.n_errors for mt in matches):
        # No scheme matches: when the input starts with a scheme's fixed leading text (``VN``), judge
        # it only against such schemes, so that e.g. ``VN.DTOR.0017`` is diagnosed as a VN code
        # written with a foreign separator rather than as a broken code of another scheme.
        led = [mt for mt in matches if (lit := _leading_literal(mt.scheme)) and norm.text.startswith(lit)]
        if led:
            alphabet = _alphabet_issues(norm, _ALNUM.union(*(mt.scheme.separator for mt in led)))
            if alphabet:
                analysis.issues.extend(alphabet)
                return analysis
            matches = led
    # fewest errors wins; then a scheme that can produce a wanted kind; then table order (min is stable)
    best = min(matches, key=lambda mt: (mt.n_errors, not (mt.scheme.kinds() & kinds)))
    kind = _adopt(analysis, best.scheme, best.issues, best.segments, kinds)
    if best.n_errors:
        return analysis
    spans = {name: best.norm.span(a, b) for name, (a, b) in best.spans.items()}
    return _conclude(analysis, kind, best.segments, spans, value, kinds, as_of)


def _adopt(
    analysis: Analysis, scheme: Scheme, issues: list[Issue], segments: dict[str, str], kinds: frozenset[str]
) -> str | None:
    """Record the scheme chosen for ``analysis``; the kind its segments give (``None``: unknown)."""
    analysis.scheme = scheme
    analysis.issues.extend(issues)
    analysis.data_versions["code_schemes"] = data_version("code_schemes")
    kind = _kind_of(scheme, segments)
    analysis.kind = kind if kind is not None else (next(iter(kinds)) if len(kinds) == 1 else None)
    analysis.segments = dict(segments)
    return kind


def _conclude(
    analysis: Analysis,
    kind: str | None,
    segments: dict[str, str],
    spans: dict[str, tuple[int, int]],
    value: str,
    kinds: frozenset[str],
    as_of: datetime.date | None,
) -> Analysis:
    """The end of an analysis whose scheme matched without error: look-ups, kind check, parsed code."""
    scheme = analysis.scheme
    assert scheme is not None
    found, issues, versions = _resolve(scheme, segments, spans, as_of)
    analysis.issues.extend(issues)
    analysis.data_versions.update(versions)
    assert kind is not None
    if kind not in kinds:
        span = spans.get(scheme.kind_segment or "", (0, len(value)))
        analysis.issues.append(
            _err(
                ErrorCode.CODE_KIND_MISMATCH,
                f"this is a {kind.upper()}, not a {'/'.join(sorted(k.upper() for k in kinds))}",
                span,
                expected=sorted(kinds),
                actual=kind,
            )
        )
    warnings = tuple(i for i in analysis.issues if i.severity is Severity.WARNING)
    canonical = scheme.compose(segments)
    analysis.parsed = ParsedCode(
        scheme.kind_of(segments),
        scheme.id,
        canonical,
        value,
        dict(segments),
        spans,
        **found,
        warnings=warnings,
    )
    return analysis


# -- semantics: look-ups -----------------------------------------------------------------------------


# What a look-up adds to a ParsedCode (its optional fields), the issues it found and the data versions.
_Resolved = tuple[dict[str, Any], list[Issue], dict[str, str]]


def _resolve(
    scheme: Scheme,
    segments: dict[str, str],
    spans: dict[str, tuple[int, int]],
    as_of: datetime.date | None,
) -> _Resolved:
    lookups = {s.lookup for s in scheme.segments if s.lookup}
    if "export_abbreviation" in lookups:
        return _resolve_export(scheme, segments, spans)
    if "admin_province" in lookups:
        return _resolve_domestic(segments, spans, as_of)
    return {}, [], {}  # pragma: no cover - a scheme without look-ups


def _resolve_export(
    scheme: Scheme, segments: Mapping[str, str], spans: Mapping[str, tuple[int, int]]
) -> _Resolved:
    name = next(s.name for s in scheme.segments if s.lookup == "export_abbreviation")
    letters = segments[name]
    versions = {"vn_export_abbreviations": data_version("vn_export_abbreviations")}
    entry = admin.abbreviation(letters)
    if entry is None:
        issue = _warn(
            ErrorCode.CODE_ABBREVIATION_UNKNOWN,
            f"province letters {letters!r} are not in the table of known abbreviations "
            "(the issuer assigns them; no official list exists)",
            spans[name],
            abbreviation=letters,
        )
        return {}, [issue], versions
    if entry.province is None:
        names = [p.short_name for c in entry.candidates if (p := admin.province(c, era=admin.ERA_2004))]
        issue = _warn(
            ErrorCode.CODE_ABBREVIATION_AMBIGUOUS,
            f"province letters {letters!r} could stand for {', '.join(names)}",
            spans[name],
            abbreviation=letters,
            candidates=list(entry.candidates),
        )
        return {"abbreviation_status": entry.status}, [issue], versions
    versions["vn_admin_2004"] = data_version(admin.ERA_2004)
    versions["vn_admin_2025"] = data_version(admin.ERA_2025)
    succ = admin.successor(entry.province)
    found = {
        "province_code": entry.province,
        "province_name": entry.province_name,
        "successor_code": succ.code if succ else None,
        "successor_name": succ.short_name if succ else None,
        "admin_table": admin.ERA_2004,
        "abbreviation_status": entry.status,
    }
    return found, [], versions


def _check_admin(
    era: str, segments: Mapping[str, str], spans: Mapping[str, tuple[int, int]]
) -> tuple[list[Issue], dict[str, Any]]:
    issues: list[Issue] = []
    found: dict[str, Any] = {"admin_table": era}
    pcode, dcode, ccode = segments["province"], segments["district"], segments["commune"]
    prov = admin.province(pcode, era=era)
    if prov is None:
        issues.append(
            _err(
                ErrorCode.PUC_PROVINCE_UNKNOWN,
                f"no province {pcode} in {era}",
                spans["province"],
                province=pcode,
                table=era,
            )
        )
    else:
        found.update(province_code=prov.code, province_name=prov.short_name)
    if era == admin.ERA_2004:
        dist = admin.district(dcode)
        if dist is None:
            issues.append(
                _err(
                    ErrorCode.PUC_DISTRICT_UNKNOWN,
                    f"no district {dcode} in {era}",
                    spans["district"],
                    district=dcode,
                    table=era,
                )
            )
        elif prov is not None and dist.province != prov.code:
            issues.append(
                _err(
                    ErrorCode.PUC_DISTRICT_MISMATCH,
                    f"district {dcode} belongs to province {dist.province}, not {pcode}",
                    spans["district"],
                    expected=pcode,
                    actual=dist.province,
                    table=era,
                )
            )
        else:
            found["district_name"] = dist.name
        parent = ("district", dcode, dist.code if dist is not None else None)
    else:
        issues.append(
            _warn(
                ErrorCode.PUC_DISTRICT_ABOLISHED,
                "districts were abolished on 2025-07-01; no revised 3156 structure is published",
                spans["district"],
                table=era,
            )
        )
        parent = ("province", pcode, prov.code if prov is not None else None)
    # The commune must exist and sit in its parent: the district (2004 table) or the province (2025).
    level, written, resolved = parent
    comm = admin.commune(ccode, era=era)
    if comm is None:
        issues.append(
            _err(
                ErrorCode.PUC_COMMUNE_UNKNOWN,
                f"no commune {ccode} in {era}",
                spans["commune"],
                commune=ccode,
                table=era,
            )
        )
    elif resolved is not None and getattr(comm, level) != resolved:
        actual = getattr(comm, level)
        issues.append(
            _err(
                ErrorCode.PUC_COMMUNE_MISMATCH,
                f"commune {ccode} belongs to {level} {actual}, not {written}",
                spans["commune"],
                expected=written,
                actual=actual,
                table=era,
            )
        )
    else:
        found["commune_name"] = comm.name
    return issues, found


def _resolve_domestic(
    segments: Mapping[str, str],
    spans: Mapping[str, tuple[int, int]],
    as_of: datetime.date | None,
) -> _Resolved:
    issues: list[Issue] = []
    year = 2000 + int(segments["year"])
    today = as_of or datetime.date.today()
    if year > today.year:
        issues.append(
            _err(
                ErrorCode.PUC_YEAR_FUTURE,
                f"issue year {year} is after {today.isoformat()}",
                spans["year"],
                year=year,
                as_of=today.isoformat(),
            )
        )
    elif year < SCHEME_START_YEAR:
        issues.append(
            _warn(
                ErrorCode.PUC_YEAR_BEFORE_SCHEME,
                f"issue year {year} is before Decision 3156/QĐ-BNN-TT (2022)",
                spans["year"],
                year=year,
            )
        )
    if year < 2025:
        eras = [admin.ERA_2004]
    elif year == 2025:
        eras = [admin.ERA_2004, admin.ERA_2025]  # issued before or after 1 July: either table may apply
    else:
        eras = [admin.ERA_2025]
    results = [_check_admin(era, segments, spans) for era in eras]
    chosen = next((r for r in results if not any(i.severity is Severity.ERROR for i in r[0])), results[0])
    admin_issues, found = chosen
    issues.extend(admin_issues)
    era = found["admin_table"]
    versions = {era: data_version(era)}
    if era == admin.ERA_2004 and "province_code" in found:
        succ = admin.successor(found["province_code"])
        if succ is not None:
            found.update(successor_code=succ.code, successor_name=succ.short_name)
        versions[admin.ERA_2025] = data_version(admin.ERA_2025)
    found["issue_year"] = year
    return found, issues, versions


# -- the verbs, shared by puc.py, phc.py and the package ------------------------------------------------


def validate_kinds(value: str, kinds: frozenset[str], *, strict: bool = False) -> str:
    """The canonical form of ``value`` or the first error as a :class:`TraceStdError`."""
    if not isinstance(value, str):
        raise TypeError(f"value must be str, not {type(value).__name__}")
    match, confirm = fast_path(kinds)
    m = match(value)
    if m is not None and (m.lastgroup is None or confirm(value)):
        return value
    analysis = analyse(value, strict=strict, kinds=kinds)
    if analysis.errors:
        raise analysis.first_error()
    assert analysis.parsed is not None
    return analysis.parsed.canonical


def is_valid_kinds(value: str, kinds: frozenset[str], *, strict: bool = False) -> bool:
    """``True`` when :func:`validate_kinds` would succeed; never raises."""
    if not isinstance(value, str):
        return False
    match, confirm = fast_path(kinds)
    m = match(value)
    if m is not None and (m.lastgroup is None or confirm(value)):
        return True
    return not analyse(value, strict=strict, kinds=kinds).errors


def parse_kinds(
    value: str, kinds: frozenset[str], *, strict: bool = False, as_of: datetime.date | None = None
) -> ParsedCode:
    """The :class:`ParsedCode` of ``value`` or the first error."""
    analysis = analyse(value, strict=strict, kinds=kinds, as_of=as_of)
    if analysis.errors:
        raise analysis.first_error()
    assert analysis.parsed is not None
    return analysis.parsed


def check_kinds(
    value: str, kinds: frozenset[str], *, strict: bool = False, as_of: datetime.date | None = None
) -> Report:
    """Every issue of ``value`` in a :class:`Report`."""
    return analyse(value, strict=strict, kinds=kinds, as_of=as_of).report()
