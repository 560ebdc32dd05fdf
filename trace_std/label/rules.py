"""Cross-field rules of the label standard. Each rule has a stable code and a field path.

The rules work on plain values (a mapping of field name to the *parsed* value: ``date``,
``Decimal``, canonical strings), so that :func:`trace_std.label.check_label` (pydantic models) and
the batch validator (CSV rows) share them.

======================  ========================  ============================================
code                    field                     rule
======================  ========================  ============================================
label.date.range        harvest_date_end          the harvest period does not end before it starts
label.date.order        pack_date                 packing is not before the (last) harvest day
label.date.future       pack_date, harvest_date   not after the ``as_of`` date
label.date.best_before  best_before               best-before is not before the pack date
label.date.unencodable  (date field)              the GS1 two-digit year can carry the date
label.puc.kind          puc                       the PUC field holds a planting-area code
label.phc.kind          phc                       the PHC field holds a packing-house code
label.field.required    (field)                   product name, crop, exporter, destination
label.market.required   (field)                   fields the market profile requires (confirmed)
label.market.unconfirmed (field)                  warning: a field an unconfirmed requirement asks for
label.market.mismatch   destination_market        ``--market`` differs from the destination's
gs1.pair.* ...          (field of the AI)         GS1 req/ex/repeat rules on the encoded result
label.gtin.prefix       gtin / content_gtin       warning: GS1 prefix is not 893 (GS1 Viet Nam)
======================  ========================  ============================================
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from trace_std.errors import ErrorCode, Issue, Severity, TraceStdError
from trace_std.label import fields as F
from trace_std.label.markets import MarketProfile, base_required_fields, market_for_destination
from trace_std.label.profile import date_in_window, mappings

__all__ = [
    "VN_GS1_PREFIX",
    "association_issues",
    "cross_field_issues",
    "element_field",
    "encoded_issues",
    "field_value",
    "gtin_prefix",
    "resolve_market",
]

VN_GS1_PREFIX = "893"
_DATE_FIELDS = ("harvest_date", "harvest_date_end", "pack_date", "best_before")


def gtin_prefix(gtin14: str) -> str:
    """The 3-digit GS1 prefix of a GTIN-14 (GTIN-8s keep theirs after six padding zeros).

    >>> gtin_prefix("08935012345677"), gtin_prefix("00000002345673"), gtin_prefix("00416000336108")
    ('893', '023', '041')
    """
    if gtin14.startswith("000000"):
        return gtin14[6:9]
    return gtin14[1:4]


def _missing(value: Any) -> bool:
    return value is None or value == ""


def field_value(values: Mapping[str, Any], path: str) -> Any:
    """The value of a dotted field path (``product_name.ru``) in ``values``, or ``None``.

    ``values`` may hold the path itself as a key (the batch's flat cells) or the parent object
    (a model or a mapping, as ``check_label`` passes them).

    >>> field_value({"product_name": {"vi": "Nhãn", "ru": "Лонган"}}, "product_name.ru")
    'Лонган'
    >>> field_value({"product_name.ru": "Лонган"}, "product_name.ru"), field_value({}, "product_name.ru")
    ('Лонган', None)
    """
    if path in values:
        return values[path]
    first, *rest = path.split(".")
    value = values.get(first)
    for part in rest:
        if value is None:
            return None
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
    return value


def resolve_market(destination: str | None, market: str | None) -> tuple[MarketProfile | None, list[Issue]]:
    """The market profile to apply: the explicit ``market``, else the destination's, if any."""
    from trace_std.label.markets import market_profile

    issues: list[Issue] = []
    if market is not None:
        try:
            profile: MarketProfile | None = market_profile(market)
        except KeyError:
            issues.append(
                Issue.error(
                    ErrorCode.LABEL_MARKET_UNKNOWN,
                    f"no market profile for {market!r}",
                    context={"market": market},
                )
            )
            return None, issues
        assert profile is not None
        if destination is not None:
            dest = market_for_destination(destination)
            if dest is None or dest.market != profile.market:
                issues.append(
                    Issue.warning(
                        ErrorCode.LABEL_MARKET_MISMATCH,
                        f"destination {destination} is not covered by market profile {profile.market}",
                        field="destination_market",
                        context={"market": profile.market, "destination": destination},
                    )
                )
        return profile, issues
    if destination is None:
        return None, issues
    return market_for_destination(destination), issues


def cross_field_issues(
    values: Mapping[str, Any],
    *,
    kind: str = "carton",
    market: MarketProfile | None = None,
    as_of: _dt.date | None = None,
    reference_year: int | None = None,
) -> list[Issue]:
    """Every cross-field rule except the GS1 ones, over parsed ``values``.

    ``reference_year`` centres the GS1 two-digit-year window (default: this year).
    """
    issues: list[Issue] = []
    get = values.get
    harvest: _dt.date | None = get("harvest_date")
    harvest_end: _dt.date | None = get("harvest_date_end")
    pack: _dt.date | None = get("pack_date")
    best: _dt.date | None = get("best_before")

    if harvest is not None and harvest_end is not None and harvest_end < harvest:
        issues.append(
            Issue.error(
                ErrorCode.LABEL_DATE_RANGE,
                "the harvest period ends before it starts",
                field="harvest_date_end",
                context={"start": harvest.isoformat(), "end": harvest_end.isoformat()},
            )
        )
    last_harvest = (
        harvest_end if harvest_end is not None and harvest is not None and harvest_end >= harvest else harvest
    )
    if pack is not None and last_harvest is not None and pack < last_harvest:
        issues.append(
            Issue.error(
                ErrorCode.LABEL_DATE_ORDER,
                "the pack date is before the harvest date",
                field="pack_date",
                context={"pack_date": pack.isoformat(), "harvest_date": last_harvest.isoformat()},
            )
        )
    if as_of is not None:
        for name, day in (("harvest_date", harvest), ("pack_date", pack)):
            if day is not None and day > as_of:
                issues.append(
                    Issue.error(
                        ErrorCode.LABEL_DATE_FUTURE,
                        f"{name} is after {as_of.isoformat()}",
                        field=name,
                        context={"as_of": as_of.isoformat(), "actual": day.isoformat()},
                    )
                )
    if best is not None and pack is not None and best < pack:
        issues.append(
            Issue.error(
                ErrorCode.LABEL_DATE_BEST_BEFORE,
                "the best-before date is before the pack date",
                field="best_before",
            )
        )

    ref = reference_year if reference_year is not None else _dt.date.today().year
    for name in _DATE_FIELDS:
        day = get(name)
        if day is not None and not date_in_window(day, ref):
            issues.append(
                Issue.error(
                    ErrorCode.LABEL_DATE_UNENCODABLE,
                    f"{name} {day.isoformat()} is outside the GS1 two-digit-year window around {ref}",
                    field=name,
                    context={"reference_year": ref},
                )
            )

    # The codes are read only through F.code_kind: the batch validator's rule cache keys on the kind
    # (trace_std.label.batch._Checker._row_rules); a rule reading more of a code must extend that key.
    puc = get("puc")
    if puc is not None and F.code_kind(puc) != "puc":
        issues.append(
            Issue.error(
                ErrorCode.LABEL_PUC_KIND,
                "the PUC field holds a packing-house code",
                field="puc",
                context={"actual": F.code_kind(puc)},
            )
        )
    phc = get("phc")
    if phc is not None and F.code_kind(phc) != "phc":
        issues.append(
            Issue.error(
                ErrorCode.LABEL_PHC_KIND,
                "the PHC field holds a planting-area code",
                field="phc",
                context={"actual": F.code_kind(phc)},
            )
        )

    for name in base_required_fields():
        if _missing(get(name)):
            issues.append(Issue.error(ErrorCode.LABEL_FIELD_REQUIRED, f"{name} is required", field=name))
    if market is not None:
        checks = (
            (market.required(kind), Issue.error, ErrorCode.LABEL_MARKET_REQUIRED, "is required"),
            (market.unconfirmed(kind), Issue.warning, ErrorCode.LABEL_MARKET_UNCONFIRMED, "may be required"),
        )
        for names, make, code, wording in checks:
            for name in names:
                if _missing(field_value(values, name)):
                    context = _requirement_context(market, name)
                    issues.append(
                        make(
                            code, f"{name} {wording} for market {market.market}", field=name, context=context
                        )
                    )

    gtin_field = "gtin" if kind == "carton" else "content_gtin"
    gtin = get(gtin_field)
    if gtin is not None and gtin_prefix(gtin) != VN_GS1_PREFIX:
        issues.append(
            Issue.warning(
                ErrorCode.LABEL_GTIN_PREFIX,
                f"the GTIN's GS1 prefix {gtin_prefix(gtin)} is not 893 (GS1 Viet Nam)",
                field=gtin_field,
                span=(1, 4) if not gtin.startswith("000000") else (6, 9),
                context={"prefix": gtin_prefix(gtin)},
            )
        )
    return issues


def _requirement_context(market: MarketProfile, name: str) -> dict[str, Any]:
    context: dict[str, Any] = {"market": market.market}
    req = market.requirement(name)
    if req is not None:
        context.update(requirement=req.id, confidence=req.confidence)
    return context


@lru_cache(maxsize=64)
def _ai_fields(kind: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for row in mappings(kind):
        if row.field is not None:
            out.setdefault(row.ai, row.field)
    return out


def element_field(ai: str, kind: str = "carton") -> str | None:
    """The label field an AI carries in the profile (``310n`` AIs map to the weight)."""
    table = _ai_fields(kind)
    if ai in table:
        return table[ai]
    if len(ai) == 4 and ai[:3] + "n" in table:
        return table[ai[:3] + "n"]
    return None


def _issue_of(err: TraceStdError, kind: str) -> Issue:
    ai = err.context.get("ai")
    field = element_field(ai, kind) if isinstance(ai, str) else None
    return Issue(err.code, Severity.ERROR, err.message, None, field or "elements", dict(err.context))


def encoded_issues(elements: Sequence[tuple[str, str]], kind: str = "carton") -> list[Issue]:
    """Every GS1 rule (values, ``req``, ``ex``, repeats) on the encoded element pairs."""
    from trace_std.gs1.ai import validate_elements

    return [_issue_of(err, kind) for err in validate_elements(elements, origin="label")]


_ASSOCIATION_CODES = frozenset({str(ErrorCode.GS1_PAIR_REQUIRED), str(ErrorCode.GS1_PAIR_EXCLUDED)})


@lru_cache(maxsize=1024)
def _shape_issues(ais: tuple[str, ...], kind: str) -> tuple[Issue, ...]:
    from trace_std.gs1.ai import validate_elements

    dummy = [(ai, "") for ai in ais]
    return tuple(
        _issue_of(err, kind)
        for err in validate_elements(dummy, origin="label")
        if err.code in _ASSOCIATION_CODES
    )


def association_issues(ais: Sequence[str], kind: str = "carton") -> list[Issue]:
    """GS1 ``req``/``ex`` issues for a set of AIs, cached by shape (the batch fast path).

    The batch validator uses this because its field validators already guarantee every value the
    profile writes is valid for its AI; only the combination of AIs can still be wrong.
    """
    return list(_shape_issues(tuple(ais), kind))
