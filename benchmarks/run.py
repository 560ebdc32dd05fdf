"""Run every ``benchmarks/bench_*.py`` in turn: ``python benchmarks/run.py [NAME...]``.

Each benchmark module exposes ``main() -> int`` (0 when every target is met) and prints one line
per target (``<name>: ours <x>/s, baseline <y>/s, ratio <r>x (target <t>) OK|MISS``). Give names
(``codes``, ``bench_codes`` or ``bench_codes.py``) to run only those. The exit code is 0 when every
benchmark returned 0, 1 when a target was missed, 2 when a benchmark crashed or a name is unknown.
"""

from __future__ import annotations

import importlib.util
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent


def discover(names: Sequence[str] = ()) -> list[Path]:
    """The benchmark files to run, sorted by name; ``names`` filters them."""
    found = sorted(HERE.glob("bench_*.py"))
    if not names:
        return found
    wanted = {n.removesuffix(".py").removeprefix("bench_") for n in names}
    chosen = [p for p in found if p.stem.removeprefix("bench_") in wanted]
    missing = wanted - {p.stem.removeprefix("bench_") for p in chosen}
    if missing:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(missing))}")
    return chosen


def run_one(path: Path) -> int:
    spec = importlib.util.spec_from_file_location(f"benchmarks.{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    saved, sys.argv = sys.argv, [str(path)]  # a benchmark that parses options sees none
    try:
        result: int = module.main()
    finally:
        sys.argv = saved
    return result


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        paths = discover(args)
    except SystemExit as exc:
        print(exc, file=sys.stderr)
        return 2
    worst = 0
    for path in paths:
        print(f"== {path.name}", flush=True)
        start = time.perf_counter()
        try:
            code = run_one(path)
        except Exception:  # a crashing benchmark must not hide the others
            traceback.print_exc()
            code = 2
        print(f"-- {path.name}: exit {code} in {time.perf_counter() - start:.1f}s", flush=True)
        worst = max(worst, 1 if code == 1 else (2 if code else 0))
    return worst


if __name__ == "__main__":
    sys.exit(main())
