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
    v.set_defaults(func=_validate)


def _progress(name: str, start: float) -> Any:
    def report(count: int) -> None:
        rate = count / max(time.monotonic() - start, 1e-9)
        sys.stderr.write(f"\r{name}: {count:,} events ({rate:,.0f}/s)")
        sys.stderr.flush()

    return report


def _validate(args: argparse.Namespace) -> int:
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
