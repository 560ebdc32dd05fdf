"""The trace_std HTTP service (Flask). Views are thin: parse, call one library function, serialise.

``create_app(config)`` is the app factory; each area is a blueprint module listed in
:data:`BLUEPRINTS` exposing ``bp``. A module that sets ``RATE_LIMITED = True`` gets the public rate
limit. Configuration comes from ``TRACE_STD_*`` environment variables (see ``docs/operations.md``),
then from the ``config`` mapping.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping
from importlib import import_module
from typing import Any

from flask import Flask
from werkzeug.exceptions import HTTPException, InternalServerError

from api import bodies, http, limits, problems, store

# Blueprint modules, registered in this order. Each exposes ``bp``.
BLUEPRINTS: tuple[str, ...] = (
    "api.probes",
    "api.meta",
    "api.codes",
    "api.verify",
    "api.labels",
    "api.symbols",
    "api.admin",
    "api.epcis",
    "api.epcis_query",
    "api.trace",
    "api.audit",
    "api.docs",
    "api.web",
    "api.web.inspector",
    "api.resolver",
)

#: Defaults of every setting; each can be overridden by ``TRACE_STD_<NAME>`` or ``create_app(config)``.
DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: the registry's default SQLite file
    "DATABASE_CONNECT_TIMEOUT": 2,  # seconds (PostgreSQL; 2 is libpq's minimum)
    "DATABASE_STATEMENT_TIMEOUT_MS": 5000,  # PostgreSQL statement_timeout of the service (0: none)
    "WRITE_LOCK_TIMEOUT_MS": 4000,  # a write waiting on another (an import): 503 after this
    "DATABASE_BREAKER_SECONDS": 2,  # after a failure: fail fast, probe the database this often
    "ENSURE_SAMPLE": False,  # load the synthetic sample registry into an empty database
    "RATELIMIT_STORAGE": "memory://",
    "RATELIMIT_PUBLIC": "300 per minute",
    "RATELIMIT_CAPTURE": "120 per minute",  # EPCIS capture requests per client, apart from the public budget
    "RATELIMIT_EPCIS_QUERY": "600 per minute",  # EPCIS queries per client (tokens only), apart too
    "EPCIS_CAPTURE_MAX_BYTES": 128 * 1024 * 1024,  # one capture document (100,000 events are ~60 MB)
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_KEY_PREFIX": "trace-std",  # Redis key prefix (several deployments may share a Redis)
    "CACHE_MAX_AGE": 60,  # seconds, Cache-Control of public GETs
    "RESPONSE_CACHE_TTL": 5,  # seconds, per-process cache of public GET answers (0: off)
    "RESPONSE_CACHE_SIZE": 10_000,  # entries
    "INSPECTOR_FINDINGS_TTL": 120,  # seconds, per-process cache of the /inspector pages' findings (0: off)
    "CORS_ORIGINS": "*",
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,  # bytes, every request body
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,  # bytes, /v1/labels/validate uploads
    "XLSX_LIMITS": None,  # overrides of trace_std.label.xlsx_guard.XlsxLimits (name -> number), .xlsx uploads
    "RETRY_AFTER": 30,  # seconds, on 503 when the database is down
    "TRUSTED_PROXIES": 0,  # number of reverse proxies in front (X-Forwarded-For)
    "PUBLIC_BASE_URL": None,  # e.g. https://id.example.vn; None: from the request (an allowed host)
    "ALLOWED_HOSTS": None,  # "id.example.vn, .example.vn": other Host headers get 400 (probes excepted)
    "RESOLVER_NAME": "trace_std GS1-conformant resolver",
    "RESOLVER_LINKS": None,  # None: api.resolver.DEFAULT_LINKS
    "RESOLVER_HTML_VIEW": None,  # callable(report) -> response; default: the web blueprint's render_report
    "SEARCH_PAGE_SIZE": 50,
    "JSON_SORT_KEYS": False,
}

log = logging.getLogger("trace_std.api")


def _under_gunicorn() -> bool:
    """The app is being loaded by a gunicorn worker (plain ``gunicorn`` or ``serve --workers``)."""
    return "gunicorn.workers.base" in sys.modules


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, static_folder=None)
    bodies.init_app(app)  # every body is read whole or refused (413), chunked or not
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env("TRACE_STD")
    if config:
        app.config.update(config)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.url_map.strict_slashes = False

    if int(app.config["TRUSTED_PROXIES"]):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    modules = [import_module(name) for name in BLUEPRINTS]
    for module in modules:
        app.register_blueprint(module.bp)

    if _under_gunicorn() and not app.testing:
        http.require_public_origin(app)  # never reflect a client's Host header in production
    http.init_app(app)
    store.init_app(app)
    limits.init_app(app, modules)
    http.init_cache(app)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        return problems.from_http_exception(exc)

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        answered = store.problem_for(exc)
        if answered is not None:
            return answered
        log.exception("unhandled error", exc_info=exc)
        return problems.from_http_exception(InternalServerError())

    return app
