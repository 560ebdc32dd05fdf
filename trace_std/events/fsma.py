"""The FSMA 204 electronic sortable spreadsheet (21 CFR 1.1455(c)(3)(ii)) from EPCIS events or labels.

One row per Critical Tracking Event and traceability lot code, with a column per Key Data Element of
21 CFR 1.1325-1.1350 (:data:`COLUMNS`, source of each column in ``docs/events/fsma204.md``), for a set
of traceability lot codes and/or a date range. :func:`sortable_rows` streams the rows;
:func:`write_csv` and :func:`write_xlsx` (needs the ``xlsx`` extra, openpyxl) write them, every
text cell neutralised against formula injection (:func:`trace_std.spreadsheet.neutralise`).

The input is an EPCIS document (any :func:`trace_std.events.read_document` source) or a label file,
which is first turned into events by :func:`trace_std.events.build.build_document`.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.events.profiles import _gtins, cte_of, expanded, traceability_lot_codes
from trace_std.events.validate import Context, parse_context
from trace_std.spreadsheet import neutralise

__all__ = ["COLUMNS", "parse_lot_code", "sortable_rows", "write_csv", "write_xlsx"]

NS = "https://trace-std.org/ns/vn-fresh-produce/1/"
CTE_NAMES = {
    "harvesting": "Harvesting",
    "cooling": "Cooling",
    "initial_packing": "Initial packing",
    "first_land_based_receiving": "First land-based receiving",
    "shipping": "Shipping",
    "receiving": "Receiving",
    "transformation": "Transformation",
}
#: (column title, what fills it). The titles follow the KDE wording of 21 CFR 1.1325-1.1350.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Critical Tracking Event", "the CTE (21 CFR 1.1325-1.1350) the event records"),
    ("Event Date", "eventTime, local date"),
    ("Event Time", "eventTime as written (with its offset)"),
    ("Traceability Lot Code", "GTIN + lot, written (01)GTIN(10)lot"),
    ("Traceability Lot Code Source", "vn:tlcSource or vn:tlcSourceReference"),
    ("Product Description (GTIN)", "the GTIN, whose master data describes the product"),
    ("Commodity and Variety", "vn:commodity / vn:variety"),
    ("Quantity", "quantity of the lot's quantity element, else the number of EPCs"),
    ("Unit of Measure", "uom (UN/CEFACT Rec 20), or EA for a count of EPCs"),
    ("Location Description", "bizLocation (or readPoint) id"),
    ("Immediate Previous Source", "sourceList"),
    ("Immediate Subsequent Recipient", "destinationList"),
    ("Field or Growing Area", "vn:plantingAreaCode or vn:fieldName"),
    ("Packing House", "vn:packingHouseCode"),
    ("Harvest Date", "vn:harvestDate"),
    ("Cooling Date", "vn:coolingDate"),
    ("Packing Date", "vn:packingDate"),
    ("Input Traceability Lot Codes", "inputQuantityList classes with a lot (transformation)"),
    ("Reference Document Type", "bizTransactionList type"),
    ("Reference Document Number", "bizTransactionList bizTransaction"),
    ("Destination Market", "vn:destinationMarket"),
    ("EPCIS Event ID", "eventID"),
)


def parse_lot_code(text: str) -> tuple[str, str]:
    """``(GTIN-14, lot)`` from ``(01)…(10)…``, ``GTIN/lot`` or a Digital Link with /01/…/10/…."""
    from trace_std.gs1.digital_link import parse_digital_link
    from trace_std.gs1.element_string import parse_element_string

    value = text.strip()
    pairs: dict[str, str]
    if value.startswith(("http://", "https://")):
        pairs = dict(parse_digital_link(value).elements)
    elif value.startswith("("):
        pairs = dict(parse_element_string(value).elements)
    else:
        gtin, sep, lot = value.partition("/")
        if not sep:
            raise TraceStdError.from_code(
                ErrorCode.INPUT_UNRECOGNISED,
                f"{text!r}: write a lot code as (01)GTIN(10)LOT or GTIN/LOT",
                span=(0, len(text)),
            )
        from trace_std.gs1.keys import to_gtin14, validate_gtin

        pairs = {"01": to_gtin14(validate_gtin(gtin)), "10": lot}
    if "01" not in pairs or "10" not in pairs:
        raise TraceStdError.from_code(
            ErrorCode.INPUT_UNRECOGNISED, f"{text!r} has no GTIN and lot", span=(0, len(text))
        )
    return pairs["01"], pairs["10"]


def _events(source: Any) -> Iterator[tuple[dict[str, Any], Context]]:
    from trace_std.events.build import build_document
    from trace_std.events.reader import read_document

    doc = None
    if isinstance(source, dict):
        from trace_std.events.validate import _dict_document

        doc = _dict_document(source)
    else:
        try:
            doc = read_document(source)
        except TraceStdError:
            doc = None
        if doc is not None and doc.kind is None:
            doc.close()
            doc = None
        if doc is None:  # not EPCIS: a label file
            if hasattr(source, "seek"):
                source.seek(0)
            built = build_document(source).document
            doc = _dict_events(built)
    try:
        ctx = parse_context(doc.header.get("@context")) if "@context" in doc.header else Context()
        for _pointer, event in doc.events():
            if isinstance(event, dict):
                yield event, (parse_context(event["@context"], ctx) if "@context" in event else ctx)
    finally:
        doc.close()


def _dict_events(built: dict[str, Any]) -> Any:
    from trace_std.events.validate import _dict_document

    return _dict_document(built)


def _term(event: dict[str, Any], ctx: Context, name: str) -> str:
    ilmd = event.get("ilmd")
    for obj in (event, ilmd if isinstance(ilmd, dict) else {}):
        found = expanded(obj, ctx).get(NS + name)
        if found is not None:
            return str(found[1])
    return ""


def _ids(items: Any, key: str) -> str:
    return "; ".join(str(i.get(key, "")) for i in items or [] if isinstance(i, dict))


def _quantity(event: dict[str, Any], gtin: str, lot: str) -> tuple[str, str]:
    from trace_std.events.profiles import _epc

    for name in ("quantityList", "childQuantityList", "outputQuantityList"):
        for element in event.get(name) or []:
            epc = _epc(element.get("epcClass")) if isinstance(element, dict) else None
            if (
                epc is not None
                and dict(epc.elements).get("01") == gtin
                and dict(epc.elements).get("10") == lot
                and "quantity" in element
            ):
                return str(element["quantity"]), str(element.get("uom", "EA"))
    count = sum(len(event.get(n) or []) for n in ("epcList", "childEPCs", "outputEPCList"))
    return (str(count), "EA") if count else ("", "")


def _day(event: dict[str, Any]) -> dt.date | None:
    when = event.get("eventTime")
    try:
        return dt.date.fromisoformat(str(when)[:10])
    except ValueError:
        return None


def sortable_rows(
    source: Any,
    *,
    lots: Iterable[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    on_row: Callable[[int], None] | None = None,
) -> Iterator[dict[str, str]]:
    """The spreadsheet rows (``{column title: text}``) for the events of ``source`` that record a CTE,
    limited to the traceability lot codes ``lots`` (any spelling :func:`parse_lot_code` reads) and to
    event dates from ``start`` to ``end`` (inclusive)."""
    wanted = {parse_lot_code(t) for t in lots} if lots else None
    count = 0
    for event, ctx in _events(source):
        cte = cte_of(event, ctx)
        if cte is None:
            continue
        day = _day(event)
        if (start and (day is None or day < start)) or (end and (day is None or day > end)):
            continue
        codes = traceability_lot_codes(event, ctx) or [(g, "") for g in dict.fromkeys(_gtins(event))]
        inputs = traceability_lot_codes(event, ctx, ("inputQuantityList",)) if cte == "transformation" else []
        for gtin, lot in codes:
            if (
                wanted is not None
                and (gtin, lot) not in wanted
                and not any(pair in wanted for pair in inputs)
            ):
                continue
            quantity, uom = _quantity(event, gtin, lot)
            transactions = event.get("bizTransactionList") or []
            row = {
                "Critical Tracking Event": CTE_NAMES.get(cte, cte),
                "Event Date": day.isoformat() if day else "",
                "Event Time": str(event.get("eventTime", "")),
                "Traceability Lot Code": f"(01){gtin}(10){lot}" if lot else "",
                "Traceability Lot Code Source": _term(event, ctx, "tlcSource")
                or _term(event, ctx, "tlcSourceReference"),
                "Product Description (GTIN)": gtin,
                "Commodity and Variety": " / ".join(
                    x for x in (_term(event, ctx, "commodity"), _term(event, ctx, "variety")) if x
                ),
                "Quantity": quantity,
                "Unit of Measure": uom,
                "Location Description": str(
                    (event.get("bizLocation") or event.get("readPoint") or {}).get("id", "")
                )
                if isinstance(event.get("bizLocation") or event.get("readPoint") or {}, dict)
                else "",
                "Immediate Previous Source": _ids(event.get("sourceList"), "source"),
                "Immediate Subsequent Recipient": _ids(event.get("destinationList"), "destination"),
                "Field or Growing Area": _term(event, ctx, "plantingAreaCode")
                or _term(event, ctx, "fieldName"),
                "Packing House": _term(event, ctx, "packingHouseCode"),
                "Harvest Date": _term(event, ctx, "harvestDate"),
                "Cooling Date": _term(event, ctx, "coolingDate"),
                "Packing Date": _term(event, ctx, "packingDate"),
                "Input Traceability Lot Codes": "; ".join(f"(01){g}(10){lot_}" for g, lot_ in inputs),
                "Reference Document Type": _ids(transactions, "type"),
                "Reference Document Number": _ids(transactions, "bizTransaction"),
                "Destination Market": _term(event, ctx, "destinationMarket"),
                "EPCIS Event ID": str(event.get("eventID", "")),
            }
            count += 1
            if on_row is not None:
                on_row(count)
            yield row


def _cell(value: Any) -> Any:
    """A cell no spreadsheet runs as a formula: event data is untrusted (:mod:`trace_std.spreadsheet`)."""
    return neutralise(value) if isinstance(value, str) else value


def write_csv(rows: Iterable[dict[str, str]], out: IO[str]) -> int:
    """CSV with a header row (UTF-8; open ``out`` with ``newline=""``). Returns the number of rows."""
    writer = csv.DictWriter(out, fieldnames=[c for c, _ in COLUMNS])
    writer.writeheader()
    n = 0
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
        n += 1
    return n


def write_xlsx(rows: Iterable[dict[str, str]], path: Any) -> int:
    """An .xlsx workbook (sheet ``FSMA 204``, header row frozen, auto-filter on). Needs openpyxl."""
    try:
        from openpyxl import Workbook
    except ImportError as exc:  # pragma: no cover - the xlsx extra is installed in CI
        raise TraceStdError.from_code(
            ErrorCode.RENDER_EXTRA_MISSING,
            "writing .xlsx needs the xlsx extra (pip install 'trace-std[xlsx]')",
        ) from exc
    book = Workbook(write_only=True)
    sheet = book.create_sheet("FSMA 204")
    sheet.freeze_panes = "A2"
    titles = [c for c, _ in COLUMNS]
    sheet.append(titles)
    n = 0
    for row in rows:
        sheet.append([_cell(row.get(t, "")) for t in titles])
        n += 1
    sheet.auto_filter.ref = f"A1:{_column_letter(len(titles))}{n + 1}"
    book.save(path)
    return n


def _column_letter(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out
