"""Whole-season code-use audit: the set-based SQL rules against a row-by-row Python implementation.

Run: ``python benchmarks/bench_audit.py [--rows 200000] [--pucs 10000] [--backends sqlite,postgresql]
[--baseline-rows 50000]`` (the issue's figure: ``--rows 1000000``).

Data shaped like a season at national scale: ``--pucs`` durian/longan/mango PUCs of distinct holders
(area 1-30 ha, registered locations), one packing house per 20 PUCs, an authorisation per PUC for
its packing house, a GACC register listing every code, and ``--rows`` ledger lines spread over the
year (lots of 1-3 lines, a few hundred kg each) with about 1 % planted anomalies of every kind.

Printed per backend: the audit's wall time and findings, the baseline's time on ``--baseline-rows``
lines extrapolated linearly to ``--rows`` (said so), the ratio, and the process's peak RSS.

The baseline is what a competent engineer would write row by row: load the registry's codes,
statuses, authorisations and register into dicts once, then walk the ledger line by line in Python,
applying the same seven rules (the per-PUC/lot sums kept in dicts).
"""

# ruff: noqa: E501
from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, select, text

from trace_std.audit.authorisations import import_authorisations
from trace_std.audit.capacity import ceilings, default_tolerance
from trace_std.audit.models import LedgerRow, RegisterEntry
from trace_std.audit.rules import _haversine_km, rules, run_audit
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
                "geometry": {"type": "Point", "coordinates": [105.5, 10.5]},
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
                "lot": f"{puc['code']}-{day.isoformat()}",
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
        with reg.engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def baseline(reg: Registry, limit: int) -> tuple[int, float]:
    """The row-by-row implementation (see the module docstring); returns (findings, seconds)."""
    t0 = time.perf_counter()
    cs = ceilings()
    tol = default_tolerance()
    max_km = float(rules()["geography"].params["max_km"])
    with reg.read() as s:
        codes = {
            c.code: c for c in s.execute(select(Code.code, Code.id, Code.area_ha, Code.owner, Code.geometry))
        }
        history = defaultdict(list)
        for code, to, day in s.execute(
            select(Code.code, StatusEvent.to_status, StatusEvent.date)
            .join(Code, Code.id == StatusEvent.code_id)
            .order_by(StatusEvent.date, StatusEvent.id)
        ):
            history[code].append((day, to))
        approvals = defaultdict(list)
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
        register = defaultdict(list)
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
        auth = defaultdict(list)
        for row in s.execute(
            text(
                "SELECT p.code, h.code, a.exporter, a.crops, a.valid_from, a.valid_to, a.status FROM authorisations a JOIN codes p ON p.id = a.puc_id LEFT JOIN codes h ON h.id = a.phc_id"
            )
        ):
            phc, exporter, crops, vfrom, vto, status = row[1:]
            crops = json.loads(crops) if isinstance(crops, str) else crops
            vfrom = dt.date.fromisoformat(str(vfrom)[:10])
            vto = dt.date.fromisoformat(str(vto)[:10]) if vto else None
            auth[row[0]].append((phc, exporter, crops, vfrom, vto, status))
        lines = s.execute(
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
            .order_by(LedgerRow.id)
            .limit(limit)
        ).all()
    findings: set[tuple[object, ...]] = set()
    volume: dict[tuple[str, str, int], float] = defaultdict(float)
    owners: dict[tuple[str, str], set[str]] = defaultdict(set)
    markets_with_approvals = {m for (_c, m) in approvals}
    markets_with_register = {m for (m, _c) in register}

    def status_on(code: str, day: dt.date) -> str:
        st = None
        for d, to in history.get(code, ()):
            if d <= day:
                st = to
        return st or ("not registered" if code not in codes else "not yet issued")

    for puc, phc, exporter, crop, market, gtin, lot, harvest, pack, ship, kg in lines:
        day = pack or ship
        season = day.year
        c = codes.get(puc)
        if crop and c is not None and c.area_ha and crop in cs:
            volume[(puc, crop, season)] += kg
        ok = False
        for a_phc, a_exp, a_crops, vfrom, vto, status in auth.get(puc, ()):
            if (
                status == "active"
                and vfrom <= day
                and (vto is None or day <= vto)
                and (not a_crops or crop is None or crop in a_crops)
                and ((phc and a_phc == phc) or (exporter and a_exp == exporter))
            ):
                ok = True
                break
        if not ok and (phc or exporter):
            findings.add(("unauthorised", puc, phc, exporter, season))
        for code in (puc, phc):
            if code is None:
                continue
            st = status_on(code, day)
            if st != "active":
                findings.add(("inactive", code, st, season))
            if (
                market in markets_with_approvals
                and code in codes
                and not any(
                    a[0] == "active" and (a[1] is None or a[1] <= day) and (a[2] is None or day <= a[2])
                    for a in approvals.get((code, market), ())
                )
            ):
                findings.add(("inactive-market", code, market, season))
            if market in markets_with_register:
                rows = register.get((market, code), [])
                valid = [
                    r
                    for r in rows
                    if r[0] == "active" and (r[2] is None or r[2] <= day) and (r[3] is None or day <= r[3])
                ]
                if not rows:
                    findings.add(("gacc", code, "missing", season))
                elif not valid:
                    findings.add(("gacc", code, "not valid", season))
                elif crop and not any(r[1] is None or r[1] == crop for r in valid):
                    findings.add(("gacc", code, "other product", season))
        if pack and harvest and pack < harvest:
            findings.add(("chronology", puc, lot, "packed before harvest"))
        if ship and pack and ship < pack:
            findings.add(("chronology", puc, lot, "shipped before packing"))
        if phc and c is not None and phc in codes:
            g1, g2 = c.geometry, codes[phc].geometry
            if g1 and g2 and _haversine_km(tuple(g1["coordinates"]), tuple(g2["coordinates"])) > max_km:
                findings.add(("geography", puc, phc, season))
        if lot and c is not None and c.owner:
            owners[(gtin, lot)].add(c.owner)
    for (puc, crop, season), kg in volume.items():
        if kg > codes[puc].area_ha * 1000 * cs[crop].t_per_ha * tol:
            findings.add(("over_yield", puc, crop, season))
    for key, who in owners.items():
        if len(who) > 1:
            findings.add(("one_lot", *key))
    return len(findings), time.perf_counter() - t0


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--pucs", type=int, default=10_000)
    ap.add_argument("--baseline-rows", type=int, default=50_000)
    ap.add_argument("--backends", default="sqlite")
    args = ap.parse_args()
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            if backend == "sqlite":
                url = f"sqlite:///{tmp}/audit.sqlite3"
            else:
                from sqlalchemy import create_engine
                from sqlalchemy.engine import make_url

                name = f"bench_audit_{random.randrange(1 << 30)}"
                admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(text(f'CREATE DATABASE "{name}"'))
                url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
            reg = Registry(url)
            t0 = time.perf_counter()
            build(reg, args.pucs, args.rows)
            print(
                f"{backend}: built {args.rows:,} ledger lines over {args.pucs:,} PUCs in {time.perf_counter() - t0:.1f} s"
            )
            rss0 = _peak_mb()
            t0 = time.perf_counter()
            found = run_audit(reg, season=2025)
            audit_s = time.perf_counter() - t0
            by_rule: dict[str, int] = defaultdict(int)
            for f in found:
                by_rule[f.rule] += 1
            print(
                f"{backend}: audit {audit_s:.2f} s, {len(found):,} findings {dict(by_rule)}; peak RSS {_peak_mb():.0f} MB (before the audit {rss0:.0f} MB)"
            )
            n_base = min(args.baseline_rows, args.rows)
            base_found, base_s = baseline(reg, n_base)
            extrapolated = base_s * args.rows / n_base
            print(
                f"{backend}: baseline row-by-row Python on {n_base:,} lines: {base_s:.2f} s ({base_found:,} findings); "
                f"extrapolated linearly to {args.rows:,} lines: {extrapolated:.1f} s"
            )
            print(
                f"{backend}: audit vs baseline: {extrapolated / audit_s:.1f}x faster (target >= 10x); audit {audit_s:.1f} s (target <= 30 s at 1,000,000 lines)"
            )
            reg.close()
            if backend != "sqlite":
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
