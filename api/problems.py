"""RFC 9457 problem documents (``application/problem+json``) for every error the service answers.

Every problem has ``type``, ``title``, ``status``, ``detail`` and a stable dotted ``code``; problems
caused by bad data add ``errors``: the library's issues (code, span, field, context). The ``type`` URI
is ``urn:trace-std:problem:<slug>``; the slugs and codes are listed in ``docs/api.md`` and never
renamed. No problem ever carries a stack trace.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from flask import Response, current_app, json
from werkzeug.exceptions import HTTPException

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:trace-std:problem:"


class ProblemCode(StrEnum):
    """Stable codes of the problems the HTTP layer itself answers (append only)."""

    BAD_REQUEST = "http.bad_request"
    UNAUTHORIZED = "http.unauthorized"
    FORBIDDEN = "http.forbidden"
    NOT_FOUND = "http.not_found"
    METHOD_NOT_ALLOWED = "http.method_not_allowed"
    NOT_ACCEPTABLE = "http.not_acceptable"
    CONFLICT = "http.conflict"
    PAYLOAD_TOO_LARGE = "http.payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "http.unsupported_media_type"
    UNPROCESSABLE = "http.unprocessable"
    RATE_LIMITED = "http.rate_limited"
    INTERNAL = "http.internal"
    SERVICE_UNAVAILABLE = "http.service_unavailable"
    CODE_NOT_FOUND = "registry.code.not_found"
    REGISTRY_UNAVAILABLE = "registry.unavailable"
    INVALID_PARAMETER = "request.parameter.invalid"
    INVALID_BODY = "request.body.invalid"
    INVALID_DIGITAL_LINK = "resolver.uri.invalid"
    UNKNOWN_LINK_TYPE = "resolver.link_type.unknown"
    UNKNOWN_KEY = "resolver.key.unknown"
    INVALID_VALUES = "encode.values.invalid"
    IMPORT_REJECTED = "admin.import.rejected"
    LENGTH_REQUIRED = "http.length_required"
    HOST_NOT_ALLOWED = "http.host_not_allowed"
    URI_TOO_LONG = "http.uri_too_long"
    HEADER_FIELDS_TOO_LARGE = "http.header_fields_too_large"
    EXPECTATION_FAILED = "http.expectation_failed"
    NOT_IMPLEMENTED = "http.not_implemented"


_STATUS_CODES: dict[int, ProblemCode] = {
    400: ProblemCode.BAD_REQUEST,
    401: ProblemCode.UNAUTHORIZED,
    403: ProblemCode.FORBIDDEN,
    404: ProblemCode.NOT_FOUND,
    405: ProblemCode.METHOD_NOT_ALLOWED,
    406: ProblemCode.NOT_ACCEPTABLE,
    409: ProblemCode.CONFLICT,
    411: ProblemCode.LENGTH_REQUIRED,
    413: ProblemCode.PAYLOAD_TOO_LARGE,
    414: ProblemCode.URI_TOO_LONG,
    415: ProblemCode.UNSUPPORTED_MEDIA_TYPE,
    417: ProblemCode.EXPECTATION_FAILED,
    422: ProblemCode.UNPROCESSABLE,
    429: ProblemCode.RATE_LIMITED,
    431: ProblemCode.HEADER_FIELDS_TOO_LARGE,
    500: ProblemCode.INTERNAL,
    501: ProblemCode.NOT_IMPLEMENTED,
    503: ProblemCode.SERVICE_UNAVAILABLE,
}

_TITLES: dict[int, str] = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    411: "Length required",
    413: "Request too large",
    414: "URI too long",
    415: "Unsupported media type",
    417: "Expectation failed",
    422: "Unprocessable values",
    429: "Too many requests",
    431: "Request header fields too large",
    500: "Internal server error",
    501: "Not implemented",
    503: "Service unavailable",
}


def slug(code: str) -> str:
    """``registry.code.not_found`` → ``registry-code-not-found`` (the ``type`` URI suffix)."""
    return code.replace(".", "-").replace("_", "-")


class Problem(HTTPException):
    """An HTTP error answered as a problem document. Raise it from a view."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: Iterable[Mapping[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = status  # HTTPException's attribute is the status code
        self.problem_code = str(code)
        self.detail = detail
        self.errors = [dict(e) for e in errors] if errors is not None else None
        self.extra_headers = dict(headers or {})
        self.extra = dict(extra or {})

    def get_response(self, environ: Any = None, scope: Any = None) -> Response:
        return problem_response(
            self.code or 500,
            self.problem_code,
            self.detail,
            errors=self.errors,
            headers=self.extra_headers,
            extra=self.extra,
        )


def problem_document(status: int, code: str | None = None, detail: str | None = None) -> dict[str, Any]:
    """The members every problem has (``code`` defaults to the status's own ``http.*`` code)."""
    code = str(code or _STATUS_CODES.get(status, ProblemCode.INTERNAL))
    return {
        "type": TYPE_PREFIX + slug(code),
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail or _TITLES.get(status, "Error"),
        "code": code,
    }


def problem_response(
    status: int,
    code: str | None = None,
    detail: str | None = None,
    *,
    errors: Iterable[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    """Build the ``application/problem+json`` response."""
    body = problem_document(status, code, detail)
    if errors is not None:
        body["errors"] = list(errors)
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body})
    response = current_app.response_class(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_http_exception(exc: HTTPException) -> Response:
    """Turn any werkzeug HTTP error (404, 405, 413...) into a problem document."""
    if isinstance(exc, Problem):
        return exc.get_response()
    status = exc.code or 500
    headers: dict[str, str] = {}
    original = exc.get_response()
    for name in ("Allow", "Retry-After", "WWW-Authenticate"):
        if name in original.headers:
            headers[name] = original.headers[name]
    detail = exc.description if status < 500 and isinstance(exc.description, str) else None
    return problem_response(status, None, detail, headers=headers)
