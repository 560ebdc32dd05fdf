"""``check_label``: every field and cross-field rule of one label, as a :class:`Report`.

>>> report = check_label({"gtin": "08935012345677", "lot": "DF2503A", "harvest_date": "2025-03-05",
...                       "pack_date": "2025-03-01", "net_weight_kg": 10})
>>> report.valid, sorted({(i.code, i.field) for i in report.errors})  # doctest: +NORMALIZE_WHITESPACE
(False, [('label.date.order', 'pack_date'), ('label.field.required', 'crop'),
         ('label.field.required', 'destination_market'), ('label.field.required', 'exporter'),
         ('label.field.required', 'product_name')])
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from trace_std.errors import ErrorCode, Report, Severity, TraceStdError
from trace_std.label.markets import markets_version
from trace_std.label.models import CartonLabel, PalletLabel, label_errors_to_issues
from trace_std.label.profile import PROFILE, profile_version, to_elements
from trace_std.label.rules import cross_field_issues, encoded_issues, resolve_market

__all__ = ["check_label", "label_kind", "parse_label"]

Label = CartonLabel | PalletLabel


def label_kind(data: Mapping[str, Any]) -> str:
    """``"pallet"`` for a mapping with ``content_gtin`` or ``count``, else ``"carton"``."""
    return "pallet" if ("content_gtin" in data or "count" in data) else "carton"


def parse_label(data: Mapping[str, Any] | Label, *, kind: str | None = None) -> Label:
    """A model from a mapping (raises pydantic's ``ValidationError``), or the model itself."""
    if isinstance(data, (CartonLabel, PalletLabel)):
        return data
    if not isinstance(data, Mapping):
        raise TypeError(f"expected a CartonLabel, PalletLabel or mapping, not {type(data).__name__}")
    k = kind or label_kind(data)
    model = CartonLabel if k == "carton" else PalletLabel
    return model.model_validate(dict(data))


def _input_text(data: Mapping[str, Any] | Label) -> str:
    if isinstance(data, (CartonLabel, PalletLabel)):
        return data.model_dump_json(exclude_none=True)
    return json.dumps(data, ensure_ascii=False, default=str, sort_keys=False)


def _element(ai: str, value: str) -> dict[str, str]:
    from trace_std.gs1.ai import ai_info

    info = ai_info(ai)
    out = {"ai": ai, "value": value}
    if info is not None:
        out["title"] = info.title
    return out


def _values(label: Label) -> dict[str, Any]:
    return {name: getattr(label, name) for name in type(label).model_fields}


def check_label(
    label: Mapping[str, Any] | Label,
    *,
    market: str | None = None,
    as_of: _dt.date | None = None,
    kind: str | None = None,
) -> Report:
    """Check a carton or pallet label (a model or a JSON-like mapping).

    ``market`` forces a market profile (``CN``, ``RU``, ``JP``...: see
    :func:`~trace_std.label.markets.markets`); by default the destination market's profile
    applies, if there is one. ``as_of`` enables the "not in the
    future" date rule. The report's ``kind`` is ``carton_label`` or ``pallet_label``;
    ``normalized`` is the HRI element string; ``details`` has ``elements``, ``hri``, ``raw``,
    ``digital_link`` (GS1 canonical stem; carton keyed by the GTIN, pallet by the SSCC),
    ``market``, ``required_text``, ``symbols`` and, for US, ``voice_pick_code``. ``elements``
    has the shape of the GS1 element-string report: ``[{"ai", "value", "title"}, ...]``.
    """
    if as_of is not None and (not isinstance(as_of, _dt.date) or isinstance(as_of, _dt.datetime)):
        raise TypeError("as_of must be a datetime.date")
    if market is not None and not isinstance(market, str):
        raise TypeError(f"market must be str or None, not {type(market).__name__}")
    k = kind or (
        label_kind(label)
        if isinstance(label, Mapping)
        else "pallet"
        if isinstance(label, PalletLabel)
        else "carton"
    )
    report = Report(input=_input_text(label), kind=f"{k}_label")
    report.data_versions["label_profile"] = profile_version()
    report.data_versions["label_markets"] = markets_version()
    report.details["profile"] = PROFILE
    try:
        model = parse_label(label, kind=k)
    except ValidationError as exc:
        report.extend(label_errors_to_issues(exc))
        return report

    values = _values(model)
    profile, market_issues = resolve_market(model.destination_market, market)
    report.extend(market_issues)
    report.extend(cross_field_issues(values, kind=k, market=profile, as_of=as_of))
    if any(i.code == ErrorCode.LABEL_DATE_UNENCODABLE for i in report.issues):
        return report
    try:
        elements = to_elements(model)
    except TraceStdError as err:
        report.add_error(err)
        return report
    report.extend(encoded_issues(elements, k))
    report.details["elements"] = [_element(ai, value) for ai, value in elements]
    try:
        from trace_std.gs1.element_string import encode_element_string

        report.normalized = encode_element_string(elements, form="hri")
        report.details["hri"] = report.normalized
        report.details["raw"] = encode_element_string(elements, form="raw")
    except TraceStdError as err:
        report.add_error(err)
    if report.valid:
        from trace_std.render._elements import digital_link

        try:  # the same link as ``encode_label(to="dl")``: keyed by the GTIN, else the SSCC
            report.details["digital_link"] = digital_link(elements)
        except TraceStdError as err:  # pragma: no cover - the profile only writes DL-permitted AIs
            report.add(err.to_issue(Severity.WARNING))
    if profile is not None:
        report.details["market"] = profile.market
        report.details["required_text"] = list(profile.texts(k))
        report.details["symbols"] = list(profile.symbols)
        if profile.voice_pick and isinstance(model, CartonLabel):
            from trace_std.gs1.voice_pick import voice_pick_code

            report.details["voice_pick_code"] = voice_pick_code(model.gtin, model.lot, model.pack_date)
    return report
