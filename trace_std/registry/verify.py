"""Verification against the registry: is this code, product or label genuine on a given date?

:func:`verify` takes any input the dispatcher (:func:`trace_std.check.check`) understands: a PUC
or PHC, a GTIN, a GS1 element string (HRI or raw with FNC1/GS separators), a Digital Link URI, or
raw scan data led by a symbology identifier (``]C1``, ``]d2``, ``]Q3``, ``]e0``...).
:func:`verify_label` does the same for a label (JSON object or model), and :func:`row_checks`
gives the registry checks for each row of a batch file.

The result is a :class:`~trace_std.errors.Report` whose ``verdict`` is one of

=================  ==================================================================
``malformed``      the input is not a valid code, key, element string or Digital Link
``revoked``        a code it refers to was revoked on the date checked
``unregistered``   a code, product or lot it refers to is not in the registry
                   (or the code had not been issued yet on that date)
``suspended``      a code it refers to was suspended on the date checked
``inconsistent``   everything exists, but does not fit together (crop, lot, market...)
``genuine``        everything exists, was active and fits together
=================  ==================================================================

(in that order of precedence). A ``genuine`` verdict only says that nothing is wrong; ``assurance``
says what was actually proven, and only ``product`` may be called a genuine product:

=============  ======================================================================
``code``       a planting-area or packing-house code alone: registered and active
``gtin``       a product number alone: registered (no lot, so no particular carton)
``product``    a GTIN and lot registered together, the lot's planting area and packing
               house active, and every date and code the input gives matches the lot
=============  ======================================================================

(``assurance`` is ``None`` for any other verdict.) Each reason is an :class:`~trace_std.errors.Issue` with a
``registry.*`` code. The resolved records are in ``details`` and so appear as top-level keys of
``to_dict()``: ``puc``, ``phc`` (code records with markets and history), ``product``, ``lot``,
plus ``as_of`` (the date checked), ``market`` and ``registry`` (``{"status_on_date": ...}``).

The date checked is ``on`` if given, else the label's pack date (AI 13), else today (UTC).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from trace_std.errors import ErrorCode, Issue, Report, Severity, TraceStdError
from trace_std.registry._codes import gtin14, resolve_code
from trace_std.registry.core import Registry
from trace_std.registry.records import CodeRecord, HistoryEvent, LotRecord, ProductRecord

__all__ = ["VERDICTS", "row_checks", "verify", "verify_label"]

VERDICTS: tuple[str, ...] = ("genuine", "suspended", "revoked", "unregistered", "malformed", "inconsistent")
_SYMBOLOGY_ID = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
_DOMESTIC_SCHEMES = frozenset({"vn-3156"})  # scheme ids (code_schemes.json) of domestic-market-only codes
_PHC_COUNTRY = "704"  # AI (7030): ISO 3166 numeric country of the processor + approval number

_UNREGISTERED = {
    ErrorCode.REGISTRY_CODE_NOT_FOUND,
    ErrorCode.REGISTRY_CODE_NOT_YET_ISSUED,
    ErrorCode.REGISTRY_PRODUCT_NOT_FOUND,
    ErrorCode.REGISTRY_LOT_NOT_FOUND,
}
_INCONSISTENT = {
    ErrorCode.REGISTRY_CODE_KIND_MISMATCH,
    ErrorCode.REGISTRY_MARKET_NOT_APPROVED,
    ErrorCode.REGISTRY_MARKET_EXPIRED,
    ErrorCode.REGISTRY_MARKET_UNKNOWN,
    ErrorCode.REGISTRY_LOT_PUC_MISMATCH,
    ErrorCode.REGISTRY_LOT_PHC_MISMATCH,
    ErrorCode.REGISTRY_LOT_PACK_DATE_MISMATCH,
    ErrorCode.REGISTRY_CROP_MISMATCH,
    ErrorCode.REGISTRY_AUTHORISATION_MISSING,
}


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _crop_key(value: str) -> str:
    return re.sub(r"[\s_]+", "-", value.strip().lower())


class _Facts:
    """What an input claims: the values the registry checks look at."""

    def __init__(self) -> None:
        self.gtin: str | None = None
        self.lot: str | None = None
        self.pack_date: dt.date | None = None
        self.puc: str | None = None
        self.phc: str | None = None
        self.crop: str | None = None
        self.market: str | None = None
        self.exporter: str | None = None
        self.fields: dict[str, str] = {}  # fact → field path / AI, for issue locations


def _gs1_date(value: str) -> dt.date | None:
    if len(value) != 6 or not value.isdigit() or value[4:] == "00":
        return None
    yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:])
    # GS1 GenSpecs 7.12: the century that puts the year within -49..+50 years of now
    this = _today().year
    year = (this // 100) * 100 + yy
    if year - this > 50:
        year -= 100
    elif this - year >= 50:
        year += 100
    try:
        return dt.date(year, mm, dd)
    except ValueError:
        return None


def _facts_from_elements(elements: Iterable[Sequence[str]]) -> _Facts:
    facts = _Facts()
    for ai, value in elements:
        if ai in ("01", "02") and facts.gtin is None:
            facts.gtin, facts.fields["gtin"] = value, f"({ai})"
        elif ai == "10":
            facts.lot, facts.fields["lot"] = value, "(10)"
        elif ai == "13":
            facts.pack_date, facts.fields["pack_date"] = _gs1_date(value), "(13)"
        elif ai == "90":
            facts.puc, facts.fields["puc"] = value, "(90)"
        elif ai == "7030":
            code = value[3:] if value.startswith(_PHC_COUNTRY) else value
            facts.phc, facts.fields["phc"] = code, "(7030)"
    return facts


def _facts_from_label(label: Mapping[str, Any]) -> _Facts:
    facts = _Facts()

    def text(key: str) -> str | None:
        value = label.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    facts.gtin = text("gtin") or text("content_gtin")
    facts.fields["gtin"] = "gtin" if text("gtin") else "content_gtin"
    facts.lot, facts.puc, facts.phc, facts.crop = text("lot"), text("puc"), text("phc"), text("crop")
    facts.market = text("destination_market")
    facts.exporter = text("exporter")
    pack = label.get("pack_date")
    if isinstance(pack, dt.date):
        facts.pack_date = pack
    elif isinstance(pack, str):
        try:
            facts.pack_date = dt.date.fromisoformat(pack)
        except ValueError:
            facts.pack_date = None
    for key in ("lot", "puc", "phc", "crop", "pack_date"):
        facts.fields[key] = key
    facts.fields["market"] = "destination_market"
    return facts


class _Lookup:
    """Registry reads for one verification, on one connection when the registry offers it."""

    def __init__(self, registry: Any, conn: Any, *, events: bool = True, audit: bool = True) -> None:
        self.registry, self.conn = registry, conn
        self.events = events  # look up the lot's captured EPCIS events (not for batch row checks)
        self.audit = audit  # the audit's public facts: notice, authorisation (not for batch row checks)

    def _read(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn(conn, ...)`` on this verification's connection, or one of the registry's engine."""
        if self.conn is not None:
            return fn(self.conn, *args, **kwargs)
        engine = getattr(self.registry, "engine", None)
        if engine is None:
            return None
        with engine.connect() as conn:
            return fn(conn, *args, **kwargs)

    def notice(self, puc: str) -> dict[str, Any] | None:
        """The neutral notice of a PUC with an open over-yield or unauthorised-use finding."""
        from trace_std.audit.public import notice

        result: dict[str, Any] | None = self._read(notice, puc)
        return result

    def authorised(self, puc: str, day: dt.date, **kwargs: Any) -> bool | None:
        """Whether an authorisation lets the PHC (or exporter) use ``puc`` on ``day``; ``None``: no
        authorisation is registered at all."""
        from trace_std.audit.public import authorised

        result: bool | None = self._read(authorised, puc, day, **kwargs)
        return result

    def product(self, gtin: str) -> ProductRecord | None:
        if self.conn is None:
            result: ProductRecord | None = self.registry.product(gtin)
            return result
        return Registry._fetch_product(self.conn, gtin14(gtin))

    def lookup_lot(self, gtin: str, lot: str) -> LotRecord | None:
        if self.conn is None:
            result: LotRecord | None = self.registry.lookup_lot(gtin, lot)
            return result
        return Registry._fetch_lot(self.conn, gtin14(gtin), lot)

    def lot_declared(self, gtin: str, lot: str) -> dt.date | None:
        """The date of the first captured EPCIS event naming the lot (``None``: none does)."""
        from trace_std.events.repository.query import lot_declared

        if self.conn is not None:
            return lot_declared(self.conn, gtin14(gtin), lot)
        engine = getattr(self.registry, "engine", None)
        if engine is None:
            return None
        with engine.connect() as conn:
            return lot_declared(conn, gtin14(gtin), lot)

    def get_code(self, canonical: str, *, on: dt.date | None = None) -> CodeRecord | None:
        if self.conn is None:
            result: CodeRecord | None = self.registry.get_code(canonical, on=on)
            return result
        return Registry._fetch_code(self.conn, canonical, as_of=on)


