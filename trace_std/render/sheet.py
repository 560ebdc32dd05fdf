"""The printable carton label sheet: one SVG page of 100 x 150 mm.

Layout, top to bottom (4 mm margins):

1. on the left, the product name in Vietnamese (large, bold) and English, origin, exporter, lot,
   harvest, pack and best-before dates, net weight; on the right the QR Code of the Digital Link
   (markets whose profile prints ``qr``) and, for the US, the PTI Voice Pick Code box (two small
   and two large digits);
2. full width, the market's required text lines (CN: "Exported to the People's Republic of
   China / 输往中华人民共和国"; RU: "Страна происхождения: Вьетнам") and the particulars the
   market asks for in its own language ("caption: value", captions from the profile's
   requirements: RU in Russian, JP in Japanese, KR in Korean);
3. PUC (*mã số vùng trồng*) and PHC (*mã số cơ sở đóng gói*) in large monospace type;
4. at the bottom the GS1-128 symbol(s), X = 0.495 mm, 32 mm bars, 10X quiet zones, split over two
   symbols when one would be wider than the page.

Which symbols are printed and which texts are required come from the market profile
(:func:`trace_std.label.markets.market_profile`). All text is XML-escaped. Each text names its
fonts (DejaVu Sans, and the Noto Sans CJK face of its language for Chinese, Japanese and Korean;
see :mod:`trace_std.render.fonts`) and carries ``xml:lang`` when it is in the market's language;
with ``fonts="embed"`` (the default ``"auto"`` embeds when the font files are installed) the SVG
holds subsets of those fonts, so it renders the same on any machine. Lines too long for the page
are shrunk down to a minimum size, then wrapped, then cut with an ellipsis (never drawn past the
page edge).
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.render import fonts as _fonts
from trace_std.render import svg
from trace_std.render._elements import (
    DEFAULT_RESOLVER,
    Elements,
    as_elements,
    check_elements,
    digital_link,
    raw_string,
)
from trace_std.render.engines import (
    DEFAULT_ENGINE,
    Engine,
    MatrixSymbol,
    check_engine,
    datamatrix_modules,
    qr_modules,
)
from trace_std.render.gs1_128 import (
    BAR_HEIGHT_MIN,
    QUIET_ZONE,
    X_DIM_MIN,
    _stack,
    gs1_128_symbols,
    stack_size,
)

__all__ = [
    "FONT_MODES",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "SheetContent",
    "carton_sheet_svg",
    "render_sheet",
    "sheet_content",
]

PAGE_WIDTH = 100.0
PAGE_HEIGHT = 150.0
MARGIN = 4.0
BOTTOM_MARGIN = 2.0  # below the last HRI line
SHEET_X_DIM = X_DIM_MIN  # the narrowest legal X: the most data fits the 100 mm width
LINEAR_MAX_WIDTH = PAGE_WIDTH - 1.0  # quiet zones may reach 0.5 mm from the edge
DEFAULT_LINEAR_AIS = ("01", "10", "13")  # PTI case-label content, when the market names none
QR_MAX = 30.0  # mm, including the quiet zone
MIN_TEXT = 2.6  # mm, smallest text size on the sheet
VOICE_BOX = (26.0, 14.0)  # mm
#: ``fonts=`` of :func:`render_sheet`: embed subsets, only name the families, or embed when possible.
FONT_MODES = ("auto", "embed", "reference")


@dataclasses.dataclass(frozen=True, slots=True)
class SheetContent:
    """Everything printed on a carton sheet, already resolved from the label and market."""

    product_vi: str
    product_en: str | None = None
    crop: str | None = None
    origin: str | None = "Viet Nam"  # None: a required text states the origin in the market's language
    exporter: str | None = None
    required_texts: tuple[str, ...] = ()
    puc: str | None = None
    phc: str | None = None
    details: tuple[tuple[str, str], ...] = ()  # (caption, value): lot, dates, net weight
    linear_elements: Elements = ()
    digital_link: str | None = None
    datamatrix_elements: Elements = ()
    voice_pick: str | None = None
    market: str | None = None
    validated: bool = False  # the elements passed every GS1 rule already (set by sheet_content)
    market_lines: tuple[tuple[str, str], ...] = ()  # (caption, value) in the market's language
    lang: str | None = None  # language of market_lines (and of texts in it): "ru", "ja", "ko"
    puc_caption: str = "PUC / Mã số vùng trồng"  # + the market's caption (sheet_content)
    phc_caption: str = "PHC / Mã số cơ sở đóng gói"


# East Asian wide and full-width characters (CJK, Hangul, full-width forms): about 1 em.
_WIDE = re.compile(
    "[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf"
    "\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]"
)
_NARROW_EM = 0.62  # a generous average for sans-serif Latin/Vietnamese glyphs


def text_width(text: str, size: float, *, mono: bool = False) -> float:
    """Estimated width in mm of ``text`` at font ``size`` (mm); wide East Asian glyphs: 1 em.

    >>> round(text_width("PUC", 3.0), 2), round(text_width("输往", 3.0), 2)
    (5.58, 6.0)
    """
    if mono:
        return len(text) * svg.MONO_ADVANCE * size
    if text.isascii():
        return len(text) * _NARROW_EM * size
    wide = len(_WIDE.findall(text))
    return (len(text) * _NARROW_EM + wide * (1.0 - _NARROW_EM)) * size


def _fit(
    text: str, width: float, preferred: float, *, mono: bool = False, lines: int = 2
) -> tuple[list[str], float]:
    """Lines and font size so that ``text`` fits ``width`` (shrink, then wrap, then ellipsis)."""
    natural = text_width(text, 1.0, mono=mono)
    if natural == 0:
        return [], preferred
    size = min(preferred, width / natural)
    if size >= MIN_TEXT or lines == 1:
        size = max(size, min(preferred, MIN_TEXT))
        return [_cut(text, width, size, mono)], size
    size = MIN_TEXT
    out: list[str] = []
    rest = text
    while rest and len(out) < lines:
        if len(out) == lines - 1 or text_width(rest, size, mono=mono) <= width:
            out.append(_cut(rest, width, size, mono))
            break
        lo, hi = 1, len(rest)  # longest prefix that fits
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if text_width(rest[:mid], size, mono=mono) <= width:
                lo = mid
            else:
                hi = mid
        cut = lo
        space = rest.rfind(" ", 0, cut + 1)
        if space > 0:
            cut = space
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return out, size


def _cut(text: str, width: float, size: float, mono: bool) -> str:
    """``text``, or its longest prefix + "…" that fits ``width`` (binary search)."""
    if text_width(text, size, mono=mono) <= width:
        return text
    lo, hi = 0, len(text)  # invariant: text[:lo] + "…" fits, text[:hi] + "…" does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if text_width(text[:mid] + "…", size, mono=mono) <= width:
            lo = mid
        else:
            hi = mid
    return text[:lo] + "…"


# class, x, y, size, bold, mono, text, language
_TextItem = tuple[str, float, float, float, bool, bool, str, str | None]


class _Page:
    """Text layout: positions are computed here, SVG is written only for the chosen layout."""

    def __init__(self) -> None:
        self.items: list[_TextItem] = []
        self.y = MARGIN - 1.0
        self.region = "top"
        # (region, preferred size at scale 1, largest size the width allows, rows) of each line block
        self.metrics: list[tuple[str, float, float, int]] = []
        self.scale = 1.0

    def text(
        self,
        text: str,
        *,
        size: float,
        width: float = PAGE_WIDTH - 2 * MARGIN,
        x: float = MARGIN,
        bold: bool = False,
        mono: bool = False,
        lines: int = 2,
        cls: str = "",
        lang: str | None = None,
    ) -> None:
        rows, fitted = _fit(text, width, max(size, MIN_TEXT), mono=mono, lines=lines)
        limit = fitted if fitted < max(size, MIN_TEXT) - 1e-9 else float("inf")
        self.metrics.append((self.region, size / self.scale, limit, len(rows)))
        for row in rows:
            self.y += fitted
            self.items.append((cls, x, self.y, fitted, bold, mono, row, lang))
            self.y += fitted * 0.25
        self.y += 0.6

    def code_row(
        self, caption: str, code: str, *, width: float, cls: str, scale: float = 1.0, lang: str | None = None
    ) -> None:
        """A caption in small type and a code in large monospace type on one baseline."""
        code_nat = max(1.0, text_width(code, 1.0, mono=True))
        cap_nat = text_width(caption, MIN_TEXT)
        fit = max(5.0, (width - cap_nat - 1.5) / code_nat)
        size = max(MIN_TEXT, min(8.0 * scale, fit))
        self.metrics.append((self.region, 8.0, fit, 1))
        room = min(width * 0.85, code_nat * size)
        shown = _cut(code, room, size, True)
        cap_w = width - room - 1.5
        cap, cap_size = _fit(caption, cap_w, max(MIN_TEXT, 2.8 * scale), lines=1)
        self.y += size
        self.items.append(("", MARGIN, self.y, cap_size, False, False, cap[0] if cap else "", lang))
        self.items.append((cls, MARGIN + cap_w + 1.5, self.y, size, True, True, shown, None))
        self.y += size * 0.25 + 0.6

    def svg(self) -> str:
        out = []
        for cls, x, y, size, bold, mono, text, lang in self.items:
            klass = f' class="{cls}"' if cls else ""
            weight = ' font-weight="bold"' if bold else ""
            family = _fonts.font_family(text, lang=lang, mono=mono)  # constant names, no markup
            language = f' xml:lang="{lang}"' if lang else ""
            out.append(
                f'<text{klass}{language} x="{svg.fmt(x)}" y="{svg.fmt(y)}" font-family="{family}" '
                f'font-size="{svg.fmt(size)}"{weight}>{svg.xml_text(text)}</text>'
            )
        return "".join(out)

    def runs(self) -> list[_fonts.TextRun]:
        """The texts as the font embedder needs them."""
        return [_fonts.TextRun(item[6], item[7], item[4], item[5]) for item in self.items]


def _voice_pick_box(code: str, x: float, y: float) -> tuple[str, float, float]:
    """PTI Voice Pick Code: first two digits small, last two large, in a box."""
    w, h = VOICE_BOX
    small, large = code[:2], code[2:]
    return (
        f'<g class="voice-pick"><rect x="{svg.fmt(x)}" y="{svg.fmt(y)}" width="{w:g}" height="{h:g}" '
        f'fill="#fff" stroke="#000" stroke-width="0.4"/>'
        f'<text x="{svg.fmt(x + 2)}" y="{svg.fmt(y + 9.5)}" font-family="{svg.SANS}" font-size="5">'
        f"{svg.xml_text(small)}</text>"
        f'<text x="{svg.fmt(x + 9)}" y="{svg.fmt(y + 11.5)}" font-family="{svg.SANS}" font-size="11" '
        f'font-weight="bold">{svg.xml_text(large)}</text></g>',
        w,
        h,
    )


def _check_fonts(fonts: str) -> str:
    if fonts not in FONT_MODES:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            f"fonts must be one of {', '.join(FONT_MODES)}",
            field="fonts",
            context={"expected": list(FONT_MODES), "actual": str(fonts)[:40]},
        )
    return fonts


def _font_style(page: _Page, fonts: str) -> str:
    """The ``<style>`` embedding the fonts of ``page``'s texts ('' when only referenced)."""
    if fonts == "reference":
        return ""
    runs = page.runs()
    if fonts == "auto":
        needed = {face for run in runs for face in _fonts.faces_of(run)}
        if not _fonts.fonts_available(needed):
            return ""
    return _fonts.embedded_style(runs)


