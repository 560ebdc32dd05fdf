"""Printing carton sheets: a label file's valid rows as a multi-page PDF, or one SVG/PNG per row.

``trace-std encode --batch LABELS.xlsx --to sheet -o week48.pdf`` calls :func:`print_batch`. Every
row of the file is validated as ``trace-std validate`` does (:func:`trace_std.label.batch.iter_file`,
with the same repairs); every valid row becomes one carton sheet (:func:`trace_std.render.sheet.
carton_sheet_svg`), and the rows that are not valid are reported and not printed.

Outputs:

* ``*.pdf``: one page per sheet at the sheet's physical size (100 x 150 mm), vector graphics;
* a directory (``-o DIR/``): ``row-0005.svg`` (or ``.png`` with ``fmt="png"``) per printed row;
* ``*.png``: one raster sheet (the file must then have exactly one valid row).

The SVG is drawn by `CairoSVG <https://cairosvg.org/>`_ (LGPL-3.0, on PyPI; cairo and fontconfig):
it renders the sheet's own SVG, the same file the ``svg`` output gives, with the system's fonts for
Vietnamese and Chinese text, into PDF pages and PNG images. All the pages of a PDF go into one cairo
PDF surface, so fonts are embedded once. The PNG is 300 dpi by default.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import IO, Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.render.engines import DEFAULT_ENGINE, require

__all__ = ["PrintRun", "label_from_values", "print_batch", "sheet_png", "sheets_pdf"]

MM_PER_INCH = 25.4
PT_PER_MM = 72 / MM_PER_INCH


def _cairosvg() -> Any:
    return require("cairosvg")


_CJK_TEXT = re.compile(
    r'(<text\b[^>]*?font-family=")([^"]*)("[^>]*>[^<]*[\u3000-\u9fff\uf900-\ufaff][^<]*</text>)'
)


@cache
def _cjk_family() -> str | None:
    """A font family with Simplified Chinese glyphs, as fontconfig lists it, or ``None``."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return None
    families = sorted({line.split(",")[0].strip() for line in found if line.strip()})
    sans = (
        [f for f in families if "Sans" in f and "SC" in f] or [f for f in families if "SC" in f] or families
    )
    return sans[0] if sans else None


def _with_cjk_font(svg: str) -> str:
    """Point the Chinese text lines of a sheet at a font that has the glyphs.

    cairo draws a text run in one font (no per-glyph fallback). The sheets of trace_std name the
    Noto Sans CJK face of the text's language first (:mod:`trace_std.render.fonts`) and are left
    alone; an SVG whose Chinese lines ask for a generic family (``sans-serif``, often a font without
    Chinese) gets a family fontconfig lists for ``zh-cn`` (Noto Sans/Serif CJK SC...), if any.
    """
    family = _cjk_family()
    if family is None or not _CJK_TEXT.search(svg):
        return svg
    return _CJK_TEXT.sub(lambda m: m[0] if "CJK" in m[2] else f"{m[1]}{family}{m[3]}", svg)


def sheet_png(svg: str, *, dpi: int = 300) -> bytes:
    """One sheet (SVG text) as a PNG image at ``dpi`` (the sheet's size is in millimetres)."""
    if not isinstance(dpi, int) or isinstance(dpi, bool) or not 72 <= dpi <= 1200:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            "dpi must be a whole number from 72 to 1200",
            field="dpi",
            context={"actual": dpi},
        )
    png: bytes = _cairosvg().svg2png(bytestring=_with_cjk_font(svg).encode("utf-8"), dpi=dpi)
    return png


def sheets_pdf(svgs: Iterable[str], out: IO[bytes]) -> int:
    """Write every sheet (SVG text) as one page of a PDF to ``out``; returns the page count.

    Each page has its sheet's physical size. Pages are drawn one at a time into a single cairo PDF
    surface, so memory does not grow with the number of pages.
    """
    cairosvg = _cairosvg()
    from cairosvg.parser import Tree
    from cairosvg.surface import PDFSurface

    shared: dict[str, Any] = {}

    class _Page(PDFSurface):  # type: ignore[misc]
        """A CairoSVG PDF surface that draws into the one shared multi-page cairo surface."""

        def _create_surface(self, width: float, height: float) -> tuple[Any, float, float]:
            surface = shared.get("surface")
            if surface is None:
                surface = cairosvg.surface.cairo.PDFSurface(out, width, height)
                surface.set_metadata(cairosvg.surface.cairo.PDF_METADATA_CREATOR, "trace-std")
                shared["surface"] = surface
            else:
                surface.set_size(width, height)
            return surface, width, height

    pages = 0
    for svg in svgs:
        page = _Page(Tree(bytestring=_with_cjk_font(svg).encode("utf-8")), None, 96)
        page.context.show_page()
        pages += 1
    surface = shared.get("surface")
    if surface is not None:
        surface.finish()
    return pages


# -- label files -------------------------------------------------------------------------------


