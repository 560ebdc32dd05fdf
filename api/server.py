"""gunicorn integration: gunicorn's own error answers are problem documents too, and the service's
log messages go to gunicorn's error log.

gunicorn answers some requests before the app sees them: a request line over
``limit_request_line`` (414), header fields over ``limit_request_field_size`` or too many of them
(431), a malformed request (400), an unsupported transfer coding (501). Its answers are small HTML
pages. :func:`post_worker_init` (a gunicorn server hook, installed by ``trace-std serve --workers``)
makes each worker write them as RFC 9457 problem documents with the stable codes of
:mod:`api.problems` instead; the detail is generic (gunicorn's message can echo the request).

This module is also a gunicorn configuration file for plain gunicorn::

    gunicorn -c python:api.server 'api:create_app()' -w 4 -b 127.0.0.1:8000
"""

from __future__ import annotations

import json
from typing import Any

from api.problems import PROBLEM_MEDIA_TYPE, problem_document

_DETAILS = {
    400: "The request is malformed.",
    414: "The request line is longer than this service accepts.",
    431: "The request header fields are larger than this service accepts.",
}


def problem_bytes(status: int, reason: str) -> bytes:
    """A complete ``HTTP/1.1`` answer (``Connection: close``) carrying a problem document."""
    body = json.dumps(problem_document(status, None, _DETAILS.get(status)), ensure_ascii=False).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {PROBLEM_MEDIA_TYPE}\r\n"
        f"Content-Length: {len(body)}\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-store\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_problem(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    """Drop-in for ``gunicorn.util.write_error`` (same signature)."""
    from gunicorn import util  # type: ignore[import-untyped]

    util.write_nonblock(sock, problem_bytes(int(status_int), str(reason)))


def post_worker_init(worker: Any) -> None:
    """gunicorn hook: this worker writes its own error answers as problem documents, the service's
    warnings (``trace_std.*``: database and rate-limit storage outages and recoveries) go to
    gunicorn's error log, and the objects of the loaded app are frozen out of garbage collection
    (:func:`freeze_heap`)."""
    import logging

    from gunicorn import util

    util.write_error = write_problem
    ours = logging.getLogger("trace_std")
    error_log = getattr(getattr(worker, "log", None), "error_log", None)
    if error_log is not None and not ours.handlers:
        for handler in error_log.handlers:
            ours.addHandler(handler)
        ours.setLevel(logging.INFO)
        ours.propagate = False
    freeze_heap()


def freeze_heap() -> None:
    """Move every object alive now (modules, the app, its tables: about 80,000 tracked objects) to the
    permanent generation, so that no collection of the oldest generation walks them again.

    Without it a worker's full collections traverse the whole loaded app (24-48 ms each on the
    2-core development machine) on whichever request happens to trigger one; the young generations
    are collected as before, and what the worker allocates later is collected as usual. (Python's
    documented use of ``gc.freeze()`` is before a fork, for copy-on-write; here the app is loaded in
    each worker, so the worker freezes its own heap once it has loaded the app.)"""
    import gc

    gc.collect()
    gc.freeze()
