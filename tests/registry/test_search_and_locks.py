"""Search at size (17.14 wildcards, keyset pages), the cheap readiness count, and the write lock
timeout (17.13: a write waiting on an import gets registry.busy, then 503 with Retry-After)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.registry.conftest import SAMPLE_JSON, holding_write_lock
from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry import Registry, core
from trace_std.registry.db import RegistryBusy, busy


@pytest.fixture
def loaded(registry: Registry) -> Registry:
    assert registry.import_file(SAMPLE_JSON, actor="t").ok
    return registry


@pytest.mark.parametrize(
    "query",
    [
        {"q": "__"},
        {"q": "%%"},
        {"q": "\\\\"},
        {"q": "_%_"},
        {"crop": "%"},
        {"crop": "_"},
        {"q": "%%_%"},
        {"province": "%"},
    ],
)
def test_like_wildcards_are_literal(loaded: Registry, query: dict[str, Any]) -> None:
    """17.14: ``q=_`` and ``crop=%`` used to match every code."""
    assert loaded.search(**query).total == 0


def test_substring_search_still_matches(loaded: Registry) -> None:
    assert loaded.search(q="slor-000").total == 9  # VN-SLOR-0001 … 0009
    assert loaded.search(q="  SLOR-0001 ").total == 1
    assert loaded.search(crop="longan").total > 0


def test_keyset_pages_walk_every_code_once(loaded: Registry) -> None:
    seen: list[str] = []
    after: str | None = None
    while True:
        page = loaded.search(per_page=37, after=after)
        if not page.items:
            break
        assert page.total == 224  # the total ignores the cursor
        seen.extend(item.code for item in page.items)
        after = page.items[-1].code
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 224
    by_page = [c.code for p in range(1, 8) for c in loaded.search(per_page=37, page=p).items]
    assert by_page == seen  # page= still works and gives the same order


def test_readiness_count_is_bounded(loaded: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    assert loaded.approximate_count() == loaded.count() == 224
    monkeypatch.setattr(core, "_EXACT_COUNT_UP_TO", 5)  # above it: the estimate, not a scan
    assert loaded.approximate_count() == 224  # SQLite max(id); PostgreSQL reltuples after ANALYZE
    assert loaded.health()["codes"] == 224
    assert not loaded.is_empty()


def test_a_write_waiting_on_another_gets_registry_busy(db_url: str, loaded: Registry) -> None:
    """17.13: not a hang, and not ``registry.unavailable`` (the database answers)."""
    waiting = Registry(db_url, write_lock_timeout_ms=300)
    with holding_write_lock(db_url):
        with pytest.raises(RegistryBusy) as err:
            waiting.set_status("VN-SLOR-0001", "suspended", reason="r", actor="t")
        assert err.value.code == ErrorCode.REGISTRY_BUSY
        with pytest.raises(TraceStdError) as err2:  # a second importer too
            waiting.import_file(SAMPLE_JSON, actor="second")
        assert err2.value.code == ErrorCode.REGISTRY_BUSY
        assert waiting.get_code("VN-SLOR-0001") is not None  # reads do not wait
    record = waiting.set_status("VN-SLOR-0001", "suspended", reason="r", actor="t")  # free again
    assert record.status == "suspended"
    waiting.close()


def test_admin_write_during_an_import_is_503_with_retry_after(db_url: str, loaded: Registry) -> None:
    from api import create_app
    from api.store import problem_for

    app = create_app({"TESTING": True, "DATABASE_URL": db_url})
    with app.app_context():
        response = problem_for(busy(300))
    assert response is not None
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.get_json()["code"] == "registry.busy"
