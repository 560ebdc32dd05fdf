"""Reading: documents, query documents, bare events; bad JSON with line and column; streaming."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trace_std.errors import TraceStdError
from trace_std.events import iter_events, read_document, validate

CTX = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
EVENT = {
    "type": "ObjectEvent",
    "action": "OBSERVE",
    "eventTime": "2025-08-12T07:30:00+07:00",
    "eventTimeZoneOffset": "+07:00",
    "epcList": ["urn:epc:id:sgtin:8935234.012345.1001"],
}


def _doc(events: list[Any], **extra: Any) -> bytes:
    return json.dumps(
        {
            "epcisBody": {"eventList": events},
            "type": "EPCISDocument",
            "@context": CTX,
            "schemaVersion": "2.0",
            "creationDate": "2025-08-12T08:00:00Z",
            **extra,
        }
    ).encode()


def test_context_after_the_events_is_still_seen() -> None:
    data = _doc([{**EVENT, "vn:variety": "Edor"}, EVENT])  # keys: epcisBody first, @context last
    doc = read_document(data)
    assert doc.header["@context"] == CTX and doc.header["epcisBody"] == {"eventList": []}
    assert [p for p, _ in doc.events()] == ["/epcisBody/eventList/0", "/epcisBody/eventList/1"]
    report = validate(data)
    assert [(i.code, i.field) for i in report.errors] == [
        ("epcis.extension.prefix", "/epcisBody/eventList/0/vn:variety")
    ]


def test_query_document_and_bare_event() -> None:
    query = json.dumps(
        {
            "@context": CTX,
            "type": "EPCISQueryDocument",
            "epcisBody": {
                "queryResults": {
                    "queryName": "SimpleEventQuery",
                    "resultsBody": {"eventList": [EVENT, EVENT]},
                }
            },
        }
    ).encode()
    assert [p for p, _ in iter_events(query)] == [
        "/epcisBody/queryResults/resultsBody/eventList/0",
        "/epcisBody/queryResults/resultsBody/eventList/1",
    ]
    assert validate(query).valid
    bare = json.dumps({"@context": CTX, **EVENT}).encode()
    assert [p for p, _ in iter_events(bare)] == [""]
    report = validate(bare)
    assert report.valid and report.details["events"] == 1 and report.details["document_type"] == "event"


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        (b'{"type": "EPCISDocument",\n  "epcisBody": {,}}', 2, 17),
        (b'{"a": [1,\n2,\n3', 3, 2),
        (b'{"a": tru}', 1, 7),
        (b"", 1, 1),
        (b'\xef\xbb\xbf{"a": NaN}', 1, 7),
    ],
)
def test_bad_json_reports_line_and_column(text: bytes, line: int, column: int) -> None:
    report = validate(text)
    (issue,) = report.issues
    assert issue.code == "epcis.json.syntax" and issue.field == ""
    assert (issue.context["line"], issue.context["column"]) == (line, column)


def test_wrong_encodings() -> None:
    assert validate('{"type": "ObjectEvent"}'.encode("utf-16")).issues[0].code == "epcis.json.encoding"
    assert validate(b'{"type": "ObjectEvent", "x": "\xff"}').issues[0].code == "epcis.json.encoding"


def test_unseekable_stream_and_missing_file(tmp_path: Any) -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def readinto(self, b: Any) -> int:
            chunk = self._data.read(len(b))
            b[: len(chunk)] = chunk
            return len(chunk)

    assert validate(Pipe(_doc([EVENT] * 3))).details["events"] == 3
    with pytest.raises(TraceStdError) as exc:
        validate(tmp_path / "missing.jsonld")
    assert exc.value.code == "file.unreadable"
    with pytest.raises(TypeError):
        validate(io.StringIO("{}"))


def test_not_a_document() -> None:
    assert [i.code for i in validate(b"[1, 2]").issues] == ["epcis.document.type"]
    assert [(i.code, i.field) for i in validate(b'{"type": "Foo"}').issues] == [
        ("epcis.document.type", "/type")
    ]
    assert [(i.code, i.field) for i in validate(b"{}").issues] == [("epcis.field.required", "/type")]


def test_duplicates_across_the_bloom_filter_switch() -> None:
    events = [{**EVENT, "eventID": f"urn:uuid:00000000-0000-4000-8000-{i:012d}"} for i in range(20050)]
    events.append({**EVENT, "eventID": "urn:uuid:00000000-0000-4000-8000-000000000007"})
    events.append({**EVENT, "eventID": "urn:uuid:00000000-0000-4000-8000-000000020010"})
    report = validate(_doc(events), check_hashes=False)
    found = sorted(
        (i.field, i.context["first"]) for i in report.issues if i.code == "epcis.event_id.duplicate"
    )
    assert found == [
        ("/epcisBody/eventList/20050/eventID", "/epcisBody/eventList/7/eventID"),
        ("/epcisBody/eventList/20051/eventID", "/epcisBody/eventList/20010/eventID"),
    ]


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_hostile_bytes_never_crash(data: bytes) -> None:
    report = validate(data)
    assert all(i.code.startswith(("epcis.", "gs1.", "dl.")) for i in report.issues)
