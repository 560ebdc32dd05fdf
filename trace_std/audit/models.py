"""Tables of the code-use audit (migration ``0003`` of the registry schema).

* ``authorisations``: the digital authorisation letter — a PUC holder lets a packing house (PHC) or
  an exporter use its planting-area code, for crops, within a validity window, with an optional
  volume cap; current status plus an append-only ``authorisation_history``;
* ``market_registers``: the last imported snapshot of an importing country's register (GACC's list
  of overseas orchards and packing houses), one row per registered code and product;
* ``ledger``: declared shipments, one row per declared line, each with its provenance (source kind,
  file name and SHA-256, row number, who declared it, when). Label files declared with
  ``trace-std registry declare`` are source ``labels``; captured EPCIS shipping events plug in as
  source ``epcis`` with the same columns;
* ``audit_findings`` (migration ``0009``): the findings an audit run stored (``trace-std audit
  --store``), each ``open`` until a later run of the same scope no longer finds it or an inspector
  closes it. Public verification reads only whether a PUC has an open over-yield or unauthorised-use
  finding (a neutral notice); the evidence stays for inspectors.

They share the registry's declarative base so that one Alembic history builds the whole schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trace_std.registry.models import Base, Code, UTCDateTime

__all__ = ["Authorisation", "AuthorisationEvent", "LedgerRow", "RegisterEntry", "StoredFinding"]


class Authorisation(Base):
    """A holder's authorisation of a PHC or an exporter to use its PUC."""

    __tablename__ = "authorisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(100), unique=True)  # the letter's reference
    puc_id: Mapped[int] = mapped_column(ForeignKey("codes.id"), index=True)
    phc_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id"), index=True)
    exporter: Mapped[str | None] = mapped_column(String(300))
    crops: Mapped[list[str]] = mapped_column(JSON, default=list)
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # None: open-ended
    volume_cap_kg: Mapped[float | None] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16))
    status_since: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    puc: Mapped[Code] = relationship(foreign_keys=[puc_id])
    phc: Mapped[Code | None] = relationship(foreign_keys=[phc_id])
    history: Mapped[list[AuthorisationEvent]] = relationship(
        back_populates="authorisation", order_by="(AuthorisationEvent.date, AuthorisationEvent.id)"
    )


class AuthorisationEvent(Base):
    """One append-only status change of an authorisation."""

    __tablename__ = "authorisation_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    authorisation_id: Mapped[int] = mapped_column(ForeignKey("authorisations.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    authorisation: Mapped[Authorisation] = relationship(back_populates="history")


class RegisterEntry(Base):
    """One row of an importing country's register, as last imported."""

    __tablename__ = "market_registers"
    __table_args__ = (Index(None, "market", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    market: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(64))  # canonical (trace_std.codes)
    code_as_listed: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str | None] = mapped_column(String(8))  # puc | phc (from the register's type)
    registration_number: Mapped[str | None] = mapped_column(String(64))
    product: Mapped[str | None] = mapped_column(String(100))  # crop id (trace_std vocabulary)
    product_as_listed: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(300))
    province: Mapped[str | None] = mapped_column(String(200))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)  # None: open-ended (2999-12-31)
    state: Mapped[str | None] = mapped_column(String(8))  # regState as listed
    status: Mapped[str] = mapped_column(String(16))  # active | suspended | expired
    source_sha256: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class LedgerRow(Base):
    """One declared shipment line, with its provenance."""

    __tablename__ = "ledger"
    __table_args__ = (
        UniqueConstraint("source", "source_sha256", "source_row"),
        # migration 0008: the audit's covering index (its one pass over the ledger) and lots by PUC
        Index(
            "ix_ledger_audit",
            "puc",
            "phc",
            "exporter",
            "crop",
            "market",
            "pack_date",
            "ship_date",
            "quantity_kg",
            "id",
        ),
        Index(None, "phc"),
        Index("ix_ledger_lot_gtin_puc", "lot", "gtin", "puc"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # "labels" | "epcis"
    source_name: Mapped[str] = mapped_column(String(300))
    source_sha256: Mapped[str] = mapped_column(String(64))
    source_row: Mapped[int] = mapped_column(Integer)  # first row (label files) or event index
    source_ref: Mapped[str | None] = mapped_column(String(200))  # e.g. the EPCIS eventID
    declared_by: Mapped[str] = mapped_column(String(200))
    declared_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    puc: Mapped[str] = mapped_column(String(64))
    phc: Mapped[str | None] = mapped_column(String(64))
    exporter: Mapped[str | None] = mapped_column(String(300))
    gtin: Mapped[str | None] = mapped_column(String(14))
    lot: Mapped[str | None] = mapped_column(String(64))
    crop: Mapped[str | None] = mapped_column(String(64))
    market: Mapped[str | None] = mapped_column(String(8))
    harvest_date: Mapped[dt.date | None] = mapped_column(Date)
    pack_date: Mapped[dt.date | None] = mapped_column(Date)
    ship_date: Mapped[dt.date | None] = mapped_column(Date)
    cartons: Mapped[int] = mapped_column(Integer)  # label rows (cartons) summed into this line
    quantity_kg: Mapped[float] = mapped_column(Float)


class StoredFinding(Base):
    """A finding stored by an audit run: open until no longer found, or closed by an inspector."""

    __tablename__ = "audit_findings"
    __table_args__ = (Index(None, "puc", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)  # SHA-256 of the finding's key
    rule: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    puc: Mapped[str | None] = mapped_column(String(64))  # the subject's PUC (canonical), if any
    season: Mapped[str | None] = mapped_column(String(8))
    subject: Mapped[dict[str, Any]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    provenance: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16))  # open | closed
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_by: Mapped[str | None] = mapped_column(String(200))  # "audit run" or an inspector
    close_reason: Mapped[str | None] = mapped_column(Text)
