"""Importing a registry update: dry run, the real import, idempotence, and the open-data export.

The provincial plant-protection sub-department publishes a monthly update of its codes. The operator
of a trace_std service loads it with the CLI:

1. ``trace-std registry init --sample``: a registry holding the synthetic Sơn La sample;
2. the update as it first arrives, with one mistake (a lot naming a planting area nobody registered):
   ``trace-std registry import update.json --dry-run`` reports the bad row and changes nothing, and so
   would the real import (all or nothing);
3. the corrected update: ``--dry-run`` gives the exact counts, then the real import applies it in one
   transaction (a new planting area approved for China, a suspension with its legal document, a new
   lot), and importing it again changes nothing; the new planting area's authorisation letter for
   the packing house of its lot is recorded (``trace-std registry authorisations``);
4. ``trace-std registry export --format json``: the open data with provenance and checksum, and a
   verification that sees the new status.

    python examples/registry_update.py [--out DIR]

Every step runs the ``trace-std`` command exactly as an operator would (``python -m trace_std`` if the
console script is not on ``PATH``). Exit code 0 when every step behaves as described.
Needs ``pip install 'trace-std[registry]'``.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

NEW_PUC = "VN-SLOR-0217"
SUSPENDED = "VN-SLOR-0002"

UPDATE: dict[str, Any] = {
    "$schema": "https://trace-std.org/schemas/v1/registry-import.schema.json",
    "format": "trace-std-registry",
    "version": "1",
    "codes": [
        {
            "code": NEW_PUC,
            "name": "Vùng trồng nhãn bản Hua Noong (synthetic)",
            "crops": ["longan"],
            "varieties": ["Hương Chi"],
            "area_ha": 11.2,
            "households": 14,
            "owner": "HTX Nông nghiệp Hua Noong (synthetic)",
            "address": "Xã Chiềng Mai, tỉnh Sơn La",
            "geometry": {"type": "Point", "coordinates": [103.95, 21.18]},
            "issued": "2025-10-01",
            "markets": [
                {
                    "market": "CN",
                    "status": "active",
                    "approved": "2025-10-15",
                    "valid_to": None,
                    "registration_number": "SYN-CN-2025-0217",
                }
            ],
        },
        {
            "code": SUSPENDED,
            "status": "suspended",
            "status_since": "2025-11-03",
            "status_reason": "pesticide residue above the importing country's MRL in an inspection sample",
            "legal_doc": "Công văn 1234/TTBVTV-KD (synthetic)",
        },
    ],
    "lots": [
        {
            "gtin": "08936000120016",
            "lot": "SL251020N",
            "puc": NEW_PUC,
            "phc": "VN-SLPH-001",
            "harvest_date": "2025-10-19",
            "pack_date": "2025-10-20",
            "market": "CN",
        },
    ],
}

LETTER: list[dict[str, Any]] = [
    {
        "ref": "UQ-SL-2025-0217 (synthetic)",
        "puc": NEW_PUC,
        "phc": "VN-SLPH-001",
        "crops": ["longan"],
        "valid_from": "2025-10-01",
        "valid_to": "2026-09-30",
    }
]


def trace_std(*args: str, check: int | None = 0) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("trace-std")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "trace_std", *args]
    print("$ trace-std " + " ".join(args))
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    shown = (proc.stdout + proc.stderr).strip().splitlines()
    if "--json" in args and proc.stdout.strip().startswith("{"):
        r = json.loads(proc.stdout)
        shown = [
            f"{k}: {r.get(k)}"
            for k in ("ok", "applied", "created", "updated", "unchanged", "history_appended")
        ]
        shown += [f"{i.get('pointer')}: {i['code']}: {i['message']}" for i in r.get("issues", [])]
    for line in shown[:12]:
        print("  " + line)
    if len(shown) > 12:
        print(f"  ... ({len(shown) - 12} more lines)")
    if check is not None and proc.returncode != check:
        raise SystemExit(f"expected exit {check}, got {proc.returncode}")
    return proc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, help="keep the registry, the update files and the export here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        db = f"sqlite:///{out / 'registry.sqlite3'}"
        (out / "registry.sqlite3").unlink(missing_ok=True)

        print("1. a registry with the synthetic Sơn La sample")
        trace_std("registry", "init", "--sample", "--database", db)
        before = out / "before.json"
        trace_std("registry", "export", "--database", db, "--format", "json", "-o", str(before))

        print("\n2. the update as first received: one lot names an unregistered planting area")
        bad = copy.deepcopy(UPDATE)
        bad["lots"][0]["puc"] = "VN-SLOR-0299"
        (out / "update-bad.json").write_text(json.dumps(bad, ensure_ascii=False, indent=1), "utf-8")
        dry_bad = trace_std(
            "registry",
            "import",
            str(out / "update-bad.json"),
            "--dry-run",
            "--json",
            "--database",
            db,
            check=None,
        )
        real_bad = trace_std(
            "registry",
            "import",
            str(out / "update-bad.json"),
            "--database",
            db,
            "--actor",
            "example",
            check=None,
        )
        assert dry_bad.returncode != 0 and real_bad.returncode != 0, "a bad file must be refused"
        issues = json.loads(dry_bad.stdout)["issues"]
        assert any(i["code"] == "registry.import.unknown_reference" for i in issues), issues

        print("\n3. the corrected update: dry run, import, import again")
        update = out / "update.json"
        update.write_text(json.dumps(UPDATE, ensure_ascii=False, indent=1), "utf-8")
        trace_std("registry", "import", str(update), "--dry-run", "--database", db)
        applied = trace_std(
            "registry", "import", str(update), "--json", "--database", db, "--actor", "chi-cuc-son-la"
        )
        again = trace_std(
            "registry", "import", str(update), "--json", "--database", db, "--actor", "chi-cuc-son-la"
        )
        report, report_again = json.loads(applied.stdout), json.loads(again.stdout)
        # The new planting area's holder does not run the packing house: its authorisation letter is
        # recorded too, or public verification calls the new lot inconsistent
        # (registry.authorisation.missing; docs/registry.md, verification and the audit).
        letter = out / "authorisation.json"
        letter.write_text(json.dumps(LETTER, ensure_ascii=False, indent=1), "utf-8")
        trace_std("registry", "authorisations", str(letter), "--database", db, "--actor", "chi-cuc-son-la")

        print("\n4. the open-data export")
        after = out / "after.json"
        trace_std(
            "registry",
            "export",
            "--database",
            db,
            "--format",
            "json",
            "-o",
            str(after),
            "--source",
            "example: Sơn La monthly update",
        )
        old, new = json.loads(before.read_text("utf-8")), json.loads(after.read_text("utf-8"))
        codes = {c["code"]: c for c in new["codes"]}
        print(f"  provenance: {json.dumps(new['provenance'], ensure_ascii=False)}")
        print(
            f"  codes {len(old['codes'])} -> {len(new['codes'])}, "
            f"lots {len(old['lots'])} -> {len(new['lots'])}"
        )
        print(f"  {SUSPENDED}: history {[h['to'] for h in codes[SUSPENDED]['history']]}")
        print(
            f"  {NEW_PUC}: {codes[NEW_PUC]['status']}, "
            f"markets {[m['market'] for m in codes[NEW_PUC]['markets']]}"
        )

        from trace_std.registry import Registry
        from trace_std.registry.verify import verify

        registry = Registry(db)
        try:
            before_day = verify(registry, SUSPENDED, on=dt.date(2025, 11, 2)).verdict
            after_day = verify(registry, SUSPENDED, on=dt.date(2025, 11, 3)).verdict
            lot = verify(registry, "(01)08936000120016(10)SL251020N(13)251020").verdict
        finally:
            registry.close()
        print(f"  verify {SUSPENDED}: on 2025-11-02 {before_day}, on 2025-11-03 {after_day}; new lot: {lot}")

        ok = (
            len(new["codes"]) == len(old["codes"]) + 1
            and len(new["lots"]) == len(old["lots"]) + 1
            and codes[SUSPENDED]["status"] == "suspended"
            and [h["to"] for h in codes[SUSPENDED]["history"]][-1] == "suspended"
            and (before_day, after_day, lot) == ("genuine", "suspended", "genuine")
            and report.get("history_appended", 0) >= 1
            and report_again.get("history_appended") == 0
        )
        print("OK" if ok else "UNEXPECTED RESULT")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
