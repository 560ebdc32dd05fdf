"""GS1 keys: check digits, structure, canonical forms, error codes and spans; GS1 prefix table."""

from __future__ import annotations

import itertools
import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import ean

from trace_std.data import load
from trace_std.errors import (
    InvalidCharacter,
    InvalidChecksum,
    InvalidComponent,
    InvalidLength,
    TraceStdError,
)
from trace_std.gs1 import keys, prefixes


def _reference_check_digit(body: str) -> int:
    """Independent oracle: the textbook loop over weights 3, 1, 3, ... from the right."""
    total = 0
    for i, ch in enumerate(reversed(body)):
        total += int(ch) * (3 if i % 2 == 0 else 1)
    return (10 - total % 10) % 10


# Published valid keys (GS1 Syntax Engine lint_csum unit tests; domain notes A1).
VALID_GTINS = [
    ("02345673", "00000002345673"),
    ("416000336108", "00416000336108"),
    ("1234567890128", "01234567890128"),
    ("12345678901231", "12345678901231"),
    ("18935234567892", "18935234567892"),
    (" 1234567890128 ", "01234567890128"),
    ("123-4567-890128", "01234567890128"),
]


@pytest.mark.parametrize(("value", "expected"), VALID_GTINS)
def test_validate_gtin_returns_gtin14(value: str, expected: str) -> None:
    assert keys.validate_gtin(value) == expected
    assert keys.to_gtin14(value) == expected
    assert keys.is_valid_gtin(value)


INVALID_GTINS = [
    ("02345674", "gs1.key.checksum", (7, 8), InvalidChecksum),
    ("416000336109", "gs1.key.checksum", (11, 12), InvalidChecksum),
    ("1234567890127", "gs1.key.checksum", (12, 13), InvalidChecksum),
    ("12345678901232", "gs1.key.checksum", (13, 14), InvalidChecksum),
    ("1234-567890127", "gs1.key.checksum", (13, 14), InvalidChecksum),
    ("123456789013", "gs1.key.checksum", (11, 12), InvalidChecksum),
    ("123456789", "gs1.key.length", (0, 9), InvalidLength),
    (" 12345678901 ", "gs1.key.length", (1, 12), InvalidLength),
    ("123456789012345", "gs1.key.length", (0, 15), InvalidLength),
    ("12345A7890128", "gs1.key.character", (5, 6), InvalidCharacter),
    ("١٢٣٤٥٦٧٨", "gs1.key.character", (0, 1), InvalidCharacter),  # Arabic-Indic digits
    ("1234567890128\u00b2", "gs1.key.character", (13, 14), InvalidCharacter),
    ("", "input.empty", (0, 0), InvalidLength),
    ("  - ", "input.empty", (0, 4), InvalidLength),
]


@pytest.mark.parametrize(("value", "code", "span", "category"), INVALID_GTINS)
def test_invalid_gtin(value: str, code: str, span: tuple[int, int], category: type) -> None:
    with pytest.raises(TraceStdError) as info:
        keys.validate_gtin(value)
    assert (info.value.code, info.value.span) == (code, span)
    assert isinstance(info.value, category)
    assert not keys.is_valid_gtin(value)


def test_checksum_error_reports_expected_digit() -> None:
    with pytest.raises(InvalidChecksum) as info:
        keys.validate_gtin("1234567890127")
    assert info.value.context == {"expected": "8", "actual": "7"}


@pytest.mark.parametrize(
    ("validator", "value", "expected"),
    [
        (keys.validate_gln, "8930000000019", "8930000000019"),
        (keys.validate_sscc, "123456789012345675", "123456789012345675"),
        (keys.validate_sscc, "3 8935234 000000001 0", "389352340000000010"),
        (keys.validate_gsrn, "123456789012345675", "123456789012345675"),
        (keys.validate_gsin, "123456789012345675"[:16] + "5", None),
        (keys.validate_gdti, "4012345000016", "4012345000016"),
        (keys.validate_gdti, "4012345000016ABC-1", "4012345000016ABC-1"),
        (keys.validate_gcn, "4012345000016123", "4012345000016123"),
        (keys.validate_grai, "04012345000016", "04012345000016"),
        (keys.validate_grai, "04012345000016SER/42", "04012345000016SER/42"),
        (keys.validate_giai, "8935234ASSET-0001", "8935234ASSET-0001"),
        (keys.validate_ginc, "8935234CONS%2026", "8935234CONS%2026"),
    ],
)
def test_other_keys_valid(validator: object, value: str, expected: str | None) -> None:
    assert callable(validator)
    if expected is None:  # build a valid one from the oracle
        body = value[:-1]
        value = expected = body + str(_reference_check_digit(body))
    assert validator(value) == expected
    kind = validator.__name__.removeprefix("validate_")  # type: ignore[attr-defined]
    assert keys.is_valid_key(kind, value) and getattr(keys, f"is_valid_{kind}")(value)


