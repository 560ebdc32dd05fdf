"""``GET /v1/codes/{code}`` with distinct codes, at registry sizes, against ``/v1/ping`` (issue 16).

Run: ``python benchmarks/bench_lookups.py --database URL [--database URL ...]`` with registries already
loaded (for example by ``benchmarks/bench_registry.py --keep`` or ``trace-std registry import``).
``--verify-codes N`` measures public verification with the audit facts instead (``--backends``).

wrk walks codes picked at random from every code of the registry (a Lua script draws one per
request), so the response cache can almost never answer: this measures the database read path. The
baseline is ``/v1/ping`` of the same server, measured interleaved in the same run (as in
``bench_api.py``, whose server, wrk runner and targets this reuses). Targets: ≥ 0.6× ping and p99 ≤
15 ms, at every size, on both backends.

Because other work on the machine moves requests/s a lot between runs, two CPU figures follow each
lookup line, ratios that hold much better under load:

* **server CPU per request** under the same gunicorn run: user + system CPU of the gunicorn workers
  (and, on PostgreSQL, of the server's backends for that database), read from ``/proc`` around
  each wrk run, divided by the requests wrk completed; lowest of the runs per path;
* **in process**: the Flask WSGI app called directly in this process (no HTTP server, no sockets),
  ``time.process_time()`` per request, for ``/v1/ping`` and lookups of distinct codes (each code once,
  so the response cache cannot answer), in interleaved batches, lowest batch per path. It is what
  the app itself costs, without the server's per-connection work and without the database
  server's CPU.

A first ``machine:`` line measures what a round trip to another process costs the caller here
(a socket pair to a forked echo process, across CPUs and pinned to one): every PostgreSQL lookup
pays one such trip to its backend, ping none, so the PostgreSQL ratio is bounded by it.

``--verify-codes N [--backends sqlite,postgresql]`` (issue 15 item 5) measures public verification with
the audit's public facts: a registry of N codes shaped as ``bench_registry.py`` writes them (a lot per
20 codes), ``GET /v1/verify?q=<Digital Link>`` drawing a distinct lot per request with the response
cache off, first on the bare registry, then after adding the audit data (an authorisation for 9 of
10 lots' PUC-PHC pairs, so the rest verify ``inconsistent``, and a stored open over-yield finding on
1 PUC in 100, so those answers carry the notice), each against ``/v1/ping`` of the same server,
measured interleaved.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import random
import re
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

_LUA = """
local codes = {}
for line in io.lines(os.getenv("TRACE_STD_BENCH_CODES")) do codes[#codes + 1] = line end
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  return wrk.format("GET", "/v1/codes/" .. codes[math.random(#codes)])
end
"""


def _bench_api() -> object:
    spec = importlib.util.spec_from_file_location("bench_api", HERE / "bench_api.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def wrk_out(
    url: str, connections: int, seconds: int, script: Path | None = None, codes_file: Path | None = None
) -> str:
    """wrk's report (``script`` draws the requests, reading ``codes_file``); non-2xx answers raise."""
    env = {**os.environ, "TRACE_STD_BENCH_CODES": str(codes_file)} if codes_file else None
    lua = ["-s", str(script)] if script else []
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", *lua, url],
        capture_output=True, text=True, check=True, timeout=seconds + 60, env=env,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers:\n{out}")
    return out


def rate_p99(out: str) -> tuple[float, float]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk_random(
    base: str, script: Path, codes_file: Path, connections: int, seconds: int
) -> tuple[float, float]:
    return rate_p99(wrk_out(base, connections, seconds, script, codes_file))


_LUA_VERIFY = """
local qs = {}
for line in io.lines(os.getenv("TRACE_STD_BENCH_CODES")) do qs[#qs + 1] = line end
math.randomseed(os.time() + math.floor(os.clock() * 1000000))
request = function()
  return wrk.format("GET", "/v1/verify?q=" .. qs[math.random(#qs)])
end
"""


def codes_of(url: str, limit: int = 1_000_000) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import text

    from trace_std.registry import Registry

    with Registry(url) as reg, reg.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT code FROM codes LIMIT :n"), {"n": limit})]


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_s(stat: Path) -> float:
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def server_cpu(pgid: int, database: str | None) -> dict[int, float]:
    """CPU seconds so far of each gunicorn process of ``pgid`` and, with ``database``, of each
    PostgreSQL backend connected to it (its process title names the database)."""
    out: dict[int, float] = {}
    marker = f" {database} ".encode() if database else None
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:
                out[int(stat.parent.name)] = _cpu_s(stat)
            elif marker is not None:
                title = (stat.parent / "cmdline").read_bytes()
                if title.startswith(b"postgres: ") and marker in title:
                    out[int(stat.parent.name)] = _cpu_s(stat)
        except (OSError, IndexError, ValueError):
            continue
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


def requests_done(out: str) -> int:
    return int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]


def inprocess_cpu_us(
    url: str, codes: Sequence[str], batch: int = 1000, rounds: int = 3
) -> tuple[float, float]:
    """``(ping, lookup)`` CPU microseconds per request of the Flask app called in this process
    (interleaved batches, lowest batch each; every lookup asks for a code not asked before)."""
    import time

    sys.path.insert(0, str(ROOT))
    from werkzeug.test import EnvironBuilder

    from api import create_app

    settings = {"DATABASE_URL": url, "RATELIMIT_PUBLIC": "10000000 per minute", "ALLOWED_HOSTS": "127.0.0.1"}
    app = create_app(settings)  # as Server runs it: rate limits and the response cache on

    def environ(path: str) -> dict[str, object]:
        return dict(EnvironBuilder(path=path, base_url="http://127.0.0.1").get_environ())

    def call(env: dict[str, object]) -> None:
        status: list[str] = []
        body = app.wsgi_app(dict(env), lambda s, h, e=None: status.append(s))
        b"".join(body)
        if not status[0].startswith("200"):
            raise RuntimeError(f"{env['PATH_INFO']}: {status[0]}")

    ping = environ("/v1/ping")
    fresh = iter([environ(f"/v1/codes/{code}") for code in codes[: batch * (rounds + 1)]])
    for _ in range(batch // 4):  # import every code path, open the pool
        call(ping)
        call(next(fresh))
    best = {"ping": float("inf"), "codes": float("inf")}
    for _ in range(rounds):
        for name in best:
            envs = [ping] * batch if name == "ping" else [next(fresh) for _ in range(batch)]
            started = time.process_time()
            for env in envs:
                call(env)
            best[name] = min(best[name], (time.process_time() - started) / batch * 1e6)
    return best["ping"], best["codes"]


def peak_rss_mb(pgid: int) -> float:
    """The largest peak RSS (``VmHWM``) of the processes of a process group (the gunicorn workers)."""
    peak = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) != pgid:
                continue
            status = (stat.parent / "status").read_text()
        except (OSError, IndexError, ValueError):
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                peak = max(peak, int(line.split()[1]))
    return peak / 1024


def bench(url: str, api: object, workdir: Path) -> bool:
    codes = codes_of(url)
    random.Random(16).shuffle(codes)
    codes_file = workdir / "codes.txt"
    codes_file.write_text("\n".join(codes) + "\n", "utf-8")
    script = workdir / "random.lua"
    script.write_text(_LUA, "utf-8")
    backend = url.split(":", 1)[0].split("+")[0]
    database = url.rsplit("/", 1)[1].split("?")[0] if backend == "postgresql" else None
    server = api.Server(url)  # type: ignore[attr-defined]
    best: dict[str, tuple[float, float]] = {}
    cpu: dict[str, float] = {}
    try:
        base = server.url
        api.wrk(f"{base}/v1/ping")  # type: ignore[attr-defined]  # warm up
        for _ in range(api.REPEATS):  # type: ignore[attr-defined]
            for name in ("ping", "codes"):
                before = server_cpu(server.proc.pid, database)  # type: ignore[attr-defined]
                if name == "ping":
                    out = wrk_out(f"{base}/v1/ping", api.CONNECTIONS, api.DURATION_S)  # type: ignore[attr-defined]
                else:
                    out = wrk_out(base, api.CONNECTIONS, api.DURATION_S, script, codes_file)  # type: ignore[attr-defined]
                used = cpu_delta(before, server_cpu(server.proc.pid, database))  # type: ignore[attr-defined]
                r = rate_p99(out)
                if name not in best or r[0] > best[name][0]:
                    best[name] = r
                cpu[name] = min(cpu.get(name, float("inf")), used / requests_done(out) * 1e6)
        rss = peak_rss_mb(server.proc.pid)  # type: ignore[attr-defined]
    finally:
        server.stop()
    (rps, p99), (ping, ping_p99) = best["codes"], best["ping"]
    ratio = rps / ping
    ok = ratio >= api.RATIO_TARGET and p99 <= api.P99_TARGET_MS  # type: ignore[attr-defined]
    load = os.getloadavg()[0]
    print(f"api codes, distinct codes [{backend}, {len(codes):,} codes]: ours {rps:.0f}/s p99 {p99:.2f} ms, "
          f"baseline /v1/ping {ping:.0f}/s p99 {ping_p99:.2f} ms, ratio {ratio:.2f}x "
          f"(target ≥ {api.RATIO_TARGET}x, p99 ≤ {api.P99_TARGET_MS} ms) {'OK' if ok else 'MISS'}; "
          f"peak RSS of a worker {rss:.0f} MB; load average {load:.1f}",  # type: ignore[attr-defined]
          flush=True)  # fmt: skip
    where = "workers + PostgreSQL backends" if database else "workers"
    print(f"api codes CPU [{backend}, {len(codes):,} codes]: server CPU per request ({where}) "
          f"lookup {cpu['codes']:.0f} us, /v1/ping {cpu['ping']:.0f} us, "
          f"ratio {cpu['ping'] / cpu['codes']:.2f}x "
          f"(information)", flush=True)  # fmt: skip
    ping_us, codes_us = inprocess_cpu_us(url, codes)
    print(f"api codes CPU [{backend}, {len(codes):,} codes]: in process (the Flask app, no server) "
          f"lookup {codes_us:.0f} us, /v1/ping {ping_us:.0f} us, ratio {ping_us / codes_us:.2f}x "
          f"(information)", flush=True)  # fmt: skip
    return ok


def _verify_registry(url: str, n: int, workdir: Path) -> list[str]:
    """Load N generated codes into ``url``; returns the quoted Digital Links of every lot."""
    from urllib.parse import quote

    sys.path.insert(0, str(ROOT))
    spec = importlib.util.spec_from_file_location("bench_registry", HERE / "bench_registry.py")
    assert spec is not None and spec.loader is not None
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    from trace_std.registry import Registry

    path = workdir / f"codes-{n}.csv"
    if not path.exists():
        gen.generate(path, n)
    with Registry(url) as reg:
        reg.init()
        assert reg.import_file(path, actor="bench").ok
        with reg.connect() as conn:
            from sqlalchemy import text

            lots = conn.execute(text("SELECT gtin, lot FROM lots ORDER BY gtin, lot")).all()
    return [quote(f"https://id.gs1.org/01/{g}/10/{lot}", safe="") for g, lot in lots]


def _add_audit_data(url: str) -> tuple[int, int]:
    """Authorisations for 9 lots' PUC-PHC pairs in 10, an open over-yield finding on 1 PUC in 100."""
    import json

    from sqlalchemy import text

    from trace_std.audit.authorisations import import_authorisations
    from trace_std.audit.public import store_findings
    from trace_std.audit.rules import Finding
    from trace_std.registry import Registry

    with Registry(url) as reg:
        with reg.connect() as conn:
            pairs = conn.execute(
                text(
                    "SELECT DISTINCT p.code, h.code FROM lots l JOIN codes p ON p.id = l.puc_id"
                    " JOIN codes h ON h.id = l.phc_id ORDER BY p.code, h.code"
                )
            ).all()
        letters = [
            {"ref": f"BENCH-{i}", "puc": puc, "phc": phc, "valid_from": "2000-01-01"}
            for i, (puc, phc) in enumerate(pairs)
            if i % 10
        ]
        assert import_authorisations(reg, json.dumps(letters).encode(), actor="bench").ok
        pucs = sorted({puc for puc, _phc in pairs})[::100]
        findings = [
            Finding("over_yield", "audit.over_yield", "warning", {"puc": puc, "crop": "longan"}, "2025",
                    "volume above capacity", {"declared_t": 999.0})
            for puc in pucs
        ]  # fmt: skip
        store_findings(reg, findings, rules_=["over_yield"], actor="bench")
    return len(letters), len(pucs)


def bench_verify(url: str, n: int, api: object, workdir: Path) -> bool:
    """Public verification of distinct lots, without then with the audit data (module docstring)."""
    links = _verify_registry(url, n, workdir)
    random.Random(15).shuffle(links)
    links_file = workdir / "links.txt"
    links_file.write_text("\n".join(links) + "\n", "utf-8")
    script = workdir / "verify.lua"
    script.write_text(_LUA_VERIFY, "utf-8")
    backend = url.split(":", 1)[0].split("+")[0]
    results: dict[str, dict[str, tuple[float, float]]] = {}
    facts = (0, 0)
    for phase in ("bare", "audit"):
        if phase == "audit":
            facts = _add_audit_data(url)
        server = api.Server(url, cache_ttl=0)  # type: ignore[attr-defined]
        best: dict[str, tuple[float, float]] = {}
        try:
            base = server.url
            api.wrk(f"{base}/v1/ping")  # type: ignore[attr-defined]  # warm up
            wrk_random(base, script, links_file, 4, 1)
            for _ in range(api.REPEATS):  # type: ignore[attr-defined]
                for name in ("ping", "verify"):
                    if name == "ping":
                        r = api.wrk(f"{base}/v1/ping")  # type: ignore[attr-defined]
                    else:
                        r = wrk_random(base, script, links_file, api.CONNECTIONS, api.DURATION_S)  # type: ignore[attr-defined]
                    if name not in best or r[0] > best[name][0]:
                        best[name] = r
        finally:
            server.stop()
        results[phase] = best
    ok = True
    for phase, label in (("bare", "without audit data, info"), ("audit", "with the audit facts")):
        (rps, p99), (ping, ping_p99) = results[phase]["verify"], results[phase]["ping"]
        ratio = rps / ping
        good = ratio >= api.RATIO_TARGET and p99 <= api.P99_TARGET_MS  # type: ignore[attr-defined]
        if phase == "audit":
            ok &= good
        print(f"api verify, distinct lots [{backend}, {n:,} codes, {len(links):,} lots, {label}]: "
              f"ours {rps:.0f}/s p99 {p99:.2f} ms, baseline /v1/ping {ping:.0f}/s p99 {ping_p99:.2f} ms, "
              f"ratio {ratio:.2f}x "
              f"(target ≥ {api.RATIO_TARGET}x, p99 ≤ {api.P99_TARGET_MS} ms) {'OK' if good else 'MISS'}",  # type: ignore[attr-defined]
              flush=True)  # fmt: skip
    bare, audit = results["bare"]["verify"][0], results["audit"]["verify"][0]
    print(f"api verify [{backend}]: audit data ({facts[0]:,} authorisations, {facts[1]:,} PUCs with an open "
          f"finding) costs {100 * (1 - audit / bare):.0f}% of throughput ({bare:.0f}/s → {audit:.0f}/s)",
          flush=True)  # fmt: skip
    return ok


def _verify_main(n: int, backends: Sequence[str], api: object) -> bool:
    import secrets

    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            if backend == "sqlite":
                ok &= bench_verify(f"sqlite:///{Path(tmp) / 'verify.sqlite3'}", n, api, Path(tmp))
                continue
            import psycopg

            name = f"audit_public_bench_{secrets.token_hex(4)}"
            admin = "host=127.0.0.1 port=5432 user=postgres dbname=test"
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            try:
                ok &= bench_verify(f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}", n, api, Path(tmp))
            finally:
                with psycopg.connect(admin, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return ok


def round_trip_cpu_us(n: int = 20_000, same_cpu: bool = False) -> tuple[float, float]:
    """``(CPU, wall)`` microseconds of one 32-byte round trip over a socket pair to a forked echo
    process, as the caller sees them: what any database round trip costs on this machine before the
    database does anything. ``same_cpu`` pins both processes to one CPU (no cross-CPU wake-ups)."""
    import socket
    import time

    mine, theirs = socket.socketpair()
    saved = os.sched_getaffinity(0)
    if same_cpu:
        os.sched_setaffinity(0, {min(saved)})
    try:
        pid = os.fork()
        if pid == 0:  # the echo process: never returns into the caller's code, even on an error
            status = 1
            try:
                mine.close()
                for _ in range(n):
                    theirs.sendall(theirs.recv(64))
                status = 0
            finally:
                os._exit(status)
        theirs.close()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(n):
            mine.sendall(b"x" * 32)
            mine.recv(64)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        os.waitpid(pid, 0)
    finally:
        mine.close()
        os.sched_setaffinity(0, saved)
    return cpu / n * 1e6, wall / n * 1e6


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database", action="append", default=[], help="a loaded registry (repeatable)")
    ap.add_argument("--verify-codes", type=int, metavar="N", help="public verification with the audit facts")
    ap.add_argument("--backends", default="sqlite,postgresql", help="for --verify-codes")
    args = ap.parse_args(argv)
    if args.verify_codes:
        ok = _verify_main(args.verify_codes, [b for b in args.backends.split(",") if b], _bench_api())
        return 0 if ok else 1
    if not args.database:
        print("bench_lookups: no --database given; nothing measured (see the module docstring)")
        return 0
    api = _bench_api()
    cross, cross_wall = round_trip_cpu_us()
    same, same_wall = round_trip_cpu_us(same_cpu=True)
    print(f"machine: a socket round trip to another process costs the caller {cross:.1f} us CPU "
          f"({cross_wall:.1f} us wall); both on one CPU {same:.1f} us CPU ({same_wall:.1f} us wall) "
          f"(information: every PostgreSQL lookup pays one, ping none)", flush=True)  # fmt: skip
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for url in args.database:
            ok &= bench(url, api, Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
