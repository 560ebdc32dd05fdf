"""Capture into the repository: rollback / proceed, idempotent re-capture, canonical identifiers,
immutable rows, concurrent overlapping captures, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import json
import threading

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from tests.events.repo_data import CONTEXT, chain, document, document_bytes, gtin
from trace_std.events.repository import capture, capture_job
from trace_std.events.repository.schema import event_keys, events
from trace_std.registry import Registry


def _count(repo: Registry, table=events) -> int:  # type: ignore[no-untyped-def]
    with repo.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_capture_stores_each_event_once(repo: Registry) -> None:
    job = capture(repo, document_bytes(3), party="exporter-a")
    assert (job.state, job.received, job.stored, job.duplicates, job.errors) == ("succeeded", 12, 12, 0, [])
    again = capture(repo, document_bytes(4), party="exporter-a")  # lots 0-2 again, lot 3 new
    assert (again.state, again.stored, again.duplicates) == ("succeeded", 4, 12)
    assert _count(repo) == 16
    stored = capture_job(repo, job.id)
    assert stored is not None and stored.as_dict() == job.as_dict()
    assert capture_job(repo, "no-such-job") is None


def test_a_document_with_one_bad_event_is_kept_whole_or_not_at_all(repo: Registry) -> None:
    doc = document(3)
    doc["epcisBody"]["eventList"][5]["bizStep"] = "transforming"  # not a CBV word
    body = json.dumps(doc).encode()
    job = capture(repo, body, party="p")
    assert (job.state, job.stored) == ("failed", 0)
    assert [(e["code"], e["pointer"]) for e in job.errors] == [
        ("epcis.vocab.unknown", "/epcisBody/eventList/5/bizStep")
    ]
    assert _count(repo) == 0 and _count(repo, event_keys) == 0
    job = capture(repo, body, party="p", behaviour="proceed")
    assert (job.state, job.stored, job.received) == ("partial", 11, 12)
    assert [e["pointer"] for e in job.errors] == ["/epcisBody/eventList/5/bizStep"]
    assert _count(repo) == 11


def test_document_level_errors_keep_nothing_even_with_proceed(repo: Registry) -> None:
    doc = document(1)
    doc["schemaVersion"] = 2  # wrong type at document level
    job = capture(repo, json.dumps(doc).encode(), party="p", behaviour="proceed")
    assert job.state == "failed" and job.stored == 0
    assert job.errors and all(not e["pointer"].startswith("/epcisBody/eventList/") for e in job.errors)


@pytest.mark.parametrize("body", [b"", b"{", b"\xff\xfe{}", b"[]", b'{"type": "EPCISDocument"}'])
def test_hostile_documents_are_failed_jobs(repo: Registry, body: bytes) -> None:
    job = capture(repo, body, party="p")
    assert job.state == "failed" and job.stored == 0 and job.errors
    assert all(e["code"].startswith("epcis.") for e in job.errors)


def test_a_bare_event_on_the_document_endpoint_and_back(repo: Registry) -> None:
    event = {"@context": CONTEXT, **chain(7)[0]}
    job = capture(repo, json.dumps(event).encode(), party="p")
    assert job.state == "failed" and job.errors[0]["code"] == "epcis.capture.document_type"
    job = capture(repo, json.dumps(event).encode(), party="p", bare_event=True)
    assert (job.state, job.stored) == ("succeeded", 1)
    job = capture(repo, document_bytes(1, start=7), party="p", bare_event=True)
    assert job.errors[0]["code"] == "epcis.capture.document_type"


def test_urn_and_digital_link_spellings_are_one_key(repo: Registry) -> None:
    urn = chain(1)
    dl = copy.deepcopy(urn)
    # the same SGTINs and SSCC in Digital Link spelling (another host, as real senders do)
    from trace_std.events.repository import canonical_id

    for event in dl:
        for name in ("epcList", "childEPCs"):
            if name in event:
                event[name] = [
                    canonical_id(e).replace("https://id.gs1.org", "https://example.com") for e in event[name]
                ]
        if "parentID" in event:
            event["parentID"] = canonical_id(event["parentID"])
    with repo.engine.connect() as conn:
        capture(repo, json.dumps({**document(0), "epcisBody": {"eventList": urn}}).encode(), party="p")
        job = capture(repo, json.dumps({**document(0), "epcisBody": {"eventList": dl}}).encode(), party="p")
        # the event hash canonicalises identifiers too: the same events, nothing new
        assert (job.stored, job.duplicates) == (0, 4)
        values = set(conn.execute(select(event_keys.c.value).where(event_keys.c.role == "epc")).scalars())
    assert values and all(v.startswith("https://id.gs1.org/") for v in values)


def test_keys_are_indexed_canonically(repo: Registry) -> None:
    capture(repo, document_bytes(1), party="p")
    with repo.engine.connect() as conn:
        keys = {(r.role, r.value) for r in conn.execute(select(event_keys.c.role, event_keys.c.value))}
        steps = sorted(conn.execute(select(events.c.biz_step)).scalars())
    assert ("puc", "VN-SLOR-0001") in keys and ("phc", "VN-SLPH-001") in keys
    assert ("class", f"https://id.gs1.org/01/{gtin(0)}/10/L0000000") in keys
    assert any(r == "parent" and v.startswith("https://id.gs1.org/00/") for r, v in keys)
    assert any(r == "btx" and v.startswith("po urn:epcglobal:cbv:bt:") for r, v in keys)
    assert ("dst", "owning_party https://id.gs1.org/417/4012345000009") in keys
    assert steps == ["commissioning", "packing", "packing", "shipping"]


def test_vn_terms_are_recognised_by_their_expanded_iri_not_the_prefix(repo: Registry) -> None:
    doc = document(1)
    doc["@context"] = [CONTEXT[0], {"x": CONTEXT[1]["vn"], "vn": "https://example.com/other/"}]
    harvest = doc["epcisBody"]["eventList"][0]
    harvest["ilmd"] = {"x:plantingAreaCode": "VN-SLOR-0042", "vn:plantingAreaCode": "VN-SLOR-0099"}
    doc["epcisBody"]["eventList"][1]["ilmd"] = {}
    capture(repo, json.dumps(doc).encode(), party="p")
    with repo.engine.connect() as conn:
        pucs = list(conn.execute(select(event_keys.c.value).where(event_keys.c.role == "puc")).scalars())
    assert pucs == ["VN-SLOR-0042"]


@pytest.mark.parametrize(
    "statement",
    ["UPDATE epcis_events SET party = 'x'", "DELETE FROM epcis_events", "DELETE FROM epcis_event_keys"],
)
def test_captured_events_are_immutable_in_the_database(repo: Registry, statement: str) -> None:
    capture(repo, document_bytes(1), party="p")
    with pytest.raises(DBAPIError), repo.engine.begin() as conn:
        conn.execute(text(statement))
    assert _count(repo) == 4


def test_concurrent_overlapping_captures_store_each_event_once(repo: Registry) -> None:
    bodies = [document_bytes(40, start=s) for s in (0, 10, 20, 30)]
    jobs: list = []
    errors: list = []

    def run(body: bytes) -> None:
        try:
            jobs.append(capture(repo, body, party="p"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(b,)) for b in bodies]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _count(repo) == 70 * 4
    assert sum(j.stored for j in jobs) == 280
    assert sum(j.stored + j.duplicates for j in jobs) == 4 * 160
    with repo.engine.connect() as conn:
        assert conn.execute(select(func.count(func.distinct(events.c.event_hash)))).scalar_one() == 280


@pytest.mark.postgres
def test_postgresql_partitions_by_month(events_pg_url: str) -> None:
    repo = Registry(events_pg_url)
    with repo.engine.begin() as conn:
        conn.execute(text("TRUNCATE epcis_events, epcis_event_keys, epcis_capture_jobs"))
    doc = document(2)
    doc["epcisBody"]["eventList"][0]["eventTime"] = "2025-12-31T23:30:00.000-01:00"  # 2026-01 in UTC
    capture(repo, json.dumps(doc).encode(), party="p")
    with repo.engine.connect() as conn:
        parts = dict(
            conn.execute(
                text(
                    "SELECT c.relname, count(*) FROM epcis_events e JOIN pg_class c ON c.oid = e.tableoid "
                    "GROUP BY c.relname"
                )
            ).all()
        )
        kind = conn.execute(text("SELECT relkind FROM pg_class WHERE relname = 'epcis_events'")).scalar_one()
    assert kind == "p"
    assert parts == {"epcis_events_p202508": 7, "epcis_events_p202601": 1}


def test_an_error_declaration_is_stored_beside_the_event_it_corrects(repo: Registry) -> None:
    """EPCIS 2.0 corrects a captured event by capturing it again with an ``errorDeclaration``. The
    CBV hash leaves that member out, so the declaration must not be taken for a duplicate."""
    from trace_std.events.repository.query import get_events
    from trace_std.events.repository.schema import ERROR_DECLARATION_SUFFIX

    doc = document(1)
    event = doc["epcisBody"]["eventList"][-1]
    assert capture(repo, json.dumps(doc).encode(), party="exporter-a").stored == len(
        doc["epcisBody"]["eventList"]
    )
    before = _count(repo)
    wrong = copy.deepcopy(event)
    wrong.setdefault("@context", CONTEXT)
    wrong["errorDeclaration"] = {"declarationTime": "2025-09-01T00:00:00Z", "reason": "incorrect_data"}
    job = capture(repo, json.dumps(wrong).encode(), party="exporter-a", bare_event=True)
    assert (job.state, job.stored, job.duplicates) == ("succeeded", 1, 0), job.errors
    again = capture(repo, json.dumps(wrong).encode(), party="exporter-a", bare_event=True)
    assert (again.stored, again.duplicates) == (0, 1)  # the declaration itself is captured once
    assert _count(repo) == before + 1
    with repo.engine.connect() as conn:
        ids = dict(conn.execute(select(events.c.event_hash, events.c.event_id)).all())
    (declaration,) = [h for h in ids if h.endswith(ERROR_DECLARATION_SUFFIX)]
    original = declaration.removesuffix(ERROR_DECLARATION_SUFFIX)
    assert original in ids and len(declaration) <= 100
    # an event captured without an eventID is named by its hash: so is its declaration, the same name
    original_id, declaration_id = ids[original], ids[declaration]
    assert declaration_id == original_id == event.get("eventID", original)
    both = get_events(repo, original_id, party=None)
    assert [("errorDeclaration" in e) for e in both] == [False, True]
