"""The small TTL cache behind the API's response cache and the website's report cache."""

from __future__ import annotations

from api.http import TTLCache


def test_get_put_expiry_and_clear(monkeypatch: object) -> None:
    import api.http

    now = [100.0]
    monkeypatch.setattr(api.http.time, "monotonic", lambda: now[0])  # type: ignore[attr-defined]
    cache: TTLCache[str, int] = TTLCache(5, 2)
    cache.put("a", 1)
    assert cache.get("a") == 1 and cache.get("b") is None
    now[0] += 6
    assert cache.get("a") is None  # expired
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("c", 3)  # full: emptied, then stored
    assert (len(cache), cache.get("a"), cache.get("c")) == (1, None, 3)
    cache.clear()
    assert len(cache) == 0


def test_zero_ttl_keeps_nothing() -> None:
    cache: TTLCache[str, int] = TTLCache(0, 10)
    cache.put("a", 1)
    assert cache.get("a") is None and not cache.enabled
