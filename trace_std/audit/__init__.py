"""Code-use audit: who may use a planting-area code, what it can yield, what importing countries list,
what was declared shipped, and the rules that compare them (findings read "needs inspection").

Modules: :mod:`.authorisations`, :mod:`.capacity`, :mod:`.registers` (GACC), :mod:`.ledger`,
:mod:`.rules` (:func:`~trace_std.audit.rules.run_audit`), :mod:`.report`. This package module stays
light (no SQLAlchemy) so that the command line can list the rules cheaply.
"""

from __future__ import annotations

from trace_std.data import load

__all__ = ["FORMATS", "rule_names"]

#: Output formats of an audit report.
FORMATS: tuple[str, ...] = ("text", "json", "csv", "xlsx")


def rule_names() -> tuple[str, ...]:
    """The audit rules, in the order they run (from the data table ``audit_rules``)."""
    return tuple(r["rule"] for r in load("audit_rules")["records"])
