"""Public verification and the audit (issue 15 item 5), on SQLite and PostgreSQL: the neutral notice of a
PUC with an open over-yield or unauthorised-use finding, stored findings opening and closing, and the
``inconsistent`` verdict of a label whose (PUC, PHC, pack date) no authorisation covers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, ClassVar

import pytest

from tests.audit import public_scenario as PS
from tests.audit import scenario as S
from trace_std.audit.authorisations import import_authorisations, set_authorisation_status
from trace_std.audit.public import (
    NOTICE_RULES,
    authorised,
    close_finding,
    same_holder,
    store_findings,
    stored_findings,
)
from trace_std.audit.rules import run_audit
from trace_std.errors import TraceStdError
from trace_std.registry import Registry
from trace_std.registry.verify import row_checks, verify, verify_label

MISSING = "registry.authorisation.missing"


def _codes(report: Any) -> list[str]:
    return [str(i.code) for i in report.issues]


def _notice(reg: Registry, code: str) -> Any:
    return verify(reg, code).to_dict().get("notice")


# -- the notice ---------------------------------------------------------------------------------------


def test_open_finding_puts_a_neutral_notice_on_the_puc(registry: Registry) -> None:
    PS.build(registry)
    body = verify(registry, S.A).to_dict()
    assert body["verdict"] == "genuine"  # a notice is not a verdict
    assert body["notice"] == {
        "status": "needs inspection",
        "since": dt.datetime.now(dt.UTC).date().isoformat(),
    }
    assert set(body["notice"]) == {"status", "since"}  # no rule, no figure, no party
    # the clean neighbours: a PUC without finding, and a PHC (notices are about planting areas)
    assert verify(registry, S.B).to_dict()["notice"] is None
    assert "notice" not in verify(registry, S.P).to_dict()
    # the same notice through a lot of that PUC (Digital Link) and a label naming it
    dl = f"https://id.gs1.org/01/{PS.GTIN}/10/{PS.LOT_OK}"
    assert verify(registry, dl).to_dict()["notice"]["status"] == "needs inspection"
    assert verify_label(registry, PS.label(S.A, S.P, PS.LOT_OK)).to_dict()["notice"] is not None


def test_notice_follows_the_stored_findings(registry: Registry) -> None:
    PS.build(registry, store=False)
    assert _notice(registry, S.A) is None  # findings exist only once a run is stored
    findings = run_audit(registry, season=2025)
    first = store_findings(registry, findings, season=2025, actor="t")
    assert first.opened == len(findings) and first.closed == 0
    assert _notice(registry, S.A) is not None
    again = store_findings(registry, findings, season=2025, actor="t")
    assert (again.opened, again.kept, again.closed) == (0, len(findings), 0)
    # a run of another season does not close this season's findings
    assert store_findings(registry, [], season=2024, actor="t").closed == 0
    assert _notice(registry, S.A) is not None
    # a run of the same scope that no longer finds them closes them: the notice goes
    gone = store_findings(registry, [], season=2025, actor="t")
    assert gone.closed == len(findings)
    assert _notice(registry, S.A) is None
    assert stored_findings(registry) == []
    # found again: reopened, the notice is back
    back = store_findings(registry, findings, season=2025, actor="t")
    assert back.reopened == len(findings)
    assert _notice(registry, S.A) is not None


def test_only_over_yield_and_unauthorised_findings_make_a_notice(registry: Registry) -> None:
    PS.build(registry, store=False)
    findings = run_audit(registry, season=2025)
    others = [f for f in findings if f.rule not in NOTICE_RULES]
    assert {f.rule for f in findings} - set(NOTICE_RULES), "the scenario needs another rule's finding"
    store_findings(registry, others, season=2025, actor="t")
    assert _notice(registry, S.A) is None
    over = [f for f in findings if f.rule == "over_yield"]
    store_findings(registry, over, rules_=["over_yield"], season=2025, actor="t")
    assert _notice(registry, S.A) is not None


def test_unauthorised_finding_alone_makes_the_notice(registry: Registry) -> None:
    PS.build(registry, store=False)
    unauth = run_audit(registry, season=2025, rules_=["unauthorised"])
    assert [f.subject["puc"] for f in unauth] == [S.A]
    store_findings(registry, unauth, rules_=["unauthorised"], season=2025, actor="t")
    assert _notice(registry, S.A) is not None
    assert _notice(registry, S.C) is None


def test_an_inspector_closes_a_finding_and_it_stays_closed(registry: Registry) -> None:
    PS.build(registry)
    open_ = [f for f in stored_findings(registry, puc=S.A) if f["rule"] in NOTICE_RULES]
    assert len(open_) == 2
    assert open_[0]["wording"] == "needs inspection"
    for f in open_:
        closed = close_finding(registry, f["id"], actor="inspector:t", reason="visited; letter on file")
        assert closed["status"] == "closed" and closed["closed_by"] == "inspector:t"
    assert _notice(registry, S.A) is None
    # the next run finds the same things: an inspector's decision stands
    report = store_findings(registry, run_audit(registry, season=2025), season=2025, actor="t")
    assert report.reopened == 0 and report.opened == 0
    assert _notice(registry, S.A) is None
    with pytest.raises(TraceStdError) as exc:
        close_finding(registry, open_[0]["id"], actor="i", reason="again")
    assert exc.value.code == "registry.status.unchanged"
    with pytest.raises(TraceStdError) as exc:
        close_finding(registry, 999_999, actor="i", reason="x")
    assert exc.value.code == "audit.finding.not_found"
    with pytest.raises(TraceStdError) as exc:
        close_finding(registry, open_[0]["id"], actor="i", reason="  ")
    assert exc.value.code == "audit.option.invalid"


def test_storing_is_all_or_nothing(registry: Registry) -> None:
    PS.build(registry, store=False)
    findings = run_audit(registry, season=2025)

    class Broken:
        rule, code, severity, season, reason = "over_yield", "audit.over_yield", "warning", "2025", "x"
        subject: ClassVar[dict[str, Any]] = {"puc": S.B}
        evidence: ClassVar[dict[str, Any]] = {}

        def key(self) -> tuple[Any, ...]:
            return ("over_yield", "x", "2025", (("puc", S.B),))

        def to_dict(self) -> dict[str, Any]:
            raise RuntimeError("a finding that cannot be serialised")

    with pytest.raises(RuntimeError):
        store_findings(registry, [*findings, Broken()], season=2025, actor="t")
    assert stored_findings(registry, status=None) == []
    assert _notice(registry, S.A) is None


# -- the authorisation check --------------------------------------------------------------------------


def test_label_without_authorisation_is_inconsistent_with_its_reason(registry: Registry) -> None:
    PS.build(registry)
    report = verify_label(registry, PS.label(S.A, S.Q, PS.LOT_UNAUTHORISED))
    assert report.verdict == "inconsistent"
    issue = next(i for i in report.issues if i.code == MISSING)
    assert issue.field == "phc"
    assert issue.context == {"puc": S.A, "phc": S.Q, "pack_date": PS.PACK}
    # the clean neighbour: the same PUC packed by the packing house it authorised
    clean = verify_label(registry, PS.label(S.A, S.P, PS.LOT_OK))
    assert clean.verdict == "genuine", _codes(clean)
    assert clean.details["assurance"] == "product"


def test_digital_link_and_element_string_use_the_lots_codes(registry: Registry) -> None:
    PS.build(registry)
    bad = verify(registry, f"https://id.gs1.org/01/{PS.GTIN}/10/{PS.LOT_UNAUTHORISED}")
    assert bad.verdict == "inconsistent" and MISSING in _codes(bad)
    assert verify(registry, f"https://id.gs1.org/01/{PS.GTIN}/10/{PS.LOT_OK}").verdict == "genuine"
    hri = f"(01){PS.GTIN}(13)250503(10){PS.LOT_UNAUTHORISED}(90){S.A}(7030)704{S.Q}"
    report = verify(registry, hri)
    assert report.verdict == "inconsistent"
    assert next(i for i in report.issues if i.code == MISSING).field == "(7030)"
    # codes alone have no pack date and no pair: nothing to judge
    assert MISSING not in _codes(verify(registry, S.A))


def test_self_use_needs_no_authorisation(registry: Registry) -> None:
    PS.build(registry)
    assert same_holder("Holder A", "  holder   A ")
    assert not same_holder(None, None) and not same_holder("", "") and not same_holder("Holder A", "Holder B")
    report = verify_label(registry, PS.label(S.C, S.Q, PS.LOT_SELF))
    assert report.verdict == "genuine", _codes(report)
    # the neighbour: another holder's PUC at the same packing house, no letter
    other = verify_label(registry, PS.label(S.B, S.Q, PS.LOT_EXPORTER))
    assert other.verdict == "inconsistent" and MISSING in _codes(other)


def test_an_exporters_authorisation_covers_its_labels(registry: Registry) -> None:
    PS.build(registry)
    with_exporter = PS.label(S.B, S.Q, PS.LOT_EXPORTER, exporter="sentinel  EXPORT trading co")
    assert verify_label(registry, with_exporter).verdict == "genuine"
    other = PS.label(S.B, S.Q, PS.LOT_EXPORTER, exporter="Someone Else Ltd")
    assert MISSING in _codes(verify_label(registry, other))


@pytest.mark.parametrize(
    ("pack", "ok"),
    [
        (dt.date(2024, 12, 31), False),  # the day before the window
        (dt.date(2025, 1, 1), True),  # first day
        (dt.date(2025, 12, 31), True),  # last day (inclusive)
        (dt.date(2026, 1, 1), False),  # the day after
    ],
)
def test_window_boundaries(registry: Registry, pack: dt.date, ok: bool) -> None:
    PS.build(registry, store=False)
    with registry.connect() as conn:
        assert authorised(conn, S.A, pack, phc=S.P, crop="durian") is ok
        assert authorised(conn, S.A, pack, phc=S.Q, crop="durian") is False


def test_status_history_and_crop_decide(registry: Registry) -> None:
    PS.build(registry, store=False)
    ref = f"UQ-{S.A}-{S.P}"
    set_authorisation_status(registry, ref, "suspended", reason="t", actor="t", on=dt.date(2025, 6, 1))
    with registry.connect() as conn:
        assert authorised(conn, S.A, dt.date(2025, 5, 31), phc=S.P) is True  # before the suspension
        assert authorised(conn, S.A, dt.date(2025, 6, 1), phc=S.P) is False  # from its day on
        assert authorised(conn, S.A, dt.date(2025, 5, 3), phc=S.P, crop="mango") is False  # another crop
        assert authorised(conn, S.A, dt.date(2025, 5, 3), phc=S.P, crop=None) is True
    late = PS.label(S.A, S.P, PS.LOT_OK, pack_date="2025-06-02")
    assert MISSING in _codes(verify_label(registry, late, on=dt.date(2025, 6, 2)))


def test_a_registry_without_authorisations_judges_nothing(registry: Registry) -> None:
    for code in (S.A, S.Q):
        registry.upsert_code({"code": code, "crops": ["durian"] if code == S.A else None,
                              "issued": "2023-01-02", "owner": code}, actor="t")  # fmt: skip
    with registry.connect() as conn:
        assert authorised(conn, S.A, PS.PACK, phc=S.Q) is None
    hri = f"(90){S.A}(7030)704{S.Q}"
    report = verify(registry, f"(01){PS.GTIN}(13)250503(10)X1{hri}")
    assert MISSING not in _codes(report)
    # one letter anywhere puts the scheme in force
    letter = {"ref": "L1", "puc": S.A, "phc": S.Q, "valid_from": "2026-01-01"}
    assert import_authorisations(registry, json.dumps([letter]).encode(), actor="t").ok
    with registry.connect() as conn:
        assert authorised(conn, S.A, PS.PACK, phc=S.Q) is False


def test_batch_rows_are_not_judged(registry: Registry) -> None:
    """Declaring label files feeds the audit: the batch checks leave authorisations to it."""
    PS.build(registry)
    check = row_checks(registry)
    assert MISSING not in [str(i.code) for i in check(PS.label(S.A, S.Q, PS.LOT_UNAUTHORISED))]
