"""``trace-std token create --scope S... | list | revoke ID|NAME``: bearer tokens for the admin API.

The secret is printed once; only its SHA-256 is stored. Names are unique among active tokens (the
default name is the scopes plus a random suffix); tokens with a write scope expire after a year
unless ``--expires-in DAYS`` or ``--no-expiry`` says otherwise. ``list`` shows expiry and last use,
and marks names that several active tokens share (made before names were unique): revoke those by id.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import secrets
import sys
from collections import Counter

from trace_std.cli.registry import _actor, _common
from trace_std.errors import TraceStdError
from trace_std.registry.core import SCOPES


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("token", help="create, list and revoke admin API tokens")
    tsub = p.add_subparsers(dest="token_command", metavar="ACTION")
    tsub.required = True

    create = tsub.add_parser("create", help="create a token and print its secret (shown once)")
    _common(create)
    create.add_argument(
        "--scope", action="append", required=True, choices=SCOPES, dest="scopes", help="a scope (repeatable)"
    )
    create.add_argument(
        "--name",
        help="a name for the token, unique among active tokens (default: the scopes and a random suffix)",
    )
    expiry = create.add_mutually_exclusive_group()
    expiry.add_argument(
        "--expires-in",
        type=int,
        metavar="DAYS",
        help="the token expires after DAYS days (default: 365 for write scopes, which all scopes are)",
    )
    expiry.add_argument("--no-expiry", action="store_true", help="the token never expires")
    create.add_argument("--actor", help="who creates it (recorded; default cli:<login>)")
    create.set_defaults(func=_create)

    lst = tsub.add_parser("list", help="list tokens (never their secrets)")
    _common(lst)
    lst.add_argument("--json", action="store_true")
    lst.set_defaults(func=_list)

    rev = tsub.add_parser("revoke", help="revoke a token by id or name")
    _common(rev)
    rev.add_argument("token", metavar="ID|NAME")
    rev.add_argument("--actor", help="who revokes it (recorded; default cli:<login>)")
    rev.set_defaults(func=_revoke)


def _create(args: argparse.Namespace) -> int:
    from trace_std.registry import Registry

    if args.expires_in is not None and args.expires_in < 1:
        print("error: --expires-in must be at least 1 day (or use --no-expiry)", file=sys.stderr)
        return 2
    expires_in: dt.timedelta | str | None = "default"
    if args.no_expiry:
        expires_in = None
    elif args.expires_in is not None:
        expires_in = dt.timedelta(days=args.expires_in)
    name = args.name or f"{'+'.join(args.scopes)}-{secrets.token_hex(3)}"
    with Registry(args.database) as reg:
        reg.init()
        try:
            secret, record = reg.create_token(name, args.scopes, actor=_actor(args), expires_in=expires_in)
        except TraceStdError as exc:
            print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
            return 1
    print(secret)
    expires = f"expires {record.expires_at:%Y-%m-%d}" if record.expires_at else "never expires"
    print(
        f"token {record.id} ({record.name}) scopes={','.join(record.scopes)}, {expires}: store the secret "
        "now, it is not shown again",
        file=sys.stderr,
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    from trace_std.registry import Registry

    with Registry(args.database) as reg:
        reg.init()
        tokens = reg.list_tokens()
    active_names = Counter(t.name for t in tokens if t.active)
    ambiguous = {name for name, n in active_names.items() if n > 1}
    if args.json:
        print(
            json.dumps(
                [t.to_dict() | {"ambiguous_name": t.active and t.name in ambiguous} for t in tokens],
                ensure_ascii=False,
            )
        )
        return 0
    for t in tokens:
        if t.revoked_at is not None:
            state = f"revoked {t.revoked_at:%Y-%m-%d}"
        elif t.expired and t.expires_at is not None:
            state = f"expired {t.expires_at:%Y-%m-%d}"
        else:
            state = f"active until {t.expires_at:%Y-%m-%d}" if t.expires_at else "active, never expires"
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        name = f"{t.name} (ambiguous name: revoke by id)" if t.active and t.name in ambiguous else t.name
        print(
            f"{t.id}\t{name}\t{','.join(t.scopes)}\t{state}\tcreated {t.created_at:%Y-%m-%d} by "
            f"{t.created_by}\tlast used {used}"
        )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from trace_std.registry import Registry

    with Registry(args.database) as reg:
        try:
            record = reg.revoke_token(args.token, actor=_actor(args))
        except TraceStdError as exc:
            ids = exc.context.get("ids")
            hint = f" (ids: {', '.join(map(str, ids))})" if ids else ""
            print(f"error: {exc.code}: {exc.message}{hint}", file=sys.stderr)
            return 1
    print(f"revoked token {record.id} ({record.name})")
    return 0
