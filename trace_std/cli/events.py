"""``trace-std events validate|…``: EPCIS 2.0 events (see :mod:`trace_std.events`)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError

UNREADABLE = {
    ErrorCode.FILE_UNREADABLE.value,
    ErrorCode.EPCIS_JSON_SYNTAX.value,
    ErrorCode.EPCIS_JSON_ENCODING.value,
}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("events", help="validate EPCIS 2.0 traceability events")
    events = p.add_subparsers(dest="events_command", metavar="ACTION")
    events.required = True
    v = events.add_parser(
        "validate",
        help="validate EPCIS 2.0 JSON/JSON-LD documents or bare events",
        description="Exit 0 when every file is valid, 1 when any is invalid, 2 when a file cannot be read "
        "(missing, not JSON, not UTF-8).",
    )
    v.add_argument("files", nargs="+", metavar="FILE", help="EPCIS documents (- for standard input)")
    v.add_argument("--profile", choices=["vn-fresh-produce", "fsma204"], help="also check a profile's rules")
    v.add_argument(
        "--format", choices=["text", "json"], default="text", help="json: one object per file per line"
    )
    v.add_argument(
        "--no-hash-check", action="store_true", help="do not recompute eventIDs that are event hashes"
    )
    v.add_argument(
        "--registry",
        metavar="URL",
        help="with --profile vn-fresh-produce: also check each PUC/PHC's status on the event date and its "
        "approval for the destination market in this registry (SQLAlchemy URL or SQLite file)",
    )
    v.set_defaults(func=_validate)
    b = events.add_parser(
        "build",
        help="build an EPCIS document (harvest, pack, palletise, ship) from a label file",
        description="Rows with errors are left out and listed on stderr (exit 1); exit 2 when the file "
        "cannot "
        "be read.",
    )
    b.add_argument("labels", metavar="LABELS", help="label file: CSV, XLSX, JSON Lines or one label JSON")
    b.add_argument(
        "-o", "--output", required=True, help="where to write the EPCIS JSON-LD document (- for stdout)"
    )
    b.set_defaults(func=_build)
    f = events.add_parser(
        "fsma204",
        help="write the FSMA 204 electronic sortable spreadsheet (XLSX or CSV)",
        description="One row per Critical Tracking Event and traceability lot code. INPUT is an EPCIS "
        "document "
        "or a label file.",
    )
    f.add_argument("input", metavar="INPUT", help="EPCIS document or label file")
    f.add_argument("-o", "--output", required=True, help="trace.xlsx or trace.csv (- for CSV on stdout)")
    f.add_argument(
        "--lot",
        action="append",
        default=[],
        metavar="TLC",
        help="only this traceability lot code ((01)GTIN(10)LOT or GTIN/LOT); repeatable",
    )
    f.add_argument("--from", dest="start", metavar="DATE", help="first event date (YYYY-MM-DD)")
    f.add_argument("--to", dest="end", metavar="DATE", help="last event date (YYYY-MM-DD)")
    f.set_defaults(func=_fsma204)
    from trace_std.cli.events_repo import register as register_repository
    from trace_std.cli.events_repo import register_trace

    register_repository(events)  # events capture and trace: the EPCIS repository
    register_trace(events)


def _progress(name: str, start: float) -> Any:
    def report(count: int) -> None:
        rate = count / max(time.monotonic() - start, 1e-9)
        sys.stderr.write(f"\r{name}: {count:,} events ({rate:,.0f}/s)")
        sys.stderr.flush()

    return report


def _validate(args: argparse.Namespace) -> int:
    if args.registry:
        from trace_std.registry import Registry

        with Registry(args.registry) as registry:
            return _validate_all(args, registry)
    return _validate_all(args, None)


def _validate_all(args: argparse.Namespace, registry: Any) -> int:
    from trace_std.events import issues_as_lines, validate

    worst = 0
    for name in args.files:
        source: Any = sys.stdin.buffer if name == "-" else name
        start = time.monotonic()
        try:
            report = validate(
                source,
                name=name,
                profile=args.profile,
                registry=registry,
                check_hashes=not args.no_hash_check,
                on_progress=_progress(name, start) if sys.stderr.isatty() else None,
            )
        except TraceStdError as exc:
            issues = [{"code": exc.code, "severity": "error", "pointer": "", "message": exc.message}]
            _emit(args, name, False, 0, issues)
            worst = 2
            continue
        issues = list(issues_as_lines(report))
        _emit(args, name, report.valid, int(report.details.get("events", 0)), issues)
        if not report.valid:
            worst = max(worst, 2 if any(i["code"] in UNREADABLE for i in issues) else 1)
    return worst


def _emit(
    args: argparse.Namespace, name: str, valid: bool, events: int, issues: list[dict[str, Any]]
) -> None:
    out = sys.stdout
    if args.format == "json":
        line = {"file": name, "valid": valid, "events": events, "issues": issues}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return
    out.write(f"{'valid' if valid else 'INVALID'}\t{events} events\t{name}\n")
    for issue in issues:
        out.write(
            f"  {issue['severity']}: {issue['code']} at {issue['pointer'] or '/'}: {issue['message']}\n"
        )


def _build(args: argparse.Namespace) -> int:
    from trace_std.events.build import build_document

    try:
        result = build_document(args.labels)
    except TraceStdError as exc:
        sys.stderr.write(f"trace-std events build: {exc.code}: {exc.message}\n")
        return 2
    text = json.dumps(result.document, ensure_ascii=False, indent=1) + "\n"
    if args.output == "-":
        sys.stdout.write(text)
    else:
        with open(args.output, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    for issue in result.issues[:50]:
        sys.stderr.write(f"  skipped row {issue.row}: {issue.code}: {issue.message}\n")
    sys.stderr.write(
        f"{result.events} events from {result.rows_used} label rows"
        f" ({result.rows_skipped} rows with errors left out)\n"
    )
    return 1 if result.rows_skipped else 0


def _fsma204(args: argparse.Namespace) -> int:
    import datetime as dt

    from trace_std.events.fsma import sortable_rows, write_csv, write_xlsx

    try:
        start = dt.date.fromisoformat(args.start) if args.start else None
        end = dt.date.fromisoformat(args.end) if args.end else None
    except ValueError as exc:
        sys.stderr.write(f"trace-std events fsma204: {exc}\n")
        return 2
    began = time.monotonic()
    progress = _progress(args.input, began) if sys.stderr.isatty() else None
    try:
        rows = sortable_rows(
            args.input,
            lots=args.lot or None,
            start=start,
            end=end,
            on_row=(lambda n: progress(n) if n % 10000 == 0 else None) if progress else None,
        )
        if args.output == "-":
            count = write_csv(rows, sys.stdout)
        elif args.output.lower().endswith(".csv"):
            with open(args.output, "w", encoding="utf-8", newline="") as fh:
                count = write_csv(rows, fh)
        else:
            count = write_xlsx(rows, args.output)
    except TraceStdError as exc:
        sys.stderr.write(f"trace-std events fsma204: {exc.code}: {exc.message}\n")
        return 2
    sys.stderr.write(f"{count} rows written to {args.output}\n")
    return 0
