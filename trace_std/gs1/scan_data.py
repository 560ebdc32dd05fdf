"""Scanner output: a symbology identifier (ISO/IEC 15424) and the GS1 data its symbol carries.

What a barcode scanner or a phone camera reports for the symbols found on produce cartons:

* ``]C1`` GS1-128, ``]e0`` GS1 DataBar and composites, ``]d2`` GS1 DataMatrix, ``]Q3`` GS1 QR
  Code, ``]J1`` GS1 DotCode: a GS1 element string (GS-separated raw data);
* ``]Q1`` QR Code, ``]d1`` Data Matrix, ``]J0`` DotCode in plain mode holding a **GS1 Digital
  Link URI**: what every phone reads from the QR Code of a carton;
* ``]E0`` EAN-13 (and UPC-A as EAN-13 with a leading 0) and ``]E4`` EAN-8: a GTIN, optionally
  followed by a composite component ``|]e0…`` (the 2D part of an EAN/UPC composite).

Plain-mode payloads that are not a Digital Link (free text in a QR Code) are not GS1 data: they
are rejected (``input.unrecognised``), as are symbology identifiers of non-GS1 carriers
(``gs1.symbology.unknown``). Every error has its span in the scanned text.

>>> parse_scan_data("]Q1https://id.gs1.org/01/09501101530003/10/AB-1").elements
(('01', '09501101530003'), ('10', 'AB-1'))
>>> scan = parse_scan_data("]E09501101530003")
>>> scan.kind, scan.carrier, scan.elements
('gtin', 'EAN-13', (('01', '09501101530003'),))
>>> parse_scan_data("]d2010950110153000310AB-1").hri()
'(01)09501101530003(10)AB-1'
"""

from __future__ import annotations

import dataclasses
from typing import Final, Literal

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.gs1 import element_string as _es
from trace_std.gs1.ai import validate_elements

__all__ = ["PLAIN_SYMBOLOGIES", "SCAN_SYMBOLOGIES", "ScanData", "parse_scan_data"]

#: Plain-mode 2D symbologies whose data may be a GS1 Digital Link URI.
PLAIN_SYMBOLOGIES: Final[dict[str, str]] = {"]Q1": "QR Code", "]d1": "Data Matrix", "]J0": "DotCode"}
#: EAN/UPC symbologies: the data is the GTIN's digits.
EAN_SYMBOLOGIES: Final[dict[str, tuple[str, int]]] = {"]E0": ("EAN-13", 13), "]E4": ("EAN-8", 8)}
#: Every symbology identifier :func:`parse_scan_data` reads, with the carrier's name.
SCAN_SYMBOLOGIES: Final[dict[str, str]] = {
    **_es.SYMBOLOGY_IDENTIFIERS,
    **PLAIN_SYMBOLOGIES,
    **{k: name for k, (name, _) in EAN_SYMBOLOGIES.items()},
}
_COMPOSITE: Final = "|]e0"

Kind = Literal["element_string", "digital_link", "gtin"]


@dataclasses.dataclass(frozen=True, slots=True)
class ScanData:
    """One scan: ``symbology`` (``]Q1``…), ``carrier`` (its name), ``kind`` of data, the
    ``elements`` (``(ai, value)`` pairs: the GTIN of an EAN/UPC as AI 01, then any composite
    component's), ``data`` as carried after the identifier, and for a Digital Link its ``uri``."""

    symbology: str
    carrier: str
    kind: Kind
    elements: tuple[tuple[str, str], ...]
    data: str
    uri: str | None = None

    def hri(self) -> str:
        """The bracketed element string of the scan."""
        return _es.ElementString(self.elements).hri()


def _scan_error(code: ErrorCode, message: str, span: tuple[int, int], **context: object) -> TraceStdError:
    return TraceStdError.from_code(code, message, span=span, context=context)


def parse_scan_data(text: str) -> ScanData:
    """Parse and fully validate scanner output; raise the first problem (span in ``text``)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    sym = text[:3]
    if sym in _es.SYMBOLOGY_IDENTIFIERS:
        es = _es.parse_element_string(text)
        return ScanData(sym, SCAN_SYMBOLOGIES[sym], "element_string", es.elements, text[3:])
    if not text.startswith("]") or sym not in SCAN_SYMBOLOGIES:
        if not text:
            raise _scan_error(ErrorCode.INPUT_EMPTY, "no scan data", (0, 0))
        raise _scan_error(
            ErrorCode.GS1_SYMBOLOGY_UNKNOWN,
            "not the symbology identifier of a carrier of GS1 data",
            (0, min(len(text), 3)),
            symbology=sym,
            expected=sorted(SCAN_SYMBOLOGIES),
        )
    data = text[3:]
    if not data:
        raise _scan_error(ErrorCode.INPUT_EMPTY, "no data after the symbology identifier", (3, 3))
    if sym in PLAIN_SYMBOLOGIES:
        from trace_std.gs1.digital_link import parse_digital_link

        if not data[:8].lower().startswith(("http://", "https://")):
            raise _scan_error(
                ErrorCode.INPUT_UNRECOGNISED,
                f"plain {PLAIN_SYMBOLOGIES[sym]} data that is not a GS1 Digital Link URI",
                (3, len(text)),
                symbology=sym,
            )
        try:
            dl = parse_digital_link(data)
        except TraceStdError as err:
            raise err.shifted(3) from None
        return ScanData(sym, PLAIN_SYMBOLOGIES[sym], "digital_link", dl.elements, data, data)
    return _ean(text, sym, data)


def _ean(text: str, sym: str, data: str) -> ScanData:
    from trace_std.gs1.keys import validate_gtin

    carrier, length = EAN_SYMBOLOGIES[sym]
    digits, bar, composite = data.partition("|")
    if len(digits) != length or not (digits.isascii() and digits.isdigit()):
        bad = next((i for i, c in enumerate(digits) if not ("0" <= c <= "9")), None)
        if bad is not None and len(digits) == length:
            raise _scan_error(
                ErrorCode.GS1_KEY_CHARACTER, "a digit expected", (3 + bad, 4 + bad), carrier=carrier
            )
        raise _scan_error(
            ErrorCode.GS1_KEY_LENGTH,
            f"{carrier} data has {length} digits",
            (3, 3 + len(digits)),
            carrier=carrier,
            expected=length,
            actual=len(digits),
        )
    try:
        gtin = validate_gtin(digits)
    except TraceStdError as err:
        raise err.shifted(3) from None
    elements: tuple[tuple[str, str], ...] = (("01", gtin),)
    if bar:
        start = 3 + len(digits)
        if not (bar + composite).startswith(_COMPOSITE):
            raise _scan_error(
                ErrorCode.INPUT_UNRECOGNISED,
                "an EAN/UPC composite component starts with |]e0",
                (start, min(len(text), start + 4)),
            )
        # The component is checked on its own for syntax and values, then with the GTIN for the
        # association rules (its lot or date needs the GTIN of the linear part).
        report = _es.check(composite, strict=True)
        own = [i for i in report.errors if i.code not in _es._ASSOC_CODES]
        if own:
            first = own[0]
            span = None if first.span is None else (first.span[0] + start + 1, first.span[1] + start + 1)
            raise TraceStdError.from_code(
                ErrorCode(first.code), first.message, span=span, context=first.context
            )
        elements += tuple((e["ai"], e["value"]) for e in report.details["elements"])
        problems = validate_elements(list(elements))
        if problems:
            raise problems[0]
    return ScanData(sym, carrier, "gtin", elements, data)
