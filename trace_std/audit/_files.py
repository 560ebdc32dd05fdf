"""Reading the audit's input files: JSON (an array, or an object holding one) or CSV as Excel and
other programs write it (UTF-8 with or without BOM, comma, semicolon or tab), bounded in size."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import IO, Any

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry.records import RowIssue

__all__ = ["MAX_BYTES", "read_rows"]

#: Register and authorisation files are small (GACC lists ~10^4 rows); refuse anything larger.
MAX_BYTES = 64 * 1024 * 1024


def _unreadable(message: str) -> TraceStdError:
    return TraceStdError.from_code(ErrorCode.REGISTRY_IMPORT_UNREADABLE, message)


def _read(source: str | Path | IO[bytes] | IO[str] | bytes) -> tuple[str, bytes]:
    if isinstance(source, bytes):
        return "<bytes>", source
    if isinstance(source, (str, Path)):
        try:
            with open(source, "rb") as fh:
                data = fh.read(MAX_BYTES + 1)
        except OSError as exc:
            raise _unreadable(f"cannot read {source}: {exc}") from exc
        name = str(source)
    else:
        raw = source.read(MAX_BYTES + 1)
        data = raw.encode("utf-8") if isinstance(raw, str) else raw
        name = str(getattr(source, "name", "<stream>"))
    if len(data) > MAX_BYTES:
        raise _unreadable(f"{name} is larger than {MAX_BYTES} bytes")
    return name, data


def _records(doc: Any, keys: tuple[str, ...]) -> list[Any]:
    if isinstance(doc, list):
        return doc
    if isinstance(doc, dict):
        for key in keys:
            if isinstance(doc.get(key), list):
                return list(doc[key])
            if isinstance(doc.get(key), dict):
                return _records(doc[key], keys)
    raise _unreadable(f"expected a JSON array of records or an object with one of {', '.join(keys)}")


def read_rows(
    source: str | Path | IO[bytes] | IO[str] | bytes,
    *,
    record: str,
    keys: tuple[str, ...],
    issues: list[RowIssue],
) -> tuple[str, str, list[tuple[int, str, dict[str, Any]]]]:
    """``(name, sha256, [(row, pointer, fields)])``; non-object rows go to ``issues``.

    JSON rows are numbered from 0 (pointer ``/<i>``), CSV rows by their line number (``line N``).
    Raises ``registry.import.unreadable`` for a file that is not UTF-8 JSON or CSV.
    """
    name, data = _read(source)
    digest = hashlib.sha256(data).hexdigest()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _unreadable(f"{name} is not UTF-8 (byte {exc.start}); save it as CSV UTF-8") from exc
    head = text.lstrip()[:1]
    rows: list[tuple[int, str, dict[str, Any]]] = []
    if head in ("[", "{"):
        try:
            doc = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise _unreadable(f"{name} is not valid JSON: {exc}") from exc
        for i, item in enumerate(_records(doc, keys)):
            if not isinstance(item, dict):
                issues.append(
                    RowIssue(
                        record, i, f"/{i}", ErrorCode.REGISTRY_IMPORT_FIELD_INVALID.value, "not an object"
                    )
                )
                continue
            rows.append((i, f"/{i}", item))
        return name, digest, rows
    if not text.strip():
        raise _unreadable(f"{name} is empty")
    sample = text[:8192]
    first = sample.splitlines()[0] if sample else ""
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
        for fields in reader:
            line = reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) > len(header):
                issues.append(
                    RowIssue(
                        record,
                        line,
                        f"line {line}",
                        ErrorCode.REGISTRY_IMPORT_FIELD_INVALID.value,
                        f"{len(fields)} cells for {len(header)} columns",
                    )
                )
                continue
            rows.append((line, f"line {line}", {h: v for h, v in zip(header, fields, strict=False) if h}))
    except csv.Error as exc:
        raise _unreadable(f"{name}: {exc}") from exc
    return name, digest, rows
