"""Generate ``trace_std/data/iso3166.json`` and ``iso4217.json`` from the ISO data shipped in pycountry.

Run: ``python scripts/gen_iso_tables.py``. Needs ``pycountry`` (``pip install pycountry``).

* ``iso3166.json``: ISO 3166-1 (alpha-2, alpha-3, numeric, name) for every country, and the
  ISO 3166-2 subdivisions of Viet Nam (``VN-xx`` codes) under ``vn_subdivisions``.
* ``iso4217.json``: ISO 4217 currencies (alpha-3, numeric, name): the edition of List One that
  Debian iso-codes carries in the pycountry release named by ``version``; and under ``withdrawn``
  the codes withdrawn in recent editions (:data:`WITHDRAWN_4217`, kept here as facts) that
  older readers, such as GS1's Barcode Syntax Engine, still accept: trace_std's ``iso4217`` linter
  accepts them with a warning.

pycountry bundles the Debian ``iso-codes`` JSON databases; the checksum recorded is that of the
database file read.
"""

from __future__ import annotations

import importlib.metadata
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_common import sha256_file, today, write_table

SOURCE_URL = "https://github.com/pycountry/pycountry"
LICENCE = "LGPL-2.1-only (pycountry, data from Debian iso-codes, LGPL-2.1-or-later)"


#: ISO 4217 codes withdrawn from List One in a recent edition: accepted with a warning.
WITHDRAWN_4217 = [
    {"alpha_3": "BGN", "numeric": "975", "name": "Bulgarian Lev", "withdrawn": "2026-01-01",
     "replaced_by": "EUR", "reason": "Bulgaria adopted the euro on 2026-01-01"},
]  # fmt: skip


def _database(name: str) -> Path:
    import pycountry

    return Path(pycountry.DATABASE_DIR) / f"{name}.json"


def _header(dataset: str, files: list[Path], title: str) -> dict[str, object]:
    version = importlib.metadata.version("pycountry")
    # ``sha256`` is that of the main artefact; ``artefacts`` lists every file read with its checksum.
    artefacts = {p.name: sha256_file(p) for p in files}
    return {
        "dataset": dataset,
        "version": f"pycountry-{version}",
        "generated_by": "scripts/gen_iso_tables.py",
        "source": {
            "title": f"{title} (pycountry {version}, Debian iso-codes)",
            "url": SOURCE_URL,
            "licence": LICENCE,
            "retrieved": today(),
            "sha256": artefacts[files[0].name],
            "artefacts": artefacts,
        },
    }


def main() -> int:
    f3166_1, f3166_2, f4217 = _database("iso3166-1"), _database("iso3166-2"), _database("iso4217")
    countries = json.loads(f3166_1.read_text("utf-8"))["3166-1"]
    records = sorted(
        (
            {"alpha_2": c["alpha_2"], "alpha_3": c["alpha_3"], "numeric": c["numeric"], "name": c["name"]}
            for c in countries
        ),
        key=lambda r: r["alpha_2"],
    )
    subdivisions = json.loads(f3166_2.read_text("utf-8"))["3166-2"]
    vn = sorted(
        (
            {"code": s["code"], "name": s["name"], "type": s["type"]}
            for s in subdivisions
            if s["code"].startswith("VN-")
        ),
        key=lambda r: r["code"],
    )
    header = _header("iso3166", [f3166_1, f3166_2], "ISO 3166-1 countries and ISO 3166-2 subdivisions of VN")
    write_table("iso3166", header, {"records": records, "vn_subdivisions": vn})

    currencies = json.loads(f4217.read_text("utf-8"))["4217"]
    cur = sorted(
        ({"alpha_3": c["alpha_3"], "numeric": c["numeric"], "name": c["name"]} for c in currencies),
        key=lambda r: r["alpha_3"],
    )
    current = {c["numeric"] for c in cur}
    withdrawn = [w for w in WITHDRAWN_4217 if w["numeric"] not in current]
    header = _header("iso4217", [f4217], "ISO 4217 currencies, List One as in Debian iso-codes")
    write_table("iso4217", header, {"records": cur, "withdrawn": withdrawn})
    print(f"iso3166: {len(records)} countries, {len(vn)} VN subdivisions; iso4217: {len(cur)} currencies")
    return 0


if __name__ == "__main__":
    sys.exit(main())
