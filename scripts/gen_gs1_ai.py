"""Generate ``trace_std/data/gs1_ai.json`` from the GS1 Barcode Syntax Dictionary.

Run::

    python scripts/gen_gs1_ai.py [path/to/gs1-syntax-dictionary.txt]

The dictionary path defaults to the vendored copy,
``third_party/gs1-syntax-dictionary/gs1-syntax-dictionary.txt``. The output is deterministic (no
timestamps from the clock), so a test can regenerate it and compare it with the committed file.

Every AI range is expanded (``3100-3105`` gives six records). Each record keeps:

* ``ai``, ``title``, ``flags`` (raw), ``predefined_length`` (flag ``*``), ``dl_attribute`` (flag ``?``);
* ``spec``: the dictionary's specification text, and ``components``: one object per component with
  ``type`` (``N``/``X``/``Y``/``Z``), ``min``, ``max``, ``optional`` and ``linters``;
* ``req``: a list of requirement rules (all must hold); each rule is a list of alternatives (one
  must hold); each alternative is a list of AIs or patterns (``n`` = any digit) that must all be
  present (the dictionary's ``+``);
* ``ex``: AIs or patterns that must not appear together with this AI;
* ``dlpkey``: ``null`` when the AI is not a Digital Link primary key, else a list of alternative
  qualifier sequences (``[[]]`` = primary key without qualifiers).

A linter name that ``trace_std.gs1.linters.LINTERS`` does not implement, an unknown flag or an
unknown attribute makes the generator fail: nothing is silently skipped.

Besides the records, the file holds ``ai_length_by_prefix`` (AI length for each two-digit prefix in
use, derived from the dictionary and checked for consistency) and ``predefined_length_prefixes``:
GS1 General Specifications' table of element strings with predefined length (two-digit prefix ->
length of the data field, AI excluded), which also covers prefixes reserved for future use (04, 14,
18, 19); the generator checks it against the dictionary's ``*`` flags.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from trace_std.gs1.linters import LINTERS  # noqa: E402

DEFAULT_SOURCE = ROOT / "third_party" / "gs1-syntax-dictionary" / "gs1-syntax-dictionary.txt"
OUTPUT = ROOT / "trace_std" / "data" / "gs1_ai.json"

SOURCE_COMMIT = "ff2eb4bfc8f647aa3244626bdb875165d067a3e6"
SOURCE_DATE = "2026-07-27"
SOURCE_URL = f"https://github.com/gs1/gs1-syntax-dictionary/blob/{SOURCE_COMMIT}/gs1-syntax-dictionary.txt"
ATTRIBUTION = (
    "GS1 Barcode Syntax Dictionary. Copyright (c) 2020-2021 BWIPP project, (c) 2020-2021 Zint Project, "
    "(c) 2021-2025 GS1 AISBL. Licensed under the Apache License, Version 2.0 "
    "(http://www.apache.org/licenses/LICENSE-2.0). This table is a derived, machine-readable rendering."
)

# GS1 General Specifications, "element strings with predefined length using AIs" (the table
# behind the FNC1 rules): two-digit AI prefix -> length of the data field without the AI.
PREDEFINED_LENGTH_PREFIXES: dict[str, int] = {
    "00": 18, "01": 14, "02": 14, "03": 14, "04": 16,
    "11": 6, "12": 6, "13": 6, "14": 6, "15": 6, "16": 6, "17": 6, "18": 6, "19": 6,
    "20": 2,
    "31": 6, "32": 6, "33": 6, "34": 6, "35": 6, "36": 6,
    "41": 13,
}  # fmt: skip

# Package type codes for the ``packagetype`` linter (AI 7041): UN/ECE Recommendation 21 alphanumeric
# codes extended with GS1 codes, as published in GS1's PackageTypeCode code list
# (https://navigator.gs1.org/edi/codelist-details?name=PackageTypeCode). No Python package ships this
# list, so it is kept here as data with its provenance and written into the table.
PACKAGE_TYPE_SOURCE = "https://navigator.gs1.org/edi/codelist-details?name=PackageTypeCode"
PACKAGE_TYPE_CODES = """
1A 1B 1D 1F 1G 1W 200 201 202 203 204 205 206 210 211 212 2C 3A 3H 43 44 4A 4B 4C 4D 4F 4G 4H
5H 5L 5M 6H 6P 7A 7B 8 8A 8B 8C 9 AA AB AC AD AF AG AH AI AJ AL AM AP APE AT AV
B4 BB BC BD BE BF BG BGE BH BI BJ BK BL BM BME BN BO BP BQ BR BRI BS BT BU BV BW BX BY BZ
CA CB CBL CC CCE CD CE CF CG CH CI CJ CK CL CM CN CO CP CQ CR CS CT CU CV CW CX CY CZ
DA DB DC DG DH DI DJ DK DL DM DN DP DPE DR DS DT DU DV DW DX DY E1 E2 E3 EC ED EE EF EG EH EI EN
FB FC FD FE FI FL FO FOB FP FPE FR FT FW FX GB GI GL GR GU GY GZ HA HB HC HG HN HR
IA IB IC ID IE IF IG IH IK IL IN IZ JB JC JG JR JT JY KG KI LAB LE LG LT LU LV LZ
MA MB MC ME MPE MR MS MT MW MX NA NE NF NG NS NT NU NV OA OB OC OD OE OF OK OPE OT OU
P2 PA PAE PB PC PD PE PF PG PH PI PJ PK PL PLP PN PO POP PP PPE PR PT PU PUE PV PX PY PZ
QA QB QC QD QF QG QH QJ QK QL QM QN QP QQ QR QS RB1 RB2 RB3 RCB RD RG RJ RK RL RO RT RZ
S1 SA SB SC SD SE SEC SH SI SK SL SM SO SP SS ST STL SU SV SW SX SY SZ
T1 TB TC TD TE TEV TG THE TI TK TL TN TO TR TRE TS TT TTE TU TV TW TWE TY TZ UC UN UUE
VA VG VI VK VL VN VO VP VQ VR VS VY WA WB WC WD WF WG WH WJ WK WL WM WN WP WQ WR WRP WS WT WU WV WW WX WY WZ
X11 X12 X15 X16 X17 X18 X19 X20 X3 XA XB XC XD XF XG XH XJ XK
YA YB YC YD YF YG YH YJ YK YL YM YN YP YQ YR YS YT YV YW YX YY YZ
ZA ZB ZC ZD ZF ZG ZH ZJ ZK ZL ZM ZN ZP ZQ ZR ZS ZT ZU ZV ZW ZX ZY ZZ
""".split()  # noqa: SIM905 (kept as a readable block)

FLAG_CHARS = set("*!?\"$%&'()+,-./:;<=>@[\\]^_`{|}~")
KNOWN_FLAGS = {"*": "predefined_length", "?": "dl_attribute"}
KNOWN_ATTRIBUTES = {"req", "ex", "dlpkey"}

_COMPONENT_RE = re.compile(r"^(\[)?([NXYZ])(?:(\d+)|\.\.(\d+))(\])?((?:,[A-Za-z0-9]+)*)$")
_AI_PATTERN_RE = re.compile(r"^\d{2,4}$|^\d{1,3}n{1,3}$")


class DictionaryError(ValueError):
    """The dictionary contains something this generator does not understand."""


def _fail(lineno: int, message: str) -> DictionaryError:
    return DictionaryError(f"line {lineno}: {message}")


def _expand_ais(token: str, lineno: int) -> list[str]:
    if "-" in token:
        first, last = token.split("-", 1)
        if not (first.isdigit() and last.isdigit() and len(first) == len(last) and first < last):
            raise _fail(lineno, f"bad AI range {token!r}")
        if first[:-1] != last[:-1] and len(first) > 2:
            raise _fail(lineno, f"AI range {token!r} spans more than the last digit")
        return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]
    if not token.isdigit() or not 2 <= len(token) <= 4:
        raise _fail(lineno, f"bad AI {token!r}")
    return [token]


def _parse_component(token: str, lineno: int, seen_optional: bool) -> dict[str, Any]:
    m = _COMPONENT_RE.match(token)
    if not m:
        raise _fail(lineno, f"bad component {token!r}")
    open_b, ctype, fixed, maxlen, close_b, linters = m.groups()
    if bool(open_b) != bool(close_b):
        raise _fail(lineno, f"unbalanced brackets in {token!r}")
    optional = bool(open_b)
    if seen_optional and not optional:
        raise _fail(lineno, f"mandatory component {token!r} after an optional one")
    names = [n for n in linters.split(",") if n]
    for name in names:
        if name not in LINTERS:
            raise _fail(lineno, f"linter {name!r} is not implemented in trace_std.gs1.linters")
    if fixed is not None:
        lo = hi = int(fixed)
    else:
        lo, hi = 1, int(maxlen)
    if hi < 1:
        raise _fail(lineno, f"zero-length component {token!r}")
    return {"type": ctype, "min": lo, "max": hi, "optional": optional, "linters": names}


def _parse_pattern_list(value: str, lineno: int, plus: bool) -> list[Any]:
    out: list[Any] = []
    for alt in value.split(","):
        parts = alt.split("+") if plus else [alt]
        for part in parts:
            if not _AI_PATTERN_RE.match(part):
                raise _fail(lineno, f"bad AI or pattern {part!r}")
        out.append(parts if plus else alt)
    return out


def parse_dictionary(text: str) -> list[dict[str, Any]]:
    """Parse the dictionary text into expanded, sorted AI records."""
    records: dict[str, dict[str, Any]] = {}
    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        body, _, title = line.partition("#")
        title = title.strip()
        tokens = body.split()
        ais = _expand_ais(tokens[0], lineno)
        idx = 1
        flags = ""
        if idx < len(tokens) and all(c in FLAG_CHARS for c in tokens[idx]):
            flags = tokens[idx]
            idx += 1
        for flag in flags:
            if flag not in KNOWN_FLAGS:
                raise _fail(lineno, f"unknown flag {flag!r}")
        components: list[dict[str, Any]] = []
        spec_tokens: list[str] = []
        seen_optional = False
        while idx < len(tokens) and _COMPONENT_RE.match(tokens[idx]):
            comp = _parse_component(tokens[idx], lineno, seen_optional)
            seen_optional = seen_optional or comp["optional"]
            components.append(comp)
            spec_tokens.append(tokens[idx])
            idx += 1
        if not components:
            raise _fail(lineno, "no format components")
        for comp in components[:-1]:
            if comp["min"] != comp["max"]:
                raise _fail(lineno, "only the final component may have variable length")
        req: list[list[list[str]]] = []
        ex: list[str] = []
        dlpkey: list[list[str]] | None = None
        for token in tokens[idx:]:
            key, eq, value = token.partition("=")
            if key not in KNOWN_ATTRIBUTES:
                raise _fail(lineno, f"unknown attribute {token!r}")
            if key == "req":
                if not value:
                    raise _fail(lineno, "empty req")
                req.append(_parse_pattern_list(value, lineno, plus=True))
            elif key == "ex":
                if not value:
                    raise _fail(lineno, "empty ex")
                ex.extend(_parse_pattern_list(value, lineno, plus=False))
            else:
                if dlpkey is not None:
                    raise _fail(lineno, "dlpkey given twice")
                if not eq:
                    dlpkey = [[]]
                else:
                    dlpkey = []
                    for seq in value.split("|"):
                        quals = seq.split(",")
                        for q in quals:
                            if not q.isdigit():
                                raise _fail(lineno, f"bad dlpkey qualifier {q!r}")
                        dlpkey.append(quals)
        for ai in ais:
            if ai in records:
                raise _fail(lineno, f"AI {ai} defined twice")
            records[ai] = {
                "ai": ai,
                "title": title,
                "flags": flags,
                "predefined_length": "*" in flags,
                "dl_attribute": "?" in flags,
                "spec": " ".join(spec_tokens),
                "components": components,
                "req": req,
                "ex": ex,
                "dlpkey": dlpkey,
            }
    return [records[k] for k in sorted(records)]


def _prefix_lengths(records: list[dict[str, Any]]) -> dict[str, int]:
    lengths: dict[str, int] = {}
    for rec in records:
        prefix, n = rec["ai"][:2], len(rec["ai"])
        if lengths.setdefault(prefix, n) != n:
            raise DictionaryError(f"AIs with prefix {prefix} have different lengths")
    return dict(sorted(lengths.items()))


def _check_predefined(records: list[dict[str, Any]]) -> None:
    for rec in records:
        fixed = PREDEFINED_LENGTH_PREFIXES.get(rec["ai"][:2])
        total = sum(c["max"] for c in rec["components"])
        if rec["predefined_length"]:
            if any(c["min"] != c["max"] or c["optional"] for c in rec["components"]):
                raise DictionaryError(f"AI {rec['ai']} is flagged '*' but has variable length")
            if fixed != total:
                raise DictionaryError(f"AI {rec['ai']}: '*' length {total} disagrees with prefix table")
        elif fixed is not None:
            raise DictionaryError(f"AI {rec['ai']} has a predefined-length prefix but no '*' flag")


def _check_references(records: list[dict[str, Any]]) -> None:
    """Every AI named by ``req``, ``ex`` or ``dlpkey`` exists (patterns must match at least one)."""
    known = {r["ai"] for r in records}

    def resolves(pattern: str) -> bool:
        if "n" not in pattern:
            return pattern in known
        return any(
            len(ai) == len(pattern) and all(p in ("n", a) for a, p in zip(ai, pattern, strict=True))
            for ai in known
        )

    for rec in records:
        named = [p for rule in rec["req"] for alt in rule for p in alt] + list(rec["ex"])
        named += [q for seq in rec["dlpkey"] or [] for q in seq]
        for pattern in named:
            if not resolves(pattern):
                raise DictionaryError(f"AI {rec['ai']} names {pattern}, which matches no AI")


def build(source: Path) -> dict[str, Any]:
    data = source.read_bytes()
    records = parse_dictionary(data.decode("utf-8"))
    _check_predefined(records)
    _check_references(records)
    return {
        "dataset": "gs1_ai",
        "version": f"{SOURCE_DATE}+{SOURCE_COMMIT[:12]}",
        "generated_by": "scripts/gen_gs1_ai.py",
        "source": {
            "title": "GS1 Barcode Syntax Dictionary (gs1/gs1-syntax-dictionary)",
            "url": SOURCE_URL,
            "commit": SOURCE_COMMIT,
            "licence": "Apache-2.0",
            "attribution": ATTRIBUTION,
            "retrieved": SOURCE_DATE,
            "sha256": hashlib.sha256(data).hexdigest(),
        },
        "ai_length_by_prefix": _prefix_lengths(records),
        "predefined_length_prefixes": dict(sorted(PREDEFINED_LENGTH_PREFIXES.items())),
        "package_type_codes_source": PACKAGE_TYPE_SOURCE,
        "package_type_codes": sorted(set(PACKAGE_TYPE_CODES)),
        "records": records,
    }


def render(table: dict[str, Any]) -> str:
    """Serialise ``table``: header keys one per line, then one record per line."""

    def dump(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    items = [f"  {json.dumps(k)}: {dump(v)}" for k, v in table.items() if k != "records"]
    body = ",\n".join(f"    {dump(r)}" for r in table["records"])
    items.append(f'  "records": [\n{body}\n  ]')
    return "{\n" + ",\n".join(items) + "\n}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dictionary", nargs="?", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("-o", "--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    text = render(build(args.dictionary))
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