def _registry_checks(
    registry: Any,
    facts: _Facts,
    *,
    on: dt.date | None,
    market: str | None,
    details: dict[str, Any],
    events: bool = True,
) -> list[Issue]:
    """The registry checks shared by :func:`verify`, :func:`verify_label` and :func:`row_checks`.

    ``events=False`` (batch row checks) leaves out the public facts that need more reads: captured
    events, the audit's notice and the authorisation check."""
    if isinstance(registry, Registry):
        with registry.connect() as conn:
            lookup = _Lookup(registry, conn, events=events, audit=events)
            return _checks(lookup, facts, on=on, market=market, details=details)
    lookup = _Lookup(registry, None, events=events, audit=events)
    return _checks(lookup, facts, on=on, market=market, details=details)


def _checks(
    registry: Any, facts: _Facts, *, on: dt.date | None, market: str | None, details: dict[str, Any]
) -> list[Issue]:
    issues: list[Issue] = []
    day = on or facts.pack_date or _today()
    target_market = (market or facts.market or "").upper() or None
    details["as_of"] = day
    if target_market is not None:
        details["market"] = target_market
    field = facts.fields.get
    product: ProductRecord | None = None
    lot: LotRecord | None = None
    if facts.gtin is not None:
        try:
            product = registry.product(facts.gtin)
        except TraceStdError:
            product = None  # format problems are reported by the format check
        if product is None:
            issues.append(
                Issue.error(
                    ErrorCode.REGISTRY_PRODUCT_NOT_FOUND,
                    f"GTIN {facts.gtin} is not registered",
                    field=field("gtin"),
                )
            )
        else:
            details["product"] = product.to_dict()
        if facts.lot is not None:
            try:
                lot = registry.lookup_lot(facts.gtin, facts.lot)
            except TraceStdError:
                lot = None
            if registry.events:  # public fact: declared through captured EPCIS events, and when
                try:  # (a date only: no volumes, no parties; docs/api.md, privacy rule)
                    declared = registry.lot_declared(facts.gtin, facts.lot)
                except TraceStdError:
                    declared = None
                details["events"] = {"declared": declared is not None, "first_event_date": declared}
            if lot is None:
                issues.append(
                    Issue.error(
                        ErrorCode.REGISTRY_LOT_NOT_FOUND,
                        f"lot {facts.lot} of GTIN {facts.gtin} is not registered",
                        field=field("lot"),
                    )
                )
            else:
                details["lot"] = lot.to_dict()
                if target_market is None and lot.market:
                    target_market = details["market"] = lot.market
                if (
                    facts.pack_date is not None
                    and lot.pack_date is not None
                    and facts.pack_date != lot.pack_date
                ):
                    issues.append(
                        Issue.error(
                            ErrorCode.REGISTRY_LOT_PACK_DATE_MISMATCH,
                            f"pack date {facts.pack_date} but the lot was packed on {lot.pack_date}",
                            field=field("pack_date"),
                            context={"expected": lot.pack_date, "actual": facts.pack_date},
                        )
                    )
    statuses: dict[str, str | None] = {}
    records: dict[str, CodeRecord] = {}
    for kind in ("puc", "phc"):
        claimed: str | None = getattr(facts, kind)
        registered_in_lot = None if lot is None else getattr(lot, kind)
        text = claimed or registered_in_lot
        if text is None:
            continue
        try:
            canonical = resolve_code(text)
        except TraceStdError:
            continue  # reported by the format check
        if canonical.kind != kind:
            issues.append(
                Issue.error(
                    ErrorCode.REGISTRY_CODE_KIND_MISMATCH,
                    f"{canonical.canonical} is a {canonical.kind}, not a {kind}",
                    field=field(kind),
                    context={"expected": kind, "actual": canonical.kind},
                )
            )
        if claimed is not None and registered_in_lot is not None and canonical.canonical != registered_in_lot:
            code = (
                ErrorCode.REGISTRY_LOT_PUC_MISMATCH if kind == "puc" else ErrorCode.REGISTRY_LOT_PHC_MISMATCH
            )
            issues.append(
                Issue.error(
                    code,
                    f"the lot is registered to {registered_in_lot}, not {canonical.canonical}",
                    field=field(kind),
                    context={"expected": registered_in_lot, "actual": canonical.canonical},
                )
            )
        record = registry.get_code(canonical.canonical, on=day)
        if record is None:
            issues.append(
                Issue.error(
                    ErrorCode.REGISTRY_CODE_NOT_FOUND,
                    f"{canonical.canonical} is not registered",
                    field=field(kind),
                    context={"code": canonical.canonical},
                )
            )
            continue
        records[kind] = record
        details[kind] = record.to_dict()
        issues.extend(_status_issues(record, day, field(kind)))
        statuses[record.code] = record.status_on(day)
        if target_market is not None:
            issues.extend(_market_issues(record, target_market, day, field(kind)))
    details["registry"] = {"status_on_date": statuses}
    crop = (product.crop if product is not None else None) or facts.crop
    puc = records.get("puc")
    if (
        crop is not None
        and puc is not None
        and puc.kind == "puc"
        and puc.crops
        and _crop_key(crop) not in {_crop_key(c) for c in puc.crops}
    ):
        issues.append(
            Issue.error(
                ErrorCode.REGISTRY_CROP_MISMATCH,
                f"{puc.code} grows {', '.join(puc.crops)}, not {crop}",
                field=field("puc"),
                context={"expected": list(puc.crops), "actual": crop},
            )
        )
    if registry.audit:
        issues.extend(_audit_facts(registry, facts, records, lot, product, crop, details))
    return issues


