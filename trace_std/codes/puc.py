"""PUC (Planting-area code, mã số vùng trồng): Vietnamese planting-area codes.

Two families of planting-area codes are in use. Both are handled here; the formats are data in
``trace_std/data/code_schemes.json`` (pattern, segments, meaning, legal source, confidence).

**Export PUC** (scheme ``vn-export``): ``VN-<province letters>OR-<sequence>``, e.g. ``VN-DTOR-0017``.

* ``VN``: Viet Nam.
* province letters: 2–3 letters abbreviating the pre-2025 (63-province) name, chosen by the issuer
  (``DT`` Đồng Tháp, ``BT`` Bến Tre, ``DN`` Đồng Nai, ``DNO`` Đắk Nông, ``DL`` Đắk Lắk, ``TG`` Tiền
  Giang). No official list exists, so letters missing from the table are a *warning*
  (``code.abbreviation.unknown``), and letters several provinces could claim are
  ``code.abbreviation.ambiguous``.
* ``OR``: planting area ("orchard"); ``PH`` marks a packing house (see :mod:`trace_std.codes.phc`).
* sequence: 3–4 ASCII digits (PUCs are seen with 4). Kept as printed, never re-padded.

Issuer: the Plant Protection Department (Cục BVTV, MARD), since 2025 the Department of Crop
Production and Plant Protection (Cục Trồng trọt và BVTV, MAE), with approval by the importing
country (GACC, USDA...). Legal sources: protocols with importing countries; MARD Directive
1838/CT-BNN-BVTV (28 Mar 2022); MARD document 1776/BNN-BVTV (23 Mar 2023); base standards TCCS
774:2020/BVTV and 775:2020/BVTV. Confidence: shape confirmed by several real codes [C]; meaning of
the segments inferred [I]; no official grammar was found [NF].

**Domestic PUC** (scheme ``vn-3156``, Decision 3156/QĐ-BNN-TT of 19 Aug 2022, Law on Crop
Production 2018 Art. 64): ``VN-<province 2>-<district 3>-<commune 5>-<facility ≥2>-<YY>``.

* province, district, commune: GSO numeric administrative codes (Decision 124/2004/QĐ-TTg until
  30 Jun 2025, Decision 19/2025/QĐ-TTg from 1 Jul 2025);
* facility: numbered by the province from ``01``; YY: last two digits of the issue year.

The code is checked against the administrative table valid in its issue year: the province must
exist (``puc.province.unknown``), the district must belong to the province
(``puc.district.unknown``/``puc.district.mismatch``) and the commune to the district
(``puc.commune.unknown``/``puc.commune.mismatch``). An issue year of 2025 may use either table. From
2026 the 34-province table applies; it has no districts, so the district segment draws the warning
``puc.district.abolished``. Confidence: structure [C]; separators and digit counts [I]; no real
domestic code was found [NF].

**US-market dotted code** (scheme ``us-dotted``): ``PB.33.01.01.001``, as printed by the Vietnamese
press for a pomelo area approved for the USA (next to its IRADS number). Accepted by shape only:
two letters and four dot-separated digit groups (2, 2, 2, 3). One example is known [S]; the meaning
of its segments was not found [NF].

**Normalisation** (default, lenient): the original string is kept, and every change is reported as a
warning with its span in the original: NFKC (full-width ``ＶＮ`` → ``VN``: ``code.form.compatibility``),
Unicode dashes → ``-`` (``code.form.dash``), the Vietnamese letter ``Đ``/``đ`` → ``D``
(``code.form.vietnamese_d``: the press writes ``VN-ĐLOR-0071`` for Đắk Lắk's ``DL``), whitespace
removed (``code.form.whitespace``) or, when
that reads better, a run of spaces between two letters or digits taken as the separator
(``VN SLOR 0001`` → ``VN-SLOR-0001``, also a ``code.form.whitespace`` warning),
upper-casing (``code.form.case``), and a missing ``-`` before the export sequence inserted
(``code.separator.missing``). With ``strict=True`` each of these is an error: only the canonical
form is accepted. Digits are ASCII ``0-9`` only: Arabic-Indic and other non-ASCII digits are
``code.character.non_ascii_digit`` errors (full-width digits are turned into ASCII by NFKC, with a
warning, in lenient mode only). Input longer than 64 characters is rejected with
``input.too_long`` before anything else; control characters are ``input.control_character``.

>>> validate("VN-DTOR-0017")
'VN-DTOR-0017'
>>> validate("VN-DNOOR0039")
'VN-DNOOR-0039'
>>> validate("VN - DNOR - 0269")
'VN-DNOR-0269'
>>> validate("vn – dtor – 0574")
'VN-DTOR-0574'
>>> validate("VN-DTOR-17")
Traceback (most recent call last):
    ...
trace_std.errors.InvalidLength: sequence has 2 characters
>>> is_valid("VN-DTOR-00017"), is_valid("VN-DT-OR-0017"), is_valid("VN-DTPH-0001")
(False, False, False)
>>> is_valid("VN-DNOOR0039", strict=True)
False
>>> code = parse("VN-DLOR-0188")
>>> code.segments["province"], code.segments["sequence"], code.province_name, code.successor_name
('DL', '0188', 'Đắk Lắk', 'Đắk Lắk')
>>> parse("VN-DTOR-0018").successor_name
'Đồng Tháp'
>>> format("vn-dtor-0017")
'VN-DTOR-0017'
>>> compact(" vn-dtor 0017 ")
'VN-DTOR0017'
>>> d = parse("VN-75-731-26041-12-24", as_of=datetime.date(2025, 1, 1))
>>> d.scheme, d.province_name, d.district_name, d.commune_name, d.issue_year
('vn-3156', 'Đồng Nai', 'Thành phố Biên Hòa', 'Phường Trung Dũng', 2024)
>>> parse("PB.33.01.01.001").scheme
'us-dotted'
>>> [(i.code, i.span) for i in check("VN-14-116-04108-01-23").errors]
[('puc.commune.mismatch', (10, 15))]
>>> [(i.code, i.severity.value, i.span) for i in check("VN-XYOR-0001").issues]
[('code.abbreviation.unknown', 'warning', (3, 5))]
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

KIND = "puc"
_KINDS = frozenset({KIND})
_MATCH, _CONFIRM = fast_path(_KINDS)


def compact(value: str) -> str:
    """Normalise ``value`` (NFKC, dashes, whitespace, case) without checking its structure."""
    return _compact(value)


def validate(value: str, *, strict: bool = False) -> str:
    """Return the canonical PUC, or raise the first problem as a ``TraceStdError``."""
    m = _MATCH(value)  # hot path: canonical input (a non-str raises TypeError here)
    if m is not None and (m.lastgroup is None or _CONFIRM(value)):
        return value
    return validate_kinds(value, _KINDS, strict=strict)


def is_valid(value: str, *, strict: bool = False) -> bool:
    """``True`` when ``value`` is a valid PUC. Never raises (non-strings are not valid)."""
    if value.__class__ is str:
        m = _MATCH(value)
        if m is not None and (m.lastgroup is None or _CONFIRM(value)):
            return True
    return is_valid_kinds(value, _KINDS, strict=strict)


def format(value: str) -> str:
    """The canonical printed form (lenient input accepted)."""
    return validate(value)


def parse(value: str, *, strict: bool = False, as_of: datetime.date | None = None) -> ParsedCode:
    """Split a PUC into its segments and resolve its province, or raise the first problem.

    ``as_of`` is the reference date for the "issue year in the future" check (default: today).
    """
    return parse_kinds(value, _KINDS, strict=strict, as_of=as_of)


def check(value: str, *, strict: bool = False, as_of: datetime.date | None = None) -> Report:
    """Every problem of ``value`` as a PUC, collected in a :class:`~trace_std.errors.Report`."""
    return check_kinds(value, _KINDS, strict=strict, as_of=as_of)
