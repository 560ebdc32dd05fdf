"""``GET /v1/symbols/{gs1-128|qr|datamatrix}.{svg|png}?data=...``: barcode symbols.

``data`` is a GS1 element string in HRI form (``(01)...(10)...``) for GS1-128 and GS1 DataMatrix, and
any text (normally a GS1 Digital Link URI) for QR Code. Values the library cannot encode are ``422``.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

from flask import Blueprint, Response, current_app

from api import params
from api.http import public
from api.problems import Problem, ProblemCode
from trace_std.errors import TraceStdError

bp = Blueprint("symbols", __name__)
RATE_LIMITED = True

MAX_DATA = 2048
MEDIA_TYPES = {"svg": "image/svg+xml", "png": "image/png"}

#: (symbology, format) → (module, function, takes GS1 elements rather than text)
RENDERERS: dict[tuple[str, str], tuple[str, str, bool]] = {
    ("gs1-128", "svg"): ("trace_std.render.gs1_128", "gs1_128_svg", True),
    ("gs1-128", "png"): ("trace_std.render.gs1_128", "gs1_128_png", True),
    ("datamatrix", "svg"): ("trace_std.render.datamatrix", "datamatrix_svg", True),
    ("datamatrix", "png"): ("trace_std.render.datamatrix", "datamatrix_png", True),
    ("qr", "svg"): ("trace_std.render.qr", "qr_svg", False),
    ("qr", "png"): ("trace_std.render.qr", "qr_png", False),
}


def _renderer(symbology: str, fmt: str) -> tuple[Callable[..., Any], bool]:
    entry = RENDERERS.get((symbology, fmt))
    if entry is None:
        raise Problem(404, ProblemCode.NOT_FOUND, "unknown symbology or image format")
    module, name, elements = entry
    return getattr(import_module(module), name), elements


@bp.get("/v1/symbols/<symbology>.<fmt>")
@public()
def symbol(symbology: str, fmt: str) -> Response:
    """Render one symbol."""
    render, takes_elements = _renderer(symbology, fmt)
    data = params.text("data", required=True, max_length=MAX_DATA)
    assert data is not None
    try:
        if takes_elements:
            from trace_std.gs1.element_string import parse_element_string

            out = render(parse_element_string(data).elements)
        else:
            out = render(data)
    except TraceStdError as exc:
        raise Problem(
            422, ProblemCode.INVALID_VALUES, "the data cannot be encoded", errors=[exc.to_issue().to_dict()]
        ) from None
    body = out.encode("utf-8") if isinstance(out, str) else out
    return current_app.response_class(body, mimetype=MEDIA_TYPES[fmt])
