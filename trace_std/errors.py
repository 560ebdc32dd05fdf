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
    # (codes package appends here)

    # -- GS1 keys, AIs, element strings (trace_std.gs1) --------------------
    # (gs1 package appends here)

    # -- GS1 Digital Link (trace_std.gs1.digital_link) ---------------------
    # (digital link appends here)

    # -- labels and batch files (trace_std.label) --------------------------
    # (label package appends here)

    # -- rendering (trace_std.render) ---------------------------------------
    # (render package appends here)

    # -- registry and verification (trace_std.registry) ---------------------
    REGISTRY_UNAVAILABLE = "registry.unavailable"
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
    # (registry package appends here)


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
    # -- gs1 categories --
    # -- digital link categories --
    # -- label categories --
    # -- render categories --
    # -- registry categories --
    ErrorCode.REGISTRY_UNAVAILABLE: RegistryError,
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
