"""Cross-cutting HTTP behaviour: caching (ETag, Cache-Control, 304), CORS and security headers.

Views opt in with :func:`public` (CORS for any origin, and with ``cache=True`` an ``ETag`` plus a
short ``Cache-Control`` so a CDN or reverse proxy can absorb consumer traffic). Everything here is
HTTP plumbing, not business rules.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from functools import lru_cache
from hashlib import sha1
from typing import Any, Generic, TypeVar

from flask import Flask, Response, current_app, g, json, request
from werkzeug.http import http_date

F = TypeVar("F", bound=Callable[..., Any])
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_PUBLIC_ATTR = "_trace_std_public"
_CACHE_ATTR = "_trace_std_cache"

DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
CORS_EXPOSE = "ETag, Link, Location, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"


def public(*, cache: bool = True) -> Callable[[F], F]:
    """Mark a view as public: CORS for any origin; ``cache`` adds ETag/Cache-Control/304 to GETs."""

    def mark(view: F) -> F:
        setattr(view, _PUBLIC_ATTR, True)
        setattr(view, _CACHE_ATTR, cache)
        return view

    return mark


def cache_control(scope: str = "public") -> str:
    """``Cache-Control`` of cacheable answers (verification verdicts among them): ``CACHE_MAX_AGE``
    seconds, then revalidated (``must-revalidate``), and never served stale when the origin fails
    (``stale-if-error=0``), so a revocation is visible everywhere within the max-age. Answers from the
    per-worker response cache carry ``Age``, so the bound holds through caches too."""
    return _cache_control(scope, current_app.config["CACHE_MAX_AGE"])


@lru_cache(maxsize=64)
def _cache_control(scope: str, max_age: Any) -> str:
    return f"{scope}, max-age={int(max_age)}, must-revalidate, stale-if-error=0"


#: Request headers that make an answer conditional or partial; without any, an answer needs no
#: comparison, only its ``ETag`` and ``Date`` (``_make_conditional``).
_CONDITIONAL_KEYS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_IF_RANGE",
    "HTTP_RANGE",
)


def _make_conditional(response: Response, present: set[str]) -> None:
    """``response.add_etag()`` then ``response.make_conditional(request)``, with the same headers,
    for a 200 answer to a GET or HEAD (the callers check): a request without conditional or range
    headers, the common case, skips werkzeug's header parsing (it would only add ``Date``)."""
    if "etag" not in present:  # add(): the header is known to be absent, no scan to replace it
        response.headers.add("ETag", f'"{sha1(response.get_data()).hexdigest()}"')  # as add_etag()
        present.add("etag")
    environ = request.environ
    if any(key in environ for key in _CONDITIONAL_KEYS):
        response.make_conditional(request)
    elif "date" not in present:
        response.headers.add("Date", _http_date(int(time.time())))
        present.add("date")
    # Content-Length: werkzeug's get_wsgi_headers() sets it for a body held in memory, as
    # make_conditional() would have


@lru_cache(maxsize=4)
def _http_date(second: int) -> str:
    return http_date(second)


def json_response(body: Any, status: int = 200, *, mimetype: str = "application/json") -> Response:
    """Serialise ``body`` compactly (UTF-8, no ASCII escaping)."""
    return current_app.response_class(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")), status=status, mimetype=mimetype
    )


def _view_flag(name: str) -> bool:
    """The ``public``/``cache`` flag of the current request's view (cached per endpoint)."""
    endpoint = request.endpoint
    if endpoint is None:
        return False
    flags: dict[str, tuple[bool, bool]] = current_app.extensions["trace_std.view_flags"]
    pair = flags.get(endpoint)
    if pair is None:
        view = current_app.view_functions.get(endpoint)
        pair = (bool(getattr(view, _PUBLIC_ATTR, False)), bool(getattr(view, _CACHE_ATTR, False)))
        flags[endpoint] = pair
    return pair[0] if name == _PUBLIC_ATTR else pair[1]