def render_sheet(content: SheetContent, *, engine: str = DEFAULT_ENGINE, fonts: str = "auto") -> str:
    """The carton sheet SVG of already-resolved ``content``.

    Text sizes are scaled down (to 60 %) when the content would run into the GS1-128 symbols;
    beyond that ``render.sheet.overflow`` is raised. ``fonts``: ``"embed"`` puts subsets of the
    fonts in the SVG (``render.font.missing`` when a font or fontTools is not installed),
    ``"reference"`` only names the families, ``"auto"`` embeds when it can.
    """
    eng: Engine = check_engine(engine)
    _check_fonts(fonts)
    linear = (
        gs1_128_symbols(
            content.linear_elements,
            engine=eng,
            x_dim=SHEET_X_DIM,
            max_width=LINEAR_MAX_WIDTH,
            validate=not content.validated,
        )
        if content.linear_elements
        else []
    )
    matrix: MatrixSymbol | None = None
    kind, quiet = "qr", 4
    if content.digital_link:
        matrix = qr_modules(content.digital_link, ec_level="M", engine=eng)
    elif content.datamatrix_elements:
        els = content.datamatrix_elements
        if not content.validated:
            check_elements(els)
        matrix = datamatrix_modules(els, raw=raw_string(els), engine=eng)
        kind, quiet = "datamatrix", 2
    symbols: list[str] = []
    side_w, side_h = 0.0, 0.0
    x_right = PAGE_WIDTH - MARGIN
    if matrix is not None:
        module = min(0.6, QR_MAX / (matrix.width + 2 * quiet))
        group, side_w, side_h = svg.matrix_group(
            matrix,
            module=module,
            quiet_zone=quiet,
            x0=x_right - (matrix.width + 2 * quiet) * module,
            y0=MARGIN,
            kind=kind,
        )
        symbols.append(group)
    if content.voice_pick:
        group, w, h = _voice_pick_box(
            content.voice_pick, x_right - VOICE_BOX[0], MARGIN + side_h + (1 if side_h else 0)
        )
        symbols.append(group)
        side_w, side_h = max(side_w, w), side_h + h + (1 if side_h else 0)
    linear_h = 0.0
    if linear:
        linear_w, linear_h = stack_size(
            linear, x_dim=SHEET_X_DIM, bar_height=BAR_HEIGHT_MIN, quiet_zone=QUIET_ZONE, hri=True, gap=2.0
        )
        linear_top = PAGE_HEIGHT - BOTTOM_MARGIN - linear_h
        group, _, _ = _stack(
            linear,
            x_dim=SHEET_X_DIM,
            bar_height=BAR_HEIGHT_MIN,
            quiet_zone=QUIET_ZONE,
            hri=True,
            y0=linear_top,
            x0=(PAGE_WIDTH - linear_w) / 2,
            gap=2.0,
        )
        symbols.append(group)
    limit = PAGE_HEIGHT - BOTTOM_MARGIN - linear_h - 1.0
    needed = 0.0
    scales = [1.0, 0.9, 0.8, 0.7, 0.6]
    while scales:
        scale = scales.pop(0)
        page = _text_block(content, scale=scale, side_w=side_w, side_h=side_h)
        needed = page.y
        if needed > limit and scale == 1.0:
            # Estimate the height at the smaller scales from this layout's line metrics (the
            # side block does not shrink) and skip the scales that cannot fit.
            def estimate(s: float, page: _Page = page) -> float:
                height = {"top": 0.0, "bottom": 0.0}
                for region, preferred, cap, rows in page.metrics:
                    size = max(MIN_TEXT, min(preferred * s, cap))
                    height[region] += rows * size * 1.25 + 0.6
                return max(MARGIN - 1.0 + height["top"], MARGIN + side_h + 1.0) + height["bottom"]

            scales = [s for s in scales if estimate(s) <= limit + 0.2] or scales[-1:]
        if needed <= limit:
            title = content.product_en or content.product_vi
            body = _font_style(page, fonts) + page.svg() + "".join(symbols)
            return svg.document(body, PAGE_WIDTH, PAGE_HEIGHT, title=f"Carton label: {title}")
    raise TraceStdError.from_code(
        ErrorCode.RENDER_SHEET_OVERFLOW,
        "the label text does not fit the 100 x 150 mm sheet above the GS1-128 symbols",
        context={"needed_mm": round(needed + PAGE_HEIGHT - limit, 1), "page_mm": PAGE_HEIGHT},
    )


