#!/usr/bin/env python3
"""Write the carton sheets of the market examples (``--check``: exit 1 if one is out of date).

Usage: ``python scripts/gen_sample_sheets.py [--check]``. For each ``examples/labels/valid-carton-*``
label of a market that prints texts in its own script (CN, RU, JP, KR), the sheet rendered with
embedded fonts is written to ``examples/labels/sheets/<label>.svg``; the Russia-bound one is also
copied to ``docs/getting-started/`` for the exporter's guide. ``--check`` compares the sheets
without their ``<style>`` (the embedded font subsets depend on the installed fontTools and font
package versions; the drawing does not).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_common import sync_files  # noqa: E402

from trace_std.label import parse_label  # noqa: E402
from trace_std.render.sheet import carton_sheet_svg  # noqa: E402

LABELS = ROOT / "examples" / "labels"
OUT = LABELS / "sheets"
SAMPLES = (
    "valid-carton-cn-dragon-fruit",
    "valid-carton-ru-longan",
    "valid-carton-jp-dragon-fruit",
    "valid-carton-kr-mango",
)
DOCS_COPY = {"valid-carton-ru-longan": ROOT / "docs" / "getting-started" / "sheet-ru-longan.svg"}
_STYLE = re.compile("<style>.*?</style>", re.S)


def render(name: str) -> str:
    label = parse_label(json.loads((LABELS / f"{name}.json").read_text("utf-8")))
    return carton_sheet_svg(label, fonts="embed")


def without_fonts(svg_text: str) -> str:
    """The sheet without its embedded font subsets."""
    return _STYLE.sub("", svg_text)


def expected() -> dict[Path, str]:
    files: dict[Path, str] = {}
    for name in SAMPLES:
        svg_text = render(name) + "\n"
        files[OUT / f"{name}.svg"] = svg_text
        if name in DOCS_COPY:
            files[DOCS_COPY[name]] = svg_text
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only compare (fonts aside); exit 1 when stale")
    args = parser.parse_args(argv)
    files = expected()
    if args.check:
        stale = [
            p
            for p, text in files.items()
            if not p.exists() or without_fonts(p.read_text("utf-8")) != without_fonts(text)
        ]
        for path in stale:
            print(
                f"out of date (run python scripts/gen_sample_sheets.py): {path.relative_to(ROOT)}",
                file=sys.stderr,
            )
        return 1 if stale else 0
    return sync_files(files, check=False, command="python scripts/gen_sample_sheets.py")


if __name__ == "__main__":
    sys.exit(main())
