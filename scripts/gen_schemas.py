#!/usr/bin/env python3
"""Write the generated JSON Schemas into ``schemas/v1/`` (``--check``: exit 1 if they drifted).

Usage: ``python scripts/gen_schemas.py [--check]``. The schemas come from
:func:`trace_std.schemas.generate` (the label models and the report shapes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trace_std.schemas import dump, generate

OUT = Path(__file__).resolve().parents[1] / "schemas" / "v1"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a file differs")
    args = parser.parse_args(argv)
    drift = []
    for name, schema in generate().items():
        path = OUT / f"{name}.schema.json"
        text = dump(schema)
        current = path.read_text("utf-8") if path.exists() else None
        if current == text:
            continue
        drift.append(path.name)
        if not args.check:
            path.write_text(text, "utf-8")
            print(f"wrote {path}")
    if args.check and drift:
        print("schemas out of date: " + ", ".join(drift) + " (run python scripts/gen_schemas.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
