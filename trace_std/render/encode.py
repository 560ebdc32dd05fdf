"""Label-level encoders: one entry point for ``trace-std encode`` and the API.

``encode_label(label, to=...)`` turns a :class:`~trace_std.label.CartonLabel` (or a
:class:`~trace_std.label.PalletLabel`, except for ``sheet``) into:

=============  ================================================================  ========
``to``         result                                                            formats
=============  ================================================================  ========
``hri``        bracketed element string, ``trace_std.gs1.element_string``        text
``raw``        GS-separated element string (as a scanner transmits it)           text
``dl``         GS1 Digital Link URI on the ``resolver`` domain                   text
``gs1-128``    GS1-128 symbol(s) of the market's linear elements                 svg, png
``qr``         QR Code of the Digital Link                                       svg, png
``datamatrix`` GS1 DataMatrix of every element (zxing engine)                    svg, png
``sheet``      the 100 x 150 mm carton label sheet                               svg
=============  ================================================================  ========

Text results are ``str``; SVG is ``str``; PNG is ``bytes``.
"""

from __future__ import annotations

import io
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.render._elements import DEFAULT_RESOLVER, as_elements, digital_link
from trace_std.render.engines import DEFAULT_ENGINE, check_engine

__all__ = [
    "FORMATS",
    "TARGETS",
    "TEXT_TARGETS",
    "encode_elements",
    "encode_label",
    "encode_texts",
    "linear_elements",
]

TARGETS = ("hri", "raw", "dl", "gs1-128", "qr", "datamatrix", "sheet")
TEXT_TARGETS = ("hri", "raw", "dl")
FORMATS = ("svg", "png")
DEFAULT_LINEAR_AIS = ("01", "10", "13")
PALLET_LINEAR_AIS = ("00", "02", "37", "13", "10")


def _option_error(field: str, message: str, actual: Any, expected: Any) -> TraceStdError:
    return TraceStdError.from_code(
        ErrorCode.RENDER_FORMAT_UNKNOWN if field in ("to", "format") else ErrorCode.RENDER_OPTION_INVALID,
        message,
        field=field,
        context={"expected": expected, "actual": actual},
    )


def check_resolver(resolver: str) -> str:
    """A resolver stem must be an ``https://`` (or ``http://``) URL without query or fragment."""
    if not isinstance(resolver, str):
        raise TypeError(f"resolver must be a str, not {type(resolver).__name__}")
    from urllib.parse import urlsplit

    parts = urlsplit(resolver)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise _option_error(
            "resolver", "the resolver must be an https:// URL", resolver, "https://host[/path]"
        )
    return resolver.rstrip("/")


def linear_elements(elements: tuple[tuple[str, str], ...], market: str | None) -> tuple[tuple[str, str], ...]:
    """The elements carried by the GS1-128 symbol(s).

    A carton: the market's ``gs1_128_elements``, else (01)(10)(13). A pallet (an SSCC (00) is
    present): the logistic-label content (00)(02)(37)(13)(10), split over two symbols.
    """
    wanted: tuple[str, ...] = DEFAULT_LINEAR_AIS
    if any(ai == "00" for ai, _ in elements):
        wanted = PALLET_LINEAR_AIS
    elif market is not None:
        from trace_std.label.markets import market_profile

        try:
            wanted = market_profile(market).gs1_128_elements or DEFAULT_LINEAR_AIS
        except KeyError:
            raise _option_error(
                "market", f"no market profile {market!r}", market, "CN, US, AU, EU, VN"
            ) from None
    return tuple(e for ai in wanted for e in elements if e[0] == ai)


def encode_texts(label: Any, *, resolver: str = DEFAULT_RESOLVER) -> dict[str, str]:
    """A label's text forms at once, from one element list: ``hri`` and ``raw`` element strings and
    the ``digital_link`` (the ``hri``, ``raw`` and ``dl`` targets of :func:`encode_label`)."""
    from trace_std.gs1.element_string import encode_element_string
    from trace_std.label import to_elements

    els = as_elements(to_elements(label))
    return {
        "hri": str(encode_element_string(els, form="hri")),
        "raw": str(encode_element_string(els, form="raw")),
        "digital_link": digital_link(els, check_resolver(resolver)),
    }