def _text_block(content: SheetContent, *, scale: float, side_w: float, side_h: float) -> _Page:
    """Lay out the text: beside the 2D symbol / voice pick box, then full width."""
    page = _Page()
    page.scale = scale
    inner = PAGE_WIDTH - 2 * MARGIN
    narrow = inner - (side_w + 3.0 if side_w else 0.0)

    def width() -> float:
        return narrow if page.y < MARGIN + side_h else inner

    page.text(content.product_vi, size=5.5 * scale, width=width(), bold=True, cls="product-vi")
    if content.product_en:
        page.text(content.product_en, size=4.2 * scale, width=width(), cls="product-en")
    if content.crop and not content.product_en and not content.market_lines:
        page.text(content.crop, size=3.2 * scale, width=width(), lines=1)
    if content.origin:
        page.text(
            f"Origin / Xuất xứ: {content.origin}", size=3.2 * scale, width=width(), lines=1, cls="origin"
        )
    if content.exporter:
        page.text(
            f"Exporter / Nhà xuất khẩu: {content.exporter}", size=3.2 * scale, width=width(), cls="exporter"
        )
    for caption, value in content.details:
        page.text(f"{caption}: {value}", size=3.0 * scale, width=width(), lines=2, cls="detail")
    # the market's particulars: short ones share a row, long ones wrap to 4 rows before an ellipsis
    size = max(3.0 * scale, MIN_TEXT)
    below_side = MARGIN + side_h + 1.0

    def place(line: str) -> None:
        if page.y < MARGIN + side_h:  # beside the QR Code: go below it when that ends higher
            beside, at = _fit(line, narrow, size, lines=_ROWS_NEEDED)  # uncut: rows it really needs
            below, bt = _fit(line, inner, size, lines=_ROWS_NEEDED)
            cut = len(beside) > _MARKET_ROWS >= len(below)  # beside, it would end in an ellipsis
            if cut or below_side + len(below) * bt * 1.25 < page.y + len(beside) * at * 1.25 - 1e-9:
                page.y = below_side
        page.text(
            line, size=3.0 * scale, width=width(), cls="market-line", lang=content.lang, lines=_MARKET_ROWS
        )

    row = ""
    for caption, value in content.market_lines:
        line = f"{caption}: {value}"
        if row and text_width(f"{row}{_SEPARATOR}{line}", size) <= width():
            row = f"{row}{_SEPARATOR}{line}"
            continue
        if row:
            place(row)
        row = line
    if row:
        place(row)
    page.region = "bottom"
    page.y = max(page.y, MARGIN + side_h + 1.0)
    lang = content.lang
    for required in content.required_texts:
        page.text(required, size=3.6 * scale, width=inner, bold=True, cls="required-text", lang=lang)
    if content.puc:
        page.code_row(content.puc_caption, content.puc, width=inner, cls="puc", scale=scale, lang=lang)
    if content.phc:
        page.code_row(content.phc_caption, content.phc, width=inner, cls="phc", scale=scale, lang=lang)
    return page


