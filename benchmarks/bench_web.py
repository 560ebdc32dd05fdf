"""Benchmarks of the consumer website (issue 6). Prints one JSON document.

* ``render``: server-side time of the result page (``GET /verify?q=<genuine PUC>`` and the
  Digital Link HTML answer), median over N requests through the Flask test client (in process,
  no network): with the registry queried on every request ("cold") and with the default
  per-process report cache (``RESPONSE_CACHE_TTL``); and the median latency of the same page over
  loopback HTTP from gunicorn (1 worker, default configuration, one connection per request;
  includes the HTTP round trip). Target: median <= 30 ms.
* ``decode``: ``trace_std.render.decode.decode_image`` on a 12-megapixel JPEG photo of a rendered
  QR label (rotated, blurred), median; and the whole ``POST /scan`` (decode + verify + render).
  Target: <= 300 ms.
* ``weight``: bytes of the result page and every asset it loads (HTML + CSS + JS + icons),
  uncompressed and gzip-compressed. Target: <= 100 KB transferred.

Run: ``python3 benchmarks/bench_web.py [--quick] [--json]`` (or ``python3 benchmarks/run.py web``).
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import io
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _photos() -> Any:
    spec = importlib.util.spec_from_file_location("web_photos", ROOT / "tests" / "web" / "photos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _median_ms(fn: Any, n: int, warmup: int = 3) -> dict[str, float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {
        "median_ms": round(statistics.median(times), 2),
        "p90_ms": round(times[int(0.9 * (n - 1))], 2),
        "n": n,
    }


def _sample(app: Any) -> dict[str, str]:
    with app.app_context():
        from api import store

        reg = store.registry()
        for rec in reg.search(status="active", kind="puc", per_page=100).items:
            for lot in reg.lots_for_code(rec.code):
                return {"puc": rec.code, "gtin": lot.gtin, "lot": lot.lot}
    raise SystemExit("no active PUC with a lot in the sample")


def bench_render(app: Any, cold_app: Any, sample: dict[str, str], n: int) -> dict[str, Any]:
    """``cold_app`` has the per-process report cache off (every request verifies against SQLite)."""
    q = f"/verify?q={sample['puc']}"
    dl = f"/01/{sample['gtin']}/10/{sample['lot']}"
    vi = {"Accept-Language": "vi"}
    html_accept = {"Accept": "text/html", "Accept-Language": "vi"}
    warm, cold = app.test_client(), cold_app.test_client()
    assert warm.get(q).status_code == 200 and cold.get(q).status_code == 200
    assert cold.get(dl, headers=html_accept).mimetype == "text/html"
    with cold_app.app_context():
        from api import store
        from trace_std.registry.verify import verify

        reg = store.registry()
        report = verify(reg, f"https://id.example.vn{dl}")
        verify_puc = _median_ms(lambda: verify(reg, sample["puc"]), n)
        verify_dl = _median_ms(lambda: verify(reg, f"https://id.example.vn{dl}"), n)
    with cold_app.test_request_context("/verify", headers=vi):
        from api.web import render_report

        render_only = _median_ms(lambda: render_report(report), n)
    return {
        "web_render_only_full_label_report": render_only,
        "registry_verify_only_puc": verify_puc,
        "registry_verify_only_digital_link": verify_dl,
        "result_page_test_client_cold": _median_ms(lambda: cold.get(q, headers=vi), n),
        "result_page_test_client_cached_report": _median_ms(lambda: warm.get(q, headers=vi), n),
        "digital_link_page_test_client": _median_ms(lambda: cold.get(dl, headers=html_accept), n),
        "home_page_test_client": _median_ms(lambda: warm.get("/"), n),
    }


def bench_gunicorn(db_url: str, sample: dict[str, str], n: int) -> dict[str, Any]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(
        os.environ,
        TRACE_STD_DATABASE_URL=db_url,
        TRACE_STD_RATELIMIT_ENABLED="false",
        TRACE_STD_ENSURE_SAMPLE="true",
        TRACE_STD_ALLOWED_HOSTS="127.0.0.1",  # required under gunicorn
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "1",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "api:create_app()",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        url = f"{base}/verify?q={sample['puc']}"

        def fetch() -> None:
            req = urllib.request.Request(url, headers={"Accept-Language": "vi"})
            with urllib.request.urlopen(req, timeout=5) as r:
                r.read()

        return {"result_page_gunicorn_1_worker": _median_ms(fetch, n)}
    finally:
        proc.terminate()
        proc.wait(10)


def bench_decode(app: Any, sample: dict[str, str], n: int) -> dict[str, Any]:
    from trace_std.render.decode import decode_image

    photos = _photos()
    dl = f"https://id.example.vn/01/{sample['gtin']}/10/{sample['lot']}"
    symbol = photos.label_symbol("qr", digital_link=dl, elements=[])
    data = photos.photo_of(symbol, size=(4000, 3000), angle=4.0, blur=2.0, fill=0.22, quality=90)
    max_bytes, max_pixels = 15 * 1024 * 1024, 50_000_000
    found = decode_image(data, max_pixels=max_pixels, max_bytes=max_bytes)
    assert found, "the 12 MP photo did not decode"
    client = app.test_client()

    def post() -> None:
        r = client.post(
            "/scan", data={"photo": (io.BytesIO(data), "photo.jpg")}, content_type="multipart/form-data"
        )
        assert r.status_code == 200, r.status_code

    return {
        "photo": {"width": 4000, "height": 3000, "bytes": len(data)},
        "decode_image_12mp": _median_ms(
            lambda: decode_image(data, max_pixels=max_pixels, max_bytes=max_bytes), n, warmup=1
        ),
        "scan_post_12mp": _median_ms(post, max(3, n // 2), warmup=1),
    }


def bench_weight(app: Any, sample: dict[str, str]) -> dict[str, Any]:
    client = app.test_client()
    html = client.get(f"/verify?q={sample['puc']}").get_data()
    assets = re.findall(rb'(?:href|src)="(/web-static/[^"]+)"', html)
    sizes = {"html": len(html)}
    gz = {"html": len(gzip.compress(html))}
    for url in assets:
        body = client.get(url.decode()).get_data()
        sizes[url.decode()] = len(body)
        gz[url.decode()] = len(gzip.compress(body))
    return {
        "files": sizes,
        "total_bytes": sum(sizes.values()),
        "total_gzip_bytes": sum(gz.values()),
        "limit_bytes": 100 * 1024,
    }


def _lines(out: dict[str, Any]) -> list[tuple[str, float, float, str]]:
    """(name, measured, target, unit) of every target of issue 6."""
    r, d, w = out["render"], out["decode"], out["weight"]
    rows = [
        (
            "web page rendering alone (Report -> HTML, PUC+PHC+product+lot), median",
            r["web_render_only_full_label_report"]["median_ms"],
            30.0,
            "ms",
        ),
        (
            "result page, median (test client, registry queried every time)",
            r["result_page_test_client_cold"]["median_ms"],
            30.0,
            "ms",
        ),
        (
            "result page, median (test client, report cached for RESPONSE_CACHE_TTL)",
            r["result_page_test_client_cached_report"]["median_ms"],
            30.0,
            "ms",
        ),
        (
            "Digital Link page render, median (test client)",
            r["digital_link_page_test_client"]["median_ms"],
            30.0,
            "ms",
        ),
    ]
    if "result_page_gunicorn_1_worker" in r:
        rows.append(
            (
                "result page, median over loopback HTTP (gunicorn, 1 worker)",
                r["result_page_gunicorn_1_worker"]["median_ms"],
                30.0,
                "ms",
            )
        )
    rows += [
        ("decode 12 MP photo, median", d["decode_image_12mp"]["median_ms"], 300.0, "ms"),
        ("result page weight (HTML+CSS+JS+icons, uncompressed)", w["total_bytes"] / 1024, 100.0, "KB"),
    ]
    return rows


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="bench_web.py")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--no-gunicorn", action="store_true")
    parser.add_argument("--json", action="store_true", help="also print every measurement as JSON")
    args = parser.parse_args(list(argv))
    n = 30 if args.quick else 200
    from api import create_app

    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/registry.sqlite3"
        app = create_app({"DATABASE_URL": db_url, "ENSURE_SAMPLE": True, "RATELIMIT_ENABLED": False})
        cold_app = create_app({"DATABASE_URL": db_url, "RATELIMIT_ENABLED": False, "RESPONSE_CACHE_TTL": 0})
        sample = _sample(app)
        out: dict[str, Any] = {"sample": sample}
        out["render"] = bench_render(app, cold_app, sample, n)
        if not args.no_gunicorn:
            out["render"].update(bench_gunicorn(db_url, sample, n))
        out["decode"] = bench_decode(app, sample, 5 if args.quick else 15)
        out["weight"] = bench_weight(app, sample)
    missed = 0
    for name, value, target, unit in _lines(out):
        ok = value <= target
        missed += not ok
        print(f"{name}: {value:.1f} {unit} (target <= {target:g} {unit}) {'OK' if ok else 'MISS'}")
    r = out["render"]
    print(
        f"registry verify alone, median: PUC {r['registry_verify_only_puc']['median_ms']:.1f} ms, "
        f"Digital Link {r['registry_verify_only_digital_link']['median_ms']:.1f} ms"
    )
    print(
        f"scan POST of the 12 MP photo (decode + verify + render), median: "
        f"{out['decode']['scan_post_12mp']['median_ms']:.1f} ms"
    )
    print(f"result page weight gzip-compressed: {out['weight']['total_gzip_bytes'] / 1024:.1f} KB")
    if args.json:
        print(json.dumps(out, indent=2))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
