"""Issue 15 item 4: the inspector's audit pages (``/inspector/audit``, ``/inspector/audit/puc/<code>``).

Access like the genealogy page (bearer token, scope ``inspector``); findings read "needs inspection"
in every language, never an accusation; the season chart is inline SVG drawn on the server, with
no script and no external asset; hostile ledger text is escaped."""

from __future__ import annotations

import datetime as dt
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from api import store
from tests.api.test_admin import token
from tests.audit import scenario as S
from trace_std.audit.authorisations import set_authorisation_status
from trace_std.audit.season import season_series
from trace_std.registry import Registry

D = dt.date
LOCALES = ("vi", "en", "zh", "ru")
HOSTILE = '<script>alert("x")</script>'
#: An accusation in each language: what a finding must never say.
ACCUSATIONS = re.compile(r"fraud|gian lận|lừa đảo|欺诈|诈骗|舞弊|мошенни|фальсиф", re.IGNORECASE)
NS = {"s": "http://www.w3.org/2000/svg"}


@pytest.fixture(scope="module")
def audit_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, Registry]]:
    from api import create_app

    url = f"sqlite:///{tmp_path_factory.mktemp('inspector')}/registry.sqlite3"
    Registry(url).init()
    app = create_app(
        {"TESTING": True, "DATABASE_URL": url, "RATELIMIT_ENABLED": False, "RESPONSE_CACHE_TTL": 0}
    )
    with app.app_context():
        reg = store.registry()
    S.build(reg)
    S.declare(
        reg,
        S.line(kg=200_000),  # A: 10 ha × 20 t/ha × 1.25 = 250 t of capacity
        S.line(kg=100_000, pack=D(2025, 6, 1), ship=D(2025, 6, 2)),  # ... 300 t: above
        S.line(S.A, S.Q, kg=1_000, exporter=HOSTILE, lot="LOT<b>1</b>"),  # Q is not authorised
        S.line(S.B, kg=10_000),  # clean
        S.line(S.C, kg=5_000, pack=D(2024, 5, 3), harvest=D(2024, 5, 1), ship=D(2024, 5, 5)),  # 2024
    )
    set_authorisation_status(reg, f"UQ-{S.A}-{S.FAR}", "revoked", reason="withdrawn", actor="t")
    yield app, reg
    reg.close()


@pytest.fixture
def client(audit_app: tuple[Flask, Registry]) -> Any:
    return audit_app[0].test_client()


@pytest.fixture(scope="module")
def inspector(audit_app: tuple[Flask, Registry]) -> dict[str, str]:
    return token(audit_app[1], "inspector", name="inspector")


def _name() -> str:
    return f"t-{secrets.token_hex(4)}"


def _html(response: Any) -> str:
    assert response.mimetype == "text/html", response.get_data(as_text=True)[:300]
    return str(response.get_data(as_text=True))


# -- access ------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/inspector/audit", f"/inspector/audit/puc/{S.A}?season=2025"])
def test_access_is_the_genealogy_pages(client: Any, audit_app: Any, path: str) -> None:
    reg = audit_app[1]
    trace = "/v1/trace?format=html&gtin=08935234567895&lot=X"
    for headers, status in (
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        ({"Authorization": "Basic aW5zcGVjdG9yOng="}, 401),
        (token(reg, "codes:write", "authorisations:write", name=_name()), 403),
    ):
        for accept in ("text/html", "*/*"):
            page = client.get(path, headers={**headers, "Accept": accept})
            reference = client.get(trace, headers={**headers, "Accept": accept})
            assert page.status_code == reference.status_code == status
            assert page.mimetype == reference.mimetype == "application/problem+json"
            assert page.get_json()["code"] == reference.get_json()["code"]
            assert page.headers.get("WWW-Authenticate") == reference.headers.get("WWW-Authenticate")
            assert "VN-DTOR" not in page.get_data(as_text=True)
    assert client.get(path, headers=token(reg, "inspector", name=_name())).status_code == 200


def test_pages_are_private_and_under_the_site_csp(client: Any, inspector: dict[str, str]) -> None:
    for path in ("/inspector/audit?season=2025", f"/inspector/audit/puc/{S.A}"):
        r = client.get(path, headers=inspector)
        assert r.status_code == 200
        assert r.headers["Cache-Control"] == "no-store"
        assert "Authorization" in r.headers["Vary"]
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "unsafe-inline" not in csp
        html = _html(r)
        # Nothing from elsewhere: every src/href is a path on this site (the SVG namespace is a name).
        for ref in re.findall(r'(?:src|href|action)="([^"]*)"', html):
            assert ref.startswith(("/", "#")) and not ref.startswith("//"), ref
        assert "style=" not in html and "<script>" not in html.replace(
            '<script src="/web-static/site.js" defer></script>', ""
        )


def test_every_rule_has_a_translatable_title() -> None:
    from api.web.inspector import RULE_TITLES
    from trace_std.audit.rules import RULES

    assert set(RULE_TITLES) == set(RULES)


