"""``trace-std validate FILE... [--market CN] [--as-of DATE] [--format text|json|csv] [--fix -o FIXED.csv]``.

Validates exporters' label files (CSV, XLSX, JSON Lines) row by row with
:func:`trace_std.label.batch.iter_file`. Prints a summary, then one line per issue. Issues are
spooled to a temporary file while the rows stream, so memory stays flat however large the file.

``--fix -o FIXED.csv`` (one FILE) also writes the canonical file of the rows that are valid after
repair (:func:`trace_std.label.fix.fix_file`); rows it could not repair are left out and reported.
A FILE may also be one label JSON, the file ``trace-std encode`` takes.

Exit codes: 0 every row is clean (warnings allowed), 1 some row fails, 2 a file cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import datetime as _dt
import json
import sys
import tempfile
from collections.abc import Callable
from typing import IO, Any

from trace_std.errors import FileFormatError, Severity
from trace_std.label.batch import RowIssue, RowResult, XlsxLimits, iter_file
from trace_std.label.markets import markets
from trace_std.spreadsheet import neutralise

_SPOOL = 1 << 20  # issues beyond 1 MiB go to a temporary file


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "validate",
        help="validate label files (CSV, XLSX, JSON Lines) row by row",
        description="Validate carton-label files in the trace_std column template "
        "(see examples/labels/template.csv). Exit 0: all rows clean; 1: some row fails; "
        "2: a file cannot be read.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="CSV, XLSX or JSON Lines files; - reads stdin")
    p.add_argument(
        "--market", choices=markets(), type=str.upper, help="apply this market profile to every row"
    )
    p.add_argument("--as-of", type=_iso_date, metavar="DATE", help="reject pack/harvest dates after DATE")
    p.add_argument("--format", choices=("text", "json", "csv"), default="text", help="output format")
    p.add_argument("--input-format", choices=("csv", "xlsx", "jsonl"), help="override the detected file type")
    p.add_argument("--no-progress", action="store_true", help="no progress bar even on a terminal")
    p.add_argument(
        "--fix",
        action="store_true",
        help="write the repaired, canonical file of the valid rows to -o (ISO dates, GTIN-14, ISO markets)",
    )
    p.add_argument("-o", "--output", metavar="FIXED.csv", help="where --fix writes the canonical file")
    p.add_argument(
        "--trust-xlsx",
        action="store_true",
        help="raise the .xlsx limits (zip size and ratio, cells) for a trusted local workbook; "
        "zip bombs are still refused",
    )
    p.set_defaults(func=_run)


def _xlsx_limits(args: argparse.Namespace) -> XlsxLimits:
    """The public .xlsx limits, or the raised ones for a trusted local file (``--trust-xlsx``)."""
    return XlsxLimits.trusted() if args.trust_xlsx else XlsxLimits()


def _iso_date(text: str) -> _dt.date:
    """A calendar date ``YYYY-MM-DD``, by the label rule (``date.fromisoformat`` would also take
    week dates such as ``2025-W01-1`` and ``20250101``)."""
    from trace_std.errors import TraceStdError
    from trace_std.label.fields import parse_date

    try:
        return parse_date(text, "as_of")
    except TraceStdError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date (YYYY-MM-DD): {text!r}") from None


def _progress_bar(name: str) -> Callable[[int, int | None, int | None], None]:
    err = sys.stderr

    def show(rows: int, done: int | None, total: int | None) -> None:
        if done is not None and total:
            frac = min(1.0, done / total)
            bar = "#" * int(frac * 30)
            err.write(f"\r{name}: [{bar:<30}] {frac:4.0%} {rows:,} rows")
        else:
            err.write(f"\r{name}: {rows:,} rows")
        err.flush()

    return show


class _Totals:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rows_total = 0
        self.rows_valid = 0
        self.rows_invalid = 0
        self.issues = 0
        self.error: FileFormatError | None = None
        self.fixed: int | None = None  # rows written by --fix


def _issue_text(issue: RowIssue) -> str:
    row = "-" if issue.row is None else str(issue.row)
    return f"  row {row}\t{issue.field or '-'}\t{issue.severity}\t{issue.code}\t{issue.message}\n"


def _csv_report_row(name: str, issue: RowIssue) -> list[Any]:
    """One row of the CSV report; text from the file (name, field, message) neutralised (OWASP)."""
    return [
        neutralise(name),
        issue.row,
        neutralise(issue.field or ""),
        issue.code,
        str(issue.severity),
        neutralise(issue.message),
    ]


def _validate_one(name: str, args: argparse.Namespace, spool: IO[str], out_format: str) -> _Totals:
    totals = _Totals(name)
    show_progress = not args.no_progress and sys.stderr.isatty()
    progress = _progress_bar(name) if show_progress else None
    source: Any = sys.stdin.buffer if name == "-" else name
    writer = csv.writer(spool) if out_format == "csv" else None
    try:
        for item in iter_file(
            source,
            market=args.market,
            as_of=args.as_of,
            format=args.input_format,
            progress=progress,
            xlsx_limits=_xlsx_limits(args),
        ):
            issues: tuple[RowIssue, ...]
            if isinstance(item, RowResult):
                totals.rows_total += 1
                if item.valid:
                    totals.rows_valid += 1
                else:
                    totals.rows_invalid += 1
                issues = item.issues
            else:
                issues = (item,)
            for issue in issues:
                totals.issues += 1
                if out_format == "json":
                    spool.write(json.dumps(issue.to_dict(), ensure_ascii=False) + "\n")
                elif writer is not None:
                    writer.writerow(_csv_report_row(name, issue))
                else:
                    spool.write(_issue_text(issue))
    except FileFormatError as err:
        totals.error = err
    finally:
        if show_progress:
            sys.stderr.write("\n")
    return totals


def _file_error_dict(err: FileFormatError) -> dict[str, Any]:
    return {"code": err.code, "message": err.message, "context": {k: v for k, v in err.context.items()}}


def _fix_one(name: str, args: argparse.Namespace, spool: IO[str], out_format: str) -> _Totals:
    """``--fix``: validate ``name`` and write its valid rows, canonical, to ``args.output``."""
    from trace_std.label.fix import fix_file

    totals = _Totals(name)
    source: Any = sys.stdin.buffer if name == "-" else name
    writer = csv.writer(spool) if out_format == "csv" else None
    try:
        with open(args.output, "w", encoding="utf-8-sig", newline="") as fixed:
            report, written = fix_file(
                source,
                fixed,
                market=args.market,
                as_of=args.as_of,
                format=args.input_format,
                xlsx_limits=_xlsx_limits(args),
            )
    except FileFormatError as err:
        totals.error = err
        return totals
    totals.rows_total, totals.rows_valid, totals.rows_invalid = (
        report.rows_total,
        report.rows_valid,
        report.rows_invalid,
    )
    totals.fixed = written
    for issue in report.issues:
        totals.issues += 1
        if out_format == "json":
            spool.write(json.dumps(issue.to_dict(), ensure_ascii=False) + "\n")
        elif writer is not None:
            writer.writerow(_csv_report_row(name, issue))
        else:
            spool.write(_issue_text(issue))
    return totals


def _run(args: argparse.Namespace) -> int:
    if args.fix and (not args.output or len(args.files) != 1):
        sys.stderr.write("trace-std validate: --fix needs one FILE and -o FIXED.csv\n")
        return 2
    if args.output and not args.fix:
        sys.stderr.write("trace-std validate: -o is the file --fix writes; add --fix\n")
        return 2
    out = sys.stdout
    fmt: str = args.format
    worst = 0
    if fmt == "csv":
        csv.writer(out).writerow(["file", "row", "field", "code", "severity", "message"])
    several = len(args.files) > 1
    if fmt == "json" and several:
        out.write("[")
    for index, name in enumerate(args.files):
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL, mode="w+", encoding="utf-8", newline="") as spool:
            totals = (_fix_one if args.fix else _validate_one)(name, args, spool, fmt)
            spool.seek(0)
            if totals.error is not None:
                worst = 2
            elif totals.rows_invalid:
                worst = max(worst, 1)
            if fmt == "json":
                if index:
                    out.write(",\n")
                _json_document(out, totals, spool)
            elif fmt == "csv":
                if totals.error is not None:
                    err = totals.error
                    csv.writer(out).writerow(
                        [neutralise(name), "", "", err.code, str(Severity.ERROR), neutralise(err.message)]
                    )
                for line in spool:
                    out.write(line)
            else:
                _text_document(out, totals, spool)
    if fmt == "json":
        out.write("]\n" if several else "\n")
    return worst


def _json_document(out: IO[str], totals: _Totals, spool: IO[str]) -> None:
    """Write one file's JSON report, streaming its issues from the spool (never the whole text in memory)."""
    head: dict[str, Any] = {
        "file": totals.name,
        "rows_total": totals.rows_total,
        "rows_valid": totals.rows_valid,
        "rows_invalid": totals.rows_invalid,
    }
    if totals.error is not None:
        head["error"] = _file_error_dict(totals.error)
    if totals.fixed is not None:
        head["fixed_rows"] = totals.fixed
    out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "issues": [')
    first = True
    for line in spool:
        out.write(("" if first else ",") + line.rstrip("\n"))
        first = False
    out.write("]}")


def _text_document(out: IO[str], totals: _Totals, spool: IO[str]) -> None:
    if totals.error is not None:
        err = totals.error
        where = ""
        if "byte_offset" in err.context:
            where = f" (byte {err.context['byte_offset']})"
        out.write(f"{totals.name}: UNREADABLE: {err.code}{where}: {err.message}\n")
        if totals.rows_total:
            out.write(f"  {totals.rows_total} rows read before the error\n")
        return
    status = "OK" if totals.rows_invalid == 0 else "FAILED"
    out.write(
        f"{totals.name}: {status}: {totals.rows_total} rows, {totals.rows_valid} valid, "
        f"{totals.rows_invalid} invalid, {totals.issues} issues\n"
    )
    if totals.fixed is not None:
        out.write(f"  {totals.fixed} valid rows written, canonical; {totals.rows_invalid} rows left out\n")
    for line in spool:
        out.write(line)
