"""Field validators of the label standard: plain functions, the ONE place the field rules live.

Each ``parse_*`` function takes the text a user wrote (a JSON string, a CSV cell) and returns the
canonical value, or raises a :class:`~trace_std.errors.TraceStdError` whose ``span`` indexes that
text and whose ``field`` names the label field. The pydantic models (:mod:`trace_std.label.models`)
wrap these functions in ``Annotated`` types, and the batch validator (:mod:`trace_std.label.batch`)
calls them directly on CSV cells, so a bad value gets the same code either way.

Codes and keys are checked by the library validators (:mod:`trace_std.codes`,
:mod:`trace_std.gs1.keys`). Results for the same text are cached (bounded LRU), since a batch file
repeats the same GTIN, PUC and PHC on thousands of rows.

>>> parse_date("2025-03-01")
datetime.date(2025, 3, 1)
>>> parse_harvest("2025-03-01/2025-03-04")
(datetime.date(2025, 3, 1), datetime.date(2025, 3, 4))
>>> parse_weight("12,50")
Decimal('12.50')
>>> parse_lot("L-2503/A")
'L-2503/A'
>>> try:
...     parse_lot("LOT 7")
... except TraceStdError as err:
...     err.code, err.span, err.field
('label.field.character', (3, 4), 'lot')
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import cache, lru_cache
from typing import Any

from trace_std.data.iso import is_iso3166_alpha2
from trace_std.errors import ErrorCode, TraceStdError

__all__ = [
    "CSET82",
    "MAX_ADDRESS",
    "MAX_NET_WEIGHT_KG",
    "TREATMENTS",
    "code_kind",
    "parse_address",
    "parse_code_value",
    "parse_count",
    "parse_country",
    "parse_date",
    "parse_gtin",
    "parse_harvest",
    "parse_lot",
    "parse_phc",
    "parse_puc",
    "parse_serial",
    "parse_sscc",
    "parse_text",
    "parse_treatment",
    "parse_weight",
    "weight_decimals",
]

#: GS1 character set 82 (AIs 10, 21, 7030, 90...): the printable ASCII characters allowed in
#: alphanumeric AI values.
CSET82 = frozenset("!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")

#: The largest net weight AI (310n) can carry: six digits with no decimals.
MAX_NET_WEIGHT_KG = Decimal(999999)

_CACHE = 16_384  # entries per cached validator (all ~11,000 export PUCs and PHCs fit): bounded memory


def _err(
    code: ErrorCode, message: str, field: str, span: tuple[int, int] | None, **context: Any
) -> TraceStdError:
    return TraceStdError.from_code(code, message, span=span, field=field, context=context)


def _required(value: str, field: str) -> None:
    if not isinstance(value, str):
        raise TypeError(f"{field} must be str, not {type(value).__name__}")
    if not value:
        raise _err(ErrorCode.LABEL_FIELD_REQUIRED, f"{field} is empty", field, (0, 0))


def _with_field(err: TraceStdError, field: str) -> TraceStdError:
    return err if err.field == field else err.shifted(0, field=field)


# -- text -------------------------------------------------------------------------------------


def parse_text(value: str, field: str = "text", max_length: int = 120) -> str:
    """Free text (product name, crop, exporter): 1..``max_length`` characters, no control characters.

    >>> parse_text("Thanh long ruột đỏ", "product_name.vi")
    'Thanh long ruột đỏ'
    """
    _required(value, field)
    if not value.strip():
        raise _err(ErrorCode.LABEL_FIELD_REQUIRED, f"{field} is blank", field, (0, len(value)))
    if len(value) > max_length:
        raise _err(
            ErrorCode.LABEL_FIELD_TOO_LONG,
            f"{field} is longer than {max_length} characters",
            field,
            (max_length, len(value)),
            max=max_length,
            actual=len(value),
        )
    if not value.isprintable():
        pos = next(i for i, ch in enumerate(value) if not ch.isprintable())
        raise _err(
            ErrorCode.LABEL_FIELD_CHARACTER, f"{field} contains a control character", field, (pos, pos + 1)
        )
    return value


#: Longest address (exporter's, importer's) a label accepts.
MAX_ADDRESS = 200

#: Quarantine treatments a consignment may carry (``treatment_method``), with their meaning.
TREATMENTS: dict[str, str] = {
    "vht": "vapour-heat treatment (xử lý hơi nước nóng; 蒸熱処理; 증열처리)",
    "irradiation": "irradiation (chiếu xạ)",
    "cold": "cold treatment (xử lý lạnh)",
    "fumigation": "fumigation, e.g. methyl bromide (xông hơi khử trùng)",
    "hot-water": "hot-water treatment (xử lý nước nóng)",
}


def parse_address(value: str, field: str = "address") -> str:
    """A postal address (exporter's or importer's): free text of at most :data:`MAX_ADDRESS` characters.

    >>> parse_address("Số 1 Lê Lợi, Sơn La, Việt Nam", "exporter_address")
    'Số 1 Lê Lợi, Sơn La, Việt Nam'
    """
    return parse_text(value, field, MAX_ADDRESS)


def parse_treatment(value: str, field: str = "treatment_method") -> str:
    """A quarantine treatment code of :data:`TREATMENTS` (case-insensitive; returned lower-case).

    >>> parse_treatment("VHT")
    'vht'
    """
    _required(value, field)
    code = value.strip().lower()
    if code not in TREATMENTS:
        raise _err(
            ErrorCode.LABEL_FIELD_INVALID,
            f"{field} must be one of {', '.join(TREATMENTS)}",
            field,
            (0, len(value)),
            expected=", ".join(TREATMENTS),
            actual=value[:40],
        )
    return code


def _cset82(value: str, field: str, max_length: int) -> str:
    _required(value, field)
    if len(value) > max_length:
        raise _err(
            ErrorCode.LABEL_FIELD_TOO_LONG,
            f"{field} is longer than {max_length} characters",
            field,
            (max_length, len(value)),
            max=max_length,
            actual=len(value),
        )
    if not CSET82.issuperset(value):
        pos = next(i for i, ch in enumerate(value) if ch not in CSET82)
        raise _err(
            ErrorCode.LABEL_FIELD_CHARACTER,
            f"{field} may only use GS1 character set 82 (no spaces, no accents); found {value[pos]!r}",
            field,
            (pos, pos + 1),
            actual=value[pos],
        )
    return value


@lru_cache(maxsize=_CACHE)
def parse_lot(value: str, field: str = "lot") -> str:
    """Batch/lot number, AI (10): 1-20 characters of GS1 CSET 82."""
    return _cset82(value, field, 20)


def parse_serial(value: str, field: str = "serial") -> str:
    """Serial number, AI (21): 1-20 characters of GS1 CSET 82."""
    return _cset82(value, field, 20)


# -- GS1 keys -----------------------------------------------------------------------------------


@lru_cache(maxsize=_CACHE)
def parse_gtin(value: str, field: str = "gtin") -> str:
    """A GTIN-8/12/13/14 with a valid check digit, returned as GTIN-14."""
    _required(value, field)
    from trace_std.gs1.keys import validate_gtin

    try:
        canonical: str = validate_gtin(value)
    except TraceStdError as err:
        raise _with_field(err, field) from None
    return canonical.zfill(14)


def parse_sscc(value: str, field: str = "sscc") -> str:
    """An SSCC (18 digits with a valid check digit)."""
    _required(value, field)
    from trace_std.gs1.keys import validate_sscc

    try:
        canonical: str = validate_sscc(value)
    except TraceStdError as err:
        raise _with_field(err, field) from None
    return canonical


# -- PUC / PHC ----------------------------------------------------------------------------------


@lru_cache(maxsize=_CACHE)
def _parse_code(value: str) -> tuple[str, str, str | None]:
    from trace_std.codes import parse_code

    parsed = parse_code(value)
    return parsed.canonical, parsed.kind, _subdivision_of(parsed)


def _fold(name: str) -> str:
    """ASCII letters of a Vietnamese name, lower-cased (``Hòa Bình`` == ``Hoà Bình`` == ``hoabinh``)."""
    decomposed = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalpha()).lower()


@cache
def _subdivisions_by_name() -> dict[str, str]:
    from trace_std.data import load

    index = {_fold(rec["name"]): rec["code"] for rec in load("iso3166")["vn_subdivisions"]}
    # Thừa Thiên Huế became the centrally-run city of Huế on 1 January 2025; ISO 3166-2 keeps VN-26.
    index.setdefault("hue", index.get("thuathienhue", "VN-26"))
    return index


def _subdivision_of(parsed: Any) -> str | None:
    """ISO 3166-2 code (``VN-45``) of the province a parsed code names, when one is known.

    ISO 3166-2:VN still lists the 63 provinces in force before 1 July 2025, so only a code whose
    province resolves in the 2004 administrative table (``admin_table == "vn_admin_2004"``, which is
    the case for every export PUC/PHC) gets a subdivision.
    """
    if getattr(parsed, "admin_table", None) != "vn_admin_2004":
        return None
    name = getattr(parsed, "province_name", None)
    if not isinstance(name, str) or not name:
        return None
    return _subdivisions_by_name().get(_fold(name))


def parse_code_value(value: str, field: str) -> str:
    """Any PUC or PHC, canonical form; the kind is checked by the cross-field rules."""
    _required(value, field)
    try:
        return _parse_code(value)[0]
    except TraceStdError as err:
        raise _with_field(err, field) from None


def parse_puc(value: str, field: str = "puc") -> str:
    """The planting-area code field (its kind is checked by rule ``label.puc.kind``)."""
    return parse_code_value(value, field)


def parse_phc(value: str, field: str = "phc") -> str:
    """The packing-house code field (its kind is checked by rule ``label.phc.kind``)."""
    return parse_code_value(value, field)


def code_kind(canonical: str) -> str:
    """``"puc"`` or ``"phc"`` for a code already accepted by :func:`parse_code_value`."""
    return _parse_code(canonical)[1]


def code_subdivision(canonical: str) -> str | None:
    """The ISO 3166-2 subdivision (``"VN-45"``) of a code's province, or ``None``."""
    return _parse_code(canonical)[2]


