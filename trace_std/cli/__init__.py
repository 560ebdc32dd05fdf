"""The ``trace-std`` command line. Thin: parse, call one library function, print.

Each sub-command lives in its own module with a ``register(subparsers)`` function
that adds its parser and sets ``func`` (returning the exit code).
Exit codes: 0 success/all valid, 1 some input invalid, 2 usage or unreadable input.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module

from trace_std import __version__

# Sub-command modules, in the order shown by --help.
COMMANDS: tuple[str, ...] = ("check", "validate", "encode", "serve", "registry", "token", "events", "audit")


def build_parser(commands: Sequence[str] = COMMANDS) -> argparse.ArgumentParser:
    """The parser with the sub-commands ``commands`` (all by default)."""
    parser = argparse.ArgumentParser(
        prog="trace-std",
        description="Validate, encode and verify Vietnamese farm-produce traceability codes and GS1 labels.",
    )
    parser.add_argument("--version", action="version", version=f"trace-std {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in commands:
        import_module(f"trace_std.cli.{name}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = list(sys.argv[1:] if argv is None else argv)
    # Only the chosen sub-command's module is imported (``validate`` must not pay for SQLAlchemy);
    # without a known command (``--help``, a typo) every command is registered, as usual.
    chosen = next((w for w in words if not w.startswith("-")), None)
    parser = build_parser((chosen,) if chosen in COMMANDS else COMMANDS)
    args = parser.parse_args(words)
    try:
        code: int = args.func(args)
    except BrokenPipeError:  # pragma: no cover - e.g. `trace-std check - | head`
        return 0
    return code


def run() -> None:  # console-script entry point
    sys.exit(main())
