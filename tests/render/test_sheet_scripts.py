"""The carton sheet prints each market's texts in its own script, with the fonts embedded in the SVG.

The sheet is rasterised here from its own bytes: the ``@font-face`` subsets are decoded from the
SVG, every ``<text>`` is drawn with FreeType (Pillow) choosing, per character, the first family of
its ``font-family`` stack whose embedded font has the glyph (as a browser does), and the drawn
glyphs are compared with the font's ``.notdef`` glyph (the "tofu" box a missing glyph becomes).
Nothing here reads the fonts installed on the machine: what is checked is what travels in the SVG.
"""

from __future__ import annotations

import base64
import io
import json
import re
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_service
from trace_std.errors import RenderError
from trace_std.render import fonts, sheet

pytest.importorskip("zxingcpp")
pytest.importorskip("fontTools")
Image = pytest.importorskip("PIL.Image")
ImageDraw = pytest.importorskip("PIL.ImageDraw")
ImageFont = pytest.importorskip("PIL.ImageFont")
from fontTools.ttLib import TTFont  # noqa: E402

from trace_std.label import parse_label  # noqa: E402

NS = "{http://www.w3.org/2000/svg}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labels"
FACE_RULE = re.compile(
    r"@font-face\{font-family:'([^']+)';font-weight:(\w+);src:url\(data:font/\w+;base64,([A-Za-z0-9+/=]+)\)\}"
)
MARKETS = {
    "RU": ("valid-carton-ru-longan.json", "ru", re.compile("[А-яЁё]")),
    "JP": ("valid-carton-jp-dragon-fruit.json", "ja", re.compile("[\u3040-\u30ff\u4e00-\u9fff]")),
    "KR": ("valid-carton-kr-mango.json", "ko", re.compile("[\uac00-\ud7a3]")),
    "CN": ("valid-carton-cn-dragon-fruit.json", None, re.compile("[\u4e00-\u9fff]")),
}
NOTDEF_PROBE = "\ue000"  # private use: in no subset, so FreeType draws .notdef


@pytest.fixture(autouse=True)
def _fonts_installed() -> None:
    if not fonts.fonts_available():
        require_service(
            "sheet fonts",
            "fonts-dejavu-core and fonts-noto-cjk (installed by .ci/run) and fontTools are needed",
        )


@cache
def _sheet(market: str) -> str:
    name = MARKETS[market][0]
    label = parse_label(json.loads((EXAMPLES / name).read_text("utf-8")))
    return sheet.carton_sheet_svg(label, fonts="embed")


