"""Spreadsheet formula injection: neutralise cells on the way out, restore them on the way in.

A CSV or XLSX cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as a
formula by spreadsheet programs (OWASP, "CSV Injection"). Every CSV/XLSX writer of the project passes
text cells through :func:`neutralise`, which prefixes such a cell with an apostrophe (the prefix
spreadsheets themselves use for "text, not formula"). :func:`restore` undoes it, so a file written by
the project and read back gives the original values exactly:

* a cell is prefixed when it starts with a trigger character, or when it starts with an apostrophe
  followed by a trigger character or another apostrophe (so that a value that really starts with
  ``'=`` survives the round trip);
* reading removes one leading apostrophe in exactly those cases.

>>> neutralise("=HYPERLINK(1)"), restore("'=HYPERLINK(1)")
("'=HYPERLINK(1)", '=HYPERLINK(1)')
>>> neutralise("'=x"), restore(neutralise("'=x"))
("''=x", "'=x")
>>> neutralise("'t Hooft"), restore("'t Hooft")
("'t Hooft", "'t Hooft")
"""

from __future__ import annotations

__all__ = ["TRIGGERS", "neutralise", "restore"]

#: First characters that make a spreadsheet evaluate a cell (OWASP CSV Injection).
TRIGGERS = frozenset("=+-@\t\r")
_ESCAPED_AFTER_QUOTE = TRIGGERS | {"'"}


def neutralise(value: str) -> str:
    """``value`` safe to put in a CSV/XLSX cell (see the module docstring)."""
    if value[:1] in TRIGGERS or (value[:1] == "'" and value[1:2] in _ESCAPED_AFTER_QUOTE):
        return "'" + value
    return value


def restore(cell: str) -> str:
    """The value written as ``cell`` by :func:`neutralise`."""
    if cell[:1] == "'" and cell[1:2] in _ESCAPED_AFTER_QUOTE:
        return cell[1:]
    return cell