def encode_elements(
    elements: Any,
    *,
    to: str,
    engine: str = DEFAULT_ENGINE,
    fmt: str = "svg",
    resolver: str = DEFAULT_RESOLVER,
    market: str | None = None,
) -> str | bytes:
    """Encode ``(ai, value)`` pairs as ``to`` (every target but ``sheet``)."""
    els = as_elements(elements)
    if to not in TARGETS or to == "sheet":
        raise _option_error(
            "to", f"cannot encode elements as {to!r}", to, [t for t in TARGETS if t != "sheet"]
        )
    if fmt not in FORMATS:
        raise _option_error("format", f"unknown format {fmt!r}", fmt, list(FORMATS))
    eng = check_engine(engine)
    if to in ("hri", "raw"):
        from trace_std.gs1.element_string import encode_element_string

        return str(encode_element_string(els, form="hri" if to == "hri" else "raw"))
    if to in ("dl", "qr"):
        uri = digital_link(els, check_resolver(resolver))
        if to == "dl":
            return uri
        from trace_std.render import qr

        return qr.qr_svg(uri, engine=eng) if fmt == "svg" else qr.qr_png(uri, engine=eng)
    if to == "gs1-128":
        from trace_std.render import gs1_128

        linear = linear_elements(els, market)
        return (
            gs1_128.gs1_128_svg(linear, engine=eng)
            if fmt == "svg"
            else gs1_128.gs1_128_png(linear, engine=eng)
        )
    from trace_std.render import datamatrix

    return (
        datamatrix.datamatrix_svg(els, engine=eng)
        if fmt == "svg"
        else datamatrix.datamatrix_png(els, engine=eng)
    )


def encode_label(
    label: Any,
    *,
    to: str,
    engine: str = DEFAULT_ENGINE,
    fmt: str = "svg",
    resolver: str = DEFAULT_RESOLVER,
    market: str | None = None,
    qr_content: str = "trace",
    fonts: str = "auto",
) -> str | bytes:
    """Encode a label model as ``to`` (see the module table).

    ``qr_content`` applies to the sheet's QR Code only (``trace``, ``short`` or ``full``);
    ``dl`` and ``qr`` always carry the full Digital Link. ``fonts`` applies to the sheet only
    (``auto``, ``embed`` or ``reference``; :func:`trace_std.render.sheet.render_sheet`).
    """
    from trace_std.label import CartonLabel, to_elements
    from trace_std.label.markets import market_for_destination

    if to not in TARGETS:
        raise _option_error("to", f"unknown target {to!r}", to, list(TARGETS))
    if market is None and getattr(label, "destination_market", None):
        found = market_for_destination(str(label.destination_market))
        market = found.market if found is not None else None
    if to == "sheet":
        if fmt not in ("svg", "png", "pdf"):
            raise _option_error("format", "the label sheet is SVG, PNG or PDF", fmt, ["svg", "png", "pdf"])
        if not isinstance(label, CartonLabel):
            raise _option_error("to", "the label sheet is for carton labels", to, "a CartonLabel")
        from trace_std.render.sheet import carton_sheet_svg

        sheet = carton_sheet_svg(
            label,
            market=market,
            engine=engine,
            resolver=check_resolver(resolver),
            qr_content=qr_content,
            fonts=fonts,
        )
        if fmt == "svg":
            return sheet
        from trace_std.render import print as printing

        if fmt == "png":
            return printing.sheet_png(sheet)
        buffer = io.BytesIO()
        printing.sheets_pdf([sheet], buffer)
        return buffer.getvalue()
    return encode_elements(
        to_elements(label), to=to, engine=engine, fmt=fmt, resolver=resolver, market=market
    )
