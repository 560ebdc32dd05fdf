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

__all__ = ["FAMILIES", "check", "detect", "fold_width", "kinds"]

# Detection order matters: the first family that recognises a value wins.
FAMILIES: tuple[str, ...] = ("trace_std.codes", "trace_std.gs1")

# Full-width ASCII (U+FF01-U+FF5E) and the ideographic space, as a Chinese or Japanese input method
# types them: one character for one, so positions in the folded text are positions in the input.
_FULL_WIDTH = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def fold_width(value: str) -> str:
    """``value`` with full-width ASCII forms and ideographic spaces read as ASCII (same length)."""
    return value if value.isascii() else value.translate(_FULL_WIDTH)


def _width_warnings(value: str) -> list[Issue]:
    """One ``code.form.compatibility`` warning per run of full-width characters in ``value``."""
    issues: list[Issue] = []
    start = None
    for i, ch in enumerate(value + " "):
        wide = ord(ch) in _FULL_WIDTH
        if wide and start is None:
            start = i
        elif not wide and start is not None:
            issues.append(
                Issue.warning(
                    ErrorCode.CODE_FORM_COMPATIBILITY, "full-width characters read as ASCII", span=(start, i)
                )
            )
            start = None
    return issues


def _family_check(module: ModuleType, value: str, kind: str, strict: bool) -> Report:
    """``module.check``; the GS1 family reads full-width input as ASCII (the codes family does itself)."""
    folded = fold_width(value) if module.__name__ == "trace_std.gs1" else value
    report: Report = module.check(folded, kind=kind, strict=strict)
    if folded != value:
        report.input = value
        for issue in _width_warnings(value):
            report.add(issue)
    return report


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
    folded = fold_width(value)
    for module in _families():
        kind: str | None = module.detect(folded)
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
        folded = fold_width(value)
        for module in families:
            kind = module.detect(folded)
            if kind is not None:
                return _family_check(module, value, kind, strict)
        report: Report = Report(input=value, kind=None)
        code = ErrorCode.INPUT_EMPTY if not value.strip() else ErrorCode.INPUT_UNRECOGNISED
        report.add(
            Issue.error(
                code, "not a recognised code, GS1 key, element string or Digital Link", span=(0, len(value))
            )
        )
        return report
    for module in families:
        if kind in module.KINDS:
            return _family_check(module, value, kind, strict)
    raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(kinds())}")
