"""Registry search at size: the requests that used to read every code (issues 16 and 17.14).

Run: ``python benchmarks/bench_search.py [--sizes 10000,100000,1000000] [--backends sqlite,postgresql]``
(default sizes 10,000 and 100,000).

Each registry is built with the real schema (``Registry.init()``: migrations, FTS5 / ``pg_trgm``
indexes) and filled in bulk with codes shaped like ``bench_registry.py``'s national file (planting
areas over all 10,051 communes of the 2004 table, names, owners and addresses in Vietnamese, a
packing house per 500 codes), their search columns computed by the library's one folding function.
The codes are written straight into ``codes`` (``executemany`` / ``COPY``; on PostgreSQL the
trigram index is built after the load) because the importer's speed is ``bench_registry.py``'s
subject, not this one's.

Then, on the same database, ``Registry.search`` / ``Registry.health`` (ours) and the named baseline
— the queries as shipped before this work (``lower(column) LIKE '%q%'`` over the five columns with
an exact ``count(*)``, ``lower(province_name) =``, ``OFFSET`` with an exact count, ``count(*)`` for
``/readyz``), loading the page's records the same way — are timed interleaved, and p50/p99 printed
side by side with the ratio, and how each grows from one size to the next. Target: ours p99 ≤ 20 ms
at 1,000,000 codes on both backends. Peak RSS of the benchmark process is printed at the end.
"""

from __future__ import annotations

# ruff: noqa: E501  (figure lines are long)
import argparse
import datetime as dt
import gc
import itertools
import json
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "trace_std" / "data"

from bench_registry import Database, phc_codes  # noqa: E402 (a benchmark database per backend and size, dropped after)

from trace_std.codes import parse_code  # noqa: E402

TARGET_P99_MS = 20.0
CROPS = (("mango", "Cát Chu"), ("longan", "Xuồng cơm vàng"), ("plum", "Tam Hoa"), ("durian", "Ri6"),
         ("dragon-fruit", "Ruột đỏ"), ("lychee", "Thiều"), ("passion-fruit", "Tím"), ("banana", "Tiêu"))  # fmt: skip

#: name → Registry.search keyword arguments (realistic requests of each kind)
REQUESTS: dict[str, list[dict[str, Any]]] = {
    "q code fragment": [{"q": "VN-14-116"}, {"q": "04211-03"}, {"q": "VN-01-"}],
    "q owner, diacritics": [
        {"q": "HTX longan Xã Chiềng"},
        {"q": "Vùng trồng mango Xã Mường"},
        {"q": "htx plum phuong"},
    ],
    "q commune": [{"q": "Chiềng Mung"}, {"q": "Tân Lập"}, {"q": "xa tan lap"}],
    "q absent word": [{"q": "xyz-not-there"}, {"q": "zzqq"}],
    "q 2 letters": [{"q": "hà"}, {"q": "zq"}],
    "q + province": [{"q": "mango", "province": "14"}, {"q": "Chiềng", "province": "Tỉnh Sơn La"}],
    "province code": [{"province": "14"}, {"province": "01"}, {"province": "79"}],
    "province name": [
        {"province": "Tỉnh Sơn La"},
        {"province": "tinh son la"},
        {"province": "Thành phố Hà Nội"},
    ],
    "page 1000": [{"page": 1000}, {"page": 999}],
    "keyset after": [],  # filled with real codes
}