# -- label -> sheet content -------------------------------------------------------------------------


def _date(value: Any) -> str:
    return value.isoformat() if isinstance(value, _dt.date) else str(value)


def _weight(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


_SEPARATOR = "   "  # between two particulars sharing a row
_MARKET_ROWS = 4  # rows a particular may wrap over before it is cut with an ellipsis
_ROWS_NEEDED = 64  # "as many as needed", to measure a line

# Fields the market lines print in the market's language: the Vietnamese/English block skips them.
_TOP_DETAILS = {"pack_date", "best_before", "net_weight_kg", "exporter"}


def _market_value(req: Any, value: Any) -> str:
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{_weight(value)} {req.unit or 'kg'}"
    text = str(value)
    wording = dict(req.values)
    return f"{wording[text]} ({text.upper()})" if text in wording else text


def _prints_name(lines: tuple[tuple[str, str], ...], name: Any, lang: str | None) -> bool:
    """Whether the market lines start with the product name in the market's language (which then
    replaces the English name on the sheet)."""
    return bool(lines and lang and lines[0][1] == getattr(name, lang, None))


def market_lines(label: Any, profile: Any) -> tuple[tuple[tuple[str, str], ...], dict[str, str]]:
    """The (caption, value) lines of the market's particulars, and the captions of PUC/PHC.

    One line per requirement with a caption whose field the label fills (required or optional);
    a requirement with ``print_with`` joins its value to that requirement's line (name, address).
    PUC and PHC get their caption on the code rows instead of a line of their own.
    """
    from trace_std.label.rules import field_value

    values = {name: getattr(label, name, None) for name in type(label).model_fields}
    lines: dict[str, list[str]] = {}
    captions: dict[str, str] = {}
    order: list[tuple[str, str]] = []
    for req in profile.requirements:
        if req.field is None or req.caption is None or "carton" not in req.on or req.status == "applies":
            continue
        if req.field in ("puc", "phc"):
            captions[req.field] = req.caption
            continue
        value = field_value(values, req.field)
        if value is None or value == "":
            continue
        target = req.print_with if req.print_with in lines else req.id
        if target not in lines:
            lines[target] = []
            order.append((req.id, req.caption))
        lines[target].append(_market_value(req, value))
    return tuple((caption, ", ".join(lines[rid])) for rid, caption in order), captions


def sheet_content(
    label: Any,
    *,
    market: str | None = None,
    resolver: str = DEFAULT_RESOLVER,
    elements: Sequence[tuple[str, str]] | None = None,
    qr_content: str = "trace",
) -> SheetContent:
    """Resolve a :class:`~trace_std.label.CartonLabel` and its market profile into sheet content.

    ``market`` defaults to the profile of the label's destination market; a label without a
    destination and no ``market`` gets the domestic ``VN`` profile. ``qr_content`` chooses the
    Digital Link in the QR Code: ``"trace"`` (default: GTIN and its key qualifiers in the path,
    PUC (90) and PHC (7030) as attributes), ``"short"`` (path only) or ``"full"`` (every
    attribute); see ``docs/rendering.md``.
    """
    from trace_std.label import to_elements
    from trace_std.label.markets import market_for_destination, market_profile

    if market is not None:
        try:
            profile = market_profile(market)
        except KeyError:
            raise TraceStdError.from_code(
                ErrorCode.RENDER_OPTION_INVALID,
                f"no market profile {market!r}",
                field="market",
                context={"actual": market},
            ) from None
    else:
        dest = getattr(label, "destination_market", None)
        found = market_for_destination(str(dest)) if dest else None
        profile = found if found is not None else market_profile("VN")
    els = as_elements(elements if elements is not None else to_elements(label))
    check_elements(els)  # once, for every symbol below
    symbols = set(profile.symbols)
    wanted = profile.gs1_128_elements or DEFAULT_LINEAR_AIS
    linear = tuple(e for ai in wanted for e in els if e[0] == ai) if "gs1-128" in symbols else ()
    dl = digital_link(els, resolver, validate=False, content=qr_content) if "qr" in symbols else None
    voice = None
    if profile.voice_pick or "voice-pick" in symbols:
        from trace_std.gs1.voice_pick import voice_pick_code

        voice = voice_pick_code(label.gtin, label.lot, label.pack_date)
    name = getattr(label, "product_name", None)
    lines, captions = market_lines(label, profile) if profile.requirements else ((), {})
    shown = {r.field for r in profile.requirements if r.caption and r.field in _TOP_DETAILS}
    shown &= {f for f in _TOP_DETAILS if getattr(label, f, None) is not None}
    details: list[tuple[str, str]] = [("LOT / Lô", str(label.lot))]
    if getattr(label, "harvest_date", None) is not None:
        harvest = _date(label.harvest_date)
        if getattr(label, "harvest_date_end", None) is not None:
            harvest += " – " + _date(label.harvest_date_end)
        details.append(("Harvest / Thu hoạch", harvest))
    if "pack_date" not in shown:
        details.append(("Packed / Đóng gói", _date(label.pack_date)))
    if getattr(label, "best_before", None) is not None and "best_before" not in shown:
        details.append(("Best before / Hạn dùng", _date(label.best_before)))
    if "net_weight_kg" not in shown:
        details.append(("Net weight / Khối lượng tịnh", f"{_weight(label.net_weight_kg)} kg"))
    lang = profile.languages[0] if profile.languages else None
    return SheetContent(
        product_vi=name.vi if name is not None else str(getattr(label, "crop", "") or ""),
        product_en=None if name is None or _prints_name(lines, name, lang) else name.en,
        origin=None if profile.requirements and profile.required_text else "Viet Nam",
        crop=getattr(label, "crop", None),
        exporter=None if "exporter" in shown else getattr(label, "exporter", None),
        required_texts=profile.texts("carton"),
        puc=getattr(label, "puc", None),
        phc=getattr(label, "phc", None),
        details=tuple(details),
        linear_elements=linear,
        digital_link=dl,
        datamatrix_elements=els if "datamatrix" in symbols else (),
        voice_pick=voice,
        market=profile.market,
        validated=True,
        market_lines=lines,
        lang=lang,
        # a market with its own caption prints it instead of the Vietnamese one (room on the row)
        puc_caption=f"PUC / {captions['puc']}" if "puc" in captions else "PUC / Mã số vùng trồng",
        phc_caption=f"PHC / {captions['phc']}" if "phc" in captions else "PHC / Mã số cơ sở đóng gói",
    )


def carton_sheet_svg(
    label: Any,
    *,
    market: str | None = None,
    engine: str = DEFAULT_ENGINE,
    resolver: str = DEFAULT_RESOLVER,
    qr_content: str = "trace",
    fonts: str = "auto",
) -> str:
    """The 100 x 150 mm carton label sheet (SVG) of a :class:`~trace_std.label.CartonLabel`.

    ``fonts``: see :func:`render_sheet` (``"auto"`` embeds font subsets when the fonts are installed).
    """
    _check_fonts(fonts)
    content = sheet_content(label, market=market, resolver=resolver, qr_content=qr_content)
    return render_sheet(content, engine=engine, fonts=fonts)
