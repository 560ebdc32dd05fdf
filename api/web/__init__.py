"""The consumer verification website: type or scan a code, get a clear verdict.

Server-rendered Jinja2 pages in Vietnamese, English, Simplified Chinese and Russian (gettext
catalogues under ``translations/``), working without JavaScript, under a strict
Content-Security-Policy (the scanner pages add only what the WebAssembly decoder needs).
Views are thin: parse the request, call :func:`trace_std.registry.verify.verify` (or the
image decoder for photos), and hand the :class:`~trace_std.errors.Report` to
:mod:`api.web.present`, which turns it into what the templates show.

Hook for the Digital Link resolver: :func:`render_report` renders any verification
``Report`` as the result page; it is also published as
``app.extensions["trace_std.web"].render_report`` once the blueprint is registered.

Configuration (``app.config``, or ``TRACE_STD_*`` environment variables):

``WEB_UPLOAD_MAX_BYTES``  largest accepted photo (default 15 MiB)
``WEB_UPLOAD_MAX_PIXELS`` largest accepted photo in pixels (default 50 megapixels)
``WEB_SCAN_RATELIMIT``    extra limit on photo decoding per client (default ``"20/minute"``)
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from api import bodies, store
from api.http import TTLCache, cache_control, register_cache
from api.problems import Problem
from api.web import i18n, present
from trace_std.errors import Report

__all__ = ["RATE_LIMITED", "bp", "render_report"]

#: The API's public rate limit (``RATELIMIT_PUBLIC``, shared limiter) applies to every page.
RATE_LIMITED = True

HERE = Path(__file__).resolve().parent

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/web-static",
)

DEFAULT_UPLOAD_MAX_BYTES = 15 * 1024 * 1024
DEFAULT_UPLOAD_MAX_PIXELS = 50_000_000
DEFAULT_SCAN_RATELIMIT = "20/minute"
MAX_QUERY_CHARS = 2048

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
#: Pages with the scanner: the WebAssembly barcode reader needs WebAssembly compilation
#: ('wasm-unsafe-eval', which allows no JavaScript eval) and fetches its .wasm from this site.
CSP_SCANNER = (
    CSP.replace("script-src 'self'", "script-src 'self' 'wasm-unsafe-eval'") + "; connect-src 'self'"
)


@dataclasses.dataclass(frozen=True)
class WebHooks:
    """What the website offers other blueprints (the resolver's HTML answer)."""

    render_report: Callable[..., Response]


@bp.record_once
def _setup(state: Any) -> None:
    app = state.app
    i18n.init_app(app)
    app.extensions["trace_std.web"] = WebHooks(render_report=render_report)
    ttl = float(app.config.get("RESPONSE_CACHE_TTL", 0) or 0)
    reports: TTLCache[str, Report] = TTLCache(ttl, int(app.config.get("RESPONSE_CACHE_SIZE", 10_000)))
    app.extensions["trace_std.web.reports"] = reports
    register_cache(app, reports)  # admin writes empty it


@bp.after_app_request
def _security_headers(response: Response) -> Response:
    # Only our HTML pages (and the resolver's HTML answer rendered by us) get this CSP.
    if g.get("trace_std_web_page"):
        response.headers["Content-Security-Policy"] = CSP_SCANNER if g.get("trace_std_scanner") else CSP
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers["Vary"] = _add_vary(response.headers.get("Vary"), "Accept-Language", "Cookie")
    return response


def _add_vary(current: str | None, *names: str) -> str:
    have = [v.strip() for v in (current or "").split(",") if v.strip()]
    for name in names:
        if name.lower() not in {h.lower() for h in have}:
            have.append(name)
    return ", ".join(have)


def _page(template: str, status: int = 200, *, scanner: bool = False, **context: Any) -> Response:
    g.trace_std_web_page = True
    g.trace_std_scanner = scanner
    context.setdefault("here", None)
    tr = context.pop("tr", None) or present.Translator()
    html = render_template(template, _=tr, gettext=tr, **context)
    response = make_response(html, status)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers.setdefault(
        "Cache-Control", "no-store" if request.method == "POST" else cache_control("private")
    )
    return response


# -- the registry ---------------------------------------------------------------------------


def _verify(text: str) -> Report:
    """Verify ``text`` against the app's registry (one library call).

    Reports are kept for ``RESPONSE_CACHE_TTL`` seconds per process (the API's setting for its
    own public answers; 0 turns it off), far below the pages' max-age, so a status change still
    shows within it; admin writes empty the cache. The HTML is not cached: it depends on the
    reader's language.
    """
    from trace_std.registry.verify import verify

    cache: TTLCache[str, Report] = current_app.extensions["trace_std.web.reports"]
    report = cache.get(text)
    if report is None:
        report = verify(store.registry(), text)
        cache.put(text, report)
    return report


# -- failures -------------------------------------------------------------------------------


@bp.errorhandler(Exception)
def _failure(exc: Exception) -> Any:
    """A page, not a stack trace or a JSON problem, when something fails under a web page."""
    from werkzeug.exceptions import HTTPException

    if isinstance(exc, HTTPException):
        return exc  # the app's own handling of 404/405...
    answered = store.problem_for(exc)
    if answered is not None and answered.status_code == 503:
        response = _page("web/message.html", 503, kind="unavailable")
        response.headers["Retry-After"] = answered.headers.get("Retry-After", "30")
        response.headers["Cache-Control"] = "no-store"
        return response
    current_app.logger.exception("web page failed", exc_info=exc)
    response = _page("web/message.html", 500, kind="error")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.app_errorhandler(404)
@bp.app_errorhandler(Problem)  # a Problem's status is per instance, so Flask's 404 lookup misses it
def _not_found(exc: Exception) -> Any:
    """A page for a browser that opens an unknown address (a misprinted label's link, a typo);
    API clients, the ``/v1/`` API and ``/web-static/`` files keep the problem document."""
    from werkzeug.exceptions import HTTPException, NotFound

    from api import problems

    if not isinstance(exc, HTTPException):
        exc = NotFound()
    if exc.code == 404 and wants_html() and not request.path.startswith(("/v1/", "/web-static/")):
        response = _page("web/message.html", 404, kind="not_found")
        response.headers["Cache-Control"] = "no-store"
        response.vary.add("Accept")
        return response
    response = problems.from_http_exception(exc)
    if not request.path.startswith("/v1/"):
        response.vary.add("Accept")  # the same address answers a browser with a page
    return response


def wants_html() -> bool:
    """The client named ``text/html`` in ``Accept`` and prefers it to JSON (a browser, not ``*/*``)."""
    accept = request.accept_mimetypes
    if not any(value == "text/html" and quality > 0 for value, quality in accept):
        return False
    return bool(
        accept.quality("text/html")
        >= max(accept.quality("application/json"), accept.quality("application/problem+json"))
    )


# -- views ----------------------------------------------------------------------------------


@bp.get("/")
def home() -> Response:
    return _page("web/home.html", scanner=True)


@bp.get("/verify")
def verify_page() -> Response:
    text = request.args.get("q", "")
    if not text.strip():
        return _page("web/home.html", 400, scanner=True, error=_("Enter a code first, or scan a label."))
    if len(text) > MAX_QUERY_CHARS:
        return _page(
            "web/home.html", 400, scanner=True, error=_("That is too long to be a code."), query=text[:80]
        )
    return render_report(_verify(text))


@bp.get("/codes/<path:code>")
def code_page(code: str) -> Response:
    if len(code) > MAX_QUERY_CHARS:
        return _page("web/home.html", 404, scanner=True, error=_("That is too long to be a code."))
    report = _verify(code)
    status = 404 if report.verdict in {"unregistered", "malformed"} else 200
    return render_report(report, status=status)


@bp.post("/scan")
def scan() -> Response:
    max_bytes = int(current_app.config.get("WEB_UPLOAD_MAX_BYTES", DEFAULT_UPLOAD_MAX_BYTES))
    try:  # the whole body or 413 (api.bodies); multipart overhead on top of the photo itself
        upload = bodies.upload("photo", limit=max_bytes + 64 * 1024)
    except RequestEntityTooLarge:
        return _scan_failed("too_large", 413)
    if upload is None or (not upload.filename and not upload.mimetype.startswith("image/")):
        return _scan_failed("no_file", 400)
    data = upload.read(max_bytes + 1)  # held in memory only; never written anywhere
    if not data:
        return _scan_failed("no_file", 400)
    if len(data) > max_bytes:
        return _scan_failed("too_large", 413)
    limited = _scan_limit()
    if limited is not None:
        return limited
    texts, problem = _decode(data, max_bytes=max_bytes)
    del data
    if problem is not None:
        return _scan_failed(problem, 422)
    if not texts:
        return _scan_failed("no_code", 422)
    reports = [_verify(t) for t in texts[:4]]
    best = next((r for r in reports if r.verdict != "malformed"), reports[0])
    # The language toggle of this POST answer goes to the same result by GET.
    return render_report(best, scanned=True, status=200, here=url_for("web.verify_page", q=best.input))


@bp.get("/scan")
def scan_get() -> Response:
    """A reload or a shared link of the photo form's answer: back to the home page."""
    return redirect(url_for("web.home"), code=303)


def _scan_limit() -> Response | None:
    """Apply the extra photo-decoding limit with the API's shared limiter, if there is one."""
    limiter = current_app.extensions.get("trace_std.limiter")
    if limiter is None or not current_app.config.get("RATELIMIT_ENABLED", True):
        return None
    from flask_limiter import RateLimitExceeded

    rate = str(current_app.config.get("WEB_SCAN_RATELIMIT", DEFAULT_SCAN_RATELIMIT))
    try:
        with limiter.limit(rate, scope="web-scan"):
            pass
    except RateLimitExceeded as exc:
        response = _page("web/message.html", 429, kind="rate_limited")
        retry = getattr(exc, "retry_after", None)
        response.headers["Retry-After"] = str(int(retry)) if retry else "60"
        return response
    return None


def _decode(data: bytes, *, max_bytes: int) -> tuple[list[str], str | None]:
    """Decode the symbols in a photo. Returns (texts, problem code)."""
    from trace_std.errors import TraceStdError
    from trace_std.render.decode import decode_image

    max_pixels = int(current_app.config.get("WEB_UPLOAD_MAX_PIXELS", DEFAULT_UPLOAD_MAX_PIXELS))
    try:
        found = decode_image(data, max_pixels=max_pixels, max_bytes=max_bytes)
    except TraceStdError as exc:
        code = str(exc.code)
        if code == "image.no_symbol":
            return [], "no_code"
        if code == "image.too_large":
            return [], "too_many_pixels"
        return [], "not_an_image"
    return [present.decoded_text(item) for item in found if present.decoded_text(item)], None


def _scan_failed(reason: str, status: int) -> Response:
    return _page("web/scan_failed.html", status, scanner=True, reason=reason)


# -- exporters: a label file checked, its row report and its fixed file ------------------------

#: The fixed file is offered as a ``data:`` link up to this size (larger: the CLI or the API).
FIXED_LINK_MAX_BYTES = 2 * 1024 * 1024


@bp.get("/labels")
def labels_page() -> Response:
    return _page("web/labels.html")


@bp.post("/labels")
def labels_check() -> Response:
    """An exporter's label file: the row report as a table and the fixed file to download."""
    import io

    from trace_std.errors import FileFormatError
    from trace_std.label.fix import fix_file
    from trace_std.registry.verify import row_checks

    max_bytes = int(current_app.config["MAX_UPLOAD_BYTES"])
    try:
        upload = bodies.upload("file", limit=max_bytes + 64 * 1024)
    except RequestEntityTooLarge:
        return _page("web/labels.html", 413, error=_("The file is too large."))
    if upload is None or not upload.filename:
        return _page("web/labels.html", 400, error=_("Choose a label file (.xlsx, .csv or .jsonl) first."))
    fixed = io.StringIO()
    try:
        report, written = fix_file(
            upload.stream,
            fixed,
            row_checks=[row_checks(store.registry())],
            name=upload.filename,
            max_issues=present.MAX_FILE_ISSUES,
        )
    except FileFormatError as err:
        what, fix = present.file_reason(present.Translator(), str(err.code), err.context)
        return _page(
            "web/labels.html",
            422,
            error=what,
            error_fix=fix,
            error_detail=err.message,
            error_code=err.code,
            filename=upload.filename,
        )
    text = fixed.getvalue()
    link = present.fixed_file_link(text) if len(text.encode("utf-8")) <= FIXED_LINK_MAX_BYTES else None
    return _page(
        "web/labels.html",
        200,
        result=present.file_report(report, present.Translator()),
        written=written,
        fixed_link=link,
        fixed_name=present.fixed_file_name(upload.filename),
    )


@bp.get("/lang/<locale>")
def set_language(locale: str) -> Response:
    target = _safe_next(request.args.get("next", ""))
    response = redirect(target, code=303)
    if locale in i18n.LOCALES:
        response.set_cookie(
            i18n.COOKIE,
            locale,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=request.is_secure,
        )
    return response


def _safe_next(target: str) -> str:
    """Only same-site relative paths: never an open redirect, nor a header with a control
    character (a newline in ``next`` made the Location header raise: a 500)."""
    parts = urlsplit(target)
    if (
        not target.startswith("/")
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)
        or target.startswith("//")
        or "\\" in target
        or parts.scheme
        or parts.netloc
    ):
        return url_for("web.home")
    return target


# -- rendering a report ---------------------------------------------------------------------


def render_report(
    report: Report,
    *,
    status: int = 200,
    scanned: bool = False,
    here: str | None = None,
) -> Response:
    """The result page for one verification :class:`Report` (also the resolver's HTML answer)."""
    tr = present.Translator()
    view = present.present(report, tr)
    return _page("web/result.html", status, tr=tr, view=view, scanned=scanned, here=here)
