"""Read barcodes back from an image (photo uploads, tests): Pillow + zxing-cpp.

``decode_image(data)`` takes the bytes of a PNG, JPEG, WebP, GIF, BMP or TIFF file and returns
every symbol found, as :class:`DecodedSymbol` values. Defences for untrusted uploads:

* at most ``max_bytes`` of input, ``max_pixels`` of image and :data:`MAX_SIDE` pixels a side
  (zxing-cpp's own limit; checked from the header, before any pixel is decoded); Pillow's
  decompression-bomb error is caught, its warning silenced (our own limit is the stricter one),
  and the process-wide Pillow limit is never changed;
* only the listed formats are opened; anything else is ``image.unreadable``;
* images are decoded in memory and never stored.

Large photos are reduced before decoding: JPEGs through the decoder's DCT scaling
(``Image.draft``), anything else by an integer box reduction, to about ``decode_pixels``
(3 megapixels by default). The reduced image is read first for upright, dark-on-light
symbols (the fast path), then in every orientation and inverted; if nothing is found and the image
was reduced, the full image is read once more. A 12-megapixel photo takes well under 300 ms
(see ``benchmarks/bench_render.py``).

Errors: ``image.too_large``, ``image.unreadable`` (:class:`~trace_std.errors.FileFormatError`)
and ``image.no_symbol`` (:class:`~trace_std.errors.RenderError`).
"""

from __future__ import annotations

import dataclasses
import functools
import io
import math
import warnings
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.render.engines import require

__all__ = ["DEFAULT_MAX_BYTES", "DEFAULT_MAX_PIXELS", "DecodedSymbol", "decode_image"]

DEFAULT_MAX_BYTES = 25 * 1024 * 1024
DEFAULT_MAX_PIXELS = 50_000_000
DEFAULT_DECODE_PIXELS = 3_000_000
#: zxing-cpp refuses images wider or taller than this (a 49,000,000 x 1 px PNG passed the pixel
#: limit and made it raise ``ValueError``).
MAX_SIDE = 65_535
FORMATS = ("PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF")
# Symbology identifiers whose data is a GS1 element string (FNC1 in first position).
_GS1_IDS = frozenset({"]C1", "]d2", "]Q3", "]e0", "]J1"})


@dataclasses.dataclass(frozen=True, slots=True)
class DecodedSymbol:
    """One symbol read from an image.

    ``text``: the content as zxing-cpp renders it (GS1 data in HRI form);
    ``data``: the transmitted data (GS1: GS-separated element string; otherwise the text);
    ``gs1``: the normalised GS1 element string in bracketed form, for GS1 symbols and for
    GS1 Digital Link URIs, else ``None``; ``gs1_error``: the trace_std code when the GS1 data is
    invalid.
    """

    text: str
    data: str
    format: str
    symbology_identifier: str
    gs1: str | None = None
    gs1_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _error(code: ErrorCode, message: str, **context: Any) -> TraceStdError:
    return TraceStdError.from_code(code, message, context=context)


def _open(data: bytes, max_pixels: int) -> Any:
    image_mod = require("PIL.Image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", image_mod.DecompressionBombWarning)
            img = image_mod.open(io.BytesIO(data), formats=FORMATS)
    except image_mod.DecompressionBombError as exc:
        raise _error(
            ErrorCode.IMAGE_TOO_LARGE, "the image has too many pixels", max_pixels=max_pixels
        ) from exc
    except (
        OSError,
        SyntaxError,
        ValueError,
        TypeError,
        EOFError,
    ) as exc:  # UnidentifiedImageError is an OSError
        raise _error(ErrorCode.IMAGE_UNREADABLE, f"not a readable image: {exc}") from exc
    width, height = img.size
    if width <= 0 or height <= 0:
        img.close()
        raise _error(ErrorCode.IMAGE_UNREADABLE, "the image is empty")
    if max(width, height) > MAX_SIDE:
        img.close()
        raise _error(
            ErrorCode.IMAGE_TOO_LARGE,
            f"the image is {width} x {height} pixels; a side may be at most {MAX_SIDE}",
            width=width,
            height=height,
            max_side=MAX_SIDE,
        )
    if width * height > max_pixels:
        img.close()
        raise _error(
            ErrorCode.IMAGE_TOO_LARGE,
            f"the image has {width * height} pixels, more than {max_pixels}",
            pixels=width * height,
            max_pixels=max_pixels,
        )
    return img