class Painter:
    """Draw an SVG's texts with the fonts embedded in it."""

    def __init__(self, svg_text: str) -> None:
        self.root = ET.fromstring(svg_text)
        style = "".join(el.text or "" for el in self.root.iter(f"{NS}style"))
        self.fonts: dict[tuple[str, str], bytes] = {
            (family, weight): base64.b64decode(data) for family, weight, data in FACE_RULE.findall(style)
        }
        self.cmaps = {key: set(TTFont(io.BytesIO(data)).getBestCmap()) for key, data in self.fonts.items()}
        self._pil: dict[tuple[tuple[str, str], int], Any] = {}

    def pil(self, key: tuple[str, str], size_px: int) -> Any:
        if (key, size_px) not in self._pil:
            self._pil[key, size_px] = ImageFont.truetype(io.BytesIO(self.fonts[key]), size_px)
        return self._pil[key, size_px]

    @staticmethod
    def stack(text: ET.Element) -> list[str]:
        return [f.strip().strip("'\"") for f in text.get("font-family", "").split(",")]

    def face(self, text: ET.Element, char: str) -> tuple[str, str] | None:
        weight = text.get("font-weight", "normal")
        for family in self.stack(text):
            key = (family, weight)
            if key in self.cmaps and ord(char) in self.cmaps[key]:
                return key
        return None

    def texts(self) -> list[ET.Element]:
        """The sheet's own texts (HRI lines under the bars are checked by decoding the bars)."""
        return [t for t in self.root.iter(f"{NS}text") if t.get("text-anchor") != "middle" and t.text]

    def draw(self, px_per_mm: float = 12.0, *, tofu: bool = False) -> Any:
        """The sheet's texts drawn in black on white; ``tofu``: every glyph replaced by .notdef."""
        vb = [float(v) for v in self.root.get("viewBox", "").split()]
        img = Image.new("L", (round(vb[2] * px_per_mm), round(vb[3] * px_per_mm)), 255)
        pen = ImageDraw.Draw(img)
        for text in self.texts():
            x = float(text.get("x", "0")) * px_per_mm
            y = float(text.get("y", "0")) * px_per_mm
            size = max(4, round(float(text.get("font-size", "0")) * px_per_mm))
            for char in text.text or "":
                key = self.face(text, char)
                if key is None:
                    x += size * 0.5
                    continue
                font = self.pil(key, size)
                pen.text(
                    (x, y), NOTDEF_PROBE if tofu and char != " " else char, font=font, fill=0, anchor="ls"
                )
                x += font.getlength(char)
        return img

    def bbox(self, text: ET.Element, px_per_mm: float) -> tuple[int, int, int, int]:
        x, y = float(text.get("x", "0")), float(text.get("y", "0"))
        size = float(text.get("font-size", "0"))
        width = sheet.text_width(text.text or "", size)
        return (
            round(x * px_per_mm),
            round((y - size) * px_per_mm),
            round((x + width) * px_per_mm),
            round((y + size * 0.3) * px_per_mm),
        )


def _glyph(font: Any, char: str) -> bytes:
    img = Image.new("L", (96, 96), 255)
    ImageDraw.Draw(img).text((8, 72), char, font=font, fill=0, anchor="ls")
    return img.tobytes()


def glyph_report(painter: Painter, text: ET.Element) -> tuple[set[str], set[str], int]:
    """(characters drawn as .notdef or with no embedded face, characters drawn, distinct bitmaps)."""
    tofu: set[str] = set()
    drawn: set[str] = set()
    bitmaps: set[bytes] = set()
    for char in sorted(set(text.text or "") - {" "}):
        key = painter.face(text, char)
        if key is None:
            tofu.add(char)
            continue
        font = painter.pil(key, 64)
        bitmap = _glyph(font, char)
        if bitmap == _glyph(font, NOTDEF_PROBE) or bitmap == bytes([255]) * len(bitmap):
            tofu.add(char)
        else:
            drawn.add(char)
            bitmaps.add(bitmap)
    return tofu, drawn, len(bitmaps)


@pytest.mark.parametrize("market", sorted(MARKETS))
def test_market_texts_are_drawn_with_embedded_glyphs_not_tofu(market: str) -> None:
    _, lang, script = MARKETS[market]
    painter = Painter(_sheet(market))
    families = {family for family, _ in painter.fonts}
    assert "DejaVu Sans" in families
    region = {"ru": None, "ja": "JP", "ko": "KR", None: "SC"}[lang]
    if region:
        assert f"Noto Sans CJK {region}" in families
    in_script = [t for t in painter.texts() if script.search(t.text or "")]
    assert in_script, "the sheet prints the market's text in its script"
    if lang:
        assert all(t.get(XML_LANG) == lang for t in in_script)
    for text in painter.texts():
        tofu, drawn, distinct = glyph_report(painter, text)
        assert not tofu, (text.text, sorted(tofu))
        assert distinct >= 0.8 * len(drawn), text.text  # tofu would give one bitmap for them all


