"""Batch validation of a 14-column label CSV: throughput vs a naive pipeline, and flat memory.

Run: ``python benchmarks/bench_batch.py [--full] [--rows N]``. Prints one line per target:

    <name>: ours <x>/s, baseline <y>/s, ratio <r>x (target <t>) OK|MISS

* ``batch-rows``: rows/s of :func:`trace_std.label.batch.validate_file` on one core (CPU time of
  this single-threaded process) against the fixed target of 20,000 rows/s.
* ``batch-vs-naive``: the same file through a naive pipeline, measured in the same run:
  ``csv.DictReader`` + jsonschema Draft 2020-12 validation against ``schemas/v1/label.schema.json``
  + biip parsing of the GTIN and of the row's raw element string. Target: ours ≥ 5x faster.
  The naive pipeline is timed on the first rows of the same file (it is slow) until
  ``NAIVE_SECONDS`` of CPU have passed.
* ``memory``: peak RSS (``ru_maxrss``) of a fresh subprocess validating a LARGE-row file, over that
  of a SMALL-row file (100,000 and 1,000,000 rows with ``--full``; 20,000 and 200,000 otherwise).
  Target: ≤ 1.3x, for lot-level cartons (no serial, the PTI norm) and for cartons that EVERY carry a
  unique serial (the duplicate check then spills its keys to a temporary SQLite file beyond 50,000).
  The same subprocess also gives the rows/s of the large file (``batch-rows-<kind>-<n>k``).
  The report keeps at most 1,000 issues (``max_issues``), as the API does.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROWS = 50_000
NAIVE_SECONDS = 3.0
TARGET_ROWS = 20_000.0
TARGET_RATIO = 5.0
TARGET_MEMORY = 1.3

COLUMNS = ("gtin", "lot", "product_name", "crop", "harvest_date", "pack_date", "best_before", "net_weight_kg",
           "puc", "phc", "exporter", "destination_market", "serial", "sscc")  # fmt: skip


def _gtin(body: str) -> str:
    from trace_std.gs1.keys import gtin_check_digit

    return body + str(gtin_check_digit(body))


def write_file(path: Path, rows: int, *, serialised: bool, seed: int = 7) -> None:
    """A realistic exporter file: few products, hundreds of lots, ~1 % faulty rows."""
    rng = random.Random(seed)
    gtins = [_gtin(f"0893523456{n:03d}") for n in range(12)]
    products = [
        ("Thanh long ruột đỏ", "dragon fruit"),
        ("Xoài cát Hòa Lộc", "mango"),
        ("Sầu riêng Ri6", "durian"),
    ]
    pucs = ["VN-DTOR-0017", "VN-DTOR-0018", "VN-DNOR-0269", "VN-DNOR-0271", "VN-DLOR-0188", "VN-DNOOR0039"]
    phcs = ["VN-BTPH-036", "VN-DTPH-0001", "VN-DNPH-120", "VN-DNPH-129"]
    markets = ["CN", "CN", "CN", "US", "AU", "DE", "VN"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for i in range(rows):
            lot_no = i // 400
            day = 1 + lot_no % 27
            name, crop = products[lot_no % 3]
            row = [
                gtins[lot_no % len(gtins)], f"L{lot_no:05d}", name, crop, f"2025-03-{day:02d}",
                f"2025-03-{day + 1:02d}", f"2025-04-{day:02d}", rng.choice(("10", "10.5", "12", "4.5")),
                pucs[lot_no % len(pucs)], phcs[lot_no % len(phcs)], "Công ty Xuất khẩu Mẫu",
                markets[lot_no % len(markets)], f"S{i:09d}" if serialised else "", "",
            ]  # fmt: skip
            if rng.random() < 0.01:  # a typo somewhere
                col = rng.randrange(len(COLUMNS) - 2)
                row[col] = row[col][:-1] + "#" if row[col] else "?"
            writer.writerow(row)


def cpu() -> float:
    return time.process_time()


def ours(path: Path) -> tuple[float, int]:
    from trace_std.label.batch import validate_file

    start = cpu()
    report = validate_file(path, max_issues=1000)
    return cpu() - start, report.rows_total


def naive(path: Path, seconds: float) -> tuple[float, int]:
    """csv.DictReader + jsonschema (Draft 2020-12, our label schema) + biip on GTIN and element string."""
    import biip
    from jsonschema import Draft202012Validator

    from trace_std.schemas import load_schema

    validator = Draft202012Validator(load_schema("label"))
    rows = 0
    start = cpu()
    with path.open(encoding="utf-8", newline="") as fh:
        for record in csv.DictReader(fh):
            doc: dict[str, object] = {k: v for k, v in record.items() if v}
            if "product_name" in doc:
                doc["product_name"] = {"vi": doc["product_name"]}
            errors = [e.message for e in validator.iter_errors(doc)]
            biip.parse(record["gtin"])
            harvest = record["harvest_date"].replace("-", "")[2:]
            pack = record["pack_date"].replace("-", "")[2:]
            element_string = (
                f"01{record['gtin']}13{pack}3100{record['net_weight_kg'].split('.')[0].zfill(6)}"
                f"10{record['lot']}\x1d7007{harvest}\x1d422704\x1d7030704{record['phc']}\x1d90{record['puc']}"
            )
            biip.parse(element_string)  # GS (0x1D) is a default separator
            del errors
            rows += 1
            if cpu() - start >= seconds:
                break
    return cpu() - start, rows


def _line(name: str, ours_value: str, base_value: str, ratio: float, target: str, ok: bool) -> str:
    verdict = "OK" if ok else "MISS"
    return f"{name}: ours {ours_value}, baseline {base_value}, ratio {ratio:.2f}x (target {target}) {verdict}"


def peak_rss_mib(path: Path) -> tuple[float, float]:
    """Peak RSS (MiB) of a fresh interpreter that validates ``path``, and its rows/s (CPU time)."""
    proc = subprocess.run(
        [sys.executable, __file__, "--child-memory", str(path)], capture_output=True, text=True, check=True
    )
    out = json.loads(proc.stdout)
    return float(out["peak_rss_kib"]) / 1024, out["rows"] / out["cpu_seconds"]


def child_memory(path: str) -> int:
    from trace_std.label.batch import validate_file

    start = cpu()
    report = validate_file(path, max_issues=1000)
    seconds = cpu() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(json.dumps({"rows": report.rows_total, "peak_rss_kib": peak, "cpu_seconds": seconds}))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="rows of the throughput file")
    parser.add_argument("--full", action="store_true", help="memory test with 100,000 vs 1,000,000 rows")
    parser.add_argument("--child-memory", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.child_memory:
        return child_memory(args.child_memory)

    ok = True
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        path = Path(tmp) / "labels.csv"
        write_file(path, args.rows, serialised=True)
        ours(path)  # warm the imports and caches once
        t_ours, n_ours = ours(path)
        t_naive, n_naive = naive(path, NAIVE_SECONDS)
        rate, base = n_ours / t_ours, n_naive / t_naive
        hit = rate >= TARGET_ROWS
        ok &= hit
        print(_line("batch-rows", f"{rate:,.0f} rows/s", f"{TARGET_ROWS:,.0f} rows/s (fixed target)",
                    rate / TARGET_ROWS, f">= {TARGET_ROWS:,.0f} rows/s", hit))  # fmt: skip
        hit = rate / base >= TARGET_RATIO
        ok &= hit
        print(_line("batch-vs-naive", f"{rate:,.0f} rows/s", f"{base:,.0f} rows/s ({n_naive} rows)",
                    rate / base, f">= {TARGET_RATIO:.0f}x", hit))  # fmt: skip

        small, large = (100_000, 1_000_000) if args.full else (20_000, 200_000)
        for serialised in (False, True):
            paths = []
            for n in (small, large):
                p = Path(tmp) / f"mem-{n}-{int(serialised)}.csv"
                write_file(p, n, serialised=serialised)
                paths.append(p)
            (a, _), (b, large_rate) = peak_rss_mib(paths[0]), peak_rss_mib(paths[1])
            for p in paths:
                p.unlink()
            ratio = b / a
            kind = "serialised" if serialised else "lot-level"
            hit = ratio <= TARGET_MEMORY
            ok &= hit
            print(_line(f"memory-{kind}-{large // 1000}k-vs-{small // 1000}k", f"{b:.1f} MiB", f"{a:.1f} MiB",
                        ratio, f"<= {TARGET_MEMORY}x", hit))  # fmt: skip
            hit = large_rate >= TARGET_ROWS
            ok &= hit
            print(_line(f"batch-rows-{kind}-{large // 1000}k", f"{large_rate:,.0f} rows/s",
                        f"{TARGET_ROWS:,.0f} rows/s (fixed target)", large_rate / TARGET_ROWS,
                        f">= {TARGET_ROWS:,.0f} rows/s", hit))  # fmt: skip
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
