"""Repairs of cell values as Excel and Vietnamese offices write them, each reported as a warning.

The batch validator (:mod:`trace_std.label.batch`) first parses a cell with the strict field
validators (:mod:`trace_std.label.fields`). Only when that fails does it ask :func:`repair`, so a
clean file never pays for this module. A repair is returned as :class:`Repaired` (the value, and the
warning: original text and what it was read as); a value that cannot be repaired raises a
:class:`~trace_std.errors.TraceStdError` whose message shows the value and says how to fix it.
:func:`note` reports the silent normalisations of the strict parsers (a decimal comma, a code in
lower case or with stray spaces) the same way.

What is repaired (column: written → read as):

* dates: ``01/03/2025``, ``1/3/25``, ``01.03.2025``, ``01-03-2025`` (day/month/year, the Vietnamese
  order, never US order), ``2025/03/01``, ``2025-03-01 00:00:00``, an Excel serial ``45717`` in a
  text column; a harvest period ``01/03/2025 - 04/03/2025``;
* GTINs: a number that lost its leading zeros (``8935234567895`` is GTIN-13 as it stands; eleven
  digits ``12345678905`` are padded to ``00012345678905`` only when the check digit proves it),
  ``8935234567895.0``, digits with spaces;
* codes: spaces for dashes, lower case, stray spaces (``vn dtor 0017`` → ``VN-DTOR-0017``);
* markets: names (``Trung Quốc``, ``TQ``, ``China``, ``中国`` → ``CN``);
* weights: a decimal comma (``10,5``), a unit (``10 kg``).

Not repaired, with an error saying why and what to do: a GTIN in scientific notation
(``8.93523E+12``: its last digits are gone), a GTIN whose padded check digit is wrong, a date whose
order cannot be told (``label.date.ambiguous``), an unknown market (with "did you mean ...").

>>> state = RepairState()
>>> rep = repair("pack_date", "5/3/25", _strict("pack_date", "5/3/25"), state, 2)
>>> rep.value, rep.code, rep.read_as
(datetime.date(2025, 3, 5), 'label.repaired.date', '2025-03-05')
>>> repair("gtin", "12345678905", _strict("gtin", "12345678905"), state, 2).read_as
'00012345678905'
>>> err = repair("gtin", "8.93523E+12", _strict("gtin", "8.93523E+12"), state, 2)
>>> err.code
'label.gtin.scientific'
>>> note("destination_market", "cn", "CN").read_as
'CN'
"""

from __future__ import annotations

import datetime as _dt
import re
import unicodedata
from decimal import Decimal
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.label import aliases
from trace_std.label import fields as F

__all__ = ["RepairState", "Repaired", "canonical_text", "excel_serial_date", "note", "repair"]

DATE_COLUMNS = frozenset({"harvest_date", "harvest_date_end", "pack_date", "best_before"})
_CODE_COLUMNS = frozenset({"puc", "phc"})
_EXCEL_EPOCH = _dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (with Lotus's phantom 29 Feb 1900)
_SERIAL_RANGE = (32874, 73051)  # 1990-01-01 .. 2099-12-31: a farm-produce date, not a count
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*[AaPp][Mm])?)?"
_DMY = re.compile(r"(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})" + _TIME)
_YMD = re.compile(r"(\d{4})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{1,2})" + _TIME)
_SCIENTIFIC = re.compile(r"[0-9]+(?:[.,][0-9]+)?[eE]\+?[0-9]+")
_RANGE_SPLIT = re.compile(r"\s+(?:-|–|—|to|đến|den|~)\s+|\s*[–—~]\s*")
_WEIGHT_UNIT = re.compile(r"(?i)\s*(?:kg|kgs|ký|kí|公斤|千克)\.?$")


class Repaired(Exception):  # raised through the parse cache: not an error
    """A repaired cell: its value and the warning that says so.

    It is an exception so the batch's per-cell cache can raise it like a cached error: a clean cell
    pays nothing for the possibility of a repair.
    """

    def __init__(self, value: Any, code: str, original: str, read_as: str, message: str) -> None:
        super().__init__(message)
        self.value = value
        self.code = str(code)
        self.original = original
        self.read_as = read_as
        self.message = message
        self.cacheable = True  # False when the reading depends on the rows seen so far


