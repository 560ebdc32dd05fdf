"""Alembic environment: the engine comes from ``config.attributes`` (see ``__init__.py``).

Importing this module outside Alembic (e.g. doctest collection) does nothing.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Engine

import trace_std.audit.models  # noqa: F401  (the audit tables share the registry's schema)
from trace_std.registry.models import Base


def run_migrations() -> None:
    engine: Engine = context.config.attributes["engine"]
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
            transaction_per_migration=False,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if hasattr(context, "config"):  # run by Alembic
    run_migrations()
