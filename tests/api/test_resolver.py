"""The GS1-conformant Digital Link resolver."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.resolver import DEFAULT_LINKS
from trace_std.gs1.resolver import CONTEXT_LINK, VOC

LINK_TYPES = [t for t in DEFAULT_LINKS if t != "gs1:defaultLink"]


@pytest.fixture(scope="module")
def lot(sample: Any) -> Any:
    return next(lot for lot in sample["lots"] if lot.pack_date is not None)


def test_description_file(client: FlaskClient, validate: Any) -> None:
    response = client.get("/.well-known/gs1resolver")
    body = validate(response, "resolver-description")
    assert "01" in body["supportedPrimaryKeys"]
    assert {"namespace": VOC, "prefix": "gs1:"} in body["supportedLinkType"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("how", ["query", "accept"])
def test_linkset_lists_every_level(client: FlaskClient, validate: Any, lot: Any, how: str) -> None:
    path = f"/01/{lot.gtin}/10/{lot.lot}"
    if how == "query":
        response = client.get(path, query_string={"linkType": "linkset"})
    else:
        response = client.get(path, headers={"Accept": "application/linkset+json"})
    assert response.status_code == 200
    assert response.mimetype == "application/linkset+json"
    assert response.headers["Link"] == CONTEXT_LINK
    body = validate(response, "linkset")
    anchors = [entry["anchor"] for entry in body["linkset"]]
    assert anchors == [f"http://localhost{path}", f"http://localhost/01/{lot.gtin}"]
    for entry in body["linkset"]:
        for link_type in DEFAULT_LINKS:
            targets = entry[VOC + link_type.removeprefix("gs1:")]
            assert targets[0]["href"].startswith("http") and targets[0]["title"]


@pytest.mark.parametrize("link_type", LINK_TYPES)
def test_link_types_redirect_307_passing_the_query_on(client: FlaskClient, lot: Any, link_type: str) -> None:
    for spelling in (link_type, VOC + link_type.removeprefix("gs1:")):
        response = client.get(
            f"/01/{lot.gtin}/10/{lot.lot}",
            query_string={"linkType": spelling, "13": f"{lot.pack_date:%y%m%d}"},
        )
        assert response.status_code == 307
        location = urlsplit(response.headers["Location"])
        query = parse_qs(location.query)
        assert query["13"] == [f"{lot.pack_date:%y%m%d}"]
        assert query["linkType"] == [spelling]
        assert 'rel="linkset"' in response.headers["Link"]


def test_redirect_target_verifies_the_scanned_link(client: FlaskClient, validate: Any, lot: Any) -> None:
    response = client.get(f"/01/{lot.gtin}/10/{lot.lot}", query_string={"linkType": "gs1:traceability"})
    location = urlsplit(response.headers["Location"])
    followed = client.get(f"{location.path}?{location.query}")
    body = validate(followed, "report")
    assert body["kind"] == "digital_link" and body["verdict"] != "malformed"


def test_no_link_type_redirects_to_the_default_link(client: FlaskClient, lot: Any) -> None:
    response = client.get(f"/01/{lot.gtin}", headers={"Accept": "*/*"})
    assert response.status_code == 307
    assert urlsplit(response.headers["Location"]).path == "/v1/verify"


def test_unknown_link_type_is_404(client: FlaskClient, problem: Any, lot: Any) -> None:
    response = client.get(f"/01/{lot.gtin}", query_string={"linkType": "gs1:notALinkType"})
    problem(response, 404, "resolver.link_type.unknown")


@pytest.mark.parametrize(
    "path",
    [
        "/01/08936000120017",  # bad check digit
        "/01/0893600012001",  # 13 digits
        "/01/08936000120016/21/A/10/B",  # qualifiers out of order
        "/01/08936000120016/99/X",  # not a qualifier
    ],
)
def test_malformed_uri_is_400(client: FlaskClient, problem: Any, path: str) -> None:
    body = problem(client.get(path), 400, "resolver.uri.invalid")
    assert body["errors"] and all("code" in e for e in body["errors"])


def test_json_accept_gets_the_report(client: FlaskClient, app: Flask, validate: Any, lot: Any) -> None:
    from api import store
    from trace_std.registry.verify import verify

    path = f"/01/{lot.gtin}/10/{lot.lot}"
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 200
    body = validate(response, "report")
    with app.app_context():
        assert body == verify(store.registry(), f"http://localhost{path}").to_dict()


def test_browser_gets_the_verification_page(client: FlaskClient, app: Flask, lot: Any) -> None:
    response = client.get(
        f"/01/{lot.gtin}/10/{lot.lot}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 200
    expected = "text/html" if "trace_std.web" in app.extensions else "application/json"
    assert response.mimetype == expected


def test_html_hook_from_config(database_url: str, lot: Any) -> None:
    from tests.api.conftest import close_app, make_app

    seen: list[str] = []

    def hook(report: Any) -> Any:
        seen.append(report.verdict)
        return "<p>page</p>"

    app = make_app(database_url, RESOLVER_HTML_VIEW=hook)
    try:
        response = app.test_client().get(f"/01/{lot.gtin}", headers={"Accept": "text/html"})
        assert response.status_code == 200 and response.get_data(as_text=True) == "<p>page</p>"
        assert len(seen) == 1
    finally:
        close_app(app)


@pytest.mark.parametrize("path", ["/some/prefix/01/{gtin}/10/{lot}", "/01/{gtin}/10/{lot}/"])
def test_custom_prefix_and_trailing_slash(client: FlaskClient, validate: Any, lot: Any, path: str) -> None:
    response = client.get(path.format(gtin=lot.gtin, lot=lot.lot), query_string={"linkType": "linkset"})
    body = validate(response, "linkset")
    assert body["linkset"][0]["anchor"] == f"http://localhost/01/{lot.gtin}/10/{lot.lot}"


def test_head_and_options(client: FlaskClient, lot: Any) -> None:
    head = client.head(f"/01/{lot.gtin}", query_string={"linkType": "gs1:pip"})
    assert head.status_code == 307 and head.get_data() == b""
    options = client.options(f"/01/{lot.gtin}")
    assert options.status_code == 200
    assert "GET" in options.headers["Allow"] and options.headers["Access-Control-Allow-Origin"] == "*"


def test_path_without_primary_key_is_404(client: FlaskClient, problem: Any) -> None:
    problem(client.get("/no/key/here"), 404, "http.not_found")


def test_sscc_key_resolves(client: FlaskClient, validate: Any) -> None:
    from trace_std.gs1.keys import check_digit

    base = "08936000120000000"
    response = client.get(f"/00/{base}{check_digit(base)}", query_string={"linkType": "linkset"})
    validate(response, "linkset")


def test_percent_encoded_slash_stays_inside_the_value(client: FlaskClient, validate: Any, lot: Any) -> None:
    response = client.get(f"/01/{lot.gtin}/10/A%2FB", query_string={"linkType": "linkset"})
    body = validate(response, "linkset")
    assert [e["anchor"] for e in body["linkset"]] == [
        f"http://localhost/01/{lot.gtin}/10/A%2FB",
        f"http://localhost/01/{lot.gtin}",
    ]


@pytest.fixture(scope="module")
def unknown_gtin(app: Flask) -> str:
    """A well-formed GTIN-14 (a GTIN-13 under the sample's prefix) that the registry does not hold."""
    from api import store
    from trace_std.gs1.keys import check_digit

    with app.app_context():
        registry = store.registry()
        for n in range(99999, 0, -1):
            body = f"00893600{n:05d}"
            gtin = f"{body}{check_digit(body)}"
            if registry.product(gtin) is None:
                return gtin
    raise AssertionError("no free GTIN")


@pytest.mark.parametrize("lot_level", [False, True])
@pytest.mark.parametrize("how", ["query", "all", "accept"])
def test_linkset_for_an_unknown_gtin_is_404(
    client: FlaskClient, problem: Any, unknown_gtin: str, how: str, lot_level: bool
) -> None:
    path = f"/01/{unknown_gtin}" + ("/10/L1" if lot_level else "")
    if how == "query":
        response = client.get(path, query_string={"linkType": "linkset"})
    elif how == "all":
        response = client.get(path, query_string={"linkType": "all"})
    else:
        response = client.get(path, headers={"Accept": "application/linkset+json"})
    problem(response, 404, "resolver.key.unknown")
    assert "Accept" in response.headers["Vary"]
    assert "Link" not in response.headers


def test_unknown_gtin_in_a_browser_gets_the_unregistered_page(
    client: FlaskClient, app: Flask, unknown_gtin: str
) -> None:
    response = client.get(
        f"/01/{unknown_gtin}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    )
    assert response.status_code == 200
    if "trace_std.web" in app.extensions:
        assert response.mimetype == "text/html"
        assert 'data-verdict="unregistered"' in response.get_data(as_text=True)
    else:
        assert response.get_json()["verdict"] == "unregistered"
    json_response = client.get(f"/01/{unknown_gtin}", headers={"Accept": "application/json"})
    assert json_response.status_code == 200 and json_response.get_json()["verdict"] == "unregistered"


def test_registered_gtin_without_the_lot_still_has_a_linkset(
    client: FlaskClient, validate: Any, lot: Any
) -> None:
    response = client.get(f"/01/{lot.gtin}/10/NOT-A-LOT-9", query_string={"linkType": "linkset"})
    assert response.status_code == 200
    validate(response, "linkset")