def _audit_facts(
    registry: _Lookup,
    facts: _Facts,
    records: Mapping[str, CodeRecord],
    lot: LotRecord | None,
    product: ProductRecord | None,
    crop: str | None,
    details: dict[str, Any],
) -> list[Issue]:
    """The audit's public facts (docs/registry.md, "What public verification says about the audit").

    * ``notice``: a PUC with an open over-yield or unauthorised-use finding gets a neutral notice
      (``{"status": "needs inspection", "since": date}``; ``null`` otherwise) — never the rule, the
      figures or the parties;
    * ``registry.authorisation.missing``: the PUC and PHC have different operators and no
      authorisation lets the PHC (or the label's or product's exporter) use the PUC on the pack date.
    """
    puc, phc = records.get("puc"), records.get("phc")
    if puc is None or puc.kind != "puc":
        return []
    details["notice"] = registry.notice(puc.code)
    pack = facts.pack_date or (lot.pack_date if lot is not None else None)
    if phc is None or phc.kind != "phc" or pack is None:
        return []
    from trace_std.audit.public import same_holder

    if same_holder(puc.owner, phc.owner):
        return []  # self-use: the holder packs its own fruit
    exporters = (facts.exporter, product.exporter if product is not None else None)
    if registry.authorised(puc.code, pack, phc=phc.code, exporters=exporters, crop=crop) is not False:
        return []
    return [
        Issue.error(
            ErrorCode.REGISTRY_AUTHORISATION_MISSING,
            f"no authorisation lets {phc.code} use {puc.code} on {pack}",
            field=facts.fields.get("phc"),
            context={"puc": puc.code, "phc": phc.code, "pack_date": pack},
        )
    ]