@pytest.mark.parametrize("market", sorted(MARKETS))
def test_rasterised_text_regions_differ_from_their_tofu_rendering(market: str, tmp_path: Path) -> None:
    """Whole-sheet raster: each market-script text's region, drawn with the embedded fonts, is not the
    region drawn with .notdef glyphs in place of every character."""
    _, _, script = MARKETS[market]
    painter = Painter(_sheet(market))
    px = 12.0
    real, tofu = painter.draw(px), painter.draw(px, tofu=True)
    real.save(tmp_path / f"sheet-{market}.png")
    checked = 0
    for text in painter.texts():
        if not script.search(text.text or ""):
            continue
        box = painter.bbox(text, px)
        a, b = real.crop(box).tobytes(), tofu.crop(box).tobytes()
        assert any(p < 128 for p in a), text.text  # ink in the region
        differing = sum(1 for p, q in zip(a, b, strict=True) if (p < 128) != (q < 128))
        assert differing > 0.05 * len(a), text.text
        checked += 1
    assert checked >= 1


def test_the_checks_fail_without_embedded_fonts() -> None:
    """Negative control: a sheet that only references its fonts has nothing to draw the scripts with."""
    label = parse_label(json.loads((EXAMPLES / MARKETS["RU"][0]).read_text("utf-8")))
    painter = Painter(sheet.carton_sheet_svg(label, fonts="reference"))
    assert painter.fonts == {}
    text = next(t for t in painter.texts() if MARKETS["RU"][2].search(t.text or ""))
    assert glyph_report(painter, text)[0]


def test_a_glyph_missing_from_the_subset_is_detected_as_tofu() -> None:
    """Negative control: a character the subset lacks draws .notdef, and the report says so."""
    painter = Painter(_sheet("KR"))
    text = next(t for t in painter.texts() if MARKETS["KR"][2].search(t.text or ""))
    text.text = (text.text or "") + "\u9f98"  # a Han character the Korean sheet does not use
    text.set("font-family", "'Noto Sans CJK KR'")
    assert "\u9f98" in glyph_report(painter, text)[0]


def test_embedded_subsets_hold_only_the_used_glyphs_and_are_deterministic() -> None:
    svg_text = _sheet("JP")
    again = sheet.carton_sheet_svg(
        parse_label(json.loads((EXAMPLES / MARKETS["JP"][0]).read_text("utf-8"))), fonts="embed"
    )
    assert svg_text == again
    painter = Painter(svg_text)
    cjk = TTFont(io.BytesIO(painter.fonts["Noto Sans CJK JP", "normal"]))
    assert len(cjk.getGlyphOrder()) < 200  # a subset, not the 65,535-glyph font
    assert len(svg_text) < 400_000


def test_font_option() -> None:
    label = parse_label(json.loads((EXAMPLES / MARKETS["RU"][0]).read_text("utf-8")))
    assert "@font-face" in sheet.carton_sheet_svg(label)  # auto embeds when the fonts are installed
    referenced = sheet.carton_sheet_svg(label, fonts="reference")
    assert "@font-face" not in referenced and "'DejaVu Sans'" in referenced
    with pytest.raises(RenderError) as info:
        sheet.carton_sheet_svg(label, fonts="bitmap")
    assert (info.value.code, info.value.field) == ("render.option.invalid", "fonts")


def test_missing_font_file_is_a_coded_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    label = parse_label(json.loads((EXAMPLES / MARKETS["KR"][0]).read_text("utf-8")))
    monkeypatch.setattr(fonts, "_SYSTEM_DIRS", (str(tmp_path),))
    monkeypatch.setenv("TRACE_STD_FONT_DIRS", str(tmp_path))
    caches = (fonts._cmap, fonts._assign, fonts._font_face_rule, fonts.subset_bytes)
    for cached in caches:
        cached.cache_clear()
    try:
        with pytest.raises(RenderError) as info:
            sheet.carton_sheet_svg(label, fonts="embed")
        assert info.value.code == "render.font.missing"
        assert info.value.context["package"] in ("fonts-dejavu-core", "fonts-noto-cjk")
        assert "@font-face" not in sheet.carton_sheet_svg(label)  # auto falls back to referencing
    finally:
        for cached in caches:
            cached.cache_clear()


