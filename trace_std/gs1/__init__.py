"""GS1 data: keys, Application Identifiers, element strings and Digital Link URIs.

This package is the ``gs1`` check family of :mod:`trace_std.check` (kinds ``gtin``, ``gln``,
``sscc``, ``element_string``, ``digital_link``) and re-exports the main entry points, imported
lazily so that ``import trace_std.gs1`` stays cheap:

* :func:`parse_element_string`, :func:`encode_element_string` (:mod:`.element_string`),
* :func:`parse_digital_link`, :func:`build_digital_link`, :func:`element_string_to_digital_link`,
  :func:`digital_link_to_element_string` (:mod:`.digital_link`),
* :func:`validate_gtin`, :func:`is_valid_gtin`, :func:`to_gtin14`, :func:`gtin_check_digit`,
  :func:`validate_gln`, :func:`validate_sscc`, :func:`gs1_prefix_owner` (:mod:`.keys`),
* :func:`voice_pick_code` (:mod:`.voice_pick`), :func:`ai_info` (:mod:`.ai`).

Detection (:func:`detect`) looks only at the shape of the text:

* ``http://`` or ``https://`` (any case) -> ``digital_link``;
* 8, 12, 13 or 14 digits -> ``gtin``; 18 digits -> ``sscc`` (also when written in groups
  separated by spaces or hyphens). A GLN also has 13 digits and
  cannot be told from a GTIN-13 by its digits, so a bare 13-digit string is reported as a
  ``gtin``; ask for ``kind="gln"`` (``--kind gln``) to check it as a GLN;
* ``(`` + digit, a GS1 symbology identifier (``]C1``, ``]e0``, ``]d2``, ``]Q3``, ``]J1``), or
  other digit strings that start with an AI -> ``element_string``;
* scanner output of a plain QR Code, Data Matrix or DotCode (``]Q1``, ``]d1``, ``]J0``) holding a
  URI -> ``digital_link``; of an EAN-13 or EAN-8 (``]E0``, ``]E4``) -> ``gtin``, or
  ``element_string`` with a composite component (``|]e0…``). :func:`check` reads these through
  :mod:`trace_std.gs1.scan_data`, with ``details["symbology"]`` and spans in the scanned text.

>>> detect("18935234567892"), detect("8930000000019"), detect("389352340000000010")
('gtin', 'gtin', 'sscc')
>>> detect("(01)18935234567892(10)L1"), detect("https://id.gs1.org/01/18935234567892"), detect("hello")
('element_string', 'digital_link', None)
>>> report = check("8935234567895")
>>> report.kind, report.normalized, report.details["digital_link"]
('gtin', '08935234567895', 'https://id.gs1.org/01/08935234567895')
>>> check("8930000000019", kind="gln").details["hri"]
'(414)8930000000019'
>>> detect("]Q1https://id.gs1.org/01/09501101530003"), detect("]E09501101530003")
('digital_link', 'gtin')
>>> check("]E09501101530003").details["symbology"], check("]E09501101530003").normalized
(']E0', '09501101530003')
"""

from __future__ import annotations

import dataclasses
from contextlib import suppress
from importlib import import_module
from typing import Any

from trace_std.errors import ErrorCode, Issue, Report, TraceStdError

__all__ = [
    "KINDS",
    "ai_info",
    "build_digital_link",
    "check",
    "detect",
    "digital_link_to_element_string",
    "element_string_to_digital_link",
    "encode_element_string",
    "gs1_prefix_owner",
    "gtin_check_digit",
    "is_valid_gtin",
    "parse_digital_link",
    "parse_element_string",
    "to_gtin14",
    "validate_gln",
    "validate_gtin",
    "validate_sscc",
    "voice_pick_code",
]

KINDS: tuple[str, ...] = ("gtin", "gln", "sscc", "element_string", "digital_link")

_LAZY: dict[str, str] = {
    "parse_element_string": "element_string",
    "encode_element_string": "element_string",
    "parse_digital_link": "digital_link",
    "build_digital_link": "digital_link",
    "element_string_to_digital_link": "digital_link",
    "digital_link_to_element_string": "digital_link",
    "validate_gtin": "keys",
    "is_valid_gtin": "keys",
    "to_gtin14": "keys",
    "gtin_check_digit": "keys",
    "validate_gln": "keys",
    "validate_sscc": "keys",
    "gs1_prefix_owner": "keys",
    "voice_pick_code": "voice_pick",
    "ai_info": "ai",
}

