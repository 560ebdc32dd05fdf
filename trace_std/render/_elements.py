"""Element-string helpers shared by the renderers, on top of ``trace_std.gs1``.

>>> raw_string([("01", "18935234567892"), ("10", "DF2503A"), ("13", "250310")])
'011893523456789210DF2503A\\x1d13250310'
>>> hri_string([("01", "18935234567892"), ("10", "DF2503A")])
'(01)18935234567892(10)DF2503A'
>>> is_predefined("3103"), is_predefined("10")
(True, False)
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

from trace_std.errors import ErrorCode, TraceStdError

Elements = tuple[tuple[str, str], ...]

GS = "\x1d"


def as_elements(elements: Sequence[tuple[str, str]]) -> Elements:
    """Check the argument types and return the elements as a tuple of pairs."""
    if isinstance(elements, (str, bytes)):
        raise TypeError("elements must be a sequence of (ai, value) pairs, not a string")
    out: list[tuple[str, str]] = []
    for pair in elements:
        ai, value = pair
        if not isinstance(ai, str) or not isinstance(value, str):
            raise TypeError("every element must be a pair of str (ai, value)")
        out.append((ai, value))
    if not out:
        raise TraceStdError.from_code(ErrorCode.RENDER_ELEMENTS_EMPTY, "nothing to encode: no elements")
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def is_predefined(ai: str) -> bool:
    """Whether ``ai`` has a predefined length (needs no FNC1 separator after its value)."""
    from trace_std.gs1.ai import ai_info

    info = ai_info(ai)
    return info is not None and bool(info.predefined_length)


def check_elements(elements: Sequence[tuple[str, str]]) -> None:
    """Raise the first problem ``trace_std.gs1.ai.validate_elements`` finds (every GS1 rule)."""
    from trace_std.gs1.ai import validate_elements

    errors = validate_elements(list(elements), origin="elements")
    if errors:
        raise errors[0]


def raw_string(elements: Sequence[tuple[str, str]]) -> str:
    """The element string as transmitted by a scanner (GS after variable-length values).

    Formatting only: the elements are validated once, as a whole, by :func:`check_elements`
    (one symbol of a split pair may legitimately miss an AI that the other carries).
    """
    parts: list[str] = []
    for i, (ai, value) in enumerate(elements):
        parts.append(ai + value)
        if i < len(elements) - 1 and not is_predefined(ai):
            parts.append(GS)
    return "".join(parts)


def hri_string(elements: Sequence[tuple[str, str]]) -> str:
    """The printed human-readable interpretation: each AI in brackets, then its value as is.

    (The bracketed *syntax* of ``trace_std.gs1.element_string`` escapes brackets inside values;
    printed HRI does not.)
    """
    return "".join(f"({ai}){value}" for ai, value in elements)


DEFAULT_RESOLVER = "https://id.gs1.org"


DL_CONTENTS = ("full", "trace", "short")
TRACE_ATTRIBUTES = ("90", "7030")  # PUC and PHC in the vn-fresh-produce/1 profile


def digital_link(
    elements: Sequence[tuple[str, str]],
    stem: str = DEFAULT_RESOLVER,
    *,
    validate: bool = True,
    content: str = "full",
) -> str:
    """A GS1 Digital Link URI of ``elements`` on the resolver ``stem``.

    Built by ``trace_std.gs1.digital_link.build_digital_link``. ``content``: ``"full"`` carries
    every element a Digital Link can carry; ``"short"`` only the primary key and its key
    qualifiers (the path); ``"trace"`` the path plus the PUC (90) and PHC (7030) attributes.

    >>> els = [("01", "18935234567892"), ("10", "DF25/03"), ("13", "250310"), ("90", "VN-DTOR-0017")]
    >>> digital_link(els, "https://id.example.vn")
    'https://id.example.vn/01/18935234567892/10/DF25%2F03?13=250310&90=VN-DTOR-0017'
    >>> digital_link(els, "https://id.example.vn", content="trace")
    'https://id.example.vn/01/18935234567892/10/DF25%2F03?90=VN-DTOR-0017'
    >>> digital_link(els, "https://id.example.vn", content="short")
    'https://id.example.vn/01/18935234567892/10/DF25%2F03'
    """
    from trace_std.gs1.ai import ai_info
    from trace_std.gs1.digital_link import build_digital_link

    if content not in DL_CONTENTS:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_OPTION_INVALID,
            f"Digital Link content must be one of {', '.join(DL_CONTENTS)}",
            field="content",
            context={"expected": list(DL_CONTENTS), "actual": content},
        )
    key = dl_primary_key(elements)
    qualifiers: set[str] = set()
    if key is not None:
        for alternative in ai_info(key).dlpkey:  # type: ignore[union-attr]
            qualifiers.update(alternative)
    carried = []
    for ai, value in elements:
        info = ai_info(ai)
        if (
            ai == key
            or ai in qualifiers
            or (
                info is not None
                and info.dl_attribute
                and (content == "full" or (content == "trace" and ai in TRACE_ATTRIBUTES))
            )
        ):
            carried.append((ai, value))
    # the key first: build_digital_link puts the first primary key in the path
    carried.sort(key=lambda pair: pair[0] != key)
    return str(build_digital_link(carried, stem=stem, validate=validate))


def dl_primary_key(elements: Sequence[tuple[str, str]]) -> str | None:
    """The AI that keys the Digital Link of ``elements``: the GTIN (01) when present, else the
    first AI that can be a Digital Link primary key (the SSCC, 00, on a pallet); ``None`` if none.

    >>> dl_primary_key([("00", "389352345000000015"), ("01", "08936000120016"), ("10", "A1")])
    '01'
    >>> dl_primary_key([("00", "389352345000000015"), ("02", "08935234567895")])
    '00'
    """
    from trace_std.gs1.ai import ai_info

    ais = [ai for ai, _ in elements]
    if "01" in ais:
        return "01"
    return next((ai for ai in ais if getattr(ai_info(ai), "dlpkey", None)), None)
