"""The audit's tests use the registry's fixtures: the same tests on SQLite and on PostgreSQL."""

from tests.registry.conftest import backend, db_url, pg_url, registry  # noqa: F401
