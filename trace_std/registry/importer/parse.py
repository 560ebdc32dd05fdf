"""Import stage 1: read a JSON, JSON Lines or CSV import file as a stream of raw records, in bounded memory.

* The bytes are hashed (SHA-256) as they are read; nothing holds the whole file.
* JSON: the document ``{"format", "version", "codes": [...], "products": [...], "lots": [...]}`` (or a
  bare array of codes) is walked element by element; each element of the three arrays is decoded on
  its own (C decoder), so memory holds one record at a time plus a read buffer.
* JSON Lines: one JSON object per line (the form ``trace-std registry export --format jsonl``
  writes): an optional first line with ``format`` and no ``record`` member (the provenance), then
  records whose ``record`` member (``code``, ``product``, ``lot``) says what they are. A bad line is
  a row issue of its own; a line longer than :data:`MAX_LINE` characters makes the file unreadable.
* CSV: ``csv.reader`` over the decoded lines. Approval and history rows directly after their code row
  are attached to it; any other (an :class:`Orphan`) is handed on, to be attached after the pass.

Structural problems of the whole file raise ``registry.import.unreadable``; problems of one row are
yielded as :class:`~trace_std.registry.records.RowIssue` so that every bad row is reported.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import hashlib
import io
import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry.importer.formats import (
    APPROVAL_FIELDS,
    CODE_FIELDS,
    CSV_COLUMNS,
    CSV_RECORDS,
    FORMAT_NAME,
    HISTORY_FIELDS,
    LOT_FIELDS,
    PRODUCT_FIELDS,
    Raw,
)
from trace_std.registry.records import RowIssue
from trace_std.spreadsheet import restore

__all__ = ["Orphan", "Source", "attach_orphans", "read_records"]

CHUNK = 1 << 20  # characters read at a time
MAX_LINE = 16 << 20  # characters in one JSON Lines line
FORMATS = ("json", "jsonl", "csv")


def _unreadable(message: str, **kwargs: Any) -> TraceStdError:
    return TraceStdError.from_code(ErrorCode.REGISTRY_IMPORT_UNREADABLE, message, **kwargs)


class _Hashing(io.RawIOBase):
    """A binary reader that hashes and counts what passes through (and refuses past ``limit``)."""

    def __init__(self, inner: IO[bytes] | IO[str], limit: int | None) -> None:
        self._inner, self._limit, self._pending = inner, limit, b""
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        want = len(b)
        data = self._pending or self._inner.read(want)
        self._pending = b""
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) > want:
            data, self._pending = data[:want], data[want:]
        n = len(data)
        b[:n] = data
        self.sha256.update(data)
        self.size += n
        if self._limit is not None and self.size > self._limit:
            raise _unreadable("file too large", context={"max": self._limit})
        return n


class Source:
    """An import file opened for one streaming pass: ``text`` (decoded, BOM removed), ``format``."""

    def __init__(
        self, source: str | Path | IO[bytes] | IO[str], *, format: str | None, max_bytes: int | None
    ) -> None:
        self._owned: IO[bytes] | None = None
        inner: IO[bytes] | IO[str]
        if isinstance(source, (str, Path)):
            try:
                self._owned = inner = open(source, "rb")  # noqa: SIM115 - closed by close()
            except OSError as exc:
                raise _unreadable(f"cannot read {source}: {exc}") from exc
            self.name = str(source)
        else:
            inner = source
            self.name = str(getattr(source, "name", "<stream>"))
        self._hashing = _Hashing(inner, max_bytes)
        self._buffered = io.BufferedReader(self._hashing, CHUNK)
        if format is None:
            format = self._sniff()
        if format not in FORMATS:
            self.close()
            raise ValueError(f"unknown format {format!r}; expected {', '.join(FORMATS)}")
        self.format = format
        self.text = io.TextIOWrapper(self._buffered, encoding="utf-8-sig", errors="strict", newline="")

    def _sniff(self) -> str:
        try:
            head = self._buffered.peek(CHUNK)
        except OSError as exc:
            raise _unreadable(f"cannot read {self.name}: {exc}") from exc
        head = head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n")
        if head[:1] == b"{" and _is_jsonl_head(head.split(b"\n", 1)[0]):
            return "jsonl"
        return "json" if head[:1] in (b"{", b"[") else "csv"

    def finish(self) -> str:
        """Read what is left (hashing it) and return the SHA-256 of the whole file."""
        while self._buffered.read(CHUNK):
            pass
        return self._hashing.sha256.hexdigest()

    def close(self) -> None:
        if self._owned is not None:
            self._owned.close()


@dataclasses.dataclass(slots=True)
class Orphan:
    """A CSV approval or history row that does not directly follow its code row."""

    line: int
    kind: str  # approval | history
    key: str | None  # the code as written
    cells: dict[str, str]


Item = Raw | Orphan | RowIssue


def read_records(src: Source) -> Iterator[Item]:
    """Every record of the file, in file order (codes, products, lots, orphans and row issues)."""
    try:
        if src.format == "json":
            yield from _JsonStream(src.text).records()
        elif src.format == "jsonl":
            yield from _jsonl_records(src.text)
        else:
            yield from _csv_records(src.text)
    except UnicodeDecodeError as exc:
        raise _unreadable(f"not UTF-8: {exc.reason}", context={"byte": exc.start}) from exc


# -- JSON ----------------------------------------------------------------------------------------
_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_RECORDS = ("codes", "products", "lots")


class _JsonStream:
    def __init__(self, text: IO[str]) -> None:
        self._f = text
        self._buf = ""
        self._pos = 0
        self._base = 0  # absolute character offset of _buf[0]
        self._lines = 1  # line number at _buf[0]
        self._eof = False

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = self._f.read(CHUNK)
        if not chunk:
            self._eof = True
            return False
        if self._pos > CHUNK:  # drop what was consumed
            dropped = self._buf[: self._pos]
            self._lines += dropped.count("\n")
            self._base += self._pos
            self._buf = self._buf[self._pos :]
            self._pos = 0
        self._buf += chunk
        return True

    def _error(self, message: str, pos: int) -> TraceStdError:
        line = self._lines + self._buf.count("\n", 0, max(0, pos - self._base))
        at = pos
        return _unreadable(f"invalid JSON: {message}", span=(at, at + 1), context={"line": line})

    def _peek(self) -> str:
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buf) or not self._fill():
                return self._buf[self._pos : self._pos + 1]

    def _expect(self, chars: str, what: str) -> str:
        ch = self._peek()
        if not ch or ch not in chars:
            raise self._error(f"Expecting {what}", self._base + self._pos)
        self._pos += 1
        return ch

    def _value(self) -> Any:
        self._peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as exc:
                incomplete = exc.pos >= len(self._buf) - 8 or exc.msg.startswith("Unterminated string")
                if incomplete and self._fill():
                    continue
                raise self._error(exc.msg, self._base + exc.pos) from exc
            except RecursionError as exc:
                raise self._error("nested too deeply", self._base + self._pos) from exc
            if end >= len(self._buf) and self._fill():
                continue  # a number may go on in the next chunk
            self._pos = end
            return value

    def _array(self, record: str) -> Iterator[Item]:
        self._expect("[", "'['")
        if self._peek() == "]":
            self._pos += 1
            return
        for i in itertools.count():
            item = self._value()
            if isinstance(item, dict):
                yield Raw(record, i, f"/{record}/{i}", item)
            else:
                yield RowIssue(
                    record,
                    i,
                    f"/{record}/{i}",
                    ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                    "each record must be an object",
                )
            if self._expect(",]", "',' delimiter") == "]":
                return

    def records(self) -> Iterator[Item]:
        first = self._peek()
        if first == "[":
            yield from self._array("codes")
        elif first == "{":
            self._pos += 1
            if self._peek() == "}":
                self._pos += 1
            else:
                while True:
                    key = self._value() if self._peek() == '"' else None
                    if not isinstance(key, str):
                        raise self._error("Expecting property name enclosed in double quotes", self._pos)
                    self._expect(":", "':' delimiter")
                    if key in _RECORDS and self._peek() == "[":
                        yield from self._array(key)
                    else:
                        value = self._value()
                        if key == "format" and value != FORMAT_NAME:
                            raise _unreadable(f"format is not {FORMAT_NAME}")
                        if key in _RECORDS:
                            yield RowIssue(
                                key,
                                0,
                                f"/{key}",
                                ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                                f"{key} must be an array",
                            )
                    if self._expect(",}", "',' delimiter") == "}":
                        break
        elif first:
            self._value()  # a scalar document: valid JSON, but not an import file
            raise _unreadable("a JSON object is expected")
        else:
            raise self._error("Expecting value", self._base + self._pos)
        if self._peek():
            raise self._error("Extra data", self._base + self._pos)


# -- JSON Lines --------------------------------------------------------------------------------
_KINDS = {"code": "codes", "product": "products", "lot": "lots"}


def _is_jsonl_head(line: bytes) -> bool:
    """Whether the first line of a file is a whole JSON Lines object (a header or a record).

    A JSON document whose first line is a whole object is one of the import document's own (with
    ``codes``, ``products`` or ``lots``) unless that object has a ``record`` member.
    """
    try:
        first = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(first, dict) and ("record" in first or not first.keys() & set(_RECORDS))


def _line_issue(line: int, message: str) -> RowIssue:
    return RowIssue("codes", line, f"line {line}", ErrorCode.REGISTRY_IMPORT_FIELD_INVALID, message)


def _jsonl_records(text: IO[str]) -> Iterator[Item]:
    line_no = 0
    while line := text.readline(MAX_LINE + 1):
        line_no += 1
        if len(line) > MAX_LINE:
            raise _unreadable("JSON Lines line too long", context={"line": line_no, "max": MAX_LINE})
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield _line_issue(line_no, f"invalid JSON: {exc.msg}")
            continue
        except RecursionError:
            yield _line_issue(line_no, "nested too deeply")
            continue
        if not isinstance(obj, dict):
            yield _line_issue(line_no, "each line must be an object")
            continue
        if "record" not in obj and "format" in obj:  # the provenance line
            if obj["format"] != FORMAT_NAME:
                raise _unreadable(f"format is not {FORMAT_NAME}", context={"line": line_no})
            continue
        section = _KINDS.get(obj.pop("record", None))
        if section is None:
            yield _line_issue(line_no, f"record must be one of {', '.join(_KINDS)}")
            continue
        yield Raw(section, line_no, f"line {line_no}", obj)


# -- CSV -----------------------------------------------------------------------------------------
def _columns(header: list[str], names: dict[str, str] | tuple[str, ...]) -> list[tuple[int, str]]:
    """``(cell index, field name)`` of the columns of ``header`` among ``names`` (CSV → field)."""
    pairs = names.items() if isinstance(names, dict) else ((n, n) for n in names)
    index = {h: i for i, h in enumerate(header)}
    return [(index[h], field) for h, field in pairs if h in index]


def _csv_records(text: IO[str]) -> Iterator[Item]:
    start = 0
    first = ""
    for text_line in text:
        if not text_line.startswith("#"):  # provenance comment lines of an export
            first = text_line
            break
        start += 1
    reader = csv.reader(itertools.chain([first], text), strict=True)
    try:
        header = next(reader, [])
    except csv.Error as exc:
        raise _unreadable(f"invalid CSV: {exc}") from exc
    if "record" not in header and "code" in header:
        simple = True  # a plain table of codes: one row per code, no record column
    elif "record" in header:
        simple = False
    else:
        raise _unreadable("CSV header needs a 'record' or a 'code' column")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise _unreadable(f"unknown CSV columns {unknown}", context={"expected": list(CSV_COLUMNS)})
    width = len(header)
    # each kind of row reads only its own columns (cells in the others are ignored, as documented)
    columns = {
        "code": _columns(header, CODE_FIELDS),
        "approval": _columns(header, ("code", *APPROVAL_FIELDS)),
        "history": _columns(header, {"code": "code", **{h: h for h in HISTORY_FIELDS}}),
        "product": _columns(header, PRODUCT_FIELDS),
        "lot": _columns(header, LOT_FIELDS),
    }
    record_at = -1 if simple else header.index("record")
    code_at = header.index("code") if "code" in header else -1
    # an approval or history row directly after its code row becomes one of its items as it is
    # read: the item's own columns (without the code), with their JSON names
    sub_columns = {
        "approval": ("markets", _columns(header, APPROVAL_FIELDS)),
        "history": ("history", _columns(header, HISTORY_FIELDS)),
    }
    open_raw: Raw | None = None
    open_key: str | None = None
    try:
        for row in reader:
            if not row:
                continue
            line = start + reader.line_num
            n = len(row)
            if n > width:
                yield RowIssue(
                    "codes",
                    line,
                    f"line {line}",
                    ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                    "more cells than columns",
                )
                continue
            if simple:
                kind = "code"
            else:
                kind = row[record_at] if record_at < n else ""
                if kind[:1] == "'":
                    kind = restore(kind)
            sub = sub_columns.get(kind)
            if sub is not None:
                cell = row[code_at] if 0 <= code_at < n else ""
                key = (restore(cell) if cell[0] == "'" else cell) if cell else None
                if open_raw is not None and key == open_key:
                    field, cols = sub
                    if n == width:
                        item = {f: (restore(v) if v[0] == "'" else v) for i, f in cols if (v := row[i])}
                    else:
                        item = {
                            f: (restore(v) if v[0] == "'" else v) for i, f in cols if i < n and (v := row[i])
                        }
                    data, pointers = open_raw.data, open_raw.sub_pointers
                    if field in data:
                        data[field].append(item)
                        pointers[field].append(f"line {line}")
                    else:
                        data[field] = [item]
                        pointers[field] = [f"line {line}"]
                else:
                    cells = {
                        f: (restore(v) if v[0] == "'" else v)
                        for i, f in columns[kind]
                        if i < n and (v := row[i])
                    }
                    yield Orphan(line, kind, key, cells)
                continue
            own = columns.get(kind)
            cells = (
                {f: (restore(v) if v[0] == "'" else v) for i, f in own if i < n and (v := row[i])}
                if own is not None
                else {}
            )
            if open_raw is not None:
                yield open_raw
                open_raw = None
            if kind == "code":
                open_raw, open_key = (
                    Raw("codes", line, f"line {line}", cells, csv_lists=True),
                    cells.get("code"),
                )
            elif kind == "product":
                yield Raw("products", line, f"line {line}", cells)
            elif kind == "lot":
                yield Raw("lots", line, f"line {line}", cells)
            else:
                yield RowIssue(
                    "codes",
                    line,
                    f"line {line}",
                    ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
                    f"record must be one of {', '.join(CSV_RECORDS)}",
                )
    except csv.Error as exc:
        raise _unreadable(f"invalid CSV at line {start + reader.line_num}: {exc}") from exc
    if open_raw is not None:
        yield open_raw


def _attach(parent: Raw, kind: str, cells: dict[str, str], line: int) -> None:
    """Add an approval or history row to its code row (as the JSON form has them)."""
    if kind == "approval":
        parent.data.setdefault("markets", []).append({k: v for k, v in cells.items() if k in APPROVAL_FIELDS})
        parent.sub_pointers.setdefault("markets", []).append(f"line {line}")
    else:
        parent.data.setdefault("history", []).append(
            {HISTORY_FIELDS[k]: v for k, v in cells.items() if k in HISTORY_FIELDS}
        )
        parent.sub_pointers.setdefault("history", []).append(f"line {line}")


def attach_orphans(parent: Raw, orphans: list[Orphan]) -> None:
    """Add orphan rows to their code row, keeping every sub-row in line order."""
    for o in orphans:
        _attach(parent, o.kind, o.cells, o.line)
    for field in ("markets", "history"):
        pointers = parent.sub_pointers.get(field)
        if pointers:
            pairs = sorted(zip(pointers, parent.data[field], strict=True), key=lambda p: int(p[0].split()[1]))
            parent.sub_pointers[field] = [ptr for ptr, _ in pairs]
            parent.data[field] = [item for _, item in pairs]