def _rows(n: int, seed: int = 16) -> Iterator[dict[str, Any]]:
    """The code rows of a registry of ``n`` codes (the shape of ``bench_registry.generate``)."""
    admin = json.loads((DATA / "vn_admin_2004.json").read_text("utf-8"))
    province_of = {d["code"]: d["province"] for d in admin["districts"]}
    pnames = {p["code"]: p["name"] for p in admin["provinces"]}
    communes = [(province_of[c["district"]], c["district"], c["code"], c["name"]) for c in admin["communes"]]
    rng = random.Random(seed)
    n_phc = max(1, n // 500)
    seqs = list(range(n - n_phc))
    rng.shuffle(seqs)
    now = dt.datetime(2026, 12, 4, tzinfo=dt.UTC)
    for k, seq in enumerate(seqs):
        year, rest = divmod(seq, len(communes) * 99)
        i, c = divmod(rest, len(communes))
        prov, district, commune, cname = communes[c]
        yy = 22 + year
        crop, variety = CROPS[k % len(CROPS)]
        day = dt.date(2000 + yy, rng.randint(1, 12), rng.randint(1, 28))
        yield {
            "code": f"VN-{prov}-{district}-{commune}-{i + 1:02d}-{yy}", "kind": "puc", "scheme": "vn-3156",
            "name": f"Vùng trồng {crop} {cname}", "province_code": prov, "province_name": pnames[prov],
            "commune_code": commune, "commune_name": cname, "crops": [crop], "varieties": [variety],
            "area_ha": round(rng.uniform(1, 60), 2), "households": rng.randint(1, 90),
            "owner": f"HTX {crop} {cname} {k}", "address": f"{cname}, {pnames[prov]}", "issued": day,
            "status": "active", "status_since": day, "created_at": now, "updated_at": now,
        }  # fmt: skip
    for k, code in enumerate(phc_codes(n_phc)):
        parsed = parse_code(code)  # as the import derives them: the province from the abbreviation
        yield {
            "code": code, "kind": "phc", "scheme": parsed.scheme, "name": f"Cơ sở đóng gói {k}",
            "province_code": parsed.province_code, "province_name": parsed.province_name,
            "commune_code": None, "commune_name": None,
            "crops": [], "varieties": [], "area_ha": None, "households": None, "owner": f"Công ty {k}",
            "address": None, "issued": dt.date(2024, 3, 1), "status": "active",
            "status_since": dt.date(2024, 3, 1), "created_at": now, "updated_at": now,
        }  # fmt: skip


_COLUMNS = ("code", "kind", "scheme", "name", "province_code", "province_name", "commune_code", "commune_name",
            "crops", "varieties", "area_ha", "households", "owner", "address", "issued", "status",
            "status_since", "created_at", "updated_at", "province_key", "search_text")  # fmt: skip


def build(url: str, n: int) -> float:
    """Create the registry at ``url`` with ``n`` codes; returns the seconds it took."""
    from sqlalchemy import text

    from trace_std.registry import Registry
    from trace_std.registry.search import derive

    start = time.perf_counter()
    with Registry(url) as reg:
        reg.init()
        pg = reg.backend == "postgresql"

        def values(row: dict[str, Any]) -> tuple[Any, ...]:
            row.update(derive(row))
            out = []
            for c in _COLUMNS:
                v = row[c]
                if c in ("crops", "varieties"):
                    v = json.dumps(v)
                elif not pg and isinstance(v, dt.datetime):
                    v = v.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
                elif not pg and isinstance(v, dt.date):
                    v = v.isoformat()
                out.append(v)
            return tuple(out)

        raw = reg.engine.raw_connection()
        try:
            cur = raw.cursor()
            cols = ", ".join(_COLUMNS)
            if pg:
                cur.execute("DROP INDEX IF EXISTS ix_codes_search_text_trgm")
                with cur.copy(f"COPY codes ({cols}) FROM STDIN") as copy:
                    for row in _rows(n):
                        copy.write_row(values(row))
                cur.execute(
                    "CREATE INDEX ix_codes_search_text_trgm ON codes USING gin (search_text gin_trgm_ops)"
                )
            else:
                marks = ", ".join("?" * len(_COLUMNS))
                rows = (values(r) for r in _rows(n))
                while chunk := list(itertools.islice(rows, 20000)):
                    cur.executemany(f"INSERT INTO codes ({cols}) VALUES ({marks})", chunk)
            raw.commit()
        finally:
            raw.close()
        if pg:
            with reg.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE codes"))
        else:
            with reg.engine.connect() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
    return time.perf_counter() - start


# -- the baseline: the queries as shipped before (LIKE scans, exact counts) -----------------------------
_OLD_Q_COLUMNS = ("code", "name", "owner", "address", "commune_name")


def baseline(reg: Any, kwargs: dict[str, Any]) -> int:
    """One search as ``Registry.search`` ran it before this work (commit ``a9a20b8``): an exact
    ``count(*)``, then the page with ``OFFSET``, loaded the same way as ours (ORM, approvals, history)."""
    from sqlalchemy import func, or_, select
    from sqlalchemy.orm import selectinload

    from trace_std.registry.core import code_record, like_escape
    from trace_std.registry.models import Code

    where: list[Any] = []
    if "province" in kwargs:
        p = kwargs["province"]
        where.append(
            Code.province_code == p
            if p.isdigit()
            else or_(Code.province_code == p, func.lower(Code.province_name) == p.lower())
        )
    if "q" in kwargs:
        pattern = f"%{like_escape(kwargs['q'].strip().lower())}%"
        columns = (Code.code, Code.name, Code.owner, Code.address, Code.commune_name)
        where.append(or_(*(func.lower(col).like(pattern, escape="\\") for col in columns)))
    page, per_page = kwargs.get("page", 1), 20
    with reg.read() as s:
        total = int(s.scalar(select(func.count()).select_from(Code).where(*where)) or 0)
        if "after" in kwargs:
            where.append(Code.code > kwargs["after"])
        rows = s.scalars(
            select(Code)
            .where(*where)
            .order_by(Code.code)
            .offset((page - 1) * per_page)
            .limit(per_page)
            .options(selectinload(Code.approvals), selectinload(Code.history))
        ).all()
        return total + len([code_record(r) for r in rows])


def baseline_readyz(conn: Any) -> int:
    from sqlalchemy import text

    return int(conn.execute(text("SELECT count(*) FROM codes")).scalar_one())


def timed(fn: Callable[[], Any], repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(p * len(values)) - 1))]


