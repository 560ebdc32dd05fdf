"""SVG geometry shared by both engines: bars and cells in millimetres, quiet zones, HRI text.

The user unit of every SVG written here is the millimetre (``viewBox`` in mm, ``width``/``height``
with an ``mm`` suffix). A symbol is a ``<g>`` holding a white ``rect`` that spans the symbol *and*
its quiet zones, then one stroked ``path`` of dark modules (per row: ``M x y`` on the row's centre
line, ``h<X>`` per dark module, ``m<X> 0`` per light one; butt caps, stroke as wide as the row is
high), then (linear symbols) the HRI ``text``. Text is XML-escaped and stripped of characters XML 1.0 forbids;
fonts are CSS generic families only.

>>> xml_text('<b>&"x"\\x00')
'&lt;b&gt;&amp;&quot;x&quot;\\ufffd'
>>> runs("0011101")
[(2, 3), (6, 1)]
>>> bars_path("01101", 0.5, 32.0, 1.0, 0.0)
'M1.5 16h0.5h0.5m0.5 0h0.5'
"""

from __future__ import annotations

import functools
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


@functools.lru_cache(maxsize=64)
def _row_ops(step: float) -> tuple[str, str]:
    """Path commands for one dark module (draw) and one light module (move)."""
    return f"h{fmt(step)}", f"m{fmt(step)} 0"


def row_path(modules: str, step: float, x0: float, y_center: float) -> str:
    """Path data of one row of modules, drawn as a stroke along the row's centre line.

    ``M x y`` to the first dark module, then ``h<step>`` for every dark module and
    ``m<step> 0`` for every light one; with a butt-capped stroke as wide as the row is high,
    every run of dark modules is an exact rectangle. Built with four ``str.replace`` per row.
    """
    body = modules.rstrip("0")
    trimmed = body.lstrip("0")
    if not trimmed:
        return ""
    first = len(body) - len(trimmed)
    draw, move = _row_ops(step)
    body = trimmed.replace("1", "D").replace("0", "L").replace("D", draw).replace("L", move)
    return f"M{fmt(x0 + first * step)} {fmt(y_center)}{body}"


def bars_path(modules: str, x_dim: float, height: float, x0: float, y0: float) -> str:
    """Path data of a linear symbol's bars (stroke width = ``height``)."""
    return row_path(modules, x_dim, x0, y0 + height / 2)


def cells_path(rows: tuple[str, ...], module: float, x0: float, y0: float) -> str:
    """Path data of a 2D symbol's dark modules (stroke width = ``module``)."""
    y = y0 + module / 2
    return "".join(row_path(row, module, x0, y + r * module) for r, row in enumerate(rows))


def _stroked(d: str, width: float) -> str:
    return f'<path fill="none" stroke="#000" stroke-linecap="butt" stroke-width="{fmt(width)}" d="{d}"/>'


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
        f'height="{fmt(height)}" fill="#fff"/>{_stroked(path, bar_height)}{text}</g>'
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
        f'height="{fmt(height)}" fill="#fff"/>{_stroked(path, module)}</g>'
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
