"""GS1 identification keys: GTIN, GLN, SSCC, GSRN, GSIN, GDTI, GCN, GRAI, GIAI, GINC.

Every key module verb follows python-stdnum: ``compact`` strips spaces and
hyphens, ``validate_<key>`` returns the canonical form or raises a
:class:`~trace_std.errors.TraceStdError` (code + span in the caller's original
string), ``is_valid_<key>`` never raises for a ``str``.

Structure (GS1 General Specifications; the AI formats come from the GS1 Barcode
Syntax Dictionary):

=======  ==========================================  ====  ===========
key      format                                      AI    check digit
=======  ==========================================  ====  ===========
GTIN     8, 12, 13 or 14 digits (canonical 14)        01    mod 10
GLN      13 digits                                   414   mod 10
SSCC     18 digits                                   00    mod 10
GSRN     18 digits                                   8017  mod 10
GSIN     17 digits                                   402   mod 10
GDTI     13 digits + optional serial (≤17 CSET 82)   253   mod 10 on the 13
GCN      13 digits + optional serial (≤12 digits)    255   mod 10 on the 13
GRAI     "0" + 13 digits + optional serial (≤16)     8003  mod 10 on the 13
GIAI     ≤30 CSET 82 characters                      8004  none
GINC     ≤30 CSET 82 characters                      401   none
=======  ==========================================  ====  ===========

The mod-10 check digit weights the digits 3, 1, 3, 1 ... from the right
(the check digit itself has weight 1); the weighted sum is a multiple of 10.

>>> validate_gtin("1234567890128")
'01234567890128'
>>> is_valid_gtin("1234567890127")
False
>>> gtin_check_digit("893523456789")
5
>>> validate_sscc("123456789012345675")
'123456789012345675'
>>> validate_grai("04012345000016ABC")
'04012345000016ABC'
"""

from __future__ import annotations

from collections.abc import Callable

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.gs1 import linters as _linters

__all__ = [
    "CSET82",
    "KEY_AIS",
    "KEY_KINDS",
    "check_digit",
    "compact",
    "gln_check_digit",
    "gs1_prefix_owner",
    "gtin_check_digit",
    "is_valid_check_digit",
    "is_valid_gcn",
    "is_valid_gdti",
    "is_valid_giai",
    "is_valid_ginc",
    "is_valid_gln",
    "is_valid_grai",
    "is_valid_gsin",
    "is_valid_gsrn",
    "is_valid_gtin",
    "is_valid_key",
    "is_valid_sscc",
    "sscc_check_digit",
    "to_gtin14",
    "validate_gcn",
    "validate_gdti",
    "validate_giai",
    "validate_ginc",
    "validate_gln",
    "validate_grai",
    "validate_gsin",
    "validate_gsrn",
    "validate_gtin",
    "validate_key",
    "validate_sscc",
]

#: GS1 AI character set 82 (the ``X`` type of the Syntax Dictionary), from the linters module.
CSET82 = frozenset(_linters.CSET82)

#: The AI that carries each key in element strings and Digital Links.
KEY_AIS: dict[str, str] = {
    "gtin": "01",
    "gln": "414",
    "sscc": "00",
    "gsrn": "8017",
    "gsin": "402",
    "gdti": "253",
    "gcn": "255",
    "grai": "8003",
    "giai": "8004",
    "ginc": "401",
}
KEY_KINDS: tuple[str, ...] = tuple(KEY_AIS)

