"""The backup and restore procedure of docs/versioning.md: export, import into an empty registry, same checksum."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")


def test_backup_restore_round_trip(tmp_path: Path) -> None:
    from trace_std.registry import Registry

    live = Registry(f"sqlite:///{tmp_path / 'live.sqlite3'}")
    assert live.ensure_sample() is True
    live.export("json", tmp_path / "backup.json")
    live.close()

    restored = Registry(f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    restored.init()
    report = restored.import_file(tmp_path / "backup.json", actor="restore")
    assert report.to_dict()["ok"] is True
    restored.export("json", tmp_path / "restored.json")
    restored.close()

    backup = json.loads((tmp_path / "backup.json").read_text("utf-8"))
    again = json.loads((tmp_path / "restored.json").read_text("utf-8"))
    assert backup["provenance"]["sha256"] == again["provenance"]["sha256"]
    assert (backup["codes"], backup["products"], backup["lots"]) == (
        again["codes"],
        again["products"],
        again["lots"],
    )
