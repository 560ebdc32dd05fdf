"""Event profiles: extra rules for one supply chain or regulation, kept as data.

* ``vn-fresh-produce`` (``trace_std/data/epcis_profile_vn_fresh_produce.json``): the Vietnamese
  export chain. Harvest is an ObjectEvent ADD with bizStep commissioning, the lot
  (``cbvmda:lotNumber``) and the planting-area code (PUC) in its ILMD; packing carries the packing-house
  code (PHC); aggregation puts cartons on an SSCC pallet; shipping names the destination market.
  PUC and PHC are checked with :mod:`trace_std.codes`; with a ``registry``, also each code's status on
  the event date and its approval for the destination market.
* ``fsma204`` (``trace_std/data/epcis_profile_fsma204.json``): the Key Data Elements of each Critical
  Tracking Event of the FDA Food Traceability Rule, 21 CFR 1.1325-1.1350, each with its citation.

Extension terms are recognised by their expanded IRI (namespace
``https://trace-std.org/ns/vn-fresh-produce/1/``), whatever prefix a document declares for it.
:func:`profile_checker` returns the checker :func:`trace_std.events.validate` runs beside the
standard's rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import cache
from typing import Any

from trace_std import data
from trace_std.errors import ErrorCode, Severity, TraceStdError
from trace_std.events.validate import Context, _Checker, _esc, parse_context
from trace_std.gs1.epc import parse_epc

__all__ = ["PROFILES", "cte_of", "fsma_kdes", "profile_checker", "profile_table"]

E = ErrorCode
LOT_IRI = "urn:epcglobal:cbv:mda:lotNumber"
STANDARD_PREFIXES = {"cbvmda": "urn:epcglobal:cbv:mda:"}


@cache
def profile_table(name: str) -> dict[str, Any]:
    """The data table of a profile (``vn-fresh-produce`` or ``fsma204``)."""
    table = {"vn-fresh-produce": "epcis_profile_vn_fresh_produce", "fsma204": "epcis_profile_fsma204"}.get(
        name
    )
    if table is None:
        raise ValueError(f"unknown profile {name!r}; known: vn-fresh-produce, fsma204")
    return data.load(table)


def _namespace() -> str:
    ns: str = profile_table("vn-fresh-produce")["namespace"]
    return ns


def expanded(obj: dict[str, Any], ctx: Context) -> dict[str, tuple[str, Any]]:
    """``{expanded IRI: (key, value)}`` of an object's namespaced keys."""
    out: dict[str, tuple[str, Any]] = {}
    for key, value in obj.items():
        if ":" in key or key in ctx.terms:
            prefix = key.partition(":")[0]
            iri = ctx.expand(key) or (
                STANDARD_PREFIXES[prefix] + key.partition(":")[2] if prefix in STANDARD_PREFIXES else None
            )
            if iri is not None:
                out[iri] = (key, value)
    return out


def _bare(value: Any, vocabulary_iri_prefix: str = "https://ref.gs1.org/cbv/BizStep-") -> Any:
    if isinstance(value, str) and value.startswith(vocabulary_iri_prefix):
        return value[len(vocabulary_iri_prefix) :]
    return value


def matches(event: dict[str, Any], match: dict[str, str], ctx: Context) -> bool:
    for field, wanted in match.items():
        value = event.get(field)
        if field == "bizStep":
            value = _bare(value)
            if isinstance(value, str) and ":" in value and "://" not in value:
                value = ctx.expand(value) or value
        if value != wanted:
            return False
    return True


def cte_of(event: dict[str, Any], ctx: Context | None = None) -> str | None:
    """The FSMA 204 Critical Tracking Event an event records (``None``: none of them). An explicit
    ``vn:cte`` extension wins over the bizStep conventions of the profile table."""
    ctx = ctx or Context()
    terms = expanded(event, ctx)
    explicit = terms.get(_namespace() + "cte")
    if explicit is not None and isinstance(explicit[1], str):
        return explicit[1]
    for record in profile_table("fsma204")["records"]:
        if matches(event, record["match"], ctx):
            cte: str = record["cte"]
            return cte
    return None


