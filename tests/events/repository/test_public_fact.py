"""Public verification gains one fact: whether a lot was declared through captured events, and the
date of the first one; no volumes, no parties."""

from __future__ import annotations

import datetime as dt
import json

from tests.events.repo_data import CONTEXT
from trace_std.events.repository import capture
from trace_std.registry import Registry
from trace_std.registry.verify import verify


def test_verify_says_whether_and_when_a_lot_was_declared(repo: Registry) -> None:
    repo.ensure_sample()
    lot = next(
        lot
        for rec in repo.search(kind="phc", per_page=10).items
        for lot in repo.lots_for_code(rec.code, limit=5)
    )
    link = f"https://id.gs1.org/01/{lot.gtin}/10/{lot.lot}"
    before = verify(repo, link).to_dict()
    assert before["events"] == {"declared": False, "first_event_date": None}
    harvest = {
        "@context": CONTEXT,
        "type": "ObjectEvent",
        "eventTime": "2025-08-12T06:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "quantityList": [{"epcClass": link, "quantity": 1234.5, "uom": "KGM"}],
    }
    assert capture(repo, json.dumps(harvest).encode(), party="secret-exporter", bare_event=True).stored == 1
    after = verify(repo, link).to_dict()
    assert after["events"]["declared"] is True
    assert after["events"]["first_event_date"] in (dt.date(2025, 8, 11), "2025-08-11")  # 06:00+07:00 is UTC
    text = json.dumps(after, default=str)
    assert "secret-exporter" not in text and "1234.5" not in text