def measure(url: str, n: int, repeats: int) -> dict[str, dict[str, tuple[float, float]]]:
    """``{request: {"ours": (p50, p99), "baseline": (p50, p99)}}``."""
    from sqlalchemy import text

    from trace_std.registry import Registry

    out: dict[str, dict[str, tuple[float, float]]] = {}
    with Registry(url) as reg:
        with reg.connect() as conn:
            codes = [r[0] for r in conn.execute(text("SELECT code FROM codes WHERE id % 997 = 1"))]
        random.Random(3).shuffle(codes)
        requests = dict(REQUESTS, **{"keyset after": [{"after": c} for c in codes[:5]]})
        # as the API's gunicorn workers do after loading the app (api.server.freeze_heap): the
        # collector's full passes then skip the loaded modules, which otherwise put a 20-35 ms pause
        # in about one search in 30 of this process (ours and the baseline alike)
        gc.freeze()
        base_repeats = max(3, repeats // (1 if n <= 10_000 else 4 if n <= 100_000 else 20))
        for name, variants in requests.items():
            ours: list[float] = []
            old: list[float] = []
            for kw in variants:
                reg.search(**kw)  # warm
                ours += timed(lambda kw=kw: reg.search(**kw, per_page=20), repeats)
                old += timed(lambda kw=kw: baseline(reg, kw), base_repeats)
            out[name] = {
                "ours": (pct(ours, 0.5), pct(ours, 0.99)),
                "baseline": (pct(old, 0.5), pct(old, 0.99)),
            }
        reg.health()
        ours = timed(reg.health, repeats)
        with reg.connect() as conn:
            old = timed(lambda: baseline_readyz(conn), base_repeats)
        out["readyz"] = {
            "ours": (pct(ours, 0.5), pct(ours, 0.99)),
            "baseline": (pct(old, 0.5), pct(old, 0.99)),
        }
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="10000,100000")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--repeats", type=int, default=60, help="timings per request variant (ours)")
    ap.add_argument("--database", help="measure this already built registry only (its size: --sizes)")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    backends = [b for b in args.backends.split(",") if b]
    results: dict[str, dict[int, dict[str, dict[str, tuple[float, float]]]]] = {}
    if args.database:  # one registry built before (e.g. kept from a run): measure only
        backends, sizes = [args.database.split(":", 1)[0].split("+")[0]], sizes[:1]
    with tempfile.TemporaryDirectory(prefix="bench_search_") as tmp:
        for backend in backends:
            for n in sizes:
                if args.database:
                    res = measure(args.database, n, args.repeats)
                else:
                    db = Database(backend, Path(tmp), f"search{n}")
                    try:
                        took = build(db.url, n)
                        print(f"{backend} {n:>9,}: built in {took:.0f} s", flush=True)
                        res = measure(db.url, n, args.repeats)
                    finally:
                        db.drop()
                results.setdefault(backend, {})[n] = res
                for name, r in res.items():
                    (o50, o99), (b50, b99) = r["ours"], r["baseline"]
                    print(
                        f"{backend} {n:>9,} {name:<20} ours p50 {o50:7.2f} p99 {o99:7.2f} ms | baseline p50 {b50:8.2f} p99 {b99:8.2f} ms | p99 ratio {b99 / o99:7.1f}x",
                        flush=True,
                    )
    failed = False
    print(
        "\nsummary: p99 ms at each size (growth = p99 at a size / p99 at the previous size); target ours ≤ 20 ms at the largest"
    )
    for backend, per in results.items():
        for name in per[sizes[0]]:
            cells = " | ".join(
                f"{per[n][name]['ours'][1]:7.2f} (base {per[n][name]['baseline'][1]:8.1f})" for n in sizes
            )
            growth = ", ".join(
                f"x{per[b][name]['ours'][1] / per[a][name]['ours'][1]:.2f}"
                for a, b in itertools.pairwise(sizes)
            )
            ok = per[sizes[-1]][name]["ours"][1] <= TARGET_P99_MS
            failed |= not ok
            print(f"{backend:<10} {name:<20} {cells}  growth {growth or '-'}  {'OK' if ok else 'MISS'}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the benchmark process: {rss:.0f} MB")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