def _change_to(record: CodeRecord, status: str, day: dt.date) -> HistoryEvent | None:
    """The history event that put ``record`` into ``status``, as in force on ``day`` (if recorded)."""
    last = None
    for event in record.history:
        if event.date > day:
            break
        last = event
    return last if last is not None and last.to_status == status else None


def _status_issues(record: CodeRecord, day: dt.date, field: str | None) -> list[Issue]:
    status = record.status_on(day)
    ctx: dict[str, Any] = {"code": record.code, "date": day, "status": status}
    if status is None:
        return [
            Issue.error(
                ErrorCode.REGISTRY_CODE_NOT_YET_ISSUED,
                f"{record.code} was not issued yet on {day}",
                field=field,
                context={**ctx, "issued": record.issued},
            )
        ]
    if status in ("revoked", "suspended"):
        change = _change_to(record, status, day)
        since = change.date if change is not None else record.status_since
        message = f"{record.code} was {status} on {since}"
        if change is not None and change.reason:
            message += f": {change.reason}"
        if change is not None and change.legal_doc:
            message += f" ({change.legal_doc})"
        ctx.update(
            since=since,
            reason=change.reason if change else None,
            legal_doc=change.legal_doc if change else None,
        )
        code = ErrorCode.REGISTRY_CODE_REVOKED if status == "revoked" else ErrorCode.REGISTRY_CODE_SUSPENDED
        return [Issue.error(code, message, field=field, context=ctx)]
    return []


