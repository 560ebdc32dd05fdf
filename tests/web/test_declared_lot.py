"""The result page shows the one public fact of the EPCIS repository: whether the lot on the label
was declared through captured events, and on which date; never a volume or a party name."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from babel.dates import format_date
from babel.support import Translations

from tests.events.repo_data import CONTEXT

TRANSLATIONS = Path(__file__).resolve().parents[2] / "api" / "web" / "translations"
LOCALES = ("vi", "en", "zh", "ru")


def _product_section(html: str) -> str:
    m = re.search(r'data-testid="section-product".*?</section>', html, re.S)
    assert m is not None, "no product section"
    return m.group(0)


def test_the_result_page_says_whether_and_when_the_lot_was_declared(make_app: Any, tmp_path: Any) -> None:
    from api.web.i18n import DATE_FORMATS
    from trace_std.events.repository import capture

    app = make_app(tmp_path)
    with app.app_context():
        from api import store

        reg = store.registry()
        lot = next(
            lot
            for rec in reg.search(kind="puc", status="active", per_page=50).items
            for lot in reg.lots_for_code(rec.code, limit=5)
        )
    path = f"/01/{lot.gtin}/10/{lot.lot}"
    client = app.test_client()

    def page(locale: str) -> tuple[str, Any]:
        client.get(f"/lang/{locale}?next=/")
        r = client.get(path, headers={"Accept": "text/html"})
        assert r.status_code == 200
        return r.get_data(as_text=True), Translations.load(str(TRANSLATIONS), [locale])

    for locale in LOCALES:
        html, tr = page(locale)
        section = _product_section(html)
        assert tr.gettext("Traceability events") in section
        assert tr.gettext("No events declare this lot yet") in section
    harvest = {
        "@context": CONTEXT,
        "type": "ObjectEvent",
        "eventTime": "2025-08-12T06:00:00+07:00",  # 2025-08-11 in UTC
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "bizLocation": {"id": "urn:epc:id:sgln:8935234.00010.0"},
        "quantityList": [
            {"epcClass": f"https://id.gs1.org/01/{lot.gtin}/10/{lot.lot}", "quantity": 7654.5, "uom": "KGM"}
        ],
    }
    with app.app_context():
        job = capture(
            store.registry(), json.dumps(harvest).encode(), party="Hidden Exporter Ltd", bare_event=True
        )
    assert job.stored == 1
    for locale in LOCALES:
        html, tr = page(locale)
        section = _product_section(html)
        date = format_date(dt.date(2025, 8, 11), DATE_FORMATS[locale], locale=locale)
        assert tr.gettext("Lot declared on %(date)s") % {"date": date} in section
        assert tr.gettext("No events declare this lot yet") not in html
        # no volume, no party, no location of the captured event
        assert "Hidden Exporter" not in html and "7654" not in html and "7,654" not in html
        assert "8935234000101" not in html
