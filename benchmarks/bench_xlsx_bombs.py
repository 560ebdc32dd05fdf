"""Crafted .xlsx bombs against the batch validator: time and memory over the worker's baseline.

Run: ``python benchmarks/bench_xlsx_bombs.py [--small]``. Each workbook of
:mod:`tests.label.xlsx_bombs` (the 1 GB shared strings, sheet and workbook.xml of issue 17 item 2,
a flood of cells, a ~1,000x part, a 2 KB sheet claiming a million rows, 5,000 parts, a 1 MB cell)
plus two files *just under* the default limits (the worst markup an attacker can pick, and an
Excel-shaped sheet) is validated in a fresh process with the default (public) limits. The baseline
is that process's own peak RSS after importing the validator and reading a small workbook, i.e.
what a warm worker already holds; the target is <= 2 s and <= 200 MB over it, refused or finished.
Time is the child's CPU time (the machine is shared; wall time is printed for information):

    <name>: ours <t> s CPU (<w> s wall) and +<m> MiB (refused: <limit> | finished: <rows> rows), ...
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_SECONDS = 2.0
TARGET_MIB = 200.0


def _files(small: bool) -> dict[str, Callable[[], bytes]]:
    from tests.label import xlsx_bombs as B

    size = 64 if small else 1024  # MiB the three "huge" parts inflate to
    import random

    rng = random.Random(1)
    run = '<r><rPr><b/><sz val="11"/><color rgb="FF0000"/></rPr><t>{}</t></r>'
    item = "<si>" + run * 3 + "</si>"
    per_item = item.count("<") + item.count("=")
    # rich-text shared strings (the costliest markup per tag), varied so the part is not a zip bomb,
    # filling the default token budget to 97 %
    worst = [
        item.format(*("".join(rng.choices("abcdefghij", k=12)) for _ in range(3)))
        for _ in range(int(0.97 * 300_000) // per_item)
    ]
    return {
        "huge-shared-strings": lambda: B.huge_shared_strings(size),
        "huge-sheet": lambda: B.huge_sheet(size),
        "huge-workbook-xml": lambda: B.huge_workbook_xml(size),
        "many-cells": lambda: B.many_cells(20_000 if small else 200_000),
        "high-ratio": lambda: B.high_ratio(8),
        "far-rows": B.far_rows,
        "many-members": B.many_members,
        "long-cell": B.long_cell,
        "under-limit-rich-text": lambda: B.workbook(strings=["<sst>", *worst, "</sst>"]),
        "under-limit-excel-shaped": lambda: B.shared_cells(5_000),
    }


def child(path: str) -> int:
    from tests.label import xlsx_bombs as B
    from trace_std.errors import TraceStdError
    from trace_std.label.batch import validate_file

    validate_file(io.BytesIO(B.shared_cells(20)))  # a warm worker: imports done, openpyxl loaded
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    try:
        report = validate_file(path)
        outcome = f"finished: {report.rows_total} rows"
    except TraceStdError as err:
        outcome = f"refused: {err.code} {err.context.get('limit', '')}".strip()
    seconds, wall = time.process_time() - cpu, time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {"seconds": seconds, "wall": wall, "baseline_kib": baseline, "peak_kib": peak, "outcome": outcome}
        )
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="64 MiB parts instead of 1 GiB (quick check)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.child:
        return child(args.child)
    ok = True
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    with tempfile.TemporaryDirectory(prefix="bench_xlsx_") as tmp:
        for name, make in _files(args.small).items():
            path = Path(tmp) / f"{name}.xlsx"
            path.write_bytes(make())
            proc = subprocess.run(
                [sys.executable, __file__, "--child", str(path)], capture_output=True, text=True, env=env
            )
            if proc.returncode:
                print(f"{name}: crashed: {proc.stderr[-800:]}")
                ok = False
                continue
            out = json.loads(proc.stdout)
            over = (out["peak_kib"] - out["baseline_kib"]) / 1024
            hit = out["seconds"] <= TARGET_SECONDS and over <= TARGET_MIB
            ok &= hit
            size = path.stat().st_size
            base = out["baseline_kib"] / 1024
            target = f"<= {TARGET_SECONDS:g} s and <= {TARGET_MIB:g} MiB over baseline"
            print(
                f"{name}: ours {out['seconds']:.2f} s CPU ({out['wall']:.2f} s wall) and +{over:.1f} MiB "
                f"({out['outcome']}; {size:,} B upload), "
                f"baseline {base:.1f} MiB (warm worker), ratio {out['seconds'] / TARGET_SECONDS:.2f}x "
                f"(target {target}) {'OK' if hit else 'MISS'}",
                flush=True,
            )
            path.unlink()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