class RepairState:
    """What a file has shown so far: the first row with a date only US order (month/day) can read.

    From then on, a date that reads both ways (``04/03/2025``) is ambiguous in that file. Rows
    before it were read in Vietnamese order, and their warnings say so.
    """

    def __init__(self) -> None:
        self.us_order_row: int | None = None


def _strict(column: str, text: str) -> TraceStdError:
    """The strict parser's error for ``text`` (doctest helper)."""
    try:
        if column == "harvest_date":
            F.parse_harvest(text)
        elif column == "gtin":
            F.parse_gtin(text, column)
        else:
            F.parse_date(text, column)
    except TraceStdError as err:
        return err
    raise AssertionError(f"{text!r} is valid")


def _error(code: ErrorCode, column: str, text: str, message: str, **context: Any) -> TraceStdError:
    return TraceStdError.from_code(
        code, message, span=(0, len(text)), field=column, context={"value": text, **context}
    )


def _explain(err: TraceStdError, column: str, text: str, fix: str) -> TraceStdError:
    """``err`` with the offending value and the fix in its message."""
    message = f"{err.message}; the cell has {text!r}" + (f"; {fix}" if fix else "")
    return TraceStdError.from_code(
        ErrorCode(err.code), message, span=err.span, field=column, context={**err.context, "value": text}
    )


# -- dates ---------------------------------------------------------------------------------------


def excel_serial_date(text: str) -> _dt.date | None:
    """The date an Excel serial number in a text cell stands for (1990..2099), else ``None``.

    >>> excel_serial_date("45717"), excel_serial_date("45717.0"), excel_serial_date("12")
    (datetime.date(2025, 3, 1), datetime.date(2025, 3, 1), None)
    """
    head, dot, tail = text.partition(".")
    if not (head.isdigit() and head.isascii() and len(head) == 5) or (dot and tail.strip("0")):
        return None
    serial = int(head)
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        return None
    return _EXCEL_EPOCH + _dt.timedelta(days=serial)


def _ymd(year: int, month: int, day: int) -> _dt.date | None:
    try:
        return _dt.date(year, month, day)
    except ValueError:
        return None


class _NotADate(Exception):
    """The text has no date shape we know: the strict parser's error stands."""


def _read_date(column: str, text: str, state: RepairState, row: int) -> tuple[_dt.date, str, bool]:
    """One date as written in a Vietnamese office: ``(date, how it was read, cacheable)``."""
    text = unicodedata.normalize("NFKC", text).strip()
    serial = excel_serial_date(text)
    if serial is not None:
        return serial, f"Excel serial number {text} = {serial.isoformat()}", True
    m = _YMD.fullmatch(text)
    if m:
        found = _ymd(int(m[1]), int(m[3]), int(m[4]))
        if found is not None:
            return found, found.isoformat(), True
    m = _DMY.fullmatch(text)
    if m is None:
        raise _NotADate(text)
    first, second, year_text = int(m[1]), int(m[3]), m[4]
    year = int(year_text) + (2000 if len(year_text) == 2 else 0)
    vn = _ymd(year, second, first)  # day/month/year
    us = _ymd(year, first, second)  # month/day/year
    if vn is None and us is None:
        raise _error(
            ErrorCode.LABEL_DATE_INVALID,
            column,
            text,
            f"{column} {text!r} is not a calendar date (read as day {first}, month {second}, year {year}); "
            "write it as YYYY-MM-DD",
        )
    if vn is None:
        assert us is not None
        if state.us_order_row is None:
            state.us_order_row = row
        raise _error(
            ErrorCode.LABEL_DATE_AMBIGUOUS,
            column,
            text,
            f"{column} {text!r} was read day/month/year (Vietnamese order) and there is no month {second}; "
            f"it looks like US order month/day ({us.isoformat()}): check the column's date format in Excel "
            "and write dates as YYYY-MM-DD",
            read_as="day/month/year",
            us_reading=us.isoformat(),
        )
    ambiguous = us is not None and first != second
    us_row = state.us_order_row
    if ambiguous and us_row is not None:
        assert us is not None
        raise _error(
            ErrorCode.LABEL_DATE_AMBIGUOUS,
            column,
            text,
            f"{column} {text!r} is ambiguous: read day/month/year it is {vn.isoformat()}, but row {us_row} "
            f"of this file has a date in US order (month/day), which would make it {us.isoformat()}; "
            "write the date as YYYY-MM-DD",
            read_as=vn.isoformat(),
            us_reading=us.isoformat(),
            us_row=us_row,
        )
    # A reading that US order would change is final only while the file has shown no US-order date:
    # callers that cache it must drop it when ``state.us_order_row`` is set (the batch does).
    return vn, f"{vn.isoformat()} (day/month/year)", True


