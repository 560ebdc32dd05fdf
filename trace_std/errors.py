"""One error hierarchy for the whole library.

Every problem trace_std finds is described by a stable, dotted, machine-readable
:class:`ErrorCode` (``gs1.ai.unknown``, ``puc.province.unknown``, ...), a half-open
``span`` into the caller's *original* string, an optional ``field`` path for
structured input, and a ``context`` mapping (expected, actual, data version...).

* Parsers raise a :class:`TraceStdError` subclass on the first problem
  (``validate()``/``parse()``).
* ``check()`` functions collect every problem into a :class:`Report` of
  :class:`Issue` objects, each with a :class:`Severity`.

Codes are append-only: never renamed, never reused. ``tests/test_errors.py``
pins the set against ``tests/data/error_codes.txt``.

Misuse of the API (a wrong argument type) raises :class:`TypeError`, not a
``TraceStdError``.

>>> err = TraceStdError.from_code(ErrorCode.INPUT_EMPTY, span=(0, 0))
>>> type(err).__name__, err.code, err.span
('InvalidLength', 'input.empty', (0, 0))
>>> isinstance(err, ValueError)
True
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Any, ClassVar

__all__ = [
    "EncodeError",
    "ErrorCode",
    "FileFormatError",
    "InvalidCharacter",
    "InvalidChecksum",
    "InvalidCombination",
    "InvalidComponent",
    "InvalidFormat",
    "InvalidLength",
    "Issue",
    "RegistryError",
    "RenderError",
    "Report",
    "Severity",
    "TraceStdError",
    "UnknownReference",
]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class ErrorCode(StrEnum):
    """Every error and warning code the library can emit.

    Sections are owned by the package that emits them. Append only; the
    category of each code is fixed in :data:`_CATEGORY` below.
    """

    # -- generic input -----------------------------------------------------
    INPUT_EMPTY = "input.empty"
    INPUT_TOO_LONG = "input.too_long"
    INPUT_CONTROL_CHARACTER = "input.control_character"
    INPUT_UNRECOGNISED = "input.unrecognised"

    # -- PUC / PHC codes (trace_std.codes) ---------------------------------
    CODE_FORM_CASE = "code.form.case"
    CODE_FORM_WHITESPACE = "code.form.whitespace"
    CODE_FORM_DASH = "code.form.dash"
    CODE_FORM_COMPATIBILITY = "code.form.compatibility"
    CODE_FORM_VIETNAMESE_D = "code.form.vietnamese_d"
    CODE_CHARACTER_INVALID = "code.character.invalid"
    CODE_CHARACTER_NON_ASCII_DIGIT = "code.character.non_ascii_digit"
    CODE_COUNTRY_INVALID = "code.country.invalid"
    CODE_SEPARATOR_MISSING = "code.separator.missing"
    CODE_SEPARATOR_UNEXPECTED = "code.separator.unexpected"
    CODE_SEGMENT_MISSING = "code.segment.missing"
    CODE_SEGMENT_LENGTH = "code.segment.length"
    CODE_SEGMENT_CHARACTER = "code.segment.character"
    CODE_SEGMENT_UNEXPECTED = "code.segment.unexpected"
    CODE_TYPE_UNKNOWN = "code.type.unknown"
    CODE_KIND_MISMATCH = "code.kind.mismatch"
    CODE_ABBREVIATION_UNKNOWN = "code.abbreviation.unknown"
    CODE_ABBREVIATION_AMBIGUOUS = "code.abbreviation.ambiguous"
    PUC_PROVINCE_UNKNOWN = "puc.province.unknown"
    PUC_DISTRICT_UNKNOWN = "puc.district.unknown"
    PUC_DISTRICT_MISMATCH = "puc.district.mismatch"
    PUC_DISTRICT_ABOLISHED = "puc.district.abolished"
    PUC_COMMUNE_UNKNOWN = "puc.commune.unknown"
    PUC_COMMUNE_MISMATCH = "puc.commune.mismatch"
    PUC_YEAR_FUTURE = "puc.year.future"
    PUC_YEAR_BEFORE_SCHEME = "puc.year.before_scheme"
    # (codes package appends here)

    # -- GS1 keys, AIs, element strings (trace_std.gs1) --------------------
    GS1_KEY_LENGTH = "gs1.key.length"
    GS1_KEY_CHARACTER = "gs1.key.character"
    GS1_KEY_CHECKSUM = "gs1.key.checksum"
    GS1_KEY_COMPONENT = "gs1.key.component"
    GS1_VOICE_PICK_LOT = "gs1.voice_pick.lot"
    GS1_VOICE_PICK_DATE = "gs1.voice_pick.date"
    GS1_AI_UNKNOWN = "gs1.ai.unknown"
    GS1_AI_MALFORMED = "gs1.ai.malformed"
    GS1_AI_REPEATED = "gs1.ai.repeated"
    GS1_PAIR_REQUIRED = "gs1.pair.required"
    GS1_PAIR_EXCLUDED = "gs1.pair.excluded"
    GS1_DIGSIG_SERIAL = "gs1.digsig.serial"
    GS1_VALUE_LENGTH = "gs1.value.length"
    GS1_VALUE_CHARACTER = "gs1.value.character"
    GS1_SEPARATOR_DOUBLE = "gs1.separator.double"
    GS1_SEPARATOR_SUPERFLUOUS = "gs1.separator.superfluous"
    GS1_HRI_SYNTAX = "gs1.hri.syntax"
    GS1_SYMBOLOGY_UNKNOWN = "gs1.symbology.unknown"
    GS1_SEPARATOR_MISSING = "gs1.separator.missing"
    GS1_LINT_COUPONCODE = "gs1.lint.couponcode"
    GS1_LINT_COUPONPOSOFFER = "gs1.lint.couponposoffer"
    GS1_LINT_CSET39 = "gs1.lint.cset39"
    GS1_LINT_CSET64 = "gs1.lint.cset64"
    GS1_LINT_CSET82 = "gs1.lint.cset82"
    GS1_LINT_CSUM = "gs1.lint.csum"
    GS1_LINT_CSUMALPHA = "gs1.lint.csumalpha"
    GS1_LINT_GCPPOS1 = "gs1.lint.gcppos1"
    GS1_LINT_GCPPOS2 = "gs1.lint.gcppos2"
    GS1_LINT_HASNONDIGIT = "gs1.lint.hasnondigit"
    GS1_LINT_HH = "gs1.lint.hh"
    GS1_LINT_HHMI = "gs1.lint.hhmi"
    GS1_LINT_HYPHEN = "gs1.lint.hyphen"
    GS1_LINT_IBAN = "gs1.lint.iban"
    GS1_LINT_IMPORTERIDX = "gs1.lint.importeridx"
    GS1_LINT_ISO3166 = "gs1.lint.iso3166"
    GS1_LINT_ISO3166999 = "gs1.lint.iso3166999"
    GS1_LINT_ISO3166ALPHA2 = "gs1.lint.iso3166alpha2"
    GS1_LINT_ISO4217 = "gs1.lint.iso4217"
    GS1_LINT_ISO5218 = "gs1.lint.iso5218"
    GS1_LINT_LATITUDE = "gs1.lint.latitude"
    GS1_LINT_LONGITUDE = "gs1.lint.longitude"
    GS1_LINT_MEDIATYPE = "gs1.lint.mediatype"
    GS1_LINT_MI = "gs1.lint.mi"
    GS1_LINT_NONZERO = "gs1.lint.nonzero"
    GS1_LINT_NOZEROPREFIX = "gs1.lint.nozeroprefix"
    GS1_LINT_PACKAGETYPE = "gs1.lint.packagetype"
    GS1_LINT_PCENC = "gs1.lint.pcenc"
    GS1_LINT_PIECEOFTOTAL = "gs1.lint.pieceoftotal"
    GS1_LINT_POSINSEQSLASH = "gs1.lint.posinseqslash"
    GS1_LINT_SS = "gs1.lint.ss"
    GS1_LINT_WINDING = "gs1.lint.winding"
    GS1_LINT_YESNO = "gs1.lint.yesno"
    GS1_LINT_YYMMD0 = "gs1.lint.yymmd0"
    GS1_LINT_YYMMDD = "gs1.lint.yymmdd"
    GS1_LINT_YYYYMMDD = "gs1.lint.yyyymmdd"
    GS1_LINT_ZERO = "gs1.lint.zero"
    # (gs1 package appends here)

    # -- GS1 Digital Link (trace_std.gs1.digital_link) ---------------------
    DL_SCHEME = "dl.scheme"
    DL_HOST = "dl.host"
    DL_CHARACTER = "dl.character"
    DL_PATH_SEGMENT = "dl.path.segment"
    DL_KEY_MISSING = "dl.key.missing"
    DL_KEY_MULTIPLE = "dl.key.multiple"
    DL_AI_UNKNOWN = "dl.ai.unknown"
    DL_QUALIFIER_INVALID = "dl.qualifier.invalid"
    DL_QUALIFIER_ORDER = "dl.qualifier.order"
    DL_QUERY_DUPLICATE = "dl.query.duplicate"
    DL_QUERY_PATH_AI = "dl.query.path_ai"
    DL_QUERY_NOT_ATTRIBUTE = "dl.query.not_attribute"
    DL_QUERY_UNKNOWN_AI = "dl.query.unknown_ai"
    DL_VALUE_EMPTY = "dl.value.empty"
    DL_PERCENT_NUL = "dl.percent.nul"
    DL_PERCENT_INVALID = "dl.percent.invalid"
    DL_GTIN_ZERO_SUPPRESSED = "dl.gtin.zero_suppressed"
    DL_CONVENIENCE_ALPHA = "dl.convenience_alpha"
    # (digital link appends here)

    # -- labels and batch files (trace_std.label) --------------------------
    LABEL_FIELD_REQUIRED = "label.field.required"
    LABEL_FIELD_INVALID = "label.field.invalid"
    LABEL_FIELD_TOO_LONG = "label.field.too_long"
    LABEL_FIELD_CHARACTER = "label.field.character"
    LABEL_DATE_INVALID = "label.date.invalid"
    LABEL_DATE_RANGE = "label.date.range"
    LABEL_DATE_ORDER = "label.date.order"
    LABEL_DATE_FUTURE = "label.date.future"
    LABEL_DATE_BEST_BEFORE = "label.date.best_before"
    LABEL_DATE_UNENCODABLE = "label.date.unencodable"
    LABEL_WEIGHT_INVALID = "label.weight.invalid"
    LABEL_WEIGHT_UNENCODABLE = "label.weight.unencodable"
    LABEL_COUNT_INVALID = "label.count.invalid"
    LABEL_COUNTRY_UNKNOWN = "label.country.unknown"
    LABEL_PUC_KIND = "label.puc.kind"
    LABEL_PHC_KIND = "label.phc.kind"
    LABEL_GTIN_PREFIX = "label.gtin.prefix"
    LABEL_MARKET_UNKNOWN = "label.market.unknown"
    LABEL_MARKET_REQUIRED = "label.market.required"
    LABEL_MARKET_MISMATCH = "label.market.mismatch"
    LABEL_MARKET_UNCONFIRMED = "label.market.unconfirmed"
    LABEL_PROFILE_UNMAPPED = "label.profile.unmapped"
    LABEL_PROFILE_MISMATCH = "label.profile.mismatch"
    FILE_UNREADABLE = "file.unreadable"
    FILE_FORMAT_UNKNOWN = "file.format.unknown"
    FILE_BINARY = "file.binary"
    FILE_ENCODING = "file.encoding"
    FILE_TRUNCATED = "file.truncated"
    FILE_EMPTY = "file.empty"
    FILE_COLUMNS_MISSING = "file.columns.missing"
    FILE_COLUMNS_DUPLICATE = "file.columns.duplicate"
    FILE_ROW_MALFORMED = "file.row.malformed"
    FILE_TOO_LARGE = "file.too_large"
    BATCH_SERIAL_DUPLICATE = "batch.serial.duplicate"
    BATCH_SSCC_DUPLICATE = "batch.sscc.duplicate"
    BATCH_LOT_HARVEST_CONFLICT = "batch.lot.harvest_conflict"
    LABEL_FIELD_UNKNOWN = "label.field.unknown"
    LABEL_DATE_AMBIGUOUS = "label.date.ambiguous"
    LABEL_GTIN_SCIENTIFIC = "label.gtin.scientific"
    LABEL_GTIN_LEADING_ZEROS = "label.gtin.leading_zeros"
    LABEL_REPAIRED_DATE = "label.repaired.date"
    LABEL_REPAIRED_GTIN = "label.repaired.gtin"
    LABEL_REPAIRED_CODE = "label.repaired.code"
    LABEL_REPAIRED_MARKET = "label.repaired.market"
    LABEL_REPAIRED_NUMBER = "label.repaired.number"
    FILE_HEADER_ROW = "file.header.row"
    FILE_ROW_SKIPPED = "file.row.skipped"
    # (label package appends here)

    # -- rendering (trace_std.render) ---------------------------------------
    RENDER_EXTRA_MISSING = "render.extra_missing"
    RENDER_ENGINE_UNKNOWN = "render.engine.unknown"
    RENDER_ENGINE_UNSUPPORTED = "render.engine.unsupported"
    RENDER_FORMAT_UNKNOWN = "render.format.unknown"
    RENDER_OPTION_INVALID = "render.option.invalid"
    RENDER_SYMBOL_FAILED = "render.symbol.failed"
    RENDER_SYMBOL_TOO_WIDE = "render.symbol.too_wide"
    RENDER_GS1_128_TOO_LONG = "render.gs1_128.too_long"
    RENDER_ELEMENTS_EMPTY = "render.elements.empty"
    IMAGE_UNREADABLE = "image.unreadable"
    IMAGE_TOO_LARGE = "image.too_large"
    IMAGE_NO_SYMBOL = "image.no_symbol"
    RENDER_SHEET_OVERFLOW = "render.sheet.overflow"
    RENDER_FONT_MISSING = "render.font.missing"
    # (render package appends here)

    # -- registry and verification (trace_std.registry) ---------------------
    REGISTRY_UNAVAILABLE = "registry.unavailable"
    REGISTRY_BUSY = "registry.busy"
    REGISTRY_CODE_NOT_FOUND = "registry.code.not_found"
    REGISTRY_CODE_NOT_YET_ISSUED = "registry.code.not_yet_issued"
    REGISTRY_CODE_SUSPENDED = "registry.code.suspended"
    REGISTRY_CODE_REVOKED = "registry.code.revoked"
    REGISTRY_CODE_KIND_MISMATCH = "registry.code.kind_mismatch"
    REGISTRY_MARKET_NOT_APPROVED = "registry.market.not_approved"
    REGISTRY_MARKET_EXPIRED = "registry.market.expired"
    REGISTRY_MARKET_UNKNOWN = "registry.market.unknown"
    REGISTRY_PRODUCT_NOT_FOUND = "registry.product.not_found"
    REGISTRY_LOT_NOT_FOUND = "registry.lot.not_found"
    REGISTRY_LOT_PUC_MISMATCH = "registry.lot.puc_mismatch"
    REGISTRY_LOT_PHC_MISMATCH = "registry.lot.phc_mismatch"
    REGISTRY_LOT_PACK_DATE_MISMATCH = "registry.lot.pack_date_mismatch"
    REGISTRY_CROP_MISMATCH = "registry.crop.mismatch"
    REGISTRY_STATUS_INVALID = "registry.status.invalid"
    REGISTRY_STATUS_UNCHANGED = "registry.status.unchanged"
    REGISTRY_SEARCH_QUERY_TOO_SHORT = "registry.search.query_too_short"
    REGISTRY_IMPORT_UNREADABLE = "registry.import.unreadable"
    REGISTRY_IMPORT_FIELD_MISSING = "registry.import.field_missing"
    REGISTRY_IMPORT_FIELD_INVALID = "registry.import.field_invalid"
    REGISTRY_IMPORT_CODE_INVALID = "registry.import.code_invalid"
    REGISTRY_IMPORT_DUPLICATE = "registry.import.duplicate"
    REGISTRY_IMPORT_UNKNOWN_REFERENCE = "registry.import.unknown_reference"
    REGISTRY_IMPORT_HISTORY_CONFLICT = "registry.import.history_conflict"
    REGISTRY_TOKEN_INVALID = "registry.token.invalid"
    REGISTRY_TOKEN_SCOPE_UNKNOWN = "registry.token.scope_unknown"
    REGISTRY_TOKEN_NOT_FOUND = "registry.token.not_found"
    REGISTRY_TOKEN_NAME_TAKEN = "registry.token.name_taken"
    REGISTRY_TOKEN_AMBIGUOUS = "registry.token.ambiguous"
    REGISTRY_AUTHORISATION_NOT_FOUND = "registry.authorisation.not_found"
    REGISTRY_AUTHORISATION_INVALID = "registry.authorisation.invalid"
    REGISTRY_DECLARE_INVALID = "registry.declare.invalid"
    AUDIT_RULE_UNKNOWN = "audit.rule.unknown"
    AUDIT_OPTION_INVALID = "audit.option.invalid"
    AUDIT_FINDING_NOT_FOUND = "audit.finding.not_found"
    REGISTRY_AUTHORISATION_MISSING = "registry.authorisation.missing"
    # (registry package appends here)

    # -- EPCIS events (trace_std.events) -----------------------------------
    EPCIS_JSON_SYNTAX = "epcis.json.syntax"
    EPCIS_JSON_ENCODING = "epcis.json.encoding"
    EPCIS_DOCUMENT_TYPE = "epcis.document.type"
    EPCIS_FIELD_REQUIRED = "epcis.field.required"
    EPCIS_FIELD_TYPE = "epcis.field.type"
    EPCIS_FIELD_UNKNOWN = "epcis.field.unknown"
    EPCIS_FIELD_EMPTY = "epcis.field.empty"
    EPCIS_FIELD_DUPLICATE = "epcis.field.duplicate"
    EPCIS_VALUE_INVALID = "epcis.value.invalid"
    EPCIS_URI_INVALID = "epcis.uri.invalid"
    EPCIS_TIME_FORMAT = "epcis.time.format"
    EPCIS_TIME_ORDER = "epcis.time.order"
    EPCIS_TIMEZONE_FORMAT = "epcis.timezone.format"
    EPCIS_VOCAB_UNKNOWN = "epcis.vocab.unknown"
    EPCIS_VOCAB_CBV_URI = "epcis.vocab.cbv_uri"
    EPCIS_EXTENSION_PREFIX = "epcis.extension.prefix"
    EPCIS_CONTEXT_MISSING = "epcis.context.missing"
    EPCIS_CONTEXT_UNKNOWN = "epcis.context.unknown"
    EPCIS_CONTEXT_INVALID = "epcis.context.invalid"
    EPCIS_EPC_SYNTAX = "epcis.epc.syntax"
    EPCIS_EPC_LEVEL = "epcis.epc.level"
    EPCIS_EPC_KEY_TYPE = "epcis.epc.key_type"
    EPCIS_QUANTITY_INVALID = "epcis.quantity.invalid"
    EPCIS_UOM_UNKNOWN = "epcis.uom.unknown"
    EPCIS_UOM_WITHOUT_QUANTITY = "epcis.uom.without_quantity"
    EPCIS_ILMD_ACTION = "epcis.ilmd.action"
    EPCIS_WHAT_MISSING = "epcis.what.missing"
    EPCIS_TRANSFORMATION_INCOMPLETE = "epcis.transformation.incomplete"
    EPCIS_PARENT_MISSING = "epcis.parent.missing"
    EPCIS_EVENT_ID_DUPLICATE = "epcis.event_id.duplicate"
    EPCIS_EVENT_ID_HASH_MISMATCH = "epcis.event_id.hash_mismatch"
    EPCIS_ERROR_DECLARATION_EVENT_ID = "epcis.error_declaration.event_id"
    EPCIS_ERROR_DECLARATION_SELF = "epcis.error_declaration.self"
    EPCIS_PROFILE_FIELD_MISSING = "epcis.profile.field_missing"
    EPCIS_PROFILE_PARENT_NOT_SSCC = "epcis.profile.parent_not_sscc"
    EPCIS_PROFILE_CHILD_NOT_TRADE_ITEM = "epcis.profile.child_not_trade_item"
    EPCIS_PROFILE_MARKET_UNKNOWN = "epcis.profile.market_unknown"
    EPCIS_PROFILE_DATE_INVALID = "epcis.profile.date_invalid"
    EPCIS_FSMA_KDE_MISSING = "epcis.fsma.kde_missing"
    # (events package appends here)

    # -- EPCIS repository (trace_std.events.repository) ---------------------
    EPCIS_CAPTURE_DOCUMENT_TYPE = "epcis.capture.document_type"
    EPCIS_CAPTURE_VALUE_TOO_LONG = "epcis.capture.value_too_long"
    EPCIS_QUERY_PARAMETER_UNKNOWN = "epcis.query.parameter_unknown"
    EPCIS_QUERY_PARAMETER_INVALID = "epcis.query.parameter_invalid"
    EPCIS_QUERY_PAGE_TOKEN = "epcis.query.page_token"
    # (events repository appends here)


class TraceStdError(ValueError):
    """Base class of every error trace_std raises for bad *data*.

    Attributes:
        code: the stable :class:`ErrorCode` (a ``str``).
        span: half-open ``(start, end)`` character positions in the caller's
            original input, or ``None`` when the problem has no position.
        field: dotted path of the offending field in structured input.
        context: extra machine-readable facts (``expected``, ``actual``...).
    """

    default_code: ClassVar[ErrorCode] = ErrorCode.INPUT_UNRECOGNISED

    def __init__(
        self,
        code: ErrorCode | str | None = None,
        message: str | None = None,
        *,
        span: tuple[int, int] | None = None,
        field: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.code: str = str(code) if code is not None else str(self.default_code)
        self.span = span
        self.field = field
        self.context: dict[str, Any] = dict(context or {})
        self.message = message or self.code
        super().__init__(self.message)

    @classmethod
    def from_code(
        cls,
        code: ErrorCode,
        message: str | None = None,
        *,
        span: tuple[int, int] | None = None,
        field: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> TraceStdError:
        """Build an error of the category registered for ``code``."""
        category = _CATEGORY.get(code, InvalidFormat)
        return category(code, message, span=span, field=field, context=context)

    def to_issue(self, severity: Severity = Severity.ERROR) -> Issue:
        return Issue(
            code=self.code,
            severity=severity,
            message=self.message,
            span=self.span,
            field=self.field,
            context=dict(self.context),
        )

    def shifted(self, offset: int, field: str | None = None) -> TraceStdError:
        """A copy whose span is moved by ``offset`` (for nested parsing)."""
        span = None if self.span is None else (self.span[0] + offset, self.span[1] + offset)
        return type(self)(
            self.code,
            self.message,
            span=span,
            field=field if field is not None else self.field,
            context=self.context,
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, span={self.span!r}, field={self.field!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), self.code, self.message, self.span, self.field, self.context))


def _rebuild(
    cls: type[TraceStdError],
    code: str,
    message: str,
    span: tuple[int, int] | None,
    field: str | None,
    context: dict[str, Any],
) -> TraceStdError:
    return cls(code, message, span=span, field=field, context=context)


class InvalidFormat(TraceStdError):
    """The input does not have the expected structure."""


class InvalidLength(TraceStdError):
    """The input, or one of its parts, is too short or too long."""


class InvalidCharacter(TraceStdError):
    """The input contains a character that is not allowed where it stands."""


class InvalidChecksum(TraceStdError):
    """A check digit or check sum does not match."""


class InvalidComponent(TraceStdError):
    """A part of the input is well formed but has an invalid value."""


class UnknownReference(TraceStdError):
    """The input refers to something no data table knows (province, AI...)."""


class InvalidCombination(TraceStdError):
    """Parts that are fine alone are invalid together (GS1 req/ex...)."""


class EncodeError(TraceStdError):
    """Values cannot be encoded into the requested representation."""


class RenderError(TraceStdError):
    """A symbol or label could not be rendered."""


class FileFormatError(TraceStdError):
    """A batch or import file cannot be read (encoding, truncation...)."""


class RegistryError(TraceStdError):
    """The registry refused an operation (unknown record, conflict...)."""


# Category of every code. A code missing here defaults to InvalidFormat; the
# test-suite checks that every ErrorCode is listed.
_CATEGORY: dict[str, type[TraceStdError]] = {
    ErrorCode.INPUT_EMPTY: InvalidLength,
    ErrorCode.INPUT_TOO_LONG: InvalidLength,
    ErrorCode.INPUT_CONTROL_CHARACTER: InvalidCharacter,
    ErrorCode.INPUT_UNRECOGNISED: InvalidFormat,
    # -- codes categories --
    ErrorCode.CODE_FORM_CASE: InvalidFormat,
    ErrorCode.CODE_FORM_WHITESPACE: InvalidFormat,
    ErrorCode.CODE_FORM_DASH: InvalidCharacter,
    ErrorCode.CODE_FORM_COMPATIBILITY: InvalidCharacter,
    ErrorCode.CODE_FORM_VIETNAMESE_D: InvalidCharacter,
    ErrorCode.CODE_CHARACTER_INVALID: InvalidCharacter,
    ErrorCode.CODE_CHARACTER_NON_ASCII_DIGIT: InvalidCharacter,
    ErrorCode.CODE_COUNTRY_INVALID: InvalidComponent,
    ErrorCode.CODE_SEPARATOR_MISSING: InvalidFormat,
    ErrorCode.CODE_SEPARATOR_UNEXPECTED: InvalidFormat,
    ErrorCode.CODE_SEGMENT_MISSING: InvalidFormat,
    ErrorCode.CODE_SEGMENT_LENGTH: InvalidLength,
    ErrorCode.CODE_SEGMENT_CHARACTER: InvalidCharacter,
    ErrorCode.CODE_SEGMENT_UNEXPECTED: InvalidFormat,
    ErrorCode.CODE_TYPE_UNKNOWN: InvalidComponent,
    ErrorCode.CODE_KIND_MISMATCH: InvalidCombination,
    ErrorCode.CODE_ABBREVIATION_UNKNOWN: UnknownReference,
    ErrorCode.CODE_ABBREVIATION_AMBIGUOUS: UnknownReference,
    ErrorCode.PUC_PROVINCE_UNKNOWN: UnknownReference,
    ErrorCode.PUC_DISTRICT_UNKNOWN: UnknownReference,
    ErrorCode.PUC_DISTRICT_MISMATCH: InvalidCombination,
    ErrorCode.PUC_DISTRICT_ABOLISHED: InvalidCombination,
    ErrorCode.PUC_COMMUNE_UNKNOWN: UnknownReference,
    ErrorCode.PUC_COMMUNE_MISMATCH: InvalidCombination,
    ErrorCode.PUC_YEAR_FUTURE: InvalidComponent,
    ErrorCode.PUC_YEAR_BEFORE_SCHEME: InvalidComponent,
    # -- gs1 categories --
    ErrorCode.GS1_KEY_LENGTH: InvalidLength,
    ErrorCode.GS1_KEY_CHARACTER: InvalidCharacter,
    ErrorCode.GS1_KEY_CHECKSUM: InvalidChecksum,
    ErrorCode.GS1_KEY_COMPONENT: InvalidComponent,
    ErrorCode.GS1_VOICE_PICK_LOT: InvalidComponent,
    ErrorCode.GS1_VOICE_PICK_DATE: InvalidComponent,
    ErrorCode.GS1_AI_UNKNOWN: UnknownReference,
    ErrorCode.GS1_AI_MALFORMED: InvalidFormat,
    ErrorCode.GS1_AI_REPEATED: InvalidCombination,
    ErrorCode.GS1_PAIR_REQUIRED: InvalidCombination,
    ErrorCode.GS1_PAIR_EXCLUDED: InvalidCombination,
    ErrorCode.GS1_DIGSIG_SERIAL: InvalidCombination,
    ErrorCode.GS1_VALUE_LENGTH: InvalidLength,
    ErrorCode.GS1_VALUE_CHARACTER: InvalidCharacter,
    ErrorCode.GS1_SEPARATOR_DOUBLE: InvalidFormat,
    ErrorCode.GS1_SEPARATOR_SUPERFLUOUS: InvalidFormat,
    ErrorCode.GS1_HRI_SYNTAX: InvalidFormat,
    ErrorCode.GS1_SYMBOLOGY_UNKNOWN: UnknownReference,
    ErrorCode.GS1_SEPARATOR_MISSING: InvalidFormat,
    ErrorCode.GS1_LINT_COUPONCODE: InvalidComponent,
    ErrorCode.GS1_LINT_COUPONPOSOFFER: InvalidComponent,
    ErrorCode.GS1_LINT_CSET39: InvalidCharacter,
    ErrorCode.GS1_LINT_CSET64: InvalidCharacter,
    ErrorCode.GS1_LINT_CSET82: InvalidCharacter,
    ErrorCode.GS1_LINT_CSUM: InvalidChecksum,
    ErrorCode.GS1_LINT_CSUMALPHA: InvalidChecksum,
    ErrorCode.GS1_LINT_GCPPOS1: InvalidComponent,
    ErrorCode.GS1_LINT_GCPPOS2: InvalidComponent,
    ErrorCode.GS1_LINT_HASNONDIGIT: InvalidComponent,
    ErrorCode.GS1_LINT_HH: InvalidComponent,
    ErrorCode.GS1_LINT_HHMI: InvalidComponent,
    ErrorCode.GS1_LINT_HYPHEN: InvalidComponent,
    ErrorCode.GS1_LINT_IBAN: InvalidComponent,
    ErrorCode.GS1_LINT_IMPORTERIDX: InvalidComponent,
    ErrorCode.GS1_LINT_ISO3166: InvalidComponent,
    ErrorCode.GS1_LINT_ISO3166999: InvalidComponent,
    ErrorCode.GS1_LINT_ISO3166ALPHA2: InvalidComponent,
    ErrorCode.GS1_LINT_ISO4217: InvalidComponent,
    ErrorCode.GS1_LINT_ISO5218: InvalidComponent,
    ErrorCode.GS1_LINT_LATITUDE: InvalidComponent,
    ErrorCode.GS1_LINT_LONGITUDE: InvalidComponent,
    ErrorCode.GS1_LINT_MEDIATYPE: InvalidComponent,
    ErrorCode.GS1_LINT_MI: InvalidComponent,
    ErrorCode.GS1_LINT_NONZERO: InvalidComponent,
    ErrorCode.GS1_LINT_NOZEROPREFIX: InvalidComponent,
    ErrorCode.GS1_LINT_PACKAGETYPE: InvalidComponent,
    ErrorCode.GS1_LINT_PCENC: InvalidComponent,
    ErrorCode.GS1_LINT_PIECEOFTOTAL: InvalidComponent,
    ErrorCode.GS1_LINT_POSINSEQSLASH: InvalidComponent,
    ErrorCode.GS1_LINT_SS: InvalidComponent,
    ErrorCode.GS1_LINT_WINDING: InvalidComponent,
    ErrorCode.GS1_LINT_YESNO: InvalidComponent,
    ErrorCode.GS1_LINT_YYMMD0: InvalidComponent,
    ErrorCode.GS1_LINT_YYMMDD: InvalidComponent,
    ErrorCode.GS1_LINT_YYYYMMDD: InvalidComponent,
    ErrorCode.GS1_LINT_ZERO: InvalidComponent,
    # -- digital link categories --
    ErrorCode.DL_SCHEME: InvalidFormat,
    ErrorCode.DL_HOST: InvalidFormat,
    ErrorCode.DL_CHARACTER: InvalidCharacter,
    ErrorCode.DL_PATH_SEGMENT: InvalidFormat,
    ErrorCode.DL_KEY_MISSING: InvalidFormat,
    ErrorCode.DL_KEY_MULTIPLE: InvalidCombination,
    ErrorCode.DL_AI_UNKNOWN: UnknownReference,
    ErrorCode.DL_QUALIFIER_INVALID: InvalidCombination,
    ErrorCode.DL_QUALIFIER_ORDER: InvalidFormat,
    ErrorCode.DL_QUERY_DUPLICATE: InvalidCombination,
    ErrorCode.DL_QUERY_PATH_AI: InvalidFormat,
    ErrorCode.DL_QUERY_NOT_ATTRIBUTE: InvalidComponent,
    ErrorCode.DL_QUERY_UNKNOWN_AI: UnknownReference,
    ErrorCode.DL_VALUE_EMPTY: InvalidLength,
    ErrorCode.DL_PERCENT_NUL: InvalidCharacter,
    ErrorCode.DL_PERCENT_INVALID: InvalidFormat,
    ErrorCode.DL_GTIN_ZERO_SUPPRESSED: InvalidLength,
    ErrorCode.DL_CONVENIENCE_ALPHA: InvalidFormat,
    # -- label categories --
    ErrorCode.LABEL_FIELD_REQUIRED: InvalidCombination,
    ErrorCode.LABEL_FIELD_INVALID: InvalidFormat,
    ErrorCode.LABEL_FIELD_TOO_LONG: InvalidLength,
    ErrorCode.LABEL_FIELD_CHARACTER: InvalidCharacter,
    ErrorCode.LABEL_DATE_INVALID: InvalidFormat,
    ErrorCode.LABEL_DATE_RANGE: InvalidComponent,
    ErrorCode.LABEL_DATE_ORDER: InvalidCombination,
    ErrorCode.LABEL_DATE_FUTURE: InvalidComponent,
    ErrorCode.LABEL_DATE_BEST_BEFORE: InvalidCombination,
    ErrorCode.LABEL_DATE_UNENCODABLE: EncodeError,
    ErrorCode.LABEL_WEIGHT_INVALID: InvalidComponent,
    ErrorCode.LABEL_WEIGHT_UNENCODABLE: EncodeError,
    ErrorCode.LABEL_COUNT_INVALID: InvalidComponent,
    ErrorCode.LABEL_COUNTRY_UNKNOWN: UnknownReference,
    ErrorCode.LABEL_PUC_KIND: InvalidComponent,
    ErrorCode.LABEL_PHC_KIND: InvalidComponent,
    ErrorCode.LABEL_GTIN_PREFIX: InvalidComponent,
    ErrorCode.LABEL_MARKET_UNKNOWN: UnknownReference,
    ErrorCode.LABEL_MARKET_REQUIRED: InvalidCombination,
    ErrorCode.LABEL_MARKET_MISMATCH: InvalidCombination,
    ErrorCode.LABEL_MARKET_UNCONFIRMED: InvalidCombination,
    ErrorCode.LABEL_PROFILE_UNMAPPED: UnknownReference,
    ErrorCode.LABEL_PROFILE_MISMATCH: InvalidCombination,
    ErrorCode.FILE_UNREADABLE: FileFormatError,
    ErrorCode.FILE_FORMAT_UNKNOWN: FileFormatError,
    ErrorCode.FILE_BINARY: FileFormatError,
    ErrorCode.FILE_ENCODING: FileFormatError,
    ErrorCode.FILE_TRUNCATED: FileFormatError,
    ErrorCode.FILE_EMPTY: FileFormatError,
    ErrorCode.FILE_COLUMNS_MISSING: FileFormatError,
    ErrorCode.FILE_COLUMNS_DUPLICATE: FileFormatError,
    ErrorCode.FILE_ROW_MALFORMED: FileFormatError,
    ErrorCode.FILE_TOO_LARGE: FileFormatError,
    ErrorCode.BATCH_SERIAL_DUPLICATE: InvalidCombination,
    ErrorCode.BATCH_SSCC_DUPLICATE: InvalidCombination,
    ErrorCode.BATCH_LOT_HARVEST_CONFLICT: InvalidCombination,
    ErrorCode.LABEL_FIELD_UNKNOWN: UnknownReference,
    ErrorCode.LABEL_DATE_AMBIGUOUS: InvalidComponent,
    ErrorCode.LABEL_GTIN_SCIENTIFIC: InvalidFormat,
    ErrorCode.LABEL_GTIN_LEADING_ZEROS: InvalidChecksum,
    ErrorCode.LABEL_REPAIRED_DATE: InvalidFormat,
    ErrorCode.LABEL_REPAIRED_GTIN: InvalidFormat,
    ErrorCode.LABEL_REPAIRED_CODE: InvalidFormat,
    ErrorCode.LABEL_REPAIRED_MARKET: InvalidFormat,
    ErrorCode.LABEL_REPAIRED_NUMBER: InvalidFormat,
    ErrorCode.FILE_HEADER_ROW: InvalidFormat,
    ErrorCode.FILE_ROW_SKIPPED: InvalidFormat,
    # -- render categories --
    ErrorCode.RENDER_EXTRA_MISSING: RenderError,
    ErrorCode.RENDER_ENGINE_UNKNOWN: RenderError,
    ErrorCode.RENDER_ENGINE_UNSUPPORTED: RenderError,
    ErrorCode.RENDER_FORMAT_UNKNOWN: RenderError,
    ErrorCode.RENDER_OPTION_INVALID: RenderError,
    ErrorCode.RENDER_SYMBOL_FAILED: RenderError,
    ErrorCode.RENDER_SYMBOL_TOO_WIDE: RenderError,
    ErrorCode.RENDER_GS1_128_TOO_LONG: EncodeError,
    ErrorCode.RENDER_ELEMENTS_EMPTY: EncodeError,
    ErrorCode.IMAGE_UNREADABLE: FileFormatError,
    ErrorCode.IMAGE_TOO_LARGE: FileFormatError,
    ErrorCode.IMAGE_NO_SYMBOL: RenderError,
    ErrorCode.RENDER_SHEET_OVERFLOW: RenderError,
    ErrorCode.RENDER_FONT_MISSING: RenderError,
    # -- registry categories --
    ErrorCode.REGISTRY_UNAVAILABLE: RegistryError,
    ErrorCode.REGISTRY_BUSY: RegistryError,
    ErrorCode.REGISTRY_CODE_NOT_FOUND: RegistryError,
    ErrorCode.REGISTRY_CODE_NOT_YET_ISSUED: RegistryError,
    ErrorCode.REGISTRY_CODE_SUSPENDED: RegistryError,
    ErrorCode.REGISTRY_CODE_REVOKED: RegistryError,
    ErrorCode.REGISTRY_CODE_KIND_MISMATCH: InvalidCombination,
    ErrorCode.REGISTRY_MARKET_NOT_APPROVED: RegistryError,
    ErrorCode.REGISTRY_MARKET_EXPIRED: RegistryError,
    ErrorCode.REGISTRY_MARKET_UNKNOWN: UnknownReference,
    ErrorCode.REGISTRY_PRODUCT_NOT_FOUND: RegistryError,
    ErrorCode.REGISTRY_LOT_NOT_FOUND: RegistryError,
    ErrorCode.REGISTRY_LOT_PUC_MISMATCH: InvalidCombination,
    ErrorCode.REGISTRY_LOT_PHC_MISMATCH: InvalidCombination,
    ErrorCode.REGISTRY_LOT_PACK_DATE_MISMATCH: InvalidCombination,
    ErrorCode.REGISTRY_CROP_MISMATCH: InvalidCombination,
    ErrorCode.REGISTRY_STATUS_INVALID: InvalidComponent,
    ErrorCode.REGISTRY_STATUS_UNCHANGED: RegistryError,
    ErrorCode.REGISTRY_SEARCH_QUERY_TOO_SHORT: InvalidLength,
    ErrorCode.REGISTRY_IMPORT_UNREADABLE: FileFormatError,
    ErrorCode.REGISTRY_IMPORT_FIELD_MISSING: InvalidFormat,
    ErrorCode.REGISTRY_IMPORT_FIELD_INVALID: InvalidComponent,
    ErrorCode.REGISTRY_IMPORT_CODE_INVALID: InvalidFormat,
    ErrorCode.REGISTRY_IMPORT_DUPLICATE: InvalidCombination,
    ErrorCode.REGISTRY_IMPORT_UNKNOWN_REFERENCE: UnknownReference,
    ErrorCode.REGISTRY_IMPORT_HISTORY_CONFLICT: InvalidCombination,
    ErrorCode.REGISTRY_TOKEN_INVALID: RegistryError,
    ErrorCode.REGISTRY_TOKEN_SCOPE_UNKNOWN: UnknownReference,
    ErrorCode.REGISTRY_TOKEN_NOT_FOUND: RegistryError,
    ErrorCode.REGISTRY_TOKEN_NAME_TAKEN: RegistryError,
    ErrorCode.REGISTRY_TOKEN_AMBIGUOUS: RegistryError,
    ErrorCode.REGISTRY_AUTHORISATION_NOT_FOUND: RegistryError,
    ErrorCode.REGISTRY_AUTHORISATION_INVALID: InvalidCombination,
    ErrorCode.REGISTRY_DECLARE_INVALID: InvalidFormat,
    ErrorCode.AUDIT_RULE_UNKNOWN: UnknownReference,
    ErrorCode.AUDIT_OPTION_INVALID: InvalidComponent,
    ErrorCode.AUDIT_FINDING_NOT_FOUND: RegistryError,
    ErrorCode.REGISTRY_AUTHORISATION_MISSING: InvalidCombination,
    # -- events categories --
    ErrorCode.EPCIS_JSON_SYNTAX: FileFormatError,
    ErrorCode.EPCIS_JSON_ENCODING: FileFormatError,
    ErrorCode.EPCIS_DOCUMENT_TYPE: InvalidFormat,
    ErrorCode.EPCIS_FIELD_REQUIRED: InvalidFormat,
    ErrorCode.EPCIS_FIELD_TYPE: InvalidFormat,
    ErrorCode.EPCIS_FIELD_UNKNOWN: UnknownReference,
    ErrorCode.EPCIS_FIELD_EMPTY: InvalidLength,
    ErrorCode.EPCIS_FIELD_DUPLICATE: InvalidCombination,
    ErrorCode.EPCIS_VALUE_INVALID: InvalidComponent,
    ErrorCode.EPCIS_URI_INVALID: InvalidFormat,
    ErrorCode.EPCIS_TIME_FORMAT: InvalidFormat,
    ErrorCode.EPCIS_TIME_ORDER: InvalidCombination,
    ErrorCode.EPCIS_TIMEZONE_FORMAT: InvalidFormat,
    ErrorCode.EPCIS_VOCAB_UNKNOWN: UnknownReference,
    ErrorCode.EPCIS_VOCAB_CBV_URI: InvalidFormat,
    ErrorCode.EPCIS_EXTENSION_PREFIX: UnknownReference,
    ErrorCode.EPCIS_CONTEXT_MISSING: InvalidFormat,
    ErrorCode.EPCIS_CONTEXT_UNKNOWN: UnknownReference,
    ErrorCode.EPCIS_CONTEXT_INVALID: InvalidFormat,
    ErrorCode.EPCIS_EPC_SYNTAX: InvalidFormat,
    ErrorCode.EPCIS_EPC_LEVEL: InvalidCombination,
    ErrorCode.EPCIS_EPC_KEY_TYPE: InvalidCombination,
    ErrorCode.EPCIS_QUANTITY_INVALID: InvalidComponent,
    ErrorCode.EPCIS_UOM_UNKNOWN: UnknownReference,
    ErrorCode.EPCIS_UOM_WITHOUT_QUANTITY: InvalidCombination,
    ErrorCode.EPCIS_ILMD_ACTION: InvalidCombination,
    ErrorCode.EPCIS_WHAT_MISSING: InvalidCombination,
    ErrorCode.EPCIS_TRANSFORMATION_INCOMPLETE: InvalidCombination,
    ErrorCode.EPCIS_PARENT_MISSING: InvalidCombination,
    ErrorCode.EPCIS_EVENT_ID_DUPLICATE: InvalidCombination,
    ErrorCode.EPCIS_EVENT_ID_HASH_MISMATCH: InvalidChecksum,
    ErrorCode.EPCIS_ERROR_DECLARATION_EVENT_ID: InvalidCombination,
    ErrorCode.EPCIS_ERROR_DECLARATION_SELF: InvalidCombination,
    ErrorCode.EPCIS_PROFILE_FIELD_MISSING: InvalidCombination,
    ErrorCode.EPCIS_PROFILE_PARENT_NOT_SSCC: InvalidCombination,
    ErrorCode.EPCIS_PROFILE_CHILD_NOT_TRADE_ITEM: InvalidCombination,
    ErrorCode.EPCIS_PROFILE_MARKET_UNKNOWN: UnknownReference,
    ErrorCode.EPCIS_PROFILE_DATE_INVALID: InvalidFormat,
    ErrorCode.EPCIS_FSMA_KDE_MISSING: InvalidCombination,
    ErrorCode.EPCIS_CAPTURE_DOCUMENT_TYPE: InvalidFormat,
    ErrorCode.EPCIS_CAPTURE_VALUE_TOO_LONG: InvalidLength,
    ErrorCode.EPCIS_QUERY_PARAMETER_UNKNOWN: UnknownReference,
    ErrorCode.EPCIS_QUERY_PARAMETER_INVALID: InvalidFormat,
    ErrorCode.EPCIS_QUERY_PAGE_TOKEN: InvalidFormat,
}


def category_of(code: ErrorCode | str) -> type[TraceStdError]:
    """The exception class used for ``code``."""
    return _CATEGORY.get(code, InvalidFormat)


@dataclasses.dataclass(frozen=True, slots=True)
class Issue:
    """One finding of a ``check()``: an error or a warning."""

    code: str
    severity: Severity
    message: str
    span: tuple[int, int] | None = None
    field: str | None = None
    context: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "span": list(self.span) if self.span is not None else None,
        }
        if self.field is not None:
            out["field"] = self.field
        if self.context:
            out["context"] = _jsonable(self.context)
        return out

    @classmethod
    def warning(
        cls,
        code: ErrorCode | str,
        message: str | None = None,
        *,
        span: tuple[int, int] | None = None,
        field: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Issue:
        return cls(str(code), Severity.WARNING, message or str(code), span, field, dict(context or {}))

    @classmethod
    def error(
        cls,
        code: ErrorCode | str,
        message: str | None = None,
        *,
        span: tuple[int, int] | None = None,
        field: str | None = None,
        context: Mapping[str, Any] | None = None,
    ) -> Issue:
        return cls(str(code), Severity.ERROR, message or str(code), span, field, dict(context or {}))


@dataclasses.dataclass(slots=True)
class Report:
    """The result of checking one input.

    ``verdict`` is ``"valid"`` or ``"invalid"`` for a format check; the
    registry's verification uses its own verdicts (``genuine``, ``revoked``...).
    ``details`` holds kind-specific extras (``elements``, ``hri``, ``raw``,
    ``digital_link``...).
    """

    input: str
    kind: str | None
    normalized: str | None = None
    issues: list[Issue] = dataclasses.field(default_factory=list)
    segments: dict[str, Any] = dataclasses.field(default_factory=dict)
    details: dict[str, Any] = dataclasses.field(default_factory=dict)
    data_versions: dict[str, str] = dataclasses.field(default_factory=dict)
    verdict: str | None = None

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity is Severity.WARNING]

    @property
    def valid(self) -> bool:
        return not self.errors

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def add_error(self, err: TraceStdError) -> None:
        self.issues.append(err.to_issue(Severity.ERROR))

    def extend(self, issues: Iterable[Issue]) -> None:
        self.issues.extend(issues)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "input": self.input,
            "kind": self.kind,
            "valid": self.valid,
            "verdict": self.verdict or ("valid" if self.valid else "invalid"),
            "normalized": self.normalized,
            "segments": _jsonable(self.segments),
            "issues": [i.to_dict() for i in self.issues],
            "data_versions": dict(self.data_versions),
        }
        for key, value in self.details.items():
            out[key] = _jsonable(value)
        return out


def _jsonable(value: Any) -> Any:
    """Turn dates, tuples, enums and dataclasses into JSON-ready values."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items: Sequence[Any] = sorted(value) if isinstance(value, (set, frozenset)) else value
        return [_jsonable(v) for v in items]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _jsonable(dataclasses.asdict(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)
