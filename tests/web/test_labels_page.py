"""The exporters' label-file page: upload, the row report as a table, the corrected file."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import pytest

from tests.label.messy_files import FILES

pytest.importorskip("openpyxl")


def _post(client: Any, payload: bytes, name: str) -> Any:
    return client.post(
        "/labels",
        data={"file": (io.BytesIO(payload), name)},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )


def test_form_page(client: Any) -> None:
    response = client.get("/labels", headers={"Accept-Language": "vi"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="labels-form"' in html and 'enctype="multipart/form-data"' in html
    assert "Content-Security-Policy" in response.headers
    assert 'href="/labels"' in client.get("/").get_data(as_text=True)  # linked from every page


def test_upload_shows_the_report_with_bad_cells_and_the_fixed_file(client: Any) -> None:
    response = _post(client, FILES["sonla-week.xlsx"](), "tháng 8.xlsx")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "tháng 8.xlsx" in html  # the report names the uploaded file
    assert 'data-valid="false"' in html
    # the bad cells are highlighted, the repaired ones marked, with the value as written
    bad = re.findall(r'<tr class="issue issue--error" data-code="([^"]+)" data-row="(\d+)"', html)
    assert bad == [("label.gtin.scientific", "6")]
    assert 'class="cell cell--error"><code>8,93600E+12</code></td>' in html
    repaired = re.findall(r'<tr class="issue issue--repaired" data-code="([^"]+)" data-row="(\d+)"', html)
    assert ("label.repaired.code", "4") in repaired and ("label.repaired.market", "4") in repaired
    # the corrected file: a data: link with the canonical rows (the registry checks passed)
    link = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)" download="([^"]+)"', html)
    assert link is not None and link.group(2) == "tháng 8-fixed.csv"
    fixed = base64.b64decode(link.group(1)).decode("utf-8-sig").splitlines()
    assert fixed[0].startswith("gtin,lot,") and len(fixed) == 3
    assert fixed[1].startswith("08936000120016,SL250812A,Nhãn tươi Sơn La,longan,2025-08-11,2025-08-12,,10,")
    assert ",VN-SLOR-0001,VN-SLPH-001," in fixed[1] and ",CN," in fixed[1]


def test_unreadable_and_missing_files(client: Any) -> None:
    response = _post(client, b"\x00\x01binary", "x.csv")
    assert response.status_code == 422
    assert 'data-testid="labels-error"' in response.get_data(as_text=True)
    empty = client.post("/labels", data={}, content_type="multipart/form-data")
    assert empty.status_code == 400
