"""Scanner output with a symbology identifier: GS1 carriers, plain 2D symbols holding a Digital
Link (what a phone camera reads from a carton's QR Code), and EAN-13/EAN-8 with composites."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trace_std import gs1
from trace_std.errors import TraceStdError
from trace_std.gs1.scan_data import SCAN_SYMBOLOGIES, parse_scan_data

GTIN = "09501101530003"
DL = f"https://id.gs1.org/01/{GTIN}/10/AB-1?17=261231"


@pytest.mark.parametrize(("sym", "carrier"), [("]Q1", "QR Code"), ("]d1", "Data Matrix"), ("]J0", "DotCode")])
def test_plain_2d_symbol_with_a_digital_link(sym: str, carrier: str) -> None:
    scan = parse_scan_data(sym + DL)
    assert (scan.symbology, scan.carrier, scan.kind, scan.uri) == (sym, carrier, "digital_link", DL)
    assert scan.elements == (("01", GTIN), ("10", "AB-1"), ("17", "261231"))
    report = gs1.check(sym + DL)
    assert report.valid and report.kind == "digital_link" and report.details["symbology"] == sym
    assert report.normalized == f"https://id.gs1.org/01/{GTIN}/10/AB-1?17=261231"


def test_uppercase_scheme_in_a_qr_code() -> None:
    assert parse_scan_data(f"]Q1HTTPS://EXAMPLE.COM/01/{GTIN}").elements == (("01", GTIN),)


@pytest.mark.parametrize(
    ("text", "code", "span"),
    [
        ("]Q1hello", "input.unrecognised", (3, 8)),  # plain text is not GS1 data
        ("]Q1", "input.empty", (3, 3)),
        (f"]Q1https://id.gs1.org/01/{GTIN[:-1]}4", "gs1.lint.csum", (38, 39)),
        (f"]Q1https://[fe80::1%25lo]/01/{GTIN}", "dl.host", (11, 25)),
        ("]E0950110153000", "gs1.key.length", (3, 15)),
        ("]E09501101530004", "gs1.key.checksum", (15, 16)),
        ("]E095011015300A3", "gs1.key.character", (14, 15)),
        ("]E4０２３４５６７３", "gs1.key.character", (3, 4)),  # full-width digits are not scanner output
        ("]E402345674", "gs1.key.checksum", (10, 11)),
        ("]E402345673|99X", "input.unrecognised", (11, 15)),
        ("]E402345673|]e010", "gs1.value.length", (17, 17)),
        ("]X0123", "gs1.symbology.unknown", (0, 3)),
        ("", "input.empty", (0, 0)),
        ("]C1", "input.empty", (3, 3)),
    ],
)
def test_errors_have_codes_and_spans(text: str, code: str, span: tuple[int, int]) -> None:
    with pytest.raises(TraceStdError) as info:
        parse_scan_data(text)
    assert (info.value.code, info.value.span) == (code, span)


@pytest.mark.parametrize(("text", "gtin"), [("]E09501101530003", GTIN), ("]E402345673", "00000002345673")])
def test_ean(text: str, gtin: str) -> None:
    scan = parse_scan_data(text)
    assert scan.kind == "gtin" and scan.elements == (("01", gtin),)
    report = gs1.check(" " + text)
    assert report.valid and report.kind == "gtin" and report.normalized == gtin
    bad = gs1.check(" " + text[:-1] + str((int(text[-1]) + 1) % 10))
    assert [(i.code, i.span) for i in bad.errors] == [("gs1.key.checksum", (len(text), len(text) + 1))]


def test_ean_composite_is_checked_with_its_gtin() -> None:
    scan = parse_scan_data("]E09501101530003|]e010LOT1\x1d17261231")
    assert scan.elements == (("01", GTIN), ("10", "LOT1"), ("17", "261231"))
    assert scan.hri() == f"(01){GTIN}(10)LOT1(17)261231"
    # the lot alone would need a GTIN; with the EAN's it passes, and (02) next to (01) does not
    with pytest.raises(TraceStdError) as info:
        parse_scan_data(f"]E09501101530003|]e002{GTIN}")
    assert info.value.code == "gs1.pair.excluded" or info.value.code == "gs1.pair.required"


def test_gs1_carriers_are_element_strings() -> None:
    scan = parse_scan_data(f"]d201{GTIN}10AB\x1d17261231")
    assert (scan.kind, scan.carrier) == ("element_string", "GS1 DataMatrix")
    assert set(SCAN_SYMBOLOGIES) >= {"]C1", "]e0", "]d2", "]Q3", "]J1", "]Q1", "]d1", "]J0", "]E0", "]E4"}


@given(st.text(max_size=60))
def test_hostile_scans_raise_typed_errors(tail: str) -> None:
    for sym in SCAN_SYMBOLOGIES:
        try:
            parse_scan_data(sym + tail)
        except TraceStdError as err:
            assert err.code and err.span is not None
            assert 0 <= err.span[0] <= err.span[1] <= len(sym + tail)
