"""Printing carton sheets: a label file as a multi-page PDF, per-row SVG/PNG, a single PNG sheet.

The PDF pages are rasterised (pypdfium2, PDFium's Python binding) and their barcodes decoded with
zxing-cpp: what is printed must scan back to the row's own data.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest

from tests.label.messy_files import FILES
from trace_std.cli import main
from trace_std.errors import TraceStdError

zxingcpp = pytest.importorskip("zxingcpp")
pytest.importorskip("openpyxl")
pytest.importorskip("cairosvg")
pdfium = pytest.importorskip("pypdfium2")

from trace_std.render.print import print_batch, sheet_png  # noqa: E402

AS_OF = dt.date(2025, 12, 1)
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labels"
MM = 72 / 25.4


def _decoded(image: Any) -> set[str]:
    return {r.text for r in zxingcpp.read_barcodes(image)}


def _week48(tmp_path: Path) -> Path:
    path = tmp_path / "week48.xlsx"
    path.write_bytes(FILES["week48.xlsx"]())
    return path


def test_pdf_has_one_page_per_valid_row_at_the_sheet_size_and_scans_back(tmp_path: Path) -> None:
    out = tmp_path / "week48.pdf"
    run = print_batch(_week48(tmp_path), out, as_of=AS_OF)
    assert run.printed == [5, 6]  # rows 7 and 8 are not valid: not printed
    assert (run.report.rows_total, run.report.rows_invalid) == (4, 2)
    pdf = pdfium.PdfDocument(str(out))
    assert len(pdf) == 2
    expected_gtins = ["08935234567895", "00012345678905"]
    for page, gtin, serial in zip(pdf, expected_gtins, ["000123", "000124"], strict=True):
        width, height = page.get_size()
        assert (round(width / MM, 1), round(height / MM, 1)) == (100.0, 150.0)
        texts = _decoded(page.render(scale=300 / 72).to_pil())
        assert f"(01){gtin}(13)250305" in texts  # GS1-128: GTIN and pack date of the row
        assert "(10)DF2503A" in texts
        qr = [t for t in texts if t.startswith("https://")]
        assert qr and f"/01/{gtin}/10/DF2503A/21/{serial}" in qr[0] and "90=VN-DTOR-0017" in qr[0]


def test_directory_output_svg_and_png(tmp_path: Path) -> None:
    svgs = print_batch(_week48(tmp_path), f"{tmp_path}/svg/", as_of=AS_OF)
    assert [Path(p).name for p in svgs.paths] == ["row-0005.svg", "row-0006.svg"]
    assert Path(svgs.paths[0]).read_text("utf-8").startswith("<svg")
    pngs = print_batch(_week48(tmp_path), f"{tmp_path}/png/", fmt="png", as_of=AS_OF)
    from PIL import Image

    image = Image.open(pngs.paths[1])
    assert image.size == (1181, 1772)  # 100 x 150 mm at 300 dpi
    assert "(01)00012345678905(13)250305" in _decoded(image)


def test_png_output_needs_exactly_one_printable_row(tmp_path: Path) -> None:
    with pytest.raises(TraceStdError) as info:
        print_batch(_week48(tmp_path), tmp_path / "x.png", as_of=AS_OF)
    assert info.value.code == "render.option.invalid"
    one = print_batch(EXAMPLES / "valid-carton-cn-dragon-fruit.json", tmp_path / "one.png")
    assert one.printed == [1] and (tmp_path / "one.png").read_bytes().startswith(b"\x89PNG")
    with pytest.raises(TraceStdError):
        print_batch(_week48(tmp_path), tmp_path / "x.docx", as_of=AS_OF)
    with pytest.raises(TraceStdError):
        sheet_png("<svg/>", dpi=10)


def test_cli_batch_sheet(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _week48(tmp_path)
    out = tmp_path / "week48.pdf"
    code = main(["encode", "--batch", str(source), "--to", "sheet", "-o", str(out), "--as-of", "2025-12-01"])
    assert code == 1  # two rows could not be printed: said on stderr
    err = capsys.readouterr().err
    assert "2 sheets written" in err and "label.gtin.leading_zeros" in err
    assert len(pdfium.PdfDocument(str(out))) == 2
    clean = tmp_path / "comma.csv"
    clean.write_bytes(FILES["week48-comma.csv"]())
    assert main(["encode", "--batch", str(clean), "--to", "sheet", "-o", str(tmp_path / "d") + "/"]) == 0
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["row-0003.svg", "row-0004.svg"]
    # usage errors
    assert main(["encode", "--batch", str(clean), "--to", "qr", "-o", str(out)]) == 2
    assert main(["encode", "--batch", str(clean), "--to", "sheet"]) == 2
    assert main(["encode", "--batch", str(tmp_path / "missing.csv"), "--to", "sheet", "-o", str(out)]) == 2


def test_single_label_sheet_as_png_and_pdf(tmp_path: Path) -> None:
    label = EXAMPLES / "valid-carton-cn-dragon-fruit.json"
    expected = json.loads(label.read_text("utf-8"))["gtin"]
    png = tmp_path / "x.png"
    assert main(["encode", str(label), "--to", "sheet", "-o", str(png)]) == 0
    from PIL import Image

    assert any(t.startswith(f"(01){expected}") for t in _decoded(Image.open(io.BytesIO(png.read_bytes()))))
    pdf = tmp_path / "x.pdf"
    assert main(["encode", str(label), "--to", "sheet", "-o", str(pdf)]) == 0
    assert len(pdfium.PdfDocument(str(pdf))) == 1
