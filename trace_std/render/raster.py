"""PNG output: whole pixels per module (at least 2), quiet zones, HRI text, physical DPI.

Pillow is imported lazily (optional ``render`` extra). Images are built from the module rows
by an exact integer nearest-neighbour scale, so every module is exactly ``module_px`` pixels.
"""

from __future__ import annotations

import functools
import io
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.render.engines import LinearSymbol, MatrixSymbol, require

__all__ = ["MM_PER_INCH", "check_module_px", "linear_png", "matrix_png"]

MM_PER_INCH = 25.4
_TO_PIXELS = bytes([0xFF] * 0x31 + [0x00] + [0xFF] * (255 - 0x31))  # "1" -> black, else white
_FONT_FILES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "DejaVuSansMono.ttf",
)


def check_module_px(module_px: int, dpi: int) -> None:
    if not isinstance(module_px, int) or isinstance(module_px, bool) or module_px < 2:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            "raster output needs a whole number of pixels per module, at least 2",
            field="module_px",
            context={"expected": ">= 2", "actual": module_px},
        )
    if not isinstance(dpi, int) or isinstance(dpi, bool) or not 72 <= dpi <= 4800:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            "dpi must be an integer between 72 and 4800",
            field="dpi",
            context={"expected": "72..4800", "actual": dpi},
        )


@functools.lru_cache(maxsize=16)
def _font(size_px: int) -> Any:
    image_font = require("PIL.ImageFont")
    for path in _FONT_FILES:
        try:
            return image_font.truetype(path, size_px)
        except OSError:
            continue
    return image_font.load_default(size_px)  # pragma: no cover - no DejaVu on the machine


def _modules_image(rows: tuple[str, ...], module_px: int, row_px: int) -> Any:
    image_mod = require("PIL.Image")
    width = len(rows[0])
    data = "".join(rows).encode("ascii").translate(_TO_PIXELS)
    small = image_mod.frombytes("L", (width, len(rows)), data)
    return small.resize((width * module_px, len(rows) * row_px), image_mod.Resampling.NEAREST)


def _linear_image(
    symbol: LinearSymbol, *, module_px: int, bar_height_px: int, quiet_zone: int, hri: bool
) -> Any:
    image_mod = require("PIL.Image")
    draw_mod = require("PIL.ImageDraw")
    bars = _modules_image((symbol.modules,), module_px, bar_height_px)
    width = bars.width + 2 * quiet_zone * module_px
    text_h = 0
    font = None
    if hri and symbol.hri:
        size = max(8, min(bar_height_px // 8, int((width - 2 * module_px) / (0.6 * len(symbol.hri)))))
        font = _font(size)
        text_h = int(size * 1.5)
    out = image_mod.new("L", (width, bar_height_px + text_h), 255)
    out.paste(bars, (quiet_zone * module_px, 0))
    if font is not None:
        draw = draw_mod.Draw(out)
        draw.text((width / 2, bar_height_px + text_h * 0.15), symbol.hri, fill=0, font=font, anchor="ma")
    return out


def _save(image: Any, dpi: int) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format="PNG", dpi=(dpi, dpi))
    return buf.getvalue()


def linear_png(
    symbols: list[LinearSymbol],
    *,
    module_px: int,
    dpi: int,
    bar_height_mm: float,
    quiet_zone: int,
    hri: bool = True,
) -> bytes:
    """PNG of one or more linear symbols stacked vertically (gap of one bar height / 4)."""
    check_module_px(module_px, dpi)
    image_mod = require("PIL.Image")
    bar_px = round(bar_height_mm * dpi / MM_PER_INCH)
    images = [
        _linear_image(s, module_px=module_px, bar_height_px=bar_px, quiet_zone=quiet_zone, hri=hri)
        for s in symbols
    ]
    gap = bar_px // 4
    width = max(i.width for i in images)
    height = sum(i.height for i in images) + gap * (len(images) - 1)
    out = image_mod.new("L", (width, height), 255)
    y = 0
    for img in images:
        out.paste(img, (0, y))
        y += img.height + gap
    return _save(out, dpi)


def matrix_png(symbol: MatrixSymbol, *, module_px: int, dpi: int, quiet_zone: int) -> bytes:
    """PNG of a 2D symbol with its quiet zone."""
    check_module_px(module_px, dpi)
    image_mod = require("PIL.Image")
    cells = _modules_image(symbol.rows, module_px, module_px)
    q = quiet_zone * module_px
    out = image_mod.new("L", (cells.width + 2 * q, cells.height + 2 * q), 255)
    out.paste(cells, (q, q))
    return _save(out, dpi)
