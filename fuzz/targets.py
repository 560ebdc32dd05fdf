"""Fuzz targets: one function per parser, each taking raw bytes.

The invariant every target checks: on ANY input the only exception a parser may raise is
``TraceStdError`` (for the label-file reader and the image decoder: their documented
``FileFormatError``/``RenderError`` codes, which are ``TraceStdError`` too), and a single input
never takes longer than :data:`MAX_SECONDS`. Anything else propagates and is a crash.

The same functions drive atheris (``fuzz/run``) and the regression tests
(``tests/fuzz/``), so a crash found by the fuzzer becomes a regression case by saving its
input under ``fuzz/regressions/<target>/``.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Callable

MAX_SECONDS = 1.0


class SlowInput(AssertionError):
    """An input took longer than MAX_SECONDS: a hang by the fuzzing invariant."""


def _text(data: bytes) -> str:
    # Keep every byte: invalid UTF-8 becomes lone surrogates, which parsers must reject cleanly.
    return data.decode("utf-8", "surrogateescape")


def _timed(fn: Callable[[], object]) -> None:
    from trace_std.errors import TraceStdError

    start = time.perf_counter()
    with contextlib.suppress(TraceStdError):
        fn()
    elapsed = time.perf_counter() - start
    if elapsed > MAX_SECONDS:
        raise SlowInput(f"input took {elapsed:.3f}s")


def codes(data: bytes) -> None:
    from trace_std.codes import check as codes_check
    from trace_std.codes import parse_code

    text = _text(data)
    _timed(lambda: parse_code(text))
    _timed(lambda: parse_code(text, strict=True))
    _timed(lambda: codes_check(text))


def element_string(data: bytes) -> None:
    from trace_std.gs1 import element_string as es

    text = _text(data)
    _timed(lambda: es.parse_element_string(text))
    _timed(lambda: es.check(text))


def digital_link(data: bytes) -> None:
    from trace_std.gs1 import digital_link as dl

    text = _text(data)
    _timed(lambda: dl.parse_digital_link(text))
    _timed(
        lambda: dl.parse_digital_link(text, permit_zero_suppressed_gtin=True, permit_convenience_alphas=True)
    )


def check_any(data: bytes) -> None:
    from trace_std.check import check

    text = _text(data)
    _timed(lambda: check(text))


def _label_file(data: bytes, fmt: str) -> None:
    from trace_std.label.batch import validate_file

    _timed(lambda: validate_file(io.BytesIO(data), format=fmt, max_issues=1000))


def label_csv(data: bytes) -> None:
    _label_file(data, "csv")


def label_jsonl(data: bytes) -> None:
    _label_file(data, "jsonl")


def label_xlsx(data: bytes) -> None:
    _label_file(data, "xlsx")


def image(data: bytes) -> None:
    from trace_std.render.decode import decode_image

    _timed(lambda: decode_image(data, max_pixels=4_000_000, max_bytes=2_000_000))


def warm_up() -> None:
    """Import optional libraries and load data tables once, so no input pays for them."""
    import contextlib
    import importlib

    for name in ("openpyxl", "PIL.Image", "zxingcpp"):
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    with contextlib.suppress(ImportError):
        from PIL import Image

        Image.init()  # import every image plugin now, not inside a timed input
    for target in (codes, element_string, digital_link, check_any):
        target(b"(01)09501101530003(10)A")
        target(b"https://id.gs1.org/01/09501101530003/10/A?17=250101")
        target(b"VN-DTOR-0017")
    _label_file(b"gtin,lot\n09501101530003,A\n", "csv")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "codes": codes,
    "element_string": element_string,
    "digital_link": digital_link,
    "check_any": check_any,
    "label_csv": label_csv,
    "label_jsonl": label_jsonl,
    "label_xlsx": label_xlsx,
    "image": image,
}
