"""SVG geometry shared by both engines: bars and cells in millimetres, quiet zones, HRI text.

The user unit of every SVG written here is the millimetre (``viewBox`` in mm, ``width``/``height``
with an ``mm`` suffix). A symbol is a ``<g>`` holding a white ``rect`` that spans the symbol *and*
its quiet zones, then one ``path`` of dark modules made only of ``M x y h w v h h -w z`` boxes, then
(linear symbols) the HRI ``text``. Text is XML-escaped and stripped of characters XML 1.0 forbids;
fonts are CSS generic families only.

>>> xml_text('<b>&"x"\\x00')
'&lt;b&gt;&amp;&quot;x&quot;\\ufffd'
>>> runs("0011101")
[(2, 3), (6, 1)]
>>> bars_path("1101", 0.5, 32.0, 1.0, 0.0)
'M1 0h1v32h-1zM2.5 0h0.5v32h-0.5z'
"""

from __future__ import annotations

import re

from trace_std.render.engines import LinearSymbol, MatrixSymbol

__all__ = ["SVG_NS", "bars_path", "cells_path", "document", "fmt", "linear_group", "matrix_group", "xml_text"]

SVG_NS = "http://www.w3.org/2000/svg"
MONO = "monospace"
SANS = "sans-serif"
# Average advance of a monospace glyph, in em (DejaVu Sans Mono / Liberation Mono: 0.60).
MONO_ADVANCE = 0.6

_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"})


def xml_text(text: str) -> str:
    """Escape ``text`` for XML character data and attribute values."""
    return _XML_FORBIDDEN.sub("\ufffd", text).translate(_ESCAPES)


def fmt(value: float) -> str:
    """A compact decimal with at most 4 fractional digits (no exponent)."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


_RUN = re.compile("1+")


def runs(modules: str) -> list[tuple[int, int]]:
    """``(start, length)`` of every run of ``1`` in ``modules``."""
    return [(m.start(), m.end() - m.start()) for m in _RUN.finditer(modules)]


def _grid(origin: float, step: float, count: int) -> list[str]:
    """``fmt(origin + i * step)`` for ``i`` in ``0..count``: each coordinate formatted once."""
    return [fmt(origin + i * step) for i in range(count + 1)]


def bars_path(modules: str, x_dim: float, height: float, x0: float, y0: float) -> str:
    hs, ys = fmt(height), fmt(y0)
    widths: dict[int, str] = {}
    parts = []
    for m in _RUN.finditer(modules):
        start, end = m.span()
        length = end - start
        w = widths.get(length)
        if w is None:
            w = widths[length] = fmt(length * x_dim)
        parts.append(f"M{fmt(x0 + start * x_dim)} {ys}h{w}v{hs}h-{w}z")
    return "".join(parts)


def cells_path(rows: tuple[str, ...], module: float, x0: float, y0: float) -> str:
    n = len(rows[0]) if rows else 0
    xs = _grid(x0, module, n)
    ys = _grid(y0, module, len(rows))
    ws = _grid(0.0, module, n)
    ms = ws[1] if n else fmt(module)
    parts = []
    for r, row in enumerate(rows):
        y = ys[r]
        for m in _RUN.finditer(row):
            start, end = m.span()
            w = ws[end - start]
            parts.append(f"M{xs[start]} {y}h{w}v{ms}h-{w}z")
    return "".join(parts)


def hri_font_size(text: str, width: float, preferred: float) -> float:
    """The largest size ≤ ``preferred`` at which ``text`` in monospace fits ``width``."""
    if not text:
        return preferred
    return min(preferred, width / (MONO_ADVANCE * len(text)))


HRI_GAP = 0.8  # mm between the bars and the HRI text


def linear_height(
    symbol: LinearSymbol,
    *,
    x_dim: float,
    bar_height: float,
    quiet_zone: int,
    hri: bool,
    hri_size: float = 3.0,
) -> float:
    """Height in mm of :func:`linear_group`'s output (bars, gap and HRI line)."""
    if not (hri and symbol.hri):
        return bar_height
    width = (symbol.width + 2 * quiet_zone) * x_dim
    return bar_height + HRI_GAP + hri_font_size(symbol.hri, width - 2 * x_dim, hri_size) * 1.2


def linear_group(
    symbol: LinearSymbol,
    *,
    x_dim: float,
    bar_height: float,
    quiet_zone: int,
    x0: float = 0.0,
    y0: float = 0.0,
    hri: bool = True,
    hri_size: float = 3.0,
) -> tuple[str, float, float]:
    """SVG ``<g>`` of a linear symbol; returns ``(svg, width_mm, height_mm)``."""
    width = (symbol.width + 2 * quiet_zone) * x_dim
    height = linear_height(symbol, x_dim=x_dim, bar_height=bar_height, quiet_zone=quiet_zone, hri=hri)
    text = ""
    if hri and symbol.hri:
        size = hri_font_size(symbol.hri, width - 2 * x_dim, hri_size)
        gap = HRI_GAP
        text = (
            f'<text x="{fmt(x0 + width / 2)}" y="{fmt(y0 + bar_height + gap + size)}" '
            f'font-family="{MONO}" font-size="{fmt(size)}" text-anchor="middle">{xml_text(symbol.hri)}</text>'
        )
    path = bars_path(symbol.modules, x_dim, bar_height, x0 + quiet_zone * x_dim, y0)
    svg = (
        f'<g class="gs1-128"><rect class="quiet" x="{fmt(x0)}" y="{fmt(y0)}" width="{fmt(width)}" '
        f'height="{fmt(height)}" fill="#fff"/><path fill="#000" d="{path}"/>{text}</g>'
    )
    return svg, width, height


def matrix_group(
    symbol: MatrixSymbol,
    *,
    module: float,
    quiet_zone: int,
    x0: float = 0.0,
    y0: float = 0.0,
    kind: str = "qr",
) -> tuple[str, float, float]:
    """SVG ``<g>`` of a 2D symbol; returns ``(svg, width_mm, height_mm)``."""
    width = (symbol.width + 2 * quiet_zone) * module
    height = (symbol.height + 2 * quiet_zone) * module
    q = quiet_zone * module
    path = cells_path(symbol.rows, module, x0 + q, y0 + q)
    svg = (
        f'<g class="{kind}"><rect class="quiet" x="{fmt(x0)}" y="{fmt(y0)}" width="{fmt(width)}" '
        f'height="{fmt(height)}" fill="#fff"/><path fill="#000" d="{path}"/></g>'
    )
    return svg, width, height


def document(body: str, width: float, height: float, *, title: str = "") -> str:
    """A standalone SVG document in millimetres."""
    w, h = fmt(width), fmt(height)
    head = f"<title>{xml_text(title)}</title>" if title else ""
    return (
        f'<svg xmlns="{SVG_NS}" version="1.1" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}">'
        f'{head}<rect width="{w}" height="{h}" fill="#fff"/>{body}</svg>'
    )