_SYMBOLOGIES = ("]C1", "]e0", "]d2", "]Q3", "]J1")
_PLAIN_SCAN = ("]Q1", "]d1", "]J0")  # plain QR Code, Data Matrix, DotCode: a Digital Link URI
_EAN_SCAN = ("]E0", "]E4")  # EAN-13, EAN-8
_GTIN_LENGTHS = frozenset((8, 12, 13, 14))
# Key kind -> (AI, validator name in .keys)
_KEY_KINDS: dict[str, tuple[str, str]] = {
    "gtin": ("01", "validate_gtin"),
    "gln": ("414", "validate_gln"),
    "sscc": ("00", "validate_sscc"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


def detect(value: str) -> str | None:
    """The GS1 kind ``value`` looks like, or ``None`` (cheap, no validation; see the module docs)."""
    if not isinstance(value, str):
        raise TypeError(f"value must be str, not {type(value).__name__}")
    text = value.strip()
    if not text:
        return None
    head = text[:8].lower()
    if head.startswith(("http://", "https://")):
        return "digital_link"
    if text.startswith(_PLAIN_SCAN) and text[3:11].lower().startswith(("http://", "https://")):
        return "digital_link"
    if text.startswith(_EAN_SCAN):
        return "element_string" if "|" in text else "gtin"
    if text.isascii() and text.isdigit():
        n = len(text)
        if n in _GTIN_LENGTHS:
            return "gtin"
        if n == 18:
            return "sscc"
        return "element_string" if n > 3 and _starts_with_ai(text) else None
    if not text.strip("0123456789 -") and text[0].isdigit():  # a key written in groups
        compact = text.replace(" ", "").replace("-", "")
        if len(compact) in _GTIN_LENGTHS:
            return "gtin"
        return "sscc" if len(compact) == 18 else None
    if text[0] == "(" and text[1:2].isdigit():
        return "element_string"
    if text.startswith(_SYMBOLOGIES):
        return "element_string"
    if text[:2].isdigit() and "\x1d" in text and _starts_with_ai(text):
        return "element_string"
    if text.startswith("^") and text[1:3].isdigit():
        return "element_string"
    return None


def _starts_with_ai(text: str) -> bool:
    from trace_std.gs1.ai import ai_info, ai_length_from_prefix

    length = ai_length_from_prefix(text[:2])
    return length is not None and ai_info(text[:length]) is not None


def check(value: str, *, kind: str | None = None, strict: bool = False) -> Report:
    """Check ``value`` as the GS1 ``kind`` (detected when ``None``) and report every issue.

    ``details`` holds ``elements`` (``[{"ai", "value", "title"}]``), ``hri``, ``raw`` (GS
    separated) and ``digital_link`` (canonical) wherever they apply. ``strict``: keys must be
    written without spaces or hyphens; Digital Links get no permissive options.
    """
    if not isinstance(value, str):
        raise TypeError(f"value must be str, not {type(value).__name__}")
    if kind is None:
        kind = detect(value)
        if kind is None:
            report = Report(input=value, kind=None)
            code = ErrorCode.INPUT_EMPTY if not value.strip() else ErrorCode.INPUT_UNRECOGNISED
            report.add(
                Issue.error(code, "not a GS1 key, element string or Digital Link", span=(0, len(value)))
            )
            return report
    head, _, _ = _trim_text(value)
    if head.startswith(_PLAIN_SCAN + _EAN_SCAN):
        return _check_scan(value, kind, strict)
    if kind in _KEY_KINDS:
        return _check_key(value, kind, strict)
    if kind not in ("element_string", "digital_link"):
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    # Surrounding whitespace is ignored, as detect() ignores it; spans still index ``value``.
    start, end = _trim(value)
    body = value[start:end]
    if kind == "element_string":
        report = _check_element_string(body, strict)
    else:
        from trace_std.gs1 import digital_link

        report = digital_link.check(body, strict=strict)
    if body != value:
        report.input = value
        report.issues = [
            i if i.span is None else dataclasses.replace(i, span=(i.span[0] + start, i.span[1] + start))
            for i in report.issues
        ]
    return report


def _trim_text(value: str) -> tuple[str, int, int]:
    start, end = _trim(value)
    return value[start:end], start, end


def _check_scan(value: str, kind: str, strict: bool) -> Report:
    """Scanner output of a plain 2D symbol (a Digital Link) or an EAN/UPC: the carried data is
    checked as its kind, with ``details["symbology"]`` and spans in ``value``."""
    body, start, _end = _trim_text(value)
    sym = body[:3]
    if "|" in body[3:] or kind not in ("digital_link", "gtin"):
        from trace_std.gs1 import scan_data

        report = Report(input=value, kind=kind)
        try:
            scan = scan_data.parse_scan_data(body)
        except TraceStdError as err:
            report.add_error(err.shifted(start))
            return report
        from trace_std.gs1.element_string import ElementString

        es = ElementString(scan.elements)
        report.details.update({"elements": es.to_dicts(), "hri": es.hri(), "raw": es.raw()})
        report.normalized = es.hri()
    else:
        report = check(body[3:], kind=kind, strict=strict)
        report.input = value
        report.issues = [
            i
            if i.span is None
            else dataclasses.replace(i, span=(i.span[0] + start + 3, i.span[1] + start + 3))
            for i in report.issues
        ]
    report.details["symbology"] = sym
    return report


def _trim(value: str) -> tuple[int, int]:
    """``(start, end)`` of ``value`` without surrounding whitespace (whole when only whitespace).

    The ASCII information separators (GS etc.), which ``str.isspace`` counts as whitespace, are kept:
    in an element string they are FNC1 separators that the checker must see.
    """

    def blank(ch: str) -> bool:
        return ch.isspace() and not "\x1c" <= ch <= "\x1f"

    start, end = 0, len(value)
    while start < end and blank(value[start]):
        start += 1
    while end > start and blank(value[end - 1]):
        end -= 1
    return (start, end) if start < end else (0, len(value))


def _check_key(value: str, kind: str, strict: bool) -> Report:
    from trace_std.gs1 import keys, prefixes
    from trace_std.gs1.ai import data_version_string
    from trace_std.gs1.element_string import ElementString

    ai, validator = _KEY_KINDS[kind]
    report = Report(input=value, kind=kind)
    report.data_versions["gs1_prefixes"] = prefixes.data_version_used()
    report.data_versions["gs1_ai"] = data_version_string()
    if strict:
        for i, ch in enumerate(value):
            if ch in " -\t\r\n":
                report.add_error(
                    TraceStdError.from_code(
                        ErrorCode.GS1_KEY_CHARACTER,
                        "strict mode: write the key without spaces or hyphens",
                        span=(i, i + 1),
                        context={"actual": ch},
                    )
                )
                return report
    try:
        canonical: str = getattr(keys, validator)(value)
    except TraceStdError as err:
        report.add_error(err)
        return report
    report.normalized = canonical
    found = prefixes.gs1_prefix(canonical)
    report.segments = {
        "gs1_prefix": found.prefix if found else None,
        "gs1_prefix_owner": found.owner if found else None,
        "check_digit": canonical[-1],
    }
    es = ElementString(((ai, canonical),))
    report.details.update({"elements": es.to_dicts(), "hri": es.hri(), "raw": es.raw()})
    report.details["digital_link"] = f"https://id.gs1.org/{ai}/{canonical}"
    return report


def _check_element_string(value: str, strict: bool = False) -> Report:
    from trace_std.gs1 import element_string
    from trace_std.gs1.digital_link import build_digital_link

    # "^" stands for FNC1 only in text that starts with it (GS1 engine / BWIPP convention).
    report = element_string.check(value, caret_fnc1=value.startswith("^"), strict=strict)
    if report.valid and report.details.get("elements"):
        pairs = [(e["ai"], e["value"]) for e in report.details["elements"]]
        # No Digital Link when there is no primary key or an AI a Digital Link cannot carry.
        with suppress(TraceStdError):
            report.details["digital_link"] = build_digital_link(pairs, validate=False)
    return report
