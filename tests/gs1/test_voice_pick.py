"""PTI Voice Pick Code: published vectors, the derived project vector, CRC parameters, input errors."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trace_std.errors import TraceStdError
from trace_std.gs1.voice_pick import crc16_arc, split_voice_pick_code, voice_pick_code


def _bitwise_crc16_arc(data: bytes) -> int:
    """Independent oracle: bit-by-bit CRC-16/ARC (reflected 0xA001, init 0, no xorout)."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0xA001 if crc & 1 else 0)
    return crc


VECTORS = [
    # published (TEKLYNX / Loftware knowledge base), see domain notes A4
    ("10850510002011", "46587443HG234", None, False, "6359"),
    ("65457886676767", "2", "100126", False, "5836"),
    # derived for this project (domain notes A4), GTIN with a valid check digit
    ("18935234567892", "DF2503A", "250310", True, "8027"),
    ("18935234567892", "DF2503A", dt.date(2025, 3, 10), True, "8027"),
    ("18935234567892", "DF2503A", dt.datetime(2025, 3, 10, 7, 30), True, "8027"),
]


@pytest.mark.parametrize(("gtin", "lot", "date", "verify", "expected"), VECTORS)
def test_vectors(gtin: str, lot: str, date: object, verify: bool, expected: str) -> None:
    assert voice_pick_code(gtin, lot, date, verify_gtin=verify) == expected  # type: ignore[arg-type]


def test_published_vector_crc_value() -> None:
    assert crc16_arc(b"1085051000201146587443HG234") == 26359
    assert split_voice_pick_code("6359") == ("63", "59")


def test_crc_check_value() -> None:
    assert crc16_arc(b"123456789") == 0xBB3D
    assert crc16_arc(b"") == 0


def test_short_gtin_is_padded_to_14_digits() -> None:
    assert voice_pick_code("8935234567892"[:12] + "5", "L1") == voice_pick_code("08935234567895", "L1")


def test_lot_is_case_sensitive() -> None:
    assert voice_pick_code("18935234567892", "ab") != voice_pick_code("18935234567892", "AB")


@pytest.mark.parametrize(
    ("gtin", "lot", "date", "code", "span", "field"),
    [
        ("18935234567893", "L1", None, "gs1.key.checksum", (13, 14), "gtin"),
        ("1893523456789", "L1", None, "gs1.key.checksum", (12, 13), "gtin"),
        ("18935234567892", "", None, "gs1.voice_pick.lot", (0, 0), "lot"),
        ("18935234567892", "A" * 21, None, "gs1.voice_pick.lot", (0, 21), "lot"),
        ("18935234567892", "LOT 7", None, "gs1.voice_pick.lot", (3, 4), "lot"),
        ("18935234567892", "LÔ7", None, "gs1.voice_pick.lot", (1, 2), "lot"),
        ("18935234567892", "L1", "250230", "gs1.voice_pick.date", (2, 6), "pack_date"),
        ("18935234567892", "L1", "2503", "gs1.voice_pick.date", (0, 4), "pack_date"),
        ("18935234567892", "L1", "25-3-1", "gs1.voice_pick.date", (0, 6), "pack_date"),
    ],
)
def test_errors(gtin: str, lot: str, date: str | None, code: str, span: tuple[int, int], field: str) -> None:
    with pytest.raises(TraceStdError) as info:
        voice_pick_code(gtin, lot, date)
    assert (info.value.code, info.value.span, info.value.field) == (code, span, field)


def test_unverified_gtin_still_needs_digits() -> None:
    with pytest.raises(TraceStdError) as info:
        voice_pick_code("1893523456789X", "L1", verify_gtin=False)
    assert (info.value.code, info.value.field) == ("gs1.key.length", "gtin")


@pytest.mark.parametrize(
    ("args"),
    [(18935234567892, "L"), ("18935234567892", 5), ("18935234567892", "L", 250310)],
)
def test_misuse(args: tuple[object, ...]) -> None:
    with pytest.raises(TypeError):
        voice_pick_code(*args)  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["123", "12345", "12a4"])
def test_split_rejects_non_codes(code: str) -> None:
    with pytest.raises(TraceStdError):
        split_voice_pick_code(code)
    with pytest.raises(TypeError):
        split_voice_pick_code(1234)  # type: ignore[arg-type]


@given(st.binary(max_size=64))
def test_table_crc_matches_bitwise_oracle(data: bytes) -> None:
    assert crc16_arc(data) == _bitwise_crc16_arc(data)


@given(
    st.text("0123456789", min_size=13, max_size=13),
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-/", min_size=1, max_size=20),
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
)
def test_code_is_crc_of_concatenation(body: str, lot: str, date: dt.date) -> None:
    from trace_std.gs1.keys import check_digit

    gtin = body + str(check_digit(body))
    text = gtin + lot + date.strftime("%y%m%d")
    code = voice_pick_code(gtin, lot, date)
    assert code == f"{_bitwise_crc16_arc(text.encode()) % 10000:04d}"
    assert len(code) == 4 and code.isdigit()