#: Headers every answer carries unless the view set its own (one pass over the response's headers).
SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("Cache-Control", "no-store"),
    ("Content-Security-Policy", DEFAULT_CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("X-Frame-Options", "DENY"),
    ("Cross-Origin-Opener-Policy", "same-origin"),
    ("Permissions-Policy", "camera=(self), microphone=(), geolocation=()"),
)
_CORS_PREFLIGHT: tuple[tuple[str, str], ...] = (
    ("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS"),
    ("Access-Control-Allow-Headers", "Accept, Accept-Language, Content-Type, If-None-Match"),
    ("Access-Control-Max-Age", "86400"),
)


def _add_missing(headers: Any, present: set[str], items: tuple[tuple[str, str], ...]) -> None:
    for key, value in items:
        lowered = key.lower()
        if lowered not in present:
            headers.add(key, value)
            present.add(lowered)


def _after_request(response: Response) -> Response:
    config = current_app.config
    headers = response.headers
    present = {key.lower() for key, _ in headers}
    if _view_flag(_PUBLIC_ATTR):
        origin = ("Access-Control-Allow-Origin", config["CORS_ORIGINS"])
        _add_missing(headers, present, (origin, ("Access-Control-Expose-Headers", CORS_EXPOSE)))
        if request.method == "OPTIONS":
            _add_missing(headers, present, _CORS_PREFLIGHT)
        if (
            _view_flag(_CACHE_ATTR)
            and request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.direct_passthrough
        ):
            if "cache-control" not in present:
                headers.add("Cache-Control", cache_control())
                present.add("cache-control")
            _make_conditional(response, present)
    if response.status_code < 400 and "retry-after" in present:
        del headers["Retry-After"]  # flask-limiter adds it to every answer; keep it for 429/503
    _add_missing(headers, present, SECURITY_HEADERS)
    return response


class TTLCache(Generic[K, V]):
    """A per-process map whose entries live ``ttl`` seconds (``ttl <= 0``: keeps nothing).

    At ``max_entries`` it is emptied rather than evicting one by one (the cache is a shield for
    hot keys, refilled within one TTL). Caches registered with :func:`register_cache` are emptied
    by :func:`clear_caches` after an admin write.
    """

    def __init__(self, ttl: float, max_entries: int) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: dict[K, tuple[float, V]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def enabled(self) -> bool:
        return self.ttl > 0

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: K, value: V) -> None:
        if self.ttl <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + self.ttl, value)

    def clear(self) -> None:
        self._entries.clear()


def register_cache(app: Flask, cache: TTLCache[Any, Any]) -> None:
    """Have :func:`clear_caches` (admin writes) empty ``cache`` too."""
    caches: list[TTLCache[Any, Any]] = app.extensions.setdefault("trace_std.caches", [])
    caches.append(cache)


def clear_caches() -> None:
    """Empty every registered cache of this app (after a write, in the process that made it)."""
    for cache in current_app.extensions.get("trace_std.caches", ()):
        cache.clear()


_Cached = tuple[int, bytes, tuple[tuple[str, str], ...], float]  # status, body, headers, stored at


class ResponseCache:
    """A per-process, short-lived cache of public GET answers (``RESPONSE_CACHE_TTL`` seconds).

    It keeps hot lookups off the database between CDN revalidations; the TTL is far below the
    ``Cache-Control`` max-age, so a status change is still visible within the max-age. Admin writes
    clear it in the process that made them. Keys are the host, path, query and ``Accept`` header.
    """

    def __init__(self, ttl: float, max_entries: int) -> None:
        self.entries: TTLCache[tuple[str, str, str, str], _Cached] = TTLCache(ttl, max_entries)

    def clear(self) -> None:
        self.entries.clear()

    def lookup(self) -> Response | None:
        if not self.entries.enabled:
            return None
        environ = request.environ
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or not _view_flag(_CACHE_ATTR):
            return None
        key = _cache_key(environ)
        entry = self.entries.get(key)
        if entry is None:
            environ[_KEY_ENVIRON] = key  # for store(), after the view
            return None
        status, body, headers, stored = entry
        g.trace_std_cache_hit = True
        age = ("Age", str(int(time.monotonic() - stored)))  # counts against downstream max-age
        return current_app.response_class(body, status=status, headers=[*headers, age])

    def store(self, response: Response) -> Response:
        if not self.entries.enabled or response.status_code != 200 or response.direct_passthrough:
            return response
        environ = request.environ
        key = environ.get(_KEY_ENVIRON)  # set by lookup() on a miss of a cacheable GET/HEAD
        if (
            key is None
            or environ.get("REQUEST_METHOD") != "GET"
            or g.get("trace_std_cache_hit", False)
            or response.mimetype not in _CACHED_TYPES
        ):
            return response
        # tuples of strings only: the collector stops tracking them (10,000 entries per worker)
        headers = tuple((k, v) for k, v in response.headers.items() if k in _CACHED_HEADERS)
        self.entries.put(key, (200, response.get_data(), headers, time.monotonic()))
        return response


