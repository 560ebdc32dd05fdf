"""Live scanning and photo reduction in Debian's chromium.

The camera is chromium's fake capture device fed a Y4M video made here, with Pillow, from a label
rendered by ``trace_std.render``; the page must decode it (BarcodeDetector where chromium offers one
that reads all three symbologies, otherwise the vendored ZXing WebAssembly reader) and open the
verdict. A 12-megapixel photo must leave the browser as a JPEG of at most 1600 px and 300 KB.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import playwright_and_chromium

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "api" / "web" / "static" / "vendor" / "zxing-wasm"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}
FORCE_WASM = "delete window.BarcodeDetector;"
# Reports the decoder the page chose (window.noteDecoder is exposed by the test). Playwright's
# wait_for_function would need eval, which the page's CSP rightly refuses.
WATCH_DECODER = """
document.addEventListener("DOMContentLoaded", () => {
  const box = document.querySelector("[data-testid=live-scan]");
  if (box) new MutationObserver(() => box.dataset.decoder && window.noteDecoder(box.dataset.decoder))
    .observe(box, {attributes: true, attributeFilter: ["data-decoder"]});
});
"""
# Hands the photo the page is about to send to the test (window.noteSent), then sends it.
WATCH_SENT = """
const submit = HTMLFormElement.prototype.submit;
HTMLFormElement.prototype.submit = function () {
  const form = this, file = form.querySelector("input[type=file]").files[0];
  file.arrayBuffer().then((buf) => {
    let bin = ""; const bytes = new Uint8Array(buf);
    for (let i = 0; i < bytes.length; i += 32768) bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 32768));
    return window.noteSent(file.type, btoa(bin));
  }).then(() => submit.call(form));
};
"""


def write_y4m(path: Path, image: Any, *, size: tuple[int, int] = (1280, 720), frames: int = 6) -> None:
    """A YUV 4:2:0 Y4M video of ``image`` centred on white, as chromium's fake camera reads it."""
    from PIL import Image

    width, height = size
    canvas = Image.new("RGB", size, (255, 255, 255))
    scale = min(0.8 * width / image.width, 0.8 * height / image.height)
    symbol = image.convert("RGB").resize(
        (int(image.width * scale), int(image.height * scale)), Image.Resampling.NEAREST
    )
    canvas.paste(symbol, ((width - symbol.width) // 2, (height - symbol.height) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (width // 2, height // 2)
    planes = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with open(path, "wb") as f:
        f.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + planes)


@pytest.fixture()
def camera_browser(tmp_path: Path) -> Iterator[Any]:
    """``launch(label_image)``: a chromium whose camera shows ``label_image``."""
    sync_api, executable = playwright_and_chromium()
    with sync_api.sync_playwright() as p:
        browsers: list[Any] = []

        def launch(image: Any) -> Any:
            video = tmp_path / f"camera{len(browsers)}.y4m"
            write_y4m(video, image)
            browser = p.chromium.launch(
                executable_path=executable,
                headless=True,
                args=[
                    *ARGS,
                    "--use-fake-device-for-media-stream",
                    "--use-fake-ui-for-media-stream",
                    f"--use-file-for-fake-video-capture={video}",
                ],
            )
            browsers.append(browser)
            return browser

        try:
            yield launch
        finally:
            for b in browsers:
                b.close()


def _label(photos: Any, sample: Any, kind: str) -> Any:
    return photos.label_symbol(
        kind,
        digital_link=f"https://id.example.vn{sample.digital_link_path}",
        elements=[("01", sample.gtin), ("10", sample.lot)],
    )


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("kind", ["qr", "gs1-128", "datamatrix"])
@pytest.mark.parametrize("mode", ["wasm", "chromium"])
def test_live_scan_decodes_the_camera_in_the_page(
    camera_browser: Any, live_server: str, sample: Any, photos: Any, kind: str, mode: str, tmp_path: Path
) -> None:
    browser = camera_browser(_label(photos, sample, kind))
    context = browser.new_context(locale="en-US", **PHONE)
    context.grant_permissions(["camera"], origin=live_server)
    if mode == "wasm":
        context.add_init_script(FORCE_WASM)  # the BarcodeDetector-absent path
    chosen: list[str] = []
    context.expose_function("noteDecoder", lambda name: chosen.append(name))
    context.add_init_script(WATCH_DECODER)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(live_server + "/")
    assert not any("zxing" in u for u in requests), "the decoder loads only when the camera opens"
    button = page.get_by_test_id("camera-button")
    assert button.is_visible()
    with page.expect_navigation(url="**/verify?q=*", timeout=30_000):
        button.click()
    decoder = chosen[0] if chosen else None
    assert page.get_by_test_id("verdict").get_attribute("data-verdict") == "genuine"
    checked = page.get_by_test_id("checked-input").inner_text()
    assert sample.lot in checked
    if mode == "wasm":
        assert decoder == "wasm"
        assert any(u.endswith("zxing_reader.wasm") for u in requests)
    else:
        # Debian's headless chromium has no BarcodeDetector on Linux; where one reads all three
        # symbologies it is used instead of the WebAssembly reader.
        has_native = page.evaluate("'BarcodeDetector' in window")
        assert decoder == ("native" if has_native and not any("zxing" in u for u in requests) else "wasm")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    (tmp_path / f"decoder-{mode}-{kind}.txt").write_text(str(decoder))
    context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_camera_shows_in_the_page_and_stops(camera_browser: Any, live_server: str) -> None:
    from PIL import Image

    sync_api, _ = playwright_and_chromium()
    browser = camera_browser(Image.new("RGB", (64, 48), (230, 230, 230)))  # no code in view
    context = browser.new_context(locale="zh-CN", **PHONE)
    context.grant_permissions(["camera"], origin=live_server)
    context.add_init_script(FORCE_WASM)
    page = context.new_page()
    page.goto(live_server + "/")
    page.get_by_test_id("camera-button").click()
    sync_api.expect(page.get_by_test_id("camera-status")).to_contain_text("对准", timeout=20_000)
    assert page.get_by_test_id("camera-video").is_visible()
    assert page.evaluate("document.activeElement.dataset.testid") == "camera-stop"
    assert page.evaluate("document.querySelector('video').videoWidth") > 0
    page.keyboard.press("Enter")  # the stop button has the focus
    sync_api.expect(page.get_by_test_id("camera-video")).to_be_hidden()
    assert page.evaluate("document.querySelector('video').srcObject") is None
    assert page.evaluate("document.activeElement.dataset.testid") == "camera-button"
    assert page.url.rstrip("/") == live_server  # nothing was decoded, nothing was sent
    context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_camera_refused_falls_back_to_the_photo(live_server: str) -> None:
    sync_api, executable = playwright_and_chromium()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        try:
            context = browser.new_context(locale="vi-VN", **PHONE)  # no camera permission, no device
            page = context.new_page()
            page.goto(live_server + "/")
            page.get_by_test_id("camera-button").click()
            sync_api.expect(page.get_by_test_id("camera-status")).to_contain_text("chụp ảnh", timeout=15_000)
            assert page.get_by_test_id("photo-input").is_visible()
            assert page.get_by_test_id("camera-button").is_visible()
        finally:
            browser.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_12_megapixel_photo_is_sent_reduced(
    live_server: str, sample: Any, photos: Any, tmp_path: Path
) -> None:
    from PIL import Image

    sync_api, executable = playwright_and_chromium()
    symbol = _label(photos, sample, "qr")
    original = photos.photo_of(symbol, size=(4000, 3000), angle=3.0, blur=1.5, fill=0.45, quality=92)
    path = tmp_path / "IMG_0001.jpg"
    path.write_bytes(original)
    assert Image.open(io.BytesIO(original)).size == (4000, 3000)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, headless=True, args=ARGS)
        try:
            context = browser.new_context(locale="en-US", **PHONE)
            sent: list[tuple[str, bytes]] = []
            context.expose_function(
                "noteSent", lambda kind, data: sent.append((kind, base64.b64decode(data)))
            )
            context.add_init_script(WATCH_SENT)
            page = context.new_page()
            lengths: list[int] = []
            page.on(
                "request",
                lambda r: (
                    lengths.append(int(r.all_headers().get("content-length", 0)))
                    if r.url.endswith("/scan")
                    else None
                ),
            )
            page.goto(live_server + "/")
            busy: list[Any] = []
            page.expose_function("noteBusy", lambda state: busy.append(state))
            page.evaluate(
                """() => { const b = document.querySelector('[data-testid=scan-button]');
                new MutationObserver(() => window.noteBusy([b.disabled, b.getAttribute('aria-busy'),
                  !document.querySelector('[data-testid=photo-progress]').hidden]))
                  .observe(b, {attributes: true}); }"""
            )
            with page.expect_navigation(timeout=30_000):
                page.get_by_test_id("photo-input").set_input_files(str(path))
            assert page.get_by_test_id("verdict").get_attribute("data-verdict") == "genuine"
        finally:
            browser.close()
    assert [True, "true", True] in busy  # disabled, busy-styled, progress visible
    ((kind, jpeg),) = sent
    image = Image.open(io.BytesIO(jpeg))
    assert kind == "image/jpeg" and image.format == "JPEG" and max(image.size) <= 1600
    assert len(jpeg) <= 300 * 1024, len(jpeg)
    report = {
        "original_bytes": len(original),
        "sent_jpeg_bytes": len(jpeg),
        "request_bytes": lengths[0] if lengths else None,
        "sent_size": image.size,
    }
    print("12 MP photo:", json.dumps(report))


def test_vendored_decoder_matches_its_provenance() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "vendor_zxing_wasm", ROOT / "scripts" / "vendor_zxing_wasm.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.check() == []
    provenance = json.loads((VENDOR / "PROVENANCE.json").read_text("utf-8"))
    assert provenance["package"] == "zxing-wasm" and provenance["integrity"].startswith("sha512-")
    assert "zxing-wasm" in (ROOT / "NOTICE").read_text("utf-8")
    assert (ROOT / "third_party" / "zxing-wasm" / "README.md").exists()
