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


# -- the direct path ----------------------------------------------------------------------------
# Most captured events have a plain shape: scalar standard fields, identifier lists, quantity
# elements, a read point and a business location with an ``id`` only, business transactions,
# sources and destinations, an ``ilmd`` of scalars and scalar extension fields. For those the
# pre-hash string is written directly, without building the XML-like tree; every other event
# takes the general path above. Both give the same string: ``tests/events/test_hashing.py``
# compares them on every reference event and on generated ones.
_DIRECT_SCALARS = ("eventTime", "eventTimeZoneOffset", "certificationInfo", "parentID")
_DIRECT_TAIL = ("action", "transformationID", "bizStep", "disposition")
_DIRECT_EPCS = ("epcList", "inputEPCList", "childEPCs")
_DIRECT_EPC_NAMES = frozenset((*_DIRECT_EPCS, "outputEPCList"))
_DIRECT_QTYS = ("quantityList", "childQuantityList", "inputQuantityList")
_DIRECT_POINTS = ("readPoint", "bizLocation")
_DIRECT_KEYS = frozenset(
    (
        *_DIRECT_SCALARS,
        *_DIRECT_TAIL,
        *_DIRECT_EPCS,
        *_DIRECT_QTYS,
        *_DIRECT_POINTS,
        *("outputEPCList", "outputQuantityList", "@context", "ilmd"),
        *_PAIRED,
        *_IGNORED,
    )
)
_PAIR_FIELD = {
    "bizTransactionList": "bizTransaction",
    "sourceList": "source",
    "destinationList": "destination",
}
_QTY_KEYS = frozenset({"epcClass", "quantity", "uom"})
_SKIPPED = frozenset({"#text", "rdfs:comment", "comment"})
# names the general path renames or groups, or that change how it sorts: a plain dict has none
_SPECIAL_NAMES = frozenset(
    {"inputEPC", "outputEPC", "inputQuantity", "outputQuantity", "childQuantity", "childEPCs", "type"}
    | {"bizTransaction", "source", "destination", "eventTime", "action"}
)


class _NotDirect(Exception):
    """The event is not of the plain shape: the general path hashes it."""


def _text(value: Any, prefixes: dict[str, str], words: dict[str, str]) -> str:
    """A scalar's stripped text as the general path's tree holds it."""
    if isinstance(value, str):
        return words.get(value, _namespaced(value, prefixes, braces=False)).strip()
    if isinstance(value, (bool, int, float)):
        return _scalar(value).strip()
    raise _NotDirect


def _pair(name: str, text: str) -> str:
    return name + "=" + _canonical(text) if text else name


def _plain_dict(obj: Any, prefixes: dict[str, str], words: dict[str, str]) -> str:
    """A dict of scalars in the rest of an event (``ilmd``, a ``@context`` item), sorted."""
    if not isinstance(obj, dict):
        raise _NotDirect
    parts = []
    for key, value in obj.items():
        if not isinstance(key, str) or key in _SKIPPED or key.endswith("List") or key in _SPECIAL_NAMES:
            raise _NotDirect
        name = _namespaced(key, prefixes, braces=True)
        if name.endswith("List") or name in _SPECIAL_NAMES:
            raise _NotDirect
        parts.append(_pair(name, _text(value, prefixes, words)))
    if len(parts) > 1:
        parts.sort()
    return "".join(parts)


