"""atheris entry point: ``python fuzz/harness.py TARGET [libFuzzer flags...] [CORPUS_DIR...]``.

Instruments ``trace_std`` so libFuzzer's coverage feedback reaches into the library, then fuzzes
``fuzz.targets.TARGETS[TARGET]``. Normally started by ``fuzz/run``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import atheris

with atheris.instrument_imports(include=["trace_std"]):
    import trace_std.check
    import trace_std.codes
    import trace_std.gs1.digital_link
    import trace_std.gs1.element_string
    import trace_std.label.batch
    import trace_std.render.decode  # noqa: F401  # the image target's decoder

from fuzz.targets import TARGETS, warm_up


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in TARGETS:
        sys.stderr.write(f"usage: harness.py TARGET [flags] [corpus]; targets: {', '.join(TARGETS)}\n")
        sys.exit(2)
    target = TARGETS[sys.argv[1]]
    warm_up()
    atheris.Setup([sys.argv[0], *sys.argv[2:]], target)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
