"""Request bodies: read whole or refused, for every transfer (``Content-Length`` or chunked).

Werkzeug bounds a body without ``Content-Length`` (``Transfer-Encoding: chunked``) by
``max_content_length``, but its ``read()``/``get_data()`` *stop* at the limit without an error:
a chunked upload larger than the limit came back cut, and the cut file was parsed and applied.
This module is the one place bodies are read:

* :class:`Request` (installed as the app's ``request_class``) gives every reader, including the
  form and multipart parsers, a :class:`WholeBodyStream`: when the limit is reached and the client
  has more to send, reading raises ``413`` (``http.payload_too_large``) instead of returning a
  partial body. A chunked body the server cannot delimit (no ``wsgi.input_terminated``) is a
  ``411``, never an empty body.
* :func:`body` (the raw body as bytes), :func:`upload` (a multipart file field) and :func:`source`
  (a multipart file or the raw body, for imports and capture endpoints) take the size limit of their
  endpoint; views call them instead of touching ``request.stream``.
"""

from __future__ import annotations

import io
from typing import IO, Any

from flask import Request as FlaskRequest
from flask import request
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import cached_property
from werkzeug.wsgi import LimitedStream, get_content_length

from api.problems import Problem, ProblemCode

__all__ = ["Request", "WholeBodyStream", "body", "init_app", "source", "upload"]


class WholeBodyStream(LimitedStream):
    """A body stream capped at ``limit`` bytes that never ends early without saying so.

    On reaching the limit it probes the underlying stream for one more byte: at the end of the body
    that is the end (a body of exactly ``limit`` bytes is accepted); otherwise ``413``.
    """

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__(stream, limit, is_max=True)

    def on_exhausted(self) -> None:
        try:
            more = self._stream.read(1)
        except (OSError, ValueError):  # the client went away after the limit: still too large
            more = b"?"
        if more:
            raise RequestEntityTooLarge()

    def readall(self) -> bytes:
        data = super().readall()
        if self.is_exhausted:
            self.on_exhausted()
        return data


def _chunked(environ: dict[str, Any]) -> bool:
    return "chunked" in str(environ.get("HTTP_TRANSFER_ENCODING", "")).lower()


class Request(FlaskRequest):
    """Flask's request whose :attr:`stream` is read whole or refused (see the module docstring)."""

    @cached_property
    def stream(self) -> IO[bytes]:
        environ = self.environ
        raw: IO[bytes] = environ["wsgi.input"]
        limit = self.max_content_length
        length = get_content_length(environ)
        if length is not None:
            if limit is not None and length > limit:
                raise RequestEntityTooLarge()
            return LimitedStream(raw, length)  # type: ignore[return-value]
        if "wsgi.input_terminated" not in environ:
            if _chunked(environ):  # the server hands us a body it cannot delimit
                raise Problem(411, ProblemCode.LENGTH_REQUIRED, "send the body with a Content-Length header")
            return io.BytesIO()  # no body at all
        if limit is None:
            return raw
        return WholeBodyStream(raw, limit)  # type: ignore[return-value]


def init_app(app: Any) -> None:
    app.request_class = Request


def _limit(limit: int | None) -> None:
    """Set this request's body limit (before anything reads the body)."""
    if limit is not None:
        request.max_content_length = int(limit)


def body(limit: int | None = None) -> bytes:
    """The whole request body (``413`` past ``limit``, default ``MAX_CONTENT_LENGTH``)."""
    _limit(limit)
    return request.get_data(cache=True)


def upload(field: str, limit: int | None = None) -> FileStorage | None:
    """The multipart file ``field`` (``None`` if absent), its body read whole (``413`` past ``limit``)."""
    _limit(limit)
    return request.files.get(field)


def source(
    field: str = "file", *, types: dict[str, str], limit: int | None = None
) -> tuple[IO[bytes], str | None, str | None]:
    """A file for a parser: the multipart ``field``, or the raw body when its media type is one of
    ``types`` (media type → format name). Returns ``(stream, format, filename)``; the stream holds the
    whole body (``413`` past ``limit``); any other media type is ``415``."""
    _limit(limit)
    if request.mimetype == "multipart/form-data":
        file = request.files.get(field)
        if file is None:
            raise Problem(400, ProblemCode.INVALID_BODY, f"upload the file as the multipart field '{field}'")
        name = file.filename or None
        lowered = (name or "").lower()
        fmt = next((f for f in types.values() if lowered.endswith("." + f)), None)
        return file.stream, fmt, name
    if request.mimetype in types:
        return io.BytesIO(body()), types[request.mimetype], None
    accepted = ", ".join(["multipart/form-data", *types])
    raise Problem(415, ProblemCode.UNSUPPORTED_MEDIA_TYPE, f"send one of: {accepted}")
