"""The exporters' label-file page in Debian's chromium (Playwright): upload, table, download.

``TRACE_STD_SCREENSHOTS=docs/screenshots python3 -m pytest tests/web/test_labels_browser.py`` made
the committed ``labels-*.png`` screenshots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.label.messy_files import FILES
from tests.web import test_browser
from tests.web.test_browser import Session, _shot

# test_browser's fixtures (the browser, the screenshot folder), used here too
chromium = test_browser.chromium
shots = test_browser.shots

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize("javascript", [True, False])
def test_upload_a_label_file_see_the_table_download_the_fixed_file(
    chromium: Any,
    live_server: str,
    shots: Path,
    tmp_path: Path,
    viewport: str,
    javascript: bool,
) -> None:
    pytest.importorskip("openpyxl")
    source = tmp_path / "tháng 8.xlsx"
    source.write_bytes(FILES["sonla-week.xlsx"]())
    session = Session(chromium, live_server, viewport, locale="vi-VN", javascript=javascript)
    try:
        session.goto("/")
        with session.page.expect_navigation():
            session.page.get_by_test_id("labels-link").click()
        assert session.lang() == "vi"
        session.page.get_by_test_id("labels-input").set_input_files(str(source))
        with session.page.expect_navigation():
            session.page.get_by_test_id("labels-button").click()
        result = session.page.get_by_test_id("labels-result")
        assert result.is_visible() and result.get_attribute("data-valid") == "false"
        assert "tháng 8.xlsx" in result.inner_text()
        assert (
            "3 dòng nhãn: 2 hợp lệ, 1 có lỗi." in session.page.get_by_test_id("labels-summary").inner_text()
        )
        bad = session.page.locator('tr.issue--error[data-code="label.gtin.scientific"] td.cell--error')
        assert bad.inner_text() == "8,93600E+12"
        colour = bad.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour == "rgb(253, 232, 232)"  # highlighted
        repaired = session.page.locator('tr.issue--repaired[data-code="label.repaired.code"]')
        assert "vn slor 0001" in repaired.inner_text() and "VN-SLOR-0001" in repaired.inner_text()
        if javascript and viewport == "phone":
            _shot(session.page, shots / "labels-phone.png")
        elif javascript:
            _shot(session.page, shots / "labels-desktop.png")
        with session.page.expect_download() as info:
            session.page.get_by_test_id("labels-download").click()
        download = info.value
        assert download.suggested_filename == "tháng 8-fixed.csv"
        saved = tmp_path / "fixed.csv"
        download.save_as(str(saved))
        lines = saved.read_text("utf-8-sig").splitlines()
        assert len(lines) == 3 and lines[1].startswith("08936000120016,SL250812A,")
        # nothing overflows sideways on a phone (the table scrolls in its own box)
        assert session.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        session.close()
