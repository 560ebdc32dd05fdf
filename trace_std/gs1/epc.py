"""EPC identifiers: the Tag Data Standard's pure-identity URNs and Digital Link EPCs, as GS1 keys.

EPCIS names things with URIs. The GS1 ones come in two spellings of the same key:

* the Tag Data Standard (TDS 2.x, section 6) pure-identity URN, ``urn:epc:id:sgtin:CP.IR.Serial``,
  with the company prefix split off and no check digit, plus the class URN
  ``urn:epc:class:lgtin:CP.IR.Lot`` and the pattern URN ``urn:epc:idpat:sgtin:CP.IR.*``;
* a GS1 Digital Link URI (``https://id.gs1.org/01/…/21/…``), checked by
  :func:`trace_std.gs1.digital_link.parse_digital_link` (check digits, key qualifier order).

:func:`parse_epc` turns either into an :class:`Epc`: its scheme, whether it names one instance or a
class, the kind of key (trade item, logistic unit, location, party...), the GS1 element pairs and a
canonical form (the canonical Digital Link for GS1 keys, so that both spellings of a key compare
equal; any other URI is returned unchanged). Only the standard library is used.

>>> e = parse_epc("urn:epc:id:sgtin:0614141.107346.2017")
>>> e.scheme, e.level, e.kind, e.canonical
('sgtin', 'instance', 'trade_item', 'https://id.gs1.org/01/10614141073464/21/2017')
>>> parse_epc("https://id.gs1.org/01/10614141073464/21/2017").canonical == e.canonical
True
>>> parse_epc("urn:epc:class:lgtin:4012345.012345.998877").level
'class'
>>> parse_epc("urn:epc:id:sgln:0614141.07346.1234").elements
(('414', '0614141073467'), ('254', '1234'))
>>> parse_epc("urn:epc:id:sgtin:0614141.10734.2017")
Traceback (most recent call last):
...
trace_std.errors.InvalidFormat: sgtin: company prefix and item reference must have 13 digits together, not 12
"""

from __future__ import annotations

import dataclasses
import re
from functools import lru_cache

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.gs1.keys import check_digit

__all__ = ["Epc", "canonical_epc", "looks_like_digital_link", "parse_epc"]


@dataclasses.dataclass(frozen=True, slots=True)
class Epc:
    """A parsed EPC (instance, class or pattern), GS1 or not.

    ``scheme``: the TDS scheme (``sgtin``, ``sscc``, ``sgln``, ``lgtin``...), ``"dl"`` for a Digital
    Link or ``"uri"`` for any other URI. ``level``: ``"instance"``, ``"class"`` or ``"pattern"``
    (``None`` for a non-GS1 URI, which EPCIS allows anywhere). ``kind``: ``trade_item``,
    ``logistic_unit``, ``location``, ``party``, ``asset``, ``document``, ``service``,
    ``consignment``, ``shipment``, ``coupon``, ``component``, ``other`` or ``None``.
    """

    uri: str
    scheme: str
    level: str | None
    kind: str | None
    elements: tuple[tuple[str, str], ...] = ()
    canonical: str = ""

    @property
    def is_gs1(self) -> bool:
        return self.level is not None


_GS3A3 = re.compile(r"(?:[A-Za-z0-9!'()*+,\-.:;=_]|%[0-9A-Fa-f]{2})+")
_DIGITS = re.compile(r"[0-9]+")
_CANONICAL_STEM = "https://id.gs1.org"
# Digital Link primary keys whose presence in a path makes an http(s) URI a Digital Link EPC.
_DL_KEY = re.compile(
    r"^https?://[^/?#]+(?:/[^?#]*)?/(?:00|01|253|255|401|402|414|417|8003|8004|8006|8010|8013|8017|8018)/"
)
_KINDS = {
    "00": "logistic_unit",
    "01": "trade_item",
    "253": "document",
    "255": "coupon",
    "401": "consignment",
    "402": "shipment",
    "414": "location",
    "417": "party",
    "8003": "asset",
    "8004": "asset",
    "8006": "trade_item",
    "8010": "component",
    "8013": "trade_item",
    "8017": "service",
    "8018": "service",
}


def _fail(uri: str, message: str, start: int = 0, end: int | None = None) -> TraceStdError:
    return TraceStdError.from_code(
        ErrorCode.EPCIS_EPC_SYNTAX,
        message,
        span=(start, len(uri) if end is None else end),
        context={"uri": uri},
    )


