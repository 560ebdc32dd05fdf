"""GS1-128 symbols for logistic labels: splitting, SVG and PNG.

Symbol specification applied (GS1 General Specifications, logistic labels):

* X-dimension (narrowest module) 0.495-1.016 mm; default 0.508 mm (6 px at 300 dpi);
* bar height at least 32 mm;
* quiet zones at least 10X on both sides;
* at most 48 data characters per symbol (FNC1 separators count) and at most 165 mm wide
  including quiet zones;
* FNC1 in first position (symbology identifier ``]C1``), FNC1 after every variable-length value
  that is not last, transmitted as GS;
* HRI under the bars with the AIs in brackets, never wider than the symbol.

When the data does not fit one symbol it is split across **two** symbols, only at element
boundaries, each a complete GS1-128 with FNC1 first; within a symbol predefined-length AIs come
first so that they need no separator. Among the valid splits the narrowest pair is chosen.

>>> pti = [("01", "18935234567892"), ("10", "DF2503A"), ("13", "250310")]
>>> split_elements(pti)
[(('01', '18935234567892'), ('13', '250310'), ('10', 'DF2503A'))]
>>> split_elements(pti, x_dim=0.495, max_width=99.0)  # on a 100 mm wide label
[(('01', '18935234567892'), ('13', '250310')), (('10', 'DF2503A'),)]
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.render import raster, svg
from trace_std.render._elements import (
    Elements,
    as_elements,
    check_elements,
    hri_string,
    is_predefined,
    raw_string,
)
from trace_std.render.engines import DEFAULT_ENGINE, LinearSymbol, check_engine, code128_modules

__all__ = [
    "BAR_HEIGHT_MIN",
    "DEFAULT_X_DIM",
    "MAX_DATA_CHARS",
    "MAX_SYMBOLS",
    "MAX_WIDTH",
    "QUIET_ZONE",
    "X_DIM_MAX",
    "X_DIM_MIN",
    "gs1_128_png",
    "gs1_128_svg",
    "gs1_128_symbols",
    "split_elements",
]

X_DIM_MIN = 0.495
X_DIM_MAX = 1.016
DEFAULT_X_DIM = 0.508
BAR_HEIGHT_MIN = 32.0
QUIET_ZONE = 10  # modules, each side
MAX_DATA_CHARS = 48
MAX_WIDTH = 165.0  # mm, including quiet zones
MAX_SYMBOLS = 2
_OVERHEAD_MODULES = 11 * 3 + 13  # start, FNC1, check character, stop
_DIGITS = re.compile(r"\d+|\D")


def estimate_modules(raw: str) -> int:
    """Estimated Code 128 width in modules (without quiet zones) of a GS-separated element string.

    Runs of four or more digits go to code set C (two digits per character), anything else to
    code set B; FNC1 (GS) is valid in either set. The real encoders may do slightly better.

    >>> estimate_modules("0118935234567892")  # start C, FNC1, 8 pairs, check, stop
    134
    """
    codewords = 0
    code_set = ""
    for token in _DIGITS.findall(raw):
        n = len(token)
        if n >= 4 and token.isdigit():
            codewords += n % 2  # an odd leading digit stays in the current set
            codewords += (code_set not in ("", "C")) + n // 2
            code_set = "C"
        elif token == "\x1d":
            codewords += 1
        else:
            codewords += n + (code_set == "C")
            code_set = "B"
    return _OVERHEAD_MODULES + 11 * codewords


def _ordered(group: Sequence[tuple[str, str]]) -> Elements:
    """Predefined-length AIs first, otherwise in the given order."""
    return tuple(sorted(group, key=lambda e: not is_predefined(e[0])))


def _check_geometry(x_dim: float, bar_height: float, quiet_zone: int) -> None:
    if not X_DIM_MIN <= x_dim <= X_DIM_MAX:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            f"GS1-128 X-dimension must be {X_DIM_MIN}-{X_DIM_MAX} mm on logistic labels",
            field="x_dim",
            context={"expected": [X_DIM_MIN, X_DIM_MAX], "actual": x_dim},
        )
    if bar_height < BAR_HEIGHT_MIN:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            f"GS1-128 bar height must be at least {BAR_HEIGHT_MIN} mm on logistic labels",
            field="bar_height",
            context={"expected": f">= {BAR_HEIGHT_MIN}", "actual": bar_height},
        )
    if quiet_zone < QUIET_ZONE:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            f"GS1-128 quiet zones must be at least {QUIET_ZONE}X",
            field="quiet_zone",
            context={"expected": f">= {QUIET_ZONE}", "actual": quiet_zone},
        )


def _fits(group: Elements, x_dim: float, max_width: float) -> float | None:
    """Estimated width in mm if ``group`` fits one symbol, else ``None``."""
    raw = raw_string(group)
    if len(raw) > MAX_DATA_CHARS:
        return None
    width = (estimate_modules(raw) + 2 * QUIET_ZONE) * x_dim
    return width if width <= max_width else None


def _candidates(elements: Elements, x_dim: float, max_width: float) -> list[tuple[Elements, ...]]:
    """Valid one- or two-symbol splits, best first (narrowest widest symbol)."""
    whole = _ordered(elements)
    if _fits(whole, x_dim, max_width) is not None:
        return [(whole,)]
    n = len(elements)
    scored: list[tuple[float, int, tuple[Elements, ...]]] = []
    if n > 16:
        return []
    # Element 0 (the primary key, normally) always stays in the first symbol.
    for mask in range(1 << (n - 1)):
        first = [elements[0]] + [elements[i] for i in range(1, n) if not mask >> (i - 1) & 1]
        second = [elements[i] for i in range(1, n) if mask >> (i - 1) & 1]
        if not second:
            continue
        a, b = _ordered(first), _ordered(second)
        wa, wb = _fits(a, x_dim, max_width), _fits(b, x_dim, max_width)
        if wa is None or wb is None:
            continue
        scored.append((max(wa, wb), mask, (a, b)))
    scored.sort(key=lambda s: (s[0], s[1]))
    return [s[2] for s in scored]


def split_elements(
    elements: Sequence[tuple[str, str]], *, x_dim: float = DEFAULT_X_DIM, max_width: float = MAX_WIDTH
) -> list[Elements]:
    """Split ``elements`` into the fewest GS1-128 symbols (at most two) that respect the limits.

    Raises ``render.gs1_128.too_long`` when even two symbols cannot carry the data, and
    ``render.symbol.too_wide`` when they can, but not within ``max_width``.
    """
    elements = as_elements(elements)
    found = _candidates(elements, x_dim, max_width)
    if not found:
        raise _too_long(elements, x_dim, max_width)
    return list(found[0])


def _too_long(elements: Elements, x_dim: float, max_width: float) -> TraceStdError:
    """``render.symbol.too_wide`` when two symbols could carry the characters but not within
    ``max_width``; ``render.gs1_128.too_long`` when even the 48-character limit cannot be met."""
    context = {
        "raw_length": len(raw_string(elements)),
        "max_chars": MAX_DATA_CHARS,
        "max_width_mm": max_width,
        "x_dim_mm": x_dim,
    }
    if _candidates(elements, x_dim, float("inf")):
        return TraceStdError.from_code(
            ErrorCode.RENDER_SYMBOL_TOO_WIDE,
            f"the GS1-128 symbol(s) would be wider than {max_width:g} mm at X = {x_dim:g} mm",
            context=context,
        )
    return TraceStdError.from_code(
        ErrorCode.RENDER_GS1_128_TOO_LONG,
        f"the data does not fit {MAX_SYMBOLS} GS1-128 symbols of at most {MAX_DATA_CHARS} characters",
        context=context,
    )


def gs1_128_symbols(
    elements: Sequence[tuple[str, str]],
    *,
    engine: str = DEFAULT_ENGINE,
    x_dim: float = DEFAULT_X_DIM,
    max_width: float = MAX_WIDTH,
    validate: bool = True,
) -> list[LinearSymbol]:
    """Encode ``elements`` as one or two GS1-128 symbols no wider than ``max_width`` mm.

    ``validate=False`` skips the GS1 rules when the caller has checked the elements already.
    """
    eng = check_engine(engine)
    elements = as_elements(elements)
    if validate:
        check_elements(elements)
    max_width = min(max_width, MAX_WIDTH)
    for split in itertools.islice(_candidates(elements, x_dim, max_width), 8):
        symbols = [
            code128_modules(
                group, predefined=[is_predefined(ai) for ai, _ in group], hri=hri_string(group), engine=eng
            )
            for group in split
        ]
        if all((s.width + 2 * QUIET_ZONE) * x_dim <= max_width + 1e-9 for s in symbols):
            return symbols
    raise _too_long(elements, x_dim, max_width)


def gs1_128_svg(
    elements: Sequence[tuple[str, str]],
    *,
    engine: str = DEFAULT_ENGINE,
    x_dim: float = DEFAULT_X_DIM,
    bar_height: float = BAR_HEIGHT_MIN,
    quiet_zone: int = QUIET_ZONE,
    hri: bool = True,
    max_width: float = MAX_WIDTH,
) -> str:
    """A standalone SVG (mm) of the GS1-128 symbol(s); two symbols are stacked vertically."""
    _check_geometry(x_dim, bar_height, quiet_zone)
    symbols = gs1_128_symbols(elements, engine=engine, x_dim=x_dim, max_width=max_width)
    body, width, y = _stack(
        symbols, x_dim=x_dim, bar_height=bar_height, quiet_zone=quiet_zone, hri=hri, y0=0.0
    )
    return svg.document(body, width, y, title=" ".join(s.hri for s in symbols))


def stack_size(
    symbols: list[LinearSymbol],
    *,
    x_dim: float,
    bar_height: float,
    quiet_zone: int,
    hri: bool,
    gap: float = 4.0,
) -> tuple[float, float]:
    """Width and height in mm of :func:`_stack`'s output, without drawing it."""
    width = max((s.width + 2 * quiet_zone) * x_dim for s in symbols)
    height = sum(
        svg.linear_height(s, x_dim=x_dim, bar_height=bar_height, quiet_zone=quiet_zone, hri=hri)
        for s in symbols
    )
    return width, height + gap * (len(symbols) - 1)


