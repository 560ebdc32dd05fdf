"""EPCIS 2.0 traceability events: read, validate, hash, build.

The public functions (what the EPCIS repository and the CLI call):

* :func:`validate` -- a whole input (path, bytes, binary stream or ``dict``), streamed, into one
  :class:`~trace_std.errors.Report` (issue ``field`` = JSON Pointer); optional ``profile``.
* :func:`validate_event` -- one event ``dict``.
* :func:`iter_events` / :func:`read_document` -- events one at a time with their JSON Pointers.
* :func:`canonical_epc` -- one spelling per GS1 key (URN and Digital Link spellings compare equal).
* :func:`event_hash` -- the CBV 2.0 event hash (``ni:///sha-256;…?ver=CBV2.0``).

Only the standard library and ``ijson`` (the incremental JSON parser) are needed.
"""

from __future__ import annotations

from trace_std.events.hashing import event_hash, pre_hash_string
from trace_std.events.reader import Document, iter_events, read_document
from trace_std.events.validate import Context, issues_as_lines, parse_context, validate, validate_event
from trace_std.gs1.epc import Epc, canonical_epc, parse_epc

__all__ = [
    "Context",
    "Document",
    "Epc",
    "canonical_epc",
    "event_hash",
    "issues_as_lines",
    "iter_events",
    "parse_context",
    "parse_epc",
    "pre_hash_string",
    "read_document",
    "validate",
    "validate_event",
]
