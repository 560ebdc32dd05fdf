"""Symbol engines: turn data into *modules* (the dark/light grid of a barcode).

Two engines produce the same :class:`LinearSymbol` / :class:`MatrixSymbol` values; the
geometry (millimetres, quiet zones, HRI text, pixels) is drawn by trace_std itself
(:mod:`trace_std.render.svg`, :mod:`trace_std.render.raster`) so both engines print
symbols of the same, GS1-conformant size.

``zxing``  (default)
    zxing-cpp's writer (``zxingcpp.create_barcode``; zint inside): GS1-128, QR Code and
    GS1 DataMatrix, in C++.
``python``
    python-barcode's Code 128 encoder (``barcode.codex.Gs1_128``) and the ``qrcode``
    package. No DataMatrix.

The third-party packages belong to the optional ``render`` extra and are imported
lazily, inside the functions; a missing package raises a
:class:`~trace_std.errors.RenderError` coded ``render.extra_missing``.

>>> check_engine("python")
'python'
>>> try:
...     check_engine("cairo")
... except RenderError as err:
...     print(err.code)
render.engine.unknown
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Sequence
from types import ModuleType
from typing import Any, Literal

from trace_std.errors import ErrorCode, RenderError, TraceStdError

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "Engine",
    "LinearSymbol",
    "MatrixSymbol",
    "RenderError",
    "check_engine",
    "code128_modules",
    "datamatrix_modules",
    "qr_modules",
    "require",
]

Engine = Literal["zxing", "python"]
ENGINES: tuple[Engine, ...] = ("zxing", "python")
DEFAULT_ENGINE: Engine = "zxing"

EXTRA_HINT = "install the optional renderers: python3 -m pip install 'trace-std[render]'"
FNC1 = "\xf1"  # python-barcode's FNC1 character
GS = "\x1d"  # FNC1 as a separator is transmitted as GS

# QR error-correction levels accepted by both engines.
EC_LEVELS = ("L", "M", "Q", "H")


@dataclasses.dataclass(frozen=True, slots=True)
class LinearSymbol:
    """A linear symbol without quiet zones: ``modules`` is a string of ``1`` (bar) / ``0``."""

    modules: str
    raw: str  # transmitted data after the symbology identifier (GS separators)
    hri: str  # human-readable interpretation, AIs in brackets
    symbology_identifier: str = "]C1"

    @property
    def width(self) -> int:
        return len(self.modules)


@dataclasses.dataclass(frozen=True, slots=True)
class MatrixSymbol:
    """A 2D symbol without quiet zone: ``rows`` of ``1`` (dark) / ``0`` strings."""

    rows: tuple[str, ...]
    data: str  # the encoded content (URI, or GS-separated element string)
    symbology_identifier: str
    quiet_zone: int  # minimum quiet zone of the symbology, in modules

    @property
    def width(self) -> int:
        return len(self.rows[0]) if self.rows else 0

    @property
    def height(self) -> int:
        return len(self.rows)


def check_engine(engine: str) -> Engine:
    """Return ``engine`` if it is known, else raise ``render.engine.unknown``."""
    if not isinstance(engine, str):
        raise TypeError(f"engine must be a str, not {type(engine).__name__}")
    for known in ENGINES:
        if engine == known:
            return known
    raise TraceStdError.from_code(
        ErrorCode.RENDER_ENGINE_UNKNOWN,
        f"unknown engine {engine!r}; use one of {', '.join(ENGINES)}",
        context={"expected": list(ENGINES), "actual": engine},
    )


def require(module: str) -> ModuleType:
    """Import an optional renderer module or raise ``render.extra_missing`` with a hint."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_EXTRA_MISSING,
            f"{module} is not installed; {EXTRA_HINT}",
            context={"module": module},
        ) from exc


def _failed(what: str, exc: Exception, data: str) -> TraceStdError:
    return TraceStdError.from_code(
        ErrorCode.RENDER_SYMBOL_FAILED,
        f"{what} could not be encoded: {exc}",
        context={"data": data},
    )