_KEY_ENVIRON = "trace_std.cache_key"
_CACHED_TYPES = frozenset({"application/json", "application/linkset+json"})
_CACHED_HEADERS = frozenset({"Content-Type", "Link", "Vary", "ETag"})


def _cache_key(environ: dict[str, Any]) -> tuple[str, str, str, str]:
    """The request's host, path, query string and ``Accept``, read from the WSGI environ as the
    client sent them (two spellings of one path are two entries: harmless, never a wrong answer)."""
    # the host too: without PUBLIC_BASE_URL, answers (linksets, OpenAPI servers) name the request's host
    return (
        request.host,
        environ.get("PATH_INFO", ""),
        environ.get("QUERY_STRING", ""),
        environ.get("HTTP_ACCEPT", ""),
    )


def response_cache() -> ResponseCache:
    cache: ResponseCache = current_app.extensions["trace_std.response_cache"]
    return cache


def allowed_hosts(app: Flask) -> list[str]:
    """``ALLOWED_HOSTS`` as a list (a comma-separated string or a JSON list; empty: not configured).
    Entries are host names (any port), ``.example.vn`` for the domain and its subdomains."""
    raw = app.config.get("ALLOWED_HOSTS")
    items = raw.split(",") if isinstance(raw, str) else list(raw or ())
    return [str(item).strip() for item in items if str(item).strip()]


def base_url() -> str:
    """The service's public root for links it writes (resolver anchors and redirects, linksets,
    OpenAPI ``servers``): ``PUBLIC_BASE_URL``, else the request's own root. The request's host is
    only ever one that passed ``ALLOWED_HOSTS`` (:func:`_check_host`), so a forged ``Host`` header is
    never written into an answer a cache could keep."""
    configured = current_app.config.get("PUBLIC_BASE_URL")
    return str(configured).rstrip("/") if configured else request.host_url.rstrip("/")


def _check_host() -> None:
    """``400 http.host_not_allowed`` for a Host outside ``ALLOWED_HOSTS`` (probes excepted: an
    orchestrator calls them by address)."""
    allowed: list[str] = current_app.extensions["trace_std.allowed_hosts"]
    if not allowed or request.blueprint == "probes":
        return
    from werkzeug.sansio.utils import host_is_trusted

    if not host_is_trusted(request.host, allowed):
        from api.problems import Problem, ProblemCode

        raise Problem(400, ProblemCode.HOST_NOT_ALLOWED, "this service does not answer for that host name")


def require_public_origin(app: Flask) -> None:
    """Refuse to serve without ``PUBLIC_BASE_URL`` or ``ALLOWED_HOSTS``: without either, links in
    answers would name whatever ``Host`` a client sent (called for gunicorn, not the dev server)."""
    if not app.config.get("PUBLIC_BASE_URL") and not allowed_hosts(app):
        raise RuntimeError(
            "set TRACE_STD_PUBLIC_BASE_URL (e.g. https://id.example.vn) or TRACE_STD_ALLOWED_HOSTS "
            "(e.g. id.example.vn): without either, answers would name whatever Host a client sends"
        )


def init_app(app: Flask) -> None:
    app.extensions["trace_std.view_flags"] = {}
    app.extensions["trace_std.allowed_hosts"] = allowed_hosts(app)
    app.before_request(_check_host)
    app.after_request(_after_request)


def init_cache(app: Flask) -> None:
    """Install the response cache; call after the rate limiter so a cached hit is still counted."""
    cache = ResponseCache(float(app.config["RESPONSE_CACHE_TTL"]), int(app.config["RESPONSE_CACHE_SIZE"]))
    app.extensions["trace_std.response_cache"] = cache
    register_cache(app, cache.entries)
    app.before_request(cache.lookup)
    app.after_request(cache.store)
