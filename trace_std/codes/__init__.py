"""Vietnamese planting-area (PUC) and packing-house (PHC) codes: a check family of :mod:`trace_std.check`.

:mod:`trace_std.codes.puc` and :mod:`trace_std.codes.phc` each offer the python-stdnum verbs
(``compact``, ``validate``, ``is_valid``, ``format``) plus ``parse`` and ``check``. This package
adds what the dispatcher needs (``KINDS``, ``detect``, ``check``) and :func:`parse_code`, which
accepts either kind.

>>> detect("VN-DTOR-0017"), detect("vn - btph - 036"), detect("pb.33.01.01.001")
('puc', 'phc', 'puc')
>>> detect("VN SLOR 0001"), detect("ＶＮ－ＳＬＯＲ－０００１")
('puc', 'puc')
>>> detect("09506000134352"), detect("(01)09506000134352"), detect("")
(None, None, None)
>>> parse_code("VN-BTPH-036").kind
'phc'
>>> check("VN-DTOR-0017").to_dict()["valid"]
True
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from trace_std.codes import phc, puc
from trace_std.codes._engine import MAX_LENGTH, ParsedCode, check_kinds, parse_kinds
from trace_std.codes._normalize import DASHES
from trace_std.codes._schemes import schemes
from trace_std.errors import Report

__all__ = ["KINDS", "MAX_LENGTH", "ParsedCode", "check", "detect", "parse_code", "phc", "puc"]

KINDS: tuple[str, ...] = ("puc", "phc")
_ALL = frozenset(KINDS)
_DASH_TABLE = {ord(d): "-" for d in DASHES}
_VN = re.compile(r"VN(?:-|[A-Z0-9])")
_PHC = re.compile(r"VN-?[A-Z]{2,3}PH")
_FOREIGN = re.compile(r"[A-Z]{2}-[A-Z]{2,3}(OR|PH)-?[0-9]")


def detect(value: str) -> str | None:
    """``"puc"`` or ``"phc"`` when ``value`` looks like one of these codes, else ``None``.

    Cheap and conservative: only the first characters are looked at, after folding case, dashes,
    whitespace and compatibility forms (full-width ``ＶＮ－ＳＬＯＲ`` typed with a Chinese input
    method); the code is not validated.
    """
    if not isinstance(value, str):
        raise TypeError(f"value must be str, not {type(value).__name__}")
    head = "".join(value[: MAX_LENGTH + 1].split())
    if not head.isascii():
        head = unicodedata.normalize("NFKC", head)
    head = head.translate(_DASH_TABLE).upper()
    if _VN.match(head):
        return "phc" if _PHC.match(head) else "puc"
    m = _FOREIGN.match(head)
    if m:
        return "phc" if m.group(1) == "PH" else "puc"
    for scheme in schemes():  # any other scheme, in its canonical form after the same folding
        if scheme.kind is not None and scheme.canonical.fullmatch(head):
            return scheme.kind
    return None


def check(value: str, *, kind: str | None = None, strict: bool = False) -> Report:
    """Check ``value`` as a code of ``kind`` (``"puc"``/``"phc"``; detected when ``None``)."""
    if kind is not None and kind not in _ALL:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    kinds = frozenset({kind}) if kind is not None else _ALL
    return check_kinds(value, kinds, strict=strict)


def parse_code(value: str, *, strict: bool = False, as_of: datetime.date | None = None) -> ParsedCode:
    """Parse a PUC or PHC of any scheme, or raise the first problem as a ``TraceStdError``."""
    return parse_kinds(value, _ALL, strict=strict, as_of=as_of)