def _unescape(value: str) -> str:
    return re.sub(r"%([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)


def _with_check(digits: str) -> str:
    return digits + str(check_digit(digits))


def _split(uri: str, body: str, scheme: str, count: int) -> list[str]:
    parts = body.split(".")
    if len(parts) != count:
        raise _fail(uri, f"{scheme}: expected {count} dot-separated fields, found {len(parts)}")
    return parts


def _digits(uri: str, value: str, what: str, scheme: str) -> None:
    if not _DIGITS.fullmatch(value):
        raise _fail(uri, f"{scheme}: {what} must be digits, not {value!r}")


def _company_prefix(uri: str, cp: str, scheme: str) -> None:
    _digits(uri, cp, "company prefix", scheme)
    if not 6 <= len(cp) <= 12:
        raise _fail(uri, f"{scheme}: company prefix must have 6 to 12 digits, not {len(cp)}")


def _total(uri: str, a: str, b: str, total: int, scheme: str, what: str) -> None:
    _company_prefix(uri, a, scheme)
    _digits(uri, b, what, scheme)
    if len(a) + len(b) != total:
        raise _fail(
            uri,
            f"{scheme}: company prefix and {what} must have {total} digits together, not {len(a) + len(b)}",
        )


def _serial(uri: str, value: str, scheme: str, max_len: int = 20, what: str = "serial") -> str:
    if not _GS3A3.fullmatch(value):
        raise _fail(uri, f"{scheme}: {what} has characters a URN does not allow unescaped: {value!r}")
    plain = _unescape(value)
    if len(plain) > max_len:
        raise _fail(uri, f"{scheme}: {what} is longer than {max_len} characters")
    return plain


def _gs1_urn(uri: str, level: str, scheme: str, body: str) -> Epc:
    elements: tuple[tuple[str, str], ...]
    if level == "idpat":
        return _pattern(uri, scheme, body)
    if level == "class":
        if scheme != "lgtin":
            raise _fail(uri, f"unknown EPC class scheme {scheme!r} (TDS defines lgtin)")
        cp, ir, lot = _split(uri, body, scheme, 3)
        _total(uri, cp, ir, 13, scheme, "item reference")
        elements = (("01", _with_check(ir[0] + cp + ir[1:])), ("10", _serial(uri, lot, scheme, what="lot")))
        return _gs1(uri, scheme, "class", "trade_item", elements)
    if scheme in ("sgtin", "itip"):
        if scheme == "sgtin":
            cp, ir, serial = _split(uri, body, scheme, 3)
            _total(uri, cp, ir, 13, scheme, "item reference")
            return _gs1(
                uri,
                scheme,
                "instance",
                "trade_item",
                (("01", _with_check(ir[0] + cp + ir[1:])), ("21", _serial(uri, serial, scheme))),
            )
        cp, ir, piece, total, serial = _split(uri, body, scheme, 5)
        _total(uri, cp, ir, 13, scheme, "item reference")
        for part in (piece, total):
            _digits(uri, part, "piece and total", scheme)
            if len(part) != 2:
                raise _fail(uri, "itip: piece and total must have 2 digits each")
        key = _with_check(ir[0] + cp + ir[1:]) + piece + total
        return _gs1(
            uri, scheme, "instance", "trade_item", (("8006", key), ("21", _serial(uri, serial, scheme)))
        )
    if scheme == "upui":
        cp, ir, tpx = _split(uri, body, scheme, 3)
        _total(uri, cp, ir, 13, scheme, "item reference")
        tpx_plain = _serial(uri, tpx, scheme, max_len=28, what="third-party extension")
        return _gs1(
            uri,
            scheme,
            "instance",
            "trade_item",
            (("01", _with_check(ir[0] + cp + ir[1:])), ("235", tpx_plain)),
        )
    if scheme == "sscc":
        cp, ref = _split(uri, body, scheme, 2)
        _total(uri, cp, ref, 17, scheme, "serial reference")
        return _gs1(uri, scheme, "instance", "logistic_unit", (("00", _with_check(ref[0] + cp + ref[1:])),))
    if scheme == "sgln":
        cp, loc, ext = _split(uri, body, scheme, 3)
        _total(uri, cp, loc, 12, scheme, "location reference")
        gln = ("414", _with_check(cp + loc))
        if ext == "0":
            return _gs1(uri, scheme, "instance", "location", (gln,))
        return _gs1(
            uri, scheme, "instance", "location", (gln, ("254", _serial(uri, ext, scheme, what="extension")))
        )
    if scheme == "pgln":
        cp, party = _split(uri, body, scheme, 2)
        _total(uri, cp, party, 12, scheme, "party reference")
        return _gs1(uri, scheme, "instance", "party", (("417", _with_check(cp + party)),))
    if scheme in ("grai", "gdti", "sgcn"):
        cp, ref, serial = _split(uri, body, scheme, 3)
        _total(uri, cp, ref, 12, scheme, "asset type" if scheme == "grai" else "reference")
        key = _with_check(cp + ref)
        if scheme == "grai":
            return _gs1(
                uri, scheme, "instance", "asset", (("8003", "0" + key + _serial(uri, serial, scheme, 16)),)
            )
        if scheme == "gdti":
            return _gs1(
                uri, scheme, "instance", "document", (("253", key + _serial(uri, serial, scheme, 17)),)
            )
        _digits(uri, serial, "serial", scheme)
        return _gs1(uri, scheme, "instance", "coupon", (("255", key + serial),))
    if scheme in ("gsrn", "gsrnp"):
        cp, ref = _split(uri, body, scheme, 2)
        _total(uri, cp, ref, 17, scheme, "service reference")
        return _gs1(
            uri,
            scheme,
            "instance",
            "service",
            (("8018" if scheme == "gsrn" else "8017", _with_check(cp + ref)),),
        )
    if scheme == "gsin":
        cp, ref = _split(uri, body, scheme, 2)
        _total(uri, cp, ref, 16, scheme, "shipper reference")
        return _gs1(uri, scheme, "instance", "shipment", (("402", _with_check(cp + ref)),))
    if scheme in ("giai", "ginc"):
        cp, ref = _split(uri, body, scheme, 2)
        _company_prefix(uri, cp, scheme)
        plain = _serial(uri, ref, scheme, 30 - len(cp), "reference")
        ai, kind = ("8004", "asset") if scheme == "giai" else ("401", "consignment")
        return _gs1(uri, scheme, "instance", kind, ((ai, cp + plain),))
    if scheme == "cpi":
        cp, ref, serial = _split(uri, body, scheme, 3)
        _company_prefix(uri, cp, scheme)
        if not re.fullmatch(r"(?:[0-9A-Z#\-/]|%2[3dDfF])+", ref):
            raise _fail(uri, "cpi: component/part reference has a character TDS does not allow")
        _digits(uri, serial, "serial", scheme)
        return _gs1(uri, scheme, "instance", "component", (("8010", cp + _unescape(ref)), ("8011", serial)))
    if scheme == "gid":
        parts = _split(uri, body, scheme, 3)
        for part in parts:
            _digits(uri, part, "manager, class and serial", scheme)
        return Epc(uri, scheme, "instance", "other", (), uri)
    if scheme in ("usdod", "adi", "bic", "imovn"):
        if not body or not _GS3A3.fullmatch(body.replace(".", "")):
            raise _fail(uri, f"{scheme}: malformed body")
        return Epc(uri, scheme, "instance", "other", (), uri)
    raise _fail(uri, f"unknown EPC scheme {scheme!r}")


def _pattern(uri: str, scheme: str, body: str) -> Epc:
    parts = body.split(".")
    wanted = {
        "sgtin": 3,
        "sscc": 2,
        "sgln": 3,
        "grai": 3,
        "giai": 2,
        "gsrn": 2,
        "gsrnp": 2,
        "gdti": 3,
        "cpi": 3,
        "sgcn": 3,
        "ginc": 2,
        "gsin": 2,
        "itip": 5,
        "upui": 3,
        "pgln": 2,
        "gid": 3,
    }
    if scheme not in wanted:
        raise _fail(uri, f"unknown EPC pattern scheme {scheme!r}")
    if len(parts) != wanted[scheme]:
        raise _fail(
            uri, f"{scheme} pattern: expected {wanted[scheme]} dot-separated fields, found {len(parts)}"
        )
    seen_star = False
    for part in parts:
        if part == "*":
            seen_star = True
        elif seen_star:
            raise _fail(uri, f"{scheme} pattern: only trailing fields may be '*'")
    fixed = [p for p in parts if p != "*"]
    if parts[-1] == "*" and "*" not in parts[:-1] and len(fixed) >= 2:  # a class: every serial of one key
        cp, ref = fixed[0], fixed[1]
        elements: tuple[tuple[str, str], ...] | None = None
        if scheme in ("sgtin", "upui") and len(fixed) == 2:
            _total(uri, cp, ref, 13, scheme, "item reference")
            elements = (("01", _with_check(ref[0] + cp + ref[1:])),)
        elif scheme == "itip" and len(fixed) == 4:
            _total(uri, cp, ref, 13, scheme, "item reference")
            elements = (("8006", _with_check(ref[0] + cp + ref[1:]) + fixed[2] + fixed[3]),)
        elif scheme in ("grai", "gdti", "sgcn") and len(fixed) == 2:
            _total(uri, cp, ref, 12, scheme, "reference")
            key = _with_check(cp + ref)
            elements = (
                (("8003", "0" + key),)
                if scheme == "grai"
                else (("253", key),)
                if scheme == "gdti"
                else (("255", key),)
            )
        elif scheme == "cpi" and len(fixed) == 2:
            _company_prefix(uri, cp, scheme)
            elements = (("8010", cp + _unescape(ref)),)
        if elements is not None:
            kind = {"grai": "asset", "gdti": "document", "sgcn": "coupon", "cpi": "component"}.get(
                scheme, "trade_item"
            )
            return _gs1(uri, scheme, "pattern", kind, elements)
    kind = {"sscc": "logistic_unit", "sgln": "location", "pgln": "party"}.get(
        scheme, "trade_item" if scheme in ("sgtin", "itip", "upui") else "other"
    )
    return Epc(uri, scheme, "pattern", kind, (), uri)


def _gs1(
    uri: str,
    scheme: str,
    level: str,
    kind: str,
    elements: tuple[tuple[str, str], ...],
    canonical: str | None = None,
) -> Epc:
    from trace_std.gs1.digital_link import percent_encode

    if canonical is None:
        canonical = _CANONICAL_STEM + "".join(f"/{ai}/{percent_encode(v)}" for ai, v in elements)
    return Epc(uri, scheme, level, kind, elements, canonical)


def _dl_level(elements: tuple[tuple[str, str], ...]) -> str:
    ai, value = elements[0]
    ais = {a for a, _ in elements}
    if ai in ("01", "8006"):
        return "instance" if ("21" in ais or "235" in ais) else "class"
    if ai == "8003":
        return "instance" if len(value) > 14 else "class"
    if ai in ("253", "255"):
        return "instance" if len(value) > 13 else "class"
    if ai == "8010":
        return "instance" if "8011" in ais else "class"
    if ai == "8013":
        return "class"
    return "instance"


def looks_like_digital_link(uri: str) -> bool:
    """Whether an http(s) URI carries a GS1 primary key in its path (then it must be a valid DL)."""
    return _DL_KEY.match(uri) is not None


@lru_cache(maxsize=65536)
def parse_epc(uri: str) -> Epc:
    """Parse an EPC URI (TDS URN, Digital Link or any other URI); raise :class:`TraceStdError` for a
    malformed GS1 one (``epcis.epc.syntax`` for URNs, the Digital Link codes for Digital Links)."""
    if not isinstance(uri, str):
        raise TypeError("uri must be a str")
    if uri.startswith("urn:epc:"):
        head, _, body = uri.partition(":")[2].partition(":")[2].partition(":")
        scheme, colon, rest = body.partition(":")
        if head not in ("id", "class", "idpat") or not colon:
            raise _fail(
                uri, "an EPC URN is urn:epc:id:, urn:epc:class: or urn:epc:idpat: followed by scheme:fields"
            )
        return _gs1_urn(uri, head, scheme, rest)
    if looks_like_digital_link(uri):
        from trace_std.gs1.digital_link import parse_digital_link

        dl = parse_digital_link(uri)
        path = dl.elements[: dl.path_length]
        canonical = _CANONICAL_STEM + "".join(f"/{ai}/{_pe(v)}" for ai, v in path)
        return Epc(uri, "dl", _dl_level(path), _KINDS.get(path[0][0], "other"), path, canonical)
    return Epc(uri, "uri", None, None, (), uri)


def _pe(value: str) -> str:
    from trace_std.gs1.digital_link import percent_encode

    return percent_encode(value)


def canonical_epc(uri: str) -> str:
    """One spelling per key: the canonical Digital Link (``https://id.gs1.org/...``, key and
    qualifiers only) for GS1 EPCs, the URI unchanged otherwise. Raises for a malformed GS1 EPC.

    >>> canonical_epc("urn:epc:id:sscc:0614141.1234567890")
    'https://id.gs1.org/00/106141412345678908'
    >>> canonical_epc("https://example.com/01/09521234543213/10/LOT1?17=261231")
    'https://id.gs1.org/01/09521234543213/10/LOT1'
    >>> canonical_epc("urn:uuid:0b2c3a0e-8d5b-4a60-9d1b-6d2a5f1e2c3d")
    'urn:uuid:0b2c3a0e-8d5b-4a60-9d1b-6d2a5f1e2c3d'
    """
    return parse_epc(uri).canonical