def _is_domestic(record: CodeRecord) -> bool:
    """Whether the code itself is a domestic-market code (the stored ``scheme`` is free text)."""
    try:
        scheme = resolve_code(record.code).scheme
    except TraceStdError:
        scheme = record.scheme  # a stored code the grammar no longer reads: the stored scheme is all there is
    return scheme in _DOMESTIC_SCHEMES


def _market_issues(record: CodeRecord, market: str, day: dt.date, field: str | None) -> list[Issue]:
    if market == "VN":
        return []  # the domestic market needs no importing-country approval
    if _is_domestic(record):
        return [
            Issue.error(
                ErrorCode.REGISTRY_MARKET_NOT_APPROVED,
                f"{record.code} is a domestic code, not approved for export to {market}",
                field=field,
                context={"code": record.code, "market": market},
            )
        ]
    approval = record.approval(market)
    ctx = {"code": record.code, "market": market, "date": day}
    if approval is None or approval.status != "active" or (approval.approved and day < approval.approved):
        return [
            Issue.error(
                ErrorCode.REGISTRY_MARKET_NOT_APPROVED,
                f"{record.code} is not approved for {market} on {day}",
                field=field,
                context={**ctx, "approved_markets": [a.market for a in record.markets]},
            )
        ]
    if approval.valid_to is not None and day > approval.valid_to:
        return [
            Issue.error(
                ErrorCode.REGISTRY_MARKET_EXPIRED,
                f"the {market} approval of {record.code} expired on {approval.valid_to}",
                field=field,
                context={**ctx, "valid_to": approval.valid_to},
            )
        ]
    return []


def _verdict(report: Report) -> str:
    codes = {i.code for i in report.issues if i.severity is Severity.ERROR}
    registry = {c for c in codes if c.startswith("registry.")}
    if codes - registry:
        return "malformed"
    if ErrorCode.REGISTRY_CODE_REVOKED in registry:
        return "revoked"
    if registry & _UNREGISTERED:
        return "unregistered"
    if ErrorCode.REGISTRY_CODE_SUSPENDED in registry:
        return "suspended"
    if registry:
        return "inconsistent"
    return "genuine"


def _strip_symbology(text: str) -> tuple[str, str | None]:
    m = _SYMBOLOGY_ID.match(text)
    if m is None:
        return text, None
    return text[3:], text[:3]


def _elements(text: str, kind: str) -> list[tuple[str, str]]:
    if kind == "digital_link":
        from trace_std.gs1.digital_link import parse_digital_link

        return [(str(a), str(v)) for a, v in parse_digital_link(text).elements]
    from trace_std.gs1.element_string import parse_element_string

    return [(str(a), str(v)) for a, v in parse_element_string(text).elements]