def code128_modules(
    elements: Sequence[tuple[str, str]], *, predefined: Sequence[bool], hri: str, engine: Engine
) -> LinearSymbol:
    """Encode ``elements`` as one GS1-128 symbol (FNC1 first, FNC1 after variable-length values).

    ``predefined[i]`` tells whether element ``i`` has a predefined length (no separator needed).
    """
    raw_parts: list[str] = []
    for i, (ai, value) in enumerate(elements):
        raw_parts.append(ai + value)
        if i < len(elements) - 1 and not predefined[i]:
            raw_parts.append(GS)
    raw = "".join(raw_parts)
    if engine == "zxing":
        zx = require("zxingcpp")
        content = "".join(f"[{ai}]{value}" for ai, value in elements)
        try:
            barcode = zx.create_barcode(content, zx.BarcodeFormat.Code128, gs1=True)
        except ValueError as exc:
            raise _failed("GS1-128", exc, raw) from exc
        image = zx.write_barcode_to_image(barcode, scale=1, add_quiet_zones=False)
        view = memoryview(image)
        width = view.shape[1] if view.shape else 0  # shape is (rows, columns)
        row = view.tobytes()[:width]
        modules = row.translate(_DARK).decode("ascii")
    else:
        codex = require("barcode.codex")
        try:
            modules = codex.Gs1_128(raw.replace(GS, FNC1)).build()[0]
        except Exception as exc:  # python-barcode raises its own hierarchy
            raise _failed("GS1-128", exc, raw) from exc
    return LinearSymbol(modules=modules, raw=raw, hri=hri)


# Pixel byte 0 (black) -> "1", anything else -> "0".
_DARK = bytes([0x31] + [0x30] * 255)


def _zxing_rows(barcode: Any) -> tuple[str, ...]:
    zx = require("zxingcpp")
    image = zx.write_barcode_to_image(barcode, scale=1, add_quiet_zones=False)
    view = memoryview(image)
    height, width = view.shape or (0, 0)
    flat = view.tobytes().translate(_DARK).decode("ascii")
    return tuple(flat[r * width : (r + 1) * width] for r in range(height))


def qr_modules(data: str, *, ec_level: str = "M", engine: Engine) -> MatrixSymbol:
    """Encode ``data`` (a Digital Link URI, plain data) as a QR Code."""
    if ec_level not in EC_LEVELS:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            f"QR error correction must be one of {', '.join(EC_LEVELS)}",
            field="ec_level",
            context={"expected": list(EC_LEVELS), "actual": ec_level},
        )
    if engine == "zxing":
        zx = require("zxingcpp")
        try:
            barcode = zx.create_barcode(data, zx.BarcodeFormat.QRCode, ec_level=ec_level)
        except ValueError as exc:
            raise _failed("QR Code", exc, data) from exc
        rows = _zxing_rows(barcode)
    else:
        qrcode = require("qrcode")
        levels = {
            "L": qrcode.constants.ERROR_CORRECT_L,
            "M": qrcode.constants.ERROR_CORRECT_M,
            "Q": qrcode.constants.ERROR_CORRECT_Q,
            "H": qrcode.constants.ERROR_CORRECT_H,
        }
        try:
            qr = qrcode.QRCode(error_correction=levels[ec_level], border=0)
            qr.add_data(data)
            qr.make(fit=True)
            matrix = qr.get_matrix()
        except Exception as exc:  # qrcode raises DataOverflowError, ValueError...
            raise _failed("QR Code", exc, data) from exc
        rows = tuple("".join("1" if cell else "0" for cell in line) for line in matrix)
    return MatrixSymbol(rows=rows, data=data, symbology_identifier="]Q1", quiet_zone=4)


def datamatrix_modules(elements: Sequence[tuple[str, str]], *, raw: str, engine: Engine) -> MatrixSymbol:
    """Encode ``elements`` as a GS1 DataMatrix (FNC1 first; zxing engine only)."""
    if engine != "zxing":
        raise TraceStdError.from_code(
            ErrorCode.RENDER_ENGINE_UNSUPPORTED,
            "GS1 DataMatrix needs the zxing engine",
            field="engine",
            context={"expected": "zxing", "actual": engine},
        )
    zx = require("zxingcpp")
    content = "".join(f"[{ai}]{value}" for ai, value in elements)
    try:
        # square ECC 200 sizes only: rectangular extensions (DMRE) are not read by every scanner
        barcode = zx.create_barcode(content, zx.BarcodeFormat.DataMatrix, gs1=True, forceSquare=True)
    except ValueError as exc:
        raise _failed("GS1 DataMatrix", exc, raw) from exc
    return MatrixSymbol(rows=_zxing_rows(barcode), data=raw, symbology_identifier="]d2", quiet_zone=1)
