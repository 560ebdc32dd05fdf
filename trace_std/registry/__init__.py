"""The registry: codes with status history, markets, products and lots, over SQLite or PostgreSQL.

A well-formed code can still be fake, suspended or revoked; only a registry can say whether it
was valid when a carton was packed. This package stores the open data and answers those questions.

Public API (stable; the Flask service in ``api/`` and the CLI use only this)::

    from trace_std.registry import Registry, RegistryUnavailable

    reg = Registry()                      # $TRACE_STD_DATABASE_URL or ./trace_std.sqlite3
    reg = Registry("postgresql://user@host/db")   # or "sqlite:///path", or a plain file path
    reg.init()                            # create/upgrade the schema (Alembic), returns revision
    reg.ensure_sample()                   # init + load the synthetic Sơn La sample if empty
    reg.health()                          # {"ok", "backend", "revision", "head", "codes"}

    reg.get_code("vn - slor - 0001", on=date)   # CodeRecord | None; any accepted spelling
    reg.search(province=, crop=, market=, status=, kind=, q=, page=1, per_page=20, after=None)  # SearchResult
    reg.product(gtin)                     # ProductRecord | None
    reg.lookup_lot(gtin, lot)             # LotRecord | None
    reg.lots_for_code(code)               # list[LotRecord]

    reg.set_status(code, "suspended", reason=..., legal_doc=..., actor=..., on=date)  # CodeRecord
    reg.upsert_code({...open-data code record...}, actor=...)   # ("created"|"updated"|"unchanged", rec)
    reg.import_file(path_or_stream, actor=..., dry_run=False)   # ImportReport (all or nothing)
    reg.export("json"|"csv", path_or_text_stream)               # ExportInfo (atomic for paths)

    secret, tok = reg.create_token("ci", ["registry:import"], actor=...)
    reg.verify_token(secret, scope="registry:import")            # TokenRecord | None
    reg.list_tokens(); reg.revoke_token(id_or_name, actor=...)
    reg.audit_log(limit=100)                                     # list[AuditRecord]

    from trace_std.registry.verify import verify, verify_label, row_checks
    verify(reg, text, on=None, market=None)   # Report, verdict genuine|suspended|revoked|
                                              #   unregistered|malformed|inconsistent

Records (:mod:`trace_std.registry.records`) are frozen dataclasses with ``to_dict()``.
Token scopes: ``admin`` (all), ``codes:write``, ``codes:status``, ``registry:import``,
``tokens:admin``, ``events:capture``, ``events:read``, ``events:inspect`` (the EPCIS repository).
Database failures raise :class:`RegistryUnavailable` (a ``RegistryError`` with code
``registry.unavailable``) so the API can answer 503. Other refusals raise ``RegistryError``
(``registry.code.not_found``, ``registry.status.unchanged``...); bad input raises a
``TraceStdError`` from the codes library; wrong argument types raise ``TypeError``.
File format and import semantics: ``docs/registry.md``.
"""

from __future__ import annotations

from trace_std.registry.core import SCOPES, Registry
from trace_std.registry.db import ENV_VAR, RegistryUnavailable, default_url
from trace_std.registry.records import (
    Approval,
    AuditRecord,
    CodeRecord,
    ExportInfo,
    HistoryEvent,
    ImportReport,
    LotRecord,
    ProductRecord,
    RowIssue,
    SearchResult,
    TokenRecord,
)

__all__ = [
    "ENV_VAR",
    "SCOPES",
    "Approval",
    "AuditRecord",
    "CodeRecord",
    "ExportInfo",
    "HistoryEvent",
    "ImportReport",
    "LotRecord",
    "ProductRecord",
    "Registry",
    "RegistryUnavailable",
    "RowIssue",
    "SearchResult",
    "TokenRecord",
    "default_url",
]
