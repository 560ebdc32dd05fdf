"""Request parsing helpers shared by the views: typed query parameters and JSON bodies → 400 problems."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask import request

from api.problems import Problem, ProblemCode

MAX_PARAM_LENGTH = 2048
_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad(name: str, detail: str) -> Problem:
    return Problem(
        400,
        ProblemCode.INVALID_PARAMETER,
        detail,
        errors=[{"code": str(ProblemCode.INVALID_PARAMETER), "field": name, "message": detail}],
    )


def text(
    name: str, *, required: bool = False, max_length: int = MAX_PARAM_LENGTH, source: Any = None
) -> str | None:
    values = request.args if source is None else source
    value = values.get(name)
    if value is None or value == "":
        if required:
            raise _bad(name, f"the parameter '{name}' is required")
        return None
    if not isinstance(value, str):
        raise _bad(name, f"the parameter '{name}' must be a string")
    if len(value) > max_length:
        raise _bad(name, f"the parameter '{name}' is longer than {max_length} characters")
    if "\x00" in value:
        raise _bad(name, f"the parameter '{name}' contains a NUL character")
    return value


def integer(name: str, *, default: int, minimum: int = 1, maximum: int = 1_000_000) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw, 10)
    except ValueError:
        raise _bad(name, f"the parameter '{name}' must be an integer") from None
    if not minimum <= value <= maximum:
        raise _bad(name, f"the parameter '{name}' must be between {minimum} and {maximum}")
    return value


def date(name: str, *, source: Any = None) -> dt.date | None:
    """A calendar date ``YYYY-MM-DD`` by the label date rule (``date.fromisoformat`` alone would take
    ISO week dates such as ``2025-W01-1`` and the basic form ``20250101``; issue 17 item 15)."""
    from trace_std.errors import TraceStdError
    from trace_std.label.fields import parse_date

    raw = text(name, max_length=10, source=source)
    if raw is None:
        return None
    try:
        return parse_date(raw, name)
    except TraceStdError:
        raise _bad(name, f"the parameter '{name}' must be a date (YYYY-MM-DD)") from None


def json_object() -> dict[str, Any]:
    """The request body as a JSON object (400 otherwise)."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # hostile nesting: json's C parser gives up past the recursion limit
        raise Problem(400, ProblemCode.INVALID_BODY, "the JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise Problem(400, ProblemCode.INVALID_BODY, "the request body must be a JSON object")
    pointer = _lone_surrogate(body, "")
    if pointer is not None:  # "\ud800" decodes to a str that can never be encoded (nor stored)
        detail = "the JSON body has a lone UTF-16 surrogate (\\ud800-\\udfff) in a string"
        raise Problem(
            400,
            ProblemCode.INVALID_BODY,
            detail,
            errors=[{"code": str(ProblemCode.INVALID_BODY), "pointer": pointer, "message": detail}],
        )
    return body


def _lone_surrogate(value: Any, pointer: str) -> str | None:
    """The JSON pointer of the first string (or key) holding a lone surrogate, else ``None``."""
    stack: list[tuple[Any, str]] = [(value, pointer)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and _SURROGATE.search(item):
                return where
        elif isinstance(item, dict):
            for key, child in item.items():
                here = f"{where}/{key.replace('~', '~0').replace('/', '~1')}"
                if not key.isascii() and _SURROGATE.search(key):
                    return _SURROGATE.sub("\ufffd", here)
                stack.append((child, here))
        elif isinstance(item, list):
            stack.extend((child, f"{where}/{i}") for i, child in enumerate(item))
    return None
