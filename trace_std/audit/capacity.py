"""Production capacity: yield ceilings per crop from the versioned table ``crop_yields``."""

from __future__ import annotations

import dataclasses
from functools import cache

from trace_std.data import load

__all__ = ["Ceiling", "ceilings", "default_tolerance", "yield_rows"]


@dataclasses.dataclass(frozen=True, slots=True)
class Ceiling:
    """The most a hectare of ``crop`` can yield in a season (t/ha), with where it comes from."""

    crop: str
    yield_t_per_ha: float
    margin: float
    sources: tuple[str, ...]
    reason: str

    @property
    def t_per_ha(self) -> float:
        return self.yield_t_per_ha * self.margin


@cache
def ceilings() -> dict[str, Ceiling]:
    table = load("crop_yields")
    by_id = {row["id"]: row for row in table["yields"]}
    out: dict[str, Ceiling] = {}
    for rec in table["records"]:
        sources = tuple(
            f"{by_id[i]['source']} ({by_id[i]['region']}, {by_id[i]['basis']})" for i in rec["from"]
        )
        out[rec["crop"]] = Ceiling(
            rec["crop"], float(rec["yield_t_per_ha"]), float(rec["margin"]), sources, rec["reason"]
        )
    return out


def default_tolerance() -> float:
    return float(load("crop_yields")["tolerance"]["value"])


def yield_rows() -> list[dict[str, object]]:
    """The published yields the ceilings come from, each with its source."""
    return [dict(r) for r in load("crop_yields")["yields"]]
