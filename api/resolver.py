"""GS1-Conformant Digital Link resolver.

* ``GET|HEAD|OPTIONS /{prefix...}/01/{gtin}[/10/{lot}][/21/{serial}][?...]`` and the other primary
  keys: the request URL is parsed by :func:`trace_std.gs1.digital_link.parse_digital_link`
  (syntax errors → ``400``);
* ``?linkType=linkset`` or ``Accept: application/linkset+json`` → the RFC 9264 linkset, with the
  GS1 JSON-LD context in a ``Link`` header; it lists the links of every level up to the primary key;
  a GTIN the registry does not hold → ``404`` (:func:`trace_std.gs1.resolver.has_links`);
* ``?linkType=gs1:pip`` (or the full ``https://ref.gs1.org/voc/pip``) → ``307`` to the link, the
  request's query string passed on; an unknown link type → ``404``;
* no link type: a browser (``Accept: text/html``) gets the verification page (the web blueprint's
  ``RESOLVER_HTML_VIEW`` hook, else the JSON Report); ``Accept: application/json`` gets the Report;
  anything else is redirected (``307``) to the default link;
* ``/.well-known/gs1resolver`` describes the resolver.

Links come from templates (``RESOLVER_LINKS``, default :data:`DEFAULT_LINKS`): the default link
points at this service's own verification of the scanned Digital Link.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from flask import Blueprint, Response, current_app, redirect, request
from werkzeug.wrappers import Response as BaseResponse

from api import store
from api.http import base_url, cache_control, json_response, public
from api.problems import Problem, ProblemCode
from trace_std.errors import TraceStdError
from trace_std.gs1 import resolver

bp = Blueprint("resolver", __name__)
RATE_LIMITED = True

#: Kept here for configuration by name (``RESOLVER_LINKS`` overrides it); the rules live in
#: :mod:`trace_std.gs1.resolver`.
DEFAULT_LINKS = resolver.DEFAULT_LINKS


def _links() -> Mapping[str, Mapping[str, str]]:
    configured = current_app.config.get("RESOLVER_LINKS")
    return configured if configured else DEFAULT_LINKS


def _base() -> str:
    return base_url()


def _key_index(segments: Sequence[str]) -> int | None:
    keys = resolver.primary_keys()
    for i in range(len(segments) - 1):
        if segments[i] in keys:
            return i
    return None


class _Malformed(Exception):
    """A request path with a primary key that is not a valid Digital Link."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.detail)
        self.problem = problem


def _parse(path: str) -> tuple[Any, list[tuple[str, str]]]:
    """The parsed Digital Link and its path levels ``[(ai, value), ...]`` (400 when malformed)."""
    segments = [s for s in path.split("/") if s != ""]
    start = _key_index(segments)
    if start is None:
        raise Problem(404, ProblemCode.NOT_FOUND, "no Digital Link primary key in the path")
    from trace_std.gs1.digital_link import parse_digital_link

    try:
        dl = parse_digital_link(_request_uri())
    except TraceStdError as exc:
        raise _Malformed(
            Problem(
                400,
                ProblemCode.INVALID_DIGITAL_LINK,
                "the URI is not a valid GS1 Digital Link",
                errors=[exc.to_issue().to_dict()],
            )
        ) from None
    return dl, [dl.primary_key, *dl.qualifiers]


def _request_uri() -> str:
    """The request URL as sent (percent-encoding kept, so ``%2F`` in a value stays inside it), a
    trailing slash tolerated."""
    environ = request.environ
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path, _, query = str(raw).partition("?")
    else:
        path, query = quote(request.path), request.query_string.decode("latin-1")
    path = path.rstrip("/") or "/"
    return _base() + path + (f"?{query}" if query else "")


def _explicit(media_type: str) -> bool:
    """The client named ``media_type`` itself in ``Accept`` (not through a wildcard)."""
    return any(value == media_type and quality > 0 for value, quality in request.accept_mimetypes)


def _prefers_html() -> bool:
    """A browser: ``text/html`` named in ``Accept`` and preferred to JSON and linksets."""
    named = [t for t in (resolver.LINKSET_MEDIA_TYPE, "text/html", "application/json") if _explicit(t)]
    return bool(named) and request.accept_mimetypes.best_match(named) == "text/html"


