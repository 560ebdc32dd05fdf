"""The EPCIS 2.0 validator: structure, vocabularies, identifiers, JSON-LD namespacing, cross-field
rules and event hashes, over a stream of events.

Entry points (re-exported by :mod:`trace_std.events`): :func:`validate` (a whole input: path, bytes,
binary stream or an already parsed ``dict``) and :func:`validate_event` (one event ``dict``).
Both return a :class:`~trace_std.errors.Report` whose issues carry a stable ``epcis.…`` code (or the
GS1 engine's ``gs1.…``/``dl.…`` code for a broken Digital Link), a severity and, in ``field``, the
JSON Pointer of the offending value. ``Report.details`` has ``events`` (how many were read) and
``document_type``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from trace_std.errors import ErrorCode, Issue, Report, Severity, TraceStdError
from trace_std.events._syntax import TIMEZONE_OFFSET, Vocab, _json_type, is_uri, parse_time, vocab
from trace_std.events.reader import EVENT_TYPES, Document, read_document
from trace_std.gs1.epc import parse_epc

__all__ = ["MAX_ISSUES", "Context", "parse_context", "validate", "validate_event"]

MAX_ISSUES = 1000  # issues kept per input; the rest are counted in details["issues_dropped"]
E = ErrorCode
_NUMBER = (int, float, Decimal)

COMMON_FIELDS = frozenset(
    {
        "@context",
        "type",
        "eventTime",
        "recordTime",
        "eventTimeZoneOffset",
        "eventID",
        "certificationInfo",
        "errorDeclaration",
    }
)
EVENT_FIELDS: dict[str, frozenset[str]] = {
    "ObjectEvent": frozenset(
        {
            "action",
            "epcList",
            "quantityList",
            "bizStep",
            "disposition",
            "persistentDisposition",
            "readPoint",
            "bizLocation",
            "bizTransactionList",
            "sourceList",
            "destinationList",
            "sensorElementList",
            "ilmd",
        }
    ),
    "AggregationEvent": frozenset(
        {
            "parentID",
            "childEPCs",
            "childQuantityList",
            "action",
            "bizStep",
            "disposition",
            "readPoint",
            "bizLocation",
            "bizTransactionList",
            "sourceList",
            "destinationList",
            "sensorElementList",
        }
    ),
    "TransactionEvent": frozenset(
        {
            "bizTransactionList",
            "parentID",
            "epcList",
            "quantityList",
            "action",
            "bizStep",
            "disposition",
            "readPoint",
            "bizLocation",
            "sourceList",
            "destinationList",
            "sensorElementList",
        }
    ),
    "TransformationEvent": frozenset(
        {
            "inputEPCList",
            "inputQuantityList",
            "outputEPCList",
            "outputQuantityList",
            "transformationID",
            "bizStep",
            "disposition",
            "persistentDisposition",
            "readPoint",
            "bizLocation",
            "bizTransactionList",
            "sourceList",
            "destinationList",
            "sensorElementList",
            "ilmd",
        }
    ),
    "AssociationEvent": frozenset(
        {
            "parentID",
            "childEPCs",
            "childQuantityList",
            "action",
            "bizStep",
            "disposition",
            "readPoint",
            "bizLocation",
            "bizTransactionList",
            "sourceList",
            "destinationList",
            "sensorElementList",
        }
    ),
}
_ALL_EVENT_FIELDS = frozenset().union(*EVENT_FIELDS.values())
REQUIRED: dict[str, tuple[str, ...]] = {
    "ObjectEvent": ("action",),
    "AggregationEvent": ("action",),
    "TransactionEvent": ("bizTransactionList", "action"),
    "TransformationEvent": (),
    "AssociationEvent": ("action", "parentID"),
}
INSTANCE_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
QUANTITY_LISTS = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
SENSOR_METADATA = {
    "time": "time",
    "deviceID": "uri",
    "deviceMetadata": "uri",
    "rawData": "uri",
    "startTime": "time",
    "endTime": "time",
    "dataProcessingMethod": "uri",
    "bizRules": "uri",
}
SENSOR_REPORT = {
    "type": "measurementType",
    "exception": "sensorAlertType",
    "deviceID": "uri",
    "deviceMetadata": "uri",
    "rawData": "uri",
    "dataProcessingMethod": "uri",
    "bizRules": "uri",
    "time": "time",
    "microorganism": "uri",
    "chemicalSubstance": "uri",
    "coordinateReferenceSystem": "uri",
    "value": "number",
    "component": "component",
    "stringValue": "string",
    "booleanValue": "boolean",
    "hexBinaryValue": "hex",
    "uriValue": "uri",
    "minValue": "number",
    "maxValue": "number",
    "meanValue": "number",
    "sDev": "number",
    "percRank": "number",
    "percValue": "number",
    "uom": "unit",
}
DOCUMENT_FIELDS = frozenset(
    {
        "@context",
        "id",
        "type",
        "schemaVersion",
        "creationDate",
        "instanceIdentifier",
        "sender",
        "receiver",
        "epcisHeader",
        "epcisBody",
    }
)
QUERY_DOCUMENT_FIELDS = frozenset({"@context", "id", "type", "schemaVersion", "creationDate", "epcisBody"})
_JSONLD_KEYWORDS = frozenset(
    {
        "@id",
        "@type",
        "@value",
        "@language",
        "@list",
        "@set",
        "@context",
        "@index",
        "@direction",
        "@graph",
        "@nest",
        "@reverse",
        "@included",
        "@json",
    }
)
_HASH_PREFIX = "ni:///"


def _esc(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class Context:
    """The JSON-LD prefixes and terms in force (document ``@context`` plus an event's own)."""

    __slots__ = ("has_epcis", "inline", "prefixes", "terms")

    def __init__(
        self,
        prefixes: dict[str, str] | None = None,
        terms: dict[str, str] | None = None,
        has_epcis: bool = False,
        inline: dict[str, str] | None = None,
    ) -> None:
        self.prefixes = dict(prefixes or {})
        self.terms = dict(terms or {})
        self.has_epcis = has_epcis
        self.inline = dict(inline or {})  # the prefixes declared in the input's own context objects

    def copy(self) -> Context:
        return Context(self.prefixes, self.terms, self.has_epcis, self.inline)

    def expand(self, key: str) -> str | None:
        """The IRI a key stands for (``None`` for a key that is neither a term, a compact IRI with a
        declared prefix nor an absolute IRI)."""
        if key in self.terms:
            return self.terms[key]
        prefix, colon, rest = key.partition(":")
        if not colon:
            return None
        if prefix in self.prefixes:
            return self.prefixes[prefix] + rest
        if rest.startswith("//") or prefix in ("urn", "http", "https", "tag", "did", "ni"):
            return key
        return None


class _Checker:
    """Collects issues for one input; the event loop calls :meth:`event` once per event."""

    def __init__(self, report: Report, *, check_hashes: bool = True) -> None:
        self.v: Vocab = vocab()
        self.report = report
        self.dropped = 0
        self.check_hashes = check_hashes
        self.ids = _DuplicateIds()
        self.doc_ctx: Context | None = None

    # -- reporting ---------------------------------------------------------------------------
    def issue(
        self,
        code: ErrorCode | str,
        pointer: str,
        message: str,
        severity: Severity = Severity.ERROR,
        /,
        **context: Any,
    ) -> None:
        if len(self.report.issues) >= MAX_ISSUES:
            self.dropped += 1
            return
        self.report.issues.append(Issue(str(code), severity, message, None, pointer, context))

    def type_error(self, pointer: str, value: Any, expected: str) -> None:
        self.issue(
            E.EPCIS_FIELD_TYPE,
            pointer,
            f"expected {expected}, found {_json_type(value)}",
            expected=expected,
            actual=_json_type(value),
        )

    # -- contexts ----------------------------------------------------------------------------
    def context(self, value: Any, pointer: str, parent: Context | None) -> Context:
        ctx = parent.copy() if parent is not None else Context()
        items = value if isinstance(value, list) else [value]
        if isinstance(value, list):
            seen: list[Any] = []
            for i, item in enumerate(value):
                if item in seen:
                    self.issue(E.EPCIS_FIELD_DUPLICATE, f"{pointer}/{i}", "the same @context entry twice")
                seen.append(item)
        for i, item in enumerate(items):
            where = f"{pointer}/{i}" if isinstance(value, list) else pointer
            if isinstance(item, str):
                if not is_uri(item):
                    self.issue(E.EPCIS_URI_INVALID, where, f"@context entry {item!r} is not an absolute URI")
                elif item in self.v.contexts:
                    ctx.has_epcis = True
                    ctx.prefixes.update(self.v.prefixes)
                else:
                    self.issue(
                        E.EPCIS_CONTEXT_UNKNOWN,
                        where,
                        f"context {item!r} is not shipped with trace_std and"
                        " is never fetched: its terms are unknown",
                        Severity.WARNING,
                        url=item,
                    )
            elif isinstance(item, dict):
                for term, definition in item.items():
                    if term.startswith("@"):
                        continue
                    iri: Any = definition.get("@id") if isinstance(definition, dict) else definition
                    if isinstance(definition, dict) and iri is None and ":" in term:
                        continue  # a type coercion for a compact IRI term (``ex:f: {"@type": "@id"}``)
                    if not isinstance(iri, str):
                        self.issue(
                            E.EPCIS_CONTEXT_INVALID,
                            f"{where}/{_esc(term)}",
                            f"term {term!r} must map to an IRI",
                        )
                        continue
                    expanded = (
                        ctx.expand(iri) if ":" in iri and not iri.partition(":")[2].startswith("//") else iri
                    )
                    expanded = expanded or iri
                    if ":" in term:
                        ctx.terms[term] = expanded
                    else:
                        ctx.prefixes[term] = expanded
                        ctx.terms[term] = expanded
                        ctx.inline[term] = expanded
            else:
                self.type_error(where, item, "a context URL or object")
        return ctx

    def extension_key(self, key: str, pointer: str, ctx: Context) -> None:
        """A key that is not a standard field: an absolute URI / compact IRI with a declared prefix."""
        if key.startswith("@"):
            self.issue(E.EPCIS_FIELD_UNKNOWN, pointer, f"{key!r}: a JSON-LD keyword is not allowed here")
            return
        if key in ctx.terms and ":" not in key:
            return
        if ":" not in key or not is_uri(key):
            self.issue(
                E.EPCIS_FIELD_UNKNOWN,
                pointer,
                f"{key!r} is not a standard field here, and an extension field must be namespaced"
                " (prefix:name with the prefix declared in @context, or an absolute IRI)",
                field=key,
            )
            return
        if ctx.expand(key) is None:
            prefix = key.partition(":")[0]
            self.issue(
                E.EPCIS_EXTENSION_PREFIX,
                pointer,
                f"prefix {prefix!r} is not declared in @context",
                prefix=prefix,
            )

    def extension_value(self, value: Any, pointer: str, ctx: Context, depth: int = 0) -> None:
        if depth > 32:
            return
        if isinstance(value, dict):
            for key, item in value.items():
                where = f"{pointer}/{_esc(key)}"
                if not key.startswith("@"):
                    self.extension_key(key, where, ctx)
                self.extension_value(item, where, ctx, depth + 1)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                self.extension_value(item, f"{pointer}/{i}", ctx, depth + 1)

    def object_keys(
        self,
        obj: dict[str, Any],
        pointer: str,
        allowed: frozenset[str] | dict[str, str],
        ctx: Context,
        *,
        closed: bool = False,
    ) -> None:
        for key, value in obj.items():
            if key in allowed:
                continue
            where = f"{pointer}/{_esc(key)}"
            if closed:
                self.issue(
                    E.EPCIS_FIELD_UNKNOWN, where, f"{key!r} is not allowed here (no extensions)", field=key
                )
                continue
            self.extension_key(key, where, ctx)
            self.extension_value(value, where, ctx)

    # -- values --------------------------------------------------------------------------------
    def uri(self, value: Any, pointer: str) -> bool:
        if not isinstance(value, str):
            self.type_error(pointer, value, "a URI string")
            return False
        if not is_uri(value):
            self.issue(E.EPCIS_URI_INVALID, pointer, f"{value[:80]!r} is not an absolute URI")
            return False
        return True

    def time(self, value: Any, pointer: str) -> int | None:
        if not isinstance(value, str):
            self.type_error(pointer, value, "an RFC 3339 timestamp")
            return None
        moment = parse_time(value)
        if moment is None:
            self.issue(
                E.EPCIS_TIME_FORMAT,
                pointer,
                f"{value[:40]!r} is not an RFC 3339 timestamp with T, seconds"
                " and an offset (2025-08-12T07:30:00+07:00)",
            )
        return moment

    def word(self, value: Any, pointer: str, vocabulary: str) -> None:
        if not isinstance(value, str):
            self.type_error(pointer, value, f"a {vocabulary} word or URI")
            return
        words = self.v.words[vocabulary]
        if value in words:
            return
        gs1_voc = vocabulary in ("measurementType", "sensorAlertType")
        namespaces = self.v.gs1_voc_namespaces if gs1_voc else self.v.cbv_namespaces
        if is_uri(value):
            if value.startswith(namespaces):
                if value in self.v.iris[vocabulary] and not value.startswith(
                    ("urn:epcglobal:cbv", "http://ns.gs1.org", "https://ns.gs1.org")
                ):
                    return
                self.issue(
                    E.EPCIS_VOCAB_CBV_URI,
                    pointer,
                    f"{value!r} is in a {'GS1' if gs1_voc else 'CBV'}"
                    f" namespace but is not written as a {vocabulary} bare word from the list",
                    vocabulary=vocabulary,
                )
            return
        self.issue(
            E.EPCIS_VOCAB_UNKNOWN,
            pointer,
            f"{value!r} is not a CBV 2.0 {vocabulary} (use a listed bare"
            " word, or an absolute URI of your own)",
            vocabulary=vocabulary,
        )

    def epc(self, value: Any, pointer: str, want: str) -> None:
        """``want``: ``instance``, ``class``, ``location`` or a source/destination type."""
        if not self.uri(value, pointer):
            return
        epc = _parse_epc(value)
        if isinstance(epc, TraceStdError):
            self.issue(epc.code, pointer, epc.message, span=list(epc.span) if epc.span else None)
            return
        if epc.level is None:
            return
        if want == "instance" and epc.level != "instance":
            self.issue(
                E.EPCIS_EPC_LEVEL,
                pointer,
                f"{value!r} names a class of objects; this list wants instance-"
                "level identifiers (a serialised key)",
                expected="instance",
                actual=epc.level,
            )
        elif want == "class" and epc.level == "instance":
            self.issue(
                E.EPCIS_EPC_LEVEL,
                pointer,
                f"{value!r} names one instance; epcClass wants a class (GTIN, GTIN + lot, or a pattern)",
                expected="class",
                actual="instance",
            )
        elif want == "location" and epc.kind != "location":
            self.issue(
                E.EPCIS_EPC_KEY_TYPE,
                pointer,
                f"{value!r} is a GS1 {epc.kind} key; a location wants an SGLN / GLN (414)",
                expected="location",
                actual=epc.kind,
            )
        elif want in ("owning_party", "possessing_party") and epc.kind not in ("party", "location"):
            self.issue(
                E.EPCIS_EPC_KEY_TYPE,
                pointer,
                f"{value!r} is a GS1 {epc.kind} key; a {want} wants a PGLN (417) or GLN",
                expected="party",
                actual=epc.kind,
            )
        elif want == "location_type" and epc.kind != "location":
            self.issue(
                E.EPCIS_EPC_KEY_TYPE,
                pointer,
                f"{value!r} is a GS1 {epc.kind} key; a location wants an SGLN / GLN (414)",
                expected="location",
                actual=epc.kind,
            )

    def array(
        self, value: Any, pointer: str, *, min_items: int = 0, unique: bool = False
    ) -> list[Any] | None:
        if not isinstance(value, list):
            self.type_error(pointer, value, "an array")
            return None
        if len(value) < min_items:
            self.issue(E.EPCIS_FIELD_EMPTY, pointer, f"needs at least {min_items} item(s)")
        if unique and len(value) > 1:
            seen: set[Any] = set()
            for i, item in enumerate(value):
                key = item if isinstance(item, str) else repr(item)
                if key in seen:
                    self.issue(E.EPCIS_FIELD_DUPLICATE, f"{pointer}/{i}", "repeats an earlier item")
                seen.add(key)
        return value

    def obj(self, value: Any, pointer: str) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.type_error(pointer, value, "an object")
            return None
        return value

    def required(self, obj: dict[str, Any], pointer: str, *names: str) -> None:
        for name in names:
            if name not in obj:
                self.issue(E.EPCIS_FIELD_REQUIRED, f"{pointer}/{name}", f"{name} is required here")

    # -- parts of an event -------------------------------------------------------------------------
    def quantity_list(self, value: Any, pointer: str, min_items: int = 0) -> None:
        items = self.array(value, pointer, min_items=min_items)
        for i, item in enumerate(items or ()):
            where = f"{pointer}/{i}"
            element = self.obj(item, where)
            if element is None:
                continue
            self.required(element, where, "epcClass")
            for key in element:
                if key not in ("epcClass", "quantity", "uom"):
                    self.issue(
                        E.EPCIS_FIELD_UNKNOWN,
                        f"{where}/{_esc(key)}",
                        f"{key!r} is not allowed in a quantity element (epcClass, quantity, uom)",
                        field=key,
                    )
            if "epcClass" in element:
                self.epc(element["epcClass"], f"{where}/epcClass", "class")
            quantity = element.get("quantity")
            if "quantity" in element:
                if not isinstance(quantity, _NUMBER) or isinstance(quantity, bool):
                    self.type_error(f"{where}/quantity", quantity, "a number")
                    quantity = None
                elif quantity < 0 or quantity != quantity:
                    self.issue(E.EPCIS_QUANTITY_INVALID, f"{where}/quantity", "a quantity cannot be negative")
            if "uom" in element:
                self.unit(element["uom"], f"{where}/uom", pattern=True)
                if "quantity" not in element:
                    self.issue(
                        E.EPCIS_UOM_WITHOUT_QUANTITY, f"{where}/uom", "uom is given without a quantity"
                    )
            elif isinstance(quantity, _NUMBER) and quantity == quantity and quantity != int(quantity):
                self.issue(
                    E.EPCIS_QUANTITY_INVALID,
                    f"{where}/quantity",
                    "without uom the quantity is a count of instances and must be a whole number",
                )

    def unit(self, value: Any, pointer: str, *, pattern: bool) -> None:
        if not isinstance(value, str):
            self.type_error(pointer, value, "a UN/CEFACT Rec 20 unit code")
            return
        if pattern and not (
            2 <= len(value) <= 3 and value.isascii() and value.isalnum() and value.upper() == value
        ):
            self.issue(
                E.EPCIS_VALUE_INVALID, pointer, f"{value!r} is not a 2-3 character unit code (A-Z, 0-9)"
            )
            return
        if value not in self.v.units:
            why = "was deleted from" if value in self.v.deleted_units else "is not in"
            self.issue(
                E.EPCIS_UOM_UNKNOWN, pointer, f"{value!r} {why} UN/CEFACT Recommendation 20", unit=value
            )

    def point(self, value: Any, pointer: str, ctx: Context) -> None:
        element = self.obj(value, pointer)
        if element is None:
            return
        self.required(element, pointer, "id")
        if "id" in element:
            self.epc(element["id"], f"{pointer}/id", "location")
        self.object_keys(element, pointer, frozenset({"id"}), ctx)

    def biz_transactions(self, value: Any, pointer: str, min_items: int = 0) -> None:
        for i, item in enumerate(self.array(value, pointer, min_items=min_items) or ()):
            where = f"{pointer}/{i}"
            element = self.obj(item, where)
            if element is None:
                continue
            self.required(element, where, "bizTransaction")
            self.object_keys(element, where, frozenset({"type", "bizTransaction"}), Context(), closed=True)
            if "type" in element:
                self.word(element["type"], f"{where}/type", "bizTransactionType")
            if "bizTransaction" in element:
                self.uri(element["bizTransaction"], f"{where}/bizTransaction")

    def source_dest(self, value: Any, pointer: str, name: str) -> None:
        for i, item in enumerate(self.array(value, pointer) or ()):
            where = f"{pointer}/{i}"
            element = self.obj(item, where)
            if element is None:
                continue
            self.required(element, where, "type", name)
            self.object_keys(element, where, frozenset({"type", name}), Context(), closed=True)
            kind = element.get("type")
            if "type" in element:
                self.word(kind, f"{where}/type", "sourceDestType")
            if name in element:
                want = {
                    "owning_party": "owning_party",
                    "possessing_party": "possessing_party",
                    "location": "location_type",
                }.get(kind if isinstance(kind, str) else "", "any")
                self.epc(element[name], f"{where}/{name}", want)

    def persistent_disposition(self, value: Any, pointer: str) -> None:
        element = self.obj(value, pointer)
        if element is None:
            return
        if "set" not in element and "unset" not in element:
            self.issue(E.EPCIS_FIELD_REQUIRED, f"{pointer}/set", "persistentDisposition needs set or unset")
        self.object_keys(element, pointer, frozenset({"set", "unset"}), Context(), closed=True)
        for part in ("set", "unset"):
            if part in element:
                for i, item in enumerate(
                    self.array(element[part], f"{pointer}/{part}", min_items=1, unique=True) or ()
                ):
                    self.word(item, f"{pointer}/{part}/{i}", "disposition")

    def sensors(self, value: Any, pointer: str, ctx: Context, min_items: int = 0) -> None:
        for i, item in enumerate(self.array(value, pointer, min_items=min_items) or ()):
            where = f"{pointer}/{i}"
            element = self.obj(item, where)
            if element is None:
                continue
            self.required(element, where, "sensorReport")
            self.object_keys(element, where, frozenset({"sensorMetadata", "sensorReport"}), ctx)
            if "sensorMetadata" in element:
                meta = self.obj(element["sensorMetadata"], f"{where}/sensorMetadata")
                if meta is not None:
                    self.typed_fields(meta, f"{where}/sensorMetadata", SENSOR_METADATA, ctx)
                    self.time_window(meta, f"{where}/sensorMetadata")
            if "sensorReport" in element:
                reports = self.array(element["sensorReport"], f"{where}/sensorReport", min_items=1)
                for j, report in enumerate(reports or ()):
                    rw = f"{where}/sensorReport/{j}"
                    rep = self.obj(report, rw)
                    if rep is None:
                        continue
                    self.required(rep, rw, "type")
                    self.typed_fields(rep, rw, SENSOR_REPORT, ctx)
                    lo, hi = rep.get("minValue"), rep.get("maxValue")
                    if (
                        isinstance(lo, _NUMBER)
                        and isinstance(hi, _NUMBER)
                        and not isinstance(lo, bool)
                        and not isinstance(hi, bool)
                        and lo > hi
                    ):
                        self.issue(
                            E.EPCIS_VALUE_INVALID, f"{rw}/minValue", "minValue is greater than maxValue"
                        )

    def time_window(self, meta: dict[str, Any], pointer: str) -> None:
        start, end = meta.get("startTime"), meta.get("endTime")
        if isinstance(start, str) and isinstance(end, str):
            s, e = parse_time(start), parse_time(end)
            if s is not None and e is not None and e < s:
                self.issue(E.EPCIS_TIME_ORDER, f"{pointer}/endTime", "endTime is before startTime")

    def typed_fields(self, obj: dict[str, Any], pointer: str, spec: dict[str, str], ctx: Context) -> None:
        for key, value in obj.items():
            kind = spec.get(key)
            where = f"{pointer}/{_esc(key)}"
            if kind is None:
                self.extension_key(key, where, ctx)
                self.extension_value(value, where, ctx)
            elif kind == "uri":
                self.uri(value, where)
            elif kind == "time":
                self.time(value, where)
            elif kind == "number":
                if not isinstance(value, _NUMBER) or isinstance(value, bool):
                    self.type_error(where, value, "a number")
            elif kind == "string":
                if not isinstance(value, str):
                    self.type_error(where, value, "a string")
            elif kind == "boolean":
                if not isinstance(value, bool):
                    self.type_error(where, value, "true or false")
            elif kind == "hex":
                if not isinstance(value, str):
                    self.type_error(where, value, "hexadecimal digits")
                elif not value or any(c not in "0123456789abcdefABCDEF" for c in value):
                    self.issue(E.EPCIS_VALUE_INVALID, where, "hexBinaryValue must be hexadecimal digits")
            elif kind == "unit":
                self.unit(value, where, pattern=False)
            else:
                self.word(value, where, kind)

    def error_declaration(
        self, value: Any, pointer: str, event: dict[str, Any], ctx: Context, event_time: int | None
    ) -> None:
        element = self.obj(value, pointer)
        if element is None:
            return
        self.required(element, pointer, "declarationTime")
        self.object_keys(
            element, pointer, frozenset({"declarationTime", "reason", "correctiveEventIDs"}), ctx
        )
        if "declarationTime" in element:
            self.time(element["declarationTime"], f"{pointer}/declarationTime")
        if "reason" in element:
            self.word(element["reason"], f"{pointer}/reason", "errorReason")
        own = event.get("eventID")
        if "correctiveEventIDs" in element:
            ids = self.array(element["correctiveEventIDs"], f"{pointer}/correctiveEventIDs")
            for i, item in enumerate(ids or ()):
                if self.uri(item, f"{pointer}/correctiveEventIDs/{i}") and item == own:
                    self.issue(
                        E.EPCIS_ERROR_DECLARATION_SELF,
                        f"{pointer}/correctiveEventIDs/{i}",
                        "an event cannot be its own corrective event",
                    )
        if "eventID" not in event:
            self.issue(
                E.EPCIS_ERROR_DECLARATION_EVENT_ID,
                pointer,
                "an error declaration repeats the erroneous "
                "event; without that event's eventID nobody can tell which event it corrects",
                Severity.WARNING,
            )

    # -- one event ---------------------------------------------------------------------------------------
    def event(self, event: Any, pointer: str, doc_ctx: Context | None, *, bare: bool = False) -> None:
        if not isinstance(event, dict):
            self.type_error(pointer, event, "an event object")
            return
        ctx = doc_ctx
        if "@context" in event:
            ctx = self.context(event["@context"], f"{pointer}/@context", doc_ctx)
        elif bare:
            self.issue(E.EPCIS_CONTEXT_MISSING, f"{pointer}/@context", "a bare event needs its own @context")
        if ctx is None:
            ctx = Context()
        kind = event.get("type")
        if kind is None:
            self.issue(E.EPCIS_FIELD_REQUIRED, f"{pointer}/type", "type is required")
        elif not isinstance(kind, str):
            self.type_error(f"{pointer}/type", kind, "an event type")
            kind = None
        standard = kind in EVENT_FIELDS
        if kind is not None and not standard:
            if not is_uri(kind):
                self.issue(
                    E.EPCIS_DOCUMENT_TYPE,
                    f"{pointer}/type",
                    f"{kind!r} is not an EPCIS event type nor an extension event type URI",
                    expected=sorted(EVENT_TYPES),
                )
            else:
                self.extension_key(kind, f"{pointer}/type", ctx)
        fields = EVENT_FIELDS.get(kind or "", frozenset())
        self.required(event, pointer, "eventTime", "eventTimeZoneOffset")
        if standard:
            assert kind is not None
            self.required(event, pointer, *REQUIRED[kind])
        for key, value in event.items():
            if key in COMMON_FIELDS or key in fields:
                continue
            where = f"{pointer}/{_esc(key)}"
            if standard and key in _ALL_EVENT_FIELDS:
                self.issue(E.EPCIS_FIELD_UNKNOWN, where, f"{key!r} is not a field of {kind}", field=key)
                continue
            self.extension_key(key, where, ctx)
            self.extension_value(value, where, ctx)
        event_time = self.time(event["eventTime"], f"{pointer}/eventTime") if "eventTime" in event else None
        if "recordTime" in event:
            record_time = self.time(event["recordTime"], f"{pointer}/recordTime")
            if record_time is not None and event_time is not None and record_time < event_time:
                self.issue(E.EPCIS_TIME_ORDER, f"{pointer}/recordTime", "recordTime is before eventTime")
        if "eventTimeZoneOffset" in event:
            offset = event["eventTimeZoneOffset"]
            if not isinstance(offset, str):
                self.type_error(f"{pointer}/eventTimeZoneOffset", offset, "a time-zone offset")
            elif not TIMEZONE_OFFSET.fullmatch(offset):
                self.issue(
                    E.EPCIS_TIMEZONE_FORMAT,
                    f"{pointer}/eventTimeZoneOffset",
                    f"{offset!r} is not a time-zone offset from -13:59 to +14:00 (+07:00)",
                )
        if "eventID" in event:
            event_id = event["eventID"]
            if self.uri(event_id, f"{pointer}/eventID"):
                self.ids.add(event_id, f"{pointer}/eventID", self)
                if self.check_hashes and event_id.startswith(_HASH_PREFIX):
                    self.hash_check(event, event_id, f"{pointer}/eventID", ctx)
        if "certificationInfo" in event:
            info = event["certificationInfo"]
            if isinstance(info, list):
                for i, item in enumerate(info):
                    self.uri(item, f"{pointer}/certificationInfo/{i}")
            else:
                self.uri(info, f"{pointer}/certificationInfo")
        if "errorDeclaration" in event:
            self.error_declaration(
                event["errorDeclaration"], f"{pointer}/errorDeclaration", event, ctx, event_time
            )
        if not standard:
            return
        self.body(event, pointer, kind or "", ctx)

    def body(self, event: dict[str, Any], pointer: str, kind: str, ctx: Context) -> None:
        action = event.get("action")
        if "action" in event and action not in ("ADD", "OBSERVE", "DELETE"):
            self.issue(
                E.EPCIS_VALUE_INVALID,
                f"{pointer}/action",
                f"action must be ADD, OBSERVE or DELETE, not {str(action)[:20]!r}",
                expected=["ADD", "OBSERVE", "DELETE"],
            )
        for name in INSTANCE_LISTS:
            if name in event:
                unique = name != "childEPCs"
                items = self.array(event[name], f"{pointer}/{name}", unique=unique)
                for i, item in enumerate(items or ()):
                    self.epc(item, f"{pointer}/{name}/{i}", "instance")
        for name in QUANTITY_LISTS:
            if name in event:
                self.quantity_list(event[name], f"{pointer}/{name}")
        if "parentID" in event:
            self.epc(event["parentID"], f"{pointer}/parentID", "instance")
        if "transformationID" in event:
            self.uri(event["transformationID"], f"{pointer}/transformationID")
        if "bizStep" in event:
            self.word(event["bizStep"], f"{pointer}/bizStep", "bizStep")
        if "disposition" in event:
            self.word(event["disposition"], f"{pointer}/disposition", "disposition")
        if "persistentDisposition" in event:
            self.persistent_disposition(event["persistentDisposition"], f"{pointer}/persistentDisposition")
        for name in ("readPoint", "bizLocation"):
            if name in event:
                self.point(event[name], f"{pointer}/{name}", ctx)
        if "bizTransactionList" in event:
            self.biz_transactions(
                event["bizTransactionList"],
                f"{pointer}/bizTransactionList",
                1 if kind == "TransactionEvent" else 0,
            )
        if "sourceList" in event:
            self.source_dest(event["sourceList"], f"{pointer}/sourceList", "source")
        if "destinationList" in event:
            self.source_dest(event["destinationList"], f"{pointer}/destinationList", "destination")
        if "sensorElementList" in event:
            self.sensors(event["sensorElementList"], f"{pointer}/sensorElementList", ctx)
        if "ilmd" in event:
            ilmd = self.obj(event["ilmd"], f"{pointer}/ilmd")
            if ilmd is not None:
                self.object_keys(ilmd, f"{pointer}/ilmd", frozenset(), ctx)
            if kind == "ObjectEvent" and action != "ADD":
                self.issue(
                    E.EPCIS_ILMD_ACTION,
                    f"{pointer}/ilmd",
                    "ilmd (instance/lot master data) is only allowed when an ObjectEvent's action is ADD",
                )
        self.what(event, pointer, kind, action)

    def what(self, event: dict[str, Any], pointer: str, kind: str, action: Any) -> None:
        def filled(name: str) -> bool:
            value = event.get(name)
            return isinstance(value, list) and len(value) > 0

        if kind == "ObjectEvent":
            sensors_at_point = filled("sensorElementList") and "readPoint" in event
            if "epcList" not in event and not filled("quantityList") and not sensors_at_point:
                self.issue(
                    E.EPCIS_WHAT_MISSING,
                    f"{pointer}/epcList",
                    "an ObjectEvent needs an epcList or a"
                    " non-empty quantityList (or sensor data at a readPoint)",
                )
        elif kind in ("AggregationEvent", "AssociationEvent"):
            if not filled("childEPCs") and not filled("childQuantityList") and action != "DELETE":
                self.issue(
                    E.EPCIS_WHAT_MISSING,
                    f"{pointer}/childEPCs",
                    f"an {kind} needs childEPCs or a childQuantityList unless its action is DELETE",
                )
            if kind == "AggregationEvent" and action in ("ADD", "DELETE") and "parentID" not in event:
                self.issue(
                    E.EPCIS_PARENT_MISSING,
                    f"{pointer}/parentID",
                    f"an AggregationEvent with action {action} needs a parentID",
                )
        elif kind == "TransactionEvent":
            if "epcList" not in event and not filled("quantityList") and action != "DELETE":
                self.issue(
                    E.EPCIS_WHAT_MISSING,
                    f"{pointer}/epcList",
                    "a TransactionEvent needs an epcList or a quantityList unless its action is DELETE",
                )
        elif kind == "TransformationEvent":
            inputs = filled("inputEPCList") or filled("inputQuantityList")
            outputs = filled("outputEPCList") or filled("outputQuantityList")
            if not ((inputs and outputs) or ((inputs or outputs) and "transformationID" in event)):
                self.issue(
                    E.EPCIS_TRANSFORMATION_INCOMPLETE,
                    f"{pointer}/inputEPCList",
                    "a TransformationEvent needs"
                    " inputs and outputs, or inputs or outputs with a transformationID",
                )

    def hash_check(self, event: dict[str, Any], event_id: str, pointer: str, ctx: Context) -> None:
        from trace_std.events.hashing import HASH_ALGORITHMS, event_hash

        algorithm = event_id[len(_HASH_PREFIX) :].partition(";")[0]
        if algorithm not in HASH_ALGORITHMS or "?ver=CBV2.0" not in event_id:
            return
        try:
            expected = event_hash(event, context=ctx, algorithm=algorithm)
        except (TraceStdError, TypeError, ValueError, KeyError):
            return
        if expected.partition("?")[0] != event_id.partition("?")[0]:
            self.issue(
                E.EPCIS_EVENT_ID_HASH_MISMATCH,
                pointer,
                "eventID is a CBV 2.0 event hash that does not match the event's content",
                Severity.WARNING,
                expected=expected,
            )

    # -- documents ---------------------------------------------------------------------------------------
    def document(self, doc: Document, on_event: Callable[[int], None] | None) -> int:
        header = doc.header
        if doc.kind == "event":
            for pointer, event in doc.events():
                self.event(event, pointer, None, bare=True)
            self.ids.finish(self, doc)
            return 1
        if doc.kind is None:
            top = header.get("type") if isinstance(header, dict) else None
            if top is None and isinstance(header, dict) and "" not in header:
                self.issue(
                    E.EPCIS_FIELD_REQUIRED,
                    "/type",
                    "type is required (EPCISDocument, EPCISQueryDocument or an event type)",
                )
            else:
                self.issue(
                    E.EPCIS_DOCUMENT_TYPE,
                    "/type" if isinstance(header, dict) and "" not in header else "",
                    f"not an EPCIS document or event: type {str(top)[:40]!r}",
                )
            return 0
        ctx = None
        if "@context" in header:
            ctx = self.context(header["@context"], "/@context", None)
        else:
            self.issue(E.EPCIS_FIELD_REQUIRED, "/@context", "@context is required")
        if ctx is None:
            ctx = Context()
        self.doc_ctx = ctx
        query = doc.kind == "EPCISQueryDocument"
        self.required(
            header,
            "",
            *(("type", "epcisBody") if query else ("type", "schemaVersion", "creationDate", "epcisBody")),
        )
        self.object_keys(header, "", QUERY_DOCUMENT_FIELDS if query else DOCUMENT_FIELDS, ctx)
        if "id" in header:
            self.uri(header["id"], "/id")
        if "schemaVersion" in header:
            version = header["schemaVersion"]
            if not isinstance(version, str):
                self.type_error("/schemaVersion", version, "a version string")
            elif not all(part.isdigit() and part.isascii() for part in version.split(".")):
                self.issue(
                    E.EPCIS_VALUE_INVALID, "/schemaVersion", f"schemaVersion {version!r} is not like 2.0"
                )
        if "creationDate" in header:
            self.time(header["creationDate"], "/creationDate")
        for name in ("instanceIdentifier", "sender", "receiver"):
            if name in header and not query and not isinstance(header[name], str):
                self.type_error(f"/{name}", header[name], "a string")
        if "epcisHeader" in header and not query:
            self.epcis_header(header["epcisHeader"], ctx)
        body = header.get("epcisBody")
        if "epcisBody" in header and self.obj(body, "/epcisBody") is not None:
            assert isinstance(body, dict)
            if query:
                self.required(body, "/epcisBody", "queryResults")
                self.object_keys(body, "/epcisBody", frozenset({"queryResults"}), ctx)
                results = body.get("queryResults")
                if "queryResults" in body and self.obj(results, "/epcisBody/queryResults") is not None:
                    assert isinstance(results, dict)
                    where = "/epcisBody/queryResults"
                    self.required(results, where, "queryName", "resultsBody")
                    self.object_keys(
                        results, where, frozenset({"queryName", "subscriptionID", "resultsBody"}), ctx
                    )
                    for name in ("queryName", "subscriptionID"):
                        if name in results and not isinstance(results[name], str):
                            self.type_error(f"{where}/{name}", results[name], "a string")
                    rb = results.get("resultsBody")
                    if "resultsBody" in results and self.obj(rb, f"{where}/resultsBody") is not None:
                        assert isinstance(rb, dict)
                        self.required(rb, f"{where}/resultsBody", "eventList")
                        self.object_keys(
                            rb, f"{where}/resultsBody", frozenset({"eventList", "vocabularyList"}), ctx
                        )
                        if "vocabularyList" in rb:
                            self.vocabulary_list(rb["vocabularyList"], f"{where}/resultsBody/vocabularyList")
                        if "eventList" in rb:
                            self.array(rb["eventList"], f"{where}/resultsBody/eventList")
            else:
                self.required(body, "/epcisBody", "eventList")
                self.object_keys(body, "/epcisBody", frozenset({"eventList"}), ctx)
                if "eventList" in body:
                    self.array(body["eventList"], "/epcisBody/eventList")
        count = 0
        for pointer, event in doc.events():
            self.event(event, pointer, ctx)
            count += 1
            if on_event is not None and count % 10000 == 0:
                on_event(count)
        self.ids.finish(self, doc)
        return count

    def epcis_header(self, value: Any, ctx: Context) -> None:
        header = self.obj(value, "/epcisHeader")
        if header is None:
            return
        self.object_keys(header, "/epcisHeader", frozenset({"epcisMasterData"}), ctx)
        if "epcisMasterData" in header:
            master = self.obj(header["epcisMasterData"], "/epcisHeader/epcisMasterData")
            if master is not None and "vocabularyList" in master:
                self.vocabulary_list(master["vocabularyList"], "/epcisHeader/epcisMasterData/vocabularyList")

    def vocabulary_list(self, value: Any, pointer: str) -> None:
        for i, item in enumerate(self.array(value, pointer) or ()):
            where = f"{pointer}/{i}"
            voc = self.obj(item, where)
            if voc is None:
                continue
            self.required(voc, where, "type")
            if "type" in voc:
                self.uri(voc["type"], f"{where}/type")
            if "vocabularyElementList" in voc:
                elements = self.array(voc["vocabularyElementList"], f"{where}/vocabularyElementList")
                for j, el in enumerate(elements or ()):
                    ew = f"{where}/vocabularyElementList/{j}"
                    element = self.obj(el, ew)
                    if element is None:
                        continue
                    self.required(element, ew, "id")
                    if "id" in element:
                        self.uri(element["id"], f"{ew}/id")
                    if "attributes" in element:
                        for k, attr in enumerate(self.array(element["attributes"], f"{ew}/attributes") or ()):
                            aw = f"{ew}/attributes/{k}"
                            a = self.obj(attr, aw)
                            if a is None:
                                continue
                            self.required(a, aw, "id")
                            if "id" in a:
                                self.uri(a["id"], f"{aw}/id")
                            if (
                                "attribute" in a and not isinstance(a["attribute"], (str, dict, *_NUMBER))
                            ) or isinstance(a.get("attribute"), bool):
                                self.type_error(
                                    f"{aw}/attribute", a["attribute"], "a number, string or object"
                                )
                    if "children" in element:
                        for k, child in enumerate(self.array(element["children"], f"{ew}/children") or ()):
                            self.uri(child, f"{ew}/children/{k}")


def _parse_epc(value: str) -> Any:
    return _epc_cached(value)


def _epc_cached(value: str) -> Any:
    try:
        return parse_epc(value)
    except TraceStdError as exc:
        return exc


class _DuplicateIds:
    """Duplicate eventIDs in bounded memory: a fixed-size Bloom filter on the first pass, then an
    exact re-read of the events only when the filter saw a possible repeat."""

    BITS = 1 << 26  # 64 Mbit = 8 MiB: about 1e-5 false positives at a million IDs (3 probes)

    def __init__(self) -> None:
        self.bits: bytearray | None = None
        self.exact: dict[str, str] = {}
        self.candidates: set[str] = set()

    def add(self, event_id: str, pointer: str, checker: _Checker) -> None:
        if self.bits is None:
            if event_id in self.exact:
                checker.issue(
                    E.EPCIS_EVENT_ID_DUPLICATE,
                    pointer,
                    f"eventID repeats the one at {self.exact[event_id]}",
                    first=self.exact[event_id],
                )
                return
            self.exact[event_id] = pointer
            if len(self.exact) > 20000:  # switch to the filter: memory must not grow with the input
                self.bits = bytearray(self.BITS // 8)
                for known in self.exact:
                    self._probe(known, set_bits=True)
                self.exact.clear()
            return
        if self._probe(event_id, set_bits=True):
            self.candidates.add(event_id)

    def _probe(self, event_id: str, *, set_bits: bool) -> bool:
        assert self.bits is not None
        digest = hashlib.blake2b(event_id.encode("utf-8", "surrogatepass"), digest_size=12).digest()
        present = True
        for k in (0, 4, 8):
            bit = int.from_bytes(digest[k : k + 4], "little") & (self.BITS - 1)
            byte, mask = bit >> 3, 1 << (bit & 7)
            if not self.bits[byte] & mask:
                present = False
                if set_bits:
                    self.bits[byte] |= mask
        return present

    def finish(self, checker: _Checker, doc: Document) -> None:
        if not self.candidates:
            return
        first: dict[str, str] = {}
        for pointer, event in doc.events():
            event_id = event.get("eventID") if isinstance(event, dict) else None
            if event_id in self.candidates:
                where = f"{pointer}/eventID"
                if event_id in first:
                    checker.issue(
                        E.EPCIS_EVENT_ID_DUPLICATE,
                        where,
                        f"eventID repeats the one at {first[event_id]}",
                        first=first[event_id],
                    )
                else:
                    first[event_id] = where


def _new_report(name: str) -> Report:
    return Report(input=name, kind="epcis", data_versions=dict(vocab().versions))


def _finish(report: Report, checker: _Checker, events: int, kind: str | None) -> Report:
    report.details["events"] = events
    report.details["document_type"] = kind
    if checker.dropped:
        report.details["issues_dropped"] = checker.dropped
    report.verdict = "valid" if report.valid else "invalid"
    return report


def validate(
    source: Any,
    *,
    name: str | None = None,
    profile: str | None = None,
    registry: Any = None,
    check_hashes: bool = True,
    on_progress: Callable[[int], None] | None = None,
) -> Report:
    """Validate an EPCIS 2.0 input: a path, bytes, a binary stream, or a parsed ``dict``.

    ``profile``: ``"vn-fresh-produce"`` or ``"fsma204"`` adds that profile's rules
    (:mod:`trace_std.events.profiles`); ``registry`` (a :class:`trace_std.registry.Registry`) lets the
    Vietnamese profile check each code's status on the event date. ``on_progress(count)`` is called
    every 10,000 events. Unreadable JSON is reported as an ``epcis.json.*`` issue (with ``line`` and
    ``column`` in its context); a file that cannot be opened raises ``file.unreadable``.

    >>> report = validate(b'{"type": "ObjectEvent", "action": "OBSERVE", "epcList": [],'
    ...                   b' "eventTime": "2025-08-12T07:30:00+07:00", "eventTimeZoneOffset": "+07:00",'
    ...                   b' "bizStep": "transforming",'
    ...                   b' "@context": ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]}')
    >>> len(report.issues), report.issues[0].code, report.issues[0].field
    (1, 'epcis.vocab.unknown', '/bizStep')
    """
    label = name if name is not None else (str(source) if isinstance(source, str) else "<input>")
    report = _new_report(label)
    checker = _Checker(report, check_hashes=check_hashes)
    profile_checker = None
    if profile is not None:
        from trace_std.events.profiles import profile_checker as make_profile

        profile_checker = make_profile(profile, registry=registry)
    if isinstance(source, dict):
        doc = _dict_document(source)
    else:
        try:
            doc = read_document(source)
        except TraceStdError as exc:
            if exc.code == ErrorCode.FILE_UNREADABLE:
                raise
            checker.issue(exc.code, exc.field or "", exc.message, **exc.context)
            return _finish(report, checker, 0, None)
    try:
        events = checker.document(
            _ProfileTap(doc, profile_checker, checker) if profile_checker else doc, on_progress
        )
        if profile_checker is not None:
            profile_checker.finish(checker)
    except TraceStdError as exc:
        checker.issue(exc.code, exc.field or "", exc.message, **exc.context)
        events = 0
    finally:
        doc.close()
    return _finish(report, checker, events, doc.kind)


class _ProfileTap(Document):
    """A document whose events also pass through a profile checker."""

    def __init__(self, doc: Document, profile: Any, checker: _Checker) -> None:
        super().__init__(doc.kind, doc.header, doc._stream, doc._path, doc._temp)
        self._doc = doc
        self._profile = profile
        self._checker = checker
        self._tapped = False

    def events(self) -> Iterator[tuple[str, Any]]:
        first = not self._tapped
        self._tapped = True
        self._profile.doc_ctx = self._checker.doc_ctx
        for pointer, event in self._doc.events():
            if first and isinstance(event, dict):
                self._profile.event(event, pointer, self._checker)
            yield pointer, event

    def close(self) -> None:
        self._doc.close()


def _dict_document(source: dict[str, Any]) -> Document:
    from trace_std.events.reader import DOCUMENT_TYPES

    top = source.get("type")
    if isinstance(top, str) and top in DOCUMENT_TYPES:
        return _InMemory(top, source, DOCUMENT_TYPES[top])
    if isinstance(top, str) and (top in EVENT_TYPES or ":" in top):
        return Document("event", source, None)
    return Document(None, source, None)


class _InMemory(Document):
    def __init__(self, kind: str, source: dict[str, Any], path: tuple[str, ...]) -> None:
        node: Any = source
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        self._events = node if isinstance(node, list) else []
        header = dict(source)
        super().__init__(kind, header, None, path)

    def events(self) -> Iterator[tuple[str, Any]]:
        base = self.event_list_pointer
        for i, event in enumerate(self._events):
            yield f"{base}/{i}", event


def parse_context(value: Any, parent: Context | None = None) -> Context:
    """The :class:`Context` of an ``@context`` value (problems in it are ignored here; :func:`validate`
    reports them)."""
    checker = _Checker(Report(input="", kind=None), check_hashes=False)
    return checker.context(value, "", parent)


def validate_event(event: dict[str, Any], *, context: Any = None, check_hashes: bool = True) -> Report:
    """Validate one event ``dict`` (for instance one of :func:`trace_std.events.iter_events`).

    ``context``: the ``@context`` of the document the event came from, when the event has none of its
    own; without either, the event is held to the bare-event rule (its own ``@context``)."""
    if not isinstance(event, dict):
        raise TypeError("event must be a dict")
    report = _new_report("<event>")
    checker = _Checker(report, check_hashes=check_hashes)
    ctx = checker.context(context, "/@context", None) if context is not None else None
    checker.event(event, "", ctx, bare=context is None)
    return _finish(report, checker, 1, "event")


def issues_as_lines(report: Report) -> Iterable[dict[str, Any]]:
    """The issues in the CLI's JSON shape: ``code``, ``severity``, ``pointer``, ``message``."""
    for issue in report.issues:
        yield {
            "code": issue.code,
            "severity": str(issue.severity),
            "pointer": issue.field or "",
            "message": issue.message,
        }
