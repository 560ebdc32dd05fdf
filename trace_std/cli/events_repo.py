"""``trace-std events capture FILE``: capture EPCIS events into the local registry database or a
remote trace_std server (``--url`` and ``--token``), the same capture job either way.

Exit status: 0 when every event was kept (or already held), 1 when the job failed or kept only part
(the errors are printed), 2 when the file cannot be read or the server cannot be reached / refuses.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
from typing import Any

from trace_std.cli.registry import _actor, _common


def register(events: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    c = events.add_parser(
        "capture",
        help="capture an EPCIS document (or --event, one event) into the repository",
        description="Local registry (--database) by default; --url and --token send it to a server's "
        "POST /epcis/capture. Exit 0: all kept; 1: failed or partial; 2: unreadable file or server error.",
    )
    c.add_argument("file", metavar="FILE", help="EPCISDocument JSON (- for standard input)")
    _common(c)
    c.add_argument("--url", help="a trace_std server, e.g. https://trace.example.vn")
    c.add_argument("--token", help="bearer token with scope events:capture (default $TRACE_STD_TOKEN)")
    c.add_argument("--event", action="store_true", help="FILE is one bare event (POST /epcis/events)")
    c.add_argument("--behaviour", choices=["rollback", "proceed"], default="rollback")
    c.add_argument("--profile", choices=["vn-fresh-produce", "fsma204"], help="also check a profile's rules")
    c.add_argument(
        "--party", dest="actor", help="local capture: the party recorded (default cli:<login name>)"
    )
    c.set_defaults(func=_capture)


def _read(name: str) -> bytes:
    if name == "-":
        return sys.stdin.buffer.read()
    with open(name, "rb") as fh:
        return fh.read()


def _remote(args: argparse.Namespace, body: bytes) -> tuple[int, dict[str, Any]]:
    token = args.token or os.environ.get("TRACE_STD_TOKEN")
    if not token:
        raise SystemExit("trace-std events capture: --url needs --token (or $TRACE_STD_TOKEN)")
    path = "/epcis/events" if args.event else "/epcis/capture"
    query = f"?profile={args.profile}" if args.profile else ""
    request = urllib.request.Request(
        args.url.rstrip("/") + path + query,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "GS1-EPCIS-Version": "2.0.0",
            "GS1-Capture-Error-Behaviour": args.behaviour,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        try:
            problem = json.loads(exc.read())
        except ValueError:
            problem = {"status": exc.code, "detail": str(exc)}
        return exc.code, problem


def _capture(args: argparse.Namespace) -> int:
    try:
        body = _read(args.file)
    except OSError as exc:
        sys.stderr.write(f"trace-std events capture: {args.file}: {exc.strerror or exc}\n")
        return 2
    if args.url:
        try:
            status, answer = _remote(args, body)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            sys.stderr.write(f"trace-std events capture: {args.url}: {exc}\n")
            return 2
        print(json.dumps(answer, ensure_ascii=False, indent=2))
        if status != 202:
            return 2
        job = answer
    else:
        from trace_std.events.repository import capture
        from trace_std.registry import Registry

        with Registry(args.database) as reg:
            reg.init()
            job = capture(
                reg,
                body,
                party=_actor(args),
                behaviour=args.behaviour,
                profile=args.profile,
                bare_event=args.event,
            ).as_dict()
        print(json.dumps(job, ensure_ascii=False, indent=2))
    return 0 if job.get("state") == "succeeded" else 1


def register_trace(events: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    t = events.add_parser(
        "trace",
        help="walk a lot's genealogy in the local repository (backward to harvests, forward to shipments)",
        description="Backward from --gtin/--lot or --epc (SSCC, carton) to harvests, planting areas and "
        "packing houses; --forward from a lot, --puc or --since/--until to cartons, pallets, shipments and "
        "destinations. JSON (default) or --svg. Exit 0: found; 1: nothing found; 2: bad arguments.",
    )
    _common(t)
    t.add_argument("--gtin")
    t.add_argument("--lot")
    t.add_argument("--epc", help="an SSCC or carton, URN or Digital Link")
    t.add_argument("--puc", help="forward: lots harvested in this planting area")
    t.add_argument("--since", help="forward: harvests at or after (RFC 3339)")
    t.add_argument("--until", help="forward: harvests before (RFC 3339)")
    t.add_argument("--forward", action="store_true")
    t.add_argument("--svg", action="store_true", help="draw the graph as SVG")
    t.set_defaults(func=_trace)


def _trace(args: argparse.Namespace) -> int:
    from trace_std.errors import TraceStdError
    from trace_std.events._syntax import parse_time
    from trace_std.events.repository import genealogy
    from trace_std.events.repository.query import micros_time
    from trace_std.registry import Registry

    times = {}
    for name in ("since", "until"):
        value = getattr(args, name)
        micros = parse_time(value) if value else None
        if value and micros is None:
            sys.stderr.write(f"trace-std events trace: --{name}: an RFC 3339 timestamp with an offset\n")
            return 2
        times[name] = micros_time(micros) if micros is not None else None
    with Registry(args.database) as reg:
        try:
            result = genealogy.trace(
                reg,
                direction="forward" if args.forward else "backward",
                gtin=args.gtin,
                lot=args.lot,
                epc=args.epc,
                puc=args.puc,
                since=times["since"],
                until=times["until"],
            )
        except TraceStdError as exc:
            sys.stderr.write(f"trace-std events trace: {exc.field}: {exc.message}\n")
            return 2
    print(genealogy.svg(result) if args.svg else json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    return 0 if result.events else 1