def _date(value: Any) -> bool:
    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _event_day(event: dict[str, Any]) -> dt.date | None:
    when = event.get("eventTime")
    if not isinstance(when, str):
        return None
    try:
        return dt.datetime.fromisoformat(when.replace("Z", "+00:00")).date()
    except ValueError:
        return None


class _Profile:
    name = ""

    def __init__(self, registry: Any = None) -> None:
        self.registry = registry
        self.doc_ctx: Context | None = None

    def context_for(self, event: dict[str, Any], checker: _Checker) -> Context:
        base = self.doc_ctx or Context()
        return parse_context(event["@context"], base) if "@context" in event else base

    def event(self, event: dict[str, Any], pointer: str, checker: _Checker) -> None:  # pragma: no cover
        raise NotImplementedError

    def finish(self, checker: _Checker) -> None:
        return None


class VnFreshProduce(_Profile):
    """The ``vn-fresh-produce`` rules (see the module docstring)."""

    name = "vn-fresh-produce"

    def __init__(self, registry: Any = None) -> None:
        super().__init__(registry)
        self.seen: dict[tuple[str, dt.date], tuple[Any, str]] = {}
        self.markets: set[str] = set()

    def event(self, event: dict[str, Any], pointer: str, checker: _Checker) -> None:
        ctx = self.context_for(event, checker)
        if self.registry is not None:
            self.event_markets(event)
        for step in profile_table(self.name)["records"]:
            if not matches(event, step["match"], ctx):
                continue
            for rule in step["rules"]:
                self.rule(rule, step["step"], event, pointer, ctx, checker)

    def rule(
        self,
        rule: dict[str, Any],
        step: str,
        event: dict[str, Any],
        pointer: str,
        ctx: Context,
        checker: _Checker,
    ) -> None:
        kind = rule["rule"]
        if kind == "sscc_parent":
            parent = event.get("parentID")
            epc = _epc(parent)
            if epc is None or epc.kind != "logistic_unit":
                checker.issue(
                    E.EPCIS_PROFILE_PARENT_NOT_SSCC,
                    f"{pointer}/parentID",
                    f"{step}: the pallet (parentID) must be an SSCC",
                    step=step,
                )
            return
        if kind == "children":
            for i, child in enumerate(event.get("childEPCs") or []):
                epc = _epc(child)
                if epc is not None and epc.is_gs1 and epc.kind != "trade_item":
                    checker.issue(
                        E.EPCIS_PROFILE_CHILD_NOT_TRADE_ITEM,
                        f"{pointer}/childEPCs/{i}",
                        f"{step}: a carton is a trade item (SGTIN), not a {epc.kind}",
                        step=step,
                    )
            return
        where = event.get("ilmd") if rule["where"] == "ilmd" else event
        base = f"{pointer}/ilmd" if rule["where"] == "ilmd" else pointer
        terms = expanded(where, ctx) if isinstance(where, dict) else {}
        found = terms.get(rule["iri"])
        if found is None:
            if not rule.get("optional"):
                term = rule["iri"].rsplit("/", 1)[-1].rsplit(":", 1)[-1]
                checker.issue(
                    E.EPCIS_PROFILE_FIELD_MISSING,
                    f"{base}/{_esc(_suggest(rule['iri']))}",
                    f"{step}: {rule['why']} is missing ({_suggest(rule['iri'])})",
                    step=step,
                    term=term,
                    iri=rule["iri"],
                )
            return
        key, value = found
        at = f"{base}/{_esc(key)}"
        if kind == "lot":
            if not isinstance(value, str) or not value.strip() or len(value) > 20:
                checker.issue(
                    E.EPCIS_PROFILE_FIELD_MISSING,
                    at,
                    f"{step}: the lot must be 1 to 20 characters",
                    step=step,
                )
        elif kind == "date":
            if not _date(value):
                checker.issue(E.EPCIS_PROFILE_DATE_INVALID, at, f"{step}: {value!r} is not an ISO 8601 date")
        elif kind == "code":
            self.code(value, rule["kind"], at, event, checker)
        elif kind == "market":
            self.market(value, at, event, checker)

    def code(self, value: Any, kind: str, at: str, event: dict[str, Any], checker: _Checker) -> None:
        from trace_std.codes import check as check_code

        if not isinstance(value, str):
            checker.type_error(at, value, f"a {kind.upper()} string")
            return
        report = check_code(value)
        for issue in report.errors:
            checker.issue(issue.code, at, issue.message, span=list(issue.span) if issue.span else None)
        if report.errors:
            return
        if report.kind != kind:
            checker.issue(
                E.CODE_KIND_MISMATCH,
                at,
                f"{value!r} is a {str(report.kind).upper()}, this field wants a {kind.upper()}",
                expected=kind,
                actual=report.kind,
            )
            return
        if self.registry is not None:
            self.registry_checks(report.normalized or value, at, event, checker)

    def market(self, value: Any, at: str, event: dict[str, Any], checker: _Checker) -> None:
        from trace_std.data.iso import is_iso3166_alpha2

        if not isinstance(value, str) or not is_iso3166_alpha2(value):
            checker.issue(
                E.EPCIS_PROFILE_MARKET_UNKNOWN, at, f"{value!r} is not an ISO 3166-1 alpha-2 country code"
            )

    def registry_checks(self, code: str, at: str, event: dict[str, Any], checker: _Checker) -> None:
        """Status on the event date now; approval for the destination markets at :meth:`finish`, once
        every shipping event (which names the market) has been read."""
        from trace_std.registry.verify import _status_issues

        day = _event_day(event) or dt.date.today()
        record = self.registry.get_code(code, on=day)
        if record is None:
            checker.issue(E.REGISTRY_CODE_NOT_FOUND, at, f"{code} is not registered", code=code)
            return
        for issue in _status_issues(record, day, at):
            checker.issue(issue.code, at, issue.message, issue.severity, **dict(issue.context))
        self.seen.setdefault((code, day), (record, at))

    def event_markets(self, event: dict[str, Any]) -> None:
        for market in _markets(event):
            self.markets.add(market)

    def finish(self, checker: _Checker) -> None:
        if self.registry is None:
            return
        from trace_std.registry.verify import _market_issues

        for (_code, day), (record, at) in sorted(self.seen.items(), key=lambda kv: kv[1][1]):
            for market in sorted(self.markets):
                for issue in _market_issues(record, market, day, at):
                    checker.issue(issue.code, at, issue.message, issue.severity, **dict(issue.context))