# -- the findings table ------------------------------------------------------------------------
def _rows(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<tr class="finding finding--\w+" data-code="([^"]+)" data-puc="([^"]*)">', html)


def test_findings_table_and_filters(client: Any, inspector: dict[str, str], audit_app: Any) -> None:
    from trace_std.audit.rules import run_audit

    html = _html(client.get("/inspector/audit?season=2025", headers=inspector))
    expected = run_audit(audit_app[1], season=2025)
    assert sorted(_rows(html)) == sorted((f.code, f.subject.get("puc") or "") for f in expected)
    assert ("audit.over_yield", S.A) in _rows(html) and ("audit.unauthorised", S.A) in _rows(html)
    assert html.count('data-testid="finding-status">Needs inspection<') == len(expected)
    assert f'data-count="{len(expected)}"' in html
    assert f'href="/inspector/audit/puc/{S.A}?season=2025"' in html
    # evidence: the figures of the over-yield finding
    assert '<dt data-key="capacity_t">Capacity (t)</dt><dd>250</dd>' in html
    # one rule
    only = _html(client.get("/inspector/audit?season=2025&rule=over_yield", headers=inspector))
    assert [c for c, _ in _rows(only)] == ["audit.over_yield"]
    assert 'value="over_yield" checked' in only
    # another season: only the 2024 line of C (its authorisations start in 2025)
    assert _rows(_html(client.get("/inspector/audit?season=2024", headers=inspector))) == [
        ("audit.unauthorised", S.C)
    ]


@pytest.mark.parametrize(
    "query", ["season=20x5", "season=99", "rule=nope", "page=0", "page=abc", "season=%00"]
)
def test_bad_filters_are_a_page_with_the_error(client: Any, inspector: dict[str, str], query: str) -> None:
    r = client.get(f"/inspector/audit?{query}", headers=inspector)
    assert r.status_code == 400
    html = _html(r)
    assert 'data-testid="audit-error"' in html and 'data-testid="findings-table"' not in html


# -- one planting area -------------------------------------------------------------------------
def _svgs(html: str) -> list[ET.Element]:
    return [
        ET.fromstring(m) for m in re.findall(r'<svg [^>]*class="season-chart".*?</svg>', html, flags=re.S)
    ]


def test_puc_page_chart_authorisations_and_findings(
    client: Any, inspector: dict[str, str], audit_app: Any
) -> None:
    reg = audit_app[1]
    html = _html(client.get(f"/inspector/audit/puc/{S.A}?season=2025", headers=inspector))
    (series,) = season_series(reg, S.A, season=2025)
    (chart,) = _svgs(html)
    assert chart.get("role") == "img" and chart.find("s:title", NS) is not None
    assert float(chart.get("data-capacity-kg") or 0) == series.capacity_kg == 250_000
    marks = chart.findall(".//s:g[@class='points']/*", NS)
    assert [(m.get("data-day"), float(m.get("data-cumulative-kg") or 0)) for m in marks] == [
        (p.day.isoformat(), p.cumulative_kg) for p in series.points
    ]
    assert [m.get("class") for m in marks] == ["point", "point above"]
    assert 'data-testid="above-capacity"' in html
    # authorisations: every one of the PUC, with status, window, crops and cap
    refs = dict(re.findall(r'<tr data-ref="([^"]+)" data-status="(\w+)">', html))
    assert refs == {f"UQ-{S.A}-{S.P}": "active", f"UQ-{S.A}-{S.FAR}": "revoked"}
    assert "Jan 1, 2025 – Dec 31, 2025" in html and "durian" in html
    # findings of this PUC only
    codes = re.findall(r'<li data-code="([^"]+)">', html)
    assert sorted(codes) == ["audit.over_yield", "audit.unauthorised"]


def test_puc_page_other_cases(client: Any, inspector: dict[str, str]) -> None:
    # default season: the latest with lines; other seasons are linked
    html = _html(client.get(f"/inspector/audit/puc/{S.C}", headers=inspector))
    assert "Season 2024." in html and len(_svgs(html)) == 1
    # a code nobody declared and the registry does not hold
    html = _html(client.get("/inspector/audit/puc/VN-DTOR-0999?season=2025", headers=inspector))
    assert "This code is not in the registry." in html and 'data-testid="no-authorisations"' in html
    assert _svgs(html) == []
    # a hostile path: a page, escaped
    r = client.get("/inspector/audit/puc/%3Cscript%3Ealert(1)%3C%2Fscript%3E", headers=inspector)
    assert r.status_code == 200 and "<script>alert(1)" not in _html(r)
    assert client.get("/inspector/audit/puc/" + "9" * 65, headers=inspector).status_code == 400
    assert client.get(f"/inspector/audit/puc/{S.A}?season=abcd", headers=inspector).status_code == 400


def test_hostile_ledger_text_is_escaped(client: Any, inspector: dict[str, str]) -> None:
    for path in ("/inspector/audit?season=2025", f"/inspector/audit/puc/{S.A}?season=2025"):
        html = _html(client.get(path, headers=inspector))
        assert HOSTILE not in html and "<b>1</b>" not in html
    html = _html(client.get("/inspector/audit?season=2025", headers=inspector))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


@pytest.mark.parametrize("ttl", [120, 0])
def test_findings_are_kept_per_worker_for_the_ttl(tmp_path: Path, ttl: int) -> None:
    from api import create_app

    url = f"sqlite:///{tmp_path}/registry.sqlite3"
    Registry(url).init()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "RATELIMIT_ENABLED": False,
                      "INSPECTOR_FINDINGS_TTL": ttl})  # fmt: skip
    with app.app_context():
        reg = store.registry()
    try:
        S.build(reg)
        S.declare(reg, S.line(kg=300_000))
        client = app.test_client()
        headers = token(reg, "inspector", name="i")
        count = lambda: len(_rows(_html(client.get("/inspector/audit?season=2025", headers=headers))))  # noqa: E731
        puc_codes = lambda: re.findall(  # noqa: E731
            r'<li data-code="([^"]+)">', _html(client.get(f"/inspector/audit/puc/{S.B}", headers=headers))
        )
        assert count() == 1 and puc_codes() == []
        S.declare(reg, S.line(S.B, kg=300_000), sha="b" * 64)  # B over its capacity too
        assert 'data-testid="computed-at"' in _html(client.get("/inspector/audit", headers=headers))
        if ttl:
            assert count() == 1 and puc_codes() == []  # the worker's findings of a moment ago
            writer = token(reg, "authorisations:write", name="w")
            record = {"ref": "UQ-X", "puc": S.C, "phc": S.P, "valid_from": "2025-01-01"}
            assert client.post("/v1/admin/authorisations", json=record, headers=writer).status_code == 201
        assert count() == 2 and puc_codes() == ["audit.over_yield"]  # an admin write empties it
    finally:
        reg.close()


