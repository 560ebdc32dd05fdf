"""Reading untrusted .xlsx workbooks in bounded time and memory (zip bombs, huge parts, cell floods).

An .xlsx file is a zip of XML parts. openpyxl inflates ``[Content_Types].xml``, ``workbook.xml``,
``styles.xml``, ``sharedStrings.xml`` and the relationship parts whole, and streams the worksheet in
read-only mode. A 1 MB upload can therefore ask for gigabytes (a deflate stream inflates up to about
1,000 times), and a worksheet of a few bytes can claim a million rows by its ``dimension`` or by a
row number far down the sheet. Before openpyxl opens anything, :func:`check_archive` reads the zip's
central directory and refuses, with ``file.too_large``:

* more than ``max_members`` parts;
* a total uncompressed size over ``max_total_bytes``;
* a worksheet (or any other streamed part) over ``max_member_bytes``, ``sharedStrings.xml`` over
  ``max_shared_strings_bytes``, and any other part openpyxl reads whole (``workbook.xml``,
  ``styles.xml``, ``[Content_Types].xml``, the ``.rels``...) over ``max_part_bytes``;
* a part of at least ``ratio_floor_bytes`` that inflates more than ``max_ratio`` times;
* more than ``max_xml_tokens`` tags and attributes in all the XML parts together: openpyxl's
  parsing time follows that count (a rich-text run costs far more than a shared-string cell), so
  this bounds the time whatever markup a crafted file picks. The parts are inflated once to count
  their ``<`` and ``=`` at C speed, within the size limits already checked. An Excel-saved sheet
  of the 14-column template has about 85 per row: the default admits about 3,500 rows (a CSV has
  no such limit; ``--trust-xlsx`` or ``XLSX_LIMITS`` raise it).

The sizes are those the directory declares; Python's zipfile stops inflating a part at its declared
size (and then fails its CRC), so a directory that lies does not buy more. The sheet is then read
in read-only streaming mode by :func:`sheet_rows`: at most ``max_columns`` columns, the declared
dimension ignored, the cells of every row (a blank row or a row skipped over counts one) counted
against ``max_cells``, and a cell longer than ``max_cell_chars`` (Excel's own limit is 32,767)
refused.

The defaults are the limits of the public ``POST /v1/labels/validate`` and of ``trace-std
validate``; :meth:`XlsxLimits.trusted` raises them for trusted local files (``--trust-xlsx``), and
:meth:`XlsxLimits.from_mapping` reads overrides from a configuration (the API's ``XLSX_LIMITS``).
"""

from __future__ import annotations

import dataclasses
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from typing import IO, Any

from trace_std.errors import ErrorCode, FileFormatError, TraceStdError

__all__ = ["XlsxLimits", "check_archive", "sheet_rows"]

_MIB = 1 << 20


@dataclasses.dataclass(frozen=True, slots=True)
class XlsxLimits:
    """Limits on an .xlsx workbook, checked before and while it is read (sizes in bytes)."""

    max_members: int = 256
    max_total_bytes: int = 64 * _MIB
    max_member_bytes: int = 48 * _MIB
    max_shared_strings_bytes: int = 8 * _MIB
    max_part_bytes: int = 2 * _MIB
    max_ratio: float = 100.0
    ratio_floor_bytes: int = 1 * _MIB
    max_xml_tokens: int = 300_000  # tags and attributes openpyxl parses: about 1.5 s at most
    max_cells: int = 100_000  # about 7,000 rows of the 14-column template
    max_columns: int = 64
    max_cell_chars: int = 32_767

    @classmethod
    def trusted(cls) -> XlsxLimits:
        """Limits for a trusted local file: large workbooks are read, the bombs are still refused."""
        return cls(
            max_members=4096,
            max_total_bytes=4096 * _MIB,
            max_member_bytes=4096 * _MIB,
            max_shared_strings_bytes=1024 * _MIB,
            max_part_bytes=64 * _MIB,
            max_ratio=250.0,
            max_xml_tokens=500_000_000,
            max_cells=200_000_000,
            max_columns=256,
        )

    @classmethod
    def from_mapping(cls, overrides: Mapping[str, Any] | None) -> XlsxLimits:
        """The default limits with ``overrides`` (field name → number) applied; unknown names raise."""
        if not overrides:
            return cls()
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            known = ", ".join(sorted(names))
            raise ValueError(f"unknown XLSX limit(s): {', '.join(unknown)}; known: {known}")
        values: dict[str, Any] = {k: (float(v) if k == "max_ratio" else int(v)) for k, v in overrides.items()}
        return dataclasses.replace(cls(), **values)


def _too_large(message: str, **context: Any) -> FileFormatError:
    err = TraceStdError.from_code(ErrorCode.FILE_TOO_LARGE, message, context=context)
    assert isinstance(err, FileFormatError)
    return err


def _limit_for(name: str, limits: XlsxLimits) -> tuple[int, str]:
    lower = name.lower()
    if lower.endswith("sharedstrings.xml"):
        return limits.max_shared_strings_bytes, "max_shared_strings_bytes"
    if lower.startswith("xl/worksheets/") and not lower.endswith(".rels"):
        return limits.max_member_bytes, "max_member_bytes"
    if lower.endswith((".xml", ".rels", ".vml")):  # parts openpyxl parses whole
        return limits.max_part_bytes, "max_part_bytes"
    return limits.max_member_bytes, "max_member_bytes"  # images, binaries: not parsed


