"""Lexical checks shared by the EPCIS validator: URIs (RFC 3986), RFC 3339 timestamps with an offset,
time-zone offsets, and the CBV / Rec 20 tables.

>>> is_uri("urn:epc:id:sgtin:0614141.107346.2017"), is_uri("http://a:b:c/"), is_uri("no scheme")
(True, False, False)
>>> parse_time("2005-04-03T20:33:31.116-06:00")
1112582011116000
>>> parse_time("2005-04-03 20:33:31Z") is None, parse_time("2005-02-30T00:00:00Z") is None
(True, True)
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache, lru_cache
from typing import Any

from trace_std import data

_UNRESERVED_SUB = r"A-Za-z0-9\-._~!$&'()*+,;="
_PCHAR = rf"(?:[{_UNRESERVED_SUB}:@]|%[0-9A-Fa-f]{{2}})"
_AUTHORITY = re.compile(
    rf"(?:(?:[{_UNRESERVED_SUB}:]|%[0-9A-Fa-f]{{2}})*@)?"
    rf"(?:\[(?:[0-9A-Fa-f:.]+|v[0-9A-Fa-f]+\.[{_UNRESERVED_SUB}:]+)\]|(?:[{_UNRESERVED_SUB}]|%[0-9A-Fa-f]{{2}})*)"
    r"(?::[0-9]*)?"
)
_URI = re.compile(
    rf"(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):(?P<hier>(?://(?P<auth>[^/?#]*))?(?P<path>{_PCHAR}*(?:/{_PCHAR}*)*))"
    rf"(?:\?(?:{_PCHAR}|[/?])*)?(?:#(?:{_PCHAR}|[/?])*)?"
)
_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))"
)
TIMEZONE_OFFSET = re.compile(r"[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00)")
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


_FAST_URI = re.compile(
    r"urn:[A-Za-z0-9\-._~!$&'()*+,;=@][A-Za-z0-9\-._~!$&'()*+,;=:@/]*"
    r"|https?://[A-Za-z0-9.\-]+(?::[0-9]+)?(?:/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*)?"
)


def is_uri(value: str) -> bool:
    """An absolute URI by RFC 3986 (what a strict JSON Schema ``format: uri`` accepts)."""
    if _FAST_URI.fullmatch(value):  # the usual EPC URNs and Digital Links: a subset of the grammar
        return True
    return _is_uri(value)


@lru_cache(maxsize=65536)
def _is_uri(value: str) -> bool:
    m = _URI.fullmatch(value)
    if m is None:
        return False
    auth = m.group("auth")
    if auth is not None:
        if not _AUTHORITY.fullmatch(auth):
            return False
        path = m.group("path")
        return not path or path.startswith("/")
    return not m.group("path").startswith("//")


def parse_time(value: str) -> int | None:
    """Microseconds since 1970 (UTC) of an RFC 3339 timestamp with ``T``, seconds and an offset
    (``Z`` or ``±hh:mm``), or ``None`` when the text is not one (the xsd:dateTimeStamp form EPCIS
    requires)."""
    m = _TIME.fullmatch(value)
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, zulu, sign, oh, om = m.groups()
    try:
        moment = dt.datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=dt.UTC
        )
    except ValueError:
        return None
    if not zulu and (int(oh) > 23 or int(om) > 59):
        return None
    micros = int((frac or "0")[:6].ljust(6, "0"))
    shift = 0 if zulu else (1 if sign == "+" else -1) * (int(oh) * 3600 + int(om) * 60)
    delta = moment - _EPOCH
    return (delta.days * 86400 + delta.seconds - shift) * 1_000_000 + micros


class Vocab:
    """The CBV tables of ``epcis_cbv.json`` and the Rec 20 units, loaded once."""

    def __init__(self) -> None:
        table = data.load("epcis_cbv")
        self.words: dict[str, dict[str, str]] = {}
        for rec in table["records"]:
            self.words.setdefault(rec["vocabulary"], {})[rec["word"]] = rec["iri"]
        self.iris: dict[str, frozenset[str]] = {k: frozenset(v.values()) for k, v in self.words.items()}
        self.prefixes: dict[str, str] = {r["prefix"]: r["iri"] for r in table["prefixes"]}
        self.terms: dict[str, str] = {r["term"]: r["iri"] for r in table["terms"]}
        self.contexts: frozenset[str] = frozenset(table["contexts"])
        self.cbv_namespaces: tuple[str, ...] = tuple(table["cbv_namespaces"])
        self.gs1_voc_namespaces: tuple[str, ...] = tuple(table["gs1_voc_namespaces"])
        units = data.load("unece_rec20")["records"]
        self.units: frozenset[str] = frozenset(r["code"] for r in units if r["status"] != "X")
        self.deleted_units: frozenset[str] = frozenset(r["code"] for r in units if r["status"] == "X")
        self.versions = {
            "epcis_cbv": data.data_version("epcis_cbv"),
            "unece_rec20": data.data_version("unece_rec20"),
        }


@cache
def vocab() -> Vocab:
    return Vocab()


def vocabulary_words(name: str) -> dict[str, str]:
    """The bare words of one CBV vocabulary (``bizStep``, ``disposition``...) and their IRIs."""
    return dict(vocab().words[name])


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
