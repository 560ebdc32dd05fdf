"""Admin tokens (issue 17, item 5): names unique among active tokens, revocation by name never
guesses, write-scope tokens expire after a year by default, ``token list`` shows expiry and last use.

Before: two tokens could share a name (the default name was the scope list), ``token revoke NAME``
revoked one of them, exited 0 and left the other active; tokens never expired.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from trace_std.cli import main
from trace_std.errors import TraceStdError
from trace_std.registry import Registry
from trace_std.registry.core import DEFAULT_TOKEN_LIFETIME
from trace_std.registry.models import ApiToken


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _duplicate(registry: Registry, name: str) -> int:
    """A second active token with ``name``, as databases made before names were unique hold."""
    with registry.write() as s:
        row = ApiToken(
            name=name,
            scopes=["codes:write"],
            token_hash="0" * 64,
            created_at=_now(),
            created_by="legacy",
        )
        s.add(row)
        s.flush()
        return int(row.id)


def test_an_active_name_cannot_be_taken_twice(registry: Registry) -> None:
    _, first = registry.create_token("ops", ["codes:status"], actor="t")
    with pytest.raises(TraceStdError) as caught:
        registry.create_token("ops", ["codes:write"], actor="t")
    assert caught.value.code == "registry.token.name_taken"
    assert [t.name for t in registry.list_tokens()] == ["ops"]
    registry.revoke_token(first.id, actor="t")
    _, again = registry.create_token("ops", ["codes:write"], actor="t")  # a revoked name is free
    assert again.active


def test_revoking_an_ambiguous_name_revokes_nothing(registry: Registry) -> None:
    _, first = registry.create_token("ops", ["codes:status"], actor="t")
    second = _duplicate(registry, "ops")
    with pytest.raises(TraceStdError) as caught:
        registry.revoke_token("ops", actor="t")
    assert caught.value.code == "registry.token.ambiguous"
    assert caught.value.context["ids"] == [first.id, second]
    assert all(t.active for t in registry.list_tokens())
    registry.revoke_token(second, actor="t")  # by id: exact
    assert [t.id for t in registry.list_tokens() if t.active] == [first.id]
    assert registry.revoke_token("ops", actor="t").id == first.id  # now unambiguous


def test_write_tokens_expire_after_a_year_by_default(registry: Registry) -> None:
    secret, record = registry.create_token("writer", ["codes:write"], actor="t")
    assert record.expires_at is not None
    assert abs(record.expires_at - (_now() + DEFAULT_TOKEN_LIFETIME)) < dt.timedelta(minutes=5)
    assert registry.verify_token(secret) is not None
    _, forever = registry.create_token("forever", ["admin"], actor="t", expires_in=None)
    assert forever.expires_at is None and forever.active
    short_secret, short = registry.create_token(
        "short", ["codes:status"], actor="t", expires_in=dt.timedelta(days=1)
    )
    with registry.write() as s:  # a day later
        s.get(ApiToken, short.id).expires_at = _now() - dt.timedelta(seconds=1)
    assert registry.verify_token(short_secret) is None
    listed = {t.name: t for t in registry.list_tokens()}
    assert listed["short"].expired and not listed["short"].active
    _, reuse = registry.create_token("short", ["codes:status"], actor="t")  # an expired name is free
    assert reuse.active


def test_an_expired_token_is_401_on_the_admin_api(db_url: str) -> None:
    from tests.api.conftest import close_app, make_app

    app = make_app(db_url)
    try:
        with Registry(db_url) as registry:
            secret, record = registry.create_token("soon", ["admin"], actor="t")
            with registry.write() as s:
                s.get(ApiToken, record.id).expires_at = _now() - dt.timedelta(seconds=1)
        response = app.test_client().get("/v1/admin/audit", headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 401
    finally:
        close_app(app)


def test_cli_names_expiry_list_and_ambiguous_revoke(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--database", db_url]
    assert main(["token", "create", *base, "--scope", "codes:write"]) == 0
    assert main(["token", "create", *base, "--scope", "codes:write"]) == 0  # default names differ
    assert main(["token", "create", *base, "--scope", "codes:status", "--name", "ops", "--no-expiry"]) == 0
    capsys.readouterr()
    assert main(["token", "create", *base, "--scope", "codes:status", "--name", "ops"]) == 1
    assert "registry.token.name_taken" in capsys.readouterr().err
    assert (
        main(["token", "create", *base, "--scope", "codes:status", "--name", "x", "--expires-in", "0"]) == 2
    )
    with Registry(db_url) as registry:
        legacy = _duplicate(registry, "ops")
    capsys.readouterr()
    assert main(["token", "list", *base, "--json"]) == 0
    tokens = json.loads(capsys.readouterr().out)
    assert len({t["name"] for t in tokens if t["name"].startswith("codes:write-")}) == 2
    ops = [t for t in tokens if t["name"] == "ops"]
    assert all(t["ambiguous_name"] for t in ops) and {t["expires_at"] for t in ops} == {None}
    assert all("last_used_at" in t and "expires_at" in t for t in tokens)
    assert main(["token", "list", *base]) == 0
    text_out = capsys.readouterr().out
    assert "ambiguous name" in text_out and "last used never" in text_out and "active until" in text_out
    assert main(["token", "revoke", *base, "ops"]) == 1
    err = capsys.readouterr().err
    assert "registry.token.ambiguous" in err and str(legacy) in err
    assert main(["token", "revoke", *base, str(legacy)]) == 0


def test_the_migration_keeps_existing_tokens_and_they_never_expire(tmp_path: Path) -> None:
    from trace_std.registry.migrations import head_revision, upgrade

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    engine = create_engine(url)
    assert upgrade(engine, "0001") == "0001"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO api_tokens (name, scopes, token_hash, created_at, created_by) "
                "VALUES ('old', '[\"admin\"]', :h, '2026-01-01 00:00:00', 'legacy')"
            ),
            {"h": "1" * 64},
        )
    assert upgrade(engine) == head_revision()
    engine.dispose()
    with Registry(url) as registry:
        (old,) = registry.list_tokens()
    assert old.name == "old" and old.expires_at is None and old.active