def _date_repair(column: str, text: str, state: RepairState, row: int) -> tuple[Repaired, bool]:
    if column == "harvest_date":
        parts = _RANGE_SPLIT.split(text.strip())
        if len(parts) == 2 and all(parts):
            start, _, c1 = _read_date(column, parts[0], state, row)
            end, _, c2 = _read_date(column, parts[1], state, row)
            read_as = f"{start.isoformat()}/{end.isoformat()}"
            return (
                Repaired(
                    (start, end),
                    ErrorCode.LABEL_REPAIRED_DATE,
                    text,
                    read_as,
                    f"{column} {text!r} read as the period {read_as}",
                ),
                c1 and c2,
            )
    day, how, cacheable = _read_date(column, text, state, row)
    value: Any = (day, None) if column == "harvest_date" else day
    return (
        Repaired(
            value, ErrorCode.LABEL_REPAIRED_DATE, text, day.isoformat(), f"{column} {text!r} read as {how}"
        ),
        cacheable,
    )


# -- GTINs ---------------------------------------------------------------------------------------


def _gtin_repair(column: str, text: str, err: TraceStdError) -> Repaired:
    compact = unicodedata.normalize("NFKC", text).strip()
    if _SCIENTIFIC.fullmatch(compact):
        raise _error(
            ErrorCode.LABEL_GTIN_SCIENTIFIC,
            column,
            text,
            f"{column} {text!r} is in scientific notation: Excel showed the number rounded and saved it "
            "that way, so its last digits are lost; format the column as Text in Excel, type the full "
            "GTIN again and save",
        )
    digits = compact
    if digits.endswith(".0"):
        digits = digits[:-2]
    digits = re.sub(r"[\s\-.]", "", digits)
    if not (digits.isdigit() and digits.isascii()) or len(digits) > 14 or len(digits) < 7:
        # fewer than 7 digits: not a GTIN-8 or longer that lost its zeros, just not a GTIN
        raise _explain(
            err, column, text, "a GTIN is 8, 12, 13 or 14 digits; format the column as Text in Excel"
        )
    padded = digits.zfill(14)
    from trace_std.gs1.keys import is_valid_gtin

    if is_valid_gtin(padded):
        how = (
            f"{padded} (leading zeros restored: the check digit proves it)"
            if len(digits) not in (8, 12, 13, 14)
            else padded
        )
        return Repaired(
            padded, ErrorCode.LABEL_REPAIRED_GTIN, text, padded, f"{column} {text!r} read as {how}"
        )
    if len(digits) in (8, 12, 13, 14):
        raise _explain(err, column, text, "check the GTIN against the GS1 Vietnam member record")
    raise _error(
        ErrorCode.LABEL_GTIN_LEADING_ZEROS,
        column,
        text,
        f"{column} {text!r} has {len(digits)} digits: if Excel dropped leading zeros, the GTIN would be "
        f"{padded}, but its check digit is wrong, so it cannot be repaired; format the column as Text in "
        "Excel and type the full 14-digit GTIN",
        padded=padded,
    )


# -- codes, markets, weights ---------------------------------------------------------------------


def _code_repair(column: str, text: str, err: TraceStdError) -> Repaired:
    compact = unicodedata.normalize("NFKC", text).strip().upper()
    compact = re.sub(r"\s*[-–—_]\s*|\s+", "-", compact)
    if compact != text:
        try:
            canonical = F.parse_code_value(compact, column)
        except TraceStdError:
            pass
        else:
            return Repaired(
                canonical,
                ErrorCode.LABEL_REPAIRED_CODE,
                text,
                canonical,
                f"{column} {text!r} read as {canonical}",
            )
    raise _explain(
        err, column, text, "write the code as issued, e.g. VN-DTOR-0017 (planting area) or VN-BTPH-036"
    )


