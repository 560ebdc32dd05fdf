"""GS1 element strings: the bracketed HRI form, raw GS-separated data and scanner output.

Three input forms are accepted by :func:`parse_element_string`:

* **bracketed** (human-readable interpretation): ``(01)09501101530003(17)261231(10)AB-123``.
  A literal ``(`` inside a value is written ``\\(`` (the convention of GS1's Barcode Syntax
  Engine); without the escape a ``(`` always starts the next AI. ``)`` needs no escape: the AI
  ends at the first ``)``.
* **raw**: AIs and values with the group separator GS (ASCII 29, ``"\\x1d"``) after every value of
  an AI that does not have a predefined length, when another AI follows.
* **scan data**: raw data behind a symbology identifier of a GS1 carrier: ``]C1`` (GS1-128),
  ``]e0`` (GS1 DataBar and composites), ``]d2`` (GS1 DataMatrix), ``]Q3`` (GS1 QR Code),
  ``]J1`` (GS1 DotCode).

With ``caret_fnc1=True`` a ``^`` stands for FNC1 in raw data (as in GS1's engine and BWIPP): a
leading ``^`` is the FNC1 in first position, later ones are separators. It is off by default,
because ``^`` is otherwise just an invalid character.

Separators are checked strictly: a missing separator lets a variable-length value swallow the
next AI (reported as a length or linter error of that value; :func:`check` adds a
``gs1.separator.missing`` *warning* where a too-long value contains a plausible next AI); a
doubled separator is
``gs1.separator.double``; a separator after a predefined-length value, at the start or at the end
is ``gs1.separator.superfluous``: an error for :func:`parse_element_string` and ``check(...,
strict=True)``, a warning for the lenient :func:`check` (``allow_extra_separators=True`` tolerates
them too, as GS1's reference engine does; doubled separators are always rejected).

Every value is then checked against the AI table (components, linters), and the element string
as a whole against the ``req``/``ex`` rules, repeats and the digital-signature rule
(:func:`trace_std.gs1.ai.validate_elements`). Errors carry the AI in ``context["ai"]`` and a span
in the caller's text.

>>> es = parse_element_string("(01)09501101530003(17)261231(10)AB-123")
>>> es.elements
(('01', '09501101530003'), ('17', '261231'), ('10', 'AB-123'))
>>> es.raw() == "010950110153000317261231" + "10AB-123"
True
>>> parse_element_string("]d2010950110153000310AB-123\\x1d17261231").hri()
'(01)09501101530003(10)AB-123(17)261231'
>>> try:
...     parse_element_string("(01)09501101530003(37)12")
... except TraceStdError as err:
...     print(err.code, err.span, err.context["ai"])
gs1.pair.excluded (0, 18) 01
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal

from trace_std.errors import ErrorCode, Issue, Report, Severity, TraceStdError
from trace_std.gs1 import ai as _ai
from trace_std.gs1.ai import validate_elements

__all__ = [
    "GS",
    "MAX_INPUT_LENGTH",
    "SYMBOLOGY_IDENTIFIERS",
    "ElementString",
    "check",
    "encode_element_string",
    "parse_element_string",
]

GS: Final = "\x1d"
#: Longest text accepted (far above any GS1 carrier's capacity); longer input is ``input.too_long``.
MAX_INPUT_LENGTH: Final = 4096
#: Symbology identifiers of carriers that hold GS1 element strings, with the carrier name.
SYMBOLOGY_IDENTIFIERS: Final[dict[str, str]] = {
    "]C1": "GS1-128",
    "]e0": "GS1 DataBar / composite",
    "]d2": "GS1 DataMatrix",
    "]Q3": "GS1 QR Code",
    "]J1": "GS1 DotCode",
}

Form = Literal["hri", "raw", "scan"]
_Span = tuple[int, int]


@dataclasses.dataclass(frozen=True, slots=True)
class ElementString:
    """A parsed (and validated) GS1 element string.

    ``elements`` is the ordered tuple of ``(ai, value)`` pairs. ``form`` and ``symbology`` record
    how the input was written; they do not take part in equality.
    """

    elements: tuple[tuple[str, str], ...]
    form: str = dataclasses.field(default="hri", compare=False)
    symbology: str | None = dataclasses.field(default=None, compare=False)

    @classmethod
    def parse(
        cls, text: str, *, caret_fnc1: bool = False, allow_extra_separators: bool = False
    ) -> ElementString:
        """Same as :func:`parse_element_string`."""
        return parse_element_string(
            text, caret_fnc1=caret_fnc1, allow_extra_separators=allow_extra_separators
        )

    def hri(self) -> str:
        """The bracketed form ``(01)...(10)...``, with ``(`` in values escaped as ``\\(``."""
        return "".join(f"({ai}){value.replace('(', chr(92) + '(')}" for ai, value in self.elements)

    def raw(self, separator: str = GS) -> str:
        """The raw data with minimal separators.

        ``separator`` follows a value only when its AI has no predefined length and another AI
        follows.
        """
        if not isinstance(separator, str):
            raise TypeError("separator must be str")
        predef = _predefined_ais()
        out: list[str] = []
        last = len(self.elements) - 1
        for i, (ai, value) in enumerate(self.elements):
            out.append(ai)
            out.append(value)
            if i < last and ai not in predef:
                out.append(separator)
        return "".join(out)

    def scan_data(self, symbology: str = "]C1") -> str:
        """What a scanner transmits: ``symbology`` identifier then the raw data with GS."""
        if symbology not in SYMBOLOGY_IDENTIFIERS:
            raise TraceStdError.from_code(
                ErrorCode.GS1_SYMBOLOGY_UNKNOWN,
                "not a symbology identifier of a GS1 carrier",
                span=(0, len(symbology)) if isinstance(symbology, str) else None,
                context={"symbology": symbology, "expected": sorted(SYMBOLOGY_IDENTIFIERS)},
            )
        return symbology + self.raw()

    def digital_link(self, stem: str = "https://id.gs1.org") -> str:
        """The GS1 Digital Link URI of these elements (see :mod:`trace_std.gs1.digital_link`)."""
        from trace_std.gs1 import digital_link

        uri: str = digital_link.build_digital_link(list(self.elements), stem=stem)
        return uri

    def to_dicts(self) -> list[dict[str, str]]:
        """``[{"ai", "value", "title"}, ...]`` in input order (the ``elements`` of a Report)."""
        out = []
        for ai, value in self.elements:
            info = _ai.ai_info(ai)
            out.append({"ai": ai, "value": value, "title": info.title if info else ""})
        return out


_PREDEF: dict[str, int] = {}


def _predefined_ais() -> dict[str, int]:
    """AI -> data length for every AI of predefined length (flag ``*``)."""
    if not _PREDEF:  # filled in one step: other threads see it empty or complete
        _PREDEF.update({i.ai: i.max_length for i in _ai._table().values() if i.predefined_length})
    return _PREDEF


def _err(code: ErrorCode, message: str, span: _Span | None, **context: Any) -> TraceStdError:
    return TraceStdError.from_code(code, message, span=span, context=context)


class _Parsed:
    """The scanner's result: elements with their spans, the form, and structural errors."""

    __slots__ = ("ai_spans", "elements", "errors", "form", "maps", "spans", "symbology")

    def __init__(self, form: str, symbology: str | None = None) -> None:
        self.form = form
        self.symbology = symbology
        self.elements: list[tuple[str, str]] = []
        self.spans: list[_Span] = []
        self.ai_spans: list[_Span] = []
        self.errors: list[TraceStdError] = []
        # For values that contained escapes: element index -> input position of each value char.
        self.maps: dict[int, list[int]] = {}


def _read_ai(text: str, pos: int, end: int, out: _Parsed) -> tuple[str, int] | None:
    """Read the AI starting at ``pos`` of raw data (its length comes from its first two digits)."""
    prefix = text[pos : pos + 2]
    length = _ai.ai_length_from_prefix(prefix) if len(prefix) == 2 else None
    if length is None:
        ok = len(prefix) == 2 and prefix.isascii() and prefix.isdigit()
        code = ErrorCode.GS1_AI_UNKNOWN if ok else ErrorCode.GS1_AI_MALFORMED
        out.errors.append(
            _err(code, "no Application Identifier starts here", (pos, min(pos + 2, end)), ai=prefix)
        )
        return None
    ai = text[pos : pos + length]
    if len(ai) < length or not (ai.isascii() and ai.isdigit()):
        out.errors.append(
            _err(
                ErrorCode.GS1_AI_MALFORMED,
                "truncated or non-numeric AI",
                (pos, min(pos + length, end)),
                ai=ai,
            )
        )
        return None
    if _ai.ai_info(ai) is None:
        out.errors.append(
            _err(ErrorCode.GS1_AI_UNKNOWN, "unknown Application Identifier", (pos, pos + length), ai=ai)
        )
        return None
    return ai, pos + length


def _scan_raw(text: str, start: int, sep: str, out: _Parsed) -> None:
    n = len(text)
    predef = _PREDEF or _predefined_ais()
    pos = start
    if pos < n and text[pos] == sep:
        out.errors.append(
            _err(ErrorCode.GS1_SEPARATOR_SUPERFLUOUS, "separator before the first AI", (pos, pos + 1))
        )
        while pos < n and text[pos] == sep:
            pos += 1
    while pos < n:
        got = _read_ai(text, pos, n, out)
        if got is None:
            nxt = text.find(sep, pos)
            if nxt < 0:
                return
            pos = nxt + 1
            continue
        ai, vstart = got
        fixed = predef.get(ai)
        if fixed is not None:
            vend = min(vstart + fixed, n)
            pos = vend
            if pos < n and text[pos] == sep:
                out.errors.append(
                    _err(
                        ErrorCode.GS1_SEPARATOR_SUPERFLUOUS,
                        "separator after a value of predefined length",
                        (pos, pos + 1),
                        ai=ai,
                    )
                )
                pos += 1
        else:
            g = text.find(sep, vstart)
            if g < 0:
                vend = pos = n
            else:
                vend = g
                pos = g + 1
                if pos == n:
                    out.errors.append(
                        _err(ErrorCode.GS1_SEPARATOR_SUPERFLUOUS, "trailing separator", (g, n), ai=ai)
                    )
        out.elements.append((ai, text[vstart:vend]))
        out.spans.append((vstart, vend))
        out.ai_spans.append((vstart - len(ai), vstart))
        if pos < n and text[pos] == sep:
            first = pos
            while pos < n and text[pos] == sep:
                pos += 1
            out.errors.append(
                _err(ErrorCode.GS1_SEPARATOR_DOUBLE, "consecutive separators", (first - 1, pos), ai=ai)
            )


def _scan_hri(text: str, out: _Parsed) -> None:
    if "\\" in text:
        _scan_hri_escaped(text, out)
        return
    parts = text.split("(")
    pos = len(parts[0])  # == 0: the caller checked text[0] == "("
    elements, spans, ai_spans = out.elements, out.spans, out.ai_spans
    for part in parts[1:]:
        ai_start = pos + 1
        pos = ai_start + len(part)
        ai, close, value = part.partition(")")
        if not close:
            out.errors.append(
                _err(ErrorCode.GS1_HRI_SYNTAX, "'(' without a closing ')'", (ai_start - 1, pos))
            )
            continue
        vstart = ai_start + len(ai) + 1
        if not (2 <= len(ai) <= 4 and ai.isascii() and ai.isdigit()):
            out.errors.append(
                _err(ErrorCode.GS1_AI_MALFORMED, "an AI is 2 to 4 digits", (ai_start, vstart - 1), ai=ai)
            )
            continue
        elements.append((ai, value))
        spans.append((vstart, pos))
        ai_spans.append((ai_start - 1, vstart))


def _scan_hri_escaped(text: str, out: _Parsed) -> None:
    """Bracketed form with ``\\(`` escapes: a character-level scan keeping a position map."""
    n = len(text)
    pos = 0
    while pos < n:
        if text[pos] != "(":  # only reachable after an error: skip to the next AI
            nxt = _next_unescaped_paren(text, pos)
            out.errors.append(_err(ErrorCode.GS1_HRI_SYNTAX, "expected '(' to start an AI", (pos, nxt)))
            pos = nxt
            continue
        close = text.find(")", pos + 1)
        nxt = _next_unescaped_paren(text, pos + 1)
        if close < 0 or close > nxt:
            out.errors.append(_err(ErrorCode.GS1_HRI_SYNTAX, "'(' without a closing ')'", (pos, nxt)))
            pos = nxt
            continue
        ai = text[pos + 1 : close]
        if not (2 <= len(ai) <= 4 and ai.isascii() and ai.isdigit()):
            out.errors.append(
                _err(ErrorCode.GS1_AI_MALFORMED, "an AI is 2 to 4 digits", (pos + 1, close), ai=ai)
            )
            pos = nxt
            continue
        chars: list[str] = []
        where: list[int] = []
        i = close + 1
        while i < nxt:
            if text[i] == "\\" and i + 1 < n and text[i + 1] == "(":
                chars.append("(")
                where.append(i)
                i += 2
            else:
                chars.append(text[i])
                where.append(i)
                i += 1
        index = len(out.elements)
        out.elements.append((ai, "".join(chars)))
        out.spans.append((close + 1, nxt))
        out.ai_spans.append((pos, close + 1))
        if len(where) != nxt - close - 1:
            out.maps[index] = [*where, nxt]
        pos = nxt


def _next_unescaped_paren(text: str, start: int) -> int:
    i = text.find("(", start)
    while i > 0 and text[i - 1] == "\\":
        i = text.find("(", i + 1)
    return len(text) if i < 0 else i


def _scan(text: str, caret_fnc1: bool, allow_extra_separators: bool = False) -> _Parsed:
    """Detect the form of ``text`` and split it into elements (no value validation yet)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    n = len(text)
    if n > MAX_INPUT_LENGTH:
        raise _err(
            ErrorCode.INPUT_TOO_LONG, f"longer than {MAX_INPUT_LENGTH} characters", (MAX_INPUT_LENGTH, n)
        )
    if not n:
        raise _err(ErrorCode.INPUT_EMPTY, "empty element string", (0, 0))
    first = text[0]
    if first == "(":
        out = _Parsed("hri")
        _scan_hri(text, out)
    elif first == "]":
        sym = text[:3]
        if sym not in SYMBOLOGY_IDENTIFIERS:
            raise _err(
                ErrorCode.GS1_SYMBOLOGY_UNKNOWN,
                "not the symbology identifier of a GS1 carrier",
                (0, len(sym)),
                symbology=sym,
                expected=sorted(SYMBOLOGY_IDENTIFIERS),
            )
        out = _Parsed("scan", sym)
        if n == 3:
            raise _err(ErrorCode.INPUT_EMPTY, "no data after the symbology identifier", (3, 3))
        _scan_raw(text, 3, GS, out)
    elif caret_fnc1 and first == "^":
        out = _Parsed("raw")
        if n == 1:
            raise _err(ErrorCode.INPUT_EMPTY, "no data after FNC1", (1, 1))
        _scan_raw(text, 1, "^", out)
    elif "0" <= first <= "9" or first == GS:
        out = _Parsed("raw")
        _scan_raw(text, 0, GS, out)
    else:
        raise _err(
            ErrorCode.INPUT_UNRECOGNISED,
            "an element string starts with '(', a digit, or a symbology identifier ']..'",
            (0, 1),
        )
    if allow_extra_separators and out.errors:
        superfluous = str(ErrorCode.GS1_SEPARATOR_SUPERFLUOUS)
        out.errors = [e for e in out.errors if e.code != superfluous]
    return out


def _remap(err: TraceStdError, parsed: _Parsed) -> TraceStdError:
    """Move a value error's span through the position map of an escaped value."""
    if not parsed.maps or err.span is None:
        return err
    for index, where in parsed.maps.items():
        vstart, vend = parsed.spans[index]
        start, end = err.span
        if vstart <= start <= vend and err.context.get("ai") == parsed.elements[index][0]:
            last = len(where) - 1
            err.span = (where[min(start - vstart, last)], where[min(end - vstart, last)])
            return err
    return err


def _all_errors(parsed: _Parsed) -> list[TraceStdError]:
    errors = list(parsed.errors)
    found = validate_elements(parsed.elements, spans=parsed.spans, ai_spans=parsed.ai_spans)
    errors.extend(_remap(e, parsed) for e in found)
    return errors


_ASSOC_CODES: Final = frozenset(
    {str(ErrorCode.GS1_PAIR_REQUIRED), str(ErrorCode.GS1_PAIR_EXCLUDED), str(ErrorCode.GS1_DIGSIG_SERIAL)}
)


def _first(errors: Sequence[TraceStdError]) -> TraceStdError:
    """The error to raise: the leftmost structural or value error, else the first association error."""

    def key(e: TraceStdError) -> tuple[int, int]:
        return (1 if e.code in _ASSOC_CODES else 0, e.span[0] if e.span is not None else 0)

    return min(errors, key=key)


def _fast_hri(text: str) -> ElementString | None:
    """The bracketed form when it is valid (else ``None``: the full path finds the errors)."""
    validators = _ai._VALIDATORS or _ai._compile_all()
    elements: list[tuple[str, str]] = []
    ais: list[str] = []
    parts = text.split("(")
    for i in range(1, len(parts)):
        ai, close, value = parts[i].partition(")")
        fn = validators.get(ai)
        if fn is None or not close or not fn(value):
            return None
        elements.append((ai, value))
        ais.append(ai)
    if not elements or not _ai._associations_ok(elements, ais):
        return None
    return ElementString(tuple(elements), "hri")


def _fast_raw(text: str, pos: int, form: str, symbology: str | None) -> ElementString | None:
    """Raw data with GS separators when it is valid (else ``None``)."""
    validators = _ai._VALIDATORS or _ai._compile_all()
    prefix_len = _ai._prefix_lengths()
    predef = _PREDEF or _predefined_ais()
    elements: list[tuple[str, str]] = []
    ais: list[str] = []
    n = len(text)
    while pos < n:
        length = prefix_len.get(text[pos : pos + 2])
        if length is None:
            return None
        vstart = pos + length
        ai = text[pos:vstart]
        fn = validators.get(ai)
        if fn is None:
            return None
        fixed = predef.get(ai)
        if fixed is not None:
            pos = vstart + fixed
            if pos > n or (pos < n and text[pos] == GS):
                return None
            value = text[vstart:pos]
        else:
            g = text.find(GS, vstart)
            if g < 0:
                value = text[vstart:]
                pos = n
            else:
                value = text[vstart:g]
                pos = g + 1
                if pos == n or text[pos] == GS:
                    return None
        if not fn(value):
            return None
        elements.append((ai, value))
        ais.append(ai)
    if not elements or not _ai._associations_ok(elements, ais):
        return None
    return ElementString(tuple(elements), form, symbology)


def parse_element_string(
    text: str, *, caret_fnc1: bool = False, allow_extra_separators: bool = False
) -> ElementString:
    """Parse and fully validate an element string in any of the three forms.

    ``allow_extra_separators=True`` accepts a separator after a predefined-length value, before
    the first AI and at the end (GS1's reference engine tolerates these); a doubled separator is
    always an error.

    Raises the first :class:`~trace_std.errors.TraceStdError` (leftmost structural or value
    error, else the first association error); ``TypeError`` if ``text`` is not a ``str``.
    """
    if isinstance(text, str) and 0 < len(text) <= MAX_INPUT_LENGTH:
        first = text[0]
        fast: ElementString | None = None
        if first == "(":
            if "\\" not in text:
                fast = _fast_hri(text)
        elif first == "]":
            sym = text[:3]
            if sym in SYMBOLOGY_IDENTIFIERS:
                fast = _fast_raw(text, 3, "scan", sym)
        elif "0" <= first <= "9":
            fast = _fast_raw(text, 0, "raw", None)
        if fast is not None:
            return fast
    parsed = _scan(text, caret_fnc1, allow_extra_separators)
    errors = _all_errors(parsed)
    if not errors:
        return ElementString(tuple(parsed.elements), parsed.form, parsed.symbology)
    raise _first(errors)


def _valid_raw_tail(rest: str) -> bool:
    """Whether ``rest`` reads as raw element data whose every value is valid (ignoring req/ex)."""
    tail = _Parsed("raw")
    _scan_raw(rest, 0, GS, tail)
    validators = _ai._VALIDATORS or _ai._compile_all()
    return not tail.errors and bool(tail.elements) and all(validators[a](v) for a, v in tail.elements)


def _raw_ais(raw: str) -> list[str]:
    """The AIs of raw element data, in order (structure only, no value checks)."""
    tail = _Parsed("raw")
    _scan_raw(raw, 0, GS, tail)
    return [a for a, _ in tail.elements]


def _missing_separator_hints(parsed: _Parsed, errors: Sequence[TraceStdError]) -> list[Issue]:
    """Warnings where a too-long raw value probably swallowed the next AI (a dropped GS).

    A heuristic, hence a warning: the value of a variable-length AI is longer than its maximum,
    and at a position where the value could end, the rest reads as valid element data.
    """
    hints: list[Issue] = []
    too_long = str(ErrorCode.GS1_VALUE_LENGTH)
    for err in errors:
        if (
            err.code != too_long
            or err.span is None
            or err.context.get("actual", 0) <= err.context.get("max", 0)
        ):
            continue
        ai = err.context.get("ai")
        index = next((i for i, (a, _) in enumerate(parsed.elements) if a == ai), None)
        info = _ai.ai_info(ai) if isinstance(ai, str) else None
        if index is None or info is None:
            continue
        value = parsed.elements[index][1]
        vstart = parsed.spans[index][0]
        for cut in range(info.max_length, info.min_length - 1, -1):
            rest = value[cut:]
            if _valid_raw_tail(rest):
                hints.append(
                    Issue.warning(
                        ErrorCode.GS1_SEPARATOR_MISSING,
                        "a separator (GS) is probably missing here: the next AI was read as data",
                        span=(vstart + cut, vstart + cut),
                        context={"ai": ai, "next_ai": _raw_ais(rest)[0]},
                    )
                )
                break
    return hints


def check(
    text: str, *, caret_fnc1: bool = False, allow_extra_separators: bool = False, strict: bool = False
) -> Report:
    """Check an element string and report every issue (kind ``element_string``).

    Lenient by default: a superfluous separator (after a predefined-length value, before the first
    AI, at the end) is accepted, as GS1's Barcode Syntax Engine accepts it, and reported as a
    ``gs1.separator.superfluous`` *warning*; ``strict=True`` makes it an error, as
    :func:`parse_element_string` does (the General Specifications tell encoders not to emit one).
    ``allow_extra_separators=True`` keeps it a warning even in strict mode. A value that passes
    but uses an ISO 4217 code withdrawn in a recent edition gets a ``gs1.lint.iso4217`` warning.

    ``details`` holds ``elements`` (``[{"ai", "value", "title"}]``), ``hri`` and ``raw`` (GS
    separated); ``normalized`` is the bracketed form.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    report = Report(input=text, kind="element_string", data_versions={"gs1_ai": _ai.data_version_string()})
    try:
        parsed = _scan(text, caret_fnc1)
    except TraceStdError as err:
        report.add_error(err)
        return report
    errors = _all_errors(parsed)
    if allow_extra_separators or not strict:
        superfluous = str(ErrorCode.GS1_SEPARATOR_SUPERFLUOUS)
        for extra in (e for e in errors if e.code == superfluous):
            report.add(extra.to_issue(Severity.WARNING))
        errors = [e for e in errors if e.code != superfluous]
    for found in sorted(errors, key=lambda e: (e.code in _ASSOC_CODES, e.span[0] if e.span else 0)):
        report.add_error(found)
    for index, (ai, value) in enumerate(parsed.elements):
        for code, start, end, context in _ai.value_warnings(ai, value):
            offset = parsed.spans[index][0]
            report.add(
                Issue.warning(
                    code,
                    "an ISO 4217 code withdrawn in a recent edition of the list",
                    span=(offset + start, offset + end),
                    context={"ai": ai, **context},
                )
            )
    if parsed.form != "hri":
        for hint in _missing_separator_hints(parsed, errors):
            report.add(hint)
    es = ElementString(tuple(parsed.elements), parsed.form, parsed.symbology)
    report.details["elements"] = es.to_dicts()
    report.details["form"] = parsed.form
    if parsed.symbology is not None:
        report.details["symbology"] = parsed.symbology
    if parsed.elements:
        report.details["hri"] = es.hri()
        report.details["raw"] = es.raw()
        if not errors:
            report.normalized = es.hri()
    return report


def encode_element_string(
    elements: Iterable[tuple[str, str]],
    form: Form = "hri",
    *,
    separator: str = GS,
    symbology: str = "]C1",
) -> str:
    """Validate ``elements`` (every rule) and render them.

    ``form``: ``"hri"`` (bracketed), ``"raw"`` (``separator``-separated) or ``"scan"``
    (``symbology`` identifier + raw with GS). Raises the first validation error, positioned by
    ``field`` ``elements[i]`` and the span inside that value.

    >>> encode_element_string([("01", "09501101530003"), ("10", "A(1)")])
    '(01)09501101530003(10)A\\\\(1)'
    """
    if form not in ("hri", "raw", "scan"):
        raise ValueError(f"form must be 'hri', 'raw' or 'scan', not {form!r}")
    items: list[tuple[str, str]] = []
    for pair in elements:
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
            raise TypeError("elements must be (ai, value) pairs")
        items.append((pair[0], pair[1]))
    if not items:
        raise TraceStdError.from_code(ErrorCode.INPUT_EMPTY, "no elements to encode", span=(0, 0))
    errors = validate_elements(items)
    if errors:
        raise errors[0]
    es = ElementString(tuple(items), form)
    if form == "hri":
        return es.hri()
    if form == "raw":
        return es.raw(separator)
    return es.scan_data(symbology)
