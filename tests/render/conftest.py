"""Helpers for the render tests: an independent SVG rasteriser and zxing-cpp decoding.

The rasteriser reads the SVG with ``xml.etree`` and paints every ``rect`` and every stroked
``path`` (the ``M``/``m``/``h`` subset with butt caps that the renderers write; anything else fails
the test), so that an SVG is proven scannable from its own geometry.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

zxingcpp = pytest.importorskip("zxingcpp")
Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")

NS = "{http://www.w3.org/2000/svg}"
TOKEN = re.compile(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?")


def parse_boxes(d: str, stroke_width: float) -> list[tuple[float, float, float, float]]:
    """Rectangles drawn by a butt-capped stroked path of ``M x y``, ``m dx dy`` and ``h w``
    commands (the only ones the renderers write); adjacent segments are merged into runs."""
    boxes: list[tuple[float, float, float, float]] = []
    x = y = 0.0
    pos = 0
    for m in TOKEN.finditer(d):
        assert m.start() == pos, f"unexpected path data at {pos}: {d[pos : pos + 20]!r}"
        pos = m.end()
        cmd, a, b = m.group(1), float(m.group(2)), m.group(3)
        if cmd == "M":
            assert b is not None
            x, y = a, float(b)
        elif cmd == "m":
            assert b is not None
            x, y = x + a, y + float(b)
        else:
            assert b is None and a > 0
            top = y - stroke_width / 2
            last = boxes[-1] if boxes else None
            if last is not None and abs(last[0] + last[2] - x) < 1e-6 and abs(last[1] - top) < 1e-9:
                boxes[-1] = (last[0], last[1], last[2] + a, last[3])
            else:
                boxes.append((x, top, a, stroke_width))
            x += a
    assert pos == len(d), "path data not fully understood"
    return boxes


@dataclass
class Group:
    kind: str
    quiet: tuple[float, float, float, float]  # x, y, w, h
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    texts: list[ET.Element] = field(default_factory=list)


def _path_boxes(el: ET.Element) -> list[tuple[float, float, float, float]]:
    assert el.get("fill") == "none" and el.get("stroke") == "#000" and el.get("stroke-linecap") == "butt"
    return parse_boxes(el.get("d", ""), float(el.get("stroke-width", "0")))


def svg_groups(svg_text: str) -> list[Group]:
    root = ET.fromstring(svg_text)
    groups = []
    for g in root.iter(f"{NS}g"):
        kind = g.get("class", "")
        if kind not in ("gs1-128", "qr", "datamatrix"):
            continue
        rect = g.find(f"{NS}rect")
        assert rect is not None and rect.get("fill") == "#fff"
        quiet = tuple(float(rect.get(a, "0")) for a in ("x", "y", "width", "height"))
        group = Group(kind, quiet)  # type: ignore[arg-type]
        for path in g.findall(f"{NS}path"):
            group.boxes.extend(_path_boxes(path))
        group.texts = g.findall(f"{NS}text")
        groups.append(group)
    return groups


def rasterise(
    svg_text: str, px_per_mm: float = 8.0, region: tuple[float, float, float, float] | None = None
) -> Any:
    """Paint the SVG's rects and path boxes (mm user units) into a greyscale image."""
    root = ET.fromstring(svg_text)
    vb = [float(v) for v in root.get("viewBox", "").split()]
    x0, y0, w, h = region if region is not None else (vb[0], vb[1], vb[2], vb[3])
    img = Image.new("L", (round(w * px_per_mm), round(h * px_per_mm)), 255)
    draw = ImageDraw.Draw(img)

    def paint(x: float, y: float, bw: float, bh: float, fill: int) -> None:
        left, top = round((x - x0) * px_per_mm), round((y - y0) * px_per_mm)
        right, bottom = round((x + bw - x0) * px_per_mm), round((y + bh - y0) * px_per_mm)
        if right > left and bottom > top:
            draw.rectangle((left, top, right - 1, bottom - 1), fill=fill)

    for el in root.iter():
        if el.tag == f"{NS}rect":
            fill = 255 if el.get("fill", "#000") in ("#fff", "#ffffff", "white") else 0
            paint(*(float(el.get(a, "0")) for a in ("x", "y", "width", "height")), fill)
        elif el.tag == f"{NS}path":
            for box in _path_boxes(el):
                paint(*box, 0)
        elif el.tag in (f"{NS}g", f"{NS}svg", f"{NS}text", f"{NS}title", f"{NS}tspan", f"{NS}line"):
            assert el.get("transform") is None, "transforms are not expected"
    return img


def decode(image: Any) -> list[Any]:
    return list(zxingcpp.read_barcodes(image))


def decode_png(data: bytes) -> list[Any]:
    with Image.open(io.BytesIO(data)) as img:
        img.load()
        return decode(img)


def decode_group(svg_text: str, group: Group, px_per_mm: float = 8.0) -> list[Any]:
    x, y, w, h = group.quiet
    return decode(rasterise(svg_text, px_per_mm, region=(x - 1, y - 1, w + 2, h + 2)))


@pytest.fixture(scope="session")
def svgkit() -> dict[str, Callable[..., Any]]:
    return {
        "groups": svg_groups,
        "rasterise": rasterise,
        "decode": decode,
        "decode_png": decode_png,
        "decode_group": decode_group,
    }
