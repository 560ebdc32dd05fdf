"""Property-based tests of every operation in the OpenAPI document (schemathesis): no 5xx, and every
response conforms to its documented status, content type, headers and schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis import checks

from tests.api.conftest import close_app, make_app


@pytest.fixture(scope="module")
def api_app(database_url: str) -> Iterator[Flask]:
    app = make_app(database_url)
    yield app
    close_app(app)


@pytest.fixture(scope="module")
def api_schema(api_app: Flask) -> Any:
    return schemathesis.openapi.from_wsgi("/v1/openapi.json", api_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@pytest.mark.slow
@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms(case: Any) -> None:
    # Not positive_data_acceptance: a code, GTIN or Digital Link can match its documented string type
    # and still be malformed, which the API rightly answers with a 400 problem.
    case.call_and_validate(
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_headers_conformance,
            checks.response_schema_conformance,
        ]
    )


@pytest.fixture(scope="module")
def epcis_token(api_app: Flask) -> str:
    from api import store

    with api_app.app_context():
        secret, _ = store.registry().create_token(
            "schemathesis-epcis", ["events:capture", "events:read", "events:inspect"], actor="test"
        )
    return str(secret)


epcis_schema = schemathesis.pytest.from_fixture("api_schema").include(path_regex="^/(epcis/|v1/trace)")


@pytest.mark.slow
@epcis_schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_epcis_endpoints_conform_with_a_token(case: Any, epcis_token: str) -> None:
    """The EPCIS capture and query operations, authenticated (without a token they are all 401)."""
    case.call_and_validate(
        headers={"Authorization": f"Bearer {epcis_token}"},
        checks=[
            checks.not_a_server_error,
            checks.status_code_conformance,
            checks.content_type_conformance,
            checks.response_headers_conformance,
            checks.response_schema_conformance,
        ],
    )