def _market_repair(column: str, text: str, err: TraceStdError) -> Repaired:
    code = aliases.market_for(text)
    if code is not None:
        return Repaired(
            code, ErrorCode.LABEL_REPAIRED_MARKET, text, code, f"{column} {text!r} read as {code}"
        )
    suggestion = aliases.suggest_market(text)
    if suggestion is not None:
        code, name = suggestion
        raise _error(
            ErrorCode.LABEL_COUNTRY_UNKNOWN,
            column,
            text,
            f"{column} {text!r} is not a country code or a known country name; did you mean {name!r} "
            f"({code})? Write the ISO 3166-1 code, e.g. {code}",
            suggestion=code,
        )
    raise _explain(err, column, text, "write the ISO 3166-1 country code (CN, US, JP, DE...)")


def _weight_repair(column: str, text: str, err: TraceStdError) -> Repaired:
    compact = _WEIGHT_UNIT.sub("", unicodedata.normalize("NFKC", text).strip()).strip()
    if compact and compact != text:
        try:
            value = F.parse_weight(compact, column)
        except TraceStdError:
            pass
        else:
            return Repaired(
                value, ErrorCode.LABEL_REPAIRED_NUMBER, text, str(value), f"{column} {text!r} read as {value}"
            )
    raise _explain(err, column, text, "write the net weight in kilograms as a number, e.g. 10.5")


_FIXES = {
    "lot": "use letters, digits and - / . only (GS1 character set 82: no spaces, no accents)",
    "serial": "use letters, digits and - / . only (GS1 character set 82: no spaces, no accents)",
    "sscc": "an SSCC is 18 digits with a check digit; format the column as Text in Excel",
}


def repair(
    column: str, text: str, err: TraceStdError, state: RepairState, row: int
) -> Repaired | TraceStdError:
    """Repair a cell the strict parser refused (``err``), or return the error to report.

    The returned error's message shows the value and the fix. A day/month reading of a date that
    US order would read otherwise holds while ``state.us_order_row`` is ``None``: a caller that
    caches repairs drops its cached dates when that changes.
    """
    try:
        if column in DATE_COLUMNS:
            try:
                dated, cacheable = _date_repair(column, text, state, row)
            except _NotADate:
                return _explain(err, column, text, "write the date as YYYY-MM-DD (2025-03-01) or dd/mm/yyyy")
            dated.cacheable = cacheable
            return dated
        if column == "gtin":
            return _gtin_repair(column, text, err)
        if column in _CODE_COLUMNS:
            return _code_repair(column, text, err)
        if column == "destination_market":
            return _market_repair(column, text, err)
        if column == "net_weight_kg":
            return _weight_repair(column, text, err)
    except TraceStdError as explained:
        return explained
    return _explain(err, column, text, _FIXES.get(column, ""))


def note(column: str, text: str, value: Any) -> Repaired | None:
    """The warning for a value the strict parser accepted but had to normalise, or ``None``."""
    message = f"{column} {text!r} read as {value}"
    if column in _CODE_COLUMNS and value != text:
        return Repaired(value, ErrorCode.LABEL_REPAIRED_CODE, text, value, message)
    if column == "destination_market" and value != text:
        return Repaired(value, ErrorCode.LABEL_REPAIRED_MARKET, text, value, message)
    if column == "net_weight_kg" and "," in text:
        return Repaired(
            value, ErrorCode.LABEL_REPAIRED_NUMBER, text, str(value), message + " (decimal comma)"
        )
    return None


#: Columns :func:`note` may have something to say about (the batch skips the call for the others).
NOTED_COLUMNS = frozenset({"puc", "phc", "destination_market", "net_weight_kg"})


def canonical_text(column: str, value: Any) -> str:
    """A parsed value written back in the template's canonical form (ISO dates, GTIN-14...)."""
    if value is None:
        return ""
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)
