"""Importing-country registers: GACC's list of overseas orchards and packing houses (China).

A register file is what a user exported from GACC's public list (JSON or CSV) with the fields named
in the domain notes: ``chinaRegNo``, ``overseasOfficialRegNo`` (spaced as printed there:
"VN - DTOR - 0574"), ``corpNameEn``, ``provinceNameEn``, ``corpTypeNameEn``/``corpTypeNameCn``,
``prodNameEn``/``prodNameCn``/``prodNameLa``, ``validFrom``, ``validTo`` (2999-12-31: open-ended),
``regState`` ("1" valid, "2" suspended, "3" expired).

An import is all-or-nothing: every row is checked first; if any row is bad nothing is written.
Applied, it replaces that market's register snapshot (a code missing from the file is then missing
from the register) and maps each listed code that the registry holds to its market approval:
``regState`` 1 within the window -> ``active``; 2 -> ``suspended``; 3 or past ``validTo`` -> the
approval is ``revoked`` (expired there); ``chinaRegNo`` becomes the registration number.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from functools import cache
from pathlib import Path
from typing import IO, Any

from sqlalchemy import delete, select

from trace_std.audit._files import read_rows
from trace_std.audit.models import RegisterEntry
from trace_std.data import load
from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry.core import utcnow
from trace_std.registry.models import Code, MarketApproval
from trace_std.registry.records import ImportReport, RowIssue

__all__ = ["OPEN_ENDED", "REG_STATES", "RegisterRow", "crop_for_product", "import_register", "parse_register"]

OPEN_ENDED = dt.date(2999, 12, 31)
#: regState as listed -> status in the register snapshot.
REG_STATES = {"1": "active", "2": "suspended", "3": "expired"}
#: register status -> market approval status.
APPROVAL_STATUS = {"active": "active", "suspended": "suspended", "expired": "revoked"}
_FIELD = ErrorCode.REGISTRY_IMPORT_FIELD_INVALID.value
_MISSING = ErrorCode.REGISTRY_IMPORT_FIELD_MISSING.value
_CODE = ErrorCode.REGISTRY_IMPORT_CODE_INVALID.value
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _fold(text: str) -> str:
    return "".join(text.split()).casefold()


@cache
def _product_names() -> dict[str, str]:
    out: dict[str, str] = {}
    for rec in load("crop_names")["records"]:
        for lang in ("en", "cn", "la"):
            for name in rec[lang]:
                out[_fold(name)] = rec["crop"]
    return out


def crop_for_product(*names: str | None) -> str | None:
    """The registry's crop id for a register's product names (English, Chinese or Latin)."""
    table = _product_names()
    for name in names:
        if isinstance(name, str) and _fold(name) in table:
            return table[_fold(name)]
    return None


@dataclasses.dataclass(frozen=True, slots=True)
class RegisterRow:
    code: str
    code_as_listed: str
    kind: str | None
    registration_number: str | None
    product: str | None
    product_as_listed: str | None
    name: str | None
    province: str | None
    valid_from: dt.date | None
    valid_to: dt.date | None
    state: str | None
    status: str


def _text(fields: dict[str, Any], key: str, limit: int) -> str | None:
    value = fields.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{key} must be text")
    value = value.strip()
    if len(value) > limit:
        raise ValueError(f"{key} longer than {limit} characters")
    return value or None


def _date(value: str | None) -> dt.date | None:
    """A register date: ISO ``YYYY-MM-DD``, optionally followed by a time (``2024-05-01 00:00:00``),
    or epoch milliseconds as some clients print them."""
    if value is None:
        return None
    if value.isdigit() and len(value) >= 11:
        return dt.datetime.fromtimestamp(int(value) / 1000, dt.UTC).date()
    m = _DATE.match(value)
    if not m:
        raise ValueError(f"not a date: {value[:40]!r}")
    return dt.date(int(m[1]), int(m[2]), int(m[3]))


def _kind(type_en: str | None, type_cn: str | None) -> str | None:
    text = f"{type_en or ''} {type_cn or ''}".casefold()
    if "pack" in text or "包装" in text:
        return "phc"
    if "orchard" in text or "production" in text or "果园" in text or "种植" in text:
        return "puc"
    return None


def parse_register(
    source: str | Path | IO[bytes] | IO[str] | bytes, *, on: dt.date
) -> tuple[str, str, list[RegisterRow], list[RowIssue]]:
    """Read and check a GACC register file: ``(name, sha256, rows, issues)``."""
    from trace_std.codes import parse_code

    issues: list[RowIssue] = []
    name, digest, raw = read_rows(
        source, record="register", keys=("data", "list", "rows", "records"), issues=issues
    )
    rows: list[RegisterRow] = []
    for row, pointer, fields in raw:

        def bad(code: str, field: str, message: str, row: int = row, pointer: str = pointer) -> None:
            issues.append(
                RowIssue(
                    "register",
                    row,
                    f"{pointer}/{field}" if pointer.startswith("/") else pointer,
                    code,
                    message,
                    field=field,
                )
            )

        try:
            listed = _text(fields, "overseasOfficialRegNo", 100)
        except ValueError as exc:
            bad(_FIELD, "overseasOfficialRegNo", str(exc))
            continue
        if listed is None:
            bad(_MISSING, "overseasOfficialRegNo", "the exporting country's code is missing")
            continue
        try:
            parsed = parse_code(listed)
        except TraceStdError as exc:
            bad(_CODE, "overseasOfficialRegNo", f"not a code: {exc}")
            continue
        try:
            values = {
                k: _text(fields, k, 300)
                for k in (
                    "chinaRegNo",
                    "corpNameEn",
                    "provinceNameEn",
                    "corpTypeNameEn",
                    "corpTypeNameCn",
                    "prodNameEn",
                    "prodNameCn",
                    "prodNameLa",
                    "validFrom",
                    "validTo",
                    "regState",
                )
            }
        except ValueError as exc:
            bad(_FIELD, str(exc).split()[0], str(exc))
            continue
        try:
            valid_from = _date(values["validFrom"])
        except (ValueError, OverflowError, OSError) as exc:
            bad(_FIELD, "validFrom", str(exc))
            continue
        try:
            valid_to = _date(values["validTo"])
        except (ValueError, OverflowError, OSError) as exc:
            bad(_FIELD, "validTo", str(exc))
            continue
        if valid_to is not None and valid_to >= OPEN_ENDED:
            valid_to = None
        if valid_from and valid_to and valid_to < valid_from:
            bad(_FIELD, "validTo", "validTo is before validFrom")
            continue
        state = values["regState"]
        if state is not None and state not in REG_STATES:
            bad(_FIELD, "regState", f"unknown regState {state[:10]!r}; expected 1, 2 or 3")
            continue
        status = REG_STATES.get(state or "1", "active")
        if status == "active" and valid_to is not None and valid_to < on:
            status = "expired"
        kind = _kind(values["corpTypeNameEn"], values["corpTypeNameCn"]) or str(parsed.kind)
        product_listed = values["prodNameEn"] or values["prodNameCn"] or values["prodNameLa"]
        rows.append(
            RegisterRow(
                code=str(parsed.canonical),
                code_as_listed=listed,
                kind=kind,
                registration_number=(values["chinaRegNo"] or None) and values["chinaRegNo"][:64],
                product=crop_for_product(values["prodNameEn"], values["prodNameCn"], values["prodNameLa"]),
                product_as_listed=product_listed[:200] if product_listed else None,
                name=values["corpNameEn"],
                province=values["provinceNameEn"][:200] if values["provinceNameEn"] else None,
                valid_from=valid_from,
                valid_to=valid_to,
                state=state,
                status=status,
            )
        )
    return name, digest, rows, issues


def import_register(
    registry: Any,
    source: str | Path | IO[bytes] | IO[str] | bytes,
    *,
    actor: str,
    market: str = "CN",
    dry_run: bool = False,
    on: dt.date | None = None,
) -> ImportReport:
    """Import a register file all-or-nothing (see the module docstring)."""
    day = on or dt.date.today()
    name, digest, rows, issues = parse_register(source, on=day)
    report = ImportReport(source=name, format="gacc", dry_run=dry_run, sha256=digest)
    if issues:
        report.issues = sorted(issues, key=lambda i: i.row)
        return report
    now = utcnow()
    with registry.write(dry_run=dry_run) as s:
        removed = s.execute(delete(RegisterEntry).where(RegisterEntry.market == market)).rowcount or 0
        s.add_all(
            RegisterEntry(market=market, source_sha256=digest, imported_at=now, **dataclasses.asdict(r))
            for r in rows
        )
        # one approval per code and market: the best listed state wins (active > suspended > expired)
        rank = {"active": 0, "suspended": 1, "expired": 2}
        best: dict[str, RegisterRow] = {}
        for r in rows:
            if r.code not in best or rank[r.status] < rank[best[r.code].status]:
                best[r.code] = r
        codes = (
            {c.code: c for c in s.scalars(select(Code).where(Code.code.in_(list(best)))).all()}
            if best
            else {}
        )
        existing = {
            a.code_id: a
            for a in s.scalars(select(MarketApproval).where(MarketApproval.market == market)).all()
        }
        created = updated = unchanged = 0
        for code, r in best.items():
            c = codes.get(code)
            if c is None:
                continue
            values = {
                "approved": r.valid_from,
                "valid_to": r.valid_to,
                "registration_number": r.registration_number,
                "status": APPROVAL_STATUS[r.status],
            }
            a = existing.get(c.id)
            if a is None:
                s.add(MarketApproval(code_id=c.id, market=market, **values))
                c.import_digest = None  # the next registry import of this code takes the full path
                created += 1
            elif any(getattr(a, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(a, k, v)
                c.import_digest = None
                updated += 1
            else:
                unchanged += 1
        report.created = {"register": len(rows), "approvals": created}
        report.updated = {"approvals": updated}
        report.unchanged = {"approvals": unchanged}
        registry._audit(
            s,
            actor,
            "register.import" if not dry_run else "register.import.dry_run",
            f"{market}:{name}",
            {
                "sha256": digest,
                "rows": len(rows),
                "replaced": removed,
                "approvals_created": created,
                "approvals_updated": updated,
            },
        )
    report.applied = not dry_run
    return report
