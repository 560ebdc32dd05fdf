"""EPCIS repository: capture over HTTP, query latency and genealogy, with growth in size.

Run: ``python benchmarks/bench_epcis_repo.py [--backend sqlite|postgresql|both] [--sizes 100000,1000000]
[--capture-events 20000]``. Prints one line per figure:

    <name>: <value> (<baseline or target>) OK|MISS

* ``capture-http``: events/s of ``POST /epcis/capture`` end to end (``trace-std serve``'s server in a
  subprocess, rollback behaviour, validation, event hashes, canonical keys, one transaction), documents
  of 2,000 events. Baseline measured side by side: the same documents as raw JSON rows
  (``json.loads`` + one ``executemany`` per document) into a plain table of the same database, in
  process: what storing without validating costs. Targets: ≥ 1,000 events/s (SQLite), ≥ 2,000
  (PostgreSQL).
* ``query-match-epc`` / ``query-puc``: p50/p99 ms of ``MATCH_epc`` (one carton) and
  ``EQ_vn_plantingAreaCode`` (one planting area, first page of 100) in process, with N stored
  events. Target p99 ≤ 20 ms. The store is filled through the repository's own row builder and
  writer (``event_rows`` and ``_store``) with a SHA-256 of the JSON standing in for the CBV event
  hash (the hash does not change the query plans; computing 1,000,000 of them would take minutes).
* ``trace-5-levels``: ms of a backward trace from a container SSCC through 4 more aggregation levels
  to the lot (p99 of 50 walks). Target ≤ 50 ms.
* Peak RSS of this process after each size (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from tests.events.repo_data import CONTEXT, chain, document_bytes  # noqa: E402
from trace_std.events.repository import _store as store_rows  # noqa: E402
from trace_std.events.repository import event_rows  # noqa: E402
from trace_std.events.repository.genealogy import trace  # noqa: E402
from trace_std.events.repository.query import query  # noqa: E402
from trace_std.registry import Registry  # noqa: E402
from trace_std.registry.core import utcnow  # noqa: E402

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_url() -> tuple[str, Any]:
    from tests.registry.conftest import create_pg_database, drop_pg_database

    url = create_pg_database()
    return url, lambda: drop_pg_database(url)


def _new(backend: str, tmp: Path) -> tuple[str, Any]:
    if backend == "sqlite":
        return f"sqlite:///{tmp / f'bench-{time.monotonic_ns()}.sqlite3'}", lambda: None
    return _pg_url()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def capture_http(backend: str, tmp: Path, n_events: int) -> None:
    url, drop = _new(backend, tmp)
    reg = Registry(url)
    reg.init()
    secret, _ = reg.create_token("bench", ["events:capture"], actor="bench")
    docs = [document_bytes(500, start=i * 500) for i in range(max(1, n_events // 2000))]
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACE_STD_")}
    env.update({"PYTHONPATH": str(ROOT), "TRACE_STD_RATELIMIT_ENABLED": "false"})
    proc = subprocess.Popen(
        [sys.executable, "-m", "trace_std.cli", "serve", "--port", str(port), "--database", url],
        env=env, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        start = time.perf_counter()
        stored = 0
        for body in docs:
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/epcis/capture", data=body, method="POST",
                headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
            )  # fmt: skip
            with urllib.request.urlopen(req, timeout=600) as r:
                stored += json.loads(r.read())["events"]["stored"]
        ours = stored / (time.perf_counter() - start)
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
    # baseline: raw JSON rows, no validation
    with reg.engine.begin() as conn:
        conn.execute(text("CREATE TABLE raw_events (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"))
    start = time.perf_counter()
    count = 0
    for body in docs:
        events = json.loads(body)["epcisBody"]["eventList"]
        with reg.engine.begin() as conn:
            conn.execute(
                text("INSERT INTO raw_events (id, body) VALUES (:id, :body)"),
                [{"id": count + i, "body": json.dumps(e)} for i, e in enumerate(events)],
            )
        count += len(events)
    base = count / (time.perf_counter() - start)
    target = 1000 if backend == "sqlite" else 2000
    print(
        f"capture-http[{backend}]: ours {ours:,.0f} events/s, baseline (raw JSON rows, no validation) "
        f"{base:,.0f}/s, ratio {ours / base:.2f} (target >= {target}/s) {'OK' if ours >= target else 'MISS'}"
    )
    reg.close()
    drop()


def _fill(reg: Registry, n_events: int) -> None:
    record = utcnow()
    batch: list[Any] = []
    lots = n_events // 4

    def batches() -> Any:
        nonlocal batch
        for i in range(lots):
            for event in chain(i, day=1 + (i * 27) // max(lots, 1)):
                row, keys = event_rows(
                    event, CONTEXT, party=f"exporter-{i % 50}", job_id="bench", record_time=record
                )
                row["event_hash"] = hashlib.sha256(row["body"].encode()).hexdigest()
                batch.append((row, keys))
            if len(batch) >= 4000:
                yield batch
                batch = []
        if batch:
            yield batch

    store_rows(reg, batches())
    reg.refresh_statistics()
    if reg.backend == "sqlite":
        with reg.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def _p(samples: list[float], q: float) -> float:
    return statistics.quantiles(samples, n=100)[int(q) - 1] if len(samples) > 2 else max(samples)


def queries(backend: str, tmp: Path, n_events: int) -> None:
    url, drop = _new(backend, tmp)
    reg = Registry(url)
    reg.init()
    t0 = time.perf_counter()
    _fill(reg, n_events)
    fill = time.perf_counter() - t0
    lots = n_events // 4
    for name, make in (
        ("query-match-epc", lambda i: {"MATCH_epc": chain((i * 7919) % lots)[1]["epcList"][1]}),
        ("query-puc", lambda i: {"EQ_vn_plantingAreaCode": f"VN-SLOR-{(i % 99) + 1:04d}", "perPage": "100"}),
    ):
        samples = []
        for i in range(200):
            start = time.perf_counter()
            page = query(reg, make(i), party=None)
            samples.append((time.perf_counter() - start) * 1000)
            assert page.events
        p99 = _p(samples, 99)
        print(
            f"{name}[{backend}, {n_events:,} events]: p50 {statistics.median(samples):.2f} ms, "
            f"p99 {p99:.2f} ms "
            f"(target p99 <= 20 ms) {'OK' if p99 <= 20 else 'MISS'}"
        )
    # five aggregation levels above one pallet of the first lot
    from trace_std.events.repository import capture

    events = chain(0)
    levels = [f"urn:epc:id:sscc:8935235.{d}000000001" for d in range(1, 5)]
    tops = [*levels, events[2]["parentID"]]
    extra = [
        {"type": "AggregationEvent", "eventTime": "2025-08-28T10:00:00.000+07:00",
         "eventTimeZoneOffset": "+07:00", "action": "ADD", "bizStep": "packing", "parentID": up,
         "childEPCs": [low]}
        for up, low in itertools.pairwise(tops)
    ]  # fmt: skip
    doc = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
           "creationDate": "2025-08-28T10:00:00Z", "epcisBody": {"eventList": extra}}  # fmt: skip
    assert capture(reg, json.dumps(doc).encode(), party="bench").stored == 4
    samples = []
    for _ in range(50):
        start = time.perf_counter()
        result = trace(reg, epc=levels[0])
        samples.append((time.perf_counter() - start) * 1000)
    assert result.planting_areas and max(n["depth"] for n in result.nodes) >= 5
    p99 = _p(samples, 99)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"trace-5-levels[{backend}, {n_events:,} events]: p50 {statistics.median(samples):.2f} ms, "
        f"p99 {p99:.2f} ms "
        f"(target <= 50 ms) {'OK' if p99 <= 50 else 'MISS'}; fill {n_events / fill:,.0f} events/s; "
        f"peak RSS {rss:,.0f} MB"
    )
    reg.close()
    drop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    ap.add_argument("--sizes", default="100000", help="stored events for the query figures, comma-separated")
    ap.add_argument("--capture-events", type=int, default=20000)
    args = ap.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            capture_http(backend, Path(tmp), args.capture_events)
            for size in (int(s) for s in args.sizes.split(",")):
                queries(backend, Path(tmp), size)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
