"""QR Code of a GS1 Digital Link URI (plain data, symbology identifier ``]Q1``), SVG and PNG.

Default module size 0.6 mm, quiet zone 4 modules (ISO/IEC 18004), error correction M.
"""

from __future__ import annotations

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.render import raster, svg
from trace_std.render.engines import DEFAULT_ENGINE, MatrixSymbol, check_engine, qr_modules

__all__ = ["DEFAULT_MODULE", "qr_png", "qr_svg", "qr_symbol"]

DEFAULT_MODULE = 0.6


def qr_symbol(data: str, *, engine: str = DEFAULT_ENGINE, ec_level: str = "M") -> MatrixSymbol:
    if not isinstance(data, str):
        raise TypeError(f"data must be a str, not {type(data).__name__}")
    if not data:
        raise TraceStdError.from_code(ErrorCode.RENDER_ELEMENTS_EMPTY, "nothing to encode")
    return qr_modules(data, ec_level=ec_level, engine=check_engine(engine))


def _check_quiet(quiet_zone: int, minimum: int) -> None:
    if quiet_zone < minimum:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            f"the quiet zone must be at least {minimum} modules",
            field="quiet_zone",
            context={"expected": f">= {minimum}", "actual": quiet_zone},
        )


def _check_module(module: float) -> None:
    if not 0.25 <= module <= 5.0:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            "the module size must be 0.25-5 mm",
            field="module",
            context={"expected": [0.25, 5.0], "actual": module},
        )


def qr_svg(
    data: str,
    *,
    engine: str = DEFAULT_ENGINE,
    module: float = DEFAULT_MODULE,
    quiet_zone: int = 4,
    ec_level: str = "M",
) -> str:
    """A standalone SVG (mm) of a QR Code carrying ``data``."""
    _check_module(module)
    _check_quiet(quiet_zone, 4)
    symbol = qr_symbol(data, engine=engine, ec_level=ec_level)
    body, w, h = svg.matrix_group(symbol, module=module, quiet_zone=quiet_zone, kind="qr")
    return svg.document(body, w, h, title=data)


def qr_png(
    data: str,
    *,
    engine: str = DEFAULT_ENGINE,
    module_px: int = 8,
    dpi: int = 300,
    quiet_zone: int = 4,
    ec_level: str = "M",
) -> bytes:
    """A PNG of a QR Code carrying ``data``, ``module_px`` whole pixels per module."""
    raster.check_module_px(module_px, dpi)
    _check_quiet(quiet_zone, 4)
    symbol = qr_symbol(data, engine=engine, ec_level=ec_level)
    return raster.matrix_png(symbol, module_px=module_px, dpi=dpi, quiet_zone=quiet_zone)
