"""Registry import and export at national scale: rows/s and peak RSS, and how both grow with size.

Run: ``python benchmarks/bench_registry.py [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]``
(default sizes 10,000 and 100,000; the 1,000,000 figures of the docs come from ``--sizes
10000,100000,1000000``). Every step runs in a fresh ``trace-std`` process (as users run it) and its
peak RSS is that process's ``ru_maxrss``.

The file is shaped like the ministry's data at national scale: domestic planting-area codes
(Decision 3156 form) spread over all 10,051 communes of the 2004 table, a packing house per 500
codes, one market approval per second code, the issuing event of every code, 1 product per 1,000
codes and 1 lot per 20 codes, written as the CSV form of ``docs/registry.md``.

Printed per backend and size:

* ``import-first``: rows/s of ``trace-std registry import`` into an empty registry (target: SQLite
  ≥ 20,000 rows/s, PostgreSQL ≥ 50,000 rows/s, at 1,000,000 codes), peak RSS (target ≤ 300 MB);
* ``import-noop``: the same file again (target: ≥ 3x faster than the first import);
* ``export-csv`` / ``export-json`` / ``export-jsonl``: ``trace-std registry export`` rows/s (target ≥ 100,000 rows/s)
  and peak RSS (target ≤ 200 MB); the CSV export is then imported again and must change nothing;
* ``baseline-load``: the named baseline, a competent plain loader measured in the same run on the
  same file: ``csv.reader`` + one ``executemany`` (sqlite3) or ``COPY`` (psycopg) of the code rows
  into a table with the same columns, in one transaction, with no validation, no history and no
  upsert. ``import-first`` is printed as a ratio of it.
* ``floor-write`` / ``floor-read``: what the database alone can do, so that each target can be set
  against it: the imported rows copied into an empty registry with no Python in the loop (wall
  clock), and the exporter's reader run to the end with nothing encoded (:func:`floor_write`,
  ``_READ_FLOOR``);
* ``search-*`` / ``readyz``: p99 of the requests that used to full-scan (text search, province
  filter, a deep page, the readiness count), each ≤ 20 ms at 1,000,000 codes.

The rows counted are code rows (a code's approval and history rows are part of it).
"""

from __future__ import annotations

# ruff: noqa: E501  (the baseline loader is an embedded script, and the figure lines are long)
import argparse
import csv
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "trace_std" / "data"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/test"
TARGET_IMPORT = {"sqlite": 20_000.0, "postgresql": 50_000.0}
TARGET_NOOP = 3.0
TARGET_RSS_IMPORT = 300.0
TARGET_EXPORT = 100_000.0
TARGET_RSS_EXPORT = 200.0
TARGET_P99_MS = 20.0
CPU_TIME = True
LAST: dict[str, float] = {}
CROPS = (("mango", "Cát Chu"), ("longan", "Xuồng cơm vàng"), ("plum", "Tam Hoa"), ("durian", "Ri6"),
         ("dragon-fruit", "Ruột đỏ"), ("lychee", "Thiều"), ("passion-fruit", "Tím"), ("banana", "Tiêu"))  # fmt: skip


