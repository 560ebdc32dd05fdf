"""The EPCIS repository's tables, registered on the registry's metadata (same database, same
migration chain: ``trace_std/registry/migrations/versions/0004_epcis_repository.py``).

* ``epcis_events``: one row per captured event: the JSON as captured (``body``) plus the indexed
  columns the queries filter on, identifiers in their canonical spelling
  (:func:`trace_std.gs1.epc.canonical_epc`). ``(event_hash, event_time)`` is unique: re-capturing
  the same event (the same CBV 2.0 event hash) stores nothing. The CBV hash leaves
  ``errorDeclaration`` out, so an error declaration (the correction of a captured event, as EPCIS 2.0
  defines it) is keyed by its hash plus :data:`ERROR_DECLARATION_SUFFIX`: it is stored beside the
  event it corrects, once. On PostgreSQL the table is
  declaratively partitioned by month of ``event_time`` (the migration creates the parent, the
  repository creates each month's partition on first use).
* ``epcis_event_keys``: one row per identifier an event names (EPCs, classes, parent, inputs and
  outputs, business transactions, sources, destinations, the ``vn:`` codes), indexed on
  ``(value, event_time, event, role)`` (migration 0006: a query reads its page in event-time order
  from the index); partitioned like the events on PostgreSQL.
* ``epcis_capture_jobs``: the outcome of each capture request (``GET /epcis/capture/{id}``).

Events and their keys are immutable: triggers refuse UPDATE and DELETE in the database.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from trace_std.registry.models import Base

__all__ = ["capture_jobs", "event_keys", "events"]

metadata = Base.metadata

events = Table(
    "epcis_events",
    metadata,
    Column("id", BigInteger, nullable=False),
    Column("event_time", DateTime(timezone=True), nullable=False),
    Column("record_time", DateTime(timezone=True), nullable=False),
    Column("event_hash", String(100), nullable=False),
    Column("event_id", String(500), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("action", String(8), nullable=True),
    Column("biz_step", String(300), nullable=True),
    Column("disposition", String(300), nullable=True),
    Column("biz_location", String(500), nullable=True),
    Column("read_point", String(500), nullable=True),
    Column("party", String(200), nullable=False),
    Column("job_id", String(36), nullable=False),
    Column("body", Text, nullable=False),
    PrimaryKeyConstraint("id", "event_time", name="pk_epcis_events"),
    UniqueConstraint("event_hash", "event_time", name="uq_epcis_events_event_hash"),
    Index("ix_epcis_events_event_time", "event_time"),
    Index("ix_epcis_events_record_time", "record_time"),
    Index("ix_epcis_events_event_id", "event_id"),
    Index("ix_epcis_events_biz_step", "biz_step", "event_time"),
    Index("ix_epcis_events_biz_location", "biz_location", "event_time"),
    Index("ix_epcis_events_party", "party", "event_time"),
)

event_keys = Table(
    "epcis_event_keys",
    metadata,
    Column("event", BigInteger, nullable=False),
    Column("event_time", DateTime(timezone=True), nullable=False),
    Column("role", String(16), nullable=False),
    Column("value", String(600), nullable=False),
    Index("ix_epcis_event_keys_value", "value", "event_time", "event", "role"),
    Index("ix_epcis_event_keys_event", "event"),
)

capture_jobs = Table(
    "epcis_capture_jobs",
    metadata,
    Column("id", String(36), nullable=False),
    Column("party", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False),
    Column("state", String(16), nullable=False),
    Column("behaviour", String(8), nullable=False),
    Column("received", Integer, nullable=False),
    Column("stored", Integer, nullable=False),
    Column("duplicates", Integer, nullable=False),
    Column("errors", JSON, nullable=False),
    PrimaryKeyConstraint("id", name="pk_epcis_capture_jobs"),
    Index("ix_epcis_capture_jobs_party", "party"),
)


#: Appended to the CBV event hash of an event that carries an ``errorDeclaration`` to make its key in
#: ``event_hash`` (a URI fragment: the hash before it is the event's own, unchanged).
ERROR_DECLARATION_SUFFIX = "#errorDecl"  # 89 + 10 characters: fits String(100)
