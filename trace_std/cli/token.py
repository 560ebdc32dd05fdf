"""``trace-std token create --scope S... | list | revoke ID|NAME``: bearer tokens for the admin API.

The secret is printed once; only its SHA-256 is stored.
"""

from __future__ import annotations

import argparse
import json
import sys

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
    create.add_argument("--name", help="a name for the token (default: the scopes)")
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

    with Registry(args.database) as reg:
        reg.init()
        secret, record = reg.create_token(args.name or "+".join(args.scopes), args.scopes, actor=_actor(args))
    print(secret)
    print(
        f"token {record.id} ({record.name}) scopes={','.join(record.scopes)}: store the secret now, "
        "it is not shown again",
        file=sys.stderr,
    )
    return 0


def _list(args: argparse.Namespace) -> int:
    from trace_std.registry import Registry

    with Registry(args.database) as reg:
        reg.init()
        tokens = reg.list_tokens()
    if args.json:
        print(json.dumps([t.to_dict() for t in tokens], ensure_ascii=False))
        return 0
    for t in tokens:
        state = "active" if t.active else f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "revoked"
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        print(
            f"{t.id}\t{t.name}\t{','.join(t.scopes)}\t{state}\tcreated {t.created_at:%Y-%m-%d} by "
            f"{t.created_by}\tlast used {used}"
        )
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from trace_std.registry import Registry

    with Registry(args.database) as reg:
        try:
            record = reg.revoke_token(args.token, actor=_actor(args))
        except TraceStdError as exc:
            print(f"error: {exc.code}: {exc.message}", file=sys.stderr)
            return 1
    print(f"revoked token {record.id} ({record.name})")
    return 0