def label_from_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """A carton label (the JSON ``encode`` takes) from a batch row's parsed values."""
    label: dict[str, Any] = {}
    for key, value in values.items():
        if key in ("product_name", "product_name_en") or value is None:
            continue
        if isinstance(value, _dt.date):
            label[key] = value.isoformat()
        else:
            label[key] = str(value) if not isinstance(value, (str, int)) else value
    name = values.get("product_name")
    if isinstance(name, Mapping):
        label["product_name"] = dict(name)
    elif name:
        label["product_name"] = {"vi": str(name)}
        if values.get("product_name_en"):
            label["product_name"]["en"] = str(values["product_name_en"])
    return label


@dataclasses.dataclass(slots=True)
class PrintRun:
    """What :func:`print_batch` did: the batch report and the rows printed."""

    report: Any  # trace_std.label.batch.BatchReport
    printed: list[int] = dataclasses.field(default_factory=list)  # row numbers
    paths: list[str] = dataclasses.field(default_factory=list)  # files written (directory output)


def _sheets(
    source: str | os.PathLike[str] | IO[bytes],
    run: PrintRun,
    *,
    market: str | None,
    as_of: _dt.date | None,
    name: str | None,
    engine: str,
    resolver: str | None,
    qr_content: str,
) -> Iterator[tuple[int, str]]:
    """``(row number, sheet SVG)`` of every valid row; the report collects the rest."""
    from trace_std.label import CartonLabel, parse_label
    from trace_std.label.batch import RowResult, iter_file
    from trace_std.render._elements import DEFAULT_RESOLVER
    from trace_std.render.sheet import carton_sheet_svg

    for item in iter_file(source, market=market, as_of=as_of, name=name, values=True):
        if not isinstance(item, RowResult):
            run.report.add_issue(item, None)
            continue
        run.report.add(item, None)
        if not item.valid or item.values is None:
            continue
        label = parse_label(label_from_values(item.values))
        if not isinstance(label, CartonLabel):
            continue  # a pallet label JSON: sheets are for cartons
        yield (
            item.number,
            carton_sheet_svg(
                label,
                market=market,
                engine=engine,
                resolver=resolver or DEFAULT_RESOLVER,
                qr_content=qr_content,
            ),
        )
        run.printed.append(item.number)


def print_batch(
    source: str | os.PathLike[str] | IO[bytes],
    output: str | os.PathLike[str],
    *,
    fmt: str | None = None,
    market: str | None = None,
    as_of: _dt.date | None = None,
    name: str | None = None,
    engine: str = DEFAULT_ENGINE,
    resolver: str | None = None,
    qr_content: str = "trace",
    dpi: int = 300,
) -> PrintRun:
    """Print every valid row of a label file as a carton sheet to ``output`` (see the module doc).

    ``output`` ending in ``.pdf`` → one multi-page PDF; ending in ``/`` or an existing directory →
    one ``row-NNNN.svg`` (``fmt="png"``: ``.png``) per row; ending in ``.png`` → one PNG (exactly one
    valid row). Raises :class:`~trace_std.errors.FileFormatError` when the file cannot be read, and
    ``render.option.invalid`` for an output it cannot write.
    """
    from trace_std.label.batch import BatchReport, source_name

    run = PrintRun(BatchReport(source=source_name(source, name)))
    target = os.fspath(output)
    options: dict[str, Any] = {
        "market": market,
        "as_of": as_of,
        "name": name,
        "engine": engine,
        "resolver": resolver,
        "qr_content": qr_content,
    }
    lower = target.lower()
    if target.endswith(("/", os.sep)) or Path(target).is_dir():
        folder = Path(target)
        folder.mkdir(parents=True, exist_ok=True)
        image = (fmt or "svg").lower()
        if image not in ("svg", "png"):
            raise _bad_output(f"a directory of sheets is svg or png, not {image!r}", image)
        for number, svg in _sheets(source, run, **options):
            path = folder / f"row-{number:04d}.{image}"
            path.write_bytes(svg.encode("utf-8") if image == "svg" else sheet_png(svg, dpi=dpi))
            run.paths.append(str(path))
        return run
    if lower.endswith(".pdf"):
        _cairosvg()  # fail before reading the file when the extra is missing
        partial = Path(target + ".part")
        try:
            with open(partial, "wb") as fh:
                sheets_pdf((svg for _, svg in _sheets(source, run, **options)), fh)
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        return run
    if lower.endswith(".png"):
        sheets = list(_sheets(source, run, **options))
        if len(sheets) != 1:
            raise _bad_output(
                f"{len(sheets)} rows can be printed; a .png holds one sheet: "
                "write a .pdf or a directory (DIR/)",
                target,
            )
        Path(target).write_bytes(sheet_png(sheets[0][1], dpi=dpi))
        return run
    raise _bad_output("write the sheets to a .pdf file, a .png file or a directory ending in /", target)


def _bad_output(message: str, actual: str) -> TraceStdError:
    return TraceStdError.from_code(
        ErrorCode.RENDER_OPTION_INVALID, message, field="output", context={"actual": actual}
    )
