"""Generate ``trace_std/data/vn_export_abbreviations.json``: province letters used in export PUC/PHC codes.

Run: ``python scripts/gen_vn_abbreviations.py`` (after ``scripts/gen_vn_admin.py``).

No official list of these letters exists. The table combines:

* **observed** abbreviations, seen in real codes, from the reviewed hand-fact file
  ``trace_std/data/vn_export_abbreviations.overrides.json`` (each with source and reason);
* **derived** abbreviations for the other pre-2025 provinces of ``vn_admin_2004.json``: the initials
  of the province's short name folded to ASCII (``Tiền Giang`` → ``TG``). A derived abbreviation
  that more than one province yields is recorded as **ambiguous** with its candidates; one claimed
  by an observed entry is dropped, and a province with an observed abbreviation gets no derived one.
  Derived initials longer than three letters are left out, because the observed grammar allows 2–3.
"""

from __future__ import annotations

import collections
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_common import DATA_DIR, sha256_file, today, write_table


def initials(name: str) -> str:
    """ASCII initials of a Vietnamese name: ``"Bà Rịa - Vũng Tàu"`` → ``"BRVT"``."""
    folded = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    ascii_name = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return "".join(word[0].upper() for word in ascii_name.split() if word[0].isalpha())


def main() -> int:
    admin_path = DATA_DIR / "vn_admin_2004.json"
    overrides_path = DATA_DIR / "vn_export_abbreviations.overrides.json"
    admin = json.loads(admin_path.read_text("utf-8"))
    overrides = json.loads(overrides_path.read_text("utf-8"))
    names = {p["code"]: p["short_name"] for p in admin["provinces"]}

    records: dict[str, dict[str, Any]] = {}
    observed_provinces: set[str] = set()
    for entry in overrides["records"]:
        if entry["province"] not in names:
            raise SystemExit(f"override {entry['abbr']}: unknown province {entry['province']}")
        records[entry["abbr"]] = {
            "abbr": entry["abbr"],
            "status": "observed",
            "province": entry["province"],
            "province_name": names[entry["province"]],
            "confidence": entry["confidence"],
            "source": entry["source"],
            "example": entry["example"],
        }
        observed_provinces.add(entry["province"])

    candidates: dict[str, list[str]] = collections.defaultdict(list)
    for code, name in names.items():
        if code not in observed_provinces:
            candidates[initials(name)].append(code)
    for abbr, codes in candidates.items():
        if abbr in records or not 2 <= len(abbr) <= 3:
            continue
        if len(codes) == 1:
            records[abbr] = {
                "abbr": abbr,
                "status": "derived",
                "province": codes[0],
                "province_name": names[codes[0]],
                "derivation": "initials of the ASCII-folded province name",
            }
        else:
            records[abbr] = {
                "abbr": abbr,
                "status": "ambiguous",
                "candidates": sorted(codes),
                "derivation": "initials shared by several provinces; no observed code decides",
            }

    header = {
        "dataset": "vn_export_abbreviations",
        "version": f"{admin['version']}+overrides-{overrides['version']}",
        "generated_by": "scripts/gen_vn_abbreviations.py",
        "source": {
            "title": "Observed export-code province letters (reviewed overrides) and initials derived from "
            "the pre-2025 province names",
            "url": "https://pypi.org/project/vietnam-provinces/0.6.0/",
            "licence": "overrides: this project (Apache-2.0); province names: see vn_admin_2004.json",
            "retrieved": today(),
            "sha256": sha256_file(overrides_path),
            "artefacts": {
                overrides_path.name: sha256_file(overrides_path),
                admin_path.name: sha256_file(admin_path),
            },
        },
        "provinces_table": "vn_admin_2004",
    }
    write_table("vn_export_abbreviations", header, {"records": [records[k] for k in sorted(records)]})
    counts = collections.Counter(r["status"] for r in records.values())
    print(f"vn_export_abbreviations: {dict(sorted(counts.items()))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