def _load_gray(data: bytes, max_pixels: int, target: int | None) -> tuple[Any, bool]:
    """Open and decode to greyscale, reduced to about ``target`` pixels (None: full size).

    Returns the image and whether it was reduced.
    """
    img = _open(data, max_pixels)
    try:
        width, height = img.size
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if target is not None and img.format == "JPEG" and width * height > target:
                img.draft("L", (math.ceil(width * math.sqrt(target / (width * height))), 1))
            img.load()
            if getattr(img, "n_frames", 1) > 1:
                img.seek(0)
            gray = img.convert("L")
        if target is not None and gray.width * gray.height > 2 * target:
            factor = math.floor(math.sqrt(gray.width * gray.height / target))
            if factor > 1:
                gray = gray.reduce(factor)
        return gray, gray.size != (width, height)
    except (OSError, SyntaxError, ValueError, EOFError) as exc:  # truncated or corrupt pixel data
        raise _error(ErrorCode.IMAGE_UNREADABLE, f"the image data is corrupt: {exc}") from exc
    except MemoryError as exc:  # pragma: no cover - defensive
        raise _error(ErrorCode.IMAGE_TOO_LARGE, "the image does not fit in memory") from exc
    finally:
        img.close()


def _gs1_form(identifier: str, raw: str, text: str) -> tuple[str | None, str | None]:
    try:
        if identifier in _GS1_IDS:
            from trace_std.gs1.element_string import parse_element_string

            return parse_element_string(raw).hri(), None
        if text.startswith(("https://", "http://")):
            from trace_std.gs1.digital_link import parse_digital_link

            link = parse_digital_link(text)
            from trace_std.gs1.element_string import encode_element_string

            return encode_element_string(link.elements, form="hri"), None
    except TraceStdError as err:
        return None, err.code
    except ImportError:  # pragma: no cover - gs1 package always present in this distribution
        return None, None
    return None, None


@functools.cache
def _dl_keys() -> tuple[str, ...]:
    """``"/<ai>/"`` for every Digital Link primary key in the AI table (its ``dlpkey``)."""
    from trace_std.gs1.ai import ai_info, all_ais

    return tuple(f"/{ai}/" for ai in all_ais() if getattr(ai_info(ai), "dlpkey", None) is not None)


def _symbols(found: list[Any]) -> list[DecodedSymbol]:
    out = []
    for b in found:
        identifier = str(b.symbology_identifier)
        text = str(b.text)
        gs1: str | None = None
        gs1_error: str | None = None
        if identifier in _GS1_IDS:
            raw = bytes(b.bytes).decode("utf-8", errors="replace")
            gs1, gs1_error = _gs1_form(identifier, raw, text)
        else:
            raw = text
            if text.startswith(("https://", "http://")) and any(k in text for k in _dl_keys()):
                gs1, gs1_error = _gs1_form(identifier, raw, text)
        out.append(DecodedSymbol(text, raw, str(b.format), identifier, gs1, gs1_error))
    return out


def decode_image(
    data: bytes,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_bytes: int = DEFAULT_MAX_BYTES,
    decode_pixels: int = DEFAULT_DECODE_PIXELS,
) -> list[DecodedSymbol]:
    """Every barcode in the image ``data`` (the bytes of an image file); raises if there is none."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"data must be bytes, not {type(data).__name__}")
    data = bytes(data)
    if not data:
        raise _error(ErrorCode.IMAGE_UNREADABLE, "no image data")
    if len(data) > max_bytes:
        raise _error(
            ErrorCode.IMAGE_TOO_LARGE, f"the image file is larger than {max_bytes} bytes", bytes=len(data)
        )
    zx = require("zxingcpp")
    gray, reduced = _load_gray(data, max_pixels, decode_pixels)
    # 1. upright symbols, dark on light: the common photo, and the fast path
    found = list(zx.read_barcodes(gray, try_rotate=False, try_invert=False))
    if not found:  # 2. rotated or inverted symbols
        found = list(zx.read_barcodes(gray))
    if not found and reduced:  # 3. small symbols in a big photo: once more at full size
        full, _ = _load_gray(data, max_pixels, None)
        found = list(zx.read_barcodes(full))
    if not found:
        raise _error(ErrorCode.IMAGE_NO_SYMBOL, "no barcode found in the image")
    return _symbols(found)
