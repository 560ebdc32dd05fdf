"""GS1 DataMatrix (FNC1 first, symbology identifier ``]d2``), SVG and PNG; zxing engine only.

Default module size 0.6 mm, quiet zone 2 modules (ISO/IEC 16022 asks for at least 1).
"""

from __future__ import annotations

from collections.abc import Sequence

from trace_std.render import raster, svg
from trace_std.render._elements import as_elements, check_elements, raw_string
from trace_std.render.engines import DEFAULT_ENGINE, MatrixSymbol, check_engine, datamatrix_modules
from trace_std.render.qr import _check_module, _check_quiet

__all__ = ["datamatrix_png", "datamatrix_svg", "datamatrix_symbol"]


def datamatrix_symbol(elements: Sequence[tuple[str, str]], *, engine: str = DEFAULT_ENGINE) -> MatrixSymbol:
    els = as_elements(elements)
    check_elements(els)
    return datamatrix_modules(els, raw=raw_string(els), engine=check_engine(engine))


def datamatrix_svg(
    elements: Sequence[tuple[str, str]],
    *,
    engine: str = DEFAULT_ENGINE,
    module: float = 0.6,
    quiet_zone: int = 2,
) -> str:
    """A standalone SVG (mm) of a GS1 DataMatrix carrying ``elements``."""
    _check_module(module)
    _check_quiet(quiet_zone, 1)
    symbol = datamatrix_symbol(elements, engine=engine)
    body, w, h = svg.matrix_group(symbol, module=module, quiet_zone=quiet_zone, kind="datamatrix")
    return svg.document(body, w, h)


def datamatrix_png(
    elements: Sequence[tuple[str, str]],
    *,
    engine: str = DEFAULT_ENGINE,
    module_px: int = 8,
    dpi: int = 300,
    quiet_zone: int = 2,
) -> bytes:
    """A PNG of a GS1 DataMatrix, ``module_px`` whole pixels per module."""
    raster.check_module_px(module_px, dpi)
    _check_quiet(quiet_zone, 1)
    symbol = datamatrix_symbol(elements, engine=engine)
    return raster.matrix_png(symbol, module_px=module_px, dpi=dpi, quiet_zone=quiet_zone)
