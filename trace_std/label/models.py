"""pydantic v2 models of the label payloads: :class:`CartonLabel` and :class:`PalletLabel`.

The models check each field on its own, through the ``Annotated`` types below, which call the
library validators of :mod:`trace_std.label.fields`. Rules that relate several fields (pack date
after harvest date, market requirements, GS1 ``req``/``ex``) are in :mod:`trace_std.label.rules`
and run in :func:`trace_std.label.check_label`.

A field error keeps the library's code and span: the pydantic error ``type`` *is* the trace_std
code, and ``ctx`` carries ``code``, ``span`` and ``field``. :func:`label_errors_to_issues` turns a
``ValidationError`` back into :class:`~trace_std.errors.Issue` objects.

>>> from pydantic import ValidationError
>>> try:
...     CartonLabel.model_validate({"gtin": "08935012345677", "lot": "L 1",
...                                 "harvest_date": "2025-03-01", "pack_date": "2025-03-02",
...                                 "net_weight_kg": 10})
... except ValidationError as exc:
...     [(i.code, i.field, i.span) for i in label_errors_to_issues(exc)]
[('label.field.character', 'lot', (1, 2))]
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema
from pydantic_core import PydanticCustomError

from trace_std.errors import ErrorCode, Issue, Severity, TraceStdError
from trace_std.label import fields as F

__all__ = [
    "Address",
    "CartonLabel",
    "Count",
    "Country",
    "Gtin",
    "IsoDate",
    "Lot",
    "NetWeight",
    "PalletLabel",
    "Phc",
    "ProductName",
    "Puc",
    "Serial",
    "Sscc",
    "Text",
    "Treatment",
    "label_errors_to_issues",
]

T = TypeVar("T")


def _escape(message: str) -> str:
    return message.replace("{", "{{").replace("}", "}}")


def _pydantic_error(err: TraceStdError) -> PydanticCustomError:
    ctx: dict[str, Any] = {"code": err.code, "span": list(err.span) if err.span is not None else None}
    if err.context:
        ctx["context"] = {
            k: v if isinstance(v, (str, int, float, bool)) or v is None else str(v)
            for k, v in err.context.items()
        }
    return PydanticCustomError(err.code, _escape(err.message), ctx)


def _text_input(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError(
            str(ErrorCode.LABEL_FIELD_INVALID),
            "expected a string",
            {"code": str(ErrorCode.LABEL_FIELD_INVALID), "span": None},
        )
    return value


def _wrap(parse: Callable[[str, str], T], field: str) -> Callable[[Any], T]:
    """A pydantic before-validator calling ``parse(text, field)`` and keeping code and span."""

    def validate(value: Any) -> T:
        text = _text_input(value, field)
        try:
            return parse(text, field)
        except TraceStdError as err:
            raise _pydantic_error(err) from None

    validate.__name__ = f"validate_{field}"
    return validate


def _date_input(value: Any) -> _dt.date:
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value
    text = _text_input(value, "date")
    try:
        return F.parse_date(text, "date")
    except TraceStdError as err:
        raise _pydantic_error(err) from None


def _weight_input(value: Any) -> Decimal:
    try:
        if isinstance(value, str):
            return F.parse_weight(value)
        if isinstance(value, (int, float, Decimal)):
            return F.check_weight_number(value)
    except TraceStdError as err:
        raise _pydantic_error(err) from None
    raise _pydantic_error(TraceStdError.from_code(ErrorCode.LABEL_WEIGHT_INVALID, "expected a number"))


def _count_input(value: Any) -> int:
    try:
        if isinstance(value, str):
            return F.parse_count(value)
        return F.check_count_number(value)
    except TraceStdError as err:
        raise _pydantic_error(err) from None


def _string_schema(pattern: str | None = None, **extra: Any) -> WithJsonSchema:
    schema: dict[str, Any] = {"type": "string", **extra}
    if pattern is not None:
        schema["pattern"] = pattern
    return WithJsonSchema(schema)


Gtin = Annotated[
    str,
    BeforeValidator(_wrap(F.parse_gtin, "gtin")),
    _string_schema(
        "^([0-9]{8}|[0-9]{12,14})$",
        description="GTIN-8, -12, -13 or -14 with a valid check digit; stored as GTIN-14",
    ),
]
Sscc = Annotated[
    str,
    BeforeValidator(_wrap(F.parse_sscc, "sscc")),
    _string_schema("^[0-9]{18}$", description="SSCC, 18 digits with a valid check digit"),
]
Puc = Annotated[
    str,
    BeforeValidator(_wrap(F.parse_puc, "puc")),
    _string_schema(
        None,
        minLength=1,
        maxLength=30,
        description="planting-area code (PUC, mã số vùng trồng), e.g. VN-DTOR-0017; stored in canonical form",
    ),
]
Phc = Annotated[
    str,
    BeforeValidator(_wrap(F.parse_phc, "phc")),
    _string_schema(
        None,
        minLength=1,
        maxLength=27,
        description="packing-house code (PHC, mã số cơ sở đóng gói), e.g. VN-BTPH-036; canonical form",
    ),
]
Lot = Annotated[
    str,
    BeforeValidator(_wrap(F.parse_lot, "lot")),
    _string_schema(
        '^[!-"%-/0-9:-?A-Z_a-z]{1,20}$', description="batch/lot, AI (10): 1-20 characters of GS1 CSET 82"
    ),
]
Serial = Annotated[
    str,
    BeforeValidator(_wrap(F.parse_serial, "serial")),
    _string_schema(
        '^[!-"%-/0-9:-?A-Z_a-z]{1,20}$', description="serial number, AI (21): 1-20 characters of GS1 CSET 82"
    ),
]
Country = Annotated[
    str,
    BeforeValidator(_wrap(F.parse_country, "destination_market")),
    _string_schema("^[A-Za-z]{2}$", description="ISO 3166-1 alpha-2 country code"),
]
Text = Annotated[
    str, BeforeValidator(_wrap(F.parse_text, "text")), _string_schema(None, minLength=1, maxLength=120)
]
Address = Annotated[
    str,
    BeforeValidator(_wrap(F.parse_address, "address")),
    _string_schema(None, minLength=1, maxLength=F.MAX_ADDRESS),
]
Treatment = Annotated[
    str,
    BeforeValidator(_wrap(F.parse_treatment, "treatment_method")),
    WithJsonSchema(
        {
            "type": "string",
            "enum": sorted(F.TREATMENTS),
            "description": "quarantine treatment of the consignment: "
            + "; ".join(f"{k}: {v}" for k, v in F.TREATMENTS.items()),
        }
    ),
]
IsoDate = Annotated[
    _dt.date,
    BeforeValidator(_date_input),
    WithJsonSchema({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
]
NetWeight = Annotated[
    Decimal,
    BeforeValidator(_weight_input),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0, "maximum": 999999},
                {"type": "string", "pattern": "^[0-9]+([.,][0-9]{1,5})?$"},
            ],
            "description": "net weight in kilograms, AI (310n): at most 6 significant digits and 5 decimals",
        }
    ),
]
Count = Annotated[
    int,
    BeforeValidator(_count_input),
    WithJsonSchema(
        {"type": "integer", "minimum": 1, "maximum": 99999999, "description": "count of trade items, AI (37)"}
    ),
]

_FROZEN = ConfigDict(extra="forbid", frozen=True, validate_default=False)


class ProductName(BaseModel):
    """Product name in Vietnamese and, optionally, English and the buyer's language (ru, ja, ko)."""

    model_config = _FROZEN

    vi: Text = Field(description="tên sản phẩm, Vietnamese product name")
    en: Text | None = Field(default=None, description="English product name")
    ru: Text | None = Field(default=None, description="Russian product name (наименование), market RU")
    ja: Text | None = Field(default=None, description="Japanese product name (名称), market JP")
    ko: Text | None = Field(default=None, description="Korean product name (품목명), market KR")