@pytest.mark.parametrize(
    ("kind", "value", "code", "span"),
    [
        ("gln", "8930000000018", "gs1.key.checksum", (12, 13)),
        ("gln", "893000000001", "gs1.key.length", (0, 12)),
        ("gln", "89300000O0019", "gs1.key.character", (8, 9)),
        ("sscc", "123456789012345676", "gs1.key.checksum", (17, 18)),
        ("sscc", "12345678901234567", "gs1.key.length", (0, 17)),
        ("gsrn", "123456789012345674", "gs1.key.checksum", (17, 18)),
        ("gsin", "12345678901234568", "gs1.key.checksum", (16, 17)),
        ("gdti", "4012345000017ABC", "gs1.key.checksum", (12, 13)),
        ("gdti", "401234500001", "gs1.key.length", (0, 12)),
        ("gdti", "4012345000016AB C", "gs1.key.character", (15, 16)),
        ("gdti", "4012345000016" + "A" * 18, "gs1.key.length", (0, 31)),
        ("gcn", "4012345000016X", "gs1.key.character", (13, 14)),
        ("gcn", "4012345000016" + "1" * 13, "gs1.key.length", (0, 26)),
        ("grai", "14012345000016", "gs1.key.component", (0, 1)),
        ("grai", "04012345000017", "gs1.key.checksum", (13, 14)),
        ("grai", "0401234500001A6", "gs1.key.character", (13, 14)),
        ("giai", "ASSET#1", "gs1.key.character", (5, 6)),
        ("giai", "A" * 31, "gs1.key.length", (0, 31)),
        ("ginc", "CONS 1", "gs1.key.character", (4, 5)),
        ("ginc", "", "input.empty", (0, 0)),
        ("gdti", " ", "input.empty", (0, 1)),
    ],
)
def test_other_keys_invalid(kind: str, value: str, code: str, span: tuple[int, int]) -> None:
    with pytest.raises(TraceStdError) as info:
        keys.validate_key(kind, value)
    assert (info.value.code, info.value.span) == (code, span)
    assert not keys.is_valid_key(kind, value)
    assert not getattr(keys, f"is_valid_{kind}")(value)


def test_grai_component_category() -> None:
    with pytest.raises(InvalidComponent):
        keys.validate_grai("14012345000016")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("0234567", 3),
        ("41600033610", 8),
        ("123456789012", 8),
        ("1234567890123", 1),
        ("12345678901234567", 5),
        ("893523456789", 5),
    ],
)
def test_check_digits(body: str, expected: int) -> None:
    assert keys.check_digit(body) == expected == _reference_check_digit(body)


def test_body_check_digit_helpers_check_length() -> None:
    assert keys.gtin_check_digit("0234567") == 3
    assert keys.sscc_check_digit("12345678901234567") == 5
    assert keys.gln_check_digit("893000000001") == 9
    for call, arg in [
        (keys.gtin_check_digit, "123456"),
        (keys.sscc_check_digit, "1"),
        (keys.gln_check_digit, "1234567890123"),
    ]:
        with pytest.raises(InvalidLength) as info:
            call(arg)
        assert info.value.code == "gs1.key.length"
    with pytest.raises(InvalidCharacter):
        keys.check_digit("12a")
    with pytest.raises(InvalidLength):
        keys.check_digit("")


def test_is_valid_check_digit() -> None:
    assert keys.is_valid_check_digit("02345673")
    assert not keys.is_valid_check_digit("02345674")
    assert not keys.is_valid_check_digit("7")
    assert not keys.is_valid_check_digit("0234567x")


@pytest.mark.parametrize(
    "call",
    [
        keys.validate_gtin,
        keys.is_valid_gtin,
        keys.compact,
        keys.check_digit,
        keys.validate_gln,
        keys.validate_giai,
        keys.is_valid_check_digit,
    ],
)
def test_misuse_raises_type_error(call: object) -> None:
    assert callable(call)
    with pytest.raises(TypeError):
        call(8935234567892)


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown key kind"):
        keys.validate_key("isbn", "9781492053743")
    with pytest.raises(TypeError):
        keys.validate_key(None, "1")  # type: ignore[arg-type]


def test_compact() -> None:
    assert keys.compact(" 893-5234\t56789 2\n") == "8935234567892"


