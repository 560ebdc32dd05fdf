"""``trace-std registry init | import FILE | export | authorisations FILE | register FILE``: the
registry's open data, holders' authorisations and importing-country registers.

Every write is recorded with who made it: ``--actor`` (default ``cli:<login name>``).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from trace_std.errors import TraceStdError


def _actor(args: argparse.Namespace) -> str:
    if args.actor:
        return str(args.actor)
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # pragma: no cover - no login name
        return "cli"


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--database",
        metavar="URL",
        help="SQLAlchemy URL or SQLite file (default: $TRACE_STD_DATABASE_URL or ./trace_std.sqlite3)",
    )


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("registry", help="create, import into and export the registry")
    rsub = p.add_subparsers(dest="registry_command", metavar="ACTION")
    rsub.required = True

    init = rsub.add_parser("init", help="create or upgrade the schema")
    _common(init)
    init.add_argument(
        "--sample", action="store_true", help="also load the synthetic sample into an empty registry"
    )
    init.set_defaults(func=_init)

    imp = rsub.add_parser("import", help="import an open-data file (JSON or CSV), all or nothing")
    _common(imp)
    imp.add_argument("file", metavar="FILE", help="file to import, or - for stdin")
    imp.add_argument("--format", choices=("json", "jsonl", "csv"), help="file format (default: detected)")
    imp.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
    imp.add_argument("--actor", help="who makes the change (recorded; default cli:<login>)")
    imp.add_argument("--json", action="store_true", help="print the import report as JSON")
    imp.add_argument("--progress", action="store_true", help="report progress on stderr")
    imp.set_defaults(func=_import)

    auth = rsub.add_parser(
        "authorisations", help="import holders' authorisations (JSON or CSV), all or nothing"
    )
    _common(auth)
    auth.add_argument("file", metavar="FILE", help="file to import, or - for stdin")
    auth.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
    auth.add_argument("--actor", help="who makes the change (recorded; default cli:<login>)")
    auth.add_argument("--json", action="store_true", help="print the import report as JSON")
    auth.set_defaults(func=_authorisations)

    reg = rsub.add_parser(
        "register", help="import an importing country's register (GACC list, JSON or CSV) as market approvals"
    )
    _common(reg)
    reg.add_argument("file", metavar="FILE", help="file to import, or - for stdin")
    reg.add_argument("--market", default="CN", help="importing market of the register (default CN)")
    reg.add_argument("--dry-run", action="store_true", help="validate and report, change nothing")
    reg.add_argument("--actor", help="who makes the change (recorded; default cli:<login>)")
    reg.add_argument("--json", action="store_true", help="print the import report as JSON")
    reg.set_defaults(func=_register)

    dec = rsub.add_parser(
        "declare", help="declare label files (the batch validator's rows) as shipped, into the audit ledger"
    )
    _common(dec)
    dec.add_argument("files", nargs="*", metavar="LABELS", help="label files (CSV, XLSX, JSON Lines)")
    dec.add_argument(
        "--from-events",
        action="store_true",
        help="also declare the captured EPCIS shipping events not yet in the ledger (lots traced to "
        "their harvest PUC and packing PHC)",
    )
    dec.add_argument(
        "--rebuild",
        action="store_true",
        help="with --from-events: first remove every line declared from events",
    )
    dec.add_argument("--dry-run", action="store_true", help="validate and report, record nothing")
    dec.add_argument("--actor", help="who declares (recorded; default cli:<login>)")
    dec.add_argument("--json", action="store_true", help="print the reports as JSON")
    dec.set_defaults(func=_declare)

    exp = rsub.add_parser("export", help="export the registry as open data (with provenance and checksum)")
    _common(exp)
    exp.add_argument(
        "--format",
        choices=("json", "csv", "jsonl"),
        default="json",
        help="jsonl: JSON Lines, one record a line",
    )
    exp.add_argument("-o", "--output", metavar="FILE", help="write atomically to FILE (default: stdout)")
    exp.add_argument("--source", help="provenance 'source' text")
    exp.set_defaults(func=_export)


def _init(args: argparse.Namespace) -> int:
    from trace_std.registry import Registry

    with Registry(args.database) as reg:
        if args.sample:
            from trace_std.audit.sample import ensure_audit_sample

            loaded = reg.ensure_sample()
            state = "loaded" if loaded else "not loaded (registry not empty)"
            if loaded and ensure_audit_sample(reg):
                state += " with its 2025 audit season (try: trace-std audit)"
            print(f"schema at {reg.revision()}; sample {state}")
        else:
            print(f"schema at {reg.init()}")
        print(reg.describe())
    return 0


def _import(args: argparse.Namespace) -> int:
    from trace_std.registry import Registry

    def progress(stage: str, done: int, total: int) -> None:
        print(f"{stage} {done}/{total}", file=sys.stderr, flush=True)

    source = sys.stdin.buffer if args.file == "-" else args.file
    with Registry(args.database) as reg:
        reg.init()
        try:
            report = reg.import_file(
                source,
                actor=_actor(args),
                dry_run=args.dry_run,
                format=args.format,
                progress=progress if args.progress else None,
            )
        except TraceStdError as exc:
            print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
            return 2
    return _print_report(report, args)


def _print_report(report: Any, args: argparse.Namespace) -> int:
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        state = "OK" if report.ok else "REJECTED (nothing was changed)"
        mode = " (dry run)" if args.dry_run else ""
        print(f"{state}{mode}: {report.source} sha256={report.sha256}")
        for name in ("created", "updated", "unchanged"):
            counts = getattr(report, name)
            print(f"  {name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
        print(f"  history events appended: {report.history_appended}")
        for issue in report.issues:
            key = f" [{issue.key}]" if issue.key else ""
            print(f"  {issue.record} {issue.pointer}{key}: {issue.code}: {issue.message}")
    return 0 if report.ok else 1


def _authorisations(args: argparse.Namespace) -> int:
    from trace_std.audit.authorisations import import_authorisations
    from trace_std.registry import Registry

    source = sys.stdin.buffer if args.file == "-" else args.file
    with Registry(args.database) as reg:
        reg.init()
        try:
            report = import_authorisations(reg, source, actor=_actor(args), dry_run=args.dry_run)
        except TraceStdError as exc:
            print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
            return 2
    return _print_report(report, args)


def _register(args: argparse.Namespace) -> int:
    from trace_std.audit.registers import import_register
    from trace_std.registry import Registry

    source = sys.stdin.buffer if args.file == "-" else args.file
    with Registry(args.database) as reg:
        reg.init()
        try:
            report = import_register(
                reg, source, actor=_actor(args), market=args.market.upper(), dry_run=args.dry_run
            )
        except TraceStdError as exc:
            print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
            return 2
    return _print_report(report, args)


def _declare(args: argparse.Namespace) -> int:
    from trace_std.audit.ledger import declare_labels
    from trace_std.registry import Registry

    if not args.files and not args.from_events:
        print("error: give label files and/or --from-events", file=sys.stderr)
        return 2
    if args.rebuild and not args.from_events:
        print("error: --rebuild goes with --from-events", file=sys.stderr)
        return 2
    status = 0
    reports: list[Any] = []
    with Registry(args.database) as reg:
        reg.init()
        for path in args.files:
            try:
                report = declare_labels(reg, path, actor=_actor(args), dry_run=args.dry_run)
            except TraceStdError as exc:
                print(f"error: {path}: {exc.code}: {exc.message}", file=sys.stderr)
                status = 2
                continue
            reports.append(report)
            if not report.ok:
                status = max(status, 1)
            if args.json:
                continue
            if report.already_declared:
                print(f"ALREADY DECLARED: {report.source} sha256={report.sha256} (nothing added)")
            elif report.ok:
                mode = " (dry run)" if args.dry_run else ""
                print(
                    f"OK{mode}: {report.source}: {report.rows} rows -> {report.lines} ledger lines, "
                    f"{report.quantity_kg:g} kg sha256={report.sha256}"
                )
            else:
                print(f"REJECTED (nothing was recorded): {report.source}: {len(report.issues)} problems")
                for issue in report.issues:
                    print(f"  row {issue['row']} {issue['field'] or ''}: {issue['code']}")
        if args.from_events:
            status = max(status, _declare_events(reg, args, reports))
    if args.json:
        print(json.dumps([r.to_dict() for r in reports], ensure_ascii=False, indent=1))
    return status


def _declare_events(reg: Any, args: argparse.Namespace, reports: list[Any]) -> int:
    from trace_std.audit.epcis import declare_events

    try:
        report = declare_events(reg, actor=_actor(args), rebuild=args.rebuild, dry_run=args.dry_run)
    except TraceStdError as exc:
        print(f"error: events: {exc.code}: {exc.message}", file=sys.stderr)
        return 2
    reports.append(report)
    if not args.json:
        mode = " (dry run)" if args.dry_run else ""
        removed = f", {report.removed} lines removed first" if args.rebuild else ""
        print(
            f"OK{mode}: EPCIS shipping events: {report.events} read -> {report.declared_events} declared, "
            f"{report.lines} ledger lines, {report.quantity_kg:g} kg{removed}; "
            f"{report.unresolved_events} waiting"
        )
        for item in report.unresolved:
            print(f"  waiting {item['eventID']}: {item['reason']}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from trace_std.registry import Registry

    with Registry(args.database) as reg:
        try:
            info = reg.export(args.format, args.output or sys.stdout, source=args.source)
        except OSError as exc:  # disk full, permission denied...: the target is left as it was
            where = args.output or "standard output"
            print(f"trace-std registry export: cannot write {where}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    if args.output:
        print(f"wrote {info.path}: {info.counts} sha256={info.sha256}", file=sys.stderr)
    return 0
