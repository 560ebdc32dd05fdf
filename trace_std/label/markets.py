"""Market profiles (CN, US, AU, EU, VN) as data: required fields, printed text, symbols.

The table is ``trace_std/data/label_markets.json``; see ``docs/formats/markets.md``.

>>> cn = market_profile("CN")
>>> cn.required_fields, cn.symbols
(('puc', 'phc'), ('gs1-128', 'qr'))
>>> market_for_destination("DE").market, market_for_destination("JP") is None
('EU', True)
>>> markets()
['AU', 'CN', 'EU', 'US', 'VN']
"""

from __future__ import annotations

import dataclasses
from functools import cache

from trace_std.data import data_version, load

__all__ = [
    "MarketProfile",
    "RequiredText",
    "base_required_fields",
    "market_for_destination",
    "market_profile",
    "markets",
    "markets_version",
]

_TABLE = "label_markets"


@dataclasses.dataclass(frozen=True, slots=True)
class RequiredText:
    """A line of text a market requires on the printed label."""

    id: str
    text: str
    on: tuple[str, ...]  # "carton", "pallet"


@dataclasses.dataclass(frozen=True, slots=True)
class MarketProfile:
    """What one destination market requires of a label."""

    market: str
    name: str
    required_fields: tuple[str, ...]
    pallet_required_fields: tuple[str, ...]
    required_text: tuple[RequiredText, ...]
    symbols: tuple[str, ...]  # "gs1-128", "qr", "voice-pick", "datamatrix"
    voice_pick: bool
    gs1_128_elements: tuple[str, ...] = ()  # AIs the market wants in the linear symbol, if restricted
    countries: tuple[str, ...] = ()  # destination countries covered (EU members); default: the market
    sources: tuple[str, ...] = ()

    def required(self, kind: str) -> tuple[str, ...]:
        """Required label fields for a ``"carton"`` or ``"pallet"`` label."""
        return self.required_fields if kind == "carton" else self.pallet_required_fields

    def texts(self, kind: str) -> tuple[str, ...]:
        """The text lines to print on a ``"carton"`` or ``"pallet"`` label."""
        return tuple(t.text for t in self.required_text if kind in t.on)


@cache
def _profiles() -> dict[str, MarketProfile]:
    out: dict[str, MarketProfile] = {}
    for rec in load(_TABLE)["records"]:
        out[rec["market"]] = MarketProfile(
            market=rec["market"],
            name=rec["name"],
            required_fields=tuple(rec["required_fields"]),
            pallet_required_fields=tuple(rec["pallet_required_fields"]),
            required_text=tuple(
                RequiredText(t["id"], t["text"], tuple(t["on"])) for t in rec["required_text"]
            ),
            symbols=tuple(rec["symbols"]),
            voice_pick=bool(rec["voice_pick"]),
            gs1_128_elements=tuple(rec.get("gs1_128_elements", ())),
            countries=tuple(rec.get("countries", ())),
            sources=tuple(rec.get("sources", ())),
        )
    return out


@cache
def _by_country() -> dict[str, str]:
    index: dict[str, str] = {}
    for profile in _profiles().values():
        for country in profile.countries or (profile.market,):
            index[country] = profile.market
    return index


def markets() -> list[str]:
    """Every market code with a profile."""
    return sorted(_profiles())


def market_profile(market: str) -> MarketProfile:
    """The profile of ``market`` (``"CN"``, ``"US"``, ``"AU"``, ``"EU"``, ``"VN"``); ``KeyError`` if none."""
    if not isinstance(market, str):
        raise TypeError(f"market must be str, not {type(market).__name__}")
    return _profiles()[market.upper()]


def market_for_destination(country: str) -> MarketProfile | None:
    """The profile that applies to a destination country (an EU member gets ``EU``), or ``None``."""
    code = _by_country().get(country.upper())
    return None if code is None else _profiles()[code]


@cache
def base_required_fields() -> tuple[str, ...]:
    """Fields every label needs whatever the market (product name, crop, exporter, destination)."""
    return tuple(load(_TABLE)["base_required_fields"])


def markets_version() -> str:
    return data_version(_TABLE)