SAMPLE_SHEETS = sorted((EXAMPLES / "sheets").glob("*.svg"))


def test_sample_sheets_are_up_to_date() -> None:
    import runpy

    gen = runpy.run_path(str(EXAMPLES.parents[1] / "scripts" / "gen_sample_sheets.py"), run_name="gen")
    assert gen["main"](["--check"]) == 0, "run: python scripts/gen_sample_sheets.py"
    assert [p.stem for p in SAMPLE_SHEETS] == sorted(gen["SAMPLES"])


@pytest.mark.parametrize("path", SAMPLE_SHEETS, ids=lambda p: p.stem)
def test_committed_sample_sheets_draw_every_text(path: Path) -> None:
    """The example sheets as committed (what an exporter downloads): every text has its glyphs."""
    painter = Painter(path.read_text("utf-8"))
    assert painter.fonts
    for text in painter.texts():
        tofu, drawn, distinct = glyph_report(painter, text)
        assert not tofu, (path.name, text.text, sorted(tofu))
        assert distinct >= 0.8 * len(drawn)


@pytest.mark.parametrize("market", ["CN", "JP", "KR"])
def test_printed_png_draws_cjk_text_not_tofu(market: str) -> None:
    """The printed sheet (CairoSVG, as the PDF pages are drawn: one font per text run, no fallback)
    draws the CJK lines with their Noto face: the region differs from the same sheet forced to a
    font without CJK glyphs, which cairo draws as boxes."""
    cairosvg = pytest.importorskip("cairosvg")
    from trace_std.render import print as printing

    svg_text = _sheet(market)
    tofu_svg = re.sub(r"'Noto Sans CJK (SC|JP|KR)', ", "", svg_text)  # DejaVu Sans only: boxes
    assert tofu_svg != svg_text
    dpi = 150
    real = Image.open(io.BytesIO(printing.sheet_png(svg_text, dpi=dpi))).convert("L")
    # straight to cairo: the print module would repair a generic CJK line (the old sheets' way)
    boxes = Image.open(io.BytesIO(cairosvg.svg2png(bytestring=tofu_svg.encode(), dpi=dpi))).convert("L")
    px = dpi / 25.4
    painter = Painter(svg_text)
    checked = 0
    for text in painter.texts():
        if not MARKETS[market][2].search(text.text or ""):
            continue
        box = painter.bbox(text, px)
        a, b = real.crop(box).tobytes(), boxes.crop(box).tobytes()
        assert any(p < 128 for p in a), text.text
        differing = sum(1 for p, q in zip(a, b, strict=True) if (p < 128) != (q < 128))
        assert differing > 0.05 * len(a), text.text
        checked += 1
    assert checked >= 1


@pytest.mark.parametrize("market", sorted(MARKETS))
def test_texts_drawn_with_real_glyph_widths_stay_on_the_page_and_off_the_qr(market: str) -> None:
    """The layout estimates text widths; measured with the embedded fonts' real advances, no text
    runs past the right margin or into the QR Code beside it."""
    svg_text = _sheet(market)
    painter = Painter(svg_text)
    root = ET.fromstring(svg_text)
    qr = next(g for g in root.iter(f"{NS}g") if g.get("class") == "qr")
    quiet = qr.find(f"{NS}rect")
    assert quiet is not None
    qx, qy, qh = (float(quiet.get(a, "0")) for a in ("x", "y", "height"))
    for text in painter.texts():
        size, x, y = (float(text.get(a, "0")) for a in ("font-size", "x", "y"))
        width = 0.0
        for char in text.text or "":
            key = painter.face(text, char)
            assert key is not None
            width += painter.pil(key, 200).getlength(char) / 200 * size
        assert x + width <= sheet.PAGE_WIDTH - sheet.MARGIN + 0.5, text.text
        if y - size < qy + qh:  # a line beside the QR Code
            assert x + width <= qx + 0.5, text.text
