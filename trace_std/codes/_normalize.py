"""Lenient normalisation with an offset map back to the caller's original string.

Steps, applied character by character so that every output character remembers the index of the
input character it came from:

1. C0/C1 control characters (other than the whitespace ``\\t \\n \\r \\v \\f``) are errors.
2. Whitespace (``str.isspace``: spaces, tabs, no-break and ideographic spaces...) is removed.
3. Non-ASCII characters are NFKC-normalised (full-width ``Ｖ`` → ``V``, ``０`` → ``0``).
4. Unicode dashes (U+2010–U+2015, U+2212, U+FE58, U+FE63, U+FF0D) become ``-``.
5. The Vietnamese letter ``Đ``/``đ`` (U+0110/U+0111) becomes ``D``: codes are ASCII, but the press and
   Vietnamese keyboards write the province abbreviation of Đắk Lắk as ``ĐL`` (``VN-ĐLOR-0071``).
6. Lower case becomes upper case.

Each change is recorded as ``(code, start, end)`` over the original string, one entry per run of
adjacent changed characters of the same sort.

With ``gap`` (a scheme's separator), a run of whitespace between two letters or digits stands for
that separator instead of being removed (``VN SLOR 0001`` is read as ``VN-SLOR-0001``); it is still
recorded as a ``code.form.whitespace`` change.
"""

from __future__ import annotations

import dataclasses
import unicodedata

from trace_std.errors import ErrorCode

__all__ = ["DASHES", "Normalized", "has_gap", "normalize"]

DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_WHITESPACE_CONTROLS = frozenset("\t\n\r\x0b\x0c")
_VIETNAMESE_D = frozenset("\u0110\u0111")  # Đ đ (NFKC keeps them: no decomposition)


@dataclasses.dataclass(slots=True)
class Normalized:
    """The normalised text and where each of its characters came from."""

    original: str
    text: str
    origin: list[int]
    changes: list[tuple[ErrorCode, int, int]]
    controls: list[tuple[int, int]]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of ``text`` to the original string.

        A zero-width span maps to the point just after the preceding character.
        """
        if end > start:
            return (self.origin[start], self.origin[end - 1] + 1)
        if start < len(self.origin):
            point = self.origin[start - 1] + 1 if start > 0 else self.origin[0]
            return (point, point)
        point = self.origin[-1] + 1 if self.origin else len(self.original)
        return (point, point)


def _add(changes: list[tuple[ErrorCode, int, int]], code: ErrorCode, index: int) -> None:
    if changes and changes[-1][0] is code and index <= changes[-1][2] and index >= changes[-1][1]:
        changes[-1] = (code, changes[-1][1], max(index + 1, changes[-1][2]))
    else:
        changes.append((code, index, index + 1))


def _alnum(ch: str) -> bool:
    """A letter or digit once folded (full-width ``Ｓ`` counts; a dash or a dot does not)."""
    return ch.isalnum() or unicodedata.normalize("NFKC", ch).isalnum()


def _stable(text: str) -> str:
    """Apply per-character NFKC and upper-casing until nothing changes (so the result is idempotent)."""
    for _ in range(4):
        again = "".join(unicodedata.normalize("NFKC", c).upper() for c in text)
        again = "".join(c for c in again if not c.isspace())
        if again == text:
            break
        text = again
    return text


def has_gap(value: str) -> bool:
    """Whether ``value`` has whitespace between two non-space characters (a candidate separator)."""
    return len(value.split()) > 1


def normalize(value: str, gap: str | None = None) -> Normalized:
    """Normalise ``value`` (see the module docstring)."""
    out: list[str] = []
    origin: list[int] = []
    changes: list[tuple[ErrorCode, int, int]] = []
    controls: list[tuple[int, int]] = []
    space_at = -1  # index of the first whitespace character of the current run (gap mode)
    for i, ch in enumerate(value):
        if gap is not None:
            if ch.isspace():
                if space_at < 0:
                    space_at = i
            elif space_at >= 0:
                if out and out[-1].isalnum() and _alnum(ch):
                    out.append(gap)
                    origin.append(space_at)
                space_at = -1
        if ch.isascii():
            if "A" <= ch <= "Z" or "0" <= ch <= "9" or ch == "-":
                out.append(ch)
                origin.append(i)
                continue
            if ch.isspace():
                _add(changes, ErrorCode.CODE_FORM_WHITESPACE, i)
                continue
            if ord(ch) < 0x20 or ch == "\x7f":
                controls.append((i, i + 1))
                continue
            if "a" <= ch <= "z":
                _add(changes, ErrorCode.CODE_FORM_CASE, i)
                out.append(ch.upper())
                origin.append(i)
                continue
            out.append(ch)
            origin.append(i)
            continue
        if unicodedata.category(ch) == "Cc" and ch not in _WHITESPACE_CONTROLS:
            controls.append((i, i + 1))
            continue
        if ch.isspace():
            _add(changes, ErrorCode.CODE_FORM_WHITESPACE, i)
            continue
        if ch in DASHES:
            _add(changes, ErrorCode.CODE_FORM_DASH, i)
            out.append("-")
            origin.append(i)
            continue
        if ch in _VIETNAMESE_D:
            _add(changes, ErrorCode.CODE_FORM_VIETNAMESE_D, i)
            out.append("D")
            origin.append(i)
            continue
        mapped = unicodedata.normalize("NFKC", ch)
        final = _stable(mapped)
        if mapped != ch:
            _add(changes, ErrorCode.CODE_FORM_COMPATIBILITY, i)
        elif final != ch:
            _add(changes, ErrorCode.CODE_FORM_CASE, i)
        for c in final:
            out.append("-" if c in DASHES else c)
            origin.append(i)
    return Normalized(value, "".join(out), origin, changes, controls)
