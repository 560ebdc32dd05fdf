"""GS1 syntax linters: the content checks named by the GS1 Barcode Syntax Dictionary.

Each linter takes one component value (a ``str``) and returns ``None`` when the value passes, or
the half-open ``(start, end)`` span of the offending characters *within that value*. The caller
shifts the span into its own input and raises the linter's error code, which is
``"gs1.lint." + name`` (see :data:`LINT_CODES`). :data:`LINTERS` maps every linter name that the
dictionary uses (plus the character-set checks ``cset82``, ``cset39`` and ``cset64`` behind the
``X``, ``Y`` and ``Z`` component types) to its function; the table generator refuses a dictionary
naming a linter missing here.

The rules follow the GS1 General Specifications and the documented behaviour of GS1's reference
linters (GS1 Barcode Syntax Tests); the code is this project's own.

>>> gs1_check_digit("893523456789")   # GTIN-13 without its check digit
5
>>> lint_csum("8935234567895") is None, lint_csum("8935234567893")
(True, (12, 13))
>>> lint_yymmdd("250229"), lint_yymmdd("240229") is None, lint_yymmd0("250200") is None
((4, 6), True, True)
>>> lint_cset82("LOT 12"), lint_iso3166("704") is None, lint_iso3166("999")
((3, 4), True, (0, 3))
>>> lint_csumalpha("1987654Ad4X4bL5ttr2310c2K") is None
True
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cache
from typing import Final

__all__ = [
    "CSET32",
    "CSET39",
    "CSET64",
    "CSET82",
    "LINTERS",
    "LINT_CODES",
    "LINT_MESSAGES",
    "Span",
    "full_year",
    "gs1_check_digit",
    "gs1_check_pair",
    "withdrawn_currency",
]

Span = tuple[int, int]
Linter = Callable[[str], "Span | None"]

#: GS1 AI encodable character set 82, in the order that gives each character its value.
CSET82: Final = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
#: GS1 AI encodable character set 39.
CSET39: Final = "#-/0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: GS1 AI encodable character set 64 (file-safe / URI-safe base64), without the ``=`` padding.
CSET64: Final = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
#: The 32 characters of a GS1 alphanumeric check character pair, in value order.
CSET32: Final = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

_CSET82_VALUE: Final = {c: i for i, c in enumerate(CSET82)}
_CSET82_SET: Final = frozenset(CSET82)
_CSET32_SET: Final = frozenset(CSET32)
_HEX: Final = frozenset("0123456789ABCDEFabcdef")
_IMPORTER_INDEX: Final = frozenset("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_DAYS: Final = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# Prime weights of the alphanumeric check pair, applied from the right (first 97 primes).
_PRIMES: Final = tuple(p for p in range(2, 510) if all(p % d for d in range(2, int(p**0.5) + 1)))


def _is_digits(s: str) -> bool:
    return s.isascii() and s.isdigit()


def _first_not_in(s: str, allowed: str | frozenset[str]) -> int:
    for i, c in enumerate(s):
        if c not in allowed:
            return i
    return -1


def _non_digit(s: str) -> Span | None:
    """Span of the first non-ASCII-digit character, if any."""
    if _is_digits(s):
        return None
    i = _first_not_in(s, "0123456789")
    return (i, i + 1) if i >= 0 else (0, len(s))


# -- check digits --------------------------------------------------------------


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit for ``digits`` (the data digits, *without* the check digit).

    Weights 3, 1, 3, ... are applied from the rightmost digit leftwards; the check digit makes the
    weighted sum a multiple of 10. Raises ``ValueError`` on non-digits, ``TypeError`` on non-str.

    >>> gs1_check_digit("0950110153000"), gs1_check_digit("12345678901234567")
    (3, 5)
    """
    if not isinstance(digits, str):
        raise TypeError(f"digits must be str, not {type(digits).__name__}")
    if not _is_digits(digits):
        raise ValueError("digits must be ASCII digits")
    odd = sum(map(int, digits[::-2]))  # rightmost and every second digit: weight 3
    even = sum(map(int, digits[-2::-2]))
    return -(3 * odd + even) % 10