_GTIN_LENGTHS = frozenset((8, 12, 13, 14))
# The ASCII offset (48 per digit, times its weight) of linters.weighted_total, per GTIN length.
_GTIN_OFFSETS = {n: 48 * ((n + 1) // 2 + 3 * (n // 2)) for n in _GTIN_LENGTHS}
_SEPARATORS = " -\t\r\n"


def _require_str(value: object, name: str = "value") -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    return value


def check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for ``digits`` (the key without its check digit).

    >>> check_digit("0234567")
    3
    >>> check_digit("12345678901234567")
    5
    """
    _require_str(digits, "digits")
    if not digits or not (digits.isascii() and digits.isdigit()):
        raise TraceStdError.from_code(
            ErrorCode.GS1_KEY_CHARACTER if digits else ErrorCode.INPUT_EMPTY,
            "check digits are computed over ASCII digits only",
            span=_first_non_digit(digits),
        )
    return _linters.gs1_check_digit(digits)


def is_valid_check_digit(digits: str) -> bool:
    """Whether the last of ``digits`` (ASCII digits) is the right GS1 mod-10 check digit.

    >>> is_valid_check_digit("02345673"), is_valid_check_digit("02345674")
    (True, False)
    """
    _require_str(digits, "digits")
    if len(digits) < 2 or not (digits.isascii() and digits.isdigit()):
        return False
    return _linters.weighted_total(digits.encode("ascii")) % 10 == 0


def _first_non_digit(value: str) -> tuple[int, int]:
    for i, ch in enumerate(value):
        if not ("0" <= ch <= "9"):
            return (i, i + 1)
    return (0, len(value))


def compact(value: str) -> str:
    """``value`` without spaces, hyphens, tabs and line breaks.

    >>> compact(" 893 5234 56789-2 ")
    '8935234567892'
    """
    _require_str(value)
    return _compact_with_positions(value)[0]


def _compact_with_positions(value: str) -> tuple[str, list[int]]:
    """Compacted text and, for each kept character, its index in ``value``."""
    kept: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(value):
        if ch in _SEPARATORS:
            continue
        kept.append(ch)
        where.append(i)
    return "".join(kept), where


def _error(code: ErrorCode, message: str, span: tuple[int, int], **context: object) -> TraceStdError:
    return TraceStdError.from_code(code, message, span=span, context=context)


def _validate_numeric(value: str, lengths: frozenset[int], name: str) -> str:
    """Slow, precise path: compact, then check characters, length and check digit."""
    text, where = _compact_with_positions(value)
    if not text:
        raise _error(ErrorCode.INPUT_EMPTY, f"empty {name}", (0, len(value)))
    for j, ch in enumerate(text):
        if not ("0" <= ch <= "9"):
            i = where[j]
            raise _error(
                ErrorCode.GS1_KEY_CHARACTER, f"{name} must contain only digits", (i, i + 1), actual=ch
            )
    if len(text) not in lengths:
        raise _error(
            ErrorCode.GS1_KEY_LENGTH,
            f"{name} must have {_lengths(lengths)} digits",
            (where[0], where[-1] + 1),
            expected=sorted(lengths),
            actual=len(text),
        )
    if _linters.weighted_total(text.encode("ascii")) % 10:
        i = where[-1]
        raise _error(
            ErrorCode.GS1_KEY_CHECKSUM,
            f"wrong {name} check digit",
            (i, i + 1),
            expected=str(check_digit(text[:-1])),
            actual=text[-1],
        )
    return text


def _lengths(lengths: frozenset[int]) -> str:
    ordered = [str(n) for n in sorted(lengths)]
    return ordered[0] if len(ordered) == 1 else ", ".join(ordered[:-1]) + " or " + ordered[-1]


# -- GTIN ---------------------------------------------------------------------


def is_valid_gtin(value: str) -> bool:
    """Whether ``value`` is a GTIN-8, -12, -13 or -14 with a correct check digit.

    Spaces and hyphens are ignored, as in :func:`validate_gtin`.

    >>> is_valid_gtin("02345673"), is_valid_gtin("416000336108"), is_valid_gtin("12345678901231")
    (True, True, True)
    >>> is_valid_gtin("1234567890123")
    False
    """
    if value.__class__ is not str:
        _require_str(value)
    offset = _GTIN_OFFSETS.get(len(value))
    if offset is not None and value.isascii() and value.isdigit():
        b = value.encode()  # the body of linters.weighted_total, inlined: the hot path
        return (sum(b[-1::-2]) + 3 * sum(b[-2::-2]) - offset) % 10 == 0
    try:
        _validate_numeric(value, _GTIN_LENGTHS, "GTIN")
    except TraceStdError:
        return False
    return True


def validate_gtin(value: str) -> str:
    """Validate a GTIN-8/12/13/14 and return it as 14 digits (zero-padded on the left).

    >>> validate_gtin("416000336108")
    '00416000336108'
    >>> validate_gtin("8935234567897")
    Traceback (most recent call last):
    ...
    trace_std.errors.InvalidChecksum: wrong GTIN check digit
    """
    _require_str(value)
    if len(value) in _GTIN_LENGTHS and value.isascii() and value.isdigit():
        if _linters.weighted_total(value.encode()) % 10 == 0:
            return value.zfill(14)
        n = len(value)
        raise _error(
            ErrorCode.GS1_KEY_CHECKSUM,
            "wrong GTIN check digit",
            (n - 1, n),
            expected=str(check_digit(value[:-1])),
            actual=value[-1],
        )
    return _validate_numeric(value, _GTIN_LENGTHS, "GTIN").zfill(14)


def to_gtin14(value: str) -> str:
    """Same as :func:`validate_gtin`: the canonical 14-digit form of a valid GTIN.

    >>> to_gtin14("02345673")
    '00000002345673'
    """
    return validate_gtin(value)


def gtin_check_digit(digits: str) -> int:
    """Check digit of a GTIN body of 7, 11, 12 or 13 digits.

    >>> gtin_check_digit("1234567890123")
    1
    """
    _require_str(digits, "digits")
    if len(digits) not in (7, 11, 12, 13):
        raise _error(
            ErrorCode.GS1_KEY_LENGTH,
            "a GTIN body has 7, 11, 12 or 13 digits",
            (0, len(digits)),
            expected=[7, 11, 12, 13],
            actual=len(digits),
        )
    return check_digit(digits)


# -- fixed-length numeric keys ------------------------------------------------

_GLN = frozenset((13,))
_SSCC = frozenset((18,))
_GSIN = frozenset((17,))


def validate_gln(value: str) -> str:
    """Validate a 13-digit GLN and return it compacted.

    >>> validate_gln("8930000000019")
    '8930000000019'
    """
    _require_str(value)
    return _validate_numeric(value, _GLN, "GLN")


def is_valid_gln(value: str) -> bool:
    """Whether ``value`` is a valid GLN."""
    return _is_valid(validate_gln, value)


def gln_check_digit(digits: str) -> int:
    """Check digit of a 12-digit GLN body."""
    return _body_check_digit(digits, 12, "GLN")


def validate_sscc(value: str) -> str:
    """Validate an 18-digit SSCC (extension digit + GS1 company prefix + serial reference)."""
    _require_str(value)
    return _validate_numeric(value, _SSCC, "SSCC")


def is_valid_sscc(value: str) -> bool:
    """Whether ``value`` is a valid SSCC."""
    return _is_valid(validate_sscc, value)


def sscc_check_digit(digits: str) -> int:
    """Check digit of a 17-digit SSCC body.

    >>> sscc_check_digit("12345678901234567")
    5
    """
    return _body_check_digit(digits, 17, "SSCC")


def validate_gsrn(value: str) -> str:
    """Validate an 18-digit GSRN (service relation number, AIs 8017/8018)."""
    _require_str(value)
    return _validate_numeric(value, _SSCC, "GSRN")


def is_valid_gsrn(value: str) -> bool:
    """Whether ``value`` is a valid GSRN."""
    return _is_valid(validate_gsrn, value)


def validate_gsin(value: str) -> str:
    """Validate a 17-digit GSIN (global shipment identification number, AI 402)."""
    _require_str(value)
    return _validate_numeric(value, _GSIN, "GSIN")


def is_valid_gsin(value: str) -> bool:
    """Whether ``value`` is a valid GSIN."""
    return _is_valid(validate_gsin, value)


def _body_check_digit(digits: str, length: int, name: str) -> int:
    _require_str(digits, "digits")
    if len(digits) != length:
        raise _error(
            ErrorCode.GS1_KEY_LENGTH,
            f"a {name} body has {length} digits",
            (0, len(digits)),
            expected=[length],
            actual=len(digits),
        )
    return check_digit(digits)


def _is_valid(validator: Callable[[str], str], value: str) -> bool:
    try:
        validator(value)
    except TraceStdError:
        return False
    return True


# -- keys with a numeric base and an optional serial ---------------------------


def _validate_composite(
    value: str,
    name: str,
    *,
    lead_zero: bool,
    serial_max: int,
    serial_numeric: bool,
) -> str:
    """GDTI/GCN/GRAI: [``0``] + 13 digits with check digit + optional serial."""
    _require_str(value)
    text = value.strip()
    offset = len(value) - len(value.lstrip())
    if not text:
        raise _error(ErrorCode.INPUT_EMPTY, f"empty {name}", (0, len(value)))
    base_start = 1 if lead_zero else 0
    base_end = base_start + 13
    if lead_zero and text[0] != "0":
        raise _error(
            ErrorCode.GS1_KEY_COMPONENT,
            f"a {name} starts with the digit 0",
            (offset, offset + 1),
            expected="0",
            actual=text[0],
        )
    for i, ch in enumerate(text[:base_end]):
        if not ("0" <= ch <= "9"):
            raise _error(
                ErrorCode.GS1_KEY_CHARACTER,
                f"the {name} base must be digits",
                (offset + i, offset + i + 1),
                actual=ch,
            )
    if len(text) < base_end or len(text) > base_end + serial_max:
        raise _error(
            ErrorCode.GS1_KEY_LENGTH,
            f"a {name} has {base_end} to {base_end + serial_max} characters",
            (offset, offset + len(text)),
            expected=[base_end, base_end + serial_max],
            actual=len(text),
        )
    base = text[base_start:base_end]
    if _linters.weighted_total(base.encode("ascii")) % 10:
        i = offset + base_end - 1
        raise _error(
            ErrorCode.GS1_KEY_CHECKSUM,
            f"wrong {name} check digit",
            (i, i + 1),
            expected=str(check_digit(base[:-1])),
            actual=base[-1],
        )
    for i, ch in enumerate(text[base_end:], start=base_end):
        ok = "0" <= ch <= "9" if serial_numeric else ch in CSET82
        if not ok:
            raise _error(
                ErrorCode.GS1_KEY_CHARACTER,
                f"invalid character in the {name} serial",
                (offset + i, offset + i + 1),
                actual=ch,
            )
    return text


def validate_gdti(value: str) -> str:
    """Validate a GDTI: 13-digit document type with check digit + optional serial (≤17, CSET 82).

    >>> validate_gdti("4012345000016ABC-1")
    '4012345000016ABC-1'
    """
    return _validate_composite(value, "GDTI", lead_zero=False, serial_max=17, serial_numeric=False)


def is_valid_gdti(value: str) -> bool:
    """Whether ``value`` is a valid GDTI."""
    return _is_valid(validate_gdti, value)


def validate_gcn(value: str) -> str:
    """Validate a GCN (global coupon number): 13 digits with check digit + optional ≤12-digit serial."""
    return _validate_composite(value, "GCN", lead_zero=False, serial_max=12, serial_numeric=True)


def is_valid_gcn(value: str) -> bool:
    """Whether ``value`` is a valid GCN."""
    return _is_valid(validate_gcn, value)


def validate_grai(value: str) -> str:
    """Validate a GRAI as carried in AI 8003: ``0`` + 13-digit asset type + optional serial (≤16)."""
    return _validate_composite(value, "GRAI", lead_zero=True, serial_max=16, serial_numeric=False)


def is_valid_grai(value: str) -> bool:
    """Whether ``value`` is a valid GRAI."""
    return _is_valid(validate_grai, value)


# -- alphanumeric keys without a check digit -----------------------------------


def _validate_cset82(value: str, name: str, max_length: int) -> str:
    _require_str(value)
    text = value.strip()
    offset = len(value) - len(value.lstrip())
    if not text:
        raise _error(ErrorCode.INPUT_EMPTY, f"empty {name}", (0, len(value)))
    for i, ch in enumerate(text):
        if ch not in CSET82:
            raise _error(
                ErrorCode.GS1_KEY_CHARACTER,
                f"{name} characters come from GS1 CSET 82",
                (offset + i, offset + i + 1),
                actual=ch,
            )
    if len(text) > max_length:
        raise _error(
            ErrorCode.GS1_KEY_LENGTH,
            f"a {name} has at most {max_length} characters",
            (offset, offset + len(text)),
            expected=[1, max_length],
            actual=len(text),
        )
    return text


def validate_giai(value: str) -> str:
    """Validate a GIAI (individual asset): up to 30 CSET 82 characters, no check digit.

    >>> validate_giai("8935234ASSET-0001")
    '8935234ASSET-0001'
    """
    return _validate_cset82(value, "GIAI", 30)


def is_valid_giai(value: str) -> bool:
    """Whether ``value`` is a syntactically valid GIAI."""
    return _is_valid(validate_giai, value)


def validate_ginc(value: str) -> str:
    """Validate a GINC (consignment number): up to 30 CSET 82 characters, no check digit."""
    return _validate_cset82(value, "GINC", 30)


def is_valid_ginc(value: str) -> bool:
    """Whether ``value`` is a syntactically valid GINC."""
    return _is_valid(validate_ginc, value)


# -- by kind --------------------------------------------------------------------

_VALIDATORS: dict[str, Callable[[str], str]] = {
    "gtin": validate_gtin,
    "gln": validate_gln,
    "sscc": validate_sscc,
    "gsrn": validate_gsrn,
    "gsin": validate_gsin,
    "gdti": validate_gdti,
    "gcn": validate_gcn,
    "grai": validate_grai,
    "giai": validate_giai,
    "ginc": validate_ginc,
}


def validate_key(kind: str, value: str) -> str:
    """Validate ``value`` as the key ``kind`` (one of :data:`KEY_KINDS`).

    >>> validate_key("gtin", "02345673")
    '00000002345673'
    """
    _require_str(kind, "kind")
    try:
        validator = _VALIDATORS[kind]
    except KeyError:
        raise ValueError(f"unknown key kind {kind!r}; expected one of {', '.join(KEY_KINDS)}") from None
    return validator(value)


def is_valid_key(kind: str, value: str) -> bool:
    """Whether ``value`` is a valid key of ``kind``."""
    try:
        validate_key(kind, value)
    except TraceStdError:
        return False
    return True


def gs1_prefix_owner(digits: str) -> str | None:
    """The GS1 member organisation (or special use) of the GS1 prefix of a key.

    ``digits`` is a GTIN-8/12/13/14, GLN, SSCC or a GS1 company prefix laid out
    as in a GTIN-13/GLN (see :func:`trace_std.gs1.prefixes.gs1_prefix`).

    >>> gs1_prefix_owner("8935234567892")
    'GS1 Vietnam'
    """
    from trace_std.gs1.prefixes import gs1_prefix

    found = gs1_prefix(digits)
    return None if found is None else found.owner