def _gtin(item: int) -> str:
    body = f"893123{item:06d}"
    total = sum(int(c) * (3 if i % 2 == 0 else 1) for i, c in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def phc_codes(n: int) -> list[str]:
    """``n`` distinct packing-house codes the codes library accepts (``VN-<province>PH-<seq>``),
    spread over the provinces' derived export abbreviations."""
    records = json.loads((DATA / "vn_export_abbreviations.json").read_text("utf-8"))["records"]
    abbrs = [r["abbr"] for r in records if r.get("status") == "derived"]
    return [f"VN-{abbrs[i % len(abbrs)]}PH-{i // len(abbrs) + 1:03d}" for i in range(n)]


def generate(path: Path, n: int, seed: int = 16) -> None:
    """Write the CSV import file of ``n`` codes (see the module docstring)."""
    sys.path.insert(0, str(ROOT))
    from trace_std.registry.importer.formats import CSV_COLUMNS

    admin = json.loads((DATA / "vn_admin_2004.json").read_text("utf-8"))
    province_of = {d["code"]: d["province"] for d in admin["districts"]}
    pnames = {p["code"]: p["name"] for p in admin["provinces"]}
    communes = [(province_of[c["district"]], c["district"], c["code"], c["name"]) for c in admin["communes"]]
    rng = random.Random(seed)
    n_phc = max(1, n // 500)
    phcs = phc_codes(n_phc)
    n_puc = n - n_phc
    pucs: list[tuple[str, tuple[str, str, str, str], int]] = []
    seq = 0
    while len(pucs) < n_puc:
        year, rest = divmod(seq, len(communes) * 99)
        i, c = divmod(rest, len(communes))
        commune = communes[c]
        yy = 22 + year
        pucs.append((f"VN-{commune[0]}-{commune[1]}-{commune[2]}-{i + 1:02d}-{yy}", commune, 2000 + yy))
        seq += 1
    rng.shuffle(pucs)
    index = {name: k for k, name in enumerate(CSV_COLUMNS)}

    def row(**cells: Any) -> list[str]:
        out = [""] * len(CSV_COLUMNS)
        for k, v in cells.items():
            out[index[k]] = "" if v is None else str(v)
        return out

    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\r\n")
        w.writerow(CSV_COLUMNS)
        for k, (code, (prov, _district, _commune, cname), year) in enumerate(pucs):
            crop, variety = CROPS[k % len(CROPS)]
            day = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
            lon, lat = round(rng.uniform(102.2, 109.4), 5), round(rng.uniform(8.6, 23.3), 5)
            w.writerow(row(record="code", code=code, name=f"Vùng trồng {crop} {cname}", crops=crop,
                           varieties=variety, area_ha=round(rng.uniform(1, 60), 2), households=rng.randint(1, 90),
                           owner=f"HTX {crop} {cname} {k}", address=f"{cname}, {pnames[prov]}",
                           geometry=json.dumps({"type": "Point", "coordinates": [lon, lat]}),
                           issued=day, status="active", status_since=day))  # fmt: skip
            if k % 2 == 0:
                w.writerow(row(record="approval", code=code, market="CN", approved=day, status="active",
                               registration_number=f"CN-{k:07d}"))  # fmt: skip
            w.writerow(row(record="history", code=code, to_status="active", date=day, reason="issued",
                           recorded_by="bench"))  # fmt: skip
        for k, code in enumerate(phcs):
            w.writerow(row(record="code", code=code, name=f"Cơ sở đóng gói {k}", owner=f"Công ty {k}",
                           issued="2024-03-01", status="active", status_since="2024-03-01"))  # fmt: skip
        n_products = max(10, n // 1000)
        for p in range(n_products):
            crop, variety = CROPS[p % len(CROPS)]
            w.writerow(row(record="product", gtin=_gtin(p + 1), product_name=f"{crop} {p}", crop=crop,
                           variety=variety, exporter=f"Exporter {p % 37}"))  # fmt: skip
        for lt in range(n // 20):
            code, _commune, year = pucs[lt % len(pucs)]
            w.writerow(row(record="lot", gtin=_gtin(lt % n_products + 1), lot=f"L{lt:07d}", puc=code,
                           phc=phcs[lt % len(phcs)], harvest_date=f"{year}-06-01", pack_date=f"{year}-06-02",
                           market="CN"))  # fmt: skip


# -- measuring a fresh process ---------------------------------------------------------------------
# Linux keeps a process's peak RSS across fork and exec, so a child started straight from this
# (large) process would report at least this process's size: a small launcher forks the measured
# process instead and reports its ``wait4`` usage.
_LAUNCHER = (
    "import json, os, sys\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    os.execvp(sys.argv[1], sys.argv[1:])\n"
    "_, status, ru = os.wait4(pid, 0)\n"
    "sys.stderr.write('\\n@@rusage ' + json.dumps([ru.ru_maxrss, ru.ru_utime + ru.ru_stime]) + '\\n')\n"
    "sys.exit(os.waitstatus_to_exitcode(status))\n"
)


def run(argv: Sequence[str], *, stdout: Any = subprocess.DEVNULL) -> tuple[float, float]:
    """``(seconds, peak RSS MB)`` of one child process (which must succeed).

    The seconds are the child's CPU time (user + system) when ``CPU_TIME`` is set (the default: on a
    shared machine the wall clock measures the other jobs), else the wall clock; both are kept in
    ``LAST`` for the printout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, *argv], env=env, stdout=stdout, stderr=subprocess.PIPE, check=False
    )
    elapsed = time.perf_counter() - start
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0 or "@@rusage " not in err:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}):\n{err[-3000:]}")
    maxrss_kb, cpu = json.loads(err.rsplit("@@rusage ", 1)[1].splitlines()[0])
    LAST.update(wall=elapsed, cpu=cpu)
    return (cpu if CPU_TIME else elapsed), maxrss_kb / 1024


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "trace_std.cli", *args]


def import_json(path: Path, url: str) -> dict[str, Any]:
    out = subprocess.run(
        cli("registry", "import", str(path), "--database", url, "--json", "--actor", "bench"),
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=False,
    )  # fmt: skip
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:] + out.stdout[-3000:])
    report: dict[str, Any] = json.loads(out.stdout)
    return report


# -- the baseline: a competent plain loader ------------------------------------------------------------
_BASELINE = r"""
import csv, sys
path, url = sys.argv[1], sys.argv[2]
cols = ("code", "kind", "name", "province_code", "crops", "varieties", "area_ha", "households", "owner",
        "address", "geometry", "issued", "status", "status_since")
def rows():
    with open(path, encoding="utf-8", newline="") as fh:
        r = csv.reader(fh)
        head = next(r)
        idx = [head.index(c) if c in head else None for c in cols]
        rec = head.index("record")
        for row in r:
            if row[rec] == "code":
                yield tuple(row[i] if i is not None and row[i] != "" else None for i in idx)
if url.startswith("sqlite:"):
    import sqlite3
    db = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE plain (id INTEGER PRIMARY KEY, " + ", ".join(c + " TEXT" for c in cols) + ", UNIQUE (code))")
    db.execute("BEGIN")
    db.executemany("INSERT INTO plain (" + ", ".join(cols) + ") VALUES (" + ", ".join("?" * len(cols)) + ")", rows())
    db.execute("COMMIT")
else:
    import psycopg
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as db:
        db.execute("CREATE TABLE plain (id BIGSERIAL PRIMARY KEY, " + ", ".join(c + " TEXT" for c in cols) + ", UNIQUE (code))")
        with db.cursor().copy("COPY plain (" + ", ".join(cols) + ") FROM STDIN") as cp:
            for row in rows():
                cp.write_row(row)
"""


# -- databases -------------------------------------------------------------------------------------------
class Database:
    def __init__(self, backend: str, workdir: Path, name: str) -> None:
        self.backend = backend
        if backend == "sqlite":
            self.url = f"sqlite:///{workdir / (name + '.sqlite3')}"
        else:
            import psycopg

            self.name = f"bench_registry_{name}_{os.getpid()}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
                conn.execute(f'CREATE DATABASE "{self.name}"')
            self.url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.name}"

    def drop(self) -> None:
        if self.backend == "postgresql":
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def _pg_available() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN, connect_timeout=3):
            return True
    except Exception:
        return False


# -- the requests that used to full-scan -------------------------------------------------------------------
def p99_ms(fn: Any, n: int = 200) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return times[int(len(times) * 0.99) - 1]


def bench_requests(url: str, n: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from trace_std.registry import Registry

    reg = Registry(url)
    try:
        rng = random.Random(7)
        words = ["mango", "Chiềng", "HTX longan", "xyz-not-there", "Sơn", "plum Phường", "12"]
        provinces = ["14", "01", "79", "Sơn La"]
        deep = max(1, n // 20 // 2)  # half-way through the codes at 20 per page
        return {
            "search-text": p99_ms(lambda: reg.search(q=rng.choice(words))),
            "search-province": p99_ms(lambda: reg.search(province=rng.choice(provinces))),
            "search-deep-page": p99_ms(lambda: reg.search(page=rng.randint(deep // 2, deep)), 100),
            "readyz": p99_ms(reg.health),
        }
    finally:
        reg.close()


# -- the database's own floor ------------------------------------------------------------------------------
_FLOOR_TABLES = ("codes", "market_approvals", "status_history")


def floor_write(backend: str, src_url: str, workdir: Path, n: int) -> float:
    """Seconds the database alone takes to write what a first import of ``n`` codes writes.

    The rows of ``src_url`` (a registry the import filled) are copied, as they are, into a new empty
    registry at the same migration, in one transaction, with none of the import's work in Python: on
    SQLite one ``INSERT … SELECT`` per table from the attached source (C only, through the same
    indexes and the FTS5 triggers); on PostgreSQL a ``COPY … FROM STDIN`` per table of the source's
    own binary ``COPY`` output, read into memory before the clock starts (through the same indexes,
    the trigram GIN index and the foreign keys). An import that validates, works out the change and
    keeps the history cannot be faster than this (wall clock: on PostgreSQL the server does the work).
    """
    target = Database(backend, workdir, f"floor{n}")
    try:
        run(cli("registry", "init", "--database", target.url))
        if backend == "sqlite":
            import sqlite3

            src = src_url.removeprefix("sqlite:///")
            db = sqlite3.connect(target.url.removeprefix("sqlite:///"), isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode = WAL")
                db.execute("PRAGMA synchronous = NORMAL")
                db.execute("ATTACH DATABASE ? AS src", (src,))
                for table in _FLOOR_TABLES:  # warm the source into the page cache, off the clock
                    db.execute(f"SELECT count(*) FROM src.{table}").fetchone()
                start = time.perf_counter()
                db.execute("BEGIN IMMEDIATE")
                for table in _FLOOR_TABLES:
                    db.execute(f"INSERT INTO main.{table} SELECT * FROM src.{table} ORDER BY id")
                db.execute("COMMIT")
                return time.perf_counter() - start
            finally:
                db.close()
        import psycopg

        dumps: dict[str, bytearray] = {}
        with psycopg.connect(src_url.replace("postgresql+psycopg", "postgresql")) as conn:
            for table in _FLOOR_TABLES:
                buf = dumps[table] = bytearray()
                with conn.cursor().copy(
                    f"COPY (SELECT * FROM {table} ORDER BY id) TO STDOUT (FORMAT BINARY)"
                ) as cp:
                    for block in cp:
                        buf += block
        with psycopg.connect(target.url.replace("postgresql+psycopg", "postgresql")) as conn:
            start = time.perf_counter()
            with conn.cursor() as cur:
                for table in _FLOOR_TABLES:
                    data = memoryview(dumps[table])
                    with cur.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as cp:
                        for at in range(0, len(data), 1 << 20):
                            cp.write(data[at : at + (1 << 20)])
            conn.commit()
            return time.perf_counter() - start
    finally:
        target.drop()


#: The export's reading alone: the exporter's own reader (one snapshot, the three sorted streams merged
#: a batch at a time) walked to the end, nothing encoded or written.
_READ_FLOOR = r"""
import sys
from trace_std.registry import Registry
from trace_std.registry.exporter import _snapshot
with Registry(sys.argv[1]) as reg, _snapshot(reg) as reader:
    for part in (reader.codes(), reader.products(), reader.lots()):
        for _ in part:
            pass
"""


# -- the benchmark ---------------------------------------------------------------------------------------
def bench(
    backend: str, n: int, workdir: Path, path: Path, requests: bool = True
) -> tuple[dict[str, Any], bool]:
    ok = True
    fig: dict[str, Any] = {}
    base = Database(backend, workdir, f"plain{n}")
    db = Database(backend, workdir, f"reg{n}")
    try:
        t, rss = run([sys.executable, "-c", _BASELINE, str(path), base.url])
        fig["baseline-load"] = (n / t, rss)
        run(cli("registry", "init", "--database", db.url))
        t, rss = run(cli("registry", "import", str(path), "--database", db.url, "--actor", "bench"))
        fig["import-first"] = (n / t, rss)
        fig["import-first-wall-s"] = LAST["wall"]
        t2, rss2 = run(cli("registry", "import", str(path), "--database", db.url, "--actor", "bench"))
        fig["import-noop"] = (n / t2, rss2)
        fig["noop-speedup"] = t / t2
        fig["floor-write"] = (n / floor_write(backend, db.url, workdir, n), 0.0)
        for fmt in ("csv", "json", "jsonl"):
            out = workdir / f"export-{backend}-{n}.{fmt}"
            t3, rss3 = run(cli("registry", "export", "--format", fmt, "-o", str(out), "--database", db.url))
            fig[f"export-{fmt}"] = (n / t3, rss3)
        t4, rss4 = run([sys.executable, "-c", _READ_FLOOR, db.url])
        fig["floor-read"] = (n / t4, rss4)
        fig["floor-read-wall-s"] = LAST["wall"]
        report = import_json(workdir / f"export-{backend}-{n}.csv", db.url)
        changed = (
            sum(report["created"].values()) + sum(report["updated"].values()) + report["history_appended"]
        )
        fig["export-reimport-changes"] = changed if report["ok"] else f"rejected: {report['issues'][:3]}"
        if requests:
            fig.update(bench_requests(db.url, n))
    finally:
        base.drop()
        db.drop()
    return fig, ok


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--wall", action="store_true", help="rates from wall-clock time, not CPU time")
    ap.add_argument("--skip-requests", action="store_true", help="skip the search/readyz timings")
    args = ap.parse_args(argv)
    global CPU_TIME
    CPU_TIME = not args.wall
    print(
        f"rates from {'wall-clock' if args.wall else 'CPU (user+sys) time of the trace-std process'}; "
        "PostgreSQL server time is not in the CPU figures",
        flush=True,
    )
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = [b for b in args.backends.split(",") if b]
    if "postgresql" in backends and not _pg_available():
        print("postgresql: SKIPPED LOUDLY: 127.0.0.1:5432 is not accepting connections")
        backends.remove("postgresql")
    workdir = Path(tempfile.mkdtemp(prefix="bench_registry_"))
    figures: dict[str, dict[int, dict[str, Any]]] = {b: {} for b in backends}
    failed = False
    try:
        for n in sizes:
            path = workdir / f"registry-{n}.csv"
            generate(path, n)
            for backend in backends:
                fig, _ = bench(backend, n, workdir, path, not args.skip_requests)
                figures[backend][n] = fig
                _print_one(backend, n, fig)
            if not args.keep:
                for f in workdir.glob(f"*-{n}.*"):
                    f.unlink()
        failed = _print_summary(figures, sizes)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


def _print_one(backend: str, n: int, fig: dict[str, Any]) -> None:
    for name, value in fig.items():
        if name == "floor-read":
            print(
                f"{backend} {n:>9,} {name}: {value[0]:,.0f} rows/s (the export's reading alone), peak RSS {value[1]:.0f} MB",
                flush=True,
            )
        elif name == "floor-write":
            print(
                f"{backend} {n:>9,} {name}: {value[0]:,.0f} rows/s (the database alone, wall clock)",
                flush=True,
            )
        elif isinstance(value, tuple):
            print(f"{backend} {n:>9,} {name}: {value[0]:,.0f} rows/s, peak RSS {value[1]:.0f} MB", flush=True)
        elif isinstance(value, float):
            unit = "x" if name.endswith("speedup") else " s" if name.endswith("-s") else " ms p99"
            print(f"{backend} {n:>9,} {name}: {value:.2f}{unit}", flush=True)
        else:
            print(f"{backend} {n:>9,} {name}: {value}", flush=True)


def _verdict(ok: bool) -> str:
    return "OK" if ok else "MISS"


def _print_summary(figures: dict[str, dict[int, dict[str, Any]]], sizes: list[int]) -> bool:
    failed = False
    largest = sizes[-1]
    print(
        "\nsummary (targets apply at 1,000,000 codes; growth = figure at a size / figure at the previous size)"
    )
    for backend, per in figures.items():
        for name in (
            "import-first",
            "import-noop",
            "export-csv",
            "export-json",
            "export-jsonl",
            "baseline-load",
        ):
            cells = [f"{per[n][name][0]:>9,.0f}/s {per[n][name][1]:>5.0f} MB" for n in sizes]
            growth = [
                f"rate x{per[b][name][0] / per[a][name][0]:.2f} RSS x{per[b][name][1] / per[a][name][1]:.2f}"
                for a, b in itertools.pairwise(sizes)
            ]
            print(
                f"{backend:<10} {name:<14} "
                + " | ".join(cells)
                + ("  growth " + ", ".join(growth) if growth else "")
            )
        f = per[largest]
        rate, rss = f["import-first"]
        ratio = rate / f["baseline-load"][0]
        ok = rate >= TARGET_IMPORT[backend] and rss <= TARGET_RSS_IMPORT
        print(f"import-first [{backend}, {largest:,}]: ours {rate:,.0f}/s, baseline (plain loader) "
              f"{f['baseline-load'][0]:,.0f}/s, ratio {ratio:.2f}x; target ≥ {TARGET_IMPORT[backend]:,.0f}/s "
              f"and ≤ {TARGET_RSS_IMPORT:.0f} MB (peak {rss:.0f} MB) {_verdict(ok)}")  # fmt: skip
        failed |= not ok
        floor = f["floor-write"][0]
        print(f"floor-write [{backend}, {largest:,}]: the database alone writes the import's rows at "
              f"{floor:,.0f}/s (" + " | ".join(f"{per[m]['floor-write'][0]:,.0f}/s" for m in sizes) + "); the target "
              f"is {TARGET_IMPORT[backend] / floor:.2f}x that; our import's wall-clock rate "
              f"{largest / f['import-first-wall-s']:,.0f}/s is {largest / f['import-first-wall-s'] / floor:.2f}x")  # fmt: skip
        ok = f["noop-speedup"] >= TARGET_NOOP and f["import-noop"][1] <= TARGET_RSS_IMPORT
        print(f"import-noop [{backend}, {largest:,}]: {f['noop-speedup']:.2f}x faster than the first import "
              f"(target ≥ {TARGET_NOOP}x), peak {f['import-noop'][1]:.0f} MB {_verdict(ok)}")  # fmt: skip
        failed |= not ok
        for fmt in ("csv", "json", "jsonl"):
            rate, rss = f[f"export-{fmt}"]
            ok = rate >= TARGET_EXPORT and rss <= TARGET_RSS_EXPORT
            print(f"export-{fmt} [{backend}, {largest:,}]: {rate:,.0f}/s (target ≥ {TARGET_EXPORT:,.0f}/s), "
                  f"peak {rss:.0f} MB (target ≤ {TARGET_RSS_EXPORT:.0f}) {_verdict(ok)}")  # fmt: skip
            failed |= not ok
        floor = f["floor-read"][0]
        print(f"floor-read [{backend}, {largest:,}]: the export's reading alone, nothing encoded, "
              f"{floor:,.0f}/s (" + " | ".join(f"{per[m]['floor-read'][0]:,.0f}/s" for m in sizes) + f"), "
              f"{largest / f['floor-read-wall-s']:,.0f}/s wall clock; the target is {TARGET_EXPORT / floor:.2f}x that")  # fmt: skip
        ok = f["export-reimport-changes"] == 0
        print(
            f"export-reimport [{backend}, {largest:,}]: changes {f['export-reimport-changes']} (target 0) {_verdict(ok)}"
        )
        failed |= not ok
        for name in ("search-text", "search-province", "search-deep-page", "readyz"):
            if name not in f:
                continue
            cells = " | ".join(f"{per[n][name]:.2f} ms" for n in sizes)
            ok = f[name] <= TARGET_P99_MS
            print(f"{name} [{backend}]: p99 {cells} (target ≤ {TARGET_P99_MS:.0f} ms) {_verdict(ok)}")
            failed |= not ok
    return failed


if __name__ == "__main__":
    raise SystemExit(main())
