"""Turn a verification :class:`~trace_std.errors.Report` into what the result page shows.

Works on ``Report.to_dict()`` (the one JSON shape used everywhere): ``puc``/``phc`` code records
(with ``markets`` and ``history``), ``product``, ``lot`` and ``as_of`` from
:func:`trace_std.registry.verify.verify`. All wording comes from the gettext catalogues; dates and
numbers are formatted for the request's locale with Babel.

For speed the catalogue and locale are looked up once per page (:class:`Translator`), not once
per string; ``N_`` only marks messages for extraction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask_babel import get_locale, get_timezone, get_translations

from trace_std.errors import Report


def N_(message: str) -> str:
    return message


VERDICTS: dict[str, tuple[str, str, str]] = {
    # verdict: (icon, headline, what it means)
    "genuine": ("check", N_("Genuine"), N_("The codes on this product are registered and active.")),
    "suspended": (
        "pause",
        N_("Suspended"),
        N_("A code on this product is registered but suspended by the authority."),
    ),
    "revoked": ("cross", N_("Revoked"), N_("A code on this product has been revoked by the authority.")),
    "unregistered": (
        "alert",
        N_("Not registered: possible counterfeit"),
        N_("The code is well formed, but no registered planting area, packing house or product has it."),
    ),
    "malformed": (
        "question",
        N_("Not a valid code"),
        N_("This is not a planting-area code, packing-house code or GS1 code we can read."),
    ),
    "inconsistent": (
        "alert",
        N_("Details do not match"),
        N_("The codes exist, but they do not belong together on this product."),
    ),
}

STATUS_WORDS: dict[str, str] = {
    "active": N_("active"),
    "suspended": N_("suspended"),
    "revoked": N_("revoked"),
    "expired": N_("expired"),
    "pending": N_("pending"),
}

KIND_WORDS: dict[str, str] = {
    "puc": N_("Planting area"),
    "phc": N_("Packing house"),
    "gtin": N_("Product (GTIN)"),
    "element_string": N_("GS1 element string"),
    "digital_link": N_("GS1 Digital Link"),
    "gln": N_("Location (GLN)"),
    "sscc": N_("Shipping container (SSCC)"),
}

MARKET_WORDS: dict[str, str] = {
    "CN": N_("China"),
    "AU": N_("Australia"),
    "US": N_("United States"),
    "NZ": N_("New Zealand"),
    "JP": N_("Japan"),
    "KR": N_("South Korea"),
    "EU": N_("European Union"),
    "TH": N_("Thailand"),
    "TW": N_("Taiwan"),
    "GB": N_("United Kingdom"),
    "CA": N_("Canada"),
    "SG": N_("Singapore"),
    "VN": N_("Viet Nam (domestic)"),
}

CROP_WORDS: dict[str, str] = {
    "longan": N_("longan"),
    "mango": N_("mango"),
    "plum": N_("plum"),
    "dragon-fruit": N_("dragon fruit"),
    "coffee": N_("coffee"),
    "rice": N_("rice"),
    "strawberry": N_("strawberry"),
    "durian": N_("durian"),
    "passion-fruit": N_("passion fruit"),
    "avocado": N_("avocado"),
    "lychee": N_("lychee"),
    "pomelo": N_("pomelo"),
    "banana": N_("banana"),
    "jackfruit": N_("jackfruit"),
    "tea": N_("tea"),
    "peach": N_("peach"),
    "pineapple": N_("pineapple"),
    "rambutan": N_("rambutan"),
    "sweet-potato": N_("sweet potato"),
    "vegetables": N_("vegetables"),
    "coconut": N_("coconut"),
}

# Plain-language reasons, by issue-code prefix (longest match wins).
REASONS: dict[str, str] = {
    "input.empty": N_("Nothing was entered."),
    "input.too_long": N_("The text is too long to be a code."),
    "input.control_character": N_("The text contains invisible control characters."),
    "input.unrecognised": N_("This does not look like any code we know."),
    "puc": N_("The planting-area code is not written correctly."),
    "phc": N_("The packing-house code is not written correctly."),
    "puc.province": N_("The province part of the code is not a known province."),
    "gs1.key.checksum": N_("The check digit is wrong: a digit was probably mistyped."),
    "gs1.key.length": N_("The GS1 number has the wrong number of digits."),
    "gs1.key.character": N_("The GS1 number contains characters that are not digits."),
    "gs1": N_("The GS1 data on the label is not valid."),
    "dl": N_("The web address on the label is not a valid GS1 Digital Link."),
    "label": N_("The information on the label is not valid."),
    "registry.code.not_found": N_("No registered planting area or packing house has this code."),
    "registry.code.not_yet_issued": N_("The code had not been issued yet on the date checked."),
    "registry.code.suspended": N_("The code is suspended: exports under it are paused."),
    "registry.code.revoked": N_("The code has been revoked and must not be used."),
    "registry.code.kind_mismatch": N_(
        "A packing-house code is used where a planting-area code belongs, or the other way round."
    ),
    "registry.product.not_found": N_("No registered exporter has this product number."),
    "registry.lot.not_found": N_("This lot is not registered for this product."),
    "registry.lot.puc_mismatch": N_("The lot is registered to a different planting area."),
    "registry.lot.phc_mismatch": N_("The lot is registered to a different packing house."),
    "registry.lot.pack_date_mismatch": N_("The pack date on the label differs from the registered one."),
    "registry.crop.mismatch": N_("The planting area grows a different crop from this product."),
    "registry.market.not_approved": N_("The code is not approved for the destination market."),
    "registry.market.expired": N_("The approval for the destination market has expired."),
    "registry.market.unknown": N_("The destination market is not one we know."),
    "registry.unavailable": N_("The registry could not be reached. Please try again later."),
    "registry": N_("The registry reports a problem with this code."),
}
GENERIC_ERROR = N_("There is a problem with this code.")
GENERIC_WARNING = N_("Something about this code deserves attention.")

# Registry reasons that are vocabulary rather than free text.
HISTORY_REASON: dict[str, str] = {"issued": N_("Code issued")}

HISTORY_EVENT: dict[str, str] = {
    "active": N_("Activated"),
    "suspended": N_("Suspended"),
    "revoked": N_("Revoked"),
    "expired": N_("Expired"),
}


class Translator:
    """The request's catalogue, locale and time zone, looked up once.

    Called like gettext with keyword variables: ``tr("%(n)s ha", n="2,5")``. Templates receive it
    as ``_`` so a page costs one catalogue look-up, not one per string.
    """

    def __init__(self) -> None:
        self.translations = get_translations()
        self.locale = get_locale()
        self.timezone = get_timezone()

    def __call__(self, message: str, **variables: Any) -> str:
        text: str = self.translations.ugettext(message)
        return text % variables if variables else text

    def date(self, value: Any) -> str:
        if value in (None, ""):
            return ""
        try:
            if isinstance(value, dt.datetime):
                value = value.date()
            elif not isinstance(value, dt.date):
                value = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
        return format_date(value, "medium", locale=self.locale)

    def now(self) -> str:
        return format_datetime(dt.datetime.now(dt.UTC), "medium", tzinfo=self.timezone, locale=self.locale)

    def number(self, value: Any) -> str:
        if value in (None, ""):
            return ""
        try:
            return format_decimal(float(value), "#,##0.##", locale=self.locale)
        except (TypeError, ValueError):
            return str(value)


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


def present(report: Report, tr: Translator | None = None) -> View:
    tr = tr or Translator()
    data = report.to_dict()
    verdict = str(data.get("verdict") or "")
    if verdict not in VERDICTS:
        verdict = "genuine" if verdict == "valid" else "malformed"
    icon, headline, meaning = VERDICTS[verdict]
    kind = data.get("kind")
    return View(
        verdict=verdict,
        icon=icon,
        headline=tr(headline),
        meaning=tr(meaning),
        input=str(data.get("input") or ""),
        normalized=data.get("normalized"),
        kind=tr(KIND_WORDS[kind]) if kind in KIND_WORDS else None,
        reasons=[_reason(tr, i) for i in data.get("issues") or []],
        sections=_sections(tr, data),
        data_versions=dict(data.get("data_versions") or {}),
        checked_on=tr.now(),
        as_of=tr.date(data.get("as_of")),
    )


def _reason(tr: Translator, issue: Mapping[str, Any]) -> dict[str, str]:
    code = str(issue.get("code") or "")
    severity = str(issue.get("severity") or "error")
    parts = code.split(".")
    text = GENERIC_WARNING if severity == "warning" else GENERIC_ERROR
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in REASONS:
            text = REASONS[key]
            break
    return {"text": tr(text), "code": code, "severity": severity}


# -- sections -------------------------------------------------------------------------------


def _sections(tr: Translator, data: Mapping[str, Any]) -> list[Section]:
    sections: list[Section] = []
    product = data.get("product") if isinstance(data.get("product"), Mapping) else {}
    lot = data.get("lot") if isinstance(data.get("lot"), Mapping) else {}
    if product or lot:
        facts = [
            Fact(tr("Product"), _text(product.get("name"))),
            Fact(tr("Crop"), _crop(tr, product.get("crop"))),
            Fact(tr("Variety"), _text(product.get("variety"))),
            Fact(tr("Exporter"), _text(product.get("exporter"))),
            Fact(tr("GTIN"), _text(product.get("gtin") or lot.get("gtin")), mono=True),
            Fact(tr("Lot"), _text(lot.get("lot")), mono=True),
            Fact(tr("Harvest date"), tr.date(lot.get("harvest_date"))),
            Fact(tr("Pack date"), tr.date(lot.get("pack_date"))),
            Fact(tr("Destination"), _market_name(tr, lot.get("market"))),
        ]
        sections.append(Section("product", tr("Product and lot"), [f for f in facts if f.value]))
    for kind in ("puc", "phc"):
        record = data.get(kind)
        if isinstance(record, Mapping):
            sections.append(_code_section(tr, record, kind))
    return sections


def _code_section(tr: Translator, rec: Mapping[str, Any], kind: str) -> Section:
    status = str(rec.get("status") or "") or None
    facts = [
        Fact(tr("Code"), _text(rec.get("code")), mono=True),
        Fact(tr("Name"), _text(rec.get("name"))),
        Fact(tr("Operator"), _text(rec.get("owner"))),
        Fact(tr("Province"), _text(rec.get("province_name"))),
        Fact(tr("Commune"), _text(rec.get("commune_name"))),
        Fact(tr("Address"), _text(rec.get("address"))),
        Fact(tr("Crop"), _crop(tr, rec.get("crops"))),
        Fact(tr("Variety"), _list(rec.get("varieties"))),
        Fact(
            tr("Area"),
            tr("%(number)s ha", number=tr.number(rec["area_ha"])) if rec.get("area_ha") is not None else "",
        ),
        Fact(tr("Households"), tr.number(rec.get("households"))),
        Fact(tr("Certifications"), _list(rec.get("certifications"))),
        Fact(tr("Issued"), tr.date(rec.get("issued"))),
    ]
    status_text = tr(STATUS_WORDS.get(status, status)) if status else ""
    if status:
        since = tr.date(rec.get("status_since"))
        facts.insert(
            1,
            Fact(
                tr("Status"),
                tr("%(status)s since %(date)s", status=status_text, date=since) if since else status_text,
            ),
        )
    return Section(
        id=kind,
        title=tr(KIND_WORDS[kind]),
        facts=[f for f in facts if f.value],
        status=status,
        status_text=status_text,
        markets=[_market(tr, m) for m in rec.get("markets") or [] if isinstance(m, Mapping)],
        history=[_event(tr, h) for h in rec.get("history") or [] if isinstance(h, Mapping)],
    )


def _market_name(tr: Translator, code: Any) -> str:
    if not code:
        return ""
    name = MARKET_WORDS.get(str(code).upper())
    return tr(name) if name else str(code)


def _market(tr: Translator, m: Mapping[str, Any]) -> dict[str, str]:
    status = str(m.get("status") or "")
    return {
        "name": _market_name(tr, m.get("market")),
        "code": str(m.get("market") or ""),
        "status": status,
        "status_text": tr(STATUS_WORDS[status]) if status in STATUS_WORDS else status,
        "approved": tr.date(m.get("approved")),
        "valid_to": tr.date(m.get("valid_to")),
        "reg_no": _text(m.get("registration_number")),
    }


def _event(tr: Translator, h: Mapping[str, Any]) -> dict[str, str]:
    to = str(h.get("to") or "")
    reason = _text(h.get("reason"))
    vocabulary = HISTORY_REASON.get(reason.strip().lower())
    return {
        "iso": _text(h.get("date")),
        "date": tr.date(h.get("date")),
        "to": to,
        "event": tr(HISTORY_EVENT[to]) if to in HISTORY_EVENT else to,
        "reason": tr(vocabulary) if vocabulary else reason,
        "document": _text(h.get("legal_doc")),
    }


# -- formatting -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _list(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        return ", ".join(_text(v) for v in value if _text(v))
    return _text(value)


def _crop(tr: Translator, value: Any) -> str:
    """Crop slugs in the reader's language (unknown slugs shown as written)."""
    if value is None:
        return ""
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, Sequence) else [value]
    words = []
    for v in items:
        slug = _text(v).strip()
        if slug:
            known = CROP_WORDS.get(slug.lower())
            words.append(tr(known) if known else slug.replace("-", " "))
    return ", ".join(words)
