"""GS1-128: symbol specification from the SVG geometry, splitting, and every symbol scanned back."""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trace_std.errors import EncodeError, RenderError, TraceStdError
from trace_std.render import gs1_128
from trace_std.render._elements import is_predefined, raw_string
from trace_std.render.svg import MONO_ADVANCE

pytest.importorskip("zxingcpp")
pytest.importorskip("barcode")

ENGINES = ["zxing", "python"]
PTI = [("01", "18935234567892"), ("10", "DF2503A"), ("13", "250310")]
LONG = [  # 58 raw characters: needs two symbols
    ("01", "18935234567892"),
    ("10", "LOT-2025-DURIAN-07"),
    ("13", "250310"),
    ("3103", "012000"),
    ("15", "250420"),
]
CASES = {
    "gtin": [("01", "18935234567892")],
    "pti": PTI,
    "weight-last": [("01", "18935234567892"), ("10", "A1"), ("3103", "012000")],
    "serial": [("21", "SN:0001/ABC"), ("01", "18935234567892")],
    "long": LONG,
}


def _check_geometry(svg_text: str, svgkit: Any, *, x_dim: float) -> list[Any]:
    groups = svgkit["groups"](svg_text)
    assert groups and all(g.kind == "gs1-128" for g in groups)
    for g in groups:
        qx, _qy, qw, _qh = g.quiet
        bars = sorted(g.boxes)
        narrow = min(b[2] for b in bars)
        assert narrow == pytest.approx(x_dim, abs=1e-3)
        assert gs1_128.X_DIM_MIN <= narrow <= gs1_128.X_DIM_MAX
        # every bar is 1-4 modules wide, every bar at least 32 mm high
        for _x, _y, w, h in bars:
            assert round(w / narrow) in (1, 2, 3, 4) and w == pytest.approx(
                round(w / narrow) * narrow, abs=1e-3
            )
            assert h >= gs1_128.BAR_HEIGHT_MIN
        assert bars[0][0] - qx >= 10 * narrow - 1e-6  # left quiet zone
        assert (qx + qw) - (bars[-1][0] + bars[-1][2]) >= 10 * narrow - 1e-6  # right quiet zone
        assert qw <= gs1_128.MAX_WIDTH
        # HRI under the bars, AIs in brackets, no FNC1 glyph, never wider than the symbol
        (text,) = g.texts
        assert float(text.get("y", "0")) > bars[0][1] + bars[0][3]
        content = text.text or ""
        assert content.startswith("(") and "\xf1" not in content and "ñ" not in content
        assert len(content) * MONO_ADVANCE * float(text.get("font-size", "0")) <= qw
        assert text.get("font-family") in ("monospace", "sans-serif", "serif")
    return groups


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_svg_geometry_and_scan(engine: str, case: str, svgkit: Any) -> None:
    elements = CASES[case]
    svg_text = gs1_128.gs1_128_svg(elements, engine=engine)
    groups = _check_geometry(svg_text, svgkit, x_dim=gs1_128.DEFAULT_X_DIM)
    carried = []
    for g in groups:
        (symbol,) = svgkit["decode_group"](svg_text, g)
        assert symbol.symbology_identifier == "]C1"
        decoded = symbol.bytes.decode("ascii")
        assert len(decoded) <= gs1_128.MAX_DATA_CHARS
        carried.append(decoded)
    expected = gs1_128.split_elements(elements)
    assert carried == [raw_string(group) for group in expected]
    assert sorted(e for group in expected for e in group) == sorted(elements)
    assert len(groups) == (2 if case == "long" else 1)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("module_px", "dpi"), [(6, 300), (12, 600), (4, 203)])
