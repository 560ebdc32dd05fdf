"""Rendering: carton label sheets per second per engine, per-symbol SVG times, photo decoding.

Run: ``python benchmarks/bench_render.py [--profile] [--seconds S]``. Prints one line per target:

    <name>: ours <x>/s, baseline <y>/s, ratio <r>x (target <t>) OK|MISS

Rates are per CPU second of this single-threaded process pinned to one core
(``time.process_time``), so that other work on a shared machine does not count against us.

* ``sheet-zxing-<label>``: full carton sheets (``carton_sheet_svg``: label model -> elements ->
  Digital Link -> symbols -> SVG) with the zxing-cpp engine; baseline: the python engine.
  Target: >= 500 sheets/s. The sheet's QR carries the default ``qr_content="trace"`` Digital Link;
  an informational line gives the rates with ``qr_content="full"``.
* ``sheet-python-<label>``: the same with python-barcode + qrcode; baseline: the *stock*
  libraries drawing the same two symbols with their own SVG writers (python-barcode
  ``SVGWriter``, qrcode ``SvgPathImage``), no text, no layout. Target: >= 60 sheets/s.
  Labels: ``cn`` (CN market: GS1-128 x2 + QR of the full Digital Link, 150+ characters),
  ``us`` (US market: GS1-128 x2 + Voice Pick Code, no QR) and ``ru`` (EAEU: the Russian
  particulars in Cyrillic). Sheets embed their font subsets (``fonts="auto"``; cached by the
  characters they hold, as when printing a product's cartons); an informational line gives the
  rate with ``fonts="reference"``.
* ``gs1-128-svg-<engine>`` / ``qr-svg-<engine>``: one symbol as a standalone SVG with our
  geometry; baseline: python-barcode's / qrcode's stock SVG of the same data. Targets: zxing
  >= 10x the stock library; python engine >= 1x (ours adds GS1 geometry, must not be slower).
* ``decode-12mp``: ``decode_image`` on a synthetic 12-megapixel JPEG photo of a label (GS1-128 +
  QR); baseline: Pillow full-size decode + ``zxingcpp.read_barcodes`` with default options.
  Target: <= 300 ms per photo (>= 3.33 photos/s).

* ``fonts-<label>`` (informational): the first sheet of a product, which subsets the fonts, and
  1,000 sheets of it with 100 lots and 10 pack dates, embedded vs referenced fonts; peak RSS.

``--profile`` prints the top functions (cProfile, by own time) of a sheet for each engine.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples" / "labels"
LABELS = {
    "cn": "valid-carton-cn-dragon-fruit.json",
    "us": "valid-carton-us-mango.json",
    "ru": "valid-carton-ru-longan.json",
}
SECONDS = 1.5


def rate(func: Callable[[], object], seconds: float) -> float:
    """Calls per CPU second: best of three runs of about ``seconds / 3`` each."""
    func()  # warm-up: imports, caches
    best = 0.0
    for _ in range(3):
        n = 0
        start = time.process_time()
        deadline = start + seconds / 3
        while True:
            func()
            n += 1
            now = time.process_time()
            if now >= deadline:
                break
        best = max(best, n / (now - start))
    return best


def line(name: str, ours: float, baseline: float, target: str, ok: bool) -> bool:
    ratio = ours / baseline if baseline else float("inf")
    print(
        f"{name}: ours {ours:,.1f}/s, baseline {baseline:,.1f}/s, ratio {ratio:.2f}x (target {target}) "
        f"{'OK' if ok else 'MISS'}",
        flush=True,
    )
    return ok


def _label(key: str) -> Any:
    from trace_std.label import CartonLabel

    return CartonLabel.model_validate(json.loads((EXAMPLES / LABELS[key]).read_text("utf-8")))


def _stock_symbols(linear: Sequence[Sequence[tuple[str, str]]], uri: str | None) -> Callable[[], object]:
    """python-barcode's and qrcode's own SVG output for the same symbols (no layout)."""
    from barcode.codex import Gs1_128
    from barcode.writer import SVGWriter
    from qrcode import QRCode
    from qrcode.image.svg import SvgPathImage

    from trace_std.render._elements import raw_string

    codes = [raw_string(group).replace("\x1d", "\xf1") for group in linear]

    def run() -> object:
        out = [Gs1_128(code, writer=SVGWriter()).render() for code in codes]
        if uri is not None:
            qr = QRCode(image_factory=SvgPathImage)
            qr.add_data(uri)
            out.append(qr.make_image().to_string())
        return out

    return run


def bench_sheets(seconds: float) -> bool:
    from trace_std.render import sheet
    from trace_std.render.gs1_128 import split_elements

    ok = True
    for key in LABELS:
        label = _label(key)
        content = sheet.sheet_content(label)
        zx = rate(lambda label=label: sheet.carton_sheet_svg(label, engine="zxing"), seconds)
        py = rate(lambda label=label: sheet.carton_sheet_svg(label, engine="python"), seconds)
        split = split_elements(
            content.linear_elements, x_dim=sheet.SHEET_X_DIM, max_width=sheet.LINEAR_MAX_WIDTH
        )
        stock = rate(_stock_symbols(split, content.digital_link), seconds)
        ok &= line(f"sheet-zxing-{key}", zx, py, "500/s", zx >= 500)
        ok &= line(f"sheet-python-{key}", py, stock, "60/s", py >= 60)
        # informational: the same sheet naming its fonts only (no embedded subsets)
        ref = rate(lambda label=label: sheet.carton_sheet_svg(label, fonts="reference"), seconds)
        print(f"  (fonts=reference: zxing {ref:,.1f}/s; embedded fonts cost {zx / ref:.2f}x of that rate)")
        if content.digital_link is not None and key != "ru":  # informational: the QR with every attribute
            # (the RU sheet's particulars leave no room for the larger QR: render.sheet.overflow)
            full = sheet.sheet_content(label, qr_content="full")
            zx_full = rate(lambda label=label: sheet.carton_sheet_svg(label, qr_content="full"), seconds)
            py_full = rate(
                lambda label=label: sheet.carton_sheet_svg(label, engine="python", qr_content="full"), seconds
            )
            print(
                f"  (qr_content=full, {len(full.digital_link or '')}-char URI instead of "
                f"{len(content.digital_link)}: zxing {zx_full:,.1f}/s, python {py_full:,.1f}/s)"
            )
    return ok


def bench_symbols(seconds: float) -> bool:
    from barcode.codex import Gs1_128
    from barcode.writer import SVGWriter
    from qrcode import QRCode
    from qrcode.image.svg import SvgPathImage

    from trace_std.render import gs1_128, qr
    from trace_std.render._elements import digital_link, raw_string

    elements = [("01", "18935234567892"), ("10", "DF2503A"), ("13", "250310")]
    (group,) = gs1_128.split_elements(elements)
    code = raw_string(group).replace("\x1d", "\xf1")
    uri = digital_link(elements, "https://id.gs1.org")

    def stock_qr() -> object:
        q = QRCode(image_factory=SvgPathImage)
        q.add_data(uri)
        return q.make_image().to_string()

    stock_128 = rate(lambda: Gs1_128(code, writer=SVGWriter()).render(), seconds)
    stock_qr_rate = rate(stock_qr, seconds)
    ok = True
    for engine in ("zxing", "python"):
        ours_128 = rate(lambda engine=engine: gs1_128.gs1_128_svg(elements, engine=engine), seconds)
        ours_qr = rate(lambda engine=engine: qr.qr_svg(uri, engine=engine), seconds)
        want = 10.0 if engine == "zxing" else 1.0
        ok &= line(f"gs1-128-svg-{engine}", ours_128, stock_128, f"{want:g}x", ours_128 >= want * stock_128)
        ok &= line(f"qr-svg-{engine}", ours_qr, stock_qr_rate, f"{want:g}x", ours_qr >= want * stock_qr_rate)
    print(
        f"  (per symbol: gs1-128 stock {1000 / stock_128:.2f} ms, qr stock {1000 / stock_qr_rate:.2f} ms; "
        f"data {len(raw_string(group))} chars / {len(uri)}-char URI)"
    )
    return ok


def synthetic_photo(width: int = 4000, height: int = 3000) -> bytes:
    """A 12-megapixel JPEG: a label with a GS1-128 and a QR Code, scaled by a non-integer
    factor, on an unevenly lit, noisy background."""
    from PIL import Image

    from trace_std.render import gs1_128, qr

    elements = [("01", "18935234567892"), ("10", "DF2503A"), ("13", "250310")]
    label = Image.new("L", (1400, 1500), 250)
    with Image.open(io.BytesIO(gs1_128.gs1_128_png(elements, module_px=4, dpi=203))) as linear:
        label.paste(linear, (40, 900))
    with Image.open(
        io.BytesIO(qr.qr_png("https://id.example.vn/01/18935234567892/10/DF2503A", module_px=8))
    ) as m:
        label.paste(m, (600, 80))
    label = label.resize((int(1400 * 1.6), int(1500 * 1.6)), Image.Resampling.BILINEAR)
    photo = Image.linear_gradient("L").resize((width, height)).point(lambda v: 90 + v // 3)
    photo.paste(label, (800, 300))
    photo = Image.blend(photo, Image.effect_noise((width, height), 6), 0.08)
    buf = io.BytesIO()
    photo.convert("RGB").save(buf, "JPEG", quality=90)
    return buf.getvalue()


def bench_decode(seconds: float) -> bool:
    import zxingcpp
    from PIL import Image

    from trace_std.render.decode import decode_image

    jpeg = synthetic_photo()
    found = decode_image(jpeg)
    assert {s.symbology_identifier for s in found} == {"]C1", "]Q1"}, found

    def naive() -> object:
        with Image.open(io.BytesIO(jpeg)) as img:
            return zxingcpp.read_barcodes(img.convert("L"))

    ours = rate(lambda: decode_image(jpeg), max(seconds, 2.0))
    base = rate(naive, max(seconds, 2.0))
    ok = line("decode-12mp", ours, base, "3.33/s (300 ms)", ours >= 1000 / 300)
    print(f"  (ours {1000 / ours:.0f} ms, naive {1000 / base:.0f} ms per 12-megapixel photo)")
    return ok


def profile() -> None:
    from trace_std.render import sheet

    label = _label("cn")
    for engine, n in (("zxing", 300), ("python", 30)):
        sheet.carton_sheet_svg(label, engine=engine)
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(n):
            sheet.carton_sheet_svg(label, engine=engine)
        prof.disable()
        print(f"\n== profile: {n} CN sheets, engine {engine} (own time)")
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(12)


def bench_font_costs() -> None:
    """Informational: the first sheet of a product (font subsetting) and 1,000 sheets of it with
    100 lots and 10 pack dates, embedded vs referenced fonts, with the peak RSS (grows once)."""
    import resource

    from trace_std.label import CartonLabel
    from trace_std.render import fonts, sheet

    def peak_mib() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    for key, name in (("ru", LABELS["ru"]), ("jp", "valid-carton-jp-dragon-fruit.json")):
        data = json.loads((EXAMPLES / name).read_text("utf-8"))
        for cached in (fonts._cmap, fonts._assign, fonts._font_face_rule, fonts.subset_bytes):
            cached.cache_clear()
        before = peak_mib()
        start = time.process_time()
        sheet.carton_sheet_svg(CartonLabel.model_validate(data), fonts="embed")
        first = time.process_time() - start
        rates = {}
        for mode in ("embed", "reference"):
            labels = [
                CartonLabel.model_validate(
                    dict(data, lot=f"L{i // 10:05d}", pack_date=f"2025-08-{12 + i // 100}")
                )
                for i in range(1000)
            ]
            start = time.process_time()
            for label in labels:
                sheet.carton_sheet_svg(label, fonts=mode)
            rates[mode] = len(labels) / (time.process_time() - start)
        print(
            f"  fonts-{key}: first sheet {first:.2f} s CPU; 1,000 sheets (100 lots, 10 dates) "
            f"{rates['embed']:,.0f}/s embedded, {rates['reference']:,.0f}/s referenced; "
            f"peak RSS {before:.0f} -> {peak_mib():.0f} MiB"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--profile", action="store_true", help="print cProfile tables of one sheet per engine"
    )
    parser.add_argument("--seconds", type=float, default=SECONDS, help="CPU seconds per measurement")
    args = parser.parse_args([] if argv is None else list(argv))  # run.py calls main() with its own argv
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    ok = bench_sheets(args.seconds)
    bench_font_costs()
    ok &= bench_symbols(args.seconds)
    ok &= bench_decode(args.seconds)
    if args.profile:
        profile()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
