"""``trace-std encode LABEL.json --to hri|raw|dl|gs1-128|qr|datamatrix|sheet``: encode and render a label.

Text targets (hri, raw, dl) print a line; symbols are SVG (default) or PNG (``--format png``, or an
``-o`` file ending in ``.png``). Exit codes: 0 written, 1 the label is invalid or cannot be encoded,
2 unreadable input or bad options.
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
    p.add_argument("label", metavar="LABEL.json", help="carton or pallet label (JSON), or - for stdin")
    p.add_argument("--to", required=True, choices=TARGETS, help="what to produce")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of standard output")
    p.add_argument(
        "--engine", choices=("zxing", "python"), default="zxing", help="symbol engine (default zxing)"
    )
    p.add_argument("--format", choices=("svg", "png"), help="image format (default: from -o, else svg)")
    p.add_argument("--resolver", help="Digital Link resolver (default https://id.gs1.org)")
    p.add_argument("--market", help="market profile (default: from the label's destination_market)")
    p.add_argument(
        "--qr-content",
        choices=("trace", "short", "full"),
        default="trace",
        help="Digital Link in the sheet's QR Code: key + qualifiers + PUC/PHC (default), key only, or all",
    )
    p.set_defaults(func=_run)


def _fail(message: str, code: int) -> int:
    sys.stderr.write(f"trace-std encode: {message}\n")
    return code


def _read(name: str) -> Any:
    if name == "-":
        data = sys.stdin.buffer.read(_MAX_INPUT + 1)
    else:
        with open(name, "rb") as fh:
            data = fh.read(_MAX_INPUT + 1)
    if len(data) > _MAX_INPUT:
        raise ValueError("the label file is larger than 1 MiB")
    return json.loads(data.decode("utf-8-sig"))


def _run(args: argparse.Namespace) -> int:
    try:
        payload = _read(args.label)
    except OSError as exc:
        return _fail(f"cannot read {args.label}: {exc.strerror or exc}", 2)
    except (UnicodeDecodeError, ValueError) as exc:
        return _fail(f"{args.label} is not a JSON label: {exc}", 2)
    if not isinstance(payload, dict):
        return _fail(f"{args.label}: a label is a JSON object", 2)
    fmt = args.format or ("png" if args.output and args.output.lower().endswith(".png") else "svg")
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
        )
    except TraceStdError as err:
        usage = err.code in (
            "render.option.invalid",
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