def _direct(event: dict[str, Any], prefixes: dict[str, str]) -> str:
    """The pre-hash string of a plain event (see above); raises :class:`_NotDirect` otherwise."""
    words = _words()
    rest: list[str] = []
    for key, value in event.items():
        if key not in _DIRECT_KEYS:
            if (
                not isinstance(key, str)
                or ":" not in key
                or key in _SKIPPED
                or key.endswith("List")
                or isinstance(value, (dict, list))
            ):
                raise _NotDirect
            name = _namespaced(key, prefixes, braces=True)
            if name.endswith("List") or name in _SPECIAL_NAMES:
                raise _NotDirect
            rest.append(_pair(name, _text(value, prefixes, words)))
    if not isinstance(event.get("eventTime"), str):
        raise _NotDirect
    out = ["eventType=", _scalar(event.get("type", ""))]
    for name in _DIRECT_SCALARS:
        if name in event:
            text = _text(event[name], prefixes, words)
            if text:
                out.append(name + "=" + (_time(text) if name == "eventTime" else _canonical(text)))
    for name in (*_DIRECT_EPCS, *_DIRECT_QTYS, "outputEPCList", "outputQuantityList"):
        items = event.get(name)
        if items is None:
            continue
        if not isinstance(items, list):
            raise _NotDirect
        values = []
        for item in items:
            if name in _DIRECT_EPC_NAMES:
                if not isinstance(item, str):
                    raise _NotDirect
                text = _text(item, prefixes, words)
                if text:
                    values.append("epc=" + _canonical(text))
                continue
            if not isinstance(item, dict) or not item or not item.keys() <= _QTY_KEYS:
                raise _NotDirect
            inner = ""
            for field in ("epcClass", "quantity", "uom"):
                if field in item:
                    if isinstance(item[field], (dict, list)):
                        raise _NotDirect
                    text = _text(item[field], prefixes, words)
                    if text:
                        inner += field + "=" + _canonical(text)
            if inner:
                values.append("quantityElement" + inner)
        if values:
            values.sort()
            out.append(name + "".join(values))
    for name in _DIRECT_TAIL:
        if name in event:
            text = _text(event[name], prefixes, words)
            if text:
                out.append(name + "=" + _canonical(text))
    for name in _DIRECT_POINTS:
        if name in event:
            point = event[name]
            if not isinstance(point, dict) or point.keys() != {"id"} or not isinstance(point["id"], str):
                raise _NotDirect
            text = _text(point["id"], prefixes, words)
            if text:
                out.append(name + "id=" + _canonical(text))
    for name, field in _PAIR_FIELD.items():
        items = event.get(name)
        if items is None:
            continue
        if not isinstance(items, list):
            raise _NotDirect
        members = []
        for item in items:
            if not isinstance(item, dict) or field not in item or not item.keys() <= {"type", field}:
                raise _NotDirect
            members.append("".join(_pair(k, _text(v, prefixes, words)) for k, v in item.items()))
        if members:
            if len(members) > 1:
                members.sort()
            rest.append(name + "".join(members))
    if "ilmd" in event:
        ilmd = event["ilmd"]
        if not isinstance(ilmd, dict):
            raise _NotDirect
        rest.append("ilmd" + _plain_dict(ilmd, prefixes, words))
    if "@context" in event:
        rest.extend(_context_parts(event["@context"], prefixes, words))
    if len(rest) > 1:
        rest.sort()
    return "".join(out) + "".join(rest)


# the last ``@context`` rendered, by its ``repr`` (which tells 1, 1.0 and True apart), as one tuple
# replaced whole (safe across threads): every event of a document carries the same one
_last_context: list[tuple[str, tuple[str, ...]] | None] = [None]


def _context_parts(context: Any, prefixes: dict[str, str], words: dict[str, str]) -> list[str]:
    """The parts an event's own ``@context`` adds to its pre-hash string (the general path keeps it)."""
    key = repr((context, prefixes))
    last = _last_context[0]
    if last is not None and last[0] == key:
        return list(last[1])
    parts = _render_context(context, prefixes, words)
    _last_context[0] = (key, tuple(parts))
    return parts


def _render_context(context: Any, prefixes: dict[str, str], words: dict[str, str]) -> list[str]:
    items = context if isinstance(context, list) else [context]
    parts = []
    for item in items:
        if isinstance(item, dict):
            parts.append("@context" + _plain_dict(item, prefixes, words))
        else:
            parts.append(_pair("@context", _text(item, prefixes, words)))
    return parts


def pre_hash_string(event: dict[str, Any], *, context: Any = None) -> str:
    """The canonical string the event hash is computed from. ``context``: the document's
    ``@context`` (a list, as in the JSON) or a :class:`trace_std.events.Context`; an event's own
    ``@context`` is used when it has one."""
    if not isinstance(event, dict):
        raise TypeError("event must be a dict")
    if context is None and "@context" in event:
        context = event["@context"]
    prefixes = _prefixes(context)
    try:
        return _direct(event, prefixes)
    except _NotDirect:
        return _general(event, prefixes)


def _general(event: dict[str, Any], prefixes: dict[str, str]) -> str:
    """The pre-hash string through the XML-like tree: any event."""
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
