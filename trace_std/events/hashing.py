"""The CBV 2.0 event hash (CBV 2.0 section 8.9): ``ni:///sha-256;<hex>?ver=CBV2.0``.

An event is flattened to a *pre-hash string*: ``eventType=<type>``, then the standard fields in the
canonical order below as ``name=value`` with no separator, list items sorted, then every remaining
field (extensions as ``{namespace}localName``, ``ilmd``, the business transactions...) sorted.
Values are canonicalised first: timestamps to UTC with milliseconds and ``Z``; CBV bare words and
old ``urn:epcglobal:cbv:`` URNs to their ``https://ref.gs1.org/cbv/`` IRIs; GS1 identifiers (TDS URNs
and Digital Links) to canonical Digital Links (:func:`trace_std.gs1.epc.canonical_epc`); numbers
without redundant zeros. ``eventID``, ``recordTime``, ``errorDeclaration`` and ``type`` are left out.
The layout follows the XML binding's element names (``epc``, ``quantityElement``), as the reference
implementation (the ``epcis-event-hash-generator`` package) does; ``tests/events/test_hashing.py``
checks that both give the same hash on the reference documents.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from typing import Any

from trace_std.events._syntax import vocab

__all__ = ["HASH_ALGORITHMS", "event_hash", "pre_hash_string"]

HASH_ALGORITHMS = {"sha-256": "sha256", "sha3-256": "sha3_256", "sha-384": "sha384", "sha-512": "sha512"}

_QTY = (("epcClass", None), ("quantity", None), ("uom", None))
_ORDER: tuple[tuple[str, Any], ...] = (
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", (("epc", None),)),
    ("inputEPCList", (("epc", None),)),
    ("childEPCs", (("epc", None),)),
    ("quantityList", (("quantityElement", _QTY),)),
    ("childQuantityList", (("quantityElement", _QTY),)),
    ("inputQuantityList", (("quantityElement", _QTY),)),
    ("outputEPCList", (("epc", None),)),
    ("outputQuantityList", (("quantityElement", _QTY),)),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", (("set", None), ("unset", None))),
    ("readPoint", (("id", None),)),
    ("bizLocation", (("id", None),)),
    (
        "sensorElementList",
        (
            (
                "sensorElement",
                (
                    (
                        "sensorMetadata",
                        tuple(
                            (n, None)
                            for n in (
                                "time",
                                "startTime",
                                "endTime",
                                "deviceID",
                                "deviceMetadata",
                                "rawData",
                                "dataProcessingMethod",
                                "bizRules",
                            )
                        ),
                    ),
                    (
                        "sensorReport",
                        tuple(
                            (n, None)
                            for n in (
                                "type",
                                "exception",
                                "deviceID",
                                "deviceMetadata",
                                "rawData",
                                "dataProcessingMethod",
                                "time",
                                "microorganism",
                                "chemicalSubstance",
                                "value",
                                "component",
                                "stringValue",
                                "booleanValue",
                                "hexBinaryValue",
                                "uriValue",
                                "minValue",
                                "maxValue",
                                "meanValue",
                                "sDev",
                                "percRank",
                                "percValue",
                                "uom",
                                "coordinateReferenceSystem",
                            )
                        ),
                    ),
                ),
            ),
        ),
    ),
)
_IGNORED = frozenset({"recordTime", "eventID", "type", "errorDeclaration"})
_PAIRED = frozenset({"bizTransactionList", "sourceList", "destinationList"})
_CBV_URNS = (
    ("urn:epcglobal:cbv:bizstep:", "BizStep-"),
    ("urn:epcglobal:cbv:disp:", "Disp-"),
    ("urn:epcglobal:cbv:btt:", "BTT-"),
    ("urn:epcglobal:cbv:sdt:", "SDT-"),
    ("urn:epcglobal:cbv:er:", "ER-"),
)

Node = tuple[str, str, list[Any]]


@functools.cache
def _words() -> dict[str, str]:
    table: dict[str, str] = {}
    for words in vocab().words.values():
        for word, iri in words.items():
            table.setdefault(word, iri)
    return table


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _namespaced(key: str, prefixes: dict[str, str], braces: bool) -> str:
    head, colon, tail = key.partition(":")
    if colon and head in prefixes:
        return ("{" + prefixes[head] + "}" + tail) if braces else prefixes[head] + tail
    return key


def _tree(value: Any, prefixes: dict[str, str], words: dict[str, str]) -> Node:
    """The XML-like (name, text, children) model of a JSON value."""
    if isinstance(value, dict):
        node: Node = (_scalar(value["type"]) if "type" in value else "", "", [])
        if "#text" in value:
            node = (node[0], _scalar(value["#text"]), node[2])
        for key, item in value.items():
            if key in ("#text", "rdfs:comment", "comment"):
                continue
            child = _tree(item, prefixes, words)
            name = _namespaced(key, prefixes, braces=True)
            if isinstance(item, list):
                node[2].extend((name, c[1], c[2]) for c in child[2])
            else:
                node[2].append((name, child[1], child[2]))
        if not any(k in value for k in ("bizTransaction", "source", "destination")):
            node[2].sort()
        return node
    if isinstance(value, list):
        return ("", "", [_tree(v, prefixes, words) for v in value])
    text = _scalar(value)
    if isinstance(value, str):
        text = words.get(text, _namespaced(text, prefixes, braces=False))
    return ("", text, [])


def _restructure(node: Node) -> Node:
    """Rename JSON list members to the XML binding's element names."""
    children = list(node[2])
    lists: dict[str, list[Node]] = {}
    for child in [c for c in children if isinstance(c[0], str) and c[0].endswith("List")]:
        lists.setdefault(child[0], []).append((child[0][:-4], child[1], child[2]))
        children.remove(child)
    for name, members in lists.items():
        if name in _PAIRED:
            children.append((name, "", [tuple(m[2][:2]) for m in members]))
        else:
            children.append((name, "", members))
    epcs = [c for c in children if c[0] == "childEPCs"]
    for c in epcs:
        children.remove(c)
    if epcs:
        children.append(("childEPCs", "", [("epc", c[1], []) for c in epcs]))
    fixed = [c if c[0] in _PAIRED else _restructure(c) for c in children]
    name = node[0]
    if name in ("inputEPC", "outputEPC"):
        name = "epc"
    elif name in ("inputQuantity", "outputQuantity", "childQuantity") or (name == "quantity" and fixed):
        name = "quantityElement"
    return (name, node[1], fixed)


