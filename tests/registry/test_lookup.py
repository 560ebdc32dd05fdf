"""Lookups, search, status changes, tokens, audit and unavailability."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.registry.conftest import SAMPLE_JSON
from trace_std.errors import ErrorCode, RegistryError, TraceStdError
from trace_std.registry import Registry, RegistryUnavailable


@pytest.fixture
def loaded(registry: Registry) -> Registry:
    assert registry.import_file(SAMPLE_JSON, actor="test").ok
    return registry


@pytest.mark.parametrize(
    "spelling",
    ["VN-SLOR-0001", "vn-slor-0001", "VN - SLOR - 0001", "VN–SLOR–0001", "VN-SLOR0001", " vn-slor-0001 "],
)
def test_get_code_accepts_every_spelling(sample_registry: Registry, spelling: str) -> None:
    loaded = sample_registry
    record = loaded.get_code(spelling)
    assert record is not None and record.code == "VN-SLOR-0001"
    assert (record.kind, record.scheme, record.province_code, record.province_name) == (
        "puc",
        "vn-export",
        "14",
        "Sơn La",
    )
    assert [m.market for m in record.markets] == ["CN"]


def test_get_code_unknown_and_malformed(sample_registry: Registry) -> None:
    loaded = sample_registry
    assert loaded.get_code("VN-SLOR-0999") is None
    with pytest.raises(TraceStdError):
        loaded.get_code("VN-SLOR-12")
    with pytest.raises(TypeError):
        loaded.get_code(42)  # type: ignore[arg-type]


def test_get_code_on_a_date(sample_registry: Registry) -> None:
    loaded = sample_registry
    record = loaded.get_code("VN-SLOR-0150", on=dt.date(2024, 7, 1))
    assert record is not None
    data = record.to_dict()
    assert (data["status"], data["as_of"], data["status_as_of"]) == ("active", "2024-07-01", "suspended")
    assert record.status_on(dt.date(2024, 10, 2)) == "active"
    assert record.status_on(dt.date(2000, 1, 1)) is None


def test_search_filters_and_paginates(sample_registry: Registry) -> None:
    loaded = sample_registry
    everything = loaded.search(per_page=100)
    assert everything.total == 224 and len(everything.items) == 100 and everything.pages == 3
    last = loaded.search(page=3, per_page=100)
    assert len(last.items) == 24
    codes = [c.code for c in everything.items] + [c.code for c in loaded.search(page=2, per_page=100).items]
    assert codes == sorted(codes) and len(set(codes)) == 200
    longan_cn = loaded.search(crop="longan", market="cn", kind="puc")
    assert longan_cn.total == 58
    assert all("longan" in c.crops and c.approval("CN") for c in longan_cn.items)
    assert loaded.search(status="revoked").total == 2
    assert {c.code for c in loaded.search(status="suspended").items} == {
        "VN-SLOR-0007",
        "VN-SLOR-0063",
        "VN-SLOR-0112",
        "VN-SLPH-007",
    }
    assert loaded.search(province="14").total == 224
    assert loaded.search(province="sơn la").total == 224
    assert loaded.search(province="75").total == 0
    assert loaded.search(q="slph").total == 8
    assert loaded.search(per_page=1000).per_page == 100


def test_set_status_appends_history(loaded: Registry) -> None:
    before = loaded.get_code("VN-SLOR-0002")
    assert before is not None
    after = loaded.set_status(
        "vn-slor-0002",
        "suspended",
        reason="residue",
        legal_doc="SYN-9",
        actor="inspector",
        on=dt.date(2026, 2, 1),
    )
    assert after.status == "suspended" and after.status_since == dt.date(2026, 2, 1)
    assert after.history[:-1] == before.history
    assert (after.history[-1].from_status, after.history[-1].recorded_by) == ("active", "inspector")
    entry = loaded.audit_log(limit=1)[0]
    assert (entry.actor, entry.action, entry.target) == ("inspector", "code.status", "VN-SLOR-0002")


@pytest.mark.parametrize(
    ("code", "to", "on", "error"),
    [
        ("VN-SLOR-0999", "suspended", None, ErrorCode.REGISTRY_CODE_NOT_FOUND),
        ("VN-SLOR-0002", "active", None, ErrorCode.REGISTRY_STATUS_UNCHANGED),
        ("VN-SLOR-0002", "paused", None, ErrorCode.REGISTRY_STATUS_INVALID),
        (
            "VN-SLOR-0007",
            "active",
            dt.date(2025, 9, 1),
            ErrorCode.REGISTRY_STATUS_INVALID,
        ),  # before the latest event
    ],
)
def test_set_status_refusals(loaded: Registry, code: str, to: str, on: dt.date | None, error: str) -> None:
    with pytest.raises(TraceStdError) as err:
        loaded.set_status(code, to, reason="r", actor="a", on=on)
    assert err.value.code == error
    record = loaded.get_code("VN-SLOR-0007")
    assert record is not None and record.status == "suspended"


def test_product_and_lot(sample_registry: Registry) -> None:
    loaded = sample_registry
    product = loaded.product("8936000120016")
    assert product is not None and (product.gtin, product.crop) == ("08936000120016", "longan")
    assert loaded.product("08936000120993") is None  # valid check digit, not registered
    lot = loaded.lookup_lot("08936000120016", "SL250812A")
    assert lot is not None and (lot.puc, lot.phc, lot.pack_date, lot.market) == (
        "VN-SLOR-0001",
        "VN-SLPH-001",
        dt.date(2025, 8, 12),
        "CN",
    )
    assert loaded.lookup_lot("08936000120016", "NOPE") is None
    with pytest.raises(TraceStdError):
        loaded.product("08936000120017")
    assert [lt.lot for lt in loaded.lots_for_code("VN-SLOR-0007")] == ["SL251003S", "SL250801S"]


def test_tokens(registry: Registry) -> None:
    secret, token = registry.create_token("ops", ["codes:status", "registry:import"], actor="admin")
    assert secret.startswith("tst_") and len(secret) > 40
    assert (token.name, token.scopes, token.created_by) == (
        "ops",
        ("codes:status", "registry:import"),
        "admin",
    )
    assert registry.verify_token(secret, "registry:import") is not None
    assert registry.verify_token(secret, "codes:write") is None
    assert registry.verify_token(secret + "x") is None
    assert registry.verify_token("not a token") is None
    used = registry.verify_token(secret)
    assert used is not None and used.last_used_at is not None
    admin_secret, _ = registry.create_token("root", ["admin"], actor="admin")
    assert registry.verify_token(admin_secret, "codes:write") is not None
    with pytest.raises(TraceStdError) as err:
        registry.create_token("x", ["everything"], actor="admin")
    assert err.value.code == ErrorCode.REGISTRY_TOKEN_SCOPE_UNKNOWN
    assert registry.revoke_token("ops", actor="admin").revoked_at is not None
    assert registry.verify_token(secret) is None
    with pytest.raises(RegistryError) as rerr:
        registry.revoke_token(999, actor="admin")
    assert rerr.value.code == ErrorCode.REGISTRY_TOKEN_NOT_FOUND
    listed = registry.list_tokens()
    assert [(t.name, t.active) for t in listed] == [("ops", False), ("root", True)]
    # only the hash is stored
    from sqlalchemy import text

    with registry.engine.connect() as conn:
        stored = [row[0] for row in conn.execute(text("SELECT token_hash FROM api_tokens"))]
    assert secret not in stored and all(len(h) == 64 for h in stored)
    assert [a.action for a in registry.audit_log()] == ["token.revoke", "token.create", "token.create"]


def test_ensure_sample_loads_once(tmp_path: Path) -> None:
    reg = Registry(tmp_path / "fresh.sqlite3")
    assert reg.ensure_sample() is True
    assert reg.ensure_sample() is False
    assert reg.count() == 224
    reg.close()


def test_unreachable_postgres_is_unavailable() -> None:
    reg = Registry("postgresql://postgres@127.0.0.1:1/nowhere")
    with pytest.raises(RegistryUnavailable) as err:
        reg.get_code("VN-SLOR-0001")
    assert err.value.code == ErrorCode.REGISTRY_UNAVAILABLE
    with pytest.raises(RegistryUnavailable):
        reg.health()
    reg.close()


def test_unopenable_sqlite_file_is_unavailable(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    reg = Registry(f"sqlite:///{blocker}/db.sqlite3")
    with pytest.raises(RegistryUnavailable):
        reg.count()
    reg.close()


def test_default_url_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from trace_std.registry import default_url

    monkeypatch.setenv("TRACE_STD_DATABASE_URL", str(tmp_path / "env.sqlite3"))
    assert default_url().database == str(tmp_path / "env.sqlite3")
    monkeypatch.delenv("TRACE_STD_DATABASE_URL")
    monkeypatch.chdir(tmp_path)
    assert default_url().database == str(tmp_path / "trace_std.sqlite3")


def test_fast_reads_skip_transactions_on_postgresql_only(registry: Registry) -> None:
    """PostgreSQL reads run in autocommit (no BEGIN/ROLLBACK round trips); SQLite keeps one
    transaction, so the statements of a verification share one snapshot."""
    with registry.connect() as conn:
        conn.execute(text("SELECT 1"))
        if registry.backend == "postgresql":
            dbapi = conn.connection.dbapi_connection
            assert dbapi is not None and dbapi.autocommit is True
            assert dbapi.info.transaction_status == 0  # IDLE: no BEGIN was sent
        else:
            assert conn.in_transaction()


def test_fast_lookup_and_orm_records_agree(sample_registry: Registry) -> None:
    """``get_code`` (one Core query) builds the same record as the ORM path of ``search``."""
    page, seen = 1, 0
    while True:
        result = sample_registry.search(page=page, per_page=100)
        for record in result.items:
            assert sample_registry.get_code(record.code) == record, record.code
            seen += 1
        if page * 100 >= result.total:
            break
        page += 1
    assert seen == sample_registry.count() > 200
