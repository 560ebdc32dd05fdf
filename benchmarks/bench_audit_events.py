"""The ledger from captured EPCIS shipping events: set-based declaration against a per-event walk.

Run: ``python benchmarks/bench_audit_events.py [--lots 5000,20000] [--baseline-events 500]``
(SQLite; ``--database URL`` for PostgreSQL, emptied first — use a database of your own).

Data: ``--lots`` lots of the Vietnamese export chain (``tests/events/repo_data``: harvest with the
PUC, packing of 4 cartons with the lot's mass and the PHC, palletising onto an SSCC, shipping of the
pallet only), captured into the repository. The shipping events name only the pallet, so each must be
weighed through its aggregation and cartons and traced back through the genealogy: the hardest path.

Measured, each in a fresh process (own peak RSS): :func:`trace_std.audit.epcis.declare_events` on
every shipping event, and the baseline a competent engineer would write with the public API: per
shipping event, :func:`trace_std.events.repository.genealogy.trace` backward from its pallet (one
recursive query per event) for the planting areas and packing houses, timed on
``--baseline-events`` events and extrapolated linearly (said so). The baseline does not weigh.
Printed: wall time, lines, peak RSS, the ratio, and growth from one size to the next.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rss_mb() -> float:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _build(url: str, lots: int) -> None:
    from tests.events import repo_data
    from trace_std.events.repository import capture
    from trace_std.registry import Registry

    reg = Registry(url)
    reg.init()
    for start in range(0, lots, 5000):
        job = capture(reg, repo_data.document_bytes(min(5000, lots - start), start=start), party="bench")
        assert job.state == "succeeded", job.errors[:2]
    reg.close()


def _declare(url: str, out: Any) -> None:
    from trace_std.audit.epcis import declare_events
    from trace_std.registry import Registry

    reg = Registry(url)
    t = time.perf_counter()
    r = declare_events(reg, actor="bench", rebuild=True)
    out.put(
        {"s": time.perf_counter() - t, "lines": r.lines, "waiting": r.unresolved_events, "rss": _rss_mb()}
    )


def _baseline(url: str, n: int, out: Any) -> None:
    from sqlalchemy import select

    from trace_std.events.repository.genealogy import trace
    from trace_std.events.repository.schema import events
    from trace_std.registry import Registry

    reg = Registry(url)
    with reg.read() as s:
        bodies = (
            s.execute(select(events.c.body).where(events.c.biz_step == "shipping").limit(n)).scalars().all()
        )
    t = time.perf_counter()
    found = 0
    for body in bodies:
        epc = json.loads(body)["epcList"][0]
        result = trace(reg, direction="backward", epc=epc)
        found += bool(result.planting_areas and result.packing_houses)
    out.put({"s": time.perf_counter() - t, "events": len(bodies), "found": found, "rss": _rss_mb()})


def _run(target: Any, *args: Any) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    p = ctx.Process(target=target, args=(*args, q))
    p.start()
    res = q.get()
    p.join()
    return dict(res)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lots", default="5000,20000")
    parser.add_argument("--baseline-events", type=int, default=500)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file per size)")
    args = parser.parse_args(argv)
    previous: tuple[int, float, float] | None = None
    for lots in [int(x) for x in args.lots.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            url = args.database or f"sqlite:///{tmp}/bench.sqlite3"
            if args.database:
                from sqlalchemy import create_engine, text

                engine = create_engine(url)
                with engine.begin() as conn:
                    conn.execute(text("TRUNCATE epcis_events, epcis_event_keys, epcis_capture_jobs, ledger"))
                engine.dispose()
            _build(url, lots)
            d = _run(_declare, url)
            b = _run(_baseline, url, min(args.baseline_events, lots))
            per_event = b["s"] / max(b["events"], 1)
            extrapolated = per_event * lots
            print(
                f"lots={lots} shipping events={lots}: declare_events {d['s']:.2f} s, {d['lines']} lines, "
                f"{d['waiting']} waiting, peak RSS {d['rss']:.0f} MB | per-event trace() baseline "
                f"{extrapolated:.2f} s (extrapolated from {b['events']} events, {b['found']} traced, "
                f"peak RSS {b['rss']:.0f} MB) | ratio {extrapolated / d['s']:.1f}x"
            )
            if previous is not None:
                n0, s0, m0 = previous
                print(
                    f"  growth x{lots / n0:.1f} lots: time x{d['s'] / s0:.2f}, peak RSS x{d['rss'] / m0:.2f}"
                )
            previous = (lots, d["s"], d["rss"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
