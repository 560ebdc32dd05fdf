"""``trace-std serve``: run the HTTP service.

Without ``--workers`` it runs Flask's development server on ``--host``/``--port``. With
``--workers N`` it runs the same app under gunicorn (through gunicorn's Python API), bound to
``--bind HOST:PORT``; the equivalent plain command is ``gunicorn 'api:create_app()' -w N -b HOST:PORT``.
Workers are gunicorn's ``sync`` workers (one request at a time each, the lowest tail latency), meant
to sit behind a buffering, TLS-terminating reverse proxy; ``--threads T`` (T > 1) switches to
``gthread`` workers for a service exposed without one (docs/operations.md, "Worker class").

Before starting it makes sure the registry schema exists (and, for an SQLite registry that has no
codes, loads the synthetic sample), so a newcomer gets a working lookup with one command.
Configuration comes from ``TRACE_STD_*`` environment variables (``docs/operations.md``); under
gunicorn ``TRACE_STD_PUBLIC_BASE_URL`` or ``TRACE_STD_ALLOWED_HOSTS`` is required, so that no answer
names a host taken from a client's ``Host`` header.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the HTTP API (development server, or gunicorn with --workers)",
        description="Run the HTTP service: Flask's development server, or gunicorn with --workers. "
        "The first run creates the SQLite registry and loads the synthetic sample.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="development server host (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="development server port (default 8000)")
    parser.add_argument(
        "--workers", type=int, default=None, metavar="N", help="run under gunicorn with N workers"
    )
    parser.add_argument("--bind", default=None, metavar="HOST:PORT", help="gunicorn bind address")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        metavar="T",
        help="threads per gunicorn worker; above 1 the workers are gthread (slow clients hold a thread, "
        "not a worker) instead of sync (default 1: sync, for use behind a buffering reverse proxy)",
    )
    parser.add_argument(
        "--database",
        default=None,
        metavar="URL",
        help="registry database (overrides TRACE_STD_DATABASE_URL; default ./trace_std.sqlite3)",
    )
    sample = parser.add_mutually_exclusive_group()
    sample.add_argument(
        "--sample",
        dest="sample",
        action="store_true",
        default=None,
        help="load the synthetic sample into an empty registry (default for SQLite)",
    )
    sample.add_argument("--no-sample", dest="sample", action="store_false", help="never load the sample")
    parser.set_defaults(func=run)


def prepare_registry(url: str | None, sample: bool | None) -> str:
    """Create/upgrade the schema; load the sample into an empty registry (SQLite by default).

    Returns the registry description (URL without password) for the start-up message."""
    from trace_std.registry import Registry

    with Registry(url) as registry:
        load = registry.backend == "sqlite" if sample is None else sample
        if load:
            if registry.ensure_sample():
                from trace_std.audit.sample import ensure_audit_sample

                ensure_audit_sample(registry)
                print(
                    f"trace-std: loaded the synthetic sample registry into {registry.describe()}",
                    file=sys.stderr,
                )
        else:
            registry.init()
        return registry.describe()


def gunicorn_settings(bind: str, workers: int, threads: int = 1) -> dict[str, Any]:
    """gunicorn settings of ``serve --workers``; the benchmark runs the same ones.

    ``threads == 1``: sync workers, each answering one request at a time. Behind a reverse proxy that
    buffers requests (needed anyway for TLS) this gives the lowest tail latency, because no two
    requests of a worker compete for the GIL. ``threads > 1``: gthread workers, where a slow or idle
    client holds one thread, not a whole worker (slowloris), at the price of tail latency under load.
    """
    return {
        "bind": bind,
        "workers": workers,
        "worker_class": "sync" if threads <= 1 else "gthread",
        "threads": max(threads, 1),
        "timeout": 30,
        "graceful_timeout": 10,
        "keepalive": 5,
        "post_worker_init": _problem_errors,  # gunicorn's own 400/414/431 answers as problem documents
    }


def _problem_errors(worker: Any) -> None:
    from api.server import post_worker_init

    post_worker_init(worker)


def gunicorn_application(
    bind: str, workers: int, options: dict[str, Any] | None = None, *, threads: int = 1
) -> Any:
    """A gunicorn application serving ``api.create_app()`` (importable for tests and benchmarks)."""
    from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

    settings = {"accesslog": None, **gunicorn_settings(bind, workers, threads), **(options or {})}

    class Application(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            for key, value in settings.items():
                if value is not None and key in self.cfg.settings:
                    self.cfg.set(key, value)

        def load(self) -> Any:
            from api import create_app

            return create_app()

    return Application()


def run(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        print("trace-std serve: --workers must be at least 1", file=sys.stderr)
        return 2
    if args.threads < 1:
        print("trace-std serve: --threads must be at least 1", file=sys.stderr)
        return 2
    if args.threads > 1 and args.workers is None:
        print("trace-std serve: --threads needs --workers (gunicorn)", file=sys.stderr)
        return 2
    if args.bind is not None and args.workers is None:
        print(
            "trace-std serve: --bind needs --workers (use --host/--port for the development server)",
            file=sys.stderr,
        )
        return 2
    if args.workers is not None and not (
        os.environ.get("TRACE_STD_PUBLIC_BASE_URL") or os.environ.get("TRACE_STD_ALLOWED_HOSTS")
    ):
        print(
            "trace-std serve: with --workers set TRACE_STD_PUBLIC_BASE_URL (e.g. https://id.example.vn) "
            "or TRACE_STD_ALLOWED_HOSTS (e.g. id.example.vn,127.0.0.1): otherwise links in answers "
            "would name whatever Host header a client sends",
            file=sys.stderr,
        )
        return 2
    if args.database:
        os.environ["TRACE_STD_DATABASE_URL"] = args.database
    from sqlalchemy.exc import SQLAlchemyError

    try:
        where = prepare_registry(os.environ.get("TRACE_STD_DATABASE_URL") or None, args.sample)
    except (ValueError, OSError, SQLAlchemyError) as exc:  # TraceStdError is a ValueError
        print(f"trace-std serve: cannot open the registry: {exc}", file=sys.stderr)
        return 2
    print(f"trace-std: registry {where}", file=sys.stderr)
    if args.workers is not None:
        bind = args.bind or f"{args.host}:{args.port}"
        gunicorn_application(bind, args.workers, threads=args.threads).run()
        return 0
    from api import create_app

    create_app().run(host=args.host, port=args.port)
    return 0