def check_archive(raw: IO[bytes], limits: XlsxLimits) -> None:
    """Refuse a workbook whose zip directory announces more than ``limits`` allow, or whose XML
    parts hold more than ``max_xml_tokens`` tags and attributes.

    The directory is checked first, so nothing is inflated beyond the size limits; ``raw`` is left
    at offset 0. Raises ``file.too_large`` (with ``limit``, the part and the sizes in its context),
    or ``file.truncated`` when it is not a readable zip (bad CRC, encrypted, unknown method).
    """
    try:
        with zipfile.ZipFile(raw) as archive:
            infos = archive.infolist()
            _check_directory(infos, limits)
            _check_tokens(archive, infos, limits)
    except TraceStdError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        zlib.error,
        NotImplementedError,  # a compression method zipfile lacks
        RuntimeError,  # an encrypted part
    ) as exc:
        raise TraceStdError.from_code(
            ErrorCode.FILE_TRUNCATED,
            f"the .xlsx file is damaged or truncated ({type(exc).__name__}); save it again",
            context={"reason": type(exc).__name__},
        ) from None
    finally:
        raw.seek(0)


def _check_tokens(archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: XlsxLimits) -> None:
    """Count the tags (``<``) and attributes (``=``) of every XML part, a C-speed scan of the
    inflated bytes (which the directory checks have already bounded). openpyxl's parsing time
    follows that count, and a crafted file picks the costliest markup (rich-text runs, about 6 µs a
    tag on a shared 2-core machine), so this bounds the time whatever the content."""
    tokens = 0
    budget = limits.max_xml_tokens
    for info in infos:
        if not info.filename.lower().endswith((".xml", ".rels")):
            continue
        with archive.open(info) as part:
            while chunk := part.read(1 << 20):
                tokens += chunk.count(b"<") + chunk.count(b"=")
                if tokens > budget:
                    raise _too_large(
                        f"the workbook has more than {budget:,} XML tags and attributes "
                        f"(in {info.filename}); save it as CSV, or split it",
                        limit="max_xml_tokens",
                        member=info.filename,
                        max=budget,
                    )


def _check_directory(infos: list[zipfile.ZipInfo], limits: XlsxLimits) -> None:
    if len(infos) > limits.max_members:
        raise _too_large(
            f"the workbook has {len(infos)} parts (limit {limits.max_members})",
            limit="max_members",
            actual=len(infos),
            max=limits.max_members,
        )
    total = 0
    for info in infos:
        size, packed = info.file_size, info.compress_size
        cap, which = _limit_for(info.filename, limits)
        if size > cap:
            raise _too_large(
                f"part {info.filename} inflates to {size:,} bytes (limit {cap:,})",
                limit=which,
                member=info.filename,
                actual=size,
                max=cap,
            )
        total += size
        if total > limits.max_total_bytes:
            raise _too_large(
                f"the workbook inflates to more than {limits.max_total_bytes // _MIB} MiB "
                "(save it as CSV, or split it)",
                limit="max_total_bytes",
                member=info.filename,
                max=limits.max_total_bytes,
            )
        ratio = size / max(packed, 1)
        if size >= limits.ratio_floor_bytes and ratio > limits.max_ratio:
            raise _too_large(
                f"part {info.filename} inflates {ratio:,.0f} times (limit {limits.max_ratio:g})",
                limit="max_ratio",
                member=info.filename,
                actual=round(ratio, 1),
                max=limits.max_ratio,
            )


def sheet_rows(sheet: Any, limits: XlsxLimits) -> Iterator[tuple[Any, ...]]:
    """The rows of a read-only worksheet as tuples of values up to the last one, within ``limits``.

    The declared dimension is ignored and at most ``max_columns`` columns are read. Every row counts
    its cells up to its last value (a blank row, or a row skipped over, counts one) against
    ``max_cells``: a sheet that jumps to row 1,048,576 is refused after ``max_cells`` rows, not
    walked to the end.
    """
    budget = limits.max_cells
    longest = limits.max_cell_chars
    if hasattr(sheet, "reset_dimensions"):
        sheet.reset_dimensions()  # a crafted <dimension ref="A1:XFD1048576"/> must not pad the rows
    used = 0
    blank: tuple[Any, ...] | None = None  # openpyxl yields one shared tuple for the rows it fills in
    for number, row in enumerate(sheet.iter_rows(max_col=limits.max_columns, values_only=True), start=1):
        if row is blank:
            used += 1
            trimmed: tuple[Any, ...] = ()
        else:
            last = len(row)
            while last and row[last - 1] is None:
                last -= 1
            if not last:
                blank = row
            used += last or 1
            trimmed = row[:last]
            for value in trimmed:
                if value.__class__ is str and len(value) > longest:
                    raise _too_large(
                        f"a cell of row {number} has {len(value):,} characters (limit {longest:,})",
                        limit="max_cell_chars",
                        row=number,
                        actual=len(value),
                        max=longest,
                    )
        if used > budget:
            raise _too_large(
                f"the worksheet has more than {budget:,} cells (row {number}); save it as CSV, or split it",
                limit="max_cells",
                row=number,
                max=budget,
            )
        yield trimmed
