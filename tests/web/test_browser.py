"""Real-browser tests: Playwright drives Debian's chromium against a live server on 127.0.0.1.

Screenshots go to a temporary directory, or to the directory named by ``TRACE_STD_SCREENSHOTS``
(``TRACE_STD_SCREENSHOTS=docs/screenshots python3 -m pytest tests/web/test_browser.py`` made the
committed ones).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import playwright_and_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORTS: dict[str, dict[str, Any]] = {
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
    },
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    sync_api, executable = playwright_and_chromium()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("TRACE_STD_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _shot(page: Any, path: Path) -> None:
    """A full-page screenshot, reduced to 256 colours so the committed PNGs stay small."""
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(page.screenshot(full_page=True))).convert("RGB")
    image.quantize(colors=256).save(path, "PNG", optimize=True)


class Session:
    """One browser context (viewport, language, JavaScript on/off) with CSP-violation tracking."""

    def __init__(
        self, chromium: Any, base: str, viewport: str, *, locale: str = "en-US", javascript: bool = True
    ) -> None:
        self.base = base
        self.context = chromium.new_context(
            locale=locale, java_script_enabled=javascript, **VIEWPORTS[viewport]
        )
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console.append(str(e)))

    def goto(self, path: str) -> Any:
        return self.page.goto(self.base + path)

    def verdict(self) -> str:
        return str(self.page.get_by_test_id("verdict").get_attribute("data-verdict"))

    def lang(self) -> str:
        return str(self.page.locator("html").get_attribute("lang"))

    def check_code(self, code: str) -> None:
        self.page.get_by_test_id("code-input").fill(code)
        with self.page.expect_navigation():
            self.page.get_by_test_id("code-input").press("Enter")

    def close(self) -> None:
        assert not [c for c in self.console if "Content Security Policy" in c or "Refused" in c], self.console
        self.context.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture()
def session(chromium: Any, live_server: str, viewport: str) -> Iterator[Session]:
    s = Session(chromium, live_server, viewport)
    yield s
    s.close()


def test_type_genuine_revoked_and_garbage(session: Session, sample: Any, shots: Path, viewport: str) -> None:
    session.goto("/")
    assert session.page.get_by_label(re.compile("Enter or paste a code")).is_visible()
    _shot(session.page, shots / f"home-{viewport}.png")

    session.check_code(sample.genuine_puc)
    assert session.verdict() == "genuine"
    assert session.page.get_by_role("heading", level=1).inner_text().strip() == "Registered and active"
    assert session.page.get_by_test_id("history-puc").locator("li").count() >= 1
    _shot(session.page, shots / f"result-genuine-{viewport}.png")

    session.check_code(sample.revoked_puc)
    assert session.verdict() == "revoked"
    assert session.page.locator('[data-code="registry.code.revoked"]').is_visible()
    assert session.page.get_by_test_id("status-reason").is_visible()
    _shot(session.page, shots / f"result-revoked-{viewport}.png")

    session.check_code("hello <b>world</b>")
    assert session.verdict() == "malformed"
    assert session.page.get_by_test_id("checked-input").inner_text() == "hello <b>world</b>"
    if viewport == "phone":
        _shot(session.page, shots / f"result-malformed-{viewport}.png")
    # Nothing overflows sideways on a phone.
    assert session.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("kind", ["qr", "gs1-128"])
def test_upload_a_photo_of_a_rendered_label(
    session: Session, sample: Any, photos: Any, tmp_path: Path, kind: str, shots: Path, viewport: str
) -> None:
    symbol = photos.label_symbol(
        kind,
        digital_link=f"https://id.example.vn{sample.digital_link_path}",
        elements=[("01", sample.gtin), ("10", sample.lot)],
    )
    path = tmp_path / "label.jpg"
    path.write_bytes(photos.photo_of(symbol, angle=4.0, blur=1.2))
    session.goto("/")
    # With JavaScript the form submits as soon as a photo is chosen.
    with session.page.expect_navigation():
        session.page.get_by_test_id("photo-input").set_input_files(str(path))
    assert session.verdict() == "genuine"
    assert sample.lot in session.page.get_by_test_id("checked-input").inner_text()
    if kind == "qr":
        _shot(session.page, shots / f"result-scan-{viewport}.png")


def test_unreadable_photo_gives_tips(
    session: Session, photos: Any, tmp_path: Path, shots: Path, viewport: str
) -> None:
    from PIL import Image

    path = tmp_path / "blank.jpg"
    Image.new("RGB", (800, 600), (190, 160, 120)).save(path, "JPEG")
    session.goto("/")
    with session.page.expect_navigation():
        session.page.get_by_test_id("photo-input").set_input_files(str(path))
    assert session.page.get_by_test_id("scan-failed").get_attribute("data-reason") == "no_code"
    assert session.page.get_by_test_id("tips").locator("li").count() >= 3
    if viewport == "phone":
        _shot(session.page, shots / f"scan-failed-{viewport}.png")


def test_switch_language_is_remembered(session: Session, sample: Any, shots: Path, viewport: str) -> None:
    session.goto(f"/verify?q={sample.genuine_puc}")
    assert session.lang() == "en"
    with session.page.expect_navigation():
        session.page.get_by_test_id("lang-vi").click()
    assert session.lang() == "vi"
    assert session.verdict() == "genuine"  # back on the same result
    assert session.page.get_by_role("heading", level=1).inner_text().strip() == "Đã đăng ký, đang hiệu lực"
    _shot(session.page, shots / f"result-genuine-vi-{viewport}.png")
    session.goto("/")
    assert session.lang() == "vi"
    assert session.page.get_by_label("Nhập hoặc dán mã").is_visible()


def test_open_a_digital_link_directly(session: Session, sample: Any, shots: Path, viewport: str) -> None:
    response = session.goto(sample.digital_link_path)
    assert response.status == 200
    assert session.verdict() == "genuine"
    assert session.page.get_by_test_id("section-product").is_visible()
    product = session.page.get_by_test_id("section-product").inner_text()
    assert sample.lot in product
    # the public fact of the event repository: this sample lot has no captured events
    from babel.support import Translations

    catalogue = Translations.load(
        str(Path(__file__).resolve().parents[2] / "api/web/translations"), [session.lang()]
    )
    assert catalogue.gettext("No events declare this lot yet") in product
    if viewport == "desktop":
        _shot(session.page, shots / f"digital-link-{viewport}.png")


@pytest.mark.parametrize("viewport", ["phone"])
def test_pages_work_without_javascript(
    chromium: Any, live_server: str, sample: Any, photos: Any, tmp_path: Path, viewport: str
) -> None:
    s = Session(chromium, live_server, viewport, locale="vi-VN", javascript=False)
    try:
        s.goto("/")
        assert s.lang() == "vi"
        s.check_code(sample.revoked_puc)
        assert s.verdict() == "revoked"
        symbol = photos.label_symbol(
            "qr", digital_link=f"https://id.example.vn{sample.digital_link_path}", elements=[]
        )
        path = tmp_path / "label.jpg"
        path.write_bytes(photos.photo_of(symbol, angle=-3.0, blur=1.0))
        s.goto("/")
        s.page.get_by_test_id("photo-input").set_input_files(str(path))
        with s.page.expect_navigation():
            s.page.get_by_test_id("scan-button").click()
        assert s.verdict() == "genuine"
        with s.page.expect_navigation():
            s.page.get_by_test_id("lang-en").click()
        assert s.lang() == "en"
    finally:
        s.close()


@pytest.mark.parametrize("viewport", ["desktop"])
def test_keyboard_only(session: Session, sample: Any) -> None:
    session.goto("/")
    page = session.page
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"
    seen = []
    for _ in range(8):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.dataset.testid || document.activeElement.tagName"))
        if seen[-1] == "code-input":
            break
    assert seen[-1] == "code-input", seen
    page.keyboard.type(sample.genuine_puc)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert session.verdict() == "genuine"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert float(page.evaluate("parseFloat(getComputedStyle(document.activeElement).outlineWidth)")) >= 2


@pytest.mark.parametrize("viewport", ["phone"])
@pytest.mark.parametrize("which", ["result", "home"])
def test_page_weight(session: Session, sample: Any, which: str) -> None:
    """<= 100 KB with everything it loads; the decoder is not loaded until the camera opens."""
    sizes: dict[str, int] = {}

    def on_response(response: Any) -> None:
        body = response.body()
        sizes[response.url] = len(body)

    session.page.on("response", on_response)
    session.goto(f"/verify?q={sample.genuine_puc}" if which == "result" else "/")
    session.page.wait_for_load_state("networkidle")
    assert any(u.endswith("site.css") for u in sizes) and any(u.endswith("site.js") for u in sizes)
    assert all(u.startswith(session.base) for u in sizes), "no third-party requests"
    assert not any("zxing" in u for u in sizes), "the decoder loads only when the camera opens"
    assert sum(sizes.values()) <= 100 * 1024, sizes
    print(f"{which} page weight: {sum(sizes.values())} bytes", sizes)


@pytest.mark.parametrize("viewport", ["phone"])
@pytest.mark.parametrize(
    ("locale", "lang", "headline"),
    [
        ("vi-VN", "vi", "Đã thu hồi"),
        ("en-US", "en", "Revoked"),
        ("zh-CN", "zh-Hans", "已撤销"),
        ("ru-RU", "ru", "Отозван"),
    ],
)
def test_each_language_at_phone_size(
    chromium: Any,
    live_server: str,
    sample: Any,
    shots: Path,
    viewport: str,
    locale: str,
    lang: str,
    headline: str,
) -> None:
    s = Session(chromium, live_server, viewport, locale=locale)
    try:
        s.goto("/")
        assert s.page.locator("html").get_attribute("lang") == lang
        assert s.page.get_by_test_id("camera-button").is_visible()  # the live scanner is offered
        assert s.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        _shot(s.page, shots / f"home-{lang.split('-')[0]}-phone.png")
        s.check_code(sample.revoked_puc)
        assert s.verdict() == "revoked"
        assert s.page.get_by_role("heading", level=1).inner_text().strip() == headline
        assert s.page.get_by_test_id("status-reason").is_visible()
        assert s.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
        _shot(s.page, shots / f"result-revoked-{lang.split('-')[0]}-phone.png")
    finally:
        s.close()
