"""The GS1 mapping profile ``vn-fresh-produce/1``: label fields <-> GS1 Application Identifiers.

The mapping is data (``trace_std/data/label_profile_vn_fresh_produce.json``); this module only
knows how to apply each *encoding* named there. See ``docs/formats/vn-fresh-produce-1.md``.

================  =========  ================================================================
field             AI         encoding
================  =========  ================================================================
sscc              (00)       18 digits (carton: only when the carton is a logistic unit)
gtin              (01)       GTIN-14 (pallet: ``content_gtin`` in (02))
pack_date         (13)       YYMMDD
best_before       (15)       YYMMDD
net_weight_kg     (310n)     6 digits; n = fewest decimals (0-5) that carry the value exactly
count             (37)       pallet only
lot               (10)       as is
serial            (21)       as is
harvest_date(s)   (7007)     YYMMDD or YYMMDDYYMMDD
(origin)          (422)      always ``704`` (Viet Nam)
puc               (427)      ISO 3166-2 subdivision of the PUC's province, when it resolves
phc               (7030)     ``704`` + the PHC
puc               (90)       the PUC
================  =========  ================================================================

Product name, crop, exporter and destination market are printed text, not GS1 data: they do not
travel in the element string. :func:`from_elements` takes them through ``extra``.

>>> from trace_std.label.models import CartonLabel
>>> label = CartonLabel(gtin="08935012345677", lot="DF2503A", harvest_date="2025-03-01",
...                     harvest_date_end="2025-03-04", pack_date="2025-03-05", net_weight_kg="10.5")
>>> to_elements(label)  # doctest: +NORMALIZE_WHITESPACE
[('01', '08935012345677'), ('13', '250305'), ('3101', '000105'), ('10', 'DF2503A'),
 ('7007', '250301250304'), ('422', '704')]
>>> from_elements(to_elements(label)) == label
True
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from pydantic import ValidationError

from trace_std.data import data_version, load
from trace_std.errors import ErrorCode, TraceStdError, category_of
from trace_std.label import fields as F
from trace_std.label.models import CartonLabel, PalletLabel, label_errors_to_issues

__all__ = [
    "PROFILE",
    "ProfileRow",
    "date_in_window",
    "decode_yymmdd",
    "encode_yymmdd",
    "from_elements",
    "mappings",
    "profile_version",
    "to_elements",
]

PROFILE = "vn-fresh-produce/1"
_TABLE = "label_profile_vn_fresh_produce"

Label = CartonLabel | PalletLabel
Elements = list[tuple[str, str]]


@dataclasses.dataclass(frozen=True, slots=True)
class ProfileRow:
    """One row of the profile: a label field carried by an AI with a named encoding."""

    kind: str
    order: int
    ai: str
    field: str | None
    encoding: str
    field_end: str | None = None
    value: str | None = None
    prefix: str | None = None
    max_decimals: int | None = None

    def matches(self, ai: str) -> bool:
        return ai == self.ai or (
            self.ai.endswith("n") and len(ai) == 4 and ai[:3] == self.ai[:3] and ai[3].isdigit()
        )


@cache
def mappings(kind: str = "carton") -> tuple[ProfileRow, ...]:
    """The profile rows for ``kind`` (``"carton"`` or ``"pallet"``), in encoding order."""
    if kind not in ("carton", "pallet"):
        raise ValueError(f"kind must be 'carton' or 'pallet', not {kind!r}")
    rows = [r for r in load(_TABLE)["records"] if r["kind"] == kind]
    return tuple(ProfileRow(**r) for r in sorted(rows, key=lambda r: r["order"]))


def profile_version() -> str:
    """``label_profile_vn_fresh_produce@1``, for ``Report.data_versions``."""
    return data_version(_TABLE)


# -- dates ---------------------------------------------------------------------------------------


def _century_year(yy: int, reference_year: int) -> int:
    """GS1 sliding window: a two-digit year lies in reference-49 .. reference+50."""
    century = reference_year - reference_year % 100
    diff = yy - reference_year % 100
    if diff >= 51:
        century -= 100
    elif diff <= -50:
        century += 100
    return century + yy


def date_in_window(day: _dt.date, reference_year: int) -> bool:
    """Whether a two-digit GS1 year can carry ``day`` (the window is reference-49 .. reference+50).

    >>> date_in_window(_dt.date(1977, 1, 1), 2026), date_in_window(_dt.date(1976, 12, 31), 2026)
    (True, False)
    """
    return _century_year(day.year % 100, reference_year) == day.year


def encode_yymmdd(day: _dt.date, field: str, *, reference_year: int | None = None) -> str:
    """``day`` as YYMMDD; raises ``label.date.unencodable`` outside the GS1 century window.

    >>> encode_yymmdd(_dt.date(2025, 3, 1), "pack_date", reference_year=2026)
    '250301'
    """
    ref = reference_year if reference_year is not None else _dt.date.today().year
    if not date_in_window(day, ref):
        raise TraceStdError.from_code(
            ErrorCode.LABEL_DATE_UNENCODABLE,
            f"{field} {day.isoformat()} is outside the GS1 two-digit-year window around {ref}",
            field=field,
            context={"reference_year": ref},
        )
    return day.strftime("%y%m%d")


def decode_yymmdd(text: str, field: str, *, reference_year: int | None = None) -> _dt.date:
    """YYMMDD back to a date (day ``00`` means the last day of the month, as GS1 specifies).

    >>> decode_yymmdd("240200", "best_before", reference_year=2026)
    datetime.date(2024, 2, 29)
    """
    ref = reference_year if reference_year is not None else _dt.date.today().year
    if len(text) != 6 or not (text.isascii() and text.isdigit()):
        raise TraceStdError.from_code(
            ErrorCode.LABEL_DATE_INVALID, f"{field} must be YYMMDD", field=field, span=(0, len(text))
        )
    year = _century_year(int(text[:2]), ref)
    month, day = int(text[2:4]), int(text[4:6])
    try:
        if day == 0:
            nxt = _dt.date(year + (month == 12), month % 12 + 1, 1)
            return nxt - _dt.timedelta(days=1)
        return _dt.date(year, month, day)
    except ValueError:
        raise TraceStdError.from_code(
            ErrorCode.LABEL_DATE_INVALID, f"{field} is not a calendar date", field=field, span=(0, 6)
        ) from None


# -- label -> elements ---------------------------------------------------------------------------


def _kind_of(label: Label) -> str:
    if isinstance(label, CartonLabel):
        return "carton"
    if isinstance(label, PalletLabel):
        return "pallet"
    raise TypeError(f"expected CartonLabel or PalletLabel, not {type(label).__name__}")


def to_elements(label: Label, *, reference_year: int | None = None) -> Elements:
    """The GS1 element pairs ``[(ai, value), ...]`` of a label, in the profile's order.

    Raises ``label.date.unencodable`` (an :class:`~trace_std.errors.EncodeError`) for a date the
    two-digit GS1 year cannot carry.
    """
    kind = _kind_of(label)
    out: Elements = []
    for row in mappings(kind):
        value = getattr(label, row.field) if row.field is not None else None
        enc = row.encoding
        if enc == "constant":
            assert row.value is not None
            out.append((row.ai, row.value))
            continue
        if value is None:
            continue
        if enc in ("digits", "text"):
            out.append((row.ai, str(value)))
        elif enc == "integer":
            out.append((row.ai, str(int(value))))
        elif enc == "yymmdd":
            out.append((row.ai, encode_yymmdd(value, row.field or "", reference_year=reference_year)))
        elif enc == "yymmdd_range":
            text = encode_yymmdd(value, row.field or "", reference_year=reference_year)
            end = getattr(label, row.field_end) if row.field_end else None
            if end is not None:
                text += encode_yymmdd(end, row.field_end or "", reference_year=reference_year)
            out.append((row.ai, text))
        elif enc == "decimal":
            weight: Decimal = value
            n = F.weight_decimals(weight)
            out.append((row.ai[:3] + str(n), str(int(weight.scaleb(n))).zfill(6)))
        elif enc == "subdivision":
            sub = F.code_subdivision(value)
            if sub is not None and row.prefix and sub.startswith(row.prefix):
                out.append((row.ai, sub[len(row.prefix) :]))
        elif enc == "prefixed":
            out.append((row.ai, f"{row.prefix}{value}"))
        else:  # pragma: no cover - the data table is tested to use known encodings only
            raise ValueError(f"unknown encoding {enc!r} in profile {PROFILE}")
    return out


# -- elements -> label ---------------------------------------------------------------------------


def _mismatch(ai: str, field: str | None, message: str, **context: Any) -> TraceStdError:
    return TraceStdError.from_code(
        ErrorCode.LABEL_PROFILE_MISMATCH, message, field=field, context={"ai": ai, **context}
    )


def from_elements(
    elements: Iterable[tuple[str, str]],
    *,
    kind: str = "carton",
    extra: Mapping[str, Any] | None = None,
    reference_year: int | None = None,
) -> Label:
    """Rebuild a label from GS1 element pairs; ``extra`` supplies the non-GS1 fields.

    Raises ``label.profile.unmapped`` for an AI the profile does not use,
    ``label.profile.mismatch`` when (422), (427) or the (7030) country disagree with the profile,
    and a :class:`~trace_std.errors.TraceStdError` carrying the first field error otherwise.
    """
    rows = mappings(kind)
    data: dict[str, Any] = dict(extra or {})
    subdivision: str | None = None
    for ai, value in elements:
        if not isinstance(ai, str) or not isinstance(value, str):
            raise TypeError("elements must be (str, str) pairs")
        row = next((r for r in rows if r.matches(ai)), None)
        if row is None:
            raise TraceStdError.from_code(
                ErrorCode.LABEL_PROFILE_UNMAPPED,
                f"AI ({ai}) is not part of profile {PROFILE}",
                context={"ai": ai},
            )
        enc = row.encoding
        if enc == "constant":
            if value != row.value:
                raise _mismatch(
                    ai,
                    None,
                    f"AI ({ai}) must be {row.value} in profile {PROFILE}",
                    expected=row.value,
                    actual=value,
                )
        elif enc == "subdivision":
            subdivision = value
        elif enc in ("digits", "text"):
            data[row.field or ""] = value
        elif enc == "integer":
            data[row.field or ""] = F.parse_count(value, row.field or "count")
        elif enc == "yymmdd":
            data[row.field or ""] = decode_yymmdd(value, row.field or "", reference_year=reference_year)
        elif enc == "yymmdd_range":
            data[row.field or ""] = decode_yymmdd(value[:6], row.field or "", reference_year=reference_year)
            if len(value) > 6:
                data[row.field_end or ""] = decode_yymmdd(
                    value[6:], row.field_end or "", reference_year=reference_year
                )
        elif enc == "decimal":
            if not (len(value) == 6 and value.isascii() and value.isdigit()):
                raise TraceStdError.from_code(
                    ErrorCode.LABEL_WEIGHT_INVALID,
                    f"AI ({ai}) must be 6 digits",
                    field=row.field,
                    span=(0, len(value)),
                )
            data[row.field or ""] = Decimal(int(value)).scaleb(-int(ai[3]))
        elif enc == "prefixed":
            prefix = row.prefix or ""
            if not value.startswith(prefix):
                raise _mismatch(
                    ai,
                    row.field,
                    f"AI ({ai}) must start with {prefix} in profile {PROFILE}",
                    expected=prefix,
                    actual=value[: len(prefix)],
                )
            data[row.field or ""] = value[len(prefix) :]
    try:
        label: Label = (CartonLabel if kind == "carton" else PalletLabel).model_validate(data)
    except ValidationError as exc:
        issue = label_errors_to_issues(exc)[0]
        raise category_of(issue.code)(
            issue.code, issue.message, span=issue.span, field=issue.field, context=issue.context
        ) from None
    if subdivision is not None:
        derived = F.code_subdivision(label.puc) if label.puc is not None else None
        expected = derived[3:] if derived else None
        if subdivision != expected:
            raise _mismatch(
                "427",
                "puc",
                "AI (427) does not match the province of the PUC in (90)",
                expected=expected,
                actual=subdivision,
            )
    return label


def element_fields(kind: str = "carton") -> Sequence[str]:
    """Label fields carried in the element string for ``kind``."""
    out: list[str] = []
    for row in mappings(kind):
        for name in (row.field, row.field_end):
            if name and name not in out:
                out.append(name)
    return out