def _time(text: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return text
    if moment.tzinfo is None:
        moment = moment.astimezone()
    moment = moment.astimezone(dt.UTC)
    micro = round(moment.microsecond, -3)
    if micro >= 1_000_000:
        moment, micro = moment.replace(microsecond=0) + dt.timedelta(seconds=1), 0
    return moment.replace(microsecond=micro).isoformat(timespec="milliseconds")[:-6] + "Z"


def _number(text: str) -> str:
    try:
        number = float(text)
    except ValueError:
        return text
    if number != number or number in (float("inf"), float("-inf")):
        return text
    return str(int(number)) if int(number) == number else str(number)


@functools.lru_cache(maxsize=1 << 16)
def _canonical(text: str) -> str:
    for urn, local in _CBV_URNS:
        text = text.replace(urn, "https://ref.gs1.org/cbv/" + local)
    text = _number(text)
    if text.startswith(("urn:epc:", "http://", "https://")):
        from trace_std.errors import TraceStdError
        from trace_std.gs1.epc import looks_like_digital_link, parse_epc

        try:
            epc = parse_epc(text)
        except TraceStdError:
            if looks_like_digital_link(text):  # a broken Digital Link: still one spelling per key
                return "https://id.gs1.org/" + text.split("/", 3)[3].partition("?")[0]
            return text
        if epc.level is not None and epc.canonical.startswith("https://id.gs1.org/"):
            return epc.canonical
    return text


def _element(node: Node, order: Any) -> str:
    inner = _ordered(node[2], order) if order else ""
    text = node[1].strip()
    if text:
        low = node[0].lower()
        text = "=" + (_time(text) if "time" in low and "offset" not in low else _canonical(text))
    if text or inner:
        return node[0] + text + inner
    return ""


def _is_extension(node: Any) -> bool:
    return isinstance(node, tuple) and isinstance(node[0], str) and "{" in node[0] and "/}" in node[0]


def _ordered(children: list[Any], order: Any) -> str:
    out = ""
    extensions: list[Any] = []
    if len(children) > 1 and not any(
        c[0] in ("eventTime", "action") for c in children if isinstance(c[0], str)
    ):
        extensions = [c for c in children if _is_extension(c)]
        for c in extensions:
            children.remove(c)
    for name, sub in order:
        values = []
        for child in [c for c in children if c[0] == name]:
            text = _element(child, sub)
            if text:
                values.append(text)
            if not child[2]:
                children.remove(child)
        values.sort()
        if "".join(values):
            out = "".join([out, *values]) if out else "".join(values)
    if extensions:
        out += _generic(extensions)
    return out


def _generic(children: list[Any]) -> str:
    parts = []
    for child in children:
        if isinstance(child, tuple) and child and isinstance(child[0], tuple):
            parts.append(_generic(list(child)))
            continue
        text = child[1].strip()
        if text:
            text = "=" + _canonical(text)
        parts.append(child[0] + text + _generic(child[2]))
    if len(children) > 1 and not any(c[0] in ("bizTransaction", "source", "destination") for c in children):
        parts.sort()
    return "".join(parts)


def _prefixes(context: Any) -> dict[str, str]:
    prefixes: dict[str, str] = {}
    if isinstance(context, list):
        for item in context:
            if isinstance(item, dict):
                prefixes.update({k: v for k, v in item.items() if isinstance(v, str)})
    elif context is not None and hasattr(context, "inline"):
        prefixes.update(context.inline)
    return prefixes


def pre_hash_string(event: dict[str, Any], *, context: Any = None) -> str:
    """The canonical string the event hash is computed from. ``context``: the document's
    ``@context`` (a list, as in the JSON) or a :class:`trace_std.events.Context`; an event's own
    ``@context`` is used when it has one."""
    if not isinstance(event, dict):
        raise TypeError("event must be a dict")
    if context is None and "@context" in event:
        context = event["@context"]
    prefixes = _prefixes(context)
    root = _restructure(_tree(event, prefixes, _words()))
    children = list(root[2])
    head = "eventType=" + _scalar(event.get("type", ""))
    ordered = _ordered(children, _ORDER)
    rest = [c for c in children if c[0] not in _IGNORED]
    return head + ordered + (_generic(rest) if rest else "")


def event_hash(event: dict[str, Any], *, context: Any = None, algorithm: str = "sha-256") -> str:
    """The CBV 2.0 event hash of ``event`` as an ``ni:`` URI.

    >>> event = {"type": "ObjectEvent", "action": "OBSERVE", "bizStep": "shipping",
    ...          "eventTime": "2005-04-03T20:33:31.116-06:00", "eventTimeZoneOffset": "-06:00",
    ...          "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"]}
    >>> pre_hash_string(event)[:81]
    'eventType=ObjectEventeventTime=2005-04-04T02:33:31.116ZeventTimeZoneOffset=-06:00'
    >>> event_hash(event)[:15], event_hash(event).endswith("?ver=CBV2.0")
    ('ni:///sha-256;0', True)
    """
    if algorithm not in HASH_ALGORITHMS:
        raise ValueError(f"algorithm must be one of {sorted(HASH_ALGORITHMS)}")
    digest = hashlib.new(HASH_ALGORITHMS[algorithm], pre_hash_string(event, context=context).encode("utf-8"))
    return f"ni:///{algorithm};{digest.hexdigest()}?ver=CBV2.0"
