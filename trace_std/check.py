"""One entry point that detects what a string is and checks it.

``check(value)`` is what the CLI's ``trace-std check``, the API and the website
call. Each family module (``trace_std.codes``, ``trace_std.gs1``) provides:

* ``KINDS``: the kind names it handles,
* ``detect(value) -> str | None``: a cheap, conservative guess of the kind,
* ``check(value, *, kind=None, strict=False) -> Report``.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from trace_std.errors import ErrorCode, Issue, Report

__all__ = ["FAMILIES", "check", "detect", "kinds"]

# Detection order matters: the first family that recognises a value wins.
FAMILIES: tuple[str, ...] = ("trace_std.codes", "trace_std.gs1")


def _families() -> list[ModuleType]:
    return [import_module(name) for name in FAMILIES]


def kinds() -> list[str]:
    """Every kind name ``check(kind=...)`` accepts."""
    out: list[str] = []
    for module in _families():
        out.extend(module.KINDS)
    return out


def detect(value: str) -> str | None:
    """The kind of ``value``, or ``None`` when no family recognises it."""
    if not isinstance(value, str):
        raise TypeError(f"value must be str, not {type(value).__name__}")
    for module in _families():
        kind: str | None = module.detect(value)
        if kind is not None:
            return kind
    return None


def check(value: str, *, kind: str | None = None, strict: bool = False) -> Report:
    """Check ``value`` and return a :class:`~trace_std.errors.Report`.

    ``kind`` forces the kind (see :func:`kinds`); otherwise it is detected.
    """
    if not isinstance(value, str):
        raise TypeError(f"value must be str, not {type(value).__name__}")
    if kind is not None and not isinstance(kind, str):
        raise TypeError(f"kind must be str or None, not {type(kind).__name__}")
    families = _families()
    if kind is None:
        for module in families:
            kind = module.detect(value)
            if kind is not None:
                report: Report = module.check(value, kind=kind, strict=strict)
                return report
        report = Report(input=value, kind=None)
        code = ErrorCode.INPUT_EMPTY if not value.strip() else ErrorCode.INPUT_UNRECOGNISED
        report.add(
            Issue.error(
                code, "not a recognised code, GS1 key, element string or Digital Link", span=(0, len(value))
            )
        )
        return report
    for module in families:
        if kind in module.KINDS:
            report = module.check(value, kind=kind, strict=strict)
            return report
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(kinds())}")
