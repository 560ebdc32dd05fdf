"""Item 2 of issue 15 (EPCIS part): captured shipping events declared into the ledger, each lot traced
back to its harvest PUC and packing PHC through the genealogy, each line with its provenance."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, text

from tests.audit import scenario as S
from tests.events import repo_data
from trace_std.audit.epcis import declare_events
from trace_std.audit.models import LedgerRow
from trace_std.audit.rules import run_audit
from trace_std.events.build import CONTEXT, build_from_rows
from trace_std.events.repository import capture
from trace_std.events.repository.schema import events as event_table
from trace_std.registry import Registry

D = dt.date
GTIN = "08935234567895"


@pytest.fixture
def reg(registry: Registry) -> Registry:
    if registry.backend == "postgresql":  # the audit fixture empties the registry tables, not the events'
        engine = create_engine(registry.url)
        with engine.begin() as conn:
            conn.execute(text("TRUNCATE epcis_events, epcis_event_keys, epcis_capture_jobs"))
        engine.dispose()
    return S.build(registry)


def _rows(
    lot: str, puc: str, phc: str = S.P, *, cartons: int = 3, kg: float = 10.0, **kw: Any
) -> list[dict[str, Any]]:
    base = {
        "gtin": GTIN,
        "lot": lot,
        "harvest_date": "2025-05-01",
        "pack_date": "2025-05-03",
        "net_weight_kg": kg,
        "puc": puc,
        "phc": phc,
        "crop": "Durian",
        "destination_market": "CN",
        "sscc": repo_data.sscc(abs(hash(lot)) % 10**6),
    }
    return [{**base, "serial": f"{lot}-{i}", **kw} for i in range(cartons)]


def _capture(reg: Registry, events: list[dict[str, Any]]) -> None:
    doc = {
        "@context": CONTEXT,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-06-01T00:00:00Z",
        "epcisBody": {"eventList": events},
    }
    job = capture(reg, json.dumps(doc).encode(), party="t")
    assert job.state == "succeeded", job.errors


def _ledger(reg: Registry) -> list[Any]:
    with reg.read() as s:
        return list(s.execute(select(LedgerRow.__table__).order_by(LedgerRow.id)).all())


def _events(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list(build_from_rows(rows)["epcisBody"]["eventList"])


def test_shipping_event_becomes_a_ledger_line_with_provenance(reg: Registry) -> None:
    events = _events(_rows("L1", S.A))
    _capture(reg, events)
    report = declare_events(reg, actor="inspector")
    assert (report.events, report.declared_events, report.lines, report.unresolved) == (1, 1, 1, [])
    (line,) = _ledger(reg)
    ship = next(e for e in events if e["bizStep"] == "shipping")
    assert (line.puc, line.phc, line.gtin, line.lot, line.crop, line.market) == (
        S.A,
        S.P,
        GTIN,
        "L1",
        "durian",
        "CN",
    )
    assert line.quantity_kg == pytest.approx(30.0)
    # local dates (+07:00): the harvest event at 06:00 local is the day before in UTC
    assert (line.harvest_date, line.pack_date, line.ship_date) == (
        D(2025, 5, 1),
        D(2025, 5, 3),
        D(2025, 5, 3),
    )
    assert (line.source, line.source_ref, line.source_row, line.declared_by) == (
        "epcis",
        ship["eventID"],
        1,
        "inspector",
    )
    with reg.read() as sess:  # the repository's CBV 2.0 hash of the stored event
        stored = sess.execute(
            select(event_table.c.event_hash).where(event_table.c.event_id == ship["eventID"])
        ).scalar_one()
    assert stored == f"ni:///sha-256;{line.source_sha256}?ver=CBV2.0"
    assert line.source_name.startswith("epcis capture job ")
    # a second run adds nothing; a rebuild replaces the lines with the same lines
    assert declare_events(reg, actor="inspector").lines == 0
    again = declare_events(reg, actor="inspector", rebuild=True)
    assert (again.removed, again.lines) == (1, 1)
    assert [r.quantity_kg for r in _ledger(reg)] == [pytest.approx(30.0)]
    assert declare_events(reg, actor="i", rebuild=True, dry_run=True).lines == 1
    assert len(_ledger(reg)) == 1


def _ship(quantity: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": "2025-05-05T09:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "vn:destinationMarket": "CN",
        **extra,
    }
    if quantity is not None:
        event["quantityList"] = quantity
    return event


def _cls(lot: str) -> str:
    return f"https://id.gs1.org/01/{GTIN}/10/{lot}"


@pytest.mark.parametrize(
    ("uom", "quantity", "kg"),
    [("KGM", 750, 750.0), ("TNE", 2.5, 2500.0), ("GRM", 1500, 1.5), ("LBR", 100, 45.359237)],
)
def test_units_are_converted_to_kilograms(reg: Registry, uom: str, quantity: float, kg: float) -> None:
    harvest = [e for e in _events(_rows("L2", S.A)) if e["bizStep"] != "shipping"]
    _capture(reg, [*harvest, _ship([{"epcClass": _cls("L2"), "quantity": quantity, "uom": uom}])])
    assert declare_events(reg, actor="t").lines == 1
    assert _ledger(reg)[0].quantity_kg == pytest.approx(kg)


def test_counts_and_unknown_lots_are_listed_not_declared(reg: Registry) -> None:
    harvest = [e for e in _events(_rows("L3", S.A)) if e["bizStep"] != "shipping"]
    _capture(
        reg,
        [
            *harvest,
            _ship([{"epcClass": _cls("L3"), "quantity": 12}]),  # a count: cannot be weighed
            _ship(
                [{"epcClass": _cls("NOHARVEST"), "quantity": 5, "uom": "KGM"}],
                eventTime="2025-05-06T09:00:00+07:00",
            ),
        ],
    )
    report = declare_events(reg, actor="t")
    assert (report.events, report.lines, report.unresolved_events) == (2, 0, 2)
    assert _ledger(reg) == []
    # once the missing harvest and packing are captured, the next run declares the waiting event
    _capture(reg, [e for e in _events(_rows("NOHARVEST", S.B)) if e["bizStep"] != "shipping"])
    report = declare_events(reg, actor="t")
    assert (report.declared_events, report.unresolved_events) == (1, 1)
    assert [(r.puc, r.lot, r.quantity_kg) for r in _ledger(reg)] == [(S.B, "NOHARVEST", 5.0)]


def test_pallet_only_shipment_weighed_through_the_aggregation(reg: Registry) -> None:
    """The shipping event names only the SSCC: its cartons, commissioned by the packing event with
    the lot's mass (40 kg over 4 cartons), weigh 10 kg each; the lot's harvest gives the PUC."""
    chain = repo_data.chain(7)
    _capture(reg, chain)
    report = declare_events(reg, actor="t")
    assert (report.lines, report.unresolved) == (1, [])
    (line,) = _ledger(reg)
    assert (line.puc, line.phc, line.lot, line.quantity_kg) == (
        "VN-SLOR-0008",
        "VN-SLPH-001",
        "L0000007",
        40.0,
    )
    assert (line.harvest_date, line.pack_date, line.ship_date) == (
        D(2025, 8, 12),
        D(2025, 8, 12),
        D(2025, 8, 13),
    )


def test_pallet_with_child_quantities(reg: Registry) -> None:
    harvest = [e for e in _events(_rows("L4", S.A)) if e["bizStep"] == "commissioning"]
    pallet = f"https://id.gs1.org/00/{repo_data.sscc(4242)}"
    agg = {
        "type": "AggregationEvent",
        "eventTime": "2025-05-03T11:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "action": "ADD",
        "bizStep": "packing",
        "parentID": pallet,
        "childQuantityList": [{"epcClass": _cls("L4"), "quantity": 0.8, "uom": "TNE"}],
        "vn:packingHouseCode": S.P,
    }
    _capture(reg, [*harvest, agg, _ship(epcList=[pallet])])
    declare_events(reg, actor="t")
    (line,) = _ledger(reg)
    assert (line.puc, line.quantity_kg) == (S.A, 800.0)


def test_transformed_lot_traced_to_every_origin(reg: Registry) -> None:
    """A lot made from the harvests of two holders' PUCs: one line per PUC, the quantity split; the
    audit then finds one lot from many origins, with the event as provenance."""
    a = [e for e in _events(_rows("HA", S.A)) if e["bizStep"] == "commissioning"]
    b = [e for e in _events(_rows("HB", S.B)) if e["bizStep"] == "commissioning"]
    mix = {
        "type": "TransformationEvent",
        "eventTime": "2025-05-03T10:00:00+07:00",
        "eventTimeZoneOffset": "+07:00",
        "bizStep": "packing",
        "inputQuantityList": [
            {"epcClass": _cls("HA"), "quantity": 30, "uom": "KGM"},
            {"epcClass": _cls("HB"), "quantity": 30, "uom": "KGM"},
        ],
        "outputQuantityList": [{"epcClass": _cls("MIX"), "quantity": 60, "uom": "KGM"}],
        "vn:packingHouseCode": S.P,
    }
    ship = _ship([{"epcClass": _cls("MIX"), "quantity": 60, "uom": "KGM"}])
    _capture(reg, [*a, *b, mix, ship])
    assert declare_events(reg, actor="t").lines == 2
    got = sorted((r.puc, r.phc, r.lot, r.quantity_kg, r.source_row) for r in _ledger(reg))
    assert got == [(S.A, S.P, "MIX", 30.0, 1), (S.B, S.P, "MIX", 30.0, 2)]
    (f,) = run_audit(reg, rules_=["one_lot_many_origins"])
    assert f.subject == {"gtin": GTIN, "lot": "MIX"}
    assert (f.provenance["source"], f.provenance["ref"]) == ("epcis", _ledger(reg)[0].source_ref)


def test_over_yield_from_events_in_tonnes(reg: Registry) -> None:
    """A: 10 ha x 20 t/ha x 1.25 = 250 t: 250 t shipped is not above, 250.001 t is."""
    pre = [e for e in _events(_rows("BIG", S.A)) if e["bizStep"] != "shipping"]
    _capture(reg, [*pre, _ship([{"epcClass": _cls("BIG"), "quantity": 250, "uom": "TNE"}])])
    declare_events(reg, actor="t")
    assert run_audit(reg, rules_=["over_yield"]) == []
    _capture(
        reg,
        [
            _ship(
                [{"epcClass": _cls("BIG"), "quantity": 1, "uom": "KGM"}],
                eventTime="2025-05-07T09:00:00+07:00",
            )
        ],
    )
    declare_events(reg, actor="t")
    (f,) = run_audit(reg, rules_=["over_yield"])
    assert f.evidence["declared_t"] == 250.001


def test_cli_declare_from_events(tmp_path: Path) -> None:
    import subprocess
    import sys

    url = f"sqlite:///{tmp_path / 'r.sqlite3'}"
    reg = Registry(url)
    reg.init()
    S.build(reg)
    _capture(reg, _events(_rows("L6", S.A)) + _events(_rows("L7", S.B, "VN-DTPH-002")))
    reg.close()

    def cli(*args: str) -> subprocess.CompletedProcess[bytes]:
        cmd = [sys.executable, "-m", "trace_std.cli", "registry", "declare", "--database", url, *args]
        return subprocess.run(cmd, capture_output=True, timeout=120)

    assert cli().returncode == 2 and cli("--rebuild").returncode == 2
    out = cli("--from-events", "--json", "--actor", "inspector")
    assert out.returncode == 0, out.stderr
    (report,) = json.loads(out.stdout)
    assert (report["declared_events"], report["lines"], report["quantity_kg"]) == (2, 2, 60.0)
    again = cli("--from-events", "--rebuild")
    assert again.returncode == 0 and b"2 ledger lines" in again.stdout and b"2 lines removed" in again.stdout
    audit = subprocess.run(
        [sys.executable, "-m", "trace_std.cli", "audit", "--database", url, "--format", "json"],
        capture_output=True,
        timeout=120,
    )
    # B's letter names P and FAR, not Q: the line from events is unauthorised, its provenance the event
    (f,) = json.loads(audit.stdout)["findings"]
    assert (f["code"], f["subject"]["puc"], f["provenance"]["source"]) == ("audit.unauthorised", S.B, "epcis")


def test_a_retracted_shipment_leaves_the_ledger(reg: Registry) -> None:
    """A shipping event corrected by an error declaration is no shipment: its lines are removed at the
    next run, and the declaration itself is never read as a second shipment."""
    events = _events(_rows("L9", S.A))
    _capture(reg, events)
    assert declare_events(reg, actor="i").lines == 1
    ship = dict(next(e for e in events if e["bizStep"] == "shipping"))
    ship["errorDeclaration"] = {"declarationTime": "2025-06-02T00:00:00Z", "reason": "incorrect_data"}
    _capture(reg, [ship])
    report = declare_events(reg, actor="i")
    assert (report.retracted, report.lines, report.events) == (1, 0, 0)
    assert _ledger(reg) == []
    assert declare_events(reg, actor="i", rebuild=True).lines == 0  # a rebuild does not bring it back