def verify(registry: Any, text: str, *, on: dt.date | None = None, market: str | None = None) -> Report:
    """Verify any input against ``registry``; see the module docstring for verdicts and details."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    _check_args(on, market)
    from trace_std.check import check, fold_width

    body, symbology = _strip_symbology(text)
    report = check(body)
    body = fold_width(body).strip()  # what the GS1 family read (full-width IME input; check() strips)
    report.input = text
    if symbology is not None:
        report.details["symbology_identifier"] = symbology
    if not report.valid:
        report.verdict = "malformed"
        return report
    details: dict[str, Any] = {}
    kind = report.kind
    if kind in ("puc", "phc"):
        facts = _Facts()
        setattr(facts, kind, report.normalized or body)
        issues = _registry_checks(registry, facts, on=on, market=market, details=details)
    elif kind == "gtin":
        facts = _Facts()
        facts.gtin = report.normalized or body
        issues = _registry_checks(registry, facts, on=on, market=market, details=details)
    elif kind in ("element_string", "digital_link"):
        facts = _facts_from_elements(_elements(body, kind))
        issues = _registry_checks(registry, facts, on=on, market=market, details=details)
    else:
        facts = _Facts()
        issues = [
            Issue.error(
                ErrorCode.REGISTRY_PRODUCT_NOT_FOUND,
                f"a {kind} is not held by the registry (codes, GTINs and lots are)",
            )
        ]
    report.details.update(details)
    report.extend(issues)
    report.verdict = _verdict(report)
    report.details["assurance"] = _assurance(report.verdict, facts, details)
    return report


def _assurance(verdict: str, facts: _Facts, details: Mapping[str, Any]) -> str | None:
    """What a ``genuine`` verdict proves (see the module docstring)."""
    if verdict != "genuine":
        return None
    if facts.gtin is not None and facts.lot is not None and details.get("lot") and details.get("product"):
        return "product"
    if facts.gtin is not None:
        return "gtin"
    return "code"


def verify_label(
    registry: Any, label: Mapping[str, Any] | Any, *, on: dt.date | None = None, market: str | None = None
) -> Report:
    """Check a label (mapping or ``CartonLabel``/``PalletLabel``) and verify it against ``registry``.

    The format report of :func:`trace_std.label.check_label` is extended with the registry checks;
    the verdict is ``malformed`` when the label itself has errors.
    """
    _check_args(on, market)
    from trace_std.label.check import check_label

    report = check_label(label, market=market)
    if not report.valid:
        report.verdict = "malformed"
        return report
    data = label if isinstance(label, Mapping) else label.model_dump(mode="json")
    details: dict[str, Any] = {}
    facts = _facts_from_label(data)
    report.extend(_registry_checks(registry, facts, on=on, market=market, details=details))
    for key, value in details.items():  # the label check's own details (e.g. its market) win
        report.details.setdefault(key, value)
    report.verdict = _verdict(report)
    report.details["assurance"] = _assurance(report.verdict, facts, details)
    return report


RowCheck = Callable[[Mapping[str, Any]], list[Issue]]


def row_checks(registry: Any, *, market: str | None = None, on: dt.date | None = None) -> RowCheck:
    """A per-row hook for the batch validator: ``check(row) -> list[Issue]``.

    ``row`` is the label as a mapping (the batch file's columns). The checks: the PUC/PHC exist,
    were active on the pack date (or ``on``), are approved for the destination market (the row's
    ``destination_market`` or ``market``), and the GTIN and lot are registered and fit together.
    Only the registry's issues are returned (format issues are the batch validator's). Results are
    memoised per distinct set of values for the life of the hook (one file).
    """
    _check_args(on, market)

    cache: dict[tuple[Any, ...], list[Issue]] = {}  # label files repeat the same values row after row

    def check(row: Mapping[str, Any]) -> list[Issue]:
        if not isinstance(row, Mapping):
            raise TypeError("row must be a mapping")
        facts = _facts_from_label(row)
        key = (facts.gtin, facts.lot, facts.pack_date, facts.puc, facts.phc, facts.crop, facts.market)
        hit = cache.get(key)
        if hit is None:
            hit = _registry_checks(registry, facts, on=on, market=market, details={}, events=False)
            if len(cache) < 65536:
                cache[key] = hit
        return list(hit)

    return check


def _check_args(on: dt.date | None, market: str | None) -> None:
    if on is not None and (not isinstance(on, dt.date) or isinstance(on, dt.datetime)):
        raise TypeError("on must be a datetime.date")
    if market is not None and not isinstance(market, str):
        raise TypeError("market must be str or None")