def test_png_whole_pixels_and_scan(engine: str, module_px: int, dpi: int, svgkit: Any) -> None:
    from PIL import Image

    png = gs1_128.gs1_128_png(PTI, engine=engine, module_px=module_px, dpi=dpi)
    with Image.open(io.BytesIO(png)) as img:
        assert img.info["dpi"] == pytest.approx((dpi, dpi), abs=0.01)
        gray = img.convert("L")
        row = gray.tobytes()[: img.width]
        height = img.height
        bar_px = round(gs1_128.BAR_HEIGHT_MIN * dpi / 25.4)
        assert height > bar_px  # room for the HRI line under the bars
        hri_band = gray.crop((0, bar_px + 1, img.width, height))
        assert hri_band.getextrema()[0] < 128  # the HRI text is drawn there
    runs = []
    current, length = row[0], 0
    for px in row:
        if px == current:
            length += 1
        else:
            runs.append((current, length))
            current, length = px, 1
    runs.append((current, length))
    inner = runs[1:-1]  # between the two quiet zones
    assert all(length % module_px == 0 for _, length in inner)
    assert min(length for _, length in inner) == module_px >= 2
    assert runs[0][1] >= 10 * module_px and runs[-1][1] >= 10 * module_px
    assert height * 25.4 / dpi >= gs1_128.BAR_HEIGHT_MIN
    (symbol,) = svgkit["decode_png"](png)
    (group,) = gs1_128.split_elements(PTI, x_dim=module_px * 25.4 / dpi)
    assert (symbol.symbology_identifier, symbol.bytes.decode()) == ("]C1", raw_string(group))
    assert group == (PTI[0], PTI[2], PTI[1])  # predefined-length (13) moved before (10): no separator


@pytest.mark.parametrize("engine", ENGINES)
def test_png_two_symbols_scan(engine: str, svgkit: Any) -> None:
    png = gs1_128.gs1_128_png(LONG, engine=engine)
    found = sorted(s.bytes.decode() for s in svgkit["decode_png"](png))
    assert found == sorted(raw_string(g) for g in gs1_128.split_elements(LONG, x_dim=0.508))
    assert all(s.symbology_identifier == "]C1" for s in svgkit["decode_png"](png))


def test_split_only_at_ai_boundaries_predefined_first() -> None:
    groups = gs1_128.split_elements(LONG)
    assert len(groups) == 2
    assert sorted(e for g in groups for e in g) == sorted(LONG)
    for group in groups:
        flags = [is_predefined(ai) for ai, _ in group]
        assert flags == sorted(flags, reverse=True)  # predefined-length AIs first
        assert len(raw_string(group)) <= gs1_128.MAX_DATA_CHARS
    assert groups[0][0] == ("01", "18935234567892")


def test_split_respects_width_limit() -> None:
    # one symbol would be 152 mm wide: fits 165 mm but not a 100 mm label
    assert len(gs1_128.split_elements(PTI, x_dim=0.508)) == 1
    groups = gs1_128.split_elements(PTI, x_dim=0.495, max_width=99.0)
    assert len(groups) == 2
    for group in groups:
        assert (gs1_128.estimate_modules(raw_string(group)) + 20) * 0.495 <= 99.0


@pytest.mark.parametrize("engine", ENGINES)
def test_estimate_matches_engines(engine: str) -> None:
    from trace_std.render.engines import code128_modules

    for elements in CASES.values():
        for group in gs1_128.split_elements(elements):
            symbol = code128_modules(
                group, predefined=[is_predefined(a) for a, _ in group], hri="", engine=engine
            )
            assert len(symbol.modules) <= gs1_128.estimate_modules(raw_string(group))


def test_too_wide_for_the_label() -> None:
    # 20-character lot: fits two symbols by character count, not 99 mm at X = 0.495 mm
    elements = [("01", "18935234567892"), ("10", "ABCDEFGHIJKLMNOPQRST")]
    assert len(gs1_128.split_elements(elements)) == 2  # fine within 165 mm
    with pytest.raises(RenderError) as info:
        gs1_128.split_elements(elements, x_dim=0.495, max_width=99.0)
    assert info.value.code == "render.symbol.too_wide"


