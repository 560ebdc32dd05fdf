"""Market profiles (AU, CN, EU, JP, KR, RU, US, VN) as data: required fields, printed text, symbols.

The table is ``trace_std/data/label_markets.json``; see ``docs/formats/markets.md``.

A profile lists its requirements either as plain ``required_fields`` or, for the newer profiles
(JP, KR, RU), as :class:`Requirement` records that carry the particular, the label field, the
caption printed in the market's language, the legal sources and a confidence mark (``C``
confirmed, ``S`` single or secondary source, ``I`` inferred, ``NF`` looked for and not found).
A missing field is an error when its requirement is confirmed (``C``/``S``) and a warning
(``label.market.unconfirmed``) when it is not (``I``/``NF``).

>>> cn = market_profile("CN")
>>> cn.required_fields, cn.symbols
(('puc', 'phc'), ('gs1-128', 'qr'))
>>> market_for_destination("DE").market, market_for_destination("KZ").market
('EU', 'RU')
>>> market_for_destination("TH") is None
True
>>> markets()
['AU', 'CN', 'EU', 'JP', 'KR', 'RU', 'US', 'VN']
>>> ru = market_profile("RU")
>>> ru.required("carton")[:3], ru.unconfirmed("carton")
(('product_name.ru', 'exporter', 'exporter_address'), ('importer', 'importer_address'))
"""

from __future__ import annotations

import dataclasses
from functools import cache

from trace_std.data import data_version, load

__all__ = [
    "CONFIRMED",
    "MarketProfile",
    "RequiredText",
    "Requirement",
    "base_required_fields",
    "market_for_destination",
    "market_profile",
    "markets",
    "markets_version",
]

_TABLE = "label_markets"
#: Confidence marks that make a requirement enforceable (an error when the field is missing).
CONFIRMED = frozenset({"C", "S"})


@dataclasses.dataclass(frozen=True, slots=True)
class RequiredText:
    """A line of text a market requires on the printed label."""

    id: str
    text: str
    on: tuple[str, ...]  # "carton", "pallet"
    confidence: str | None = None
    sources: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Requirement:
    """One particular a market requires (or allows) on the label, with its source and confidence.

    ``field`` is the label field path that carries it (``product_name.ru``, ``importer``) or
    ``None`` for a mark the label data does not carry (the EAC mark). ``status`` is ``required``,
    ``optional`` or ``applies`` (a mark that applies but is not checked). ``label_data`` says
    whether the field existed before the profile (``existing``), was added for it (``new``) or
    there is none (``none``). ``caption`` is printed on the carton sheet in the market's language.
    """

    id: str
    particular: str
    field: str | None
    caption: str | None
    on: tuple[str, ...]
    status: str
    confidence: str
    label_data: str
    sources: tuple[str, ...] = ()
    note: str | None = None
    print_with: str | None = None  # id of the requirement whose printed line this value joins
    values: tuple[tuple[str, str], ...] = ()  # printed wording of coded values (treatment codes)
    unit: str | None = None  # printed after a quantity

    @property
    def confirmed(self) -> bool:
        return self.confidence in CONFIRMED


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
    requirements: tuple[Requirement, ...] = ()
    languages: tuple[str, ...] = ()  # languages of the printed texts (besides English/Vietnamese)

    def _checked(self, kind: str, confirmed: bool) -> tuple[str, ...]:
        return tuple(
            r.field
            for r in self.requirements
            if r.field is not None and r.status == "required" and kind in r.on and r.confirmed == confirmed
        )

    def required(self, kind: str) -> tuple[str, ...]:
        """Label fields that must be filled for a ``"carton"`` or ``"pallet"`` label (an error if not)."""
        plain = self.required_fields if kind == "carton" else self.pallet_required_fields
        return plain + tuple(f for f in self._checked(kind, True) if f not in plain)

    def unconfirmed(self, kind: str) -> tuple[str, ...]:
        """Fields required by a requirement that could not be confirmed (a warning when missing)."""
        return self._checked(kind, False)

    def requirement(self, field: str) -> Requirement | None:
        """The requirement carried by label ``field``, if the profile has one."""
        return next((r for r in self.requirements if r.field == field), None)

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
                RequiredText(
                    t["id"], t["text"], tuple(t["on"]), t.get("confidence"), tuple(t.get("sources", ()))
                )
                for t in rec["required_text"]
            ),
            symbols=tuple(rec["symbols"]),
            voice_pick=bool(rec["voice_pick"]),
            gs1_128_elements=tuple(rec.get("gs1_128_elements", ())),
            countries=tuple(rec.get("countries", ())),
            sources=tuple(rec.get("sources", ())),
            requirements=tuple(
                Requirement(
                    id=r["id"],
                    particular=r["particular"],
                    field=r["field"],
                    caption=r.get("caption"),
                    on=tuple(r["on"]),
                    status=r["status"],
                    confidence=r["confidence"],
                    label_data=r["label_data"],
                    sources=tuple(r["sources"]),
                    note=r.get("note"),
                    print_with=r.get("print_with"),
                    values=tuple(sorted(r.get("values", {}).items())),
                    unit=r.get("unit"),
                )
                for r in rec.get("requirements", ())
            ),
            languages=tuple(rec.get("languages", ())),
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
    """The profile of ``market`` (``"CN"``, ``"RU"``... see :func:`markets`); ``KeyError`` if none."""
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
