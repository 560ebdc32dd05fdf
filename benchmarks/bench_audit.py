"""Whole-season code-use audit: the set-based SQL rules against a row-by-row Python implementation.

Run: ``python benchmarks/bench_audit.py [--rows 100000,1000000] [--pucs 10000]
[--backends sqlite,postgresql]`` (the issue's figure: 1,000,000 lines over 10,000 PUCs, <= 30 s on
both backends and >= 10x the row-by-row version).

Data shaped like a season at national scale: ``--pucs`` durian/longan/mango PUCs of distinct holders
(area 1-30 ha, registered locations), one packing house per 20 PUCs (the first one far north), an
authorisation per PUC for its packing house (every 20th with a volume cap), a GACC register listing
every code, a few PUCs suspended mid-season, and ``--rows`` ledger lines spread over the year (lots
of 1-3 lines, a few hundred kg each) with about 1 % planted anomalies of every kind.

Each size and backend builds the data once, then runs, each in a fresh process (so that each has its
own peak RSS): the audit (``run_audit``, season 2025, every rule) and the baseline, on the same lines.
Printed: wall time, findings, peak RSS of both, the ratio, whether both found exactly the same
findings (rule, reason, season, subject), and how time and memory grow from one size to the next.

The baseline is what a competent engineer would write row by row: load the registry's codes, status
histories, approvals, authorisations (with their status histories) and register into dicts keyed by
code once, then stream the season's ledger lines and apply the same eight rules line by line (status
on a day by bisection over the sorted history; sums per PUC, letter and lot kept in dicts; one
distance per PUC-PHC pair).
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import random
import resource
import sys
import tempfile
import time
from bisect import bisect_right
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from trace_std.audit.authorisations import import_authorisations
from trace_std.audit.capacity import ceilings, default_tolerance
from trace_std.audit.models import AuthorisationEvent, LedgerRow, RegisterEntry
from trace_std.audit.rules import _centre, _haversine_km, rules, run_audit
from trace_std.registry import Registry
from trace_std.registry.models import Code, MarketApproval, StatusEvent

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CROPS = ("durian", "longan", "mango")


def build(reg: Registry, n_pucs: int, n_rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    reg.init()
    now = dt.datetime.now(dt.UTC)
    issued = dt.date(2023, 1, 2)
    n_phc = max(1, n_pucs // 20)
    codes, events = [], []
    for i in range(n_pucs):
        lon, lat = 105.0 + rnd.random(), 10.0 + rnd.random()
        codes.append(
            {
                "id": i + 1,
                "code": f"VN-{('DT', 'TG', 'BT', 'LA')[i // 10000]}OR-{i % 10000:04d}",
                "kind": "puc",
                "scheme": "vn-export",
                "crops": [CROPS[i % 3]],
                "varieties": [],
                "area_ha": 1 + rnd.random() * 29,
                "owner": f"Holder {i}",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "issued": issued,
                "status": "active",
                "status_since": issued,
                "created_at": now,
                "updated_at": now,
            }
        )
    for j in range(n_phc):
        codes.append(
            {
                "id": n_pucs + j + 1,
                "code": f"VN-{('DT', 'TG')[j // 1000]}PH-{j % 1000:03d}",
                "kind": "phc",
                "scheme": "vn-export",
                "crops": [],
                "varieties": [],
                "area_ha": None,
                "owner": f"Packer {j}",
                # the first packing house far north (Hanoi): its PUCs are geography findings
                "geometry": {"type": "Point", "coordinates": [105.85, 21.03] if j == 0 else [105.5, 10.5]},
                "issued": issued,
                "status": "active",
                "status_since": issued,
                "created_at": now,
                "updated_at": now,
            }
        )
    for c in codes:
        events.append(
            {
                "code_id": c["id"],
                "from_status": None,
                "to_status": "active",
                "date": issued,
                "reason": "issued",
                "recorded_by": "bench",
                "recorded_at": now,
            }
        )
    suspended = dt.date(2025, 6, 1)
    for c in codes[1:n_pucs:500]:  # a few PUCs suspended mid-season
        c["status"], c["status_since"] = "suspended", suspended
        events.append(
            {
                "code_id": c["id"],
                "from_status": "active",
                "to_status": "suspended",
                "date": suspended,
                "reason": "inspection",
                "recorded_by": "bench",
                "recorded_at": now,
            }
        )
    with reg.write() as s:
        s.execute(insert(Code), codes)
        s.execute(insert(StatusEvent), events)
        s.execute(
            insert(MarketApproval),
            [
                {
                    "code_id": c["id"],
                    "market": "CN",
                    "approved": dt.date(2023, 5, 1),
                    "valid_to": None,
                    "registration_number": f"QVN{c['id']}",
                    "status": "active",
                }
                for c in codes
            ],
        )
        s.execute(
            insert(RegisterEntry),
            [
                {
                    "market": "CN",
                    "code": c["code"],
                    "code_as_listed": c["code"],
                    "kind": c["kind"],
                    "registration_number": None,
                    "product": c["crops"][0] if c["crops"] else None,
                    "product_as_listed": None,
                    "name": None,
                    "province": None,
                    "valid_from": dt.date(2023, 5, 1),
                    "valid_to": None,
                    "state": "1",
                    "status": "active",
                    "source_sha256": "0" * 64,
                    "imported_at": now,
                }
                for c in codes
            ],
        )
    auths = [
        {
            "ref": f"UQ-{i}",
            "puc": codes[i]["code"],
            "phc": codes[n_pucs + i % n_phc]["code"],
            "crops": [CROPS[i % 3]],
            "valid_from": "2025-01-01",
            "valid_to": "2025-12-31",
            **({"volume_cap_kg": 10_000} if i % 20 == 0 else {}),
        }
        for i in range(n_pucs)
    ]
    assert import_authorisations(reg, json.dumps(auths).encode(), actor="bench").ok
    rows = []
    base = dt.date(2025, 1, 1)
    for k in range(n_rows):
        i = rnd.randrange(n_pucs)
        puc = codes[i]
        phc = codes[n_pucs + i % n_phc]["code"]
        crop = CROPS[i % 3]
        day = base + dt.timedelta(days=rnd.randrange(300))
        harvest, pack, ship = day, day + dt.timedelta(days=1), day + dt.timedelta(days=2)
        kg = 50.0 + rnd.random() * 100
        anomaly = rnd.random()
        if anomaly < 0.002:
            phc = codes[n_pucs + (i + 1) % n_phc]["code"]  # unauthorised packing house
        elif anomaly < 0.004:
            pack = harvest - dt.timedelta(days=1)  # chronology
        elif anomaly < 0.006:
            crop = CROPS[(i + 1) % 3]  # other product in the register
        elif anomaly < 0.008:
            kg = puc["area_ha"] * 40_000  # over-yield
        lot = f"{puc['code']}-{day.isoformat()}"
        if 0.008 <= anomaly < 0.009:
            lot = f"MIX-{k % 50}"  # one lot from PUCs of different holders
        rows.append(
            {
                "source": "labels",
                "source_name": "bench.csv",
                "source_sha256": "b" * 64,
                "source_row": k + 2,
                "source_ref": None,
                "declared_by": "bench",
                "declared_at": now,
                "puc": puc["code"],
                "phc": phc,
                "exporter": None,
                "gtin": "08935234567895",
                "lot": lot,
                "crop": crop,
                "market": "CN",
                "harvest_date": harvest,
                "pack_date": pack,
                "ship_date": ship,
                "cartons": 1,
                "quantity_kg": kg,
            }
        )
        if len(rows) >= 20_000:
            with reg.write() as s:
                s.execute(insert(LedgerRow), rows)
            rows = []
    if rows:
        with reg.write() as s:
            s.execute(insert(LedgerRow), rows)
    if reg.backend == "postgresql":
        # what autovacuum does soon after a bulk load (statistics, and the visibility map that
        # index-only scans need)
        with reg.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))


def baseline(url: str, season: int) -> set[tuple[object, ...]]:
    """The row-by-row implementation (see the module docstring): the findings' keys
    (``Finding.key()``: rule, reason, season, subject)."""
    cs = ceilings()
    tol = default_tolerance()
    max_km = float(rules()["geography"].params["max_km"])
    reg = Registry(url)
    with reg.read() as s:
        codes = {
            c.code: c for c in s.execute(select(Code.code, Code.id, Code.area_ha, Code.owner, Code.geometry))
        }
        history: dict[str, tuple[list[dt.date], list[str]]] = defaultdict(lambda: ([], []))
        for code, to, day in s.execute(
            select(Code.code, StatusEvent.to_status, StatusEvent.date)
            .join(Code, Code.id == StatusEvent.code_id)
            .order_by(StatusEvent.date, StatusEvent.id)
        ):
            history[code][0].append(day)
            history[code][1].append(to)
        approvals: dict[tuple[str, str], list[tuple[str, Any, Any]]] = defaultdict(list)
        for code, market, status, approved, valid_to in s.execute(
            select(
                Code.code,
                MarketApproval.market,
                MarketApproval.status,
                MarketApproval.approved,
                MarketApproval.valid_to,
            ).join(Code, Code.id == MarketApproval.code_id)
        ):
            approvals[(code, market)].append((status, approved, valid_to))
        register: dict[tuple[str, str], list[tuple[str, Any, Any, Any]]] = defaultdict(list)
        for market, code, status, product, vfrom, vto in s.execute(
            select(
                RegisterEntry.market,
                RegisterEntry.code,
                RegisterEntry.status,
                RegisterEntry.product,
                RegisterEntry.valid_from,
                RegisterEntry.valid_to,
            )
        ):
            register[(market, code)].append((status, product, vfrom, vto))
        auth_history: dict[int, tuple[list[dt.date], list[str]]] = defaultdict(lambda: ([], []))
        for aid, day, to in s.execute(
            select(
                AuthorisationEvent.authorisation_id, AuthorisationEvent.date, AuthorisationEvent.to_status
            ).order_by(AuthorisationEvent.date, AuthorisationEvent.id)
        ):
            auth_history[aid][0].append(day)
            auth_history[aid][1].append(to)
        auth: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for row in s.execute(
            text(
                "SELECT a.id, a.ref, p.code, h.code, a.exporter, a.crops, a.valid_from, a.valid_to, a.volume_cap_kg "
                "FROM authorisations a JOIN codes p ON p.id = a.puc_id LEFT JOIN codes h ON h.id = a.phc_id"
            )
        ):
            aid, ref, puc, phc, exporter, crops, vfrom, vto, cap = row
            crops = json.loads(crops) if isinstance(crops, str) else crops
            vfrom = dt.date.fromisoformat(str(vfrom)[:10])
            vto = dt.date.fromisoformat(str(vto)[:10]) if vto else None
            auth[puc].append((ref, phc, exporter, set(crops), vfrom, vto, cap, auth_history[aid]))
        day_of = func.coalesce(LedgerRow.pack_date, LedgerRow.ship_date)
        lines = s.connection().execute(  # Core rows, streamed
            select(
                LedgerRow.puc,
                LedgerRow.phc,
                LedgerRow.exporter,
                LedgerRow.crop,
                LedgerRow.market,
                LedgerRow.gtin,
                LedgerRow.lot,
                LedgerRow.harvest_date,
                LedgerRow.pack_date,
                LedgerRow.ship_date,
                LedgerRow.quantity_kg,
            )
            .where(day_of >= dt.date(season, 1, 1), day_of < dt.date(season + 1, 1, 1))
            .execution_options(yield_per=20_000)
        )
        found: set[tuple[object, ...]] = set()
        volume: dict[tuple[str, str, str], float] = defaultdict(float)
        capped: dict[str, list[Any]] = {}  # ref -> [kg, cap, subject, last season]
        owners: dict[tuple[Any, Any, str], set[str]] = defaultdict(set)
        distance: dict[tuple[str, str], float | None] = {}
        approval_markets = {m for (_c, m) in approvals}
        register_markets = {m for (m, _c) in register}

        def add(rule: str, reason: str, season_: str | None, **subject: Any) -> None:
            found.add((rule, reason, season_, tuple(sorted((k, str(v)) for k, v in subject.items()))))

        def status_on(dates: list[dt.date], states: list[str], day: dt.date) -> str | None:
            i = bisect_right(dates, day)
            return states[i - 1] if i else None

        def km(puc: str, phc: str) -> float | None:
            if (puc, phc) not in distance:
                a = _centre(codes[puc].geometry) if puc in codes else None
                b = _centre(codes[phc].geometry) if phc in codes else None
                distance[(puc, phc)] = None if a is None or b is None else _haversine_km(a, b)
            return distance[(puc, phc)]

        for puc, phc, exporter, crop, market, gtin, lot, harvest, pack, ship, kg in lines:
            day = pack or ship
            yr = str(day.year)
            c = codes.get(puc)
            if crop is not None and c is not None and c.area_ha is not None and crop in cs:
                volume[(puc, crop, yr)] += kg
            authorised = False
            for ref, a_phc, a_exp, a_crops, vfrom, vto, cap, (dates, states) in auth.get(puc, ()):
                if (
                    ((phc is not None and a_phc == phc) or (exporter is not None and a_exp == exporter))
                    and (not a_crops or crop is None or crop in a_crops)
                    and vfrom <= day
                    and (vto is None or day <= vto)
                    and status_on(dates, states, day) == "active"
                ):
                    authorised = True
                    if cap is not None:
                        entry = capped.setdefault(ref, [0.0, cap, (puc, a_phc, a_exp), yr])
                        entry[0] += kg
                        entry[3] = max(entry[3], yr)
            if not authorised and (phc is not None or exporter is not None):
                add(
                    "unauthorised",
                    "no valid authorisation on the pack date",
                    yr,
                    puc=puc,
                    phc=phc,
                    exporter=exporter,
                )
            for col, code in (("puc", puc), ("phc", phc)):
                if code is None:
                    continue
                dates, states = history.get(code, ([], []))
                st = status_on(dates, states, day) or (
                    "not registered" if code not in codes else "not yet issued"
                )
                if st != "active":
                    add("inactive", f"{col.upper()} {st} on the pack date", yr, **{col: code})
                if (
                    market in approval_markets
                    and code in codes
                    and not any(
                        a[0] == "active" and (a[1] is None or a[1] <= day) and (a[2] is None or day <= a[2])
                        for a in approvals.get((code, market), ())
                    )
                ):
                    add(
                        "inactive",
                        f"{col.upper()} not approved for {market} on the pack date",
                        yr,
                        **{col: code, "market": market},
                    )
                if market in register_markets:
                    listed = register.get((market, code), [])
                    valid = [
                        r
                        for r in listed
                        if r[0] == "active"
                        and (r[2] is None or r[2] <= day)
                        and (r[3] is None or day <= r[3])
                    ]
                    why = (
                        "missing"
                        if not listed
                        else "not valid"
                        if not valid
                        else "other product"
                        if crop is not None and not any(r[1] is None or r[1] == crop for r in valid)
                        else None
                    )
                    if why:
                        add(
                            "gacc_mismatch",
                            f"{why} in the {market} register",
                            yr,
                            **{col: code, "market": market},
                        )
            if pack is not None and harvest is not None and pack < harvest:
                add("chronology", "packed before harvest", yr, puc=puc, gtin=gtin, lot=lot)
            elif ship is not None and pack is not None and ship < pack:
                add("chronology", "shipped before packing", yr, puc=puc, gtin=gtin, lot=lot)
            if phc is not None:
                d = km(puc, phc)
                if d is not None and d > max_km:
                    add("geography", "packing house far from the planting area", yr, puc=puc, phc=phc)
            if lot is not None and c is not None and c.owner is not None:
                owners[(gtin, lot, yr)].add(c.owner)
    reg.close()
    for (puc, crop, yr), kg in volume.items():
        if kg > codes[puc].area_ha * 1000.0 * cs[crop].t_per_ha * tol:
            add("over_yield", "volume above capacity", yr, puc=puc, crop=crop)
    for ref, (kg, cap, (puc, phc, exporter), yr) in capped.items():
        if kg > cap:
            add(
                "volume_cap",
                "declared volume above the authorisation's cap",
                yr,
                puc=puc,
                phc=phc,
                exporter=exporter,
                authorisation=ref,
            )
    for (gtin, lot, yr), who in owners.items():
        if len(who) > 1:
            add("one_lot_many_origins", "one lot from PUCs of different holders", yr, gtin=gtin, lot=lot)
    return found


def _peak_mb() -> float:
    """This process's peak RSS in MB: Linux's VmHWM (``ru_maxrss`` survives exec, so a spawned child
    would report its parent's peak), else ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(kind: str, url: str, season: int, out: Any) -> None:
    """One measured run in a fresh process: (seconds, findings' keys, peak RSS before and after)."""
    rss0 = _peak_mb()
    t0 = time.perf_counter()
    if kind == "audit":
        reg = Registry(url)
        keys = {f.key() for f in run_audit(reg, season=season)}
        reg.close()
    else:
        keys = baseline(url, season)
    out.put((time.perf_counter() - t0, keys, rss0, _peak_mb()))


def measure(kind: str, url: str, season: int) -> tuple[float, set[tuple[object, ...]], float, float]:
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    proc = ctx.Process(target=_child, args=(kind, url, season, out))
    proc.start()
    result = out.get()
    proc.join()
    return result  # type: ignore[no-any-return]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="20000,100000", help="comma-separated sizes (default: 20000,100000)")
    ap.add_argument("--pucs", type=int, default=10_000)
    ap.add_argument("--backends", default="sqlite")
    args = ap.parse_args(argv)
    sizes = [int(n) for n in args.rows.split(",")]
    ok = True
    table = []
    for backend in args.backends.split(","):
        prev = None
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                name = None
                if backend == "sqlite":
                    url = f"sqlite:///{tmp}/audit.sqlite3"
                else:
                    name = f"bench_audit_{random.randrange(1 << 30)}"
                    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
                    with admin.connect() as conn:
                        conn.execute(text(f'CREATE DATABASE "{name}"'))
                    url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
                try:
                    reg = Registry(url)
                    t0 = time.perf_counter()
                    build(reg, args.pucs, n)
                    reg.close()
                    print(
                        f"{backend}: built {n:,} ledger lines over {args.pucs:,} PUCs in {time.perf_counter() - t0:.1f} s"
                    )
                    a_s, a_keys, a_rss0, a_rss = measure("audit", url, 2025)
                    b_s, b_keys, b_rss0, b_rss = measure("baseline", url, 2025)
                finally:
                    if name is not None:
                        with admin.connect() as conn:
                            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            by_rule: dict[str, int] = defaultdict(int)
            for k in a_keys:
                by_rule[str(k[0])] += 1
            same = a_keys == b_keys
            ratio = b_s / a_s
            print(
                f"{backend} {n:,} lines: audit {a_s:.2f} s, {len(a_keys):,} findings {dict(sorted(by_rule.items()))}, "
                f"peak RSS {a_rss:.0f} MB (after imports {a_rss0:.0f} MB)"
            )
            print(
                f"{backend} {n:,} lines: baseline row-by-row Python {b_s:.2f} s, {len(b_keys):,} findings, "
                f"peak RSS {b_rss:.0f} MB (after imports {b_rss0:.0f} MB); same findings: {'yes' if same else 'NO'}"
            )
            if not same:
                print(
                    f"  only in the audit: {sorted(a_keys - b_keys)[:5]}; only in the baseline: {sorted(b_keys - a_keys)[:5]}"
                )
            growth = ""
            if prev is not None:
                f = n / prev[0]
                growth = f"; {f:.0f}x the lines: audit time x{a_s / prev[1]:.1f}, baseline time x{b_s / prev[2]:.1f}, audit RSS x{a_rss / prev[3]:.2f}"
            print(
                f"{backend} {n:,} lines: audit vs baseline {ratio:.1f}x (target >= 10x at 1,000,000 lines); audit {a_s:.1f} s"
                f"{' (target <= 30 s at 1,000,000 lines)' if n >= 1_000_000 else ''}{growth}"
            )
            table.append((backend, n, a_s, len(a_keys), b_s, ratio, a_rss, b_rss, same))
            # the targets are for the 1,000,000-line season; every size must agree
            ok = ok and same and (n < 1_000_000 or (a_s <= 30 and ratio >= 10))
            prev = (n, a_s, b_s, a_rss)
    print(
        "\n| backend | lines | audit | findings | row-by-row | ratio | peak RSS audit / row-by-row | same findings |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for backend, n, a_s, nf, b_s, ratio, a_rss, b_rss, same in table:
        print(
            f"| {backend} | {n:,} | {a_s:.1f} s | {nf:,} | {b_s:.1f} s | {ratio:.1f}x | {a_rss:.0f} / {b_rss:.0f} MB | {'yes' if same else 'no'} |"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
