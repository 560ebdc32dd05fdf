"""HTTP throughput and latency of the API under gunicorn, against a trivial endpoint of the same app.

Run: ``python benchmarks/bench_api.py`` (needs ``wrk``; PostgreSQL at 127.0.0.1:5432 for the
PostgreSQL half, skipped with a note when it is down).

For each backend (SQLite file; PostgreSQL in a throwaway database) the synthetic sample registry is
loaded and ``gunicorn -c python:api.server 'api:create_app()'`` runs with 2 workers on loopback, with
the settings and server hooks of ``trace-std serve --workers 2`` (sync workers, as deployed behind a
buffering reverse proxy; each worker freezes the loaded app out of garbage collection) and rate
limits on (with a limit high enough not to trip). ``wrk`` drives 16 connections at, in turn and repeated
(interleaved, best run kept):

* baseline ``GET /v1/ping`` (trivial JSON, same app, same middleware);
* ``GET /v1/codes/{code}``;
* ``GET /v1/verify?q=<Digital Link>``.

Targets: each lookup reaches ≥ 60% of the baseline's requests/s, and p99 ≤ 15 ms. The service's
per-process response cache (``RESPONSE_CACHE_TTL``, 5 s) is on, as deployed; one extra informational
line per backend shows the lookup with the cache off, and one the gthread workers of
``serve --threads 8`` (not targets).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
RATIO_TARGET = 0.6
P99_TARGET_MS = 15.0
CONNECTIONS = 16
DURATION_S = 3
REPEATS = 3
PG = ("127.0.0.1", 5432)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def bare_app(environ: dict[str, object], start_response: Any) -> list[bytes]:
    """A bare WSGI app (no Flask): calibrates what this machine gives any app under gunicorn."""
    body = b'{"status":"ok"}'
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def bare_flask_app() -> Any:
    """A trivial Flask app (one JSON route, no extensions): what Flask itself costs under gunicorn."""
    from flask import Flask

    app = Flask("bare_flask")

    @app.get("/")
    def ping() -> dict[str, str]:
        return {"status": "ok"}

    return app


class Server:
    """``gunicorn 'api:create_app()' -w 2`` on loopback, as a process group we stop ourselves."""

    def __init__(
        self, database_url: str, *, cache_ttl: float = 5, app: str = "api:create_app()", threads: int = 1
    ) -> None:
        from trace_std.cli.serve import gunicorn_settings

        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRACE_STD_")}
        env.update(
            TRACE_STD_DATABASE_URL=database_url,
            TRACE_STD_RATELIMIT_PUBLIC="10000000 per minute",
            TRACE_STD_RESPONSE_CACHE_TTL=str(cache_ttl),
            TRACE_STD_ALLOWED_HOSTS="127.0.0.1",  # required under gunicorn
        )
        settings = gunicorn_settings(f"127.0.0.1:{self.port}", 2, threads)
        # -c python:api.server: the server hooks of serve --workers (settings["post_worker_init"])
        hooks = ["-c", "python:api.server"] if app.startswith("api:") else []
        cmd = [sys.executable, "-m", "gunicorn", *hooks, app, "-w", str(settings["workers"]),
               "-k", settings["worker_class"], "--threads", str(settings["threads"]),
               "--keep-alive", str(settings["keepalive"]), "-b", settings["bind"],
               "--log-level", "warning"]  # fmt: skip
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 30
        ready = "/readyz" if app.startswith("api:") else "/"
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}{ready}", timeout=2):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not become ready")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str) -> tuple[float, float]:
    """``(requests/s, p99 ms)`` of ``url`` at CONNECTIONS connections for DURATION_S seconds."""
    out = subprocess.run(
        ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{DURATION_S}s", "--latency", url],
        capture_output=True, text=True, check=True, timeout=DURATION_S + 30,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers from {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rps, float(value) * _UNITS[unit]


def measure(base: str, paths: dict[str, str]) -> dict[str, tuple[float, float]]:
    """Interleaved runs (each path in turn, REPEATS times); best requests/s and its p99 kept."""
    best: dict[str, tuple[float, float]] = {}
    for path in paths.values():  # every worker imports its code paths and opens its pool first
        with urllib.request.urlopen(f"{base}{path}", timeout=30) as r:
            assert r.status == 200, path
        subprocess.run(
            ["wrk", "-t1", "-c4", "-d1s", f"{base}{path}"], capture_output=True, check=True, timeout=30
        )
    for _ in range(REPEATS):
        for name, path in paths.items():
            rps, p99 = wrk(f"{base}{path}")
            if name not in best or rps > best[name][0]:
                best[name] = (rps, p99)
    return best


def _sample_facts(url: str) -> tuple[str, str]:
    from trace_std.registry import Registry

    with Registry(url) as registry:
        registry.ensure_sample()
        code = registry.search(kind="puc", status="active", market="CN", per_page=1).items[0].code
        phc = registry.search(kind="phc", status="active", per_page=1).items[0].code
        lot = registry.lots_for_code(phc, limit=1)[0]
    return code, f"https://id.gs1.org/01/{lot.gtin}/10/{lot.lot}"


def bench_backend(label: str, url: str) -> bool:
    code, dl = _sample_facts(url)
    paths = {"ping": "/v1/ping", "codes": f"/v1/codes/{code}", "verify": f"/v1/verify?q={quote(dl, safe='')}"}
    server = Server(url)
    try:
        results = measure(server.url, paths)
    finally:
        server.stop()
    base_rps = results["ping"][0]
    ok = True
    for name in ("codes", "verify"):
        rps, p99 = results[name]
        ratio = rps / base_rps
        good = ratio >= RATIO_TARGET
        ok &= good
        print(f"api {name} [{label}]: ours {rps:.0f}/s, baseline {base_rps:.0f}/s, ratio {ratio:.2f}x "
              f"(target {RATIO_TARGET}) {'OK' if good else 'MISS'}")  # fmt: skip
    for name in ("ping", "codes", "verify"):
        p99 = results[name][1]
        good = p99 <= P99_TARGET_MS
        ok &= good
        print(f"api {name} [{label}] p99: {p99:.2f} ms at {CONNECTIONS} connections "
              f"(target {P99_TARGET_MS} ms) {'OK' if good else 'MISS'}")  # fmt: skip
    cold = Server(url, cache_ttl=0)
    try:
        c = measure(cold.url, {"ping": paths["ping"], "codes": paths["codes"]})
    finally:
        cold.stop()
    (rps, p99), cold_base = c["codes"], c["ping"][0]
    print(f"api codes [{label}, response cache off, info]: {rps:.0f}/s, p99 {p99:.2f} ms, "
          f"ratio {rps / cold_base:.2f}x of /v1/ping ({cold_base:.0f}/s) in the same run")  # fmt: skip
    threaded = Server(url, threads=8)
    try:
        t = measure(threaded.url, {"ping": paths["ping"], "codes": paths["codes"]})
    finally:
        threaded.stop()
    print(f"api [{label}, serve --threads 8 (gthread), info]: ping {t['ping'][0]:.0f}/s p99 "
          f"{t['ping'][1]:.2f} ms; codes {t['codes'][0]:.0f}/s p99 {t['codes'][1]:.2f} ms")  # fmt: skip
    return ok


def main() -> int:
    if shutil.which("wrk") is None:
        print("bench_api: wrk is not installed (apt-get install wrk)")
        return 2
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for label, app in (("bare WSGI app", "bare_app"), ("trivial Flask app", "bare_flask_app()")):
            server = Server("sqlite://", app=f"benchmarks.bench_api:{app}")
            try:
                rps, p99 = measure(server.url, {label: "/"})[label]
            finally:
                server.stop()
            print(f"calibration [{label}, same gunicorn settings, info]: {rps:.0f}/s, p99 {p99:.2f} ms")
        ok &= bench_backend("sqlite", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
    if _port_open(*PG):
        import psycopg

        name = f"trace_std_bench_{secrets.token_hex(4)}"
        admin = f"host={PG[0]} port={PG[1]} user=postgres dbname=test"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            ok &= bench_backend("postgresql", f"postgresql+psycopg://postgres@{PG[0]}:{PG[1]}/{name}")
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        print("api [postgresql]: PostgreSQL is not running at 127.0.0.1:5432 — not measured")
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
