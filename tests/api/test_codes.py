"""Public lookup: ``GET /v1/codes/{code}`` and the paginated search."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient


def test_get_code_returns_status_markets_history(client: FlaskClient, validate: Any, sample: Any) -> None:
    code = sample["active"][0]
    response = client.get(f"/v1/codes/{code}")
    assert response.status_code == 200
    body = validate(response, "code-record")
    assert body["code"] == code
    assert body["status"] == "active"
    assert isinstance(body["history"], list) and body["history"]


@pytest.mark.parametrize("spelling", [str.lower, lambda c: f"  {c} ", lambda c: f"{c.lower()}\t"])
def test_any_accepted_spelling_finds_the_record(
    client: FlaskClient, validate: Any, sample: Any, spelling: Any
) -> None:
    from trace_std.codes import parse_code

    code = sample["export"][0]
    text = spelling(code)
    assert parse_code(text).canonical == code  # every one of these spellings is accepted
    response = client.get(f"/v1/codes/{text}")
    assert response.status_code == 200
    assert validate(response, "code-record")["code"] == code


def test_suspended_and_revoked_codes_show_their_status(
    client: FlaskClient, validate: Any, sample: Any
) -> None:
    for status in ("suspended", "revoked"):
        assert sample[status], f"the sample has no {status} code"
        body = validate(client.get(f"/v1/codes/{sample[status][0]}"), "code-record")
        assert body["status"] == status
        assert body["history"][-1]["to"] == status


def test_unregistered_code_is_404(client: FlaskClient, problem: Any, sample: Any) -> None:
    code = sample["export"][0]
    # a well-formed code that the sample does not register: change the serial
    prefix, _, serial = code.rpartition("-")
    candidates = [f"{prefix}-{str(n).zfill(len(serial))}" for n in (9999, 9998, 9997)]
    for candidate in candidates:
        response = client.get(f"/v1/codes/{candidate}")
        if response.status_code == 404:
            problem(response, 404, "registry.code.not_found")
            return
    pytest.fail(f"none of {candidates} gave 404")


def test_malformed_code_is_400_with_library_errors(client: FlaskClient, problem: Any) -> None:
    body = problem(client.get("/v1/codes/%21%21not-a-code%21%21"), 400)
    assert body["errors"] and body["errors"][0]["code"].split(".")[0] in {
        "puc",
        "phc",
        "code",
        "codes",
        "input",
    }


def test_search_filters_and_paginates(client: FlaskClient, validate: Any) -> None:
    first = validate(client.get("/v1/codes?per_page=10"), "code-search")
    assert first["page"] == 1 and len(first["items"]) == 10
    assert first["total"] >= 216
    second = validate(client.get("/v1/codes?per_page=10&page=2"), "code-search")
    assert {c["code"] for c in first["items"]}.isdisjoint({c["code"] for c in second["items"]})
    suspended = validate(client.get("/v1/codes?status=suspended"), "code-search")
    assert suspended["total"] >= 1
    assert all(c["status"] == "suspended" for c in suspended["items"])


def test_search_by_market_crop_and_province(client: FlaskClient, validate: Any) -> None:
    china = validate(client.get("/v1/codes?market=CN&per_page=100"), "code-search")
    assert china["total"] >= 100
    assert all(any(m["market"] == "CN" for m in c["markets"]) for c in china["items"])
    longan = validate(client.get("/v1/codes?crop=longan"), "code-search")
    assert longan["total"] >= 1 and all("longan" in c["crops"] for c in longan["items"])
    son_la = validate(client.get("/v1/codes?province=14&per_page=1"), "code-search")
    assert son_la["total"] >= 200


def test_text_search_folds_vietnamese_and_refuses_one_letter(
    client: FlaskClient, validate: Any, problem: Any
) -> None:
    """Issue 17.14: the search is folded and indexed; one letter cannot use the index."""
    exact = validate(client.get("/v1/codes?q=S%C6%A1n%20La&per_page=5"), "code-search")  # "Sơn La"
    folded = validate(client.get("/v1/codes?q=SON%20LA&per_page=5"), "code-search")
    assert exact["total"] == folded["total"] >= 200 and exact["total_exact"] is True
    assert [c["code"] for c in exact["items"]] == [c["code"] for c in folded["items"]]
    body = problem(client.get("/v1/codes?q=%C4%91"), 400, "registry.search.query_too_short")  # "đ"
    assert body["errors"][0]["field"] == "q"
    assert validate(client.get("/v1/codes?q=__"), "code-search")["total"] == 0


@pytest.mark.parametrize("query", ["page=0", "page=abc", "per_page=1000", "q=" + "x" * 300])
def test_search_rejects_bad_parameters(client: FlaskClient, problem: Any, query: str) -> None:
    problem(client.get(f"/v1/codes?{query}"), 400, "request.parameter.invalid")


@pytest.mark.parametrize("cache_ttl", [0, 60])
def test_status_change_is_visible_to_lookup(fresh_database_url: str, validate: Any, cache_ttl: int) -> None:
    """After an admin write, the next lookup (same process) shows the new status, cache or not."""
    from api import store
    from tests.api.conftest import close_app, make_app

    write_app = make_app(fresh_database_url, RESPONSE_CACHE_TTL=cache_ttl)
    client = write_app.test_client()
    with write_app.app_context():
        registry = store.registry()
        code = registry.search(status="active", kind="puc", per_page=1).items[0].code
        secret, _ = registry.create_token("tester", ["codes:status"], actor="test")
    assert validate(client.get(f"/v1/codes/{code}"), "code-record")["status"] == "active"
    response = client.post(
        f"/v1/admin/codes/{code}/status",
        json={"status": "suspended", "reason": "test", "legal_doc": "QĐ-1/2026"},
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert validate(client.get(f"/v1/codes/{code}"), "code-record")["status"] == "suspended"
    close_app(write_app)
