"""``trace-std encode LABEL.json --to hri|raw|dl|gs1-128|qr|datamatrix|sheet``: encode and render a label.

Text targets (hri, raw, dl) print a line; symbols are SVG (default) or PNG (``--format png``, or an
``-o`` file ending in ``.png``); the sheet is SVG, PNG or PDF (from ``-o``'s ending or ``--format``).

``trace-std encode --batch LABELS.xlsx --to sheet -o week48.pdf`` prints every valid row of a label
file (CSV, XLSX, JSON Lines, read as ``trace-std validate`` reads it) as one carton sheet per page of
a PDF; ``-o DIR/`` writes one SVG (``--format png``: PNG) per row, ``-o x.png`` one PNG
(:func:`trace_std.render.print.print_batch`). Rows that are not valid are listed on stderr and not
printed.

Exit codes: 0 written (every row printed), 1 the label is invalid or cannot be encoded (batch: some
row was not printed), 2 unreadable input or bad options.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from trace_std.errors import TraceStdError

TARGETS = ("hri", "raw", "dl", "gs1-128", "qr", "datamatrix", "sheet")
_MAX_INPUT = 1 << 20


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "encode", help="encode a label: element strings, Digital Link, symbols, the carton sheet"
    )
    p.add_argument(
        "label", metavar="LABEL.json", nargs="?", help="carton or pallet label (JSON), or - for stdin"
    )
    p.add_argument(
        "--batch",
        metavar="LABELS",
        help="print every valid row of a label file (CSV, XLSX, JSONL): --to sheet -o FILE.pdf|DIR/|x.png",
    )
    p.add_argument("--as-of", metavar="DATE", help="--batch: reject pack/harvest dates after DATE")
    p.add_argument("--to", required=True, choices=TARGETS, help="what to produce")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument(
        "--engine", choices=("zxing", "python"), default="zxing", help="symbol engine (default zxing)"
    )
    p.add_argument(
        "--format",
        choices=("svg", "png", "pdf"),
        help="image format (default: from -o, else svg; pdf: sheet only)",
    )
    p.add_argument("--resolver", help="Digital Link resolver (default https://id.gs1.org)")
    p.add_argument("--market", help="market profile (default: from the label's destination_market)")
    p.add_argument(
        "--qr-content",
        choices=("trace", "short", "full"),
        default="trace",
        help="Digital Link in the sheet's QR Code: key + qualifiers + PUC/PHC (default), key only, or all",
    )
    p.add_argument(
        "--fonts",
        choices=("auto", "embed", "reference"),
        default="auto",
        help="sheet fonts: embed subsets in the SVG (embed), only name them (reference), "
        "or embed when installed (auto, default)",
    )
    p.set_defaults(func=_run)


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"trace-std encode: {message}\n")
    return code


def _format_of(output: str | None) -> str:
    lower = (output or "").lower()
    return "png" if lower.endswith(".png") else "pdf" if lower.endswith(".pdf") else "svg"


def _read(name: str) -> Any:
    if name == "-":
        data = sys.stdin.buffer.read(_MAX_INPUT + 1)
    else:
        with open(name, "rb") as fh:
            data = fh.read(_MAX_INPUT + 1)
    if len(data) > _MAX_INPUT:
        raise ValueError("the label file is larger than 1 MiB")
    return json.loads(data.decode("utf-8-sig"))


def _run_batch(args: argparse.Namespace) -> int:
    import datetime as dt

    from trace_std.errors import FileFormatError
    from trace_std.render._elements import DEFAULT_RESOLVER
    from trace_std.render.print import print_batch

    if args.label is not None:
        return _fail("give either LABEL.json or --batch LABELS, not both", 2)
    if args.to != "sheet" or not args.output:
        return _fail("--batch prints carton sheets: use --to sheet -o FILE.pdf (or DIR/, or x.png)", 2)
    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        return _fail(f"--as-of is not an ISO 8601 date (YYYY-MM-DD): {args.as_of!r}", 2)
    try:
        run = print_batch(
            args.batch,
            args.output,
            fmt=args.format,
            market=args.market,
            as_of=as_of,
            engine=args.engine,
            resolver=args.resolver or DEFAULT_RESOLVER,
            qr_content=args.qr_content,
        )
    except FileFormatError as err:
        return _fail(f"{args.batch}: {err.code}: {err.message}", 2)
    except TraceStdError as err:
        return _fail(f"{err.code}: {err.message}", 2 if err.code.startswith("render.") else 1)
    report = run.report
    left_out = report.rows_total - len(run.printed)
    for issue in report.issues:
        if str(issue.severity) == "error":
            sys.stderr.write(f"  row {issue.row}\t{issue.field or '-'}\t{issue.code}\t{issue.message}\n")
    sys.stderr.write(
        f"{args.batch}: {report.rows_total} rows, {len(run.printed)} sheets written to {args.output}, "
        f"{left_out} rows not printed\n"
    )
    return 1 if left_out else 0


def _run(args: argparse.Namespace) -> int:
    if args.batch is not None:
        return _run_batch(args)
    if args.label is None:
        return _fail("give LABEL.json (or - for stdin), or --batch LABELS", 2)
    try:
        payload = _read(args.label)
    except OSError as exc:
        return _fail(f"cannot read {args.label}: {exc.strerror or exc}", 2)
    except (UnicodeDecodeError, ValueError) as exc:
        return _fail(f"{args.label} is not a JSON label: {exc}", 2)
    if not isinstance(payload, dict):
        return _fail(f"{args.label}: a label is a JSON object", 2)
    fmt = args.format or _format_of(args.output)
    from pydantic import ValidationError

    from trace_std.label import label_errors_to_issues, parse_label

    try:
        label = parse_label(payload)  # the library decides carton or pallet
    except ValidationError as exc:
        for issue in label_errors_to_issues(exc):
            sys.stderr.write(f"  error: {issue.field or '-'}: {issue.code}: {issue.message}\n")
        return _fail("the label is invalid", 1)
    from trace_std.render._elements import DEFAULT_RESOLVER
    from trace_std.render.encode import encode_label

    try:
        out = encode_label(
            label,
            to=args.to,
            engine=args.engine,
            fmt=fmt,
            resolver=args.resolver or DEFAULT_RESOLVER,
            market=args.market,
            qr_content=args.qr_content,
            fonts=args.fonts,
        )
    except TraceStdError as err:
        usage = err.code in (
            "render.option.invalid",
            "render.font.missing",
            "render.format.unknown",
            "render.engine.unknown",
            "render.engine.unsupported",
            "render.extra_missing",
        )
        field = f"{err.field}: " if err.field else ""
        return _fail(f"{field}{err.code}: {err.message}", 2 if usage else 1)
    data = out.encode("utf-8") if isinstance(out, str) else out
    if isinstance(out, str) and args.to in ("hri", "raw", "dl"):
        data += b"\n"
    if args.output:
        Path(args.output).write_bytes(data)
    elif isinstance(out, bytes) and sys.stdout.isatty():
        return _fail("refusing to write PNG to a terminal; use -o FILE", 2)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0
