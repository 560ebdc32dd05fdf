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

from api.web import reasons as R
from api.web.i18n import DATE_FORMATS, DATETIME_FORMATS
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

# Registry reasons that are vocabulary rather than free text (the sample registry's reasons are
# marked "(synthetic)"; the marker is translated on its own).
HISTORY_REASON: dict[str, str] = {
    "issued": N_("Code issued"),
    "quarantine pest found at border inspection": N_("quarantine pest found at border inspection"),
    "code sold to another grower": N_("code sold to another grower"),
    "farm diary not kept": N_("farm diary not kept"),
    "pesticide residue above mrl": N_("pesticide residue above the maximum residue limit"),
    "monitoring visit missed": N_("monitoring visit missed"),
    "corrective actions verified": N_("corrective actions verified"),
    "area converted to other crops": N_("area converted to other crops"),
    "packing records incomplete": N_("packing records incomplete"),
}
SYNTHETIC = " (synthetic)"

# What a genuine verdict proves (``assurance`` from trace_std.registry.verify): icon, headline, meaning.
ASSURANCE: dict[str, tuple[str, str, str]] = {
    "code": (
        "check",
        N_("Registered and active"),
        N_(
            "This code is registered and active. A code alone does not prove that a product is genuine: "
            "scan the QR code on the carton to check the product and its lot."
        ),
    ),
    "gtin": (
        "check",
        N_("Registered product"),
        N_(
            "This product number is registered to an exporter. Scan the QR code on the carton to check "
            "its lot, planting area and packing house."
        ),
    ),
    "product": (
        "check",
        N_("Genuine product"),
        N_(
            "The product, its lot and its dates match the registry, and its planting area and packing "
            "house are active."
        ),
    ),
}

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
        return format_date(value, DATE_FORMATS.get(str(self.locale), "medium"), locale=self.locale)

    def now(self) -> str:
        pattern = DATETIME_FORMATS.get(str(self.locale), "medium")
        return format_datetime(dt.datetime.now(dt.UTC), pattern, tzinfo=self.timezone, locale=self.locale)

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
    assurance: str | None = None
    notes: list[dict[str, str]] = dataclasses.field(default_factory=list)
    marks: list[tuple[str, bool]] = dataclasses.field(default_factory=list)
    read_as: str | None = None
    status_change: dict[str, str] | None = None
    notice: dict[str, str] | None = None


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
    assurance = data.get("assurance") if verdict == "genuine" else None
    icon, headline, meaning = ASSURANCE.get(str(assurance), VERDICTS[verdict])
    kind = data.get("kind")
    text = str(data.get("input") or "")
    issues = [i for i in data.get("issues") or [] if isinstance(i, Mapping)]
    shown = [i for i in issues if not _harmless(i)]
    problems = [_reason(tr, i, text) for i in shown if i.get("severity") != "warning"]
    normalized = data.get("normalized")
    return View(
        verdict=verdict,
        icon=icon,
        headline=tr(headline),
        meaning=tr(meaning),
        input=text,
        normalized=normalized,
        kind=tr(KIND_WORDS[kind]) if kind in KIND_WORDS else None,
        reasons=problems,
        sections=_sections(tr, data),
        data_versions=dict(data.get("data_versions") or {}),
        checked_on=tr.now(),
        as_of=tr.date(data.get("as_of")),
        assurance=str(assurance) if assurance else None,
        notes=[_reason(tr, i, text) for i in shown if i.get("severity") == "warning"],
        marks=_marks(text, [i for i in shown if i.get("severity") != "warning"]),
        read_as=str(normalized) if normalized and str(normalized) != text.strip() else None,
        status_change=_status_change(tr, issues),
        notice=_notice(tr, data),
    )


# The neutral notice of a planting area with an open audit finding (docs/registry.md): the same
# words whatever the rule, no figures, no parties; "needs inspection", never an accusation.
NOTICE_TITLE = N_("Needs inspection")
NOTICE_TEXT = N_(
    "The authority is reviewing how this planting-area code has been used (since %(date)s). This is not "
    "a finding against anyone: the result above still stands."
)


def _notice(tr: Translator, data: Mapping[str, Any]) -> dict[str, str] | None:
    notice = data.get("notice")
    if not isinstance(notice, Mapping):
        return None
    puc = data.get("puc") if isinstance(data.get("puc"), Mapping) else {}
    return {
        "title": tr(NOTICE_TITLE),
        "text": tr(NOTICE_TEXT, date=tr.date(notice.get("since"))),
        "code": _text(puc.get("code")),
    }


