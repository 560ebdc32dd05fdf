"""SQLAlchemy 2 models of the registry (typed ``Mapped[...]``).

Tables:

* ``codes``: planting-area (PUC) and packing-house (PHC) codes with their current status;
* ``market_approvals``: per-importing-market approvals of a code;
* ``status_history``: append-only status events (the library offers no update or delete, and the
  migration installs triggers that refuse ``UPDATE``/``DELETE`` on SQLite and PostgreSQL);
* ``products``: GTIN → product, crop, exporter;
* ``lots``: GTIN + lot → PUC, PHC, harvest and pack dates;
* ``api_tokens``: bearer tokens, stored as SHA-256 hashes only;
* ``audit_log``: every write, with who made it (append-only like the history).

The schema is created by the Alembic migrations in :mod:`trace_std.registry.migrations`; a test
checks that they match these models on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from trace_std.registry.search import derive

__all__ = [
    "STATUSES",
    "ApiToken",
    "AuditEntry",
    "Base",
    "Code",
    "Lot",
    "MarketApproval",
    "Product",
    "StatusEvent",
]

#: Status values of a code and of a market approval.
STATUSES: tuple[str, ...] = ("active", "suspended", "revoked")

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware UTC datetime on every backend (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Code(Base):
    """A PUC or PHC as registered, with its current status."""

    __tablename__ = "codes"
    # a province's codes in code order, straight from the index (the search's pages); on PostgreSQL
    # the primary key and the province indexes also hold the search text, so that a search's walks
    # read no table pages (index-only scans: migration 0011)
    __table_args__ = (
        PrimaryKeyConstraint("id", postgresql_include=["search_text"]),
        Index(None, "province_code", "code", postgresql_include=["id", "search_text"]),
        Index(None, "province_key", "code", postgresql_include=["id", "search_text"]),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # canonical form
    kind: Mapped[str] = mapped_column(String(8), index=True)  # "puc" | "phc"
    scheme: Mapped[str] = mapped_column(String(32))  # code_schemes.json id: "vn-export", "vn-3156"
    name: Mapped[str | None] = mapped_column(String(200))
    province_code: Mapped[str | None] = mapped_column(String(8))
    province_name: Mapped[str | None] = mapped_column(String(100))
    province_key: Mapped[str | None] = mapped_column(String(100))  # the folded name (search.py)
    commune_code: Mapped[str | None] = mapped_column(String(8))
    commune_name: Mapped[str | None] = mapped_column(String(100))
    crops: Mapped[list[str]] = mapped_column(JSON, default=list)
    varieties: Mapped[list[str]] = mapped_column(JSON, default=list)
    area_ha: Mapped[float | None] = mapped_column(Float)
    households: Mapped[int | None] = mapped_column(Integer)
    owner: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(500))
    geometry: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # GeoJSON Point or Polygon
    issued: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), index=True)
    status_since: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    #: Digest of the file record an import last applied (``importer.digest``); every other write to
    #: the code, its approvals or its history sets it to NULL, so that a re-import takes the full path.
    import_digest: Mapped[str | None] = mapped_column(String(32))
    #: Folded code, name, owner, address and commune (:mod:`trace_std.registry.search`), indexed by
    #: the FTS5 table ``codes_search`` (SQLite) or a ``pg_trgm`` GIN index (PostgreSQL): migration 0007.
    search_text: Mapped[str | None] = mapped_column(Text)

    approvals: Mapped[list[MarketApproval]] = relationship(
        back_populates="code", order_by="MarketApproval.market", cascade="all, delete-orphan"
    )
    history: Mapped[list[StatusEvent]] = relationship(
        back_populates="code", order_by="(StatusEvent.date, StatusEvent.id)"
    )


@event.listens_for(Code, "before_insert")
@event.listens_for(Code, "before_update")
def _fold_search_columns(_mapper: Any, _conn: Any, target: Code) -> None:
    """ORM writes keep the search columns too (the importer's loader computes them itself)."""
    for name, value in derive(target).items():
        setattr(target, name, value)


class MarketApproval(Base):
    """Approval of a code by one importing market (ISO 3166-1 alpha-2, or ``EU``)."""

    __tablename__ = "market_approvals"
    __table_args__ = (UniqueConstraint("code_id", "market"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id", ondelete="CASCADE"))
    market: Mapped[str] = mapped_column(String(8), index=True)
    approved: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    registration_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))

    code: Mapped[Code] = relationship(back_populates="approvals")


class StatusEvent(Base):
    """One append-only status change of a code."""

    __tablename__ = "status_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_id: Mapped[int] = mapped_column(ForeignKey("codes.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    date: Mapped[dt.date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(Text)
    legal_doc: Mapped[str | None] = mapped_column(String(200))
    recorded_by: Mapped[str] = mapped_column(String(200))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    code: Mapped[Code] = relationship(back_populates="history")


class Product(Base):
    """An exporter's trade item: GTIN-14 → product, crop, exporter."""

    __tablename__ = "products"

    gtin: Mapped[str] = mapped_column(String(14), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    crop: Mapped[str] = mapped_column(String(64), index=True)
    variety: Mapped[str | None] = mapped_column(String(100))
    exporter: Mapped[str | None] = mapped_column(String(300))


class Lot(Base):
    """A registered lot: GTIN + lot number → PUC, PHC, harvest and pack dates."""

    __tablename__ = "lots"
    __table_args__ = (UniqueConstraint("gtin", "lot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gtin: Mapped[str] = mapped_column(ForeignKey("products.gtin"))
    lot: Mapped[str] = mapped_column(String(20))
    puc_id: Mapped[int] = mapped_column(ForeignKey("codes.id"), index=True)
    phc_id: Mapped[int | None] = mapped_column(ForeignKey("codes.id"), index=True)
    harvest_date: Mapped[dt.date | None] = mapped_column(Date)
    pack_date: Mapped[dt.date | None] = mapped_column(Date)
    market: Mapped[str | None] = mapped_column(String(8))

    product: Mapped[Product] = relationship()
    puc: Mapped[Code] = relationship(foreign_keys=[puc_id])
    phc: Mapped[Code | None] = relationship(foreign_keys=[phc_id])


class ApiToken(Base):
    """A bearer token for the admin API. Only the SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[list[str]] = mapped_column(JSON)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # None: never


class AuditEntry(Base):
    """One write to the registry: who, what, when (append-only)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index(None, "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(200))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
