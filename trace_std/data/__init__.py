"""Versioned data tables with provenance.

Every table is a JSON file in this folder with a header::

    {"dataset": "...", "version": "...", "source": {...}, "records": [...]}

Tables are loaded lazily on first use and cached. Generated tables are never
edited by hand: each names the script in ``scripts/`` that made it. Local fixes
live in ``*.overrides.json`` files with a reason per entry.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["available", "data_version", "load"]


@cache
def load(name: str) -> dict[str, Any]:
    """Load the table ``name`` (file ``<name>.json``) from this package."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name.startswith("."):
        raise TypeError(f"invalid data table name: {name!r}")
    path = resources.files(__name__).joinpath(f"{name}.json")
    with path.open("r", encoding="utf-8") as fh:
        data: dict[str, Any] = json.load(fh)
    return data


def data_version(name: str) -> str:
    """``"<dataset>@<version>"`` of a table, as reported in every ``Report``."""
    table = load(name)
    return f"{table.get('dataset', name)}@{table.get('version', 'unknown')}"


def available() -> list[str]:
    """Names of every table shipped in the package."""
    return sorted(
        p.name[: -len(".json")]
        for p in resources.files(__name__).iterdir()
        if p.name.endswith(".json") and not p.name.endswith(".schema.json")
    )