@given(st.text(string.digits, min_size=7, max_size=17))
def test_check_digit_matches_oracle_and_validates(body: str) -> None:
    digit = keys.check_digit(body)
    assert digit == _reference_check_digit(body)
    full = body + str(digit)
    assert keys.is_valid_check_digit(full)
    wrong = body + str((digit + 1) % 10)
    assert not keys.is_valid_check_digit(wrong)


@given(st.sampled_from([7, 11, 12, 13]).flatmap(lambda n: st.text(string.digits, min_size=n, max_size=n)))
def test_gtin_agrees_with_stdnum(body: str) -> None:
    full = body + str(keys.gtin_check_digit(body))
    assert keys.is_valid_gtin(full) and ean.is_valid(full)
    assert keys.validate_gtin(full) == full.zfill(14)
    for d in "0123456789":
        other = body + d
        assert keys.is_valid_gtin(other) == ean.is_valid(other)


@given(st.text(max_size=20))
def test_any_text_gives_bool_or_trace_std_error(text: str) -> None:
    ok = keys.is_valid_gtin(text)
    try:
        canonical = keys.validate_gtin(text)
    except TraceStdError as err:
        assert not ok
        assert err.span is not None and 0 <= err.span[0] <= err.span[1] <= len(text)
    else:
        assert ok and len(canonical) == 14
    for kind in keys.KEY_KINDS:
        keys.is_valid_key(kind, text)


# -- prefixes -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digits", "prefix", "owner"),
    [
        ("8935234567892", "893", "GS1 Vietnam"),
        ("18935234567892", "893", "GS1 Vietnam"),
        ("389352340000000010", "893", "GS1 Vietnam"),
        ("8930000000019", "893", "GS1 Vietnam"),
        ("036000291452", "003", "GS1 US"),
        ("9781492053743", "978", "Bookland (ISBN)"),
        ("7044610873466", "704", "GS1 Norway"),
        ("89312345", "893", "GS1 Vietnam"),
        ("893", "893", "GS1 Vietnam"),
        ("8931234567", "893", "GS1 Vietnam"),  # a GS1 company prefix
    ],
)
def test_gs1_prefix(digits: str, prefix: str, owner: str) -> None:
    found = prefixes.gs1_prefix(digits)
    assert found == prefixes.GS1Prefix(prefix, owner)
    assert keys.gs1_prefix_owner(digits) == owner


@pytest.mark.parametrize("digits", ["20000008", "02345673", "", "89x", "1401234567890", "14012345"])
def test_gs1_prefix_unknown(digits: str) -> None:
    assert prefixes.gs1_prefix(digits) is None


def test_gs1_prefix_misuse() -> None:
    with pytest.raises(TypeError):
        prefixes.gs1_prefix(893)  # type: ignore[arg-type]


def test_prefix_table_integrity() -> None:
    table = load("gs1_prefixes")
    assert table["dataset"] == "gs1_prefixes"
    assert table["generated_by"] == "scripts/gen_gs1_prefixes.py"
    assert set(table["source"]) >= {"title", "url", "licence", "retrieved", "sha256"}
    records = table["records"]
    codes = [r["prefix"] for r in records]
    assert codes == sorted(codes) and len(codes) == len(set(codes))
    assert all(c.isdigit() and 2 <= len(c) <= 7 and r["owner"] for c, r in zip(codes, records, strict=True))
    for a, b in itertools.pairwise(codes):
        assert not b.startswith(a)
    assert prefixes.prefix_table()["893"] == "GS1 Vietnam"
    assert prefixes.data_version_used().startswith("gs1_prefixes@")


def test_prefix_table_matches_its_schema() -> None:
    import json

    import jsonschema

    import trace_std.data

    folder = Path(trace_std.data.__file__).parent
    schema = json.loads((folder / "gs1_prefixes.schema.json").read_text("utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(load("gs1_prefixes"), schema)


def test_prefix_table_is_what_the_generator_makes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Regenerating from the installed biip gives the shipped table (apart from the retrieval date)."""
    import importlib.util
    import json
    import sys

    scripts = Path(__file__).resolve().parents[2] / "scripts"
    sys.path.insert(0, str(scripts))
    try:
        spec = importlib.util.spec_from_file_location("gen_gs1_prefixes", scripts / "gen_gs1_prefixes.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(scripts))
    monkeypatch.setattr(sys.modules["gen_common"], "DATA_DIR", tmp_path)
    monkeypatch.setattr(module, "OVERRIDES", tmp_path / "gs1_prefixes.overrides.json")
    assert module.main() == 0
    fresh = json.loads((tmp_path / "gs1_prefixes.json").read_text("utf-8"))
    shipped = dict(load("gs1_prefixes"))
    for table in (fresh, shipped):
        table["source"] = {k: v for k, v in table["source"].items() if k != "retrieved"}
    assert fresh == shipped
