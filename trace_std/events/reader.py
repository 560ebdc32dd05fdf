"""Streaming reader of EPCIS 2.0 JSON / JSON-LD: documents, query documents and bare events.

A document is read in two passes over the bytes, with the incremental JSON parser ``ijson`` (its C
backend, yajl2): the first pass builds everything *except* the events (the ``@context``, header,
``type``...), whatever order the keys come in; the second yields the events one at a time. Memory
therefore stays bounded by the largest single event, not by the document. A stream that cannot seek
(standard input, a socket) is spooled to a temporary file first.

Bad JSON raises :class:`~trace_std.errors.TraceStdError` ``epcis.json.syntax`` with ``context``
``line`` and ``column`` (1-based) and ``span`` the byte offset; bytes that are not UTF-8 raise
``epcis.json.encoding``.

>>> import io
>>> data = b'{"type": "EPCISDocument", "epcisBody": {"eventList": [{"type": "ObjectEvent"}]}}'
>>> doc = read_document(io.BytesIO(data))
>>> doc.kind, [(p, e["type"]) for p, e in doc.events()]
('EPCISDocument', [('/epcisBody/eventList/0', 'ObjectEvent')])
>>> read_document(io.BytesIO(b'{"type": "EPCISDocument",\\n  "epcisBody": {,}}'))
Traceback (most recent call last):
...
trace_std.errors.FileFormatError: bad JSON at line 2, column 17: ...
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from trace_std.errors import ErrorCode, TraceStdError

__all__ = ["EVENT_TYPES", "Document", "iter_events", "read_document"]

EVENT_TYPES = frozenset(
    {"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"}
)
DOCUMENT_TYPES = {
    "EPCISDocument": ("epcisBody", "eventList"),
    "EPCISQueryDocument": ("epcisBody", "queryResults", "resultsBody", "eventList"),
}
_LOCATE_LIMIT = 64 * 1024 * 1024  # exact line/column via the json module up to this size


@dataclasses.dataclass
class Document:
    """One EPCIS input: ``kind`` (``EPCISDocument``, ``EPCISQueryDocument``, ``event`` for a bare
    event, or ``None`` when the top-level ``type`` is unknown), ``header`` (the top level without the
    events, or the whole bare event) and :meth:`events`, a fresh iterator of ``(pointer, event)``
    pairs on each call."""

    kind: str | None
    header: dict[str, Any]
    _stream: IO[bytes] | None
    _path: tuple[str, ...] = ()
    _temp: bool = False

    @property
    def event_list_pointer(self) -> str:
        return "/" + "/".join(self._path) if self._path else ""

    def events(self) -> Iterator[tuple[str, Any]]:
        if self.kind == "event":
            yield "", self.header
            return
        if self._stream is None or not self._path:
            return
        ijson = _ijson()
        self._stream.seek(0)
        _skip_bom(self._stream)
        base = self.event_list_pointer + "/"
        try:
            for index, event in enumerate(
                ijson.items(self._stream, ".".join(self._path) + ".item", use_float=True)
            ):
                yield f"{base}{index}", event
        except ijson.JSONError as exc:  # the first pass read the same bytes; this is a changed file
            raise _syntax_error(self._stream, exc) from None

    def close(self) -> None:
        if self._stream is not None and self._temp:
            self._stream.close()
        self._stream = None

    def __enter__(self) -> Document:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ijson() -> Any:
    """The ijson module (the ``events`` extra), with a clear message when it is not installed."""
    try:
        import ijson
    except ImportError as exc:  # pragma: no cover - the events extra is installed in CI
        raise ImportError("reading EPCIS files needs ijson: pip install 'trace-std[events]'") from exc
    return ijson


def _skip_bom(stream: IO[bytes]) -> None:
    head = stream.read(3)
    if head != b"\xef\xbb\xbf":
        stream.seek(0)


def _encoding_problem(stream: IO[bytes]) -> TraceStdError | None:
    stream.seek(0)
    head = stream.read(4)
    stream.seek(0)
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (len(head) >= 2 and (head[0] == 0 or head[1] == 0)):
        return TraceStdError.from_code(
            ErrorCode.EPCIS_JSON_ENCODING,
            "EPCIS JSON must be UTF-8; this looks like UTF-16 or UTF-32",
            span=(0, 0),
            field="",
            context={"line": 1, "column": 1},
        )
    return None


def _line_col(stream: IO[bytes], offset: int) -> tuple[int, int]:
    stream.seek(0)
    line, col, pos = 1, 1, 0
    while pos < offset:
        block = stream.read(min(1 << 16, offset - pos))
        if not block:
            break
        nl = block.count(b"\n")
        if nl:
            line += nl
            col = len(block) - block.rfind(b"\n")
        else:
            col += len(block)
        pos += len(block)
    return line, col


def _syntax_error(stream: IO[bytes], exc: BaseException) -> TraceStdError:
    """Locate a JSON error (line, column) without holding big inputs in memory."""
    cause = exc.args[0] if exc.args else exc
    if isinstance(cause, UnicodeDecodeError) or (isinstance(cause, bytes) and b"UTF8" in cause):
        code = ErrorCode.EPCIS_JSON_ENCODING
    else:
        code = ErrorCode.EPCIS_JSON_SYNTAX
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    line = col = offset = None
    reason = str(cause if not isinstance(cause, bytes) else cause.decode("utf-8", "replace")).splitlines()[0]
    if size <= _LOCATE_LIMIT:
        stream.seek(0)
        raw = stream.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as ude:
            code, offset = ErrorCode.EPCIS_JSON_ENCODING, ude.start
            reason = "bytes that are not UTF-8"
        else:
            try:
                json.loads(text)
                match = re.search(
                    r"\b(NaN|-?Infinity)\b", text
                )  # the json module accepts these, JSON does not
                if match:
                    offset = len(text[: match.start()].encode())
                    reason = f"{match.group(1)} is not a JSON number"
            except json.JSONDecodeError as jde:
                line, col, reason = jde.lineno, jde.colno, jde.msg
                offset = len(text[: jde.pos].encode()) + (3 if raw.startswith(b"\xef\xbb\xbf") else 0)
    else:
        from ijson.backends import python as slow

        stream.seek(0)
        try:
            for _ in slow.parse(stream):
                pass
        except slow.UnexpectedSymbol as us:
            offset = int(str(us).rsplit(" ", 1)[-1])
        except Exception:
            offset = size
    if offset is None:
        offset = size
    if line is None:
        line, col = _line_col(stream, offset)
    return TraceStdError.from_code(
        code,
        f"bad JSON at line {line}, column {col}: {reason}",
        span=(offset, offset),
        field="",
        context={"line": line, "column": col},
    )


def _open(source: Any) -> tuple[IO[bytes], bool]:
    """A seekable binary stream for ``source`` and whether we own (must close) it."""
    if isinstance(source, (str, os.PathLike)):
        try:
            return open(Path(source), "rb"), True
        except OSError as exc:
            raise TraceStdError.from_code(
                ErrorCode.FILE_UNREADABLE, f"cannot read {source}: {exc.strerror}", field=""
            ) from None
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(bytes(source)), True
    if hasattr(source, "read"):
        if isinstance(source, io.TextIOBase):
            raise TypeError("pass a binary stream (open(path, 'rb')), not a text stream")
        try:
            seekable = source.seekable()
        except (AttributeError, ValueError):
            seekable = False
        if seekable:
            return source, False
        spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by Document.close
        shutil.copyfileobj(source, spool, 1 << 20)
        spool.seek(0)
        return spool, True
    raise TypeError("source must be a path, bytes or a binary stream")


def _set(container: Any, key: Any, value: Any) -> None:
    if isinstance(container, list):
        container.append(value)
    else:
        container[key] = value


def _first_pass(stream: IO[bytes]) -> tuple[Any, bool]:
    """Build the top-level value, leaving out the items of an EPCIS event list. Returns the value
    and whether an event list was skipped."""
    ijson = _ijson()
    skip_paths = (("epcisBody", "eventList"), ("epcisBody", "queryResults", "resultsBody", "eventList"))
    stack: list[Any] = []
    keys: list[Any] = []
    root: Any = None
    skipped = False
    skipping = 0
    for event, value in ijson.basic_parse(stream, use_float=True):
        if skipping:
            if event == "start_map" or event == "start_array":
                skipping += 1
            elif event == "end_map" or event == "end_array":
                skipping -= 1
            continue
        if event == "map_key":
            keys[-1] = value
            continue
        if event == "end_map" or event == "end_array":
            stack.pop()
            keys.pop()
            continue
        if (
            stack
            and stack[-1].__class__ is list
            and (len(stack) == 3 or len(stack) == 5)
            and tuple(keys[:-1]) in skip_paths
        ):
            skipped = True
            if event == "start_map" or event == "start_array":
                skipping = 1
            continue
        if event == "start_map" or event == "start_array":
            new: Any = {} if event == "start_map" else []
            if stack:
                _set(stack[-1], keys[-1], new)
            else:
                root = new
            stack.append(new)
            keys.append(None)
            continue
        if stack:
            _set(stack[-1], keys[-1], value)
        else:
            root = value
    return root, skipped


def read_document(source: Any) -> Document:
    """Open an EPCIS input (path, bytes or binary stream) and read everything but its events.

    Raises ``epcis.json.syntax`` / ``epcis.json.encoding`` for unreadable JSON and
    ``file.unreadable`` for a file that cannot be opened."""
    ijson = _ijson()
    stream, owned = _open(source)
    try:
        problem = _encoding_problem(stream)
        if problem is not None:
            raise problem
        _skip_bom(stream)
        try:
            root, _skipped = _first_pass(stream)
        except ijson.JSONError as exc:
            raise _syntax_error(stream, exc) from None
        if root is None:
            raise TraceStdError.from_code(
                ErrorCode.EPCIS_JSON_SYNTAX,
                "bad JSON at line 1, column 1: empty input",
                span=(0, 0),
                field="",
                context={"line": 1, "column": 1},
            )
    except BaseException:
        if owned:
            stream.close()
        raise
    kind: str | None = None
    path: tuple[str, ...] = ()
    if isinstance(root, dict):
        top = root.get("type")
        if isinstance(top, str) and top in DOCUMENT_TYPES:
            kind, path = top, DOCUMENT_TYPES[top]
        elif isinstance(top, str) and (top in EVENT_TYPES or ":" in top):
            kind = "event"
    if kind != "event" and not path:
        return Document(kind, root if isinstance(root, dict) else {"": root}, stream, (), owned)
    return Document(kind, root, stream, path, owned)


def iter_events(source: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every event of an EPCIS input with its JSON Pointer, one at a time (bounded memory).

    Structure is not checked here (see :func:`trace_std.events.validate`); an event list entry that is
    not an object is yielded as it is."""
    doc = read_document(source)
    try:
        yield from doc.events()
    finally:
        doc.close()
