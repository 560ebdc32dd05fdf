"""``trace-std audit``: run the code-use audit rules over the ledger and print the findings."""

from __future__ import annotations

import argparse
import sys

from trace_std.errors import TraceStdError


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from trace_std.audit import FORMATS, rule_names

    p = sub.add_parser(
        "audit",
        help="audit declared shipments: capacity, authorisations, registers (findings need inspection)",
    )
    p.add_argument(
        "--database",
        metavar="URL",
        help="SQLAlchemy URL or SQLite file (default: $TRACE_STD_DATABASE_URL or ./trace_std.sqlite3)",
    )
    p.add_argument("--season", type=int, metavar="YYYY", help="only lines packed in this year")
    p.add_argument(
        "--rule", action="append", choices=rule_names(), dest="rules", help="a rule (repeatable; default all)"
    )
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--tolerance", type=float, help="over-yield tolerance (default: the yield table's)")
    p.add_argument(
        "--severity",
        action="append",
        default=[],
        metavar="RULE=LEVEL",
        help="override a rule's severity (info|warning|error)",
    )
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: stdout)")
    p.add_argument(
        "--store",
        action="store_true",
        help="record the findings: new ones open, findings of this scope no longer found close (public "
        "verification shows a neutral notice on a PUC with an open over-yield or unauthorised finding)",
    )
    p.add_argument("--close", type=int, metavar="ID", help="close a stored finding (with --reason) and exit")
    p.add_argument("--reason", help="why the finding is closed (with --close)")
    p.add_argument("--actor", help="who stores or closes (recorded; default cli:<login>)")
    p.set_defaults(func=_audit)


def _audit(args: argparse.Namespace) -> int:
    from trace_std.audit.report import render
    from trace_std.audit.rules import run_audit
    from trace_std.cli.registry import _actor
    from trace_std.registry import Registry

    if args.close is not None:
        return _close(args, _actor(args))
    severities = {}
    for item in args.severity:
        rule, _, level = item.partition("=")
        severities[rule.strip()] = level.strip()
    with Registry(args.database) as reg:
        reg.init()
        try:
            findings = run_audit(
                reg, season=args.season, rules_=args.rules, tolerance=args.tolerance, severities=severities
            )
        except TraceStdError as exc:
            print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
            return 2
        if args.store:
            from trace_std.audit.public import store_findings

            stored = store_findings(reg, findings, rules_=args.rules, season=args.season, actor=_actor(args))
            print(
                f"stored: {stored.opened} opened, {stored.reopened} reopened, {stored.kept} still open, "
                f"{stored.closed} closed (no longer found)",
                file=sys.stderr,
            )
    data = render(findings, args.format)
    if args.output:
        with open(args.output, "wb") as fh:
            fh.write(data)
        print(f"wrote {args.output}: {len(findings)} finding(s)", file=sys.stderr)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 1 if findings else 0


def _close(args: argparse.Namespace, actor: str) -> int:
    from trace_std.audit.public import close_finding
    from trace_std.registry import Registry

    with Registry(args.database) as reg:
        reg.init()
        try:
            close_finding(reg, args.close, actor=actor, reason=args.reason or "")
        except TraceStdError as exc:
            print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
            return 2
    print(f"closed finding {args.close}", file=sys.stderr)
    return 0
