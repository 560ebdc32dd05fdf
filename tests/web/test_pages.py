"""The website through the Flask test client: verdicts, languages, escaping, headers."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from babel.dates import format_date
from babel.numbers import format_decimal


class _Page(HTMLParser):
    """Collects what the tests assert on: attributes by test id, scripts, inline styles."""

    def __init__(self) -> None:
        super().__init__()
        self.testids: dict[str, dict[str, str | None]] = {}
        self.scripts: list[dict[str, str | None]] = []
        self.inline_script = False
        self.style_elements = 0
        self.style_attrs = 0
        self.event_handlers: list[str] = []
        self.html_lang: str | None = None
        self._in_script = False
        self.ids: list[str] = []
        self.labels_for: set[str] = set()
        self.inputs: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if "data-testid" in a:
            self.testids[str(a["data-testid"])] = a
        if tag == "script":
            self.scripts.append(a)
            self._in_script = True
        if tag == "style":
            self.style_elements += 1
        if "style" in a:
            self.style_attrs += 1
        self.event_handlers += [k for k in a if k.startswith("on")]
        if "id" in a:
            self.ids.append(str(a["id"]))
        if tag == "label" and a.get("for"):
            self.labels_for.add(str(a["for"]))
        if tag in ("input", "select", "textarea"):
            self.inputs.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def verdict_of(response: Any) -> str | None:
    return parse(response.get_data(as_text=True)).testids.get("verdict", {}).get("data-verdict")


def assert_safe_html(response: Any) -> _Page:
    """No inline script/style, no event handlers, unique ids, every input labelled, CSP sent."""
    page = parse(response.get_data(as_text=True))
    assert page.html_lang in ("vi", "en", "zh-Hans", "ru")
    assert all(s.get("src") for s in page.scripts) and not page.inline_script
    assert page.style_elements == 0 and page.style_attrs == 0
    assert page.event_handlers == []
    assert len(page.ids) == len(set(page.ids))
    for field in page.inputs:
        assert field.get("id") in page.labels_for, field
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    # Only the scanner pages may compile WebAssembly ('wasm-unsafe-eval' allows no JavaScript eval).
    scanner = "scan-form" in page.testids
    assert csp.replace(" 'wasm-unsafe-eval'", "", 1 if scanner else 0).count("unsafe") == 0, csp
    assert ("connect-src 'self'" in csp) == scanner
    assert "default-src 'none'" in csp
    return page


# -- home and languages -------------------------------------------------------------------


def test_home_in_vietnamese_from_accept_language(client: Any) -> None:
    r = client.get("/", headers={"Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"})
    assert r.status_code == 200
    page = assert_safe_html(r)
    assert page.html_lang == "vi"
    assert page.testids["lang-vi"].get("aria-current") == "true"
    assert "code-input" in page.testids and "photo-input" in page.testids


def test_home_in_english_and_fallback(client: Any) -> None:
    assert (
        parse(client.get("/", headers={"Accept-Language": "en-GB"}).get_data(as_text=True)).html_lang == "en"
    )
    # A language none of the catalogues has -> English.
    assert (
        parse(client.get("/", headers={"Accept-Language": "fr-FR"}).get_data(as_text=True)).html_lang == "en"
    )


@pytest.mark.parametrize(
    ("header", "lang", "title"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.5", "zh-Hans", "这批农产品是真的吗？"),
        ("zh", "zh-Hans", "这批农产品是真的吗？"),
        ("zh-Hans-CN", "zh-Hans", "这批农产品是真的吗？"),
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru", "Подлинная ли это продукция?"),
        ("en-US,en;q=0.9,ru;q=0.8", "en", "Is this produce genuine?"),
    ],
)
def test_accept_language_picks_chinese_and_russian(client: Any, header: str, lang: str, title: str) -> None:
    r = client.get("/", headers={"Accept-Language": header})
    page = assert_safe_html(r)
    assert page.html_lang == lang
    assert f'<h1 class="page-title">{title}</h1>' in r.get_data(as_text=True)
    for loc in ("vi", "en", "zh", "ru"):
        assert f"lang-{loc}" in page.testids


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("vi", "17/07/2023"), ("ru", "17.07.2023"), ("zh", "2023年7月17日"), ("en", "Jul 17, 2023")],
)
def test_dates_as_each_locale_writes_them(web_app: Any, locale: str, expected: str) -> None:
    from api.web.present import Translator

    with web_app.test_request_context("/", headers={"Cookie": f"lang={locale}"}):
        assert Translator().date(dt.date(2023, 7, 17)) == expected


def test_scan_input_opens_the_camera(client: Any) -> None:
    photo = parse(client.get("/").get_data(as_text=True)).testids["photo-input"]
    assert photo.get("type") == "file"
    assert photo.get("accept") == "image/*"
    assert photo.get("capture") == "environment"


def test_language_toggle_sets_cookie_and_returns(client: Any) -> None:
    r = client.get("/lang/vi?next=/verify?q=abc", headers={"Accept-Language": "en"})
    assert r.status_code == 303
    assert r.headers["Location"] == "/verify?q=abc"
    assert "lang=vi" in r.headers["Set-Cookie"]
    r = client.get("/", headers={"Accept-Language": "en"})
    assert parse(r.get_data(as_text=True)).html_lang == "vi"  # the cookie wins over the header
    client.get("/lang/en?next=/")
    assert parse(client.get("/", headers={"Accept-Language": "vi"}).get_data(as_text=True)).html_lang == "en"


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"]
)
def test_language_toggle_is_not_an_open_redirect(client: Any, target: str) -> None:
    r = client.get("/lang/en", query_string={"next": target})
    assert r.status_code == 303
    assert r.headers["Location"] == "/"


def test_unknown_language_sets_nothing(client: Any) -> None:
    r = client.get("/lang/fr?next=/")
    assert r.status_code == 303 and "Set-Cookie" not in r.headers


# -- verdicts -----------------------------------------------------------------------------


def test_genuine_code(client: Any, sample: Any) -> None:
    r = client.get("/verify", query_string={"q": sample.genuine_puc}, headers={"Accept-Language": "en"})
    assert r.status_code == 200
    page = assert_safe_html(r)
    assert page.testids["verdict"]["data-verdict"] == "genuine"
    assert "section-puc" in page.testids
    assert "markets-puc" in page.testids
    assert "history-puc" in page.testids


def test_revoked_code_gives_reason(client: Any, sample: Any) -> None:
    r = client.get("/verify", query_string={"q": sample.revoked_puc})
    assert r.status_code == 200
    assert verdict_of(r) == "revoked"
    assert 'data-code="registry.code.revoked"' in r.get_data(as_text=True)


def test_suspended_code(client: Any, sample: Any) -> None:
    r = client.get("/verify", query_string={"q": sample.suspended_puc})
    assert verdict_of(r) == "suspended"


@pytest.mark.parametrize("garbage", ["hello world", "12345", "VN-??-", "\u200b"])
def test_garbage_is_malformed_not_an_error(client: Any, garbage: str) -> None:
    r = client.get("/verify", query_string={"q": garbage})
    assert r.status_code == 200
    assert verdict_of(r) == "malformed"
    assert parse(r.get_data(as_text=True)).testids["reasons"] is not None


def test_empty_query_shows_the_form_with_an_error(client: Any) -> None:
    r = client.get("/verify?q=+")
    assert r.status_code == 400
    page = assert_safe_html(r)
    assert "form-error" in page.testids
    assert page.testids["code-input"].get("aria-invalid") == "true"


def test_unregistered_but_well_formed(client: Any, web_app: Any, sample: Any) -> None:
    prefix, _, digits = sample.genuine_puc.rpartition("-")
    with web_app.app_context():
        from api import store

        reg = store.registry()
        candidate = next(
            f"{prefix}-{n:0{len(digits)}d}"
            for n in range(9999, 0, -1)
            if reg.get_code(f"{prefix}-{n:0{len(digits)}d}") is None
        )
    r = client.get("/verify", query_string={"q": candidate})
    assert verdict_of(r) == "unregistered"


def test_code_page(client: Any, sample: Any) -> None:
    r = client.get(f"/codes/{sample.genuine_puc}")
    assert r.status_code == 200
    assert verdict_of(r) == "genuine"
    assert client.get("/codes/not-a-code").status_code == 404


def test_digital_link_opened_by_a_browser_gets_the_result_page(client: Any, sample: Any) -> None:
    r = client.get(sample.digital_link_path, headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert r.status_code == 200
    assert r.mimetype == "text/html"
    page = assert_safe_html(r)
    assert page.testids["verdict"]["data-verdict"] == "genuine"
    assert "section-product" in page.testids and "section-puc" in page.testids
    # The same URL for a program is still the JSON Report.
    j = client.get(sample.digital_link_path, headers={"Accept": "application/json"})
    assert j.mimetype == "application/json" and j.get_json()["verdict"] == "genuine"


def test_dates_and_numbers_follow_the_locale(client: Any, web_app: Any, sample: Any) -> None:
    with web_app.app_context():
        from api import store

        rec = store.registry().get_code(sample.genuine_puc)
    assert rec is not None and rec.area_ha is not None
    from api.web.i18n import DATE_FORMATS

    for locale, unit in (("vi", "ha"), ("en", "ha"), ("zh", "公顷"), ("ru", "га")):
        client.get(f"/lang/{locale}?next=/")
        html = client.get("/verify", query_string={"q": sample.genuine_puc}).get_data(as_text=True)
        assert format_decimal(rec.area_ha, "#,##0.##", locale=locale) + " " + unit in html
        assert format_date(rec.status_since, DATE_FORMATS[locale], locale=locale) in html
        assert f'datetime="{rec.history[0].date.isoformat()}"' in html
    assert format_date(dt.date(2025, 3, 1), "medium", locale="vi") != format_date(
        dt.date(2025, 3, 1), "medium", locale="en"
    )


# -- escaping -------------------------------------------------------------------------------

XSS = '"><script>alert(1)</script><img src=x onerror=alert(2)>'


def test_query_is_escaped(client: Any) -> None:
    r = client.get("/verify", query_string={"q": XSS})
    html = r.get_data(as_text=True)
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert_safe_html(r)


def test_registry_data_is_escaped(client: Any, web_app: Any, sample: Any) -> None:
    prefix, _, digits = sample.genuine_puc.rpartition("-")
    code = f"{prefix}-{9990:0{len(digits)}d}"
    with web_app.app_context():
        from api import store

        store.registry().upsert_code(
            {
                "code": code,
                "name": XSS,
                "owner": XSS,
                "address": XSS,
                "status": "active",
                "status_since": "2025-01-02",
                "issued": "2025-01-02",
                "history": [{"to": "active", "date": "2025-01-02", "reason": XSS, "legal_doc": XSS}],
            },
            actor="test-web-xss",
        )
    r = client.get(f"/codes/{code}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "<script>alert(1)" not in html and "<img src=x" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4
    assert_safe_html(r)


def test_too_long_query(client: Any) -> None:
    r = client.get("/verify", query_string={"q": "9" * 5000})
    assert r.status_code == 400
    assert "form-error" in parse(r.get_data(as_text=True)).testids


# -- uploads that cannot be checked -------------------------------------------------------------


def _reason(response: Any) -> str | None:
    return parse(response.get_data(as_text=True)).testids.get("scan-failed", {}).get("data-reason")


def test_upload_without_file(client: Any) -> None:
    r = client.post("/scan", data={}, content_type="multipart/form-data")
    assert r.status_code == 400 and _reason(r) == "no_file"


def test_upload_that_is_not_an_image(client: Any) -> None:
    import io

    r = client.post(
        "/scan",
        data={"photo": (io.BytesIO(b"%PDF-1.7 not a photo" * 50), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and _reason(r) == "not_an_image"
    assert "Traceback" not in r.get_data(as_text=True)


def test_upload_too_many_bytes(web_app: Any) -> None:
    import io

    client = web_app.test_client()
    web_app.config["WEB_UPLOAD_MAX_BYTES"] = 10_000
    try:
        r = client.post(
            "/scan",
            data={"photo": (io.BytesIO(b"\xff" * 200_000), "big.jpg")},
            content_type="multipart/form-data",
        )
    finally:
        del web_app.config["WEB_UPLOAD_MAX_BYTES"]
    assert r.status_code == 413 and _reason(r) == "too_large"


def test_upload_too_many_pixels(web_app: Any) -> None:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("L", (3000, 3000), 255).save(buf, "PNG")  # small file, 9 megapixels
    client = web_app.test_client()
    web_app.config["WEB_UPLOAD_MAX_PIXELS"] = 1_000_000
    try:
        r = client.post(
            "/scan",
            data={"photo": (io.BytesIO(buf.getvalue()), "bomb.png")},
            content_type="multipart/form-data",
        )
    finally:
        del web_app.config["WEB_UPLOAD_MAX_PIXELS"]
    assert r.status_code == 422 and _reason(r) == "too_many_pixels"


def test_photo_without_a_code_gives_tips(client: Any) -> None:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 180, 160)).save(buf, "JPEG")
    r = client.post(
        "/scan", data={"photo": (io.BytesIO(buf.getvalue()), "blank.jpg")}, content_type="multipart/form-data"
    )
    assert r.status_code == 422 and _reason(r) == "no_code"
    assert "tips" in parse(r.get_data(as_text=True)).testids


def test_scan_rate_limit_uses_the_shared_limiter(tmp_path: Any, make_app: Any) -> None:
    import io

    app = make_app(tmp_path, RATELIMIT_ENABLED=True, WEB_SCAN_RATELIMIT="2/minute", ENSURE_SAMPLE=False)
    client = app.test_client()
    statuses = [
        client.post(
            "/scan",
            data={"photo": (io.BytesIO(b"not an image"), "x.jpg")},
            content_type="multipart/form-data",
        ).status_code
        for _ in range(3)
    ]
    assert statuses[:2] == [422, 422]
    assert statuses[2] == 429
    assert re.search(
        r'data-kind="rate_limited"',
        client.post(
            "/scan", data={"photo": (io.BytesIO(b"x"), "x.jpg")}, content_type="multipart/form-data"
        ).get_data(as_text=True),
    )


def test_language_toggle_after_a_photo_goes_to_a_get_page(client: Any, sample: Any, photos: Any) -> None:
    import io

    symbol = photos.label_symbol(
        "gs1-128", digital_link="", elements=[("01", sample.gtin), ("10", sample.lot)]
    )
    r = client.post(
        "/scan",
        data={"photo": (io.BytesIO(photos.photo_of(symbol)), "label.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and verdict_of(r) == "genuine"
    href = str(parse(r.get_data(as_text=True)).testids["lang-vi"]["href"])
    target = client.get(href).headers["Location"]
    assert target.startswith("/verify?q=")
    assert verdict_of(client.get(target)) == "genuine"
    assert client.get("/scan").status_code == 303


@pytest.mark.parametrize("other", ["vi", "zh", "ru"])
def test_every_label_on_the_result_page_is_translated(web_app: Any, sample: Any, other: str) -> None:
    pages = {}
    for locale in (other, "en"):
        client = web_app.test_client()
        client.get(f"/lang/{locale}?next=/")
        html = client.get(sample.digital_link_path, headers={"Accept": "text/html"}).get_data(as_text=True)
        labels = re.findall(r"<(?:dt|h1|h2|h3|summary|th)[^>]*>([^<]+)", html)
        labels += re.findall(
            r'class="(?:event-what|status[^"]*|verdict-meaning|checked-on|kind)"[^>]*>([^<]+)', html
        )
        pages[locale] = [t.strip() for t in labels if t.strip()]
    assert len(pages[other]) == len(pages["en"]) > 25
    same = {v for v, e in zip(pages[other], pages["en"], strict=True) if v == e}
    assert same <= {"GTIN", "(GS1 Digital Link)"}, same  # names of standards
    # Sentences with a variable are translated as a whole, not word by word.
    assert not any(" since " in t for t in pages[other])


def test_registry_down_gives_a_page_with_retry_after(make_app: Any, tmp_path: Any) -> None:
    app = make_app(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path}/missing-dir/registry.sqlite3",
        ENSURE_SAMPLE=False,
        TESTING=False,
    )
    r = app.test_client().get("/verify?q=VN-SLOR-0001")
    assert r.status_code == 503
    assert r.mimetype == "text/html"
    assert int(r.headers["Retry-After"]) > 0
    html = r.get_data(as_text=True)
    assert 'data-kind="unavailable"' in html and "Traceback" not in html
    assert_safe_html(r)


@pytest.mark.parametrize("kind", ["qr", "gs1-128", "datamatrix"])
def test_scan_each_symbology(client: Any, sample: Any, photos: Any, kind: str) -> None:
    import io

    symbol = photos.label_symbol(
        kind,
        digital_link=f"https://id.example.vn{sample.digital_link_path}",
        elements=[("01", sample.gtin), ("10", sample.lot)],
    )
    r = client.post(
        "/scan",
        data={"photo": (io.BytesIO(photos.photo_of(symbol, angle=-3.0, blur=1.0)), "label.jpg")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200
    assert verdict_of(r) == "genuine"
    checked = re.search(r'data-testid="checked-input">([^<]*)<', r.get_data(as_text=True))
    assert checked is not None and sample.lot in checked.group(1) and sample.gtin in checked.group(1)


def test_inconsistent_label_explains_why(client: Any, web_app: Any, sample: Any) -> None:
    with web_app.app_context():
        from api import store

        lot = store.registry().lookup_lot(sample.gtin, sample.lot)
    assert lot is not None and lot.pack_date is not None
    wrong = lot.pack_date - dt.timedelta(days=3)
    text = f"(01){sample.gtin}(13){wrong:%y%m%d}(10){sample.lot}"
    r = client.get("/verify", query_string={"q": text}, headers={"Accept-Language": "en"})
    assert r.status_code == 200
    assert verdict_of(r) == "inconsistent"
    assert 'data-code="registry.lot.pack_date_mismatch"' in r.get_data(as_text=True)


def test_the_example_on_the_home_page_is_genuine(client: Any) -> None:
    href = parse(client.get("/").get_data(as_text=True)).testids["example"]["href"]
    assert verdict_of(client.get(str(href))) == "genuine"


def test_one_h1_per_page_and_caching_headers(client: Any, sample: Any) -> None:
    pages = {
        "home": client.get("/"),
        "result": client.get("/verify", query_string={"q": sample.suspended_puc}),
        "code": client.get(f"/codes/{sample.genuine_puc}"),
        "empty": client.get("/verify?q="),
    }
    for name, r in pages.items():
        assert r.get_data(as_text=True).count("<h1") == 1, name
        assert r.headers["Cache-Control"].startswith("private"), name  # the page depends on the language
        vary = {v.strip().lower() for v in r.headers["Vary"].split(",")}
        assert {"accept-language", "cookie"} <= vary, name


# -- caches -----------------------------------------------------------------------------------


def test_admin_write_clears_the_cached_verification_page(make_app: Any, tmp_path: Any) -> None:
    """With the report cache on, a revoke through the admin API shows on the next page load."""
    app = make_app(tmp_path, RESPONSE_CACHE_TTL=300)
    with app.app_context():
        from api import store

        reg = store.registry()
        code = reg.search(status="active", kind="puc").items[0].code
        secret, _ = reg.create_token("web-cache-test", ["codes:status"], actor="test-setup")
    client = app.test_client()
    assert verdict_of(client.get("/verify", query_string={"q": code})) == "genuine"
    response = client.post(
        f"/v1/admin/codes/{code}/status",
        json={"status": "revoked", "reason": "test"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert verdict_of(client.get("/verify", query_string={"q": code})) == "revoked"
