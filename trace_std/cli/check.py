"""``trace-std check VALUE... | -``: detect and validate codes, keys, element strings, Digital Links."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator

from trace_std.check import check, kinds


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("check", help="validate values (codes, GTINs, element strings, Digital Links)")
    p.add_argument(
        "values", nargs="+", metavar="VALUE", help="values to check, or - to read one per line from stdin"
    )
    p.add_argument("--kind", choices=kinds(), help="force the kind instead of detecting it")
    p.add_argument("--strict", action="store_true", help="accept only the canonical form")
    p.add_argument("--json", action="store_true", help="print one JSON object per input (JSON Lines)")
    p.set_defaults(func=_run)


def _inputs(values: list[str]) -> Iterator[str]:
    for value in values:
        if value == "-":
            for line in sys.stdin:
                line = line.rstrip("\r\n")
                if line.strip():
                    yield line
        else:
            yield value


def _run(args: argparse.Namespace) -> int:
    try:
        return _check_all(args)
    except (UnicodeDecodeError, OSError) as exc:  # unreadable standard input
        sys.stderr.write(f"trace-std check: cannot read input: {exc}\n")
        return 2


def _check_all(args: argparse.Namespace) -> int:
    all_valid = True
    out = sys.stdout
    for value in _inputs(args.values):
        report = check(value, kind=args.kind, strict=args.strict)
        all_valid = all_valid and report.valid
        if args.json:
            out.write(json.dumps(report.to_dict(), ensure_ascii=False) + "\n")
        else:
            status = "valid" if report.valid else "INVALID"
            shown = report.normalized if report.normalized is not None else value
            out.write(f"{status}\t{report.kind or '?'}\t{shown}\n")
            for issue in report.issues:
                where = "" if issue.span is None else f" at {issue.span[0]}-{issue.span[1]}"
                out.write(f"  {issue.severity}: {issue.code}{where}: {issue.message}\n")
    return 0 if all_valid else 1
