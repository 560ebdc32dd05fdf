"""Every GS1 syntax linter: passing values, failing values with the offending span, properties."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trace_std.gs1 import linters as L
from trace_std.gs1.linters import LINT_CODES, LINTERS, full_year, gs1_check_digit, gs1_check_pair

# (linter, value, expected span or None)
CASES: list[tuple[str, str, tuple[int, int] | None]] = [
    # check digits
    ("csum", "09501101530003", None),
    ("csum", "8935234567895", None),
    ("csum", "02345673", None),
    ("csum", "123456789012345675", None),
    ("csum", "09501101530004", (13, 14)),
    ("csum", "0950110153A003", (10, 11)),
    ("csum", "", (0, 0)),
    ("csumalpha", "1987654Ad4X4bL5ttr2310c2K", None),
    ("csumalpha", "00000!HV", None),
    ("csumalpha", "22", None),
    ("csumalpha", "1987654Ad4X4bL5ttr2310cXK", (23, 25)),
    ("csumalpha", "2", (0, 1)),
    ("csumalpha", "12 4NT", (2, 3)),
    ("csumalpha", "1234N1", (4, 6)),  # '1' is not a check character (CSET 32 has no 0/1): a wrong pair
    ("gcppos1", "8935234", None),
    ("gcppos1", "8935ABC", None),
    ("gcppos1", "893", (0, 3)),
    ("gcppos1", "89A5234", (2, 3)),
    ("gcppos2", "18935234567892", None),
    ("gcppos2", "1893", (1, 4)),
    ("gcppos2", "18X35234567892", (2, 3)),
    ("gcppos2", "", (0, 0)),
    # dates and times
    ("yymmdd", "250310", None),
    ("yymmdd", "240229", None),
    ("yymmdd", "250229", (4, 6)),
    ("yymmdd", "251301", (2, 4)),
    ("yymmdd", "250100", (4, 6)),
    ("yymmdd", "250431", (4, 6)),
    ("yymmdd", "2503", (0, 4)),
    ("yymmdd", "25O310", (2, 3)),
    ("yymmd0", "250100", None),
    ("yymmd0", "250200", None),
    ("yymmd0", "250132", (4, 6)),
    ("yymmd0", "250015", (2, 4)),
    ("yyyymmdd", "20240229", None),
    ("yyyymmdd", "19000229", (6, 8)),
    ("yyyymmdd", "20000229", None),
    ("yyyymmdd", "20241301", (4, 6)),
    ("yyyymmdd", "2024010", (0, 7)),
    ("yyyymmdd", "2024O101", (4, 5)),
    ("hhmi", "2359", None),
    ("hhmi", "0000", None),
    ("hhmi", "2400", (0, 2)),
    ("hhmi", "1260", (2, 4)),
    ("hhmi", "123", (0, 3)),
    ("hh", "23", None),
    ("hh", "24", (0, 2)),
    ("hh", "2", (0, 1)),
    ("mi", "59", None),
    ("mi", "60", (0, 2)),
    ("ss", "00", None),
    ("ss", "5A", (1, 2)),
    ("hhmi", "12x5", (2, 3)),
    # code lists
    ("iso3166", "704", None),
    ("iso3166", "999", (0, 3)),
    ("iso3166", "000", (0, 3)),
    ("iso3166999", "999", None),
    ("iso3166999", "704", None),
    ("iso3166999", "998", (0, 3)),
    ("iso3166alpha2", "VN", None),
    ("iso3166alpha2", "vn", (0, 2)),
    ("iso3166alpha2", "XX", (0, 2)),
    ("iso4217", "704", None),
    ("iso4217", "978", None),
    ("iso4217", "000", (0, 3)),
    ("iso5218", "0", None),
    ("iso5218", "9", None),
    ("iso5218", "3", (0, 1)),
    ("importeridx", "A", None),
    ("importeridx", "_", None),
    ("importeridx", "-", None),
    ("importeridx", "!", (0, 1)),
    ("importeridx", "AB", (0, 2)),
    ("iban", "DE91100000000123456789", None),
    ("iban", "GB98MIDL07009312345678", None),
    ("iban", "BE71096123456769", None),
    ("iban", "BE71096123456760", (2, 4)),
    ("iban", "XX361234567890", (0, 2)),
    ("iban", "BE7", (0, 3)),
    ("iban", "BE71096123", (0, 10)),
    ("iban", "BE710961234567690123456789012345678", (0, 35)),
    ("iban", "BE71096x23456769", (7, 8)),
    ("packagetype", "BX", None),
    ("packagetype", "1A", None),
    ("packagetype", "200", None),
    ("packagetype", "8", None),
    ("packagetype", "ZZZ", (0, 3)),
    ("packagetype", "bx", (0, 2)),
    ("mediatype", "01", None),
    ("mediatype", "10", None),
    ("mediatype", "80", None),
    ("mediatype", "00", (0, 2)),
    ("mediatype", "11", (0, 2)),
    ("mediatype", "79", (0, 2)),
    # character sets
    ("cset82", "AB-12/x_%", None),
    ("cset82", "AB 12", (2, 3)),
    ("cset82", "AB#12", (2, 3)),
    ("cset82", "Đà", (0, 1)),
    ("cset39", "AB-12/#", None),
    ("cset39", "ab", (0, 1)),
    ("cset64", "abc-_09", None),
    ("cset64", "12=", None),
    ("cset64", "1==", None),
    ("cset64", "===", (0, 3)),
    ("cset64", "123=", (3, 4)),
    ("cset64", "ab+c", (2, 3)),
    # others
    ("pcenc", "ABC%20DEF", None),
    ("pcenc", "100%2f", None),
    ("pcenc", "50%", (2, 3)),
    ("pcenc", "50%2", (2, 4)),
    ("pcenc", "a%G0b", (1, 4)),
    ("latitude", "1800000000", None),
    ("latitude", "0000000000", None),
    ("latitude", "1800000001", (0, 10)),
    ("longitude", "3600000000", None),
    ("longitude", "3600000001", (0, 10)),
    ("longitude", "360000000", (0, 9)),
    ("nonzero", "0001", None),
    ("nonzero", "0000", (0, 4)),
    ("zero", "0", None),
    ("zero", "1", (0, 1)),
    ("zero", "000", None),
    ("zero", "", (0, 0)),
    ("latitude", "123456789x", (9, 10)),
    ("longitude", "12345678x0", (8, 9)),
    ("winding", "9", None),
    ("winding", "2", (0, 1)),
    ("yesno", "1", None),
    ("yesno", "2", (0, 1)),
    ("pieceoftotal", "0102", None),
    ("pieceoftotal", "0202", None),
    ("pieceoftotal", "0201", (0, 4)),
    ("pieceoftotal", "0002", (0, 2)),
    ("pieceoftotal", "0100", (2, 4)),
    ("pieceoftotal", "012", (0, 3)),
    ("hasnondigit", "12345A", None),
    ("hasnondigit", "123456", (0, 6)),
    ("hyphen", "-", None),
    ("hyphen", "+", (0, 1)),
    ("hyphen", "--", None),
    ("hyphen", "", (0, 0)),
    ("nozeroprefix", "", None),
    ("nozeroprefix", "1234", None),
    ("nozeroprefix", "0123", (0, 1)),
    ("nozeroprefix", "12A4", (2, 3)),
    ("posinseqslash", "1/2", None),
    ("posinseqslash", "10/10", None),
    ("posinseqslash", "2/1", (0, 3)),
    ("posinseqslash", "01/2", (0, 2)),
    ("posinseqslash", "1/02", (2, 4)),
    ("posinseqslash", "1-2", (0, 3)),
    ("posinseqslash", "/2", (0, 2)),
    # coupons: mandatory part, and each optional field
    ("couponcode", "012345612345611110123", None),
    ("couponcode", "012345612345611110123101501230123456", None),  # field 1 with a 2nd GCP
    ("couponcode", "01234561234561111012310155123", (25, 26)),  # 2nd requirement code 5
    ("couponcode", "012345612345611110123101501239", None),  # 2nd GCP VLI 9 = none
    ("couponcode", "01234561234561111012321501239", None),  # field 2
    ("couponcode", "0123456123456111101233251231", None),  # field 3 expiry date
    ("couponcode", "0123456123456111101233251231425010150123456", None),  # 4 and 5
    ("couponcode", "01234561234561111012332501014260101", (21, 35)),  # start after expiry
    ("couponcode", "0123456123456111101233251340", (22, 28)),  # bad expiry date
    ("couponcode", "01234561234561111012362012345", (23, 29)),  # retailer GLN too short
    ("couponcode", "01234561234561111012391010", None),  # field 9
    ("couponcode", "01234561234561111012393010", (22, 23)),  # invalid save value code
    ("couponcode", "0123456123456110", (15, 16)),  # 1st requirement VLI 0
    ("couponcode", "01234561234561111012332512", (22, 26)),  # truncated expiry date
    ("couponcode", "01234561234561111012314", (22, 23)),  # additional rules code 4
    ("couponcode", "01234561234561111012326", (22, 23)),  # 3rd requirement VLI 6
    ("couponcode", "0123456123456111101235312", (23, 25)),  # truncated serial number
    ("couponcode", "01234561234561111012360", (22, 23)),  # retailer VLI 0
    ("couponcode", "0123456123456111101239001", (0, 25)),  # missing don't-multiply flag
    ("couponcode", "0123456123456111101234251340", (22, 28)),  # bad start date
    ("couponcode", "71234567890123", (0, 1)),  # GCP VLI > 6
    ("couponcode", "0123456", (0, 7)),  # truncated offer code
    ("couponcode", "0123456123456111101237", (21, 22)),  # excess data
    ("couponcode", "a12345612345611110123", (0, 1)),
    ("couponposoffer", "001234561234560123456", None),
    ("couponposoffer", "101234561234560123456", None),
    ("couponposoffer", "201234561234560123456", (0, 1)),
    ("couponposoffer", "07", (1, 2)),
    ("couponposoffer", "001234561234560123456X", (21, 22)),
    ("couponposoffer", "0012345612345601234567", (21, 22)),
    ("couponposoffer", "00123456123456", (0, 14)),
]


@pytest.mark.parametrize(("name", "value", "span"), CASES)
def test_linter(name: str, value: str, span: tuple[int, int] | None) -> None:
    assert LINTERS[name](value) == span


def test_every_linter_has_passing_and_failing_cases() -> None:
    passing = {n for n, _, s in CASES if s is None}
    failing = {n for n, _, s in CASES if s is not None}
    assert passing == set(LINTERS) and failing == set(LINTERS)


def test_codes_exist_for_every_linter() -> None:
    from trace_std.errors import ErrorCode

    values = {c.value for c in ErrorCode}
    assert all(code in values for code in LINT_CODES.values())
    assert LINT_CODES["csum"] == "gs1.lint.csum"
    assert set(L.LINT_MESSAGES) == set(LINTERS)


@pytest.mark.parametrize(
    ("digits", "check"),
    [("0950110153000", 3), ("893523456789", 5), ("0234567", 3), ("12345678901234567", 5), ("0", 0)],
)
def test_check_digit(digits: str, check: int) -> None:
    assert gs1_check_digit(digits) == check


def test_check_digit_misuse() -> None:
    with pytest.raises(TypeError):
        gs1_check_digit(123)  # type: ignore[arg-type]
    for bad in ("12a", "", "１２"):
        with pytest.raises(ValueError):
            gs1_check_digit(bad)


@given(st.text("0123456789", min_size=1, max_size=30))
def test_csum_accepts_its_own_check_digit_and_nothing_else(body: str) -> None:
    good = gs1_check_digit(body)
    assert L.lint_csum(body + str(good)) is None
    for wrong in set(range(10)) - {good}:
        assert L.lint_csum(body + str(wrong)) == (len(body), len(body) + 1)


@given(st.text("0123456789", min_size=1, max_size=30))
def test_check_digit_matches_weighted_sum_definition(body: str) -> None:
    weights = [3 if i % 2 == 0 else 1 for i in range(len(body))]
    total = sum(int(c) * w for c, w in zip(reversed(body), weights, strict=True))
    assert (total + gs1_check_digit(body)) % 10 == 0


@given(st.text(L.CSET82, min_size=0, max_size=40))
def test_csumalpha_round_trip(data: str) -> None:
    pair = gs1_check_pair(data)
    assert L.lint_csumalpha(data + pair) is None
    other = L.CSET32[(L.CSET32.index(pair[1]) + 1) % 32]
    assert L.lint_csumalpha(data + pair[0] + other) == (len(data), len(data) + 2)


@given(st.dates(min_value=dt.date(1977, 1, 1), max_value=dt.date(2076, 12, 31)))
def test_yymmdd_accepts_every_real_date(day: dt.date) -> None:
    text = day.strftime("%y%m%d")
    if full_year(day.year % 100) == day.year:
        assert L.lint_yymmdd(text) is None and L.lint_yymmd0(text) is None


@given(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99))
def test_yymmdd_agrees_with_the_calendar(yy: int, mm: int, dd: int) -> None:
    text = f"{yy:02d}{mm:02d}{dd:02d}"
    try:
        dt.date(full_year(yy), mm, dd)
        real = True
    except ValueError:
        real = False
    assert (L.lint_yymmdd(text) is None) == real
    assert (L.lint_yymmd0(text) is None) == (real or (dd == 0 and 1 <= mm <= 12))


@pytest.mark.parametrize(
    ("yy", "now", "year"),
    [
        (0, 2026, 2000),
        (76, 2026, 2076),
        (77, 2026, 1977),
        (99, 2026, 1999),
        (0, 2050, 2100),
        (49, 2099, 2149),
    ],
)
def test_sliding_century_window(yy: int, now: int, year: int) -> None:
    assert full_year(yy, now) == year


@given(st.integers(0, 99), st.integers(1950, 2150))
def test_window_keeps_dates_within_fifty_years(yy: int, now: int) -> None:
    year = full_year(yy, now)
    assert year % 100 == yy and -50 < year - now <= 50


@given(st.text(max_size=30))
def test_linters_never_raise(value: str) -> None:
    for fn in LINTERS.values():
        result = fn(value)
        assert result is None or (0 <= result[0] <= result[1] <= len(value))
