"""Batch label validation on realistic files: the whole ``trace-std validate`` process against the
pipeline a competent engineer would write, and peak memory as the file grows tenfold.

Run: ``python benchmarks/bench_batch.py [--full] [--rows N]``. Prints one line per target:

    <name>: ours <x>, baseline <y>, ratio <r>x (target <t>) OK|MISS

The file (:func:`write_realistic`) is a China-bound exporter file as a consolidator sends it: 60,000
carton rows drawn from about 9,000 distinct planting-area codes (the ministry lists 9,334 export
PUCs), 300 packing houses, 40 GTINs, hundreds of lots of ~150 cartons, a unique serial on every
carton and ~1 % of rows with a typo somewhere.

* ``batch-cli-rows``: rows/s of the whole ``python -m trace_std.cli validate FILE --market CN
  --format json`` process (interpreter start, imports, reading, checking, writing the report),
  measured as the child's CPU time (user + sys, best of 3; the machine is shared, so wall time is
  printed for information only). Fixed target: >= 30,000 rows/s.
* ``batch-cli-vs-competent``: the same file through **the competent pipeline**, a whole process
  too (``--competent FILE``): ``csv.DictReader``, one compiled ``jsonschema.Draft202012Validator``
  of ``schemas/v1/label.schema.json`` (built once, ``iter_errors`` per row), compiled regular
  expressions for the PUC and PHC shapes, ``biip`` for the GTIN check digit, a set for duplicate
  serials and a dict for lot harvest dates, and a JSON report of every error. Target: ours >= 3x.
  The same pipeline with the Rust-compiled ``jsonschema_rs`` validator is printed for information.
* ``memory-<shape>``: peak RSS (``ru_maxrss`` of the child, from ``wait4``) of the whole CLI process
  on a 1,000,000-row file over that on a 100,000-row file (``--full``; 300,000 and 100,000
  otherwise), for three shapes: ``realistic`` (as above, unique serials), ``small-lots`` (a new lot
  every 3 cartons: 333,000 lots at 1M) and ``repeated-bad`` (destination ``EU``, not a country
  code, on 41 % of rows). Target: <= 1.3x. The large run's rows/s is printed too.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROWS = 60_000
RUNS = 3
TARGET_ROWS = 30_000.0
TARGET_RATIO = 3.0
TARGET_MEMORY = 1.3
ROOT = Path(__file__).resolve().parent.parent

COLUMNS = ("gtin", "lot", "product_name", "crop", "harvest_date", "pack_date", "best_before", "net_weight_kg",
           "puc", "phc", "exporter", "destination_market", "serial", "sscc")  # fmt: skip
SHAPES = ("realistic", "small-lots", "repeated-bad")

# Province letters of export codes from provinces that grow fruit for export (all in the bundled
# abbreviation table, so the codes are valid and resolve to a province).
_LETTERS = ("DT", "BT", "DN", "DNO", "DL", "TG", "LA", "VL", "CT", "ST", "KG", "AG", "BP", "LD",
            "HY", "HD", "BG", "SL", "NA", "KH", "NT", "GL", "TV", "HCM")  # fmt: skip
_PRODUCTS = (
    ("Thanh long ruột đỏ", "dragon fruit"), ("Thanh long ruột trắng", "dragon fruit"),
    ("Xoài cát Hòa Lộc", "mango"), ("Sầu riêng Ri6", "durian"), ("Sầu riêng Monthong", "durian"),
    ("Chuối già Nam Mỹ", "banana"), ("Bưởi da xanh", "pomelo"), ("Nhãn xuồng", "longan"),
    ("Vải thiều Lục Ngạn", "lychee"), ("Chanh dây tím", "passion fruit"),
)  # fmt: skip
_EXPORTERS = ("Công ty TNHH Xuất nhập khẩu Nông sản Đồng Tháp", "Công ty CP Trái cây Miền Nam",
              "HTX Thanh long Chợ Gạo", "Công ty TNHH Vina Fruit")  # fmt: skip


def _gtin(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def _pucs(rng: random.Random, n: int) -> list[str]:
    seen: set[str] = set()
    while len(seen) < n:
        seen.add(f"VN-{rng.choice(_LETTERS)}OR-{rng.randrange(1, 10_000):04d}")
    return sorted(seen)


def write_file(path: Path, rows: int, *, shape: str = "realistic", seed: int = 7) -> None:
    """A label file of ``rows`` cartons in one of :data:`SHAPES` (see the module docstring)."""
    rng = random.Random(seed)
    pucs = _pucs(rng, 9_000)
    phcs = sorted({f"VN-{rng.choice(_LETTERS)}PH-{rng.randrange(1, 1000):03d}" for _ in range(300)})
    gtins = [_gtin(f"893523{n:06d}") for n in range(40)]
    lot_size = 3 if shape == "small-lots" else 150
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        lot_no = -1
        for i in range(rows):
            if i % lot_size == 0:  # a new lot: product, dates, packing house
                lot_no += 1
                gtin = gtins[rng.randrange(len(gtins))]
                name, crop = _PRODUCTS[int(gtin[-3:-1]) % len(_PRODUCTS)]
                day = 1 + rng.randrange(27)
                month = 1 + rng.randrange(11)
                harvest = f"2025-{month:02d}-{day:02d}"
                if rng.random() < 0.2:
                    harvest += f"/2025-{month:02d}-{day + 1:02d}"
                pack = f"2025-{month:02d}-{day + 1:02d}"
                best = f"2025-{month + 1:02d}-{day:02d}"
                phc = rng.choice(phcs)
                lot = f"{rng.choice('ABCDEFGH')}{lot_no:06d}"
                exporter = rng.choice(_EXPORTERS)
            market = "CN"
            if shape == "repeated-bad" and rng.random() < 0.41:
                market = "EU"  # the region, not an ISO 3166 country: a bad value repeated on many rows
            row = [
                gtin, lot, name, crop, harvest, pack, best, rng.choice(("10", "10.5", "12", "4.5", "18")),
                rng.choice(pucs), phc, exporter, market, f"{lot_no:06d}{i:08d}", "",
            ]  # fmt: skip
            if rng.random() < 0.01:  # a typo somewhere
                col = rng.randrange(len(COLUMNS) - 2)
                row[col] = row[col][:-1] + "#" if row[col] else "?"
            writer.writerow(row)


# -- the competent pipeline (run as its own process: ``--competent FILE``) ------------------------


def competent(path: str, engine: str = "jsonschema") -> int:
    """csv + one compiled JSON Schema validator + regex + biip GTIN check + cross-row sets; JSON report.

    ``engine`` is ``jsonschema`` (the named baseline) or ``jsonschema_rs`` (the same pipeline with
    a validator compiled in Rust, a stricter reference printed for information).
    """
    import biip.gtin

    schema = json.loads((ROOT / "schemas" / "v1" / "label.schema.json").read_text(encoding="utf-8"))
    if engine == "jsonschema_rs":
        import jsonschema_rs  # type: ignore[import-not-found, unused-ignore]

        validator = jsonschema_rs.validator_for(schema)
    else:
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(schema)
    puc_re = re.compile(r"VN-[A-Z]{2,3}OR-[0-9]{3,4}|VN-[0-9]{2}-[0-9]{3}-[0-9]{5}-[0-9]{2,}-[0-9]{2}")
    phc_re = re.compile(r"VN-[A-Z]{2,3}PH-[0-9]{3,4}")
    serials: set[tuple[str, str]] = set()
    lots: dict[tuple[str, str], str] = {}
    out = sys.stdout
    rows = invalid = 0
    out.write('{"file": ' + json.dumps(path) + ', "issues": [')
    first = True
    with open(path, encoding="utf-8-sig", newline="") as fh:
        for number, record in enumerate(csv.DictReader(fh), start=2):
            errors: list[tuple[str, str]] = []
            doc: dict[str, object] = {k: v for k, v in record.items() if v and k in schema["properties"]}
            if "product_name" in doc:
                doc["product_name"] = {"vi": doc["product_name"]}
            harvest = record.get("harvest_date") or ""
            if "/" in harvest:
                doc["harvest_date"], doc["harvest_date_end"] = harvest.split("/", 1)
            for err in validator.iter_errors(doc):
                where = getattr(err, "instance_path" if engine == "jsonschema_rs" else "path")
                errors.append((".".join(str(p) for p in where), err.message))
            try:
                biip.gtin.Gtin.parse(record["gtin"])
            except Exception as exc:  # biip raises ParseError
                errors.append(("gtin", str(exc)))
            if not puc_re.fullmatch(record.get("puc") or ""):
                errors.append(("puc", "not a planting-area code"))
            if not phc_re.fullmatch(record.get("phc") or ""):
                errors.append(("phc", "not a packing-house code"))
            if record.get("serial"):
                key = (record["gtin"], record["serial"])
                if key in serials:
                    errors.append(("serial", "duplicate serial"))
                serials.add(key)
            seen = lots.setdefault((record["gtin"], record["lot"]), harvest)
            if seen != harvest:
                errors.append(("harvest_date", "lot has another harvest date"))
            rows += 1
            if errors:
                invalid += 1
                for field, message in errors:
                    out.write(
                        ("" if first else ",")
                        + json.dumps({"row": number, "field": field, "message": message})
                    )
                    first = False
    out.write(f'], "rows_total": {rows}, "rows_invalid": {invalid}}}\n')
    return 0


# -- measuring whole processes ------------------------------------------------------------------------


def run_process(argv: Sequence[str], ok: tuple[int, ...] = (0, 1)) -> tuple[float, float, float]:
    """(CPU seconds user + sys, wall seconds, peak RSS MiB) of one child process; output discarded.

    An exit code outside ``ok`` (``trace-std validate`` exits 1 when a row fails) is a crash.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")]))
    start = time.perf_counter()
    with open(os.devnull, "wb") as null:
        proc = subprocess.Popen(list(argv), stdout=null, stderr=subprocess.PIPE, env=env)
        assert proc.stderr is not None
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode not in ok:
        raise RuntimeError(f"{argv} exited {proc.returncode}: {err.decode(errors='replace')[-2000:]}")
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def ours_argv(path: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "trace_std.cli",
        "validate",
        str(path),
        "--market",
        "CN",
        "--format",
        "json",
    ]


