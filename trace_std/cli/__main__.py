"""``python -m trace_std.cli`` runs the ``trace-std`` command."""

from trace_std.cli import run

run()
