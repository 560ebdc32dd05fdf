"""Event profiles: extra rules for one supply chain or regulation, as data (see the docs' profile
reference). :func:`profile_checker` returns the checker :func:`trace_std.events.validate` runs beside
the standard's rules."""

from __future__ import annotations

from typing import Any

__all__ = ["PROFILES", "profile_checker"]

PROFILES: dict[str, Any] = {}


def profile_checker(name: str, *, registry: Any = None) -> Any:
    """The checker of profile ``name``; ``ValueError`` for an unknown name."""
    if name not in PROFILES:
        raise ValueError(f"unknown profile {name!r}; known: {sorted(PROFILES)}")
    return PROFILES[name](registry=registry)