def competent_argv(path: Path, engine: str = "jsonschema") -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--competent", str(path), "--engine", engine]


def best_of(argv: Sequence[str], runs: int, ok: tuple[int, ...] = (0, 1)) -> tuple[float, float, float]:
    results = [run_process(argv, ok) for _ in range(runs)]
    return min(r[0] for r in results), min(r[1] for r in results), max(r[2] for r in results)


def _line(name: str, ours_value: str, base_value: str, ratio: float, target: str, ok: bool) -> str:
    verdict = "OK" if ok else "MISS"
    return f"{name}: ours {ours_value}, baseline {base_value}, ratio {ratio:.2f}x (target {target}) {verdict}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS, help="rows of the throughput file")
    parser.add_argument("--runs", type=int, default=RUNS, help="runs per process (best CPU time counts)")
    parser.add_argument("--full", action="store_true", help="memory with 100,000 vs 1,000,000 rows")
    parser.add_argument("--shapes", nargs="*", choices=SHAPES, default=list(SHAPES), help="memory shapes")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory runs")
    parser.add_argument("--memory-only", action="store_true", help="skip the throughput runs")
    parser.add_argument("--competent", metavar="PATH", help=argparse.SUPPRESS)
    parser.add_argument("--engine", default="jsonschema", help=argparse.SUPPRESS)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if args.competent:
        return competent(args.competent, args.engine)

    ok = True
    with tempfile.TemporaryDirectory(prefix="bench_batch_") as tmp:
        if not args.memory_only:
            ok &= throughput(Path(tmp) / "labels-cn.csv", args.rows, args.runs)
        if args.no_memory:
            return 0 if ok else 1
        ok &= memory(Path(tmp), args.full, args.shapes)
    return 0 if ok else 1


