"""The generated AI table: drift against the Syntax Dictionary, and integrity of the data itself."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from trace_std.data import load
from trace_std.gs1 import ai as ai_mod
from trace_std.gs1.ai import ai_info, ai_length_from_prefix, all_ais, matches_pattern, predefined_length
from trace_std.gs1.linters import LINTERS

ROOT = Path(__file__).resolve().parents[2]
DICTIONARY = ROOT / "third_party" / "gs1-syntax-dictionary" / "gs1-syntax-dictionary.txt"  # vendored
TABLE = ROOT / "trace_std" / "data" / "gs1_ai.json"


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_gs1_ai", ROOT / "scripts" / "gen_gs1_ai.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_gs1_ai"] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    return _generator()


def test_committed_table_matches_the_dictionary(gen: ModuleType) -> None:
    """Regenerating from the dictionary gives the committed file byte for byte."""
    assert gen.render(gen.build(DICTIONARY)) == TABLE.read_text("utf-8")


def test_header_records_source_checksum_commit_and_licence() -> None:
    table = load("gs1_ai")
    src = table["source"]
    assert src["sha256"] == hashlib.sha256(DICTIONARY.read_bytes()).hexdigest()
    assert src["commit"] == "ff2eb4bfc8f647aa3244626bdb875165d067a3e6"
    assert src["licence"] == "Apache-2.0" and "Apache License" in src["attribution"]
    assert table["generated_by"] == "scripts/gen_gs1_ai.py"


def test_every_dictionary_line_is_expanded() -> None:
    """Each AI or range line of the dictionary yields one record per AI."""
    text = DICTIONARY.read_text("utf-8")
    expected: set[str] = set()
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        token = line.split()[0]
        if "-" in token:
            a, b = token.split("-")
            expected.update(str(n).zfill(len(a)) for n in range(int(a), int(b) + 1))
        else:
            expected.add(token)
    assert set(all_ais()) == expected
    assert {"3100", "3101", "3102", "3103", "3104", "3105"} <= expected and "3106" not in expected


RECORDS = load("gs1_ai")["records"]
ALL = {r["ai"] for r in RECORDS}


def _resolves(pattern: str) -> bool:
    return pattern in ALL or ("n" in pattern and any(matches_pattern(a, pattern) for a in ALL))


@pytest.mark.parametrize("rec", RECORDS, ids=lambda r: r["ai"])
def test_record_integrity(rec: dict[str, object]) -> None:
    ai = rec["ai"]
    assert isinstance(ai, str) and ai.isdigit() and 2 <= len(ai) <= 4
    comps = rec["components"]
    assert isinstance(comps, list) and comps
    seen_optional = False
    for i, c in enumerate(comps):
        assert c["type"] in {"N", "X", "Y", "Z"}
        assert 1 <= c["min"] <= c["max"]
        assert all(name in LINTERS for name in c["linters"])
        if i < len(comps) - 1:
            assert c["min"] == c["max"], "only the last component may vary in length"
        assert not (seen_optional and not c["optional"])
        seen_optional = seen_optional or c["optional"]
    for rule in rec["req"]:  # type: ignore[attr-defined]
        for alt in rule:
            for pattern in alt:
                assert _resolves(pattern), f"{ai} req names unknown {pattern}"
    for pattern in rec["ex"]:  # type: ignore[attr-defined]
        assert _resolves(pattern), f"{ai} ex names unknown {pattern}"
    if rec["dlpkey"] is not None:
        for seq in rec["dlpkey"]:  # type: ignore[attr-defined]
            for q in seq:
                assert q in ALL, f"{ai} dlpkey names unknown {q}"
    assert ai_length_from_prefix(ai) == len(ai)
    if rec["predefined_length"]:
        assert predefined_length(ai) == sum(c["max"] for c in comps)
    else:
        assert predefined_length(ai) is None


@pytest.mark.parametrize(
    ("ai", "predef", "dl_attr", "title", "spec"),
    [
        ("00", True, True, "SSCC", "N18,csum,gcppos2"),
        ("01", True, True, "GTIN", "N14,csum,gcppos2"),
        ("10", False, True, "BATCH/LOT", "X..20"),
        ("21", False, False, "SERIAL", "X..20"),
        ("3103", True, True, "NET WEIGHT (kg)", "N6"),
        ("422", False, True, "ORIGIN", "N3,iso3166"),
        ("7007", False, True, "HARVEST DATE", "N6,yymmdd [N6],yymmdd"),
        ("7030", False, True, "PROCESSOR # 0", "N3,iso3166999 X..27"),
        ("8030", False, True, "DIGSIG", "Z..90"),
        ("8200", False, False, "PRODUCT URL", "X..70"),
        ("99", False, True, "INTERNAL", "X..90"),
    ],
)
def test_known_entries(ai: str, predef: bool, dl_attr: bool, title: str, spec: str) -> None:
    info = ai_info(ai)
    assert info is not None
    got = (info.predefined_length, info.dl_attribute, info.title, info.spec)
    assert got == (predef, dl_attr, title, spec)
    assert info.fnc1_required is (not predef)


def test_rule_shapes_are_kept() -> None:
    info = ai_info("8030")
    assert info is not None and (("01", "21") in info.req[0]) and (("00",) in info.req[0])
    gtin = ai_info("01")
    assert gtin is not None and gtin.dlpkey == (("22", "10", "21"), ("235",)) and gtin.ex == ("255", "37")
    sscc = ai_info("00")
    assert sscc is not None and sscc.dlpkey == ((),)
    count = ai_info("37")
    assert count is not None and count.req == ((("00", "02"), ("00", "8026")),)
    weight = ai_info("3103")
    assert weight is not None and weight.ex == ("310n",)
    opt = ai_info("423")
    assert opt is not None and [c.optional for c in opt.components] == [False, True, True, True, True]
    assert (opt.min_length, opt.max_length) == (3, 15)


def test_prefix_table_covers_reserved_predefined_prefixes() -> None:
    assert predefined_length("04") == 16 and predefined_length("14") == 6 and predefined_length("10") is None
    assert ai_length_from_prefix("05") is None and ai_length_from_prefix("7007") == 4


def test_lookup_misuse() -> None:
    with pytest.raises(TypeError):
        ai_info(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ai_length_from_prefix(None)  # type: ignore[arg-type]
    assert ai_mod.ai_info("9") is None


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("01  *? N14,csum,nosuchlinter  # X", "not implemented"),
        ("01  *! N14  # X", "unknown flag"),
        ("01  *? N14 foo=1  # X", "unknown attribute"),
        ("01  *? N..14 N2  # X", "final component"),
        ("01  *? [N2] N2  # X", "after an optional"),
        ("01  *? N14 req=0x1  # X", "bad AI or pattern"),
        ("0  *? N14  # X", "bad AI"),
        ("01  *?  # X", "no format components"),
    ],
)
def test_generator_fails_loudly(gen: ModuleType, line: str, message: str) -> None:
    with pytest.raises(gen.DictionaryError, match=message):
        gen.parse_dictionary(line + "\n")


def test_generator_rejects_predefined_mismatch(gen: ModuleType) -> None:
    with pytest.raises(gen.DictionaryError, match="prefix"):
        gen._check_predefined(gen.parse_dictionary("10  *? N5  # X\n"))
    with pytest.raises(gen.DictionaryError, match="no '\\*' flag"):
        gen._check_predefined(gen.parse_dictionary("01   ? N14  # X\n"))


def test_generator_rejects_dangling_references(gen: ModuleType) -> None:
    records = gen.parse_dictionary("01  *? N14 ex=02  # X\n10  ? X..20 req=01  # Y\n")
    with pytest.raises(gen.DictionaryError, match="matches no AI"):
        gen._check_references(records)
    gen._check_references(gen.parse_dictionary("01  *? N14 ex=10  # X\n10  ? X..20 req=0n  # Y\n"))


def test_package_type_codes() -> None:
    codes = load("gs1_ai")["package_type_codes"]
    assert codes == sorted(set(codes)) and len(codes) > 300
    assert all(c.isascii() and c.isalnum() and c == c.upper() and 1 <= len(c) <= 3 for c in codes)
    assert {"BX", "CT", "PX", "1A", "200"} <= set(codes)


def test_table_file_is_valid_json_with_one_record_per_line() -> None:
    text = TABLE.read_text("utf-8")
    data = json.loads(text)
    assert len([ln for ln in text.splitlines() if ln.startswith('    {"ai"')]) == len(data["records"])
    assert data["records"] == sorted(data["records"], key=lambda r: r["ai"])


# -- the validation API -------------------------------------------------------------


def test_validate_value() -> None:
    assert ai_mod.validate_value("7007", "2503011012") == (
        "gs1.value.length",
        0,
        10,
        {"min": 6, "max": 12, "actual": 10},
    )
    assert ai_mod.validate_value("7007", "250301250399")[:3] == ("gs1.lint.yymmdd", 10, 12)
    assert ai_mod.validate_value("05", "x") == ("gs1.ai.unknown", 0, 1, {})
    with pytest.raises(TypeError):
        ai_mod.validate_value("01", 5)  # type: ignore[arg-type]


def test_validate_elements_spans_and_fields() -> None:
    (err,) = ai_mod.validate_elements([("10", "AB")], spans=[(4, 6)])
    assert (err.code, err.span, err.field) == ("gs1.pair.required", (4, 6), None)
    (err,) = ai_mod.validate_elements([("10", "AB")])
    assert (err.code, err.span, err.field) == ("gs1.pair.required", None, "elements[0]")
    (err,) = ai_mod.validate_elements([("01", "09501101530004")])
    assert (err.code, err.span, err.field) == ("gs1.lint.csum", (13, 14), "elements[0]")
    assert err.context == {"ai": "01", "origin": "element_string"}
    (err,) = ai_mod.validate_elements([("01", "0950110153000")], origin="digital_link")
    assert err.context["origin"] == "digital_link" and err.context["max"] == 14


def test_validate_elements_can_skip_req_but_not_ex() -> None:
    assert ai_mod.validate_elements([("10", "AB")], check_associations=False) == []
    excluded = ai_mod.validate_elements(
        [("01", "09501101530003"), ("255", "8935234000002")], check_associations=False
    )
    assert {e.code for e in excluded} == {"gs1.pair.excluded"}


def test_elements_valid_accepts_list_pairs_like_validate_elements() -> None:
    repeated = [["01", "09501101530003"], ["01", "09501101530003"]]  # the same AI and value twice
    assert ai_mod.validate_elements(repeated) == []  # type: ignore[arg-type]
    assert ai_mod.elements_valid(repeated)  # type: ignore[arg-type]
    conflicting = [["01", "09501101530003"], ["01", "09501101530010"]]
    assert [e.code for e in ai_mod.validate_elements(conflicting)] == ["gs1.ai.repeated"]  # type: ignore[arg-type]
    assert not ai_mod.elements_valid(conflicting)  # type: ignore[arg-type]


def test_validate_elements_misuse() -> None:
    with pytest.raises(TypeError):
        ai_mod.validate_elements([("01", 9501101530003)])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        ai_mod.elements_valid([(1, "x")])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        ai_mod.validate_elements([("10", "AB")], spans=[])
    with pytest.raises(ValueError):
        ai_mod.validate_elements([("10", "AB")], spans=[(0, 2)], ai_spans=[])


def test_association_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        ai_mod, "_ASSOC_CACHE", {frozenset({str(i)}): () for i in range(ai_mod._ASSOC_CACHE_MAX)}
    )
    ai_mod._associations(frozenset({"01", "10"}))
    assert len(ai_mod._ASSOC_CACHE) == 1
    assert ai_mod._associations(frozenset({"10", "05"}))[0][:2] == ("10", "gs1.pair.required")


def test_info_properties() -> None:
    gtin, lot = ai_info("01"), ai_info("10")
    assert gtin is not None and lot is not None
    assert gtin.is_dl_primary_key and not lot.is_dl_primary_key
    with pytest.raises(TypeError):
        predefined_length(1)  # type: ignore[arg-type]
