"""The label standard: payload models, the GS1 mapping profile, market profiles, rules, batch files.

Public API (stable; the renderers and the CLI build on it):

* :class:`CartonLabel`, :class:`PalletLabel` (pydantic v2) and :func:`label_errors_to_issues`;
* :func:`to_elements` / :func:`from_elements`: the ``vn-fresh-produce/1`` GS1 mapping profile;
* :func:`market_profile` / :func:`markets`: market profiles (CN, US, AU, EU, RU, JP, KR, VN) as data;
* :func:`parse_label` (carton or pallet, decided by :func:`label_kind`) and :func:`check_label`:
  every field and cross-field rule, as a :class:`~trace_std.errors.Report`;
* :mod:`trace_std.label.batch`: streaming validation of CSV, XLSX and JSON Lines label files.
"""

from __future__ import annotations

from trace_std.label.check import check_label, label_kind, parse_label
from trace_std.label.markets import MarketProfile, market_for_destination, market_profile, markets
from trace_std.label.models import CartonLabel, PalletLabel, ProductName, label_errors_to_issues
from trace_std.label.profile import PROFILE, from_elements, to_elements

__all__ = [
    "PROFILE",
    "CartonLabel",
    "MarketProfile",
    "PalletLabel",
    "ProductName",
    "check_label",
    "from_elements",
    "label_errors_to_issues",
    "label_kind",
    "market_for_destination",
    "market_profile",
    "markets",
    "parse_label",
    "to_elements",
]
