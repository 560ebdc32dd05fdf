"""The gunicorn hooks of ``trace-std serve --workers`` (``api.server``)."""

from __future__ import annotations

import gc
import logging
from collections.abc import Iterator
from types import SimpleNamespace

import pytest

from api import server


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freeze_heap_moves_the_loaded_objects_out_of_collections(unfrozen: object) -> None:
    assert gc.get_freeze_count() == 0
    server.freeze_heap()
    assert gc.get_freeze_count() > 10_000  # modules, functions, tables of a loaded process
    assert gc.get_count()[0] < 100  # young generation collected first
    created_after: list[list[int]] = [[]]  # a young object is still collected as usual
    assert gc.is_tracked(created_after)


def test_post_worker_init_installs_problem_errors_and_freezes(
    unfrozen: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gunicorn import util  # type: ignore[import-untyped]

    monkeypatch.setattr(util, "write_error", util.write_error)
    ours = logging.getLogger("trace_std")
    monkeypatch.setattr(ours, "handlers", [])
    monkeypatch.setattr(ours, "propagate", True)
    monkeypatch.setattr(ours, "level", ours.level)
    handler = logging.NullHandler()
    worker = SimpleNamespace(log=SimpleNamespace(error_log=SimpleNamespace(handlers=[handler])))
    server.post_worker_init(worker)
    assert util.write_error is server.write_problem
    assert ours.handlers == [handler]
    assert gc.get_freeze_count() > 10_000