def test_too_long_for_two_symbols() -> None:
    elements = [
        ("01", "18935234567892"),
        ("10", "A" * 20),
        ("21", "B" * 20),
        ("240", "C" * 30),
        ("91", "D" * 30),
    ]
    with pytest.raises(EncodeError) as info:
        gs1_128.gs1_128_svg(elements)
    assert info.value.code == "render.gs1_128.too_long"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"x_dim": 0.2}, "x_dim"),
        ({"x_dim": 1.2}, "x_dim"),
        ({"bar_height": 20.0}, "bar_height"),
        ({"quiet_zone": 5}, "quiet_zone"),
    ],
)
def test_out_of_spec_svg_options_rejected(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(RenderError) as info:
        gs1_128.gs1_128_svg(PTI, **kwargs)
    assert (info.value.code, info.value.field) == ("render.option.invalid", field)


@pytest.mark.parametrize(("kwargs", "field"), [({"module_px": 1}, "module_px"), ({"module_px": 2}, "x_dim")])
def test_out_of_spec_png_options_rejected(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(RenderError) as info:
        gs1_128.gs1_128_png(PTI, **kwargs)
    assert (info.value.code, info.value.field) == ("render.option.invalid", field)


def test_engine_and_input_errors() -> None:
    with pytest.raises(RenderError) as info:
        gs1_128.gs1_128_svg(PTI, engine="cairo")
    assert info.value.code == "render.engine.unknown"
    with pytest.raises(EncodeError) as info2:
        gs1_128.gs1_128_svg([])
    assert info2.value.code == "render.elements.empty"
    with pytest.raises(TypeError):
        gs1_128.gs1_128_svg("(01)18935234567892")  # type: ignore[arg-type]


@pytest.mark.parametrize("engine", ENGINES)
def test_hostile_but_legal_values_are_escaped(engine: str, svgkit: Any) -> None:
    # GS1 character set 82 allows " & ' < > in variable-length values
    elements = [("01", "18935234567892"), ("10", "<a&\"b'>")]
    svg_text = gs1_128.gs1_128_svg(elements, engine=engine)
    root = ET.fromstring(svg_text)  # well-formed
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["(01)18935234567892(10)<a&\"b'>"]
    (g,) = svgkit["groups"](svg_text)
    (symbol,) = svgkit["decode_group"](svg_text, g)
    assert symbol.bytes.decode() == raw_string(elements)


def test_invalid_values_rejected_before_rendering() -> None:
    # a character outside GS1's character set 82: the GS1 validator's code, not a render code
    with pytest.raises(TraceStdError) as info:
        gs1_128.gs1_128_svg([("01", "18935234567892"), ("10", "DURIAN-\u00e9")])
    assert info.value.code.startswith("gs1.")
    with pytest.raises(TraceStdError) as info2:
        gs1_128.gs1_128_svg([("01", "18935234567893")])  # wrong check digit
    assert info2.value.code.startswith("gs1.")


@pytest.mark.parametrize("engine", ENGINES)
def test_engine_failure_is_coded(engine: str) -> None:
    from trace_std.render.engines import code128_modules

    with pytest.raises(RenderError) as info:
        code128_modules([("10", "\u4e2d")], predefined=[False], hri="", engine=engine)  # type: ignore[arg-type]
    assert info.value.code == "render.symbol.failed"


CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"


@pytest.mark.slow
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    lot=st.text(alphabet=CSET82, min_size=1, max_size=20),
    date=st.dates().map(lambda d: d.strftime("%y%m%d")),
    engine=st.sampled_from(ENGINES),
)
def test_property_any_lot_scans_back(lot: str, date: str, engine: str, svgkit: Any) -> None:
    elements = [("01", "18935234567892"), ("10", lot), ("13", date)]
    svg_text = gs1_128.gs1_128_svg(elements, engine=engine)
    decoded = [svgkit["decode_group"](svg_text, g)[0].bytes.decode() for g in svgkit["groups"](svg_text)]
    assert decoded == [raw_string(g) for g in gs1_128.split_elements(elements)]
    assert math.isclose(sum(len(d) for d in decoded), len(raw_string(elements)), abs_tol=2)
