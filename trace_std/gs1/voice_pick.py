"""PTI Voice Pick Code: a 4-digit code that a picker reads aloud to confirm a case's GTIN and lot.

Produce Traceability Initiative (PTI) case labels print it next to the GS1-128 barcode
carrying (01) GTIN-14 and (10) lot. The algorithm (published royalty-free by its
inventor, HarvestMark/YottaMark, and documented by label-software vendors):

1. plain text = GTIN-14 + lot + optional date as ``YYMMDD``, with no AIs, brackets
   or spaces, as ASCII bytes (the lot is case-sensitive);
2. CRC-16 with the polynomial x^16 + x^15 + x^2 + 1 in its reflected form
   (0xA001), initial value 0, no final XOR, i.e. CRC-16/ARC;
3. code = CRC mod 10000, written as 4 digits; labels print the first two digits
   small and the last two large.

A GTIN-8/12/13 is zero-padded to 14 digits first, since PTI labels carry GTIN-14.
The GTIN's check digit is verified unless ``verify_gtin=False`` (one of the two
published examples, ``65457886676767``, has a wrong check digit).

>>> voice_pick_code("10850510002011", "46587443HG234")
'6359'
>>> voice_pick_code("65457886676767", "2", "100126", verify_gtin=False)
'5836'
>>> split_voice_pick_code("6359")
('63', '59')
"""

from __future__ import annotations

import datetime as _dt

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.gs1.keys import CSET82, validate_gtin

__all__ = ["crc16_arc", "split_voice_pick_code", "voice_pick_code"]


def _make_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_TABLE = _make_table()


def crc16_arc(data: bytes) -> int:
    """CRC-16/ARC of ``data`` (reflected polynomial 0xA001, init 0, no final XOR).

    >>> hex(crc16_arc(b"123456789"))  # the standard CRC check value
    '0xbb3d'
    """
    crc = 0
    table = _TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def _date_text(pack_date: _dt.date | str) -> str:
    if isinstance(pack_date, _dt.date):
        if isinstance(pack_date, _dt.datetime):
            pack_date = pack_date.date()
        return pack_date.strftime("%y%m%d")
    if not isinstance(pack_date, str):
        raise TypeError(f"pack_date must be a date, a YYMMDD str or None, not {type(pack_date).__name__}")
    if len(pack_date) != 6 or not (pack_date.isascii() and pack_date.isdigit()):
        raise TraceStdError.from_code(
            ErrorCode.GS1_VOICE_PICK_DATE,
            "the date must be YYMMDD digits",
            span=(0, len(pack_date)),
            field="pack_date",
        )
    try:
        _dt.date(2000 + int(pack_date[:2]), int(pack_date[2:4]), int(pack_date[4:]))
    except ValueError:
        raise TraceStdError.from_code(
            ErrorCode.GS1_VOICE_PICK_DATE, "not a calendar date", span=(2, 6), field="pack_date"
        ) from None
    return pack_date


def voice_pick_code(
    gtin: str,
    lot: str,
    pack_date: _dt.date | str | None = None,
    *,
    verify_gtin: bool = True,
) -> str:
    """The 4-digit PTI Voice Pick Code of ``gtin`` + ``lot`` (+ optional ``pack_date``).

    ``lot`` is the (10) batch/lot value: 1-20 characters of GS1 CSET 82.
    ``pack_date`` is a :class:`datetime.date` or a ``YYMMDD`` string.

    >>> voice_pick_code("18935234567892", "DF2503A", "250310")
    '8027'
    """
    if not isinstance(gtin, str):
        raise TypeError(f"gtin must be str, not {type(gtin).__name__}")
    if not isinstance(lot, str):
        raise TypeError(f"lot must be str, not {type(lot).__name__}")
    if verify_gtin:
        try:
            gtin14 = validate_gtin(gtin)
        except TraceStdError as err:
            err.field = "gtin"
            raise
    elif gtin.isascii() and gtin.isdigit() and len(gtin) in (8, 12, 13, 14):
        gtin14 = gtin.zfill(14)
    else:
        raise TraceStdError.from_code(
            ErrorCode.GS1_KEY_LENGTH, "a GTIN has 8, 12, 13 or 14 digits", span=(0, len(gtin)), field="gtin"
        )
    if not lot or len(lot) > 20:
        raise TraceStdError.from_code(
            ErrorCode.GS1_VOICE_PICK_LOT,
            "the lot has 1 to 20 characters",
            span=(0, len(lot)),
            field="lot",
            context={"expected": [1, 20], "actual": len(lot)},
        )
    for i, ch in enumerate(lot):
        if ch not in CSET82:
            raise TraceStdError.from_code(
                ErrorCode.GS1_VOICE_PICK_LOT,
                "lot characters come from GS1 CSET 82",
                span=(i, i + 1),
                field="lot",
                context={"actual": ch},
            )
    text = gtin14 + lot + ("" if pack_date is None else _date_text(pack_date))
    return f"{crc16_arc(text.encode('ascii')) % 10000:04d}"


def split_voice_pick_code(code: str) -> tuple[str, str]:
    """The small (first two) and large (last two) digits as printed on a PTI label."""
    if not isinstance(code, str):
        raise TypeError(f"code must be str, not {type(code).__name__}")
    if len(code) != 4 or not (code.isascii() and code.isdigit()):
        raise TraceStdError.from_code(
            ErrorCode.INPUT_UNRECOGNISED, "a voice pick code has 4 digits", span=(0, len(code))
        )
    return code[:2], code[2:]
