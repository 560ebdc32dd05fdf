"""``GET|POST /v1/verify``: any input → a Report; a bad code is a successful verification."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import store


def library_report(app: Flask, text: str, **kwargs: Any) -> dict[str, Any]:
    from trace_std.registry.verify import verify

    with app.app_context():
        result: dict[str, Any] = verify(store.registry(), text, **kwargs).to_dict()
    return result


def test_malformed_input_is_200_with_verdict_malformed(client: FlaskClient, validate: Any) -> None:
    response = client.get("/v1/verify", query_string={"q": "VN-??-0000"})
    assert response.status_code == 200
    body = validate(response, "report")
    assert body["verdict"] == "malformed" and body["issues"]


@pytest.mark.parametrize("status", ["active", "suspended", "revoked"])
def test_verdict_follows_the_registry_status(
    client: FlaskClient, app: Flask, validate: Any, sample: Any, status: str
) -> None:
    code = sample["export"][0] if status == "active" else sample[status][0]
    response = client.get("/v1/verify", query_string={"q": code})
    body = validate(response, "report")
    assert body == library_report(app, code)
    assert body["verdict"] == {"active": "genuine", "suspended": "suspended", "revoked": "revoked"}[status]


def test_date_and_market_are_passed_on(client: FlaskClient, app: Flask, validate: Any, sample: Any) -> None:
    import datetime as dt

    code = sample["export"][0]
    body = validate(client.get("/v1/verify", query_string={"q": code, "on": "2001-01-01"}), "report")
    assert body == library_report(app, code, on=dt.date(2001, 1, 1))
    assert body["verdict"] == "unregistered"  # not issued yet in 2001
    body = validate(client.get("/v1/verify", query_string={"q": code, "market": "ZZ"}), "report")
    assert body == library_report(app, code, market="ZZ")


def test_digital_link_and_element_string(client: FlaskClient, app: Flask, validate: Any, sample: Any) -> None:
    lot = sample["lots"][0]
    for text in (
        f"https://id.gs1.org/01/{lot.gtin}/10/{lot.lot}",
        f"(01){lot.gtin}(10){lot.lot}",
    ):
        body = validate(client.get("/v1/verify", query_string={"q": text}), "report")
        assert body == library_report(app, text)
        assert body["verdict"] != "malformed", body["issues"]


def test_post_json_form_and_text_agree_with_get(client: FlaskClient, validate: Any, sample: Any) -> None:
    code = sample["suspended"][0]
    expected = validate(client.get("/v1/verify", query_string={"q": code}), "report")
    assert validate(client.post("/v1/verify", json={"q": code}), "report") == expected
    assert validate(client.post("/v1/verify", data={"q": code}), "report") == expected
    text = client.post("/v1/verify", data=code.encode(), content_type="text/plain")
    assert validate(text, "report") == expected


@pytest.mark.parametrize("symbology", ["]C1", "]d2", "]Q3"])
def test_raw_scan_data(client: FlaskClient, app: Flask, validate: Any, sample: Any, symbology: str) -> None:
    """Scanner output: symbology identifier, no brackets, GS after a variable-length value."""
    lot = next(lot for lot in sample["lots"] if lot.pack_date is not None)
    raw = f"{symbology}01{lot.gtin}10{lot.lot}\x1d13{lot.pack_date:%y%m%d}"
    response = client.post("/v1/verify", data=raw.encode(), content_type="text/plain")
    body = validate(response, "report")
    assert body == library_report(app, raw)
    assert body["verdict"] != "malformed", body["issues"]


@pytest.mark.parametrize(
    ("query", "status"),
    [({}, 400), ({"q": ""}, 400), ({"q": "x", "on": "2025-13-01"}, 400), ({"q": "x" * 5000}, 400)],
)
def test_bad_requests_are_problems(
    client: FlaskClient, problem: Any, query: dict[str, str], status: int
) -> None:
    problem(client.get("/v1/verify", query_string=query), status, "request.parameter.invalid")


def test_post_needs_a_known_body(client: FlaskClient, problem: Any) -> None:
    problem(client.post("/v1/verify", data=b"\x00", content_type="application/octet-stream"), 415)
    problem(client.post("/v1/verify", json=["not", "an", "object"]), 400, "request.body.invalid")


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@pytest.mark.parametrize(
    "typed",
    [
        lambda code: code.replace("-", " "),  # spaces for dashes
        _full_width,  # a Chinese input method in full-width mode
        lambda code: _full_width(code).replace("－", "\u3000"),  # ... with ideographic spaces
    ],
    ids=["spaces", "full-width", "full-width-spaces"],
)
def test_forgiving_input_is_the_same_code_in_verify_and_codes(
    client: FlaskClient, validate: Any, sample: Any, typed: Any
) -> None:
    code = sample["export"][0]
    text = typed(code)
    assert text != code
    body = validate(client.get("/v1/verify", query_string={"q": text}), "report")
    assert body["verdict"] == "genuine" and body["normalized"] == code and body["input"] == text
    assert all(i["severity"] == "warning" for i in body["issues"])
    found = client.get("/v1/codes/" + text)
    assert found.status_code == 200 and found.json["code"] == code


def test_full_width_element_string_is_verified(client: FlaskClient, validate: Any) -> None:
    text = _full_width("(01)08936000120016(10)SL250812A")
    body = validate(client.get("/v1/verify", query_string={"q": text}), "report")
    assert body["verdict"] == "genuine" and body["kind"] == "element_string"
    assert body["lot"]["lot"] == "SL250812A"
