"""Hostile inputs that gave a 500 with a traceback (issue 17, item 3): each is now a problem
document, or the website's error page, with a stable code."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask.testing import FlaskClient

JSON_ENDPOINTS = ("/v1/verify", "/v1/labels/verify", "/v1/labels/encode")


def wide_png(width: int = 49_000_000, height: int = 1) -> bytes:
    """A tiny PNG file (a few KB) of a huge, thin image: inside the pixel limit, past zxing's sides."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (width, height), 1).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        (b'{"q":"\\ud800"}', "/q"),
        (b'{"q":"VN-SLOR-0001","market":"\\udfff"}', "/market"),
        (b'{"gtin":"08936000120016","lot":["a","x\\udc80y"]}', "/lot/1"),
        (b'{"\\ud83d":"VN-SLOR-0001"}', "/\ufffd"),
    ],
)
def test_lone_surrogates_in_json_are_a_400_problem(
    client: FlaskClient, problem: Any, path: str, body: bytes, pointer: str
) -> None:
    response = client.post(path, data=body, content_type="application/json")
    doc = problem(response, 400, "request.body.invalid")
    assert doc["errors"][0]["pointer"] == pointer


@pytest.mark.parametrize("path", JSON_ENDPOINTS)
def test_a_surrogate_pair_is_ordinary_text(client: FlaskClient, path: str) -> None:
    """An escaped pair (😀 as \\ud83d\\ude00) is one valid character, not an error."""
    response = client.post(path, data=b'{"q":"VN-SLOR-0001 \\ud83d\\ude00"}', content_type="application/json")
    assert response.status_code < 500
    assert response.get_json().get("code") != "request.body.invalid"


def test_a_49_megapixel_one_pixel_high_png_is_refused_on_scan(client: FlaskClient) -> None:
    response = client.post(
        "/scan",
        data={"photo": (io.BytesIO(wide_png()), "wide.png", "image/png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.mimetype == "text/html"
    assert b"Traceback" not in response.data


def test_the_decoder_refuses_sides_over_zxings_limit() -> None:
    from trace_std.errors import TraceStdError
    from trace_std.render.decode import MAX_SIDE, decode_image

    for size in ((49_000_000, 1), (1, MAX_SIDE + 1)):
        with pytest.raises(TraceStdError) as caught:
            decode_image(wide_png(*size))
        assert caught.value.code == "image.too_large"
        assert caught.value.context["max_side"] == MAX_SIDE
    with pytest.raises(TraceStdError) as caught:  # at the limit: read, nothing found
        decode_image(wide_png(MAX_SIDE, 1))
    assert caught.value.code == "image.no_symbol"


@pytest.mark.parametrize(
    "target",
    ["/verify%0aSet-Cookie:%20x=1", "/%0d%0a", "/verify?q=a%0d", "/a%09b", "/a%7f", "/verify%00"],
)
def test_control_characters_in_the_language_switch_target_go_home(client: FlaskClient, target: str) -> None:
    response = client.get(f"/lang/en?next={target}")
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "Set-Cookie: x" not in str(response.headers)


def test_the_language_switch_still_returns_to_a_plain_path(client: FlaskClient) -> None:
    response = client.get("/lang/en?next=/verify%3Fq%3DVN-SLOR-0001")
    assert response.status_code == 303 and response.headers["Location"] == "/verify?q=VN-SLOR-0001"