def weighted_total(b: bytes) -> int:
    """Weighted mod-10 sum of ASCII digits ``b`` *including* the check digit (0 mod 10 if valid).

    Weights from the right: 1 for the check digit, then 3, 1, 3... Summing byte slices runs in C,
    several times faster than a Python loop (the GS1 keys' hot path uses it too).
    """
    n = len(b)
    return sum(b[-1::-2]) + 3 * sum(b[-2::-2]) - 48 * ((n + 1) // 2 + 3 * (n // 2))


def lint_csum(s: str) -> Span | None:
    """The last digit is the GS1 mod-10 check digit of the digits before it."""
    if not (s.isdigit() and s.isascii()):
        return _non_digit(s) or (0, 0)
    if weighted_total(s.encode("ascii")) % 10:
        return (len(s) - 1, len(s))
    return None


def gs1_check_pair(data: str) -> str:
    """The two-character GS1 alphanumeric check pair for ``data`` (CSET 82 characters).

    >>> gs1_check_pair("1987654Ad4X4bL5ttr2310c")
    '2K'
    """
    total = 0
    n = len(data)
    for i, c in enumerate(data):
        total += _CSET82_VALUE[c] * _PRIMES[n - 1 - i]
    total %= 1021
    return CSET32[total >> 5] + CSET32[total & 31]


def lint_csumalpha(s: str) -> Span | None:
    """The last two characters are the GS1 alphanumeric check character pair (GMN, AI 8013)."""
    n = len(s)
    if n < 2 or n - 2 > len(_PRIMES):
        return (0, n)
    i = _first_not_in(s[:-2], _CSET82_SET)
    if i >= 0:
        return (i, i + 1)
    # A character outside CSET 32 in the pair is an incorrect pair, marked whole (as the engine does).
    if s[-2] not in _CSET32_SET or s[-1] not in _CSET32_SET or gs1_check_pair(s[:-2]) != s[-2:]:
        return (n - 2, n)
    return None


def lint_gcppos1(s: str) -> Span | None:
    """The value starts with a GS1 Company Prefix: at least its first four characters are digits."""
    head = s[:4]
    if len(head) == 4 and head.isdigit() and head.isascii():
        return None
    if len(s) < 4:
        return (0, len(s))
    i = next(i for i in range(4) if s[i] not in "0123456789")
    return (i, i + 1)


def lint_gcppos2(s: str) -> Span | None:
    """A GS1 Company Prefix starts at the second character (after an indicator/extension digit)."""
    head = s[1:5]
    if len(head) == 4 and head.isdigit() and head.isascii():
        return None
    if not s:
        return (0, 0)
    bad = lint_gcppos1(s[1:])
    return None if bad is None else (bad[0] + 1, bad[1] + 1)


# -- dates and times ------------------------------------------------------------


def full_year(yy: int, current_year: int | None = None) -> int:
    """Four-digit year for a two-digit ``yy`` by GS1's sliding window.

    Relative to the current year (UTC, read at each call): a difference of +51 or more means the
    previous century, -50 or less the next century, otherwise the current one. Only 29 February
    of a year ``00`` depends on the century, so the hot path never needs it.

    >>> full_year(30, 2026), full_year(77, 2026), full_year(76, 2026), full_year(0, 2060)
    (2030, 1977, 2076, 2100)
    """
    now = time.gmtime().tm_year if current_year is None else current_year
    century, cur = divmod(now, 100)
    diff = yy - cur
    if diff >= 51:
        century -= 1
    elif diff <= -50:
        century += 1
    return century * 100 + yy


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _month_day(year: int, mm: int, dd: int, off: int, zero_day: bool) -> Span | None:
    if not 1 <= mm <= 12:
        return (off, off + 2)
    if dd == 0 and zero_day:
        return None
    limit = 28 if mm == 2 and not _leap(year) else _DAYS[mm]
    if not 1 <= dd <= limit:
        return (off + 2, off + 4)
    return None


def _yymmdd(s: str, zero_day: bool) -> Span | None:
    if len(s) != 6:
        return (0, len(s))
    if not (s.isdigit() and s.isascii()):
        return _non_digit(s)
    mm = int(s[2:4])
    dd = int(s[4:])
    if 1 <= mm <= 12 and 1 <= dd <= _DAYS[mm] and (mm != 2 or dd != 29):
        return None  # valid in every year: no century or leap-year work needed
    return _month_day(full_year(int(s[:2])), mm, dd, 2, zero_day)


def lint_yymmdd(s: str) -> Span | None:
    """A date YYMMDD (century by the sliding window); day 00 is not allowed."""
    return _yymmdd(s, False)


def lint_yymmd0(s: str) -> Span | None:
    """A date YYMMDD where day 00 (meaning "the month as a whole") is allowed."""
    return _yymmdd(s, True)


def lint_yyyymmdd(s: str) -> Span | None:
    """A date YYYYMMDD; day 00 is not allowed."""
    if len(s) != 8:
        return (0, len(s))
    bad = _non_digit(s)
    if bad is not None:
        return bad
    return _month_day(int(s[:4]), int(s[4:6]), int(s[6:]), 4, False)


def _two_digits(s: str, limit: int) -> Span | None:
    if len(s) != 2:
        return (0, len(s))
    if not _is_digits(s):
        return _non_digit(s)
    return (0, 2) if int(s) > limit else None


def lint_hh(s: str) -> Span | None:
    """An hour 00-23."""
    return _two_digits(s, 23)


def lint_mi(s: str) -> Span | None:
    """A minute 00-59."""
    return _two_digits(s, 59)


def lint_ss(s: str) -> Span | None:
    """A second 00-59."""
    return _two_digits(s, 59)


def lint_hhmi(s: str) -> Span | None:
    """A time of day HHMI (00-23, 00-59)."""
    if len(s) != 4:
        return (0, len(s))
    bad = _two_digits(s[:2], 23)
    if bad is not None:
        return bad
    bad = _two_digits(s[2:], 59)
    return None if bad is None else (bad[0] + 2, bad[1] + 2)


# -- code lists -----------------------------------------------------------------


@cache
def _iso() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    from trace_std.data import load

    countries = load("iso3166")["records"]
    currencies = load("iso4217")
    return (
        frozenset(r["numeric"] for r in countries),
        frozenset(r["alpha_2"] for r in countries),
        frozenset(r["numeric"] for r in currencies["records"] + currencies.get("withdrawn", [])),
    )


@cache
def _withdrawn_currencies() -> dict[str, dict[str, str]]:
    from trace_std.data import load

    return {r["numeric"]: r for r in load("iso4217").get("withdrawn", [])}


def withdrawn_currency(s: str) -> dict[str, str] | None:
    """The record of an ISO 4217 numeric code withdrawn in a recent edition (``None`` otherwise).

    ``lint_iso4217`` accepts these codes (older readers, GS1's syntax engine among them, still do);
    the element-string and Digital Link checks report them as a ``gs1.lint.iso4217`` warning.

    >>> withdrawn_currency("975")["alpha_3"], withdrawn_currency("978")
    ('BGN', None)
    """
    return _withdrawn_currencies().get(s)


@cache
def _package_types() -> frozenset[str]:
    from trace_std.data import load

    return frozenset(load("gs1_ai")["package_type_codes"])


def lint_iso3166(s: str) -> Span | None:
    """An ISO 3166-1 numeric country code."""
    return None if s in _iso()[0] else (0, len(s))


def lint_iso3166999(s: str) -> Span | None:
    """An ISO 3166-1 numeric country code, or 999 (unknown / not applicable)."""
    return None if s == "999" or s in _iso()[0] else (0, len(s))


def lint_iso3166alpha2(s: str) -> Span | None:
    """An ISO 3166-1 alpha-2 country code (upper case)."""
    return None if s in _iso()[1] else (0, len(s))


def lint_iso4217(s: str) -> Span | None:
    """An ISO 4217 numeric currency code of List One in the edition of ``iso4217.json`` (its
    ``version``), or one withdrawn in a recent edition (see :func:`withdrawn_currency`)."""
    return None if s in _iso()[2] else (0, len(s))


def lint_iso5218(s: str) -> Span | None:
    """An ISO/IEC 5218 sex code: 0 not known, 1 male, 2 female, 9 not applicable."""
    return None if s in ("0", "1", "2", "9") else (0, len(s))


def lint_packagetype(s: str) -> Span | None:
    """A package type code (UN/ECE Recommendation 21 plus GS1 additions, GS1 PackageTypeCode list)."""
    return None if s in _package_types() else (0, len(s))


def lint_mediatype(s: str) -> Span | None:
    """An AIDC media type: 01-10 assigned, 80-99 for local / national use."""
    if len(s) == 2 and _is_digits(s) and (1 <= int(s) <= 10 or 80 <= int(s) <= 99):
        return None
    return (0, len(s))


def lint_importeridx(s: str) -> Span | None:
    """An importer index: one character of ``-``, ``0-9``, ``A-Z``, ``_``, ``a-z``."""
    if len(s) == 1 and s in _IMPORTER_INDEX:
        return None
    return (0, len(s))


def lint_iban(s: str) -> Span | None:
    """An IBAN (ISO 13616): country code, two check digits (mod 97 = 1), BBAN; 11-34 characters."""
    n = len(s)
    if n < 4:
        return (0, n)
    if s[:2] not in _iso()[1]:
        return (0, 2)
    if n > 34 or n <= 10:
        return (0, n)
    rearranged = s[4:] + s[:4]
    digits = []
    for i, c in enumerate(rearranged):
        if "0" <= c <= "9":
            digits.append(c)
        elif "A" <= c <= "Z":
            digits.append(str(ord(c) - 55))
        else:
            pos = (i + 4) % n
            return (pos, pos + 1)
    if int("".join(digits)) % 97 != 1:
        return (2, 4)
    return None


# -- character sets -----------------------------------------------------------------


def lint_cset82(s: str) -> Span | None:
    """Every character is in GS1 AI encodable character set 82."""
    if not s.strip(CSET82):
        return None
    i = _first_not_in(s, CSET82)
    return (i, i + 1)


def lint_cset39(s: str) -> Span | None:
    """Every character is in GS1 AI encodable character set 39 (``#``, ``-``, ``/``, 0-9, A-Z)."""
    if not s.strip(CSET39):
        return None
    i = _first_not_in(s, CSET39)
    return (i, i + 1)


def lint_cset64(s: str) -> Span | None:
    """CSET 64 (base64url) characters with optional ``=`` padding.

    As in GS1's reference linter: at most two ``=``, only at the end, and only when the total
    length (padding included) is a multiple of 3.
    """
    n = len(s)
    body = s.rstrip("=")
    pads = n - len(body)
    if pads > 2 or (pads and n % 3):
        return (len(body), n)
    if body.strip(CSET64):
        i = _first_not_in(body, CSET64)
        return (i, i + 1)
    return None


# -- other content checks ---------------------------------------------------------


def lint_pcenc(s: str) -> Span | None:
    """Percent-encoding: every ``%`` starts a ``%XX`` escape with two hexadecimal digits."""
    i = s.find("%")
    while i >= 0:
        esc = s[i + 1 : i + 3]
        if len(esc) != 2 or esc[0] not in _HEX or esc[1] not in _HEX:
            return (i, min(i + 3, len(s)))
        i = s.find("%", i + 3)
    return None


def lint_latitude(s: str) -> Span | None:
    """A latitude as 10 digits: (value / 10^7) - 90, so 0000000000-1800000000."""
    if len(s) != 10:
        return (0, len(s))
    return _non_digit(s) or (None if int(s) <= 1800000000 else (0, 10))


def lint_longitude(s: str) -> Span | None:
    """A longitude as 10 digits: (value / 10^7) - 180, so 0000000000-3600000000."""
    if len(s) != 10:
        return (0, len(s))
    return _non_digit(s) or (None if int(s) <= 3600000000 else (0, 10))


def lint_nonzero(s: str) -> Span | None:
    """A number that is not zero."""
    bad = _non_digit(s)
    if bad is not None:
        return bad
    return (0, len(s)) if not s.strip("0") else None


def lint_zero(s: str) -> Span | None:
    """The number zero: one or more ``0`` digits."""
    return None if s and not s.strip("0") else (0, len(s))


def lint_winding(s: str) -> Span | None:
    """Winding direction: 0 face out, 1 face in, 9 undefined."""
    return None if s in ("0", "1", "9") else (0, len(s))


def lint_yesno(s: str) -> Span | None:
    """A flag: 0 no, 1 yes."""
    return None if s in ("0", "1") else (0, len(s))


def lint_pieceoftotal(s: str) -> Span | None:
    """``piece`` then ``total``, equal halves, both non-zero, piece <= total (e.g. ``0102``)."""
    n = len(s)
    bad = _non_digit(s)
    if bad is not None:
        return bad
    if n == 0 or n % 2:
        return (0, n)
    half = n // 2
    piece, total = int(s[:half]), int(s[half:])
    if piece == 0:
        return (0, half)
    if total == 0:
        return (half, n)
    if piece > total:
        return (0, n)
    return None


def lint_hasnondigit(s: str) -> Span | None:
    """At least one character is not a digit (so the value is not confused with a GTIN)."""
    return (0, len(s)) if _is_digits(s) or not s else None


def lint_hyphen(s: str) -> Span | None:
    """One or more hyphens (the optional minus sign of temperatures)."""
    return None if s and not s.strip("-") else (0, len(s))


def lint_nozeroprefix(s: str) -> Span | None:
    """Digits without a leading zero (an empty value passes)."""
    if s[:1] == "0":
        return (0, 1)
    return _non_digit(s) if s else None


def lint_posinseqslash(s: str) -> Span | None:
    """A position in a sequence ``<pos>/<end>``: no zero or zero prefix, pos <= end."""
    n = len(s)
    pos, _, end = s.partition("/")
    if not _ or not pos or not end or not _is_digits(pos) or not _is_digits(end):
        return (0, n)
    if pos[0] == "0":
        return (0, len(pos))
    if end[0] == "0":
        return (len(pos) + 1, n)
    if int(pos) > int(end):
        return (0, n)
    return None


# -- coupons ------------------------------------------------------------------------


class _Cursor:
    """A position in coupon data; ``fail`` builds the span of a short or invalid field."""

    __slots__ = ("n", "p", "s")

    def __init__(self, s: str) -> None:
        self.s, self.p, self.n = s, 0, len(s)

    def short(self) -> Span:
        return (0, self.n) if self.p >= self.n else (self.p, self.n)

    def digit(self, allowed: str) -> int | Span:
        """Consume one digit that must be in ``allowed``."""
        if self.p >= self.n:
            return (0, self.n)
        c = self.s[self.p]
        if c not in allowed:
            return (self.p, self.p + 1)
        self.p += 1
        return int(c)

    def take(self, length: int) -> Span | None:
        if self.n - self.p < length:
            return self.short()
        self.p += length
        return None


def _coupon_gcp(cur: _Cursor, vli_allowed: str, none_digit: str = "") -> Span | None:
    """A VLI digit (length = value + 6) then that many digits starting with a GCP."""
    vli = cur.digit(vli_allowed + none_digit)
    if isinstance(vli, tuple):
        return vli
    if none_digit and vli == int(none_digit):
        return None
    # The company prefix is 6-13 digits (the data is all digits), so it always passes gcppos1.
    return cur.take(vli + 6)


def _coupon_vli_field(cur: _Cursor, vli_allowed: str, plus: int = 0) -> Span | None:
    vli = cur.digit(vli_allowed)
    if isinstance(vli, tuple):
        return vli
    return cur.take(vli + plus)


def _coupon_requirement(cur: _Cursor) -> Span | None:
    """Purchase requirement (VLI 1-5 + value), requirement code (0-4, 9), family code (3 digits)."""
    bad = _coupon_vli_field(cur, "12345")
    if bad is not None:
        return bad
    code = cur.digit("012349")
    if isinstance(code, tuple):
        return code
    return cur.take(3)


def _coupon_date(cur: _Cursor) -> tuple[Span | None, str]:
    start = cur.p
    bad = cur.take(6)
    if bad is not None:
        return bad, ""
    date = cur.s[start : start + 6]
    if lint_yymmdd(date) is not None:
        return (start, start + 6), ""
    return None, date


def lint_couponcode(s: str) -> Span | None:
    """North American coupon code (AI 8110), per the GS1 US coupon application guideline.

    Mandatory: company prefix VLI (0-6, length +6) and GCP, offer code (6), save value VLI (1-5)
    and value, first purchase requirement VLI (1-5) and value, requirement code (0-4, 9), family
    code (3). Optional fields, in this order, each introduced by its number: 1 (additional rules
    code 0-3, second purchase requirement, code, family code, GCP VLI 0-6 or 9 = none), 2 (third
    purchase requirement, code, family code, GCP), 3 (expiration date YYMMDD), 4 (start date
    YYMMDD, not after the expiration date), 5 (serial number VLI, length +6), 6 (retailer GCP/GLN
    VLI 1-7, length +6), 9 (save value code 0-2/5-6, applies-to-item 0-2, store coupon flag, don't
    multiply flag 0-1). Nothing may follow.
    """
    bad = _non_digit(s)
    if bad is not None:
        return bad
    cur = _Cursor(s)
    bad = (
        _coupon_gcp(cur, "0123456")
        or cur.take(6)
        or _coupon_vli_field(cur, "12345")
        or _coupon_requirement(cur)
    )
    if bad is not None:
        return bad
    if cur.p < cur.n and s[cur.p] == "1":
        cur.p += 1
        rules = cur.digit("0123")
        if isinstance(rules, tuple):
            return rules
        bad = _coupon_requirement(cur) or _coupon_gcp(cur, "0123456", "9")
        if bad is not None:
            return bad
    if cur.p < cur.n and s[cur.p] == "2":
        cur.p += 1
        bad = _coupon_requirement(cur) or _coupon_gcp(cur, "0123456", "9")
        if bad is not None:
            return bad
    expiry = ""
    if cur.p < cur.n and s[cur.p] == "3":
        cur.p += 1
        bad, expiry = _coupon_date(cur)
        if bad is not None:
            return bad
    if cur.p < cur.n and s[cur.p] == "4":
        cur.p += 1
        bad, start = _coupon_date(cur)
        if bad is not None:
            return bad
        if expiry and start > expiry:
            return (cur.p - 14, cur.p)
    if cur.p < cur.n and s[cur.p] == "5":
        cur.p += 1
        bad = _coupon_vli_field(cur, "0123456789", 6)
        if bad is not None:
            return bad
    if cur.p < cur.n and s[cur.p] == "6":
        cur.p += 1
        bad = _coupon_gcp(cur, "1234567")
        if bad is not None:
            return bad
    if cur.p < cur.n and s[cur.p] == "9":
        cur.p += 1
        for allowed in ("01256", "012", "0123456789", "01"):
            got = cur.digit(allowed)
            if isinstance(got, tuple):
                return got
    if cur.p != cur.n:
        return (cur.p, cur.n)
    return None


def lint_couponposoffer(s: str) -> Span | None:
    """Positive offer file coupon code (AI 8112).

    Format code (0 or 1), funder ID VLI (0-6, length +6) and funder ID (a GCP), offer code (6),
    serial number VLI (0-9, length +6) and serial number; nothing may follow.
    """
    bad = _non_digit(s)
    if bad is not None:
        return bad
    cur = _Cursor(s)
    fmt = cur.digit("01")
    if isinstance(fmt, tuple):
        return fmt
    vli = cur.digit("0123456")
    if isinstance(vli, tuple):
        return vli
    bad = cur.take(vli + 6) or cur.take(6) or _coupon_vli_field(cur, "0123456789", 6)
    if bad is not None:
        return bad
    if cur.p != cur.n:
        return (cur.p, cur.n)
    return None


#: Every linter, by the name the Syntax Dictionary uses.
LINTERS: Final[dict[str, Linter]] = {
    "couponcode": lint_couponcode,
    "couponposoffer": lint_couponposoffer,
    "cset39": lint_cset39,
    "cset64": lint_cset64,
    "cset82": lint_cset82,
    "csum": lint_csum,
    "csumalpha": lint_csumalpha,
    "gcppos1": lint_gcppos1,
    "gcppos2": lint_gcppos2,
    "hasnondigit": lint_hasnondigit,
    "hh": lint_hh,
    "hhmi": lint_hhmi,
    "hyphen": lint_hyphen,
    "iban": lint_iban,
    "importeridx": lint_importeridx,
    "iso3166": lint_iso3166,
    "iso3166999": lint_iso3166999,
    "iso3166alpha2": lint_iso3166alpha2,
    "iso4217": lint_iso4217,
    "iso5218": lint_iso5218,
    "latitude": lint_latitude,
    "longitude": lint_longitude,
    "mediatype": lint_mediatype,
    "mi": lint_mi,
    "nonzero": lint_nonzero,
    "nozeroprefix": lint_nozeroprefix,
    "packagetype": lint_packagetype,
    "pcenc": lint_pcenc,
    "pieceoftotal": lint_pieceoftotal,
    "posinseqslash": lint_posinseqslash,
    "ss": lint_ss,
    "winding": lint_winding,
    "yesno": lint_yesno,
    "yymmd0": lint_yymmd0,
    "yymmdd": lint_yymmdd,
    "yyyymmdd": lint_yyyymmdd,
    "zero": lint_zero,
}

#: A short English explanation of each linter's failure (the ``message`` of its errors).
LINT_MESSAGES: Final[dict[str, str]] = {
    "couponcode": "not a valid North American coupon code",
    "couponposoffer": "not a valid positive offer file coupon code",
    "cset39": "character outside GS1 character set 39 (#, -, /, 0-9, A-Z)",
    "cset64": "character or padding outside GS1 character set 64 (base64url)",
    "cset82": "character outside GS1 character set 82",
    "csum": "wrong check digit",
    "csumalpha": "wrong check character pair",
    "gcppos1": "does not start with a GS1 Company Prefix",
    "gcppos2": "no GS1 Company Prefix after the first digit",
    "hasnondigit": "must contain a character that is not a digit",
    "hh": "not an hour 00-23",
    "hhmi": "not a time of day HHMI",
    "hyphen": "only '-' is allowed here",
    "iban": "not a valid IBAN",
    "importeridx": "not a valid importer index character",
    "iso3166": "not an ISO 3166-1 numeric country code",
    "iso3166999": "not an ISO 3166-1 numeric country code or 999",
    "iso3166alpha2": "not an ISO 3166-1 alpha-2 country code",
    "iso4217": "not an ISO 4217 numeric currency code",
    "iso5218": "not an ISO/IEC 5218 sex code (0, 1, 2, 9)",
    "latitude": "latitude out of range",
    "longitude": "longitude out of range",
    "mediatype": "not an AIDC media type",
    "mi": "not a minute 00-59",
    "nonzero": "must not be zero",
    "nozeroprefix": "must not start with zero",
    "packagetype": "not a package type code",
    "pcenc": "invalid percent-encoding",
    "pieceoftotal": "piece number and total must be non-zero, piece <= total",
    "posinseqslash": "not a position in sequence '<pos>/<end>'",
    "ss": "not a second 00-59",
    "winding": "winding direction must be 0, 1 or 9",
    "yesno": "must be 0 (no) or 1 (yes)",
    "yymmd0": "not a date YYMMDD (day 00 allowed)",
    "yymmdd": "not a date YYMMDD",
    "yyyymmdd": "not a date YYYYMMDD",
    "zero": "must be 0",
}

#: The error code each linter raises.
LINT_CODES: Final[dict[str, str]] = {name: f"gs1.lint.{name}" for name in LINTERS}
