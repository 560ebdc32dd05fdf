"""Crafted .xlsx workbooks for the zip-bomb tests and ``benchmarks/bench_xlsx_bombs.py``.

Each builder writes a real zip with the parts openpyxl needs (content types, relationships,
workbook, one worksheet, optionally shared strings), streaming large parts through the deflater so
that a 1 GB part never sits in memory. ``BOMBS`` names the shapes of issue 17 item 2.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
_BOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
    'Target="sharedStrings.xml"/></Relationships>'
)
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_R_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
HEADER = ("gtin", "lot", "harvest_date", "pack_date", "net_weight_kg", "product_name", "crop", "exporter",
          "destination_market")  # fmt: skip
ROW = (
    "08935234567895",
    "DF2503A",
    "2025-03-01",
    "2025-03-05",
    "10",
    "Thanh long",
    "dragon fruit",
    "ACME",
    "CN",
)

Chunks = Iterable[str]


def _workbook(extra: Chunks = ()) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook {_NS} {_R_NS}>'
    yield from extra
    yield '<sheets><sheet name="labels" sheetId="1" r:id="rId1"/></sheets></workbook>'


def _column(index: int) -> str:
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _row(number: int, cells: Iterable[str]) -> str:
    body = "".join(
        f'<c r="{_column(i)}{number}" t="inlineStr"><is><t>{value}</t></is></c>'
        for i, value in enumerate(cells)
    )
    return f'<row r="{number}">{body}</row>'


def sheet(rows: Iterable[str], dimension: str = "A1") -> Iterator[str]:
    """A worksheet part around pre-rendered ``<row>`` elements."""
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet {_NS}>'
    yield f'<dimension ref="{dimension}"/><sheetData>'
    yield from rows
    yield "</sheetData></worksheet>"


def label_rows(n: int, start: int = 2) -> Iterator[str]:
    """The header row, then ``n`` copies of a valid label row (inline strings)."""
    yield _row(1, HEADER)
    for number in range(start, start + n):
        yield _row(number, ROW)


def shared_strings(count: int, text: str = "x") -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} count="{count}" uniqueCount="{count}">'
    item = f"<si><t>{text}</t></si>"
    batch = item * 1000
    for _ in range(count // 1000):
        yield batch
    yield item * (count % 1000)
    yield "</sst>"


def workbook(
    *,
    sheet_xml: Chunks | None = None,
    strings: Chunks | None = None,
    book: Chunks | None = None,
    extra_members: int = 0,
    level: int = 9,
) -> bytes:
    """An .xlsx file: the given parts (defaults: a one-row label sheet, no shared strings)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        zf.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        parts: list[tuple[str, Chunks]] = [
            ("xl/workbook.xml", book if book is not None else _workbook()),
            ("xl/worksheets/sheet1.xml", sheet_xml if sheet_xml is not None else sheet(label_rows(1))),
            ("xl/sharedStrings.xml", strings if strings is not None else shared_strings(0)),
        ]
        for name, chunks in parts:
            with zf.open(name, "w", force_zip64=True) as fh:
                pending: list[bytes] = []
                size = 0
                for chunk in chunks:
                    data = chunk.encode()
                    pending.append(data)
                    size += len(data)
                    if size >= 1 << 20:
                        fh.write(b"".join(pending))
                        pending, size = [], 0
                fh.write(b"".join(pending))
        for n in range(extra_members):
            zf.writestr(f"customXml/item{n}.xml", "<a/>")
    return buffer.getvalue()


def _repeat(piece: str, total: int) -> Iterator[str]:
    block = piece * max(1, (1 << 20) // len(piece))
    for _ in range(total // len(block)):
        yield block


def huge_shared_strings(megabytes: int = 1024) -> bytes:
    """``sharedStrings.xml`` that inflates to ``megabytes`` MiB (openpyxl loads it whole)."""
    return workbook(strings=shared_strings((megabytes << 20) // 17))


def huge_sheet(megabytes: int = 1024) -> bytes:
    """A worksheet that inflates to ``megabytes`` MiB of empty rows."""
    rows = _repeat('<row r="2"/>', megabytes << 20)
    return workbook(sheet_xml=sheet(rows))


def huge_workbook_xml(megabytes: int = 1024) -> bytes:
    """``workbook.xml`` padded with ``megabytes`` MiB of defined names (openpyxl parses it whole)."""
    pad = _repeat('<definedName name="x">labels!$A$1</definedName>', megabytes << 20)
    return workbook(book=_workbook(["<definedNames>", *pad, "</definedNames>"]))


def many_cells(rows: int = 200_000) -> bytes:
    """A worksheet of ``rows`` valid label rows: a flood of small cells at a modest ratio."""
    return workbook(sheet_xml=sheet(label_rows(rows)))


def shared_cells(rows: int = 4_000) -> bytes:
    """``rows`` label rows as Excel writes them: every text cell a shared-string index."""
    strings = [*HEADER, *ROW]
    sst = [
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst {_NS} count="{len(strings)}">',
        *(f"<si><t>{text}</t></si>" for text in strings),
        "</sst>",
    ]

    def row(number: int, offset: int) -> str:
        cells = "".join(
            f'<c r="{_column(i)}{number}" t="s"><v>{offset + i}</v></c>' for i in range(len(HEADER))
        )
        return f'<row r="{number}">{cells}</row>'

    body = [row(1, 0), *(row(n, len(HEADER)) for n in range(2, rows + 2))]
    return workbook(sheet_xml=sheet(body), strings=sst)


def high_ratio(megabytes: int = 8) -> bytes:
    """A small worksheet part (under the size limits) that inflates ~1,000 times."""
    return workbook(sheet_xml=sheet([_row(1, HEADER), *_repeat("<row/>", megabytes << 20)]))


def far_rows() -> bytes:
    """A few bytes that claim a million rows: a huge dimension and a row numbered 1,048,576."""
    rows = [_row(1, HEADER), _row(2, ROW), _row(1_048_576, ROW)]
    return workbook(sheet_xml=sheet(rows, dimension="A1:XFD1048576"))


def many_members(count: int = 5000) -> bytes:
    return workbook(extra_members=count)


def long_cell(chars: int = 1_000_000) -> bytes:
    rows = [_row(1, HEADER), _row(2, (*ROW[:5], "x" * chars))]
    return workbook(sheet_xml=sheet(rows))


#: The bombs of issue 17 item 2 (and two more shapes), each with its default size.
BOMBS: dict[str, Callable[[], bytes]] = {
    "huge-shared-strings": huge_shared_strings,
    "huge-sheet": huge_sheet,
    "huge-workbook-xml": huge_workbook_xml,
    "many-cells": many_cells,
    "high-ratio": high_ratio,
    "far-rows": far_rows,
    "many-members": many_members,
    "long-cell": long_cell,
}