def throughput(path: Path, rows: int, runs: int) -> bool:
    """The whole CLI process against the competent pipeline on the realistic file."""
    ok = True
    write_file(path, rows)
    run_process(ours_argv(path))  # warm the file cache and the bytecode once
    cpu_ours, wall_ours, rss_ours = best_of(ours_argv(path), runs)
    cpu_base, wall_base, rss_base = best_of(competent_argv(path), runs, ok=(0,))
    rate, base = rows / cpu_ours, rows / cpu_base
    print(
        f"# file: {rows:,} rows, 9,000 PUCs, unique serials; "
        f"wall: ours {rows / wall_ours:,.0f} rows/s, competent {rows / wall_base:,.0f} rows/s; "
        f"peak RSS ours {rss_ours:.1f} MiB, competent {rss_base:.1f} MiB"
    )
    hit = rate >= TARGET_ROWS
    ok &= hit
    fixed = f"{TARGET_ROWS:,.0f} rows/s"
    print(_line("batch-cli-rows", f"{rate:,.0f} rows/s", f"{fixed} (fixed target)", rate / TARGET_ROWS,
                f">= {fixed}", hit), flush=True)  # fmt: skip
    hit = rate / base >= TARGET_RATIO
    ok &= hit
    named = f"{base:,.0f} rows/s (competent pipeline)"
    print(_line("batch-cli-vs-competent", f"{rate:,.0f} rows/s", named, rate / base,
                f">= {TARGET_RATIO:.0f}x", hit), flush=True)  # fmt: skip
    try:
        import jsonschema_rs  # noqa: F401 - comes with schemathesis (test extra)
    except ImportError:
        print("# batch-cli-vs-competent-rs: skipped, jsonschema_rs is not installed")
    else:
        rs = rows / best_of(competent_argv(path, "jsonschema_rs"), runs, ok=(0,))[0]
        print(
            f"# batch-cli-vs-competent-rs (information, no target): ours {rate:,.0f} rows/s, "
            f"the same pipeline with jsonschema_rs {rs:,.0f} rows/s, ratio {rate / rs:.2f}x",
            flush=True,
        )
    path.unlink()
    return ok


def memory(tmp: Path, full: bool, shapes: Sequence[str]) -> bool:
    """Peak RSS of the CLI process on a 10x larger file, for each shape."""
    ok = True
    small, large = (100_000, 1_000_000) if full else (100_000, 300_000)  # both past the 50,000-key dicts
    for shape in shapes:
        measured = []
        for n in (small, large):
            p = tmp / f"mem-{shape}-{n}.csv"
            write_file(p, n, shape=shape)
            cpu_s, _, rss = run_process(ours_argv(p))
            p.unlink()
            measured.append((n / cpu_s, rss))
        (_, a), (large_rate, b) = measured
        hit = b / a <= TARGET_MEMORY
        ok &= hit
        name = f"memory-{shape}-{large // 1000}k-vs-{small // 1000}k"
        line = _line(name, f"{b:.1f} MiB", f"{a:.1f} MiB", b / a, f"<= {TARGET_MEMORY}x", hit)
        print(f"{line}; {large_rate:,.0f} rows/s at {large // 1000}k", flush=True)
    return ok


if __name__ == "__main__":
    sys.exit(main())