def _stack(
    symbols: list[LinearSymbol],
    *,
    x_dim: float,
    bar_height: float,
    quiet_zone: int,
    hri: bool,
    y0: float,
    x0: float = 0.0,
    gap: float = 4.0,
) -> tuple[str, float, float]:
    parts = []
    width = 0.0
    y = y0
    for i, symbol in enumerate(symbols):
        if i:
            y += gap
        group, w, h = svg.linear_group(
            symbol, x_dim=x_dim, bar_height=bar_height, quiet_zone=quiet_zone, x0=x0, y0=y, hri=hri
        )
        parts.append(group)
        width = max(width, w)
        y += h
    return "".join(parts), width, y


def gs1_128_png(
    elements: Sequence[tuple[str, str]],
    *,
    engine: str = DEFAULT_ENGINE,
    module_px: int = 6,
    dpi: int = 300,
    bar_height: float = BAR_HEIGHT_MIN,
    quiet_zone: int = QUIET_ZONE,
    hri: bool = True,
) -> bytes:
    """A PNG of the GS1-128 symbol(s): ``module_px`` whole pixels per module at ``dpi``.

    The X-dimension is ``module_px * 25.4 / dpi`` mm and must lie in 0.495-1.016 mm
    (6 px at 300 dpi = 0.508 mm; 12 px at 600 dpi).
    """
    raster.check_module_px(module_px, dpi)
    x_dim = module_px * raster.MM_PER_INCH / dpi
    _check_geometry(x_dim, bar_height, quiet_zone)
    symbols = gs1_128_symbols(elements, engine=engine, x_dim=x_dim)
    return raster.linear_png(
        symbols, module_px=module_px, dpi=dpi, bar_height_mm=bar_height, quiet_zone=quiet_zone, hri=hri
    )
