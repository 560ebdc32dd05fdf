"""The carton label sheet: page size, market content, layout bounds, escaping, every symbol scanned."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trace_std.errors import RenderError
from trace_std.render import gs1_128, sheet
from trace_std.render._elements import digital_link, raw_string

pytest.importorskip("zxingcpp")
pytest.importorskip("barcode")
pytest.importorskip("qrcode")

NS = "{http://www.w3.org/2000/svg}"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labels"
ENGINES = ["zxing", "python"]
ELEMENTS = (("01", "18935234567892"), ("10", "DF2503A"), ("13", "250310"), ("3103", "012000"))
CN_TEXT = "Exported to the People's Republic of China / 输往中华人民共和国"


def _content(**changes: Any) -> sheet.SheetContent:
    base = sheet.SheetContent(
        product_vi="Thanh long ruột đỏ",
        product_en="Red dragon fruit",
        exporter="Công ty TNHH Trái cây Bình Thuận",
        required_texts=(CN_TEXT,),
        puc="VN-DTOR-0017",
        phc="VN-BTPH-036",
        details=(("LOT / Lô", "DF2503A"), ("Packed / Đóng gói", "2025-03-10")),
        linear_elements=ELEMENTS[:3],
        digital_link=digital_link(ELEMENTS, "https://id.example.vn"),
        market="CN",
    )
    return sheet.SheetContent(**{**{f: getattr(base, f) for f in base.__slots__}, **changes})


def _texts(svg_text: str) -> list[ET.Element]:
    return list(ET.fromstring(svg_text).iter(f"{NS}text"))


def _check_page(svg_text: str, svgkit: Any) -> dict[str, list[Any]]:
    """Page size, symbols inside the page and not overlapping, text inside the page and above the
    GS1-128 symbols, every symbol decoded. Returns the decoded symbols by kind."""
    root = ET.fromstring(svg_text)
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("100mm", "150mm", "0 0 100 150")
    groups = svgkit["groups"](svg_text)
    boxes = [g.quiet for g in groups]
    for x, y, w, h in boxes:
        assert x >= 0 and x + w <= sheet.PAGE_WIDTH and y >= 0 and y + h <= sheet.PAGE_HEIGHT
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
    linear_top = min((g.quiet[1] for g in groups if g.kind == "gs1-128"), default=sheet.PAGE_HEIGHT)
    for t in _texts(svg_text):
        if t.get("class") is None and t.get("font-family") == "monospace":
            continue  # HRI, checked with the symbol
        size = float(t.get("font-size", "0"))
        x, y = float(t.get("x", "0")), float(t.get("y", "0"))
        assert size >= sheet.MIN_TEXT - 1e-6
        mono = (t.get("font-family") or "").endswith("monospace")
        assert x + sheet.text_width(t.text or "", size, mono=mono) <= sheet.PAGE_WIDTH - 2.0
        assert y <= linear_top  # never runs into the GS1-128 symbols
    for t in _texts(svg_text):  # named faces first, a generic family last
        assert (t.get("font-family") or "").endswith(("sans-serif", "monospace"))
    decoded: dict[str, list[Any]] = {}
    for g in groups:
        found = svgkit["decode_group"](svg_text, g, 10.0)
        assert len(found) == 1, g.kind
        decoded.setdefault(g.kind, []).append(found[0])
    return decoded


@pytest.mark.parametrize("engine", ENGINES)
def test_cn_sheet(engine: str, svgkit: Any) -> None:
    content = _content()
    svg_text = sheet.render_sheet(content, engine=engine)
    decoded = _check_page(svg_text, svgkit)
    (qr,) = decoded["qr"]
    assert (qr.symbology_identifier, qr.text) == ("]Q1", content.digital_link)
    split = gs1_128.split_elements(ELEMENTS[:3], x_dim=sheet.SHEET_X_DIM, max_width=sheet.LINEAR_MAX_WIDTH)
    assert [(s.symbology_identifier, s.bytes.decode()) for s in decoded["gs1-128"]] == [
        ("]C1", raw_string(group)) for group in split
    ]
    # GS1-128 on the sheet: X = 0.495 mm, 32 mm bars, 10X quiet zones
    for g in svgkit["groups"](svg_text):
        if g.kind == "gs1-128":
            bars = sorted(g.boxes)
            assert min(b[2] for b in bars) == pytest.approx(gs1_128.X_DIM_MIN, abs=1e-3)
            assert min(b[3] for b in bars) >= gs1_128.BAR_HEIGHT_MIN
            assert bars[0][0] - g.quiet[0] >= 10 * gs1_128.X_DIM_MIN - 1e-6
    texts = _texts(svg_text)
    required = " ".join(t.text or "" for t in texts if t.get("class") == "required-text")
    assert required.replace(" / ", " ").split() == CN_TEXT.replace(" / ", " ").split()
    puc = [t for t in texts if t.get("class") == "puc"]
    phc = [t for t in texts if t.get("class") == "phc"]
    assert [t.text for t in puc] == ["VN-DTOR-0017"] and [t.text for t in phc] == ["VN-BTPH-036"]
    body = max(float(t.get("font-size", "0")) for t in texts if t.get("class") in ("detail", "exporter"))
    assert float(puc[0].get("font-size", "0")) >= 1.5 * body  # large type
    assert "voice-pick" not in svg_text


@pytest.mark.parametrize("engine", ENGINES)
def test_us_voice_pick_box(engine: str, svgkit: Any) -> None:
    content = _content(
        digital_link=None, required_texts=("Product of Viet Nam",), voice_pick="8027", market="US"
    )
    svg_text = sheet.render_sheet(content, engine=engine)
    decoded = _check_page(svg_text, svgkit)
    assert "qr" not in decoded
    group = next(g for g in ET.fromstring(svg_text).iter(f"{NS}g") if g.get("class") == "voice-pick")
    small, large = group.findall(f"{NS}text")
    assert (small.text, large.text) == ("80", "27")
    assert float(large.get("font-size", "0")) >= 2 * float(small.get("font-size", "0"))


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "A & B \"quoted\" 'single' ]]> <![CDATA[x]]>",
        "ctrl\x00\x1b\x7f\ufffe end",
        "ﷺ" * 80,
        "Trái cây " * 40,
    ],
)
def test_hostile_text_is_escaped_and_bounded(hostile: str, svgkit: Any) -> None:
    content = _content(product_vi=hostile, product_en=hostile, exporter=hostile, crop=hostile)
    svg_text = sheet.render_sheet(content)
    root = ET.fromstring(svg_text)  # well-formed XML
    assert not [el for el in root.iter() if "script" in el.tag]
    assert "<script" not in svg_text
    _check_page(svg_text, svgkit)


def test_overflow_is_coded() -> None:
    content = _content(required_texts=tuple(f"required line {i} " * 6 for i in range(12)))
    with pytest.raises(RenderError) as info:
        sheet.render_sheet(content)
    assert info.value.code == "render.sheet.overflow"


def test_datamatrix_when_no_qr(svgkit: Any) -> None:
    content = _content(digital_link=None, datamatrix_elements=ELEMENTS)
    decoded = _check_page(sheet.render_sheet(content), svgkit)
    (dm,) = decoded["datamatrix"]
    assert (dm.symbology_identifier, dm.bytes.decode()) == ("]d2", raw_string(ELEMENTS))


# -- from label files -------------------------------------------------------------------------------

label_mod = pytest.importorskip("trace_std.label")


def _labels() -> list[Path]:
    return sorted(EXAMPLES.glob("valid-*.json"))


def _carton(path: Path) -> Any:
    data = json.loads(path.read_text("utf-8"))
    if "sscc" in data and "content_gtin" in data:
        pytest.skip("pallet label")
    return label_mod.CartonLabel.model_validate(data)


@pytest.mark.parametrize("path", _labels(), ids=lambda p: p.stem)
def test_example_labels_render_and_scan(path: Path, svgkit: Any) -> None:
    label = _carton(path)
    content = sheet.sheet_content(label, resolver="https://id.example.vn")
    svg_text = sheet.carton_sheet_svg(label, resolver="https://id.example.vn")
    decoded = _check_page(svg_text, svgkit)
    from trace_std.label.markets import market_profile

    profile = market_profile(content.market or "VN")
    assert ("qr" in decoded) == ("qr" in profile.symbols)
    assert ("gs1-128" in decoded) == ("gs1-128" in profile.symbols)
    if "qr" in decoded:
        assert decoded["qr"][0].text == content.digital_link
        assert content.digital_link is not None and content.digital_link.startswith(
            "https://id.example.vn/01/"
        )
    texts = " ".join(t.text or "" for t in _texts(svg_text))
    for required in profile.texts("carton"):
        assert required.split()[0] in texts


@pytest.mark.parametrize("market", ["CN", "US", "AU", "EU", "VN"])
def test_every_market_profile(market: str, svgkit: Any) -> None:
    paths = _labels()
    if not paths:
        pytest.skip("no example labels yet")
    label = _carton(paths[0])
    content = sheet.sheet_content(label, market=market)
    decoded = _check_page(sheet.render_sheet(content), svgkit)
    if market == "US":
        from trace_std.gs1.voice_pick import voice_pick_code

        assert content.voice_pick == voice_pick_code(label.gtin, label.lot, label.pack_date)
        assert {e[0] for e in content.linear_elements} == {"01", "10", "13"}
        carried = "".join(s.bytes.decode() for s in decoded["gs1-128"])
        assert label.lot in carried and label.gtin in carried
    else:
        assert content.voice_pick is None


def test_unknown_market() -> None:
    paths = _labels()
    if not paths:
        pytest.skip("no example labels yet")
    with pytest.raises(RenderError) as info:
        sheet.sheet_content(_carton(paths[0]), market="XX")
    assert info.value.code == "render.option.invalid"


@pytest.mark.parametrize("qr_content", ["trace", "short", "full"])
def test_qr_content_choice(qr_content: str, svgkit: Any) -> None:
    from trace_std.gs1.digital_link import parse_digital_link

    path = EXAMPLES / "valid-carton-cn-dragon-fruit.json"
    if not path.exists():
        pytest.skip("example missing")
    label = _carton(path)
    elements = dict(label_mod.to_elements(label))
    svg_text = sheet.carton_sheet_svg(label, qr_content=qr_content, resolver="https://id.example.vn")
    (qr,) = _check_page(svg_text, svgkit)["qr"]
    carried = dict(parse_digital_link(qr.text).elements)
    path_ais = {"01", "10", "21"} & set(elements)
    expected = {
        "short": path_ais,
        "trace": path_ais | ({"90", "7030"} & set(elements)),
        "full": set(elements),
    }[qr_content]
    assert set(carried) == expected
    assert all(carried[ai] == elements[ai] for ai in carried)


def test_qr_content_unknown() -> None:
    path = EXAMPLES / "valid-carton-cn-dragon-fruit.json"
    if not path.exists():
        pytest.skip("example missing")
    with pytest.raises(RenderError) as info:
        sheet.carton_sheet_svg(_carton(path), qr_content="everything")
    assert (info.value.code, info.value.field) == ("render.option.invalid", "content")


@pytest.mark.slow
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(st.text(min_size=0, max_size=120), min_size=4, max_size=4),
    required=st.lists(st.text(min_size=1, max_size=90), max_size=3),
)
def test_property_any_text_gives_a_well_formed_bounded_sheet(texts: list[str], required: list[str]) -> None:
    product_vi, product_en, exporter, crop = texts
    content = _content(
        product_vi=product_vi,
        product_en=product_en or None,
        exporter=exporter or None,
        crop=crop or None,
        required_texts=tuple(required),
    )
    try:
        svg_text = sheet.render_sheet(content, fonts="reference")  # layout, not fonts (test_sheet_scripts)
    except RenderError as err:
        assert err.code == "render.sheet.overflow"
        return
    root = ET.fromstring(svg_text)
    assert {el.tag.removeprefix(NS) for el in root.iter()} <= {"svg", "title", "rect", "text", "g", "path"}
    assert not [el for el in root.iter() if len(el) and el.tag == f"{NS}text"]  # no markup inside text
    for t in _texts(svg_text):
        size = float(t.get("font-size", "0"))
        mono = (t.get("font-family") or "").endswith("monospace")
        if t.get("class") is None and mono:
            continue
        assert (
            float(t.get("x", "0")) + sheet.text_width(t.text or "", size, mono=mono) <= sheet.PAGE_WIDTH - 2.0
        )


def test_market_line_goes_below_the_qr_when_that_ends_higher() -> None:
    """A long particular beside the QR Code would wrap over many narrow rows: it starts below the
    QR Code at full width when it ends higher there; a short one stays beside it."""
    long_line = ("Импортёр", "ООО «Пример» " + "улица Примерная, дом 1, " * 6 + "Москва")
    content = _content(
        product_en=None,
        exporter=None,
        details=(),
        required_texts=(),
        lang="ru",
        market_lines=(("Наименование", "Лонган свежий"), long_line),
    )
    root = ET.fromstring(sheet.render_sheet(content, fonts="reference"))
    qr = next(g for g in root.iter(f"{NS}g") if g.get("class") == "qr")
    quiet = qr.find(f"{NS}rect")
    assert quiet is not None
    qr_bottom = float(quiet.get("y", "0")) + float(quiet.get("height", "0"))
    lines = [t for t in _texts(ET.tostring(root, encoding="unicode")) if t.get("class") == "market-line"]
    short = next(t for t in lines if (t.text or "").startswith("Наименование"))
    first_long = next(t for t in lines if (t.text or "").startswith("Импортёр"))
    assert float(short.get("y", "0")) < qr_bottom  # beside the QR Code
    assert float(first_long.get("y", "0")) - float(first_long.get("font-size", "0")) >= qr_bottom
    assert all(t.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru" for t in lines)
    assert not any("…" in (t.text or "") for t in lines)