def _anchor(levels: Sequence[tuple[str, str]]) -> str:
    return resolver.anchor(_base(), levels)


def _gs1_query() -> str:
    """The request's query string without the resolver's own keys (linkType, context)."""
    kept = [(k, v) for k, v in request.args.items(multi=True) if k not in ("linkType", "context")]
    return urlencode(kept, quote_via=quote)


def _registered(ai: str, value: str) -> bool:
    return store.registry().product(value) is not None


def _linkset_response(levels: Sequence[tuple[str, str]]) -> Response:
    if not resolver.has_links(levels[0], _registered):
        raise Problem(
            404,
            ProblemCode.UNKNOWN_KEY,
            "the registry holds no record of this key: the resolver has no links for it",
            headers={"Vary": "Accept"},
        )
    body = resolver.linkset(levels, _links(), base=_base(), query=_gs1_query())
    response = json_response(body, mimetype=resolver.LINKSET_MEDIA_TYPE)
    response.headers["Link"] = resolver.CONTEXT_LINK
    response.vary.add("Accept")
    return response


def _redirect(link_type: str, levels: Sequence[tuple[str, str]]) -> BaseResponse:
    template = _links()[link_type]
    query = _gs1_query()
    anchor = _anchor(levels)
    uri = anchor + (f"?{query}" if query else "")
    target = resolver.href(template, base=_base(), uri=uri)
    passed_on = request.query_string.decode("latin-1")
    if passed_on:
        target += ("&" if "?" in target else "?") + passed_on
    response = redirect(target, 307)
    response.headers["Link"] = (
        f'<{anchor}?linkType=linkset>; rel="linkset"; type="{resolver.LINKSET_MEDIA_TYPE}"'
    )
    response.headers["Cache-Control"] = cache_control()
    response.vary.add("Accept")
    return response


def _html_view() -> Callable[[Any], Any] | None:
    """The HTML view of a Report: ``RESOLVER_HTML_VIEW(report)``, else the web blueprint's, if any."""
    hook: Callable[[Any], Any] | None = current_app.config.get("RESOLVER_HTML_VIEW")
    web = current_app.extensions.get("trace_std.web")
    if hook is None and web is not None:
        hook = web.render_report
    return hook


def _report(dl_uri: str, *, html: bool = False, status: int = 200) -> Any:
    """The verification Report of the Digital Link: the web result page for a browser (when the web
    blueprint is installed, or a ``RESOLVER_HTML_VIEW(report)`` callable is configured), else JSON."""
    from trace_std.registry.verify import verify

    report = verify(store.registry(), dl_uri)
    hook = _html_view() if html else None
    if hook is not None:
        response = current_app.make_response(hook(report))
        response.status_code = status
        response.vary.add("Accept")
        return response
    response = json_response(report.to_dict())
    response.vary.add("Accept")
    return response


@bp.route("/<path:path>", methods=["GET", "HEAD"])
@public()
def resolve(path: str) -> Any:
    """Resolve a Digital Link (any path prefix before the primary key)."""
    try:
        _dl, levels = _parse(path)
    except _Malformed as exc:
        # A misprinted QR code opened by a phone: the result page says what is wrong with it.
        if _prefers_html() and _html_view() is not None:
            return _report(_request_uri(), html=True, status=400)
        raise exc.problem from None
    link_type = request.args.get("linkType")
    if link_type is not None:
        link_type = resolver.curie(link_type)
        if link_type in ("linkset", "all"):
            return _linkset_response(levels)
        if link_type not in _links():
            raise Problem(404, ProblemCode.UNKNOWN_LINK_TYPE, "no link of the requested type")
        return _redirect(link_type, levels)
    named = [t for t in (resolver.LINKSET_MEDIA_TYPE, "text/html", "application/json") if _explicit(t)]
    best = request.accept_mimetypes.best_match(named) if named else None
    if best == resolver.LINKSET_MEDIA_TYPE:
        return _linkset_response(levels)
    if best in ("text/html", "application/json"):
        return _report(_request_uri(), html=best == "text/html")
    return _redirect("gs1:defaultLink", levels)


@bp.get("/.well-known/gs1resolver")
@public()
def description() -> Response:
    """The resolver description file."""
    return json_response(resolver.description(current_app.config["RESOLVER_NAME"], _base(), _links()))
