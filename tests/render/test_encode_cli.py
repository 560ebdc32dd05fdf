"""``encode_label`` and ``trace-std encode``: every target, decoded back where it is a symbol."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from trace_std.cli import main
from trace_std.errors import TraceStdError

pytest.importorskip("zxingcpp")
label_mod = pytest.importorskip("trace_std.label")

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labels"
RESOLVER = "https://id.example.vn"


def _example(market: str = "CN") -> Path:
    for path in sorted(EXAMPLES.glob("valid-*.json")):
        data = json.loads(path.read_text("utf-8"))
        if data.get("destination_market") == market and "content_gtin" not in data:
            return path
    pytest.skip(f"no example carton label for {market}")


def _elements(path: Path) -> list[tuple[str, str]]:
    label = label_mod.CartonLabel.model_validate(json.loads(path.read_text("utf-8")))
    return list(label_mod.to_elements(label))


def test_text_targets(capsys: pytest.CaptureFixture[str]) -> None:
    from trace_std.gs1.digital_link import parse_digital_link
    from trace_std.gs1.element_string import parse_element_string

    path = _example()
    elements = _elements(path)
    assert main(["encode", str(path), "--to", "hri"]) == 0
    hri = capsys.readouterr().out.rstrip("\n")
    assert list(parse_element_string(hri).elements) == elements
    assert main(["encode", str(path), "--to", "raw"]) == 0
    raw = capsys.readouterr().out.rstrip("\n")
    assert "\x1d" in raw and list(parse_element_string(raw).elements) == elements
    assert main(["encode", str(path), "--to", "dl", "--resolver", RESOLVER + "/"]) == 0
    uri = capsys.readouterr().out.rstrip("\n")
    assert uri.startswith(RESOLVER + "/01/")
    assert sorted(parse_digital_link(uri).elements) == sorted(elements)


@pytest.mark.parametrize("engine", ["zxing", "python"])
@pytest.mark.parametrize("target", ["gs1-128", "qr", "datamatrix"])
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_symbol_targets_scan(engine: str, target: str, fmt: str, tmp_path: Path, svgkit: Any) -> None:
    from trace_std.render import gs1_128
    from trace_std.render._elements import digital_link, raw_string
    from trace_std.render.encode import linear_elements

    path = _example()
    out = tmp_path / f"out.{fmt}"
    code = main(
        ["encode", str(path), "--to", target, "--engine", engine, "-o", str(out), "--resolver", RESOLVER]
    )
    if target == "datamatrix" and engine == "python":
        assert code == 2 and not out.exists()
        return
    assert code == 0
    if fmt == "png":
        found = svgkit["decode_png"](out.read_bytes())
    else:
        svg_text = out.read_text("utf-8")
        found = [s for g in svgkit["groups"](svg_text) for s in svgkit["decode_group"](svg_text, g)]
    elements = _elements(path)
    if target == "qr":
        assert [(s.symbology_identifier, s.text) for s in found] == [
            ("]Q1", digital_link(elements, RESOLVER))
        ]
    elif target == "datamatrix":
        assert [(s.symbology_identifier, s.bytes.decode()) for s in found] == [("]d2", raw_string(elements))]
    else:
        linear = linear_elements(tuple(elements), "CN")
        expected = sorted(raw_string(g) for g in gs1_128.split_elements(linear))
        assert sorted(s.bytes.decode() for s in found) == expected
        assert {s.symbology_identifier for s in found} == {"]C1"}


def test_sheet_to_stdout(capsysbinary: pytest.CaptureFixture[bytes], svgkit: Any) -> None:
    path = _example()
    assert main(["encode", str(path), "--to", "sheet", "--resolver", RESOLVER]) == 0
    svg_text = capsysbinary.readouterr().out.decode("utf-8")
    kinds = sorted(g.kind for g in svgkit["groups"](svg_text))
    assert kinds in (["gs1-128", "gs1-128", "qr"], ["gs1-128", "qr"])


def test_stdin_and_errors(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = _example()
    data = json.loads(path.read_text("utf-8"))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(json.dumps(data).encode())))
    assert main(["encode", "-", "--to", "hri"]) == 0
    assert capsys.readouterr().out.startswith("(01)")
    # invalid label data -> 1, with the library's code
    bad = tmp_path / "bad.json"
    gtin = data["gtin"]
    bad.write_text(json.dumps({**data, "gtin": gtin[:-1] + str((int(gtin[-1]) + 1) % 10)}), "utf-8")
    assert main(["encode", str(bad), "--to", "hri"]) == 1
    assert "gtin: gs1.key.checksum" in capsys.readouterr().err
    # unreadable / not JSON / not an object -> 2
    assert main(["encode", str(tmp_path / "missing.json"), "--to", "hri"]) == 2
    junk = tmp_path / "junk.json"
    junk.write_bytes(b"\xff\xfe\x00binary")
    assert main(["encode", str(junk), "--to", "hri"]) == 2
    junk.write_text("[1, 2]", "utf-8")
    assert main(["encode", str(junk), "--to", "hri"]) == 2
    # bad options -> 2
    assert main(["encode", str(path), "--to", "dl", "--resolver", "ftp://example"]) == 2
    assert main(["encode", str(path), "--to", "qr", "--format", "pdf"]) == 2  # pdf: the sheet only
    assert main(["encode", str(path), "--to", "sheet", "--market", "XX"]) == 2
    err = capsys.readouterr().err
    assert "render.option.invalid" in err and "render.format.unknown" in err


def test_encode_label_api_errors() -> None:
    from trace_std.render.encode import encode_elements, encode_label

    label = label_mod.CartonLabel.model_validate(json.loads(_example().read_text("utf-8")))
    with pytest.raises(TraceStdError) as info:
        encode_label(label, to="pdf")
    assert info.value.code == "render.format.unknown"
    with pytest.raises(TraceStdError) as info:
        encode_elements([("01", "18935234567892")], to="qr", fmt="gif")
    assert info.value.code == "render.format.unknown"
    png = encode_label(label, to="qr", fmt="png")
    assert isinstance(png, bytes) and png.startswith(b"\x89PNG")


@pytest.mark.parametrize("engine", ["zxing", "python"])
def test_pallet_label(engine: str, tmp_path: Path, svgkit: Any) -> None:
    from trace_std.render._elements import raw_string
    from trace_std.render.gs1_128 import split_elements

    paths = [p for p in sorted(EXAMPLES.glob("valid-pallet-*.json"))]
    if not paths:
        pytest.skip("no example pallet label")
    label = label_mod.PalletLabel.model_validate(json.loads(paths[0].read_text("utf-8")))
    elements = dict(label_mod.to_elements(label))
    out = tmp_path / "pallet.svg"
    assert main(["encode", str(paths[0]), "--to", "gs1-128", "--engine", engine, "-o", str(out)]) == 0
    svg_text = out.read_text("utf-8")
    found = [s for g in svgkit["groups"](svg_text) for s in svgkit["decode_group"](svg_text, g)]
    wanted = [(ai, elements[ai]) for ai in ("00", "02", "37", "13", "10") if ai in elements]
    assert sorted(s.bytes.decode() for s in found) == sorted(raw_string(g) for g in split_elements(wanted))
    assert main(["encode", str(paths[0]), "--to", "sheet"]) == 2  # the sheet is for cartons


def test_qr_content_option_reaches_the_sheet(capsysbinary: pytest.CaptureFixture[bytes], svgkit: Any) -> None:
    from trace_std.render.encode import encode_label

    path = _example()
    label = label_mod.CartonLabel.model_validate(json.loads(path.read_text("utf-8")))
    links = {}
    for content in ("short", "full"):
        assert main(["encode", str(path), "--to", "sheet", "--qr-content", content]) == 0
        svg_text = capsysbinary.readouterr().out.decode("utf-8")
        (qr,) = [g for g in svgkit["groups"](svg_text) if g.kind == "qr"]
        links[content] = svgkit["decode_group"](svg_text, qr)[0].text
        library = encode_label(label, to="sheet", qr_content=content)
        assert isinstance(library, str)
        (lib_qr,) = [g for g in svgkit["groups"](library) if g.kind == "qr"]
        assert svgkit["decode_group"](library, lib_qr)[0].text == links[content]
    assert links["short"] != links["full"] and len(links["short"]) < len(links["full"])


def test_the_library_decides_carton_or_pallet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = sorted(EXAMPLES.glob("valid-pallet-*.json"))
    if not paths:
        pytest.skip("no example pallet label")
    data = json.loads(paths[0].read_text("utf-8"))
    del data["sscc"]  # a pallet label without its SSCC is a pallet label with an error, not a carton
    bad = tmp_path / "pallet.json"
    bad.write_text(json.dumps(data), "utf-8")
    assert main(["encode", str(bad), "--to", "hri"]) == 1
    err = capsys.readouterr().err
    assert "sscc: label.field.required" in err and "gtin:" not in err


def test_encode_texts_matches_the_text_targets() -> None:
    from trace_std.render.encode import encode_label, encode_texts

    label = label_mod.CartonLabel.model_validate(json.loads(_example().read_text("utf-8")))
    texts = encode_texts(label, resolver=RESOLVER)
    for to, key in (("hri", "hri"), ("raw", "raw"), ("dl", "digital_link")):
        assert texts[key] == encode_label(label, to=to, resolver=RESOLVER)
    assert texts["digital_link"].startswith(RESOLVER + "/01/")
