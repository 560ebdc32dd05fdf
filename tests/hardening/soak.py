"""Mixed-workload load and soak run against a real gunicorn server (2 workers) on loopback.

    python -m tests.hardening.soak --seconds 600 --connections 16 64   # the documented 10-minute soak
    python -m tests.hardening.soak --seconds 30 --connections 16       # the CI version (x2 levels)

The workload rotates over lookup (`GET /v1/codes/...`), verification of a Digital Link
(`GET /v1/verify?q=...`), the resolver (`GET /01/.../10/...`, JSON and 307 redirect) and label-file
validation (`POST /v1/labels/validate`, a small CSV). wrk drives it (Debian package `wrk`) with a Lua
script; RSS of the gunicorn master + workers is sampled once a second. A run passes when there are
no socket errors and no non-2xx/3xx answers, and the RSS shows no growth trend (the slope of a
least-squares line over the second half of the run, in KiB/min, stays under a bound; runs shorter
than five minutes are held to a bound on total growth instead).

Prints one JSON object per connection level (requests, rps, p50/p99 ms, errors, rss start/end/slope).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from tests.hardening.server import Server, run_server

CODE = "VN-SLOR-0001"
GTIN, LOT = "08936000120016", "SL250812A"
CSV = (
    "gtin,lot,product_name,crop,harvest_date,pack_date,best_before,net_weight_kg,puc,phc,exporter,"
    "destination_market,serial,sscc\n"
    f"{GTIN},{LOT},Nhãn tươi,longan,2025-08-11,2025-08-12,,10,{CODE},VN-SLPH-001,Tây Bắc,CN,,\n"
)
RSS_SLOPE_LIMIT_KIB_PER_MIN = 2048  # 2 MiB/min over the second half of the run


def _lua_quote(text: str) -> str:
    """A Lua string literal of ``text``'s UTF-8 bytes (decimal escapes for everything unsafe)."""
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        out.append(ch if 32 <= byte < 127 and ch not in '"\\' else f"\\{byte:03d}")
    return '"' + "".join(out) + '"'


def _lua(path: Path) -> None:
    boundary = "trace-std-soak"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="labels.csv"\r\n'
        f"Content-Type: text/csv\r\n\r\n{CSV}\r\n--{boundary}--\r\n"
    )
    dl = f"https://id.gs1.org/01/{GTIN}/10/{LOT}"
    script = f"""
local reqs = {{}}
init = function(args)
  reqs[1] = wrk.format("GET", "/v1/codes/{CODE}")
  reqs[2] = wrk.format("GET", "/v1/verify?q={dl.replace(":", "%3A").replace("/", "%2F")}")
  reqs[3] = wrk.format("GET", "/01/{GTIN}/10/{LOT}", {{["Accept"] = "application/json"}})
  reqs[4] = wrk.format("GET", "/01/{GTIN}/10/{LOT}?linkType=gs1:traceability")
  reqs[5] = wrk.format("POST", "/v1/labels/validate",
    {{["Content-Type"] = "multipart/form-data; boundary={boundary}"}}, {_lua_quote(body)})
end
local i = 0
request = function()
  i = i + 1
  return reqs[(i % #reqs) + 1]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d %d %f %f %f\\n", summary.requests, summary.duration,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
"""
    path.write_text(script)


def _slope(samples: list[tuple[float, int]]) -> float:
    """KiB per minute, least squares over the second half of the samples."""
    half = samples[len(samples) // 2 :]
    if len(half) < 3:
        return 0.0
    xs = [t for t, _ in half]
    ys = [float(r) for _, r in half]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    den = sum((x - mx) ** 2 for x in xs) or 1.0
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den * 60.0


def run_level(server: Server, connections: int, seconds: int, lua: Path) -> dict[str, Any]:
    samples: list[tuple[float, int]] = []
    stop = threading.Event()
    t0 = time.monotonic()

    def sample() -> None:
        while not stop.is_set():
            samples.append((time.monotonic() - t0, server.rss_kib()))
            stop.wait(1.0)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    threads = min(connections, 4)
    proc = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "5s",
            "-s",
            str(lua),
            f"http://127.0.0.1:{server.port}",
        ],
        capture_output=True,
        text=True,
        timeout=seconds + 120,
    )
    stop.set()
    sampler.join()
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed: {proc.stdout}\n{proc.stderr}")
    f = line.split()[1:]
    requests, duration_us = int(f[0]), int(f[1])
    errors = {
        "connect": int(f[2]),
        "read": int(f[3]),
        "write": int(f[4]),
        "status": int(f[5]),
        "timeout": int(f[6]),
    }
    return {
        "connections": connections,
        "seconds": seconds,
        "requests": requests,
        "rps": round(requests / (duration_us / 1e6), 1),
        "p50_ms": round(float(f[7]), 2),
        "p99_ms": round(float(f[8]), 2),
        "max_ms": round(float(f[9]), 2),
        "errors": errors,
        "rss_kib_start": samples[0][1] if samples else None,
        "rss_kib_end": samples[-1][1] if samples else None,
        "rss_slope_kib_per_min": round(_slope(samples), 1),
    }


def soak(
    seconds: int, levels: list[int], workdir: Path, env: dict[str, str] | None = None
) -> list[dict[str, Any]]:
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    lua = workdir / "mixed.lua"
    _lua(lua)
    results = []
    server_env = {"TRACE_STD_RATELIMIT_ENABLED": "false", **(env or {})}
    with run_server(workdir, env=server_env) as server:
        # warm up both workers (data tables, registry connections) before measuring
        run_level(server, 4, 3, lua)
        for connections in levels:
            results.append(run_level(server, connections, seconds, lua))
    return results


#: Short runs (CI) cannot show a trend through the noise of caches filling up, so they are held to a
#: bound on total growth instead; runs of five minutes or more are held to the slope.
SHORT_RUN_GROWTH_LIMIT_KIB = 64 * 1024


def passed(result: dict[str, Any]) -> bool:
    if sum(result["errors"].values()) != 0 or result["requests"] <= 0:
        return False
    if result["seconds"] >= 300:
        return bool(result["rss_slope_kib_per_min"] < RSS_SLOPE_LIMIT_KIB_PER_MIN)
    growth = (result["rss_kib_end"] or 0) - (result["rss_kib_start"] or 0)
    return growth < SHORT_RUN_GROWTH_LIMIT_KIB


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=int, default=600)
    ap.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    ap.add_argument("--database-url", help="registry (default: a temporary SQLite file)")
    args = ap.parse_args()
    env = {"TRACE_STD_DATABASE_URL": args.database_url} if args.database_url else None
    with tempfile.TemporaryDirectory() as tmp:
        results = soak(args.seconds, args.connections, Path(tmp), env)
    ok = True
    for r in results:
        r["passed"] = passed(r)
        ok &= r["passed"]
        print(json.dumps(r))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
