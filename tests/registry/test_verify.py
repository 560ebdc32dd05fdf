"""Verification verdicts against the synthetic Sơn La sample, for every kind of input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trace_std.errors import ErrorCode
from trace_std.registry import Registry
from trace_std.registry.verify import VERDICTS, row_checks, verify, verify_label

LABELS = Path(__file__).resolve().parents[2] / "examples/labels"
GTIN = "08936000120016"  # longan, 10 kg
D = dt.date


def codes(report: object) -> list[str]:
    return [i.code for i in report.errors]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("text", "on", "market", "verdict", "issue_codes"),
    [
        ("VN-SLOR-0001", None, None, "genuine", []),
        ("vn - slor - 0001", None, "CN", "genuine", []),
        ("VN-SLOR-0001", None, "AU", "inconsistent", [ErrorCode.REGISTRY_MARKET_NOT_APPROVED]),
        ("VN-SLOR-0001", D(2000, 1, 1), None, "unregistered", [ErrorCode.REGISTRY_CODE_NOT_YET_ISSUED]),
        ("VN-SLOR-0007", None, None, "suspended", [ErrorCode.REGISTRY_CODE_SUSPENDED]),
        ("VN-SLOR-0007", D(2025, 9, 14), None, "genuine", []),  # the day before the suspension
        ("VN-SLOR-0007", D(2025, 9, 15), None, "suspended", [ErrorCode.REGISTRY_CODE_SUSPENDED]),
        ("VN-SLOR-0150", D(2024, 7, 1), None, "suspended", [ErrorCode.REGISTRY_CODE_SUSPENDED]),
        ("VN-SLOR-0150", None, None, "genuine", []),  # reinstated
        ("VN-SLOR-0031", None, None, "revoked", [ErrorCode.REGISTRY_CODE_REVOKED]),
        (
            "VN-SLOR-0181",
            None,
            "US",
            "revoked",
            [ErrorCode.REGISTRY_CODE_REVOKED, ErrorCode.REGISTRY_MARKET_NOT_APPROVED],
        ),
        ("VN-SLOR-0999", None, None, "unregistered", [ErrorCode.REGISTRY_CODE_NOT_FOUND]),
        ("VN-SLPH-001", None, "NZ", "genuine", []),
        ("VN-SLPH-007", None, None, "suspended", [ErrorCode.REGISTRY_CODE_SUSPENDED]),
        ("VN-SLOR-12", None, None, "malformed", None),
        ("hello", None, None, "malformed", None),
        (GTIN, None, None, "genuine", []),
        ("8936000120016", None, None, "genuine", []),
        ("08936000120993", None, None, "unregistered", [ErrorCode.REGISTRY_PRODUCT_NOT_FOUND]),
    ],
)
def test_verdicts_for_codes_and_gtins(
    sample_registry: Registry,
    text: str,
    on: dt.date | None,
    market: str | None,
    verdict: str,
    issue_codes: list[str] | None,
) -> None:
    report = verify(sample_registry, text, on=on, market=market)
    assert report.verdict == verdict
    assert verdict in VERDICTS
    if issue_codes is not None:
        assert codes(report) == issue_codes
    else:
        assert report.errors and not any(c.startswith("registry.") for c in codes(report))


def test_code_report_carries_the_record(sample_registry: Registry) -> None:
    data = verify(sample_registry, "VN-SLOR-0007", on=D(2025, 10, 1)).to_dict()
    assert data["puc"]["code"] == "VN-SLOR-0007"
    assert [h["to"] for h in data["puc"]["history"]] == ["active", "suspended"]
    assert data["puc"]["markets"][0]["market"] == "CN"
    assert data["as_of"] == "2025-10-01"
    assert data["registry"] == {"status_on_date": {"VN-SLOR-0007": "suspended"}}


@pytest.mark.parametrize(
    ("text", "verdict", "issue_codes"),
    [
        # element string: the pack date (13) is the date checked
        (f"(01){GTIN}(10)SL250812A(13)250812(90)VN-SLOR-0001", "genuine", []),
        (f"(01){GTIN}(10)SL250801S(13)250801(90)VN-SLOR-0007", "genuine", []),  # packed before the suspension
        (
            f"(01){GTIN}(10)SL251003S(13)251003(90)VN-SLOR-0007",
            "suspended",
            [ErrorCode.REGISTRY_CODE_SUSPENDED],
        ),
        (
            f"(01){GTIN}(10)SL250602R(13)250602",
            "revoked",
            [ErrorCode.REGISTRY_CODE_REVOKED],
        ),  # PUC from the lot
        (f"(01){GTIN}(10)SL250812A(13)250813", "inconsistent", [ErrorCode.REGISTRY_LOT_PACK_DATE_MISMATCH]),
        (f"(01){GTIN}(10)SL250812A(90)VN-SLOR-0002", "inconsistent", [ErrorCode.REGISTRY_LOT_PUC_MISMATCH]),
        (f"(01){GTIN}(10)NOSUCHLOT", "unregistered", [ErrorCode.REGISTRY_LOT_NOT_FOUND]),
        (f"(01){GTIN}(90)VN-SLOR-0099", "inconsistent", [ErrorCode.REGISTRY_CROP_MISMATCH]),  # a plum area
        (
            f"(01){GTIN}(10)SL250812A(90)VN-SLPH-001",
            "inconsistent",
            [ErrorCode.REGISTRY_CODE_KIND_MISMATCH, ErrorCode.REGISTRY_LOT_PUC_MISMATCH],
        ),
        (f"(01){GTIN}(10)SL250812A(7030)704VN-SLPH-001", "genuine", []),
        (
            f"(01){GTIN}(10)SL250812A(7030)704VN-SLPH-002",
            "inconsistent",
            [ErrorCode.REGISTRY_LOT_PHC_MISMATCH],
        ),
        # raw scan data: symbology identifier, FNC1 separators
        (f"]C101{GTIN}10SL250812A\x1d13250812", "genuine", []),
        (f"]d201{GTIN}10SL251003S\x1d13251003", "suspended", [ErrorCode.REGISTRY_CODE_SUSPENDED]),
        # Digital Link
        (f"https://id.example.vn/01/{GTIN}/10/SL250812A", "genuine", []),
        (
            f"https://id.example.vn/01/{GTIN}/10/SL250602R?13=250602",
            "revoked",
            [ErrorCode.REGISTRY_CODE_REVOKED],
        ),
    ],
)
def test_verdicts_for_element_strings_and_digital_links(
    sample_registry: Registry, text: str, verdict: str, issue_codes: list[str]
) -> None:
    report = verify(sample_registry, text)
    assert (report.verdict, codes(report)) == (verdict, issue_codes), report.to_dict()["issues"]


def test_lot_market_is_checked(sample_registry: Registry) -> None:
    ok = verify(sample_registry, f"(01){GTIN}(10)SL250820AU(13)250820")
    assert ok.verdict == "genuine" and ok.details["market"] == "AU"
    wrong = verify(sample_registry, f"(01){GTIN}(10)SL250820AU(13)250820", market="NZ")
    assert wrong.verdict == "inconsistent"
    assert set(codes(wrong)) == {ErrorCode.REGISTRY_MARKET_NOT_APPROVED}
    data = ok.to_dict()
    assert (data["lot"]["lot"], data["product"]["crop"], data["phc"]["code"]) == (
        "SL250820AU",
        "longan",
        "VN-SLPH-002",
    )


@pytest.mark.parametrize("name", ["valid-sonla-longan-cn.json", "valid-sonla-longan-au.json"])
def test_example_labels_verify_genuine(sample_registry: Registry, name: str) -> None:
    label = json.loads((LABELS / name).read_text("utf-8"))
    report = verify_label(sample_registry, label)
    assert report.verdict == "genuine", report.to_dict()["issues"]
    assert report.details["as_of"] == dt.date.fromisoformat(label["pack_date"])


def test_label_verdicts(sample_registry: Registry) -> None:
    label = json.loads((LABELS / "valid-sonla-longan-cn.json").read_text("utf-8"))
    assert verify_label(sample_registry, {**label, "destination_market": "US"}).verdict == "inconsistent"
    suspended = {
        **label,
        "lot": "SL251003S",
        "pack_date": "2025-10-03",
        "harvest_date": "2025-10-02",
        "puc": "VN-SLOR-0007",
    }
    assert verify_label(sample_registry, suspended).verdict == "suspended"
    assert verify_label(sample_registry, {**label, "gtin": "08936000120017"}).verdict == "malformed"


def test_row_checks(sample_registry: Registry) -> None:
    label = json.loads((LABELS / "valid-sonla-longan-cn.json").read_text("utf-8"))
    check = row_checks(sample_registry)
    assert check(label) == []
    assert [i.code for i in check({**label, "puc": "VN-SLOR-0999"})] == [
        ErrorCode.REGISTRY_LOT_PUC_MISMATCH,
        ErrorCode.REGISTRY_CODE_NOT_FOUND,
    ]
    assert [i.code for i in check({**label, "lot": "X1"})] == [ErrorCode.REGISTRY_LOT_NOT_FOUND]
    assert [
        i.code
        for i in row_checks(sample_registry, market="AU")(
            {k: v for k, v in label.items() if k != "destination_market"}
        )
    ] == [ErrorCode.REGISTRY_MARKET_NOT_APPROVED]
    with pytest.raises(TypeError):
        check("not a row")  # type: ignore[arg-type]


def test_misuse_raises_type_error(sample_registry: Registry) -> None:
    with pytest.raises(TypeError):
        verify(sample_registry, 123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        verify(sample_registry, "VN-SLOR-0001", on="2025-01-01")  # type: ignore[arg-type]


def test_row_checks_plug_into_the_batch_validator(sample_registry: Registry, tmp_path: Path) -> None:
    from trace_std.label.batch import validate_file

    label = json.loads((LABELS / "valid-sonla-longan-cn.json").read_text("utf-8"))
    header = (
        "gtin,lot,product_name,crop,harvest_date,pack_date,net_weight_kg,puc,phc,exporter,destination_market"
    )

    def line(**over: str) -> str:
        v = {**label, "product_name": label["product_name"]["vi"], **over}
        return ",".join(str(v[c]) for c in header.split(","))

    rows = [
        line(),  # genuine
        line(destination_market="US"),  # PUC not approved for the USA
        line(
            lot="SL251003S", pack_date="2025-10-03", harvest_date="2025-10-02", puc="VN-SLOR-0007"
        ),  # suspended
        line(lot="UNKNOWN1"),  # lot not registered
        line(),  # same values as row 1: memoised, same answer
    ]
    path = tmp_path / "batch.csv"
    path.write_text("\n".join([header, *rows]) + "\n", "utf-8")
    report = validate_file(path, row_checks=[row_checks(sample_registry)])
    by_row: dict[int, set[str]] = {}
    for issue in report.issues:
        if issue.code.startswith("registry."):
            by_row.setdefault(issue.row, set()).add(issue.code)
    assert by_row == {
        3: {ErrorCode.REGISTRY_MARKET_NOT_APPROVED},
        4: {ErrorCode.REGISTRY_CODE_SUSPENDED},
        5: {ErrorCode.REGISTRY_LOT_NOT_FOUND},
    }
    assert report.rows_total == 5


_SEEDS = [
    "VN-SLOR-0001",
    GTIN,
    f"(01){GTIN}(10)SL250812A(13)250812",
    f"]C101{GTIN}10SL250812A\x1d13250812",
    f"https://id.example.vn/01/{GTIN}/10/SL250812A",
    "VN-14-116-03646-04-24",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.one_of(
        st.text(max_size=60),
        st.builds(
            lambda s, i, t: s[:i] + t + s[i + 1 :],
            st.sampled_from(_SEEDS),
            st.integers(0, 60),
            st.text(max_size=3),
        ),
    )
)
def test_verify_never_raises_on_any_text(sample_registry: Registry, text: str) -> None:
    if sample_registry.backend != "sqlite":
        return  # one backend is enough for a property over the input space
    report = verify(sample_registry, text)
    assert report.verdict in VERDICTS
    non_registry = [c for c in codes(report) if not c.startswith("registry.")]
    assert (report.verdict == "malformed") == bool(non_registry)


_DOMESTIC = {
    "code": "VN-14-116-03646-04-24",
    "kind": "puc",
    "issued": "2024-07-06",
    "status": "active",
    "markets": [{"market": "CN", "status": "active", "approved": "2024-08-01"}],
}


def test_import_stores_the_scheme_resolved_from_the_code(registry: Registry) -> None:
    _, record = registry.upsert_code({**_DOMESTIC, "scheme": "domestic-3156"}, actor="test")
    assert record.scheme == "vn-3156"
    _, export = registry.upsert_code(
        {
            "code": "VN-SLOR-0001",
            "kind": "puc",
            "scheme": "vn-3156",
            "issued": "2024-01-01",
            "status": "active",
        },
        actor="test",
    )
    assert export.scheme == "vn-export"


def test_domestic_code_is_refused_for_export_whatever_the_stored_scheme(registry: Registry) -> None:
    from sqlalchemy import text

    registry.upsert_code(_DOMESTIC, actor="test")
    with registry.engine.begin() as conn:  # a free-text scheme stored by an older importer
        conn.execute(text("UPDATE codes SET scheme = 'domestic-3156'"))
    label = {"puc": _DOMESTIC["code"], "pack_date": "2025-01-10", "destination_market": "CN"}
    issues = row_checks(registry, market="CN")(label)
    assert ErrorCode.REGISTRY_MARKET_NOT_APPROVED in [i.code for i in issues]
    assert verify(registry, _DOMESTIC["code"], market="CN").verdict == "inconsistent"
    assert verify(registry, _DOMESTIC["code"], market="VN").verdict == "genuine"


@pytest.mark.parametrize(
    ("text", "assurance"),
    [
        ("VN-SLOR-0001", "code"),  # a bare code: registered and active, not a genuine product
        ("VN-SLPH-001", "code"),
        (GTIN, "gtin"),
        (f"(01){GTIN}(10)SL250812A", "product"),
        (f"(01){GTIN}(10)SL250812A(13)250812", "product"),
        (f"https://id.example.vn/01/{GTIN}/10/SL250812A", "product"),
        (f"(01){GTIN}(10)SL250812A(13)250813", None),  # pack date differs from the lot's: inconsistent
        ("VN-SLOR-0031", None),
    ],
)
def test_assurance_says_what_a_genuine_verdict_proves(
    sample_registry: Registry, text: str, assurance: str | None
) -> None:
    report = verify(sample_registry, text)
    assert report.to_dict()["assurance"] == assurance
    assert (report.verdict == "genuine") == (assurance is not None)


def test_revoked_and_suspended_messages_give_the_date_of_the_change(sample_registry: Registry) -> None:
    record = sample_registry.get_code("VN-SLOR-0031")
    assert record is not None and record.status == "revoked"
    change = record.history[-1]
    report = verify(sample_registry, "VN-SLOR-0031", on=D(2026, 6, 1))
    (issue,) = report.errors
    assert issue.code == ErrorCode.REGISTRY_CODE_REVOKED
    assert issue.context["since"] == change.date != D(2026, 6, 1)
    assert issue.context["reason"] == change.reason and issue.context["legal_doc"] == change.legal_doc
    assert change.date.isoformat() in issue.message and "2026-06-01" not in issue.message
    # Suspended then reinstated: on a day inside the suspension, the suspension's own date.
    report = verify(sample_registry, "VN-SLOR-0150", on=D(2024, 7, 1))
    (issue,) = report.errors
    assert issue.code == ErrorCode.REGISTRY_CODE_SUSPENDED and issue.context["since"] < D(2024, 7, 1)