def _markets(event: dict[str, Any]) -> list[str]:
    ns = _namespace()
    for key, value in event.items():
        if key.endswith(":destinationMarket") or key == ns + "destinationMarket":
            return [value] if isinstance(value, str) else []
    ilmd = event.get("ilmd")
    if isinstance(ilmd, dict):
        for key, value in ilmd.items():
            if key.endswith(":destinationMarket"):
                return [value] if isinstance(value, str) else []
    return []


def _suggest(iri: str) -> str:
    ns = _namespace()
    if iri.startswith(ns):
        return "vn:" + iri[len(ns) :]
    if iri == LOT_IRI:
        return "cbvmda:lotNumber"
    return iri


def _epc(value: Any) -> Any:
    if not isinstance(value, str):
        return None
    try:
        return parse_epc(value)
    except (TraceStdError, TypeError):
        return None


# -- FSMA 204 ---------------------------------------------------------------------------------------


def _classes(event: dict[str, Any], names: tuple[str, ...]) -> list[str]:
    out = []
    for name in names:
        for element in event.get(name) or []:
            if isinstance(element, dict) and isinstance(element.get("epcClass"), str):
                out.append(element["epcClass"])
    return out


def _gtins(event: dict[str, Any]) -> list[str]:
    found = []
    for value in [
        *(event.get("epcList") or []),
        *(event.get("childEPCs") or []),
        *(event.get("inputEPCList") or []),
        *(event.get("outputEPCList") or []),
        *_classes(event, ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")),
    ]:
        epc = _epc(value)
        if epc is not None and epc.elements and epc.elements[0][0] in ("01", "8006"):
            found.append(epc.elements[0][1])
    return found


def traceability_lot_codes(
    event: dict[str, Any],
    ctx: Context | None = None,
    lists: tuple[str, ...] = ("quantityList", "childQuantityList", "outputQuantityList"),
) -> list[tuple[str, str]]:
    """The ``(GTIN-14, lot)`` pairs an event names: class EPCs with a lot, and for an ObjectEvent ADD
    the ILMD ``cbvmda:lotNumber`` with the event's GTINs."""
    out: list[tuple[str, str]] = []
    for value in _classes(event, lists):
        epc = _epc(value)
        if epc is not None:
            pairs = dict(epc.elements)
            if "01" in pairs and "10" in pairs:
                out.append((pairs["01"], pairs["10"]))
    ilmd = event.get("ilmd")
    if isinstance(ilmd, dict) and event.get("action") == "ADD":
        terms = expanded(ilmd, ctx or Context())
        lot = terms.get(LOT_IRI)
        if lot is not None and isinstance(lot[1], str):
            out += [(g, lot[1]) for g in _gtins(event)]
    return list(dict.fromkeys(out))


def _present(source: str, event: dict[str, Any], ctx: Context) -> bool:
    ns = _namespace()
    terms = expanded(event, ctx)
    ilmd = event.get("ilmd") if isinstance(event.get("ilmd"), dict) else {}
    ilmd_terms = expanded(ilmd, ctx) if ilmd else {}

    def term(name: str) -> bool:
        return (ns + name) in terms or (ns + name) in ilmd_terms

    def filled(name: str) -> bool:
        value = event.get(name)
        return isinstance(value, list) and len(value) > 0

    if source == "tlc":
        return bool(traceability_lot_codes(event, ctx))
    if source == "quantity":
        lists = ("quantityList", "childQuantityList", "outputQuantityList")
        with_unit = any(
            isinstance(q, dict) and "quantity" in q and "uom" in q
            for name in lists
            for q in (event.get(name) or [])
        )
        return with_unit or filled("epcList") or filled("childEPCs") or filled("outputEPCList")
    if source == "product":
        return bool(_gtins(event))
    if source == "location":
        return "bizLocation" in event or "readPoint" in event
    if source == "recipient":
        return filled("destinationList")
    if source == "previous_source":
        return filled("sourceList")
    if source == "date":
        return isinstance(event.get("eventTime"), str)
    if source == "reference_document":
        return filled("bizTransactionList")
    if source == "tlc_source":
        return term("tlcSource") or term("tlcSourceReference")
    if source == "farm":
        return "bizLocation" in event or term("plantingAreaCode")
    if source == "field":
        return term("plantingAreaCode") or term("fieldName")
    if source == "commodity_variety":
        # "commodity and, if applicable, variety": the GTIN's master data names both
        return term("commodity") or term("variety") or bool(_gtins(event))
    if source == "inputs":
        return filled("inputEPCList") or filled("inputQuantityList")
    raise KeyError(source)


def fsma_kdes(event: dict[str, Any], ctx: Context | None = None) -> tuple[str | None, list[dict[str, Any]]]:
    """The CTE of an event and, for each of its KDEs, the table row plus ``present`` (bool)."""
    ctx = ctx or Context()
    cte = cte_of(event, ctx)
    if cte is None:
        return None, []
    record = next((r for r in profile_table("fsma204")["records"] if r["cte"] == cte), None)
    if record is None:
        return cte, []
    return cte, [{**kde, "present": _present(kde["epcis"], event, ctx)} for kde in record["kdes"]]


class Fsma204(_Profile):
    """KDE completeness per Critical Tracking Event (21 CFR 1.1325-1.1350)."""

    name = "fsma204"

    def event(self, event: dict[str, Any], pointer: str, checker: _Checker) -> None:
        ctx = self.context_for(event, checker)
        cte, kdes = fsma_kdes(event, ctx)
        for kde in kdes:
            if not kde["present"]:
                checker.issue(
                    E.EPCIS_FSMA_KDE_MISSING,
                    pointer,
                    f"{cte}: {kde['rule']} ({kde['citation']}) is missing",
                    Severity.ERROR,
                    cte=cte,
                    kde=kde["kde"],
                    citation=kde["citation"],
                    epcis=profile_table("fsma204")["epcis_sources"][kde["epcis"]],
                )


PROFILES: dict[str, Callable[..., _Profile]] = {"vn-fresh-produce": VnFreshProduce, "fsma204": Fsma204}


def profile_checker(name: str, *, registry: Any = None) -> _Profile:
    """The checker of profile ``name``; ``ValueError`` for an unknown name."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; known: {sorted(PROFILES)}")
    return PROFILES[name](registry=registry)
