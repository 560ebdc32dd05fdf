"""Build each target's seed corpus from the project's examples and conformance cases.

``python fuzz/seeds.py OUT_DIR`` writes ``OUT_DIR/<target>/seed-NNNN`` files. Seeds are derived at
run time (never hand-kept copies), so they follow the examples as they change.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = str.maketrans("", "", "⟦⟧")


def _conformance(name: str, key: str) -> Iterator[str]:
    path = ROOT / "tests" / "gs1" / "conformance" / name
    if path.exists():
        data = json.loads(path.read_text("utf-8"))
        for case in data.get("cases", []):
            value = case.get(key)
            if isinstance(value, str):
                yield value.translate(MARK)


def _registry_codes() -> Iterator[str]:
    path = ROOT / "examples" / "registry" / "sonla-synthetic.registry.csv"
    lines = [ln for ln in path.read_text("utf-8").splitlines() if not ln.startswith("#")]
    for row in csv.DictReader(io.StringIO("\n".join(lines))):
        code = row.get("code")
        if code:
            yield code
    # Printed variants from the domain notes (spacing, dash, missing hyphen).
    yield from (
        "VN - DNOR - 0269",
        "VN-DNOOR0039",
        "vn–dtor–0017",
        "VN-14-116-04108-01-23",
        "PB.33.01.01.001",
    )


def _label_files(suffix: str) -> Iterator[bytes]:
    for path in sorted((ROOT / "examples" / "labels").glob(f"*{suffix}")):
        yield path.read_bytes()


def _images() -> Iterator[bytes]:
    try:
        from trace_std.render import qr
    except ImportError:  # the render extra is missing: no image seeds
        return
    for path in sorted((ROOT / "tests" / "gs1" / "conformance").glob("dl_valid.json"))[:1]:
        cases = json.loads(path.read_text("utf-8")).get("cases", [])[:3]
        for case in cases:
            yield qr.qr_png(case["uri"], module_px=3)


def seeds() -> dict[str, list[bytes]]:
    text = lambda xs: [x.encode("utf-8", "surrogateescape") for x in xs]  # noqa: E731
    es = list(_conformance("element_strings.json", "input"))
    dl = list(_conformance("dl_valid.json", "uri")) + list(_conformance("dl_invalid.json", "uri"))
    codes = list(_registry_codes())
    return {
        "codes": text(codes),
        "element_string": text(es),
        "digital_link": text(dl),
        "check_any": text(codes[:20] + es[:40] + dl[:40]),
        "label_csv": list(_label_files(".csv")),
        "label_jsonl": list(_label_files(".jsonl")),
        "label_xlsx": list(_label_files(".xlsx")),
        "image": list(_images()),
    }


def write(out: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for target, items in seeds().items():
        folder = out / target
        folder.mkdir(parents=True, exist_ok=True)
        for i, item in enumerate(items):
            (folder / f"seed-{i:04d}").write_bytes(item)
        counts[target] = len(items)
    return counts


if __name__ == "__main__":
    print(write(Path(sys.argv[1])))
