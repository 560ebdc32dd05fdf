"""Generate the Viet Nam administrative-unit tables from the PyPI package ``vietnam-provinces``.

Run: ``python scripts/gen_vn_admin.py`` (needs ``pip`` and access to PyPI).

The two eras of the GSO numeric codes come from two releases of the same package, which cannot be
installed side by side, so each wheel is fetched with ``pip download --no-deps`` into a temporary
folder and its bundled ``nested-divisions.json`` is read straight from the wheel.

* ``vn_admin_2004.json``: units of Decision 124/2004/QĐ-TTg as last updated, valid until 2025-06-30
  (``vietnam-provinces==0.6.0``): 63 provinces, their districts and communes.
* ``vn_admin_2025.json``: units of Decision 19/2025/QĐ-TTg, valid from 2025-07-01
  (``vietnam-provinces==2025.10.1``): 34 provinces and their communes (no district level).

Codes are zero-padded strings: province 2 digits, district 3, commune 5. Each record keeps only
``code``, ``name`` and the parent's code. Every pre-2025 province carries ``successor``: the 2025
province it became part of. The package does not state these links, so they are **derived**: after
the reform each new commune reuses the code of one of the communes it was formed from, and the
script maps each pre-2025 province to the 2025 province holding its reused commune codes; it fails
unless every pre-2025 province maps to exactly one successor.
"""

from __future__ import annotations

import collections
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_common import sha256_file, today, write_table

PACKAGE = "vietnam-provinces"
OLD_VERSION = "0.6.0"
NEW_VERSION = "2025.10.1"
URL = "https://pypi.org/project/vietnam-provinces/"
LICENCE = (
    "not stated in the wheel metadata; upstream repository github.com/sunshine-tech/VietnamProvinces; "
    "the codes themselves are the GSO's public administrative-unit list"
)
_PREFIXES = ("Thành phố ", "Tỉnh ")


def _fetch(version: str, folder: Path) -> Path:
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--no-deps",
            "--disable-pip-version-check",
            "--only-binary=:all:",
            "-d",
            str(folder),
            f"{PACKAGE}=={version}",
        ],
        check=True,
    )
    (wheel,) = folder.glob("vietnam_provinces-*.whl")
    return wheel


def _nested(wheel: Path) -> list[dict[str, Any]]:
    with zipfile.ZipFile(wheel) as zf:
        data: list[dict[str, Any]] = json.loads(zf.read("vietnam_provinces/data/nested-divisions.json"))
    return data


def _short(name: str) -> str:
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def _header(
    dataset: str, version: str, wheel: Path, valid_from: str | None, valid_until: str | None, legal: str
) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "version": f"{PACKAGE}-{version}",
        "generated_by": "scripts/gen_vn_admin.py",
        "source": {
            "title": f"{PACKAGE} {version} (PyPI wheel, data/nested-divisions.json)",
            "url": f"{URL}{version}/",
            "licence": LICENCE,
            "retrieved": today(),
            "sha256": sha256_file(wheel),
            "artefact": wheel.name,
        },
        "legal_basis": legal,
        "valid_from": valid_from,
        "valid_until": valid_until,
    }


def _successors(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> dict[int, int]:
    """Map each old province code to the new province holding its reused commune codes."""
    province_of_commune = {w["code"]: p["code"] for p in old for d in p["districts"] for w in d["wards"]}
    votes: dict[int, collections.Counter[int]] = collections.defaultdict(collections.Counter)
    for p in new:
        for w in p["wards"]:
            if w["code"] in province_of_commune:
                votes[province_of_commune[w["code"]]][p["code"]] += 1
    out: dict[int, int] = {}
    for p in old:
        counter = votes.get(p["code"])
        if not counter or len(counter) != 1:
            raise SystemExit(f"no unique successor for province {p['code']} {p['name']}: {counter}")
        out[p["code"]] = next(iter(counter))
    return out


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        old_wheel = _fetch(OLD_VERSION, Path(tmp) / "old")
        new_wheel = _fetch(NEW_VERSION, Path(tmp) / "new")
        old, new = _nested(old_wheel), _nested(new_wheel)
        successors = _successors(old, new)

        provinces = [
            {
                "code": f"{p['code']:02d}",
                "name": p["name"],
                "short_name": _short(p["name"]),
                "successor": f"{successors[p['code']]:02d}",
            }
            for p in old
        ]
        districts = [
            {"code": f"{d['code']:03d}", "name": d["name"], "province": f"{p['code']:02d}"}
            for p in old
            for d in p["districts"]
        ]
        communes = [
            {"code": f"{w['code']:05d}", "name": w["name"], "district": f"{d['code']:03d}"}
            for p in old
            for d in p["districts"]
            for w in d["wards"]
        ]
        header = _header(
            "vn_admin_2004",
            OLD_VERSION,
            old_wheel,
            None,
            "2025-06-30",
            "Decision 124/2004/QĐ-TTg and its updates (GSO codes)",
        )
        header["successor_derivation"] = (
            "derived: each 2025 commune reuses the code of one of the pre-2025 communes it was formed from; "
            "a pre-2025 province's successor is the one 2025 province holding its reused commune codes"
        )
        write_table(
            "vn_admin_2004",
            header,
            {
                "provinces": sorted(provinces, key=lambda r: r["code"]),
                "districts": sorted(districts, key=lambda r: r["code"]),
                "communes": sorted(communes, key=lambda r: r["code"]),
            },
        )

        provinces_new = [
            {"code": f"{p['code']:02d}", "name": p["name"], "short_name": _short(p["name"])} for p in new
        ]
        communes_new = [
            {"code": f"{w['code']:05d}", "name": w["name"], "province": f"{p['code']:02d}"}
            for p in new
            for w in p["wards"]
        ]
        header = _header(
            "vn_admin_2025",
            NEW_VERSION,
            new_wheel,
            "2025-07-01",
            None,
            "Decision 19/2025/QĐ-TTg (GSO codes, no district level)",
        )
        write_table(
            "vn_admin_2025",
            header,
            {
                "provinces": sorted(provinces_new, key=lambda r: r["code"]),
                "communes": sorted(communes_new, key=lambda r: r["code"]),
            },
        )
    print(
        f"2004: {len(provinces)} provinces, {len(districts)} districts, {len(communes)} communes; "
        f"2025: {len(provinces_new)} provinces, {len(communes_new)} communes"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
