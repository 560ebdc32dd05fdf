"""Photos of labels that the library rendered: placed on a carton, rotated and blurred with Pillow."""

from __future__ import annotations

import io
import random

from PIL import Image, ImageFilter


def label_symbol(kind: str, *, digital_link: str, elements: list[tuple[str, str]]) -> Image.Image:
    """A symbol rendered through ``trace_std.render`` (QR of the Digital Link, or GS1-128)."""
    if kind == "qr":
        from trace_std.render.qr import qr_png

        png = qr_png(digital_link, module_px=8)
    elif kind == "gs1-128":
        from trace_std.render.gs1_128 import gs1_128_png

        png = gs1_128_png(elements, module_px=4, dpi=200)
    elif kind == "datamatrix":
        from trace_std.render.datamatrix import datamatrix_png

        png = datamatrix_png(elements, module_px=8)
    else:
        raise ValueError(kind)
    return Image.open(io.BytesIO(png)).convert("RGB")


def photo_of(
    symbol: Image.Image,
    *,
    size: tuple[int, int] = (1600, 1200),
    angle: float = 4.0,
    blur: float = 1.2,
    fill: float = 0.5,
    seed: int = 6,
    quality: int = 85,
) -> bytes:
    """A JPEG "photo": the symbol on cardboard, covering ``fill`` of the width, rotated and blurred."""
    rng = random.Random(seed)
    width, height = size
    carton = Image.new("RGB", size, (196, 160, 112))
    noise = Image.effect_noise((max(1, width // 4), max(1, height // 4)), 24).resize(size).convert("RGB")
    carton = Image.blend(carton, noise, 0.12)
    scale = fill * width / symbol.width
    sticker = symbol.resize((int(symbol.width * scale), int(symbol.height * scale)), Image.Resampling.NEAREST)
    pad = max(8, sticker.width // 20)
    paper = Image.new("RGB", (sticker.width + 2 * pad, sticker.height + 2 * pad), (250, 250, 246))
    paper.paste(sticker, (pad, pad))
    x = (width - paper.width) // 2 + rng.randint(-20, 20)
    y = (height - paper.height) // 2 + rng.randint(-20, 20)
    carton.paste(paper, (x, y))
    photo = carton.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=(120, 100, 80))
    photo = photo.filter(ImageFilter.GaussianBlur(blur))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=quality)
    return out.getvalue()
