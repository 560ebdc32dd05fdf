#!/usr/bin/env python3
"""Write the generated JSON Schemas into ``schemas/<version>/`` (``--check``: exit 1 if they drifted).

Usage: ``python scripts/gen_schemas.py [--check]``. The schemas come from
:func:`trace_std.schemas.generate` (the label models and the report shapes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from trace_std.schemas import VERSIONS, dump, generate

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_common import sync_files

OUT = Path(__file__).resolve().parents[1] / "schemas"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a file differs")
    args = parser.parse_args(argv)
    files = {
        OUT / VERSIONS[name] / f"{name}.schema.json": dump(schema) for name, schema in generate().items()
    }
    return sync_files(files, check=args.check, command="python scripts/gen_schemas.py")


if __name__ == "__main__":
    sys.exit(main())
