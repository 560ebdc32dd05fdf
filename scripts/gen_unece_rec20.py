"""Generate ``trace_std/data/unece_rec20.json``: UN/CEFACT Recommendation 20 unit codes.

Run: ``python scripts/gen_unece_rec20.py``. Reads the vendored, unmodified CSV in
``third_party/unece-rec20/`` (ODC-PDDL-1.0; see its README for the commit it came from).

Each record: ``code`` (the common code, 2-3 characters), ``name`` and ``status`` (``""`` current,
``"D"`` deprecated, ``"X"`` deleted). EPCIS quantities (``uom``) and sensor reports use these codes.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_common import ROOT, sha256_file, today, write_table

SOURCE = ROOT / "third_party" / "unece-rec20" / "units-of-measure.csv"
COMMIT = "f6427ebe979c645dff633d82f362d34e0cfc3182"


def main() -> int:
    with SOURCE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    records = []
    seen: set[str] = set()
    for row in rows:
        code = row["CommonCode"].strip()
        status = row["Status"].strip()
        if not code or code in seen:
            continue
        seen.add(code)
        records.append(
            {"code": code, "name": row["Name"].strip(), "status": status if status in ("D", "X") else ""}
        )
    records.sort(key=lambda r: r["code"])
    header = {
        "dataset": "unece_rec20",
        "version": "rec20-release17",
        "generated_by": "scripts/gen_unece_rec20.py",
        "source": {
            "title": "UN/CEFACT Recommendation No. 20, Codes for Units of Measure used in International "
            "Trade "
            "(Annexes I-III), via datasets/unece-units-of-measure",
            "url": f"https://github.com/datasets/unece-units-of-measure/blob/{COMMIT}/data/units-of-measure.csv",
            "licence": "ODC-PDDL-1.0",
            "retrieved": today(),
            "sha256": sha256_file(SOURCE),
        },
    }
    write_table("unece_rec20", header, {"records": records})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
