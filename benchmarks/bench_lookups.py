"""``GET /v1/codes/{code}`` with distinct codes, at registry sizes, against ``/v1/ping`` (issue 16).

Run: ``python benchmarks/bench_lookups.py --database URL [--database URL ...]`` with registries already
loaded (for example by ``benchmarks/bench_registry.py --keep`` or ``trace-std registry import``), or
``--import FILE`` to load a file into a fresh SQLite registry first.

wrk walks codes picked at random from every code of the registry (a Lua script draws one per
request), so the response cache can almost never answer: this measures the database read path. The
baseline is ``/v1/ping`` of the same server, measured interleaved in the same run (as in
``bench_api.py``, whose server, wrk runner and targets this reuses). Targets: ≥ 0.6× ping and p99 ≤
15 ms, at every size, on both backends.
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


def wrk_random(
    base: str, script: Path, codes_file: Path, connections: int, seconds: int
) -> tuple[float, float]:
    env = {**os.environ, "TRACE_STD_BENCH_CODES": str(codes_file)}
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), base],
        capture_output=True, text=True, check=True, timeout=seconds + 60, env=env,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rps, float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def codes_of(url: str, limit: int = 1_000_000) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import text

    from trace_std.registry import Registry

    with Registry(url) as reg, reg.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT code FROM codes LIMIT :n"), {"n": limit})]


def bench(url: str, api: object, workdir: Path) -> bool:
    codes = codes_of(url)
    random.Random(16).shuffle(codes)
    codes_file = workdir / "codes.txt"
    codes_file.write_text("\n".join(codes) + "\n", "utf-8")
    script = workdir / "random.lua"
    script.write_text(_LUA, "utf-8")
    server = api.Server(url)  # type: ignore[attr-defined]
    best: dict[str, tuple[float, float]] = {}
    try:
        base = server.url
        api.wrk(f"{base}/v1/ping")  # type: ignore[attr-defined]  # warm up
        for _ in range(api.REPEATS):  # type: ignore[attr-defined]
            for name in ("ping", "codes"):
                if name == "ping":
                    r = api.wrk(f"{base}/v1/ping")  # type: ignore[attr-defined]
                else:
                    r = wrk_random(base, script, codes_file, api.CONNECTIONS, api.DURATION_S)  # type: ignore[attr-defined]
                if name not in best or r[0] > best[name][0]:
                    best[name] = r
    finally:
        server.stop()
    (rps, p99), (ping, ping_p99) = best["codes"], best["ping"]
    ratio = rps / ping
    ok = ratio >= api.RATIO_TARGET and p99 <= api.P99_TARGET_MS  # type: ignore[attr-defined]
    backend = url.split(":", 1)[0].split("+")[0]
    print(f"api codes, distinct codes [{backend}, {len(codes):,} codes]: ours {rps:.0f}/s p99 {p99:.2f} ms, "
          f"baseline /v1/ping {ping:.0f}/s p99 {ping_p99:.2f} ms, ratio {ratio:.2f}x "
          f"(target ≥ {api.RATIO_TARGET}x, p99 ≤ {api.P99_TARGET_MS} ms) {'OK' if ok else 'MISS'}",  # type: ignore[attr-defined]
          flush=True)  # fmt: skip
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--database", action="append", default=[], help="a loaded registry (repeatable)")
    args = ap.parse_args(argv)
    if not args.database:
        print("bench_lookups: no --database given; nothing measured (see the module docstring)")
        return 0
    api = _bench_api()
    ok = True
    with tempfile.TemporaryDirectory() as tmp:
        for url in args.database:
            ok &= bench(url, api, Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
