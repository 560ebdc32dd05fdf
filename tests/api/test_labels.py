"""Label verify/validate/encode and barcode symbols."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api import store
from tests.api.conftest import close_app, make_app

LABELS = Path(__file__).resolve().parents[2] / "examples" / "labels"


def label(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((LABELS / name).read_text("utf-8"))
    return data


@pytest.mark.parametrize("name", ["valid-sonla-longan-cn.json", "valid-sonla-longan-au.json"])
def test_label_verify_matches_the_library(client: FlaskClient, app: Flask, validate: Any, name: str) -> None:
    from trace_std.registry.verify import verify_label

    response = client.post("/v1/labels/verify", json=label(name))
    body = validate(response, "report")
    with app.app_context():
        assert body == verify_label(store.registry(), label(name)).to_dict()
    assert body["verdict"] != "malformed", body["issues"]


def test_example_label_is_genuine(client: FlaskClient, validate: Any) -> None:
    body = validate(client.post("/v1/labels/verify", json=label("valid-sonla-longan-cn.json")), "report")
    assert body["verdict"] == "genuine", body["issues"]


def test_invalid_label_is_200_malformed(client: FlaskClient, validate: Any) -> None:
    body = validate(client.post("/v1/labels/verify", json=label("invalid-gtin-check-digit.json")), "report")
    assert body["verdict"] == "malformed"
    assert any(i["field"] == "gtin" for i in body["issues"] if "field" in i)


def test_label_verify_needs_a_json_object(client: FlaskClient, problem: Any) -> None:
    problem(
        client.post("/v1/labels/verify", data="x", content_type="text/plain"), 400, "request.body.invalid"
    )


@pytest.mark.parametrize("name", ["sample-batch.csv", "sample-batch.jsonl", "sample-batch.xlsx"])
def test_validate_batch_file_with_registry_checks(client: FlaskClient, validate: Any, name: str) -> None:
    payload = (LABELS / name).read_bytes()
    response = client.post(
        "/v1/labels/validate", data={"file": (io.BytesIO(payload), name)}, content_type="multipart/form-data"
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = validate(response, "batch-report")
    assert body["rows_total"] >= 1
    assert body["rows_valid"] + body["rows_invalid"] == body["rows_total"]


@pytest.mark.parametrize("filename", ["labels.csv", "labels.jsonl", "labels"])
def test_validate_reads_the_content_not_the_file_name(
    client: FlaskClient, validate: Any, filename: str
) -> None:
    """An .xlsx workbook uploaded under any name is read as one (the name is only a hint)."""
    payload = (LABELS / "sample-batch.xlsx").read_bytes()
    response = client.post(
        "/v1/labels/validate",
        data={"file": (io.BytesIO(payload), filename)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert validate(response, "batch-report")["rows_total"] >= 1


def test_validate_flags_rows_the_registry_rejects(client: FlaskClient, validate: Any, sample: Any) -> None:
    good = label("valid-sonla-longan-cn.json")
    revoked = dict(good, puc=sample["revoked"][0])
    lines = "\n".join(json.dumps(row, ensure_ascii=False) for row in (good, revoked)).encode()
    response = client.post(
        "/v1/labels/validate",
        data={"file": (io.BytesIO(lines), "rows.jsonl")},
        content_type="multipart/form-data",
    )
    body = validate(response, "batch-report")
    assert body["rows_total"] == 2 and body["rows_invalid"] >= 1
    assert any(i["code"].startswith("registry.") for i in body["issues"])


def test_validate_size_limit_and_missing_file(database_url: str, problem: Any) -> None:
    app = make_app(database_url, MAX_UPLOAD_BYTES=2048)
    try:
        client = app.test_client()
        big = io.BytesIO(b"gtin,lot\n" + b"08936000120016,A\n" * 1000)
        response = client.post(
            "/v1/labels/validate", data={"file": (big, "big.csv")}, content_type="multipart/form-data"
        )
        problem(response, 413, "http.payload_too_large")
        problem(client.post("/v1/labels/validate", data={}, content_type="multipart/form-data"), 400)
    finally:
        close_app(app)


def test_encode_label(client: FlaskClient, validate: Any) -> None:
    from trace_std.gs1.digital_link import parse_digital_link
    from trace_std.gs1.element_string import parse_element_string

    response = client.post("/v1/labels/encode", json=label("valid-sonla-longan-cn.json"))
    body = validate(response, "encode-result")
    hri = parse_element_string(body["hri"]).elements
    assert ("01", "08936000120016") in hri and ("10", "SL250812A") in hri
    assert parse_element_string(body["raw"]).elements == hri
    assert set(parse_digital_link(body["digital_link"]).elements) == set(hri)


@pytest.mark.parametrize("name", ["invalid-gtin-check-digit.json", "invalid-weight-unencodable.json"])
def test_encode_invalid_values_is_422(client: FlaskClient, problem: Any, name: str) -> None:
    body = problem(client.post("/v1/labels/encode", json=label(name)), 422, "encode.values.invalid")
    assert body["errors"] and all("code" in e for e in body["errors"])


SYMBOL_DATA = {
    "gs1-128": "(01)08936000120016(10)SL250812A",
    "datamatrix": "(01)08936000120016(10)SL250812A(13)250812",
    "qr": "https://id.gs1.org/01/08936000120016/10/SL250812A",
}


@pytest.mark.parametrize("symbology", sorted(SYMBOL_DATA))
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_symbols_render_and_scan_back(client: FlaskClient, symbology: str, fmt: str) -> None:
    data = SYMBOL_DATA[symbology]
    response = client.get(f"/v1/symbols/{symbology}.{fmt}", query_string={"data": data})
    assert response.status_code == 200
    assert response.mimetype == {"svg": "image/svg+xml", "png": "image/png"}[fmt]
    assert "ETag" in response.headers and response.headers["Cache-Control"].startswith("public")
    if fmt == "svg":
        assert response.get_data(as_text=True).lstrip().startswith("<svg")
        return
    import zxingcpp
    from PIL import Image

    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.get_data())))
    assert decoded, "nothing decoded"
    text = decoded[0].text
    if symbology == "qr":
        assert text == data
    else:
        from trace_std.gs1.element_string import parse_element_string

        assert parse_element_string(data).elements == parse_element_string(text).elements


def test_symbol_errors(client: FlaskClient, problem: Any) -> None:
    problem(client.get("/v1/symbols/gs1-128.svg"), 400, "request.parameter.invalid")
    problem(client.get("/v1/symbols/aztec.svg", query_string={"data": "x"}), 404)
    problem(client.get("/v1/symbols/gs1-128.gif", query_string={"data": "(01)08936000120016"}), 404)
    body = problem(
        client.get("/v1/symbols/gs1-128.svg", query_string={"data": "(01)08936000120017"}),
        422,
        "encode.values.invalid",
    )
    assert body["errors"][0]["code"].startswith("gs1.")


def test_validate_names_the_uploaded_file_and_fixes(client: FlaskClient, validate: Any) -> None:
    from tests.label.messy_files import FILES

    pytest.importorskip("openpyxl")
    payload = FILES["week48.xlsx"]()
    response = client.post(
        "/v1/labels/validate?fix=1",
        data={"file": (io.BytesIO(payload), "tuần 48.xlsx")},
        content_type="multipart/form-data",
    )
    body = validate(response, "batch-report")
    assert body["file"] == "tuần 48.xlsx"
    assert body["fixed_rows"] == body["rows_valid"]
    lines = body["fixed_csv"].splitlines()
    assert lines[0].startswith("gtin,lot,") and len(lines) == 1 + body["fixed_rows"]
    repaired = [i for i in body["issues"] if i["code"] == "label.repaired.market"]
    assert repaired and repaired[0]["value"] == "Trung Quốc" and repaired[0]["read_as"] == "CN"
    plain_body = validate(
        client.post(
            "/v1/labels/validate",
            data={"file": (io.BytesIO(payload), "w.xlsx")},
            content_type="multipart/form-data",
        ),
        "batch-report",
    )
    assert "fixed_csv" not in plain_body and plain_body["file"] == "w.xlsx"


def test_validate_fix_must_be_a_flag(client: FlaskClient, problem: Any) -> None:
    problem(
        client.post(
            "/v1/labels/validate?fix=maybe",
            data={"file": (io.BytesIO(b"gtin\n"), "a.csv")},
            content_type="multipart/form-data",
        ),
        400,
    )


# -- hostile uploads (issue 17 items 2, 3 and 15) ------------------------------------------------------


@pytest.mark.parametrize(
    ("bomb", "limit"),
    [("huge_sheet", "max_member_bytes"), ("high_ratio", "max_ratio"), ("far_rows", "max_cells")],
)
def test_xlsx_bombs_are_problem_documents(client: FlaskClient, problem: Any, bomb: str, limit: str) -> None:
    from tests.label import xlsx_bombs

    make = getattr(xlsx_bombs, bomb)
    payload = make() if bomb == "far_rows" else make(49 if bomb == "huge_sheet" else 2)
    response = client.post(
        "/v1/labels/validate",
        data={"file": (io.BytesIO(payload), "week48.xlsx")},
        content_type="multipart/form-data",
    )
    body = problem(response, 400, "file.too_large")
    assert body["errors"][0]["context"]["limit"] == limit


def test_xlsx_limits_come_from_the_configuration(database_url: str, problem: Any) -> None:
    payload = (LABELS / "sample-batch.xlsx").read_bytes()
    app = make_app(database_url, XLSX_LIMITS={"max_cells": 20})
    try:
        response = app.test_client().post(
            "/v1/labels/validate",
            data={"file": (io.BytesIO(payload), "sample-batch.xlsx")},
            content_type="multipart/form-data",
        )
        assert problem(response, 400, "file.too_large")["errors"][0]["context"]["limit"] == "max_cells"
    finally:
        close_app(app)


def test_a_deeply_nested_json_line_is_a_row_error_not_a_500(client: FlaskClient, validate: Any) -> None:
    good = json.dumps(label("valid-sonla-longan-cn.json"), ensure_ascii=False)
    deep = '{"gtin": ' + "[" * 3000 + "]" * 3000 + "}"
    response = client.post(
        "/v1/labels/validate",
        data={"file": (io.BytesIO(f"{good}\n{deep}\n".encode()), "rows.jsonl")},
        content_type="multipart/form-data",
    )
    body = validate(response, "batch-report")
    assert [(i["row"], i["code"]) for i in body["issues"] if i["code"].startswith("file.")] == [
        (2, "file.row.malformed")
    ]


def test_a_large_upload_is_reported_under_its_file_name(client: FlaskClient, validate: Any) -> None:
    """Uploads over 500 KB are spooled to a temporary file whose ``name`` is a descriptor number."""
    from trace_std.label.batch import COLUMNS

    header = ",".join(COLUMNS)
    rows = "\n".join(f"08935234567895,L{n},x,y,2025-03-01,2025-03-02,,10,,,ACME,US,S{n},"
                     for n in range(9_000))  # fmt: skip
    payload = (header + "\n" + rows + "\n").encode()
    assert len(payload) > 600_000
    response = client.post(
        "/v1/labels/validate",
        data={"file": (io.BytesIO(payload), "week48.csv")},
        content_type="multipart/form-data",
    )
    assert validate(response, "batch-report")["file"] == "week48.csv"


@pytest.mark.parametrize("on", ["2025-W01-1", "2025W011", "20250101", "2025-001"])
def test_label_dates_in_parameters_are_calendar_dates(client: FlaskClient, problem: Any, on: str) -> None:
    body = label("valid-sonla-longan-cn.json")
    problem(client.post(f"/v1/labels/verify?on={on}", json=body), 400, "request.parameter.invalid")
    assert client.post("/v1/labels/verify?on=2025-03-10", json=body).status_code == 200
