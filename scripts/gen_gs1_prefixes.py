"""Generate ``trace_std/data/gs1_prefixes.json`` (GS1 prefix -> member organisation / special use).

Source: the GS1 prefix list bundled with the installed ``biip`` package
(``biip/gs1_prefixes/_prefix_trie.json.lzma``, Apache-2.0), which biip builds from
GS1's published "GS1 Company Prefix" allocation list. The trie is flattened into one
record per prefix; prefixes are laid out as in a GTIN-13/GLN (the 13-digit form).

Local corrections, if ever needed, go in ``trace_std/data/gs1_prefixes.overrides.json``
(``{"overrides": [{"prefix", "owner", "reason"}]}``); generated records are never edited.

Run: ``python scripts/gen_gs1_prefixes.py``.
"""

from __future__ import annotations

import itertools
import json
import lzma
import sys
from importlib import metadata, resources
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_common import DATA_DIR, sha256_file, today, write_table

NAME = "gs1_prefixes"
OVERRIDES = DATA_DIR / f"{NAME}.overrides.json"


def _flatten(node: Any, prefix: str, out: list[dict[str, Any]]) -> None:
    if isinstance(node, list):
        length, owner = node
        if length != len(prefix):
            raise SystemExit(f"unexpected trie leaf {prefix!r}: length {length}")
        out.append({"prefix": prefix, "owner": owner})
        return
    if not isinstance(node, dict):
        raise SystemExit(f"unexpected trie node at {prefix!r}: {type(node).__name__}")
    for digit, child in node.items():
        if digit not in "0123456789" or len(digit) != 1:
            raise SystemExit(f"unexpected trie key {digit!r} under {prefix!r}")
        _flatten(child, prefix + digit, out)


def main() -> int:
    version = metadata.version("biip")
    trie_file = Path(str(resources.files("biip.gs1_prefixes").joinpath("_prefix_trie.json.lzma")))
    with lzma.open(trie_file, "rt", encoding="utf-8") as fh:
        trie = json.load(fh)
    records: list[dict[str, Any]] = []
    _flatten(trie, "", records)
    by_prefix = {r["prefix"]: r for r in records}
    if OVERRIDES.exists():
        for item in json.loads(OVERRIDES.read_text("utf-8"))["overrides"]:
            if not item.get("reason"):
                raise SystemExit(f"override without a reason: {item!r}")
            by_prefix[item["prefix"]] = {"prefix": item["prefix"], "owner": item["owner"], "override": True}
    records = sorted(by_prefix.values(), key=lambda r: r["prefix"])
    # Integrity: no prefix may be a proper prefix of another (longest match must be unambiguous).
    for a, b in itertools.pairwise(records):
        if b["prefix"].startswith(a["prefix"]):
            raise SystemExit(f"overlapping prefixes {a['prefix']} and {b['prefix']}")
    header = {
        "dataset": NAME,
        "version": f"biip-{version}",
        "generated_by": "scripts/gen_gs1_prefixes.py",
        "source": {
            "title": f"GS1 prefix list as bundled in biip {version} "
            "(biip/gs1_prefixes/_prefix_trie.json.lzma), "
            "derived from GS1's published GS1 Company Prefix allocation list",
            "url": "https://www.gs1.org/standards/id-keys/company-prefix",
            "package": f"https://pypi.org/project/biip/{version}/",
            "licence": "Apache-2.0 (biip, Copyright Stein Magnus Jodal); prefix facts published by GS1",
            "retrieved": today(),
            "sha256": sha256_file(trie_file),
        },
        "layout": "prefix digits as in a GTIN-13/GLN; GTIN-14 and SSCC drop their first digit, "
        "GTIN-12 gains a leading 0",
    }
    path = write_table(NAME, header, {"records": records})
    print(f"wrote {path} ({len(records)} prefixes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