def _harmless(issue: Mapping[str, Any]) -> bool:
    """A warning about a repair that changes nothing the reader needs to know (case, spaces...)."""
    return issue.get("severity") == "warning" and str(issue.get("code") or "") in R.HARMLESS


def _span(issue: Mapping[str, Any], length: int) -> tuple[int, int] | None:
    span = issue.get("span")
    if not isinstance(span, Sequence) or len(span) != 2:
        return None
    try:
        a, b = int(span[0]), int(span[1])
    except (TypeError, ValueError):
        return None
    return (a, b) if 0 <= a < b <= length else None


def _reason(tr: Translator, issue: Mapping[str, Any], text: str) -> dict[str, str]:
    """The reason sentence (which part is wrong) and what to do, in the reader's language."""
    code = str(issue.get("code") or "")
    severity = str(issue.get("severity") or "error")
    what, fix = R.REASONS.get(code, R.GENERIC)
    span = _span(issue, len(text))
    context = issue.get("context") if isinstance(issue.get("context"), Mapping) else {}
    variables = {
        "part": text[span[0] : span[1]] if span else text,
        "ai": str(context.get("ai") or ""),
    }
    return {"text": tr(what, **variables), "fix": tr(fix), "code": code, "severity": severity}


def _marks(text: str, issues: Sequence[Mapping[str, Any]]) -> list[tuple[str, bool]]:
    """``text`` cut into runs, each flagged when an error's span covers it (the part that is wrong)."""
    flagged = [False] * len(text)
    for issue in issues:
        span = _span(issue, len(text))
        if span is not None and span != (0, len(text)):
            for i in range(*span):
                flagged[i] = True
    runs: list[tuple[str, bool]] = []
    for ch, flag in zip(text, flagged, strict=True):
        if runs and runs[-1][1] == flag:
            runs[-1] = (runs[-1][0] + ch, flag)
        else:
            runs.append((ch, flag))
    return runs


def _status_change(tr: Translator, issues: Sequence[Mapping[str, Any]]) -> dict[str, str] | None:
    """When, why and by which document a code was revoked or suspended (first under the verdict)."""
    for issue in issues:
        code = issue.get("code")
        if code not in ("registry.code.revoked", "registry.code.suspended"):
            continue
        context = issue.get("context") if isinstance(issue.get("context"), Mapping) else {}
        since = tr.date(context.get("since"))
        what = (
            tr("Revoked on %(date)s.", date=since)
            if code == "registry.code.revoked"
            else tr("Suspended since %(date)s.", date=since)
        )
        return {
            "code": str(context.get("code") or ""),
            "what": what if since else "",
            "reason": _history_reason(tr, context.get("reason")),
            "document": _text(context.get("legal_doc")),
            "status": "revoked" if code == "registry.code.revoked" else "suspended",
        }
    return None


def _history_reason(tr: Translator, value: Any) -> str:
    """A recorded reason in the reader's language when it is known vocabulary, else as recorded."""
    reason = _text(value).strip()
    synthetic = reason.lower().endswith(SYNTHETIC)
    key = reason[: -len(SYNTHETIC)] if synthetic else reason
    known = HISTORY_REASON.get(key.strip().lower())
    if known is None:
        return reason
    return tr(known) + (tr(" (synthetic data)") if synthetic else "")


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
            Fact(tr("Traceability events"), _declared(tr, data.get("events"))),
        ]
        sections.append(Section("product", tr("Product and lot"), [f for f in facts if f.value]))
    registry = data.get("registry") if isinstance(data.get("registry"), Mapping) else {}
    on_date = registry.get("status_on_date") if isinstance(registry.get("status_on_date"), Mapping) else {}
    for kind in ("puc", "phc"):
        record = data.get(kind)
        if isinstance(record, Mapping):
            sections.append(_code_section(tr, record, kind, on_date.get(record.get("code"))))
    return sections


def _declared(tr: Translator, events: Any) -> str:
    """Whether the lot was declared through captured EPCIS events, and on which date: the one
    public fact of the event repository (no volumes, no parties: docs/api.md)."""
    if not isinstance(events, Mapping) or not isinstance(events.get("declared"), bool):
        return ""
    if events["declared"] and events.get("first_event_date"):
        return tr("Lot declared on %(date)s", date=tr.date(events["first_event_date"]))
    return tr("No events declare this lot yet") if not events["declared"] else ""


def _code_section(tr: Translator, rec: Mapping[str, Any], kind: str, on_date: str | None = None) -> Section:
    status = str(rec.get("status") or "") or None
    code_status = on_date or status
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
        markets=[_market(tr, m, code_status) for m in rec.get("markets") or [] if isinstance(m, Mapping)],
        history=[_event(tr, h) for h in rec.get("history") or [] if isinstance(h, Mapping)],
    )