# -- dates, numbers, countries ------------------------------------------------------------------


def parse_date(value: str, field: str = "pack_date") -> _dt.date:
    """A calendar date written in ISO 8601 extended form ``YYYY-MM-DD``."""
    _required(value, field)
    if len(value) == 10 and value[4] == "-" and value[7] == "-" and value.isascii():
        try:
            return _dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise _err(
        ErrorCode.LABEL_DATE_INVALID,
        f"{field} must be an ISO 8601 date YYYY-MM-DD",
        field,
        (0, len(value)),
        actual=value,
    )


def parse_harvest(value: str, field: str = "harvest_date") -> tuple[_dt.date, _dt.date | None]:
    """A harvest date, or an ISO 8601 interval ``start/end`` of two dates (CSV form of a range).

    The order of the two dates is a cross-field rule (``label.date.range``), not checked here.
    """
    _required(value, field)
    cut = value.find("/")
    if cut < 0:
        return parse_date(value, field), None
    try:
        start = parse_date(value[:cut], field)
        end = parse_date(value[cut + 1 :], field)
    except TraceStdError as err:
        first = not value[:cut] or _is_bad_date(value[:cut])
        span = (0, cut) if first else (cut + 1, len(value))
        raise _err(ErrorCode(err.code), err.message, field, span) from None
    return start, end


