"""Turn a verification :class:`~trace_std.errors.Report` into what the result page shows.

Works on ``Report.to_dict()`` (the one JSON shape used everywhere), so registry records may
be dataclasses or dicts. All wording comes from the gettext catalogues; dates and numbers are
formatted for the request's locale with Babel.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from trace_std.errors import Report

VERDICTS: dict[str, tuple[str, Any, Any]] = {
    # verdict: (icon, headline, what it means)
    "genuine": ("check", _l("Genuine"), _l("The codes on this product are registered and active.")),
    "suspended": ("pause", _l("Suspended"),
                  _l("A code on this product is registered but suspended by the authority.")),
    "revoked": ("cross", _l("Revoked"), _l("A code on this product has been revoked by the authority.")),
    "unregistered": ("alert", _l("Not registered: possible counterfeit"),
                     _l("The code is well formed, but no registered planting area, packing house or "
                        "product has it.")),
    "malformed": ("question", _l("Not a valid code"),
                  _l("This is not a planting-area code, packing-house code or GS1 code we can read.")),
    "inconsistent": ("alert", _l("Details do not match"),
                     _l("The codes exist, but they do not belong together on this product.")),
}

STATUS_WORDS: dict[str, Any] = {
    "active": _l("active"),
    "suspended": _l("suspended"),
    "revoked": _l("revoked"),
    "expired": _l("expired"),
    "pending": _l("pending"),
}

KIND_WORDS: dict[str, Any] = {
    "puc": _l("Planting area"),
    "phc": _l("Packing house"),
    "gtin": _l("Product (GTIN)"),
    "element_string": _l("GS1 element string"),
    "digital_link": _l("GS1 Digital Link"),
    "gln": _l("Location (GLN)"),
    "sscc": _l("Shipping container (SSCC)"),
}

MARKET_WORDS: dict[str, Any] = {
    "CN": _l("China"), "AU": _l("Australia"), "US": _l("United States"), "NZ": _l("New Zealand"),
    "JP": _l("Japan"), "KR": _l("South Korea"), "EU": _l("European Union"), "TH": _l("Thailand"),
    "TW": _l("Taiwan"), "GB": _l("United Kingdom"), "CA": _l("Canada"), "SG": _l("Singapore"),
    "VN": _l("Viet Nam (domestic)"),
}

CROP_WORDS: dict[str, Any] = {
    "longan": _l("longan"), "mango": _l("mango"), "plum": _l("plum"), "dragon-fruit": _l("dragon fruit"),
    "coffee": _l("coffee"), "rice": _l("rice"), "strawberry": _l("strawberry"), "durian": _l("durian"),
    "passion-fruit": _l("passion fruit"), "avocado": _l("avocado"), "lychee": _l("lychee"),
    "pomelo": _l("pomelo"), "banana": _l("banana"), "jackfruit": _l("jackfruit"), "tea": _l("tea"),
    "peach": _l("peach"), "pineapple": _l("pineapple"), "rambutan": _l("rambutan"),
    "sweet-potato": _l("sweet potato"), "vegetables": _l("vegetables"), "coconut": _l("coconut"),
}

# Plain-language reasons, by issue-code prefix (longest match wins).
REASONS: dict[str, Any] = {
    "input.empty": _l("Nothing was entered."),
    "input.too_long": _l("The text is too long to be a code."),
    "input.control_character": _l("The text contains invisible control characters."),
    "input.unrecognised": _l("This does not look like any code we know."),
    "puc": _l("The planting-area code is not written correctly."),
    "phc": _l("The packing-house code is not written correctly."),
    "puc.province": _l("The province part of the code is not a known province."),
    "gs1.key.checksum": _l("The check digit is wrong: a digit was probably mistyped."),
    "gs1.key.length": _l("The GS1 number has the wrong number of digits."),
    "gs1.key.character": _l("The GS1 number contains characters that are not digits."),
    "gs1": _l("The GS1 data on the label is not valid."),
    "dl": _l("The web address on the label is not a valid GS1 Digital Link."),
    "label": _l("The information on the label is not valid."),
    "registry.code.not_found": _l("No registered planting area or packing house has this code."),
    "registry.code.not_yet_issued": _l("The code had not been issued yet on the date checked."),
    "registry.code.suspended": _l("The code is suspended: exports under it are paused."),
    "registry.code.revoked": _l("The code has been revoked and must not be used."),
    "registry.code.kind_mismatch": _l("A packing-house code is used where a planting-area code belongs, or the "
                                      "other way round."),
    "registry.product.not_found": _l("No registered exporter has this product number."),
    "registry.lot.not_found": _l("This lot is not registered for this product."),
    "registry.lot.puc_mismatch": _l("The lot is registered to a different planting area."),
    "registry.lot.phc_mismatch": _l("The lot is registered to a different packing house."),
    "registry.lot.pack_date_mismatch": _l("The pack date on the label differs from the registered one."),
    "registry.crop.mismatch": _l("The planting area grows a different crop from this product."),
    "registry.market.not_approved": _l("The code is not approved for the destination market."),
    "registry.market.expired": _l("The approval for the destination market has expired."),
    "registry.market.unknown": _l("The destination market is not one we know."),
    "registry.unavailable": _l("The registry could not be reached. Please try again later."),
    "registry": _l("The registry reports a problem with this code."),
}
GENERIC_ERROR = _l("There is a problem with this code.")
GENERIC_WARNING = _l("Something about this code deserves attention.")

# Registry reasons that are vocabulary rather than free text.
HISTORY_REASON: dict[str, Any] = {"issued": _l("Code issued")}

HISTORY_EVENT: dict[str, Any] = {
    "active": _l("Activated"),
    "suspended": _l("Suspended"),
    "revoked": _l("Revoked"),
    "expired": _l("Expired"),
}


@dataclasses.dataclass
class Fact:
    label: str
    value: str
    mono: bool = False


@dataclasses.dataclass
class Section:
    id: str
    title: str
    facts: list[Fact]
    status: str | None = None
    status_text: str = ""
    markets: list[dict[str, str]] = dataclasses.field(default_factory=list)
    history: list[dict[str, str]] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class View:
    verdict: str
    icon: str
    headline: str
    meaning: str
    input: str
    normalized: str | None
    kind: str | None
    reasons: list[dict[str, str]]
    sections: list[Section]
    data_versions: dict[str, str]
    checked_on: str
    as_of: str = ""


def decoded_text(item: Any) -> str:
    """The text of one decoded symbol, whatever shape the decoder returns."""
    if isinstance(item, str):
        return item
    if isinstance(item, Mapping):
        return str(item.get("text") or "")
    return str(getattr(item, "text", "") or "")


def present(report: Report) -> View:
    data = report.to_dict()
    verdict = data.get("verdict") or ("malformed" if not report.valid else "genuine")
    if verdict not in VERDICTS:
        verdict = "malformed" if verdict == "invalid" else ("genuine" if verdict == "valid" else "malformed")
    icon, headline, meaning = VERDICTS[verdict]
    return View(
        verdict=verdict,
        icon=icon,
        headline=str(headline),
        meaning=str(meaning),
        input=str(data.get("input") or ""),
        normalized=data.get("normalized"),
        kind=str(KIND_WORDS[data["kind"]]) if data.get("kind") in KIND_WORDS else None,
        reasons=[_reason(i) for i in data.get("issues") or []],
        sections=_sections(data),
        data_versions=dict(data.get("data_versions") or {}),
        checked_on=format_datetime(dt.datetime.now(dt.UTC), "medium"),
        as_of=_date(data.get("as_of")),
    )


def _reason(issue: Mapping[str, Any]) -> dict[str, str]:
    code = str(issue.get("code") or "")
    severity = str(issue.get("severity") or "error")
    text = None
    parts = code.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in REASONS:
            text = REASONS[key]
            break
    if text is None:
        text = GENERIC_WARNING if severity == "warning" else GENERIC_ERROR
    return {"text": str(text), "code": code, "severity": severity}


# -- sections -------------------------------------------------------------------------------


def _pick(record: Mapping[str, Any] | None, *keys: str) -> Any:
    if not record:
        return None
    for key in keys:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _records(data: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """Registry code records in the report, grouped by kind (``puc``/``phc``)."""
    out: dict[str, list[Mapping[str, Any]]] = {"puc": [], "phc": []}
    seen: set[str] = set()
    candidates: list[Any] = []
    for key in ("puc", "phc", "code", "record", "planting_area", "packing_house"):
        candidates.append(data.get(key))
    for key in ("codes", "records"):
        value = data.get(key)
        if isinstance(value, Mapping):
            candidates.extend(value.values())
        elif isinstance(value, Sequence) and not isinstance(value, str):
            candidates.extend(value)
    for rec in candidates:
        if not isinstance(rec, Mapping):
            continue
        code = str(_pick(rec, "code", "canonical") or "")
        kind = str(_pick(rec, "kind") or ("phc" if "PH-" in code else "puc")).lower()
        if kind not in out or code in seen:
            continue
        seen.add(code)
        out[kind].append(rec)
    return out


def _sections(data: Mapping[str, Any]) -> list[Section]:
    sections: list[Section] = []
    product = data.get("product") if isinstance(data.get("product"), Mapping) else None
    lot = data.get("lot") if isinstance(data.get("lot"), Mapping) else None
    if product or lot:
        facts = [
            Fact(_("Product"), _text(_pick(product, "name", "description", "product"))),
            Fact(_("Crop"), _crop(_pick(product, "crop", "crops"))),
            Fact(_("Exporter"), _text(_pick(product, "exporter", "owner", "brand"))),
            Fact(_("GTIN"), _text(_pick(product, "gtin") or _pick(lot, "gtin")), mono=True),
            Fact(_("Lot"), _text(_pick(lot, "lot", "lot_number", "batch")), mono=True),
            Fact(_("Harvest date"), _date(_pick(lot, "harvest_date", "harvested", "harvest"))),
            Fact(_("Pack date"), _date(_pick(lot, "pack_date", "packed", "pack"))),
            Fact(_("Destination"), _market_name(_pick(lot, "market"))),
        ]
        sections.append(Section("product", _("Product and lot"), [f for f in facts if f.value]))
    records = _records(data)
    for rec in records["puc"]:
        sections.append(_code_section(rec, "puc"))
    for rec in records["phc"]:
        sections.append(_code_section(rec, "phc"))
    return sections


def _code_section(rec: Mapping[str, Any], kind: str) -> Section:
    province = _pick(rec, "province_name", "province")
    if isinstance(province, Mapping):
        province = _pick(province, "name", "name_vi", "code")
    commune = _pick(rec, "commune_name", "commune", "ward")
    if isinstance(commune, Mapping):
        commune = _pick(commune, "name", "name_vi", "code")
    facts = [
        Fact(_("Code"), _text(_pick(rec, "code", "canonical")), mono=True),
        Fact(_("Name"), _text(_pick(rec, "name"))),
        Fact(_("Operator"), _text(_pick(rec, "owner", "organisation"))),
        Fact(_("Province"), _text(province)),
        Fact(_("Commune"), _text(commune)),
        Fact(_("Address"), _text(_pick(rec, "address"))),
        Fact(_("Crop"), _crop(_pick(rec, "crops", "crop"))),
        Fact(_("Variety"), _list(_pick(rec, "varieties", "variety"))),
        Fact(_("Area"), _area(_pick(rec, "area_ha", "area"))),
        Fact(_("Households"), _number(_pick(rec, "households"))),
        Fact(_("Certifications"), _list(_pick(rec, "certifications", "certificates", "standards"))),
        Fact(_("Issued"), _date(_pick(rec, "issued", "issued_on", "issued_date"))),
    ]
    status = str(_pick(rec, "status") or "") or None
    since = _date(_pick(rec, "status_since"))
    if status:
        word = str(STATUS_WORDS.get(status, status))
        facts.insert(1, Fact(_("Status"), _("%(status)s since %(date)s", status=word, date=since)
                             if since else word))
    title = _("Planting area") if kind == "puc" else _("Packing house")
    return Section(
        id=kind,
        title=title,
        facts=[f for f in facts if f.value],
        status=status,
        status_text=str(STATUS_WORDS.get(status, status)) if status else "",
        markets=[_market(m) for m in _pick(rec, "markets", "approvals") or [] if isinstance(m, Mapping)],
        history=[_event(h) for h in _pick(rec, "history", "status_history") or [] if isinstance(h, Mapping)],
    )


def _market_name(code: Any) -> str:
    if not code:
        return ""
    return str(MARKET_WORDS.get(str(code).upper(), code))


def _market(m: Mapping[str, Any]) -> dict[str, str]:
    code = str(_pick(m, "market", "country") or "")
    status = str(_pick(m, "status") or "")
    return {
        "name": str(MARKET_WORDS.get(code.upper(), code)),
        "code": code,
        "status": status,
        "status_text": str(STATUS_WORDS.get(status, status)),
        "approved": _date(_pick(m, "approved", "approved_on", "approved_date")),
        "valid_to": _date(_pick(m, "valid_to", "valid_until")),
        "reg_no": _text(_pick(m, "registration_number", "foreign_registration", "reg_no",
                              "importer_registration")),
    }


def _event(h: Mapping[str, Any]) -> dict[str, str]:
    to = str(_pick(h, "to", "to_status", "status") or "")
    raw_date = _pick(h, "date", "on", "at", "recorded_at")
    return {
        "iso": str(raw_date or ""),
        "date": _date(raw_date),
        "to": to,
        "event": str(HISTORY_EVENT.get(to, to)),
        "reason": _history_reason(_text(_pick(h, "reason"))),
        "document": _text(_pick(h, "legal_doc", "document", "legal_document")),
    }


def _history_reason(reason: str) -> str:
    word = HISTORY_REASON.get(reason.strip().lower())
    return str(word) if word is not None else reason


# -- formatting -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return _text(_pick(value, "name", "code"))
    return str(value)


def _list(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        return ", ".join(_text(v) for v in value if _text(v))
    return _text(value)


def _crop(value: Any) -> str:
    """Crop slugs in the reader's language (unknown slugs shown as written)."""
    if value is None:
        return ""
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, Sequence) else [value]
    words = []
    for v in items:
        slug = _text(v).strip()
        if slug:
            words.append(str(CROP_WORDS.get(slug.lower(), slug.replace("-", " "))))
    return ", ".join(words)


def _date(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        if isinstance(value, str) and len(value) > 10:
            return format_date(dt.datetime.fromisoformat(value).date(), "medium")
        parsed = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        return format_date(parsed, "medium")
    except (TypeError, ValueError):
        return str(value)


def _number(value: Any) -> str:
    if value in (None, ""):
        return ""
    try:
        return format_decimal(float(value), "#,##0.##")
    except (TypeError, ValueError):
        return str(value)


def _area(value: Any) -> str:
    number = _number(value)
    return _("%(number)s ha", number=number) if number else ""
