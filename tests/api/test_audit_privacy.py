"""Issue 15 item 5, the privacy rule of docs/registry.md: after a planted audit run is stored, no public
answer (JSON API, website pages in every locale, resolver and linkset, OpenAPI document) shows a
declared volume, a tonnage, a capacity, an authorisation's volume cap, its reference or its exporter,
ledger provenance, the audit's rule names, or an accusation.

Every route of the application is either requested here without a token, or must refuse a request
without one: a new public route that this test does not know fails it. The scanner itself is shown to
catch the same figures in the inspector's answer (which carries them), so it cannot pass by seeing
nothing.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient

from tests.api.conftest import _new_database, close_app, make_app
from tests.api.test_admin import token
from tests.audit import public_scenario as PS
from tests.audit import scenario as S

LOCALES = ("vi", "en", "zh", "ru")
# Routes that answer only with a token (each must refuse a request without one).
TOKEN_ONLY = {
    "/v1/admin/codes",
    "/v1/admin/codes/<path:code>",
    "/v1/admin/codes/<path:code>/status",
    "/v1/admin/import",
    "/v1/admin/audit",
    "/v1/admin/authorisations",
    "/v1/admin/authorisations/<path:ref>/status",
    "/epcis/capture",
    "/epcis/events",
    "/epcis/capture/<job_id>",
    "/epcis/events/<path:event_id>",
    "/v1/trace",
    "/v1/audit",
    "/inspector/audit",
    "/inspector/audit/puc/<path:code>",
}
# Files shipped with the package, the same for every registry (no registry data in them).
STATIC = {"/docs/static/<path:filename>", "/web-static/<path:filename>"}
_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d(?:[\d,.\u00a0\u202f']*\d)?(?![0-9A-Za-z])")


@pytest.fixture(scope="module")
def planted(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    url, drop = _new_database(backend, tmp_path_factory.mktemp("privacy"))
    app = make_app(url)
    from api import store

    with app.app_context():
        registry = store.registry()
    registry.init()
    PS.build(registry)
    yield app, registry
    close_app(app)
    drop()


def _secrets(registry: Any) -> tuple[dict[str, str], dict[str, str]]:
    return PS.secret_numbers(registry), dict(PS.SECRETS)


def leaks(text: str, numbers: dict[str, str], words: dict[str, str]) -> list[str]:
    """What of the private figures and words ``text`` shows (figures in any locale's formatting)."""
    found = [name for name, word in words.items() if word.casefold() in text.casefold()]
    found += [f"rule name {w!r}" for w in PS.RULE_WORDS if w in text]
    found += [f"accusation {w!r}" for w in PS.ACCUSATIONS if w.casefold() in text.casefold()]
    digits = {re.sub(r"[^0-9]", "", m).rstrip("0") for m in _NUMBER.findall(text)}
    found += [name for name, figure in numbers.items() if figure.rstrip("0") in digits]
    return found


def _requests(client: FlaskClient) -> dict[str, list[Any]]:
    """Every public route, requested without a token: rule → responses."""
    dl_ok = f"https://id.gs1.org/01/{PS.GTIN}/10/{PS.LOT_OK}"
    dl_bad = f"https://id.gs1.org/01/{PS.GTIN}/10/{PS.LOT_UNAUTHORISED}"
    hri = f"(01){PS.GTIN}(13)250503(10){PS.LOT_UNAUTHORISED}(90){S.A}(7030)704{S.Q}"
    bad_label = PS.label(S.A, S.Q, PS.LOT_UNAUTHORISED)
    csv_text = (
        "gtin,lot,product_name,crop,harvest_date,pack_date,net_weight_kg,exporter,destination_market,puc,phc\n"
        f"{PS.GTIN},{PS.LOT_UNAUTHORISED},Sầu riêng,durian,2025-05-01,2025-05-03,10,{PS.PUBLIC_EXPORTER},CN,"
        f"{S.A},{S.Q}\n"
    )
    out: dict[str, list[Any]] = {}

    def get(rule: str, path: str, **kw: Any) -> Any:
        r = client.get(path, **kw)
        out.setdefault(rule, []).append(r)
        return r

    def post(rule: str, path: str, **kw: Any) -> Any:
        r = client.post(path, **kw)
        out.setdefault(rule, []).append(r)
        return r

    get("/healthz", "/healthz")
    get("/readyz", "/readyz")
    get("/v1/meta", "/v1/meta")
    get("/v1/ping", "/v1/ping")
    for code in (S.A, S.B, S.P, S.Q):
        get("/v1/codes/<path:code>", f"/v1/codes/{code}")
    get("/v1/codes", "/v1/codes?crop=durian&per_page=50")
    get("/v1/codes", f"/v1/codes?q={S.A}")
    for q in (S.A, S.Q, dl_ok, dl_bad, hri):
        get("/v1/verify", f"/v1/verify?q={quote(q, safe='')}")
        post("/v1/verify", "/v1/verify", json={"q": q})
    post("/v1/labels/verify", "/v1/labels/verify", json=bad_label)
    post("/v1/labels/verify", "/v1/labels/verify", json=PS.label(S.A, S.P, PS.LOT_OK))
    data = {"file": (io.BytesIO(csv_text.encode()), "labels.csv")}
    post("/v1/labels/validate", "/v1/labels/validate", data=data, content_type="multipart/form-data")
    post("/v1/labels/encode", "/v1/labels/encode", json=bad_label)
    get("/v1/symbols/<symbology>.<fmt>", f"/v1/symbols/qr.svg?data={quote(dl_bad, safe='')}")
    get("/v1/openapi.json", "/v1/openapi.json")
    get("/docs", "/docs")
    for path in (f"/01/{PS.GTIN}/10/{PS.LOT_UNAUTHORISED}", f"/01/{PS.GTIN}/10/{PS.LOT_OK}"):
        get("/<path:path>", path, headers={"Accept": "application/json"})
        get("/<path:path>", path, headers={"Accept": "application/linkset+json"})
        get("/<path:path>", f"{path}?linkType=all")
        get("/<path:path>", path)  # the default link (a redirect)
    get("/.well-known/gs1resolver", "/.well-known/gs1resolver")
    for locale in LOCALES:
        get("/lang/<locale>", f"/lang/{locale}?next=/")
        get("/", "/")
        for q in (S.A, dl_bad, hri):
            get("/verify", f"/verify?q={quote(q, safe='')}")
        get("/codes/<path:code>", f"/codes/{S.A}")
        for path in (f"/01/{PS.GTIN}/10/{PS.LOT_UNAUTHORISED}",):
            get("/<path:path>", path, headers={"Accept": "text/html"})
        get("/scan", "/scan")
        post("/scan", "/scan", data={"photo": (io.BytesIO(b"not an image"), "x.png")})
        get("/labels", "/labels")
        data = {"file": (io.BytesIO(csv_text.encode()), "labels.csv")}
        post("/labels", "/labels", data=data, content_type="multipart/form-data")
    return out


def test_no_public_answer_shows_volumes_or_parties(planted: Any) -> None:
    app, registry = planted
    client = app.test_client()
    numbers, words = _secrets(registry)
    assert {"volume cap", "over-yield volume", "over_yield.declared_t", "unauthorised.declared_kg"} <= set(
        numbers
    )
    answers = _requests(client)
    rules = {r.rule for r in app.url_map.iter_rules()}
    unknown = rules - set(answers) - TOKEN_ONLY - STATIC
    assert not unknown, f"public routes this test does not request: {sorted(unknown)}"
    leaked: dict[str, list[str]] = {}
    for rule, responses in answers.items():
        for r in responses:
            assert r.status_code < 500, (rule, r.status_code)
            text = r.get_data(as_text=True) + "\n".join(f"{k}: {v}" for k, v in r.headers.items())
            found = leaks(text, numbers, words)
            if found:
                leaked[f"{r.request.method} {r.request.full_path}"] = found
    assert not leaked, leaked
    # the scan saw the audit's public facts, so it looked at answers that could have leaked
    seen = "\n".join(r.get_data(as_text=True) for rs in answers.values() for r in rs)
    assert "registry.authorisation.missing" in seen and "needs inspection" in seen
    for locale in LOCALES:
        client.get(f"/lang/{locale}?next=/")
        page = client.get(f"/verify?q={S.A}").get_data(as_text=True)
        assert 'data-testid="audit-notice"' in page, locale


def test_token_routes_refuse_without_a_token(planted: Any) -> None:
    app, _registry = planted
    client = app.test_client()
    for rule in app.url_map.iter_rules():
        if rule.rule not in TOKEN_ONLY:
            continue
        path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", "x", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            r = client.open(path, method=method, json={})
            assert r.status_code in (401, 403), (method, rule.rule, r.status_code)


def test_the_scanner_finds_them_where_they_are(planted: Any) -> None:
    """The inspector's answers carry the figures and parties: the same scan must see them there."""
    app, registry = planted
    client = app.test_client()
    numbers, words = _secrets(registry)
    audit = client.get("/v1/audit?season=2025", headers=token(registry, "inspector", name="privacy-insp"))
    assert audit.status_code == 200
    found = leaks(audit.get_data(as_text=True), numbers, words)
    assert {"over_yield.declared_t", "over_yield.ratio", "unauthorised.declared_kg"} <= set(found)
    assert "ledger file digest" in found and "authorisation ref" in found
    auths = client.get(f"/v1/admin/authorisations?puc={S.B}", headers=token(registry, "inspector", name="i2"))
    found = leaks(auths.get_data(as_text=True), numbers, words)
    assert "volume cap" in found and "authorisation exporter" in found
    # and figures as a page would format them, in each locale's style
    for shown in ("4,321,987 kg", "4.321.987 kg", "4\u202f321\u202f987", "4 321,987 t"):
        assert leaks(shown.replace(" ", "\u00a0"), numbers, words), shown
    assert leaks("volume 86,420.5 kg", numbers, words) == ["volume cap"]
    assert leaks("the area is 10 ha, 18 households", numbers, words) == []