# -- languages: "needs inspection", never an accusation --------------------------------------------
@pytest.mark.parametrize("locale", LOCALES)
def test_every_language_says_needs_inspection_and_never_accuses(
    client: Any, inspector: dict[str, str], locale: str
) -> None:
    from babel.messages.pofile import read_po

    client.set_cookie("lang", locale)
    wording = {"vi": "Cần kiểm tra", "en": "Needs inspection", "zh": "需要核查", "ru": "Требует проверки"}
    for path in ("/inspector/audit?season=2025", f"/inspector/audit/puc/{S.A}?season=2025"):
        html = _html(client.get(path, headers=inspector))
        assert f'lang="{"zh-Hans" if locale == "zh" else locale}"' in html
        assert wording[locale] in html
        assert not ACCUSATIONS.search(html), ACCUSATIONS.search(html)
        # the evidence's field names are translated too
        if locale != "en":
            assert '<dt data-key="capacity_t">Capacity (t)</dt>' not in html
            assert re.search(r'<dt data-key="capacity_t">[^<]+</dt>', html)
    # the chart's words are in the page's language too
    html = _html(client.get(f"/inspector/audit/puc/{S.A}?season=2025", headers=inspector))
    (chart,) = _svgs(html)
    if locale != "en":
        assert "Declared volume against capacity" not in (chart.find("s:title", NS).text or "")  # type: ignore[union-attr]
    # and the whole catalogue never accuses anyone
    po = Path(__file__).resolve().parents[2] / "api/web/translations" / locale / "LC_MESSAGES/messages.po"
    with open(po, "rb") as f:
        assert [m.id for m in read_po(f) if m.id and ACCUSATIONS.search(str(m.string))] == []


# -- a real browser ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def audit_server(audit_app: tuple[Flask, Registry]) -> Iterator[str]:
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, audit_app[0], threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("viewport", [{"width": 390, "height": 844}, {"width": 1280, "height": 900}])
def test_browser_renders_the_chart_with_no_external_request(
    audit_server: str, inspector: dict[str, str], viewport: dict[str, int]
) -> None:
    from tests.web.conftest import playwright_and_chromium

    sync_api, executable = playwright_and_chromium()
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=executable, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            context = browser.new_context(viewport=viewport, extra_http_headers=inspector)
            page = context.new_page()
            requests: list[str] = []
            problems: list[str] = []
            page.on("request", lambda r: requests.append(r.url))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            page.goto(f"{audit_server}/inspector/audit?season=2025")
            assert page.get_by_test_id("findings-table").is_visible()
            with page.expect_navigation():
                page.locator(f'a[data-testid="puc-link"][href*="{S.A}"]').first.click()
            page.wait_for_load_state("networkidle")
            chart = page.locator("figure[data-testid=season-chart] svg")
            assert chart.count() == 1 and chart.is_visible()
            box = chart.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 150
            assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"] + 1  # fits the phone
            # the marks are drawn where the SVG says: a square above the dashed capacity line
            above = page.locator("svg .point.above").bounding_box()
            cap = page.locator("svg .capacity line").bounding_box()
            assert above is not None and cap is not None and above["y"] + above["height"] < cap["y"]
            assert page.locator("svg title").first.text_content()
            assert page.get_by_test_id("authorisations-table").is_visible()
            assert requests and all(u.startswith(audit_server + "/") for u in requests), requests
            assert problems == [], problems
            context.close()
        finally:
            browser.close()
