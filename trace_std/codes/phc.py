"""PHC (Packing-house code, mã số cơ sở đóng gói): Vietnamese export packing-house codes.

Scheme ``vn-export`` of ``trace_std/data/code_schemes.json``:
``VN-<province letters>PH-<sequence>``, e.g. ``VN-BTPH-036``.

* ``VN``: Viet Nam.
* province letters: 2–3 letters abbreviating the pre-2025 (63-province) name, chosen by the issuer
  (``DT`` Đồng Tháp, ``BT`` Bến Tre, ``DN`` Đồng Nai, ``TG`` Tiền Giang...). No official list
  exists: unknown letters are a *warning* (``code.abbreviation.unknown``).
* ``PH``: packing house (``OR`` would make it a planting-area code, see :mod:`trace_std.codes.puc`;
  such input is ``code.kind.mismatch`` here).
* sequence: 3 or 4 ASCII digits (both are seen: ``036``, ``0001``). Kept as printed: ``036`` and
  ``0036`` are different codes; nothing is re-padded.

Issuer: the Plant Protection Department (Cục BVTV, MARD), since 2025 the Department of Crop
Production and Plant Protection (Cục Trồng trọt và BVTV, MAE); approval by the importing country.
Legal sources: protocols with importing countries; MARD Directive 1838/CT-BNN-BVTV (28 Mar 2022);
MARD document 1776/BNN-BVTV (23 Mar 2023); base standard TCCS 775:2020/BVTV (packing houses).
Confidence: shape confirmed by real codes [C]; reading ``PH`` as "packing house" is confirmed by
every source describing such codes, the segment grammar is inferred [I]; no official grammar [NF].

Normalisation is the same as for PUCs (lenient by default, every change a warning with its span;
``strict=True`` accepts only the canonical form; ASCII digits only; input over 64 characters is
``input.too_long``).

>>> validate("VN-BTPH-036")
'VN-BTPH-036'
>>> validate("VN-DTPH-0001")
'VN-DTPH-0001'
>>> validate("VN - TGPH - 0219")
'VN-TGPH-0219'
>>> [validate(c) for c in ("VN-DNPH-120", "VN-DNPH-129", "VN-DNPH-131")]
['VN-DNPH-120', 'VN-DNPH-129', 'VN-DNPH-131']
>>> is_valid("VN-BTPH-36"), is_valid("VN-BTPH-00036"), is_valid("VN-DTOR-0017")
(False, False, False)
>>> validate("VN-DTOR-0017")
Traceback (most recent call last):
    ...
trace_std.errors.InvalidCombination: this is a PUC, not a PHC
>>> p = parse("VN-BTPH-036")
>>> p.kind, p.segments["type"], p.province_code, p.province_name, p.successor_name
('phc', 'PH', '83', 'Bến Tre', 'Vĩnh Long')
>>> format("vn-btph036")
'VN-BTPH-036'
>>> [(i.code, i.span) for i in check("VN-BTPH-03A").errors]
[('code.segment.character', (10, 11))]
"""

from __future__ import annotations

import datetime

from trace_std.codes._engine import (
    ParsedCode,
    check_kinds,
    fast_path,
    is_valid_kinds,
    parse_kinds,
    validate_kinds,
)
from trace_std.codes._engine import compact as _compact
from trace_std.errors import Report

__all__ = ["KIND", "ParsedCode", "check", "compact", "format", "is_valid", "parse", "validate"]

KIND = "phc"
_KINDS = frozenset({KIND})
_MATCH, _CONFIRM = fast_path(_KINDS)


def compact(value: str) -> str:
    """Normalise ``value`` (NFKC, dashes, whitespace, case) without checking its structure."""
    return _compact(value)


def validate(value: str, *, strict: bool = False) -> str:
    """Return the canonical PHC, or raise the first problem as a ``TraceStdError``."""
    m = _MATCH(value)  # hot path: canonical input (a non-str raises TypeError here)
    if m is not None and (m.lastgroup is None or _CONFIRM(value)):
        return value
    return validate_kinds(value, _KINDS, strict=strict)


def is_valid(value: str, *, strict: bool = False) -> bool:
    """``True`` when ``value`` is a valid PHC. Never raises (non-strings are not valid)."""
    if value.__class__ is str:
        m = _MATCH(value)
        if m is not None and (m.lastgroup is None or _CONFIRM(value)):
            return True
    return is_valid_kinds(value, _KINDS, strict=strict)


def format(value: str) -> str:
    """The canonical printed form (lenient input accepted)."""
    return validate(value)


def parse(value: str, *, strict: bool = False, as_of: datetime.date | None = None) -> ParsedCode:
    """Split a PHC into its segments and resolve its province, or raise the first problem."""
    return parse_kinds(value, _KINDS, strict=strict, as_of=as_of)


def check(value: str, *, strict: bool = False, as_of: datetime.date | None = None) -> Report:
    """Every problem of ``value`` as a PHC, collected in a :class:`~trace_std.errors.Report`."""
    return check_kinds(value, _KINDS, strict=strict, as_of=as_of)