class CartonLabel(BaseModel):
    """A carton (trade item) label of fresh produce, profile ``vn-fresh-produce/1``."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="CartonLabel")

    gtin: Gtin = Field(description="GTIN of the trade item, AI (01)")
    lot: Lot
    harvest_date: IsoDate = Field(description="harvest date, or first day of the harvest period, AI (7007)")
    harvest_date_end: IsoDate | None = Field(
        default=None, description="last day of the harvest period, AI (7007)"
    )
    pack_date: IsoDate = Field(description="packing date, AI (13)")
    best_before: IsoDate | None = Field(default=None, description="best-before date, AI (15)")
    net_weight_kg: NetWeight
    product_name: ProductName | None = None
    crop: Text | None = Field(default=None, description="crop (cây trồng), e.g. dragon fruit")
    puc: Puc | None = Field(default=None, description="planting-area code, AI (90)")
    phc: Phc | None = Field(default=None, description="packing-house code, AI (7030) as 704 + code")
    exporter: Text | None = Field(default=None, description="exporter (or packer) name")
    destination_market: Country | None = Field(default=None, description="destination market")
    serial: Serial | None = None
    sscc: Sscc | None = Field(
        default=None, description="SSCC when the carton is itself a logistic unit, AI (00)"
    )
    # printed particulars some markets require (RU, JP, KR); see docs/formats/markets.md
    exporter_address: Address | None = Field(
        default=None, description="address of the exporter (producer/packer), e.g. for TR CU 022/2011"
    )
    importer: Text | None = Field(default=None, description="importer name in the destination market")
    importer_address: Address | None = Field(default=None, description="importer address")
    storage_conditions: Text | None = Field(
        default=None, description="storage conditions, in the destination market's language"
    )
    treatment_method: Treatment | None = Field(default=None, description="quarantine treatment applied")
    treatment_facility: Text | None = Field(
        default=None, description="treatment facility (name or registration number)"
    )


class PalletLabel(BaseModel):
    """A pallet (logistic unit) label: SSCC, content GTIN, count and the origin data."""

    model_config = ConfigDict(extra="forbid", frozen=True, title="PalletLabel")

    sscc: Sscc = Field(description="SSCC of the pallet, AI (00)")
    content_gtin: Gtin = Field(description="GTIN of the cartons on the pallet, AI (02)")
    count: Count
    lot: Lot | None = None
    harvest_date: IsoDate | None = Field(default=None, description="harvest date or first day, AI (7007)")
    harvest_date_end: IsoDate | None = Field(default=None, description="last day of the harvest period")
    pack_date: IsoDate | None = Field(default=None, description="packing date, AI (13)")
    best_before: IsoDate | None = Field(default=None, description="best-before date, AI (15)")
    net_weight_kg: NetWeight | None = None
    product_name: ProductName | None = None
    crop: Text | None = None
    puc: Puc | None = Field(default=None, description="planting-area code, AI (90)")
    phc: Phc | None = Field(default=None, description="packing-house code, AI (7030) as 704 + code")
    exporter: Text | None = None
    destination_market: Country | None = None
    # printed particulars some markets require (RU, JP, KR); see docs/formats/markets.md
    exporter_address: Address | None = Field(
        default=None, description="address of the exporter (producer/packer), e.g. for TR CU 022/2011"
    )
    importer: Text | None = Field(default=None, description="importer name in the destination market")
    importer_address: Address | None = Field(default=None, description="importer address")
    storage_conditions: Text | None = Field(
        default=None, description="storage conditions, in the destination market's language"
    )
    treatment_method: Treatment | None = Field(default=None, description="quarantine treatment applied")
    treatment_facility: Text | None = Field(
        default=None, description="treatment facility (name or registration number)"
    )


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts.append(f"[{part}]")
        else:
            parts.append(("." if parts else "") + part)
    return "".join(parts)


_PYDANTIC_CODES: dict[str, ErrorCode] = {
    "missing": ErrorCode.LABEL_FIELD_REQUIRED,
    "extra_forbidden": ErrorCode.LABEL_FIELD_UNKNOWN,
    "date_from_datetime_inexact": ErrorCode.LABEL_DATE_INVALID,
}


def label_errors_to_issues(exc: ValidationError) -> list[Issue]:
    """Map a pydantic ``ValidationError`` of the label models to :class:`Issue` objects.

    Library errors come back with their own code and span; pydantic's own errors become
    ``label.field.required`` (missing), ``label.field.unknown`` (extra key) or
    ``label.field.invalid`` (wrong type).
    """
    if not isinstance(exc, ValidationError):
        raise TypeError(f"expected a pydantic ValidationError, not {type(exc).__name__}")
    issues: list[Issue] = []
    for error in exc.errors(include_url=False):
        ctx = error.get("ctx") or {}
        field = _field_path(tuple(error["loc"])) or None
        if "code" in ctx:
            code = str(ctx["code"])
            span_list = ctx.get("span")
            span = (int(span_list[0]), int(span_list[1])) if span_list else None
            context = dict(ctx.get("context") or {})
        else:
            code = str(_PYDANTIC_CODES.get(error["type"], ErrorCode.LABEL_FIELD_INVALID))
            span = None
            context = {"pydantic_type": error["type"]}
        issues.append(Issue(code, Severity.ERROR, error["msg"], span, field, context))
    return issues