def _market_name(tr: Translator, code: Any) -> str:
    if not code:
        return ""
    name = MARKET_WORDS.get(str(code).upper())
    return tr(name) if name else str(code)


def _market(tr: Translator, m: Mapping[str, Any], code_status: str | None = None) -> dict[str, str]:
    status = str(m.get("status") or "")
    if code_status in ("revoked", "suspended") and status == "active":
        # An approval does not outlive its code: shown as what it is worth today.
        return {
            "name": _market_name(tr, m.get("market")),
            "code": str(m.get("market") or ""),
            "status": "void" if code_status == "revoked" else "suspended",
            "status_text": tr("no longer valid") if code_status == "revoked" else tr("paused"),
            "approved": tr.date(m.get("approved")),
            "valid_to": "",
            "reg_no": _text(m.get("registration_number")),
        }
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
    return {
        "iso": _text(h.get("date")),
        "date": tr.date(h.get("date")),
        "to": to,
        "event": tr(HISTORY_EVENT[to]) if to in HISTORY_EVENT else to,
        "reason": _history_reason(tr, h.get("reason")),
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


# -- exporters' label files -------------------------------------------------------------------

#: Issues listed on the label-file page (the totals stay exact).
MAX_FILE_ISSUES = 1000


@dataclasses.dataclass(frozen=True)
class FileIssue:
    row: int | None
    column: str
    value: str
    read_as: str
    code: str
    message: str  # the library's message (English, with the specifics)
    kind: str  # "error", "repaired" or "note"
    reason: str = ""  # what is wrong with the cell, row or file, in the page's language
    fix: str = ""  # what to do, in the page's language


@dataclasses.dataclass(frozen=True)
class FileReport:
    name: str
    rows_total: int
    rows_valid: int
    rows_invalid: int
    issues_total: int
    issues: tuple[FileIssue, ...]
    valid: bool


def file_reason(tr: Translator, code: str, context: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """The reason sentence and what to do for one label-file issue, in the reader's language.

    The label, file and batch codes have their exporter's sentence (:data:`reasons.FILE_REASONS`);
    a cell wrong in the way a typed code can be, or a registry check of a row, keeps the website's
    sentence about that part (``%(part)s`` is the cell as written) with "correct this cell" as the fix.
    """
    context = context if isinstance(context, Mapping) else {}
    if code in R.FILE_REASONS:
        what, fix = R.FILE_REASONS[code]
        text = tr(what)
    else:
        what, _consumer_fix = R.REASONS.get(code, R.GENERIC)
        fix = R.FILE_FIX
        text = tr(what, part=_text(context.get("value")), ai=_text(context.get("ai")))
    suggestion = context.get("suggestion")
    if isinstance(suggestion, str) and suggestion:
        text = f"{text} {tr(R.DID_YOU_MEAN, suggestion=suggestion)}"
    return text, tr(fix)


def file_report(report: Any, tr: Translator | None = None) -> FileReport:
    """What the label-file page shows of a :class:`~trace_std.label.batch.BatchReport`."""
    tr = tr or Translator()
    issues = []
    for issue in report.issues:
        data = issue.to_dict()
        if data["severity"] == "error":
            kind = "error"
        elif "read_as" in data:
            kind = "repaired"
        else:
            kind = "note"
        reason, fix = file_reason(tr, str(issue.code), issue.context)
        issues.append(
            FileIssue(
                row=issue.row,
                column=issue.field or "",
                value=str(data.get("value", "")),
                read_as=str(data.get("read_as", "")),
                code=str(issue.code),
                message=issue.message,
                kind=kind,
                reason=reason,
                fix=fix,
            )
        )
    return FileReport(
        name=report.source,
        rows_total=report.rows_total,
        rows_valid=report.rows_valid,
        rows_invalid=report.rows_invalid,
        issues_total=report.issues_total,
        issues=tuple(issues),
        valid=report.valid,
    )


def fixed_file_name(uploaded: str) -> str:
    """``week48.xlsx`` → ``week48-fixed.csv`` (no path, no quotes)."""
    base = uploaded.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0] or "labels"
    base = "".join(ch for ch in base if ch.isprintable() and ch not in '"<>|:*?')[:80] or "labels"
    return f"{base}-fixed.csv"


def fixed_file_link(text: str) -> str:
    """The fixed CSV as a ``data:`` URL (UTF-8 with a BOM, so Excel shows the accents)."""
    import base64

    payload = base64.b64encode(("\ufeff" + text).encode("utf-8")).decode("ascii")
    return f"data:text/csv;charset=utf-8;base64,{payload}"