def _is_bad_date(text: str) -> bool:
    try:
        parse_date(text)
    except TraceStdError:
        return True
    return False


def weight_decimals(weight: Decimal) -> int:
    """The fewest decimals (0-5) that carry ``weight`` exactly in AI 310n.

    >>> weight_decimals(Decimal("12.50")), weight_decimals(Decimal("12.345")), weight_decimals(Decimal(7))
    (1, 3, 0)
    """
    exponent = weight.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def _check_weight(weight: Decimal, field: str, span: tuple[int, int] | None) -> Decimal:
    if not weight.is_finite() or weight <= 0:
        raise _err(
            ErrorCode.LABEL_WEIGHT_INVALID, f"{field} must be a positive number of kilograms", field, span
        )
    decimals = weight_decimals(weight)
    if decimals > 5 or weight.scaleb(decimals) > MAX_NET_WEIGHT_KG:
        raise _err(
            ErrorCode.LABEL_WEIGHT_UNENCODABLE,
            f"{field} cannot be carried by AI 310n (6 digits, at most 5 decimals)",
            field,
            span,
            decimals=decimals,
        )
    return weight


def parse_weight(value: str, field: str = "net_weight_kg") -> Decimal:
    """A net weight in kilograms: digits with an optional decimal point (``.`` or ``,``)."""
    _required(value, field)
    text = value.replace(",", ".", 1) if "." not in value else value
    head, _, tail = text.partition(".")
    if not (head.isdigit() and head.isascii() and (not tail or (tail.isdigit() and tail.isascii()))):
        raise _err(
            ErrorCode.LABEL_WEIGHT_INVALID,
            f"{field} must be a decimal number of kilograms",
            field,
            (0, len(value)),
            actual=value,
        )
    return _check_weight(Decimal(text), field, (0, len(value)))


def check_weight_number(value: Decimal | int | float, field: str = "net_weight_kg") -> Decimal:
    """The same rule for a JSON number (``int``, ``float`` or ``Decimal``)."""
    if isinstance(value, bool):
        raise _err(ErrorCode.LABEL_WEIGHT_INVALID, f"{field} must be a number", field, None)
    try:
        weight = value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:  # pragma: no cover - str(float) is always a valid Decimal
        raise _err(ErrorCode.LABEL_WEIGHT_INVALID, f"{field} must be a number", field, None) from None
    return _check_weight(weight, field, None)


def parse_count(value: str, field: str = "count") -> int:
    """Count of trade items, AI (37): 1 to 99,999,999."""
    _required(value, field)
    if not (value.isdigit() and value.isascii() and len(value) <= 8) or int(value) == 0:
        raise _err(
            ErrorCode.LABEL_COUNT_INVALID,
            f"{field} must be a whole number from 1 to 99999999",
            field,
            (0, len(value)),
            actual=value,
        )
    return int(value)


def check_count_number(value: int, field: str = "count") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 99_999_999:
        raise _err(
            ErrorCode.LABEL_COUNT_INVALID, f"{field} must be a whole number from 1 to 99999999", field, None
        )
    return value


def parse_country(value: str, field: str = "destination_market") -> str:
    """An ISO 3166-1 alpha-2 country code (case-insensitive; returned upper-case)."""
    _required(value, field)
    code = value.upper()
    if not is_iso3166_alpha2(code):
        raise _err(
            ErrorCode.LABEL_COUNTRY_UNKNOWN,
            f"{field} is not an ISO 3166-1 alpha-2 country code",
            field,
            (0, len(value)),
            actual=value,
        )
    return code
