"""The ledger's second source: captured EPCIS shipping events (``bizStep`` shipping).

:func:`declare_events` turns the shipping events of the event repository
(:mod:`trace_std.events.repository`) into ledger lines, source ``epcis``:

* **what was shipped, how much**: the event's own ``quantityList`` / ``childQuantityList`` entries
  with a mass unit (UN/CEFACT Rec 20 ``KGM``, ``TNE``, ``GRM``, ``LBR``; converted to kilograms).
  An event without a mass quantity names instances: an SSCC pallet counts what its aggregation put
  on it (``childQuantityList`` in mass units, and its cartons), a carton counts its share of the
  packing event that commissioned it (that event's mass quantity of the lot ÷ the cartons it
  names). Counts without a unit cannot be weighed: such an event is listed, not declared.
* **where it came from**: each shipped lot is walked backward through the genealogy (aggregations,
  instance → class, transformation outputs → inputs) by one recursive SQL statement per batch of
  events, for all their lots at once, and the events that describe the reached lots give the
  harvest planting area (``vn:plantingAreaCode``), the packing house (``vn:packingHouseCode``), the
  harvest and packing dates (``vn:harvestDate`` / ``vn:packingDate``, else the local date of the
  event) and the crop (``vn:variety`` read as a crop id; else the planting area's only registered
  crop). A lot traced to several planting areas (or packing houses) becomes one line per pair, the
  quantity split equally between them (the events do not say the shares).
* **provenance**: every line keeps the event's eventID (``source_ref``), the hex SHA-256 of its
  CBV 2.0 event hash (``source_sha256``), the line's number in the event (``source_row``) and the
  capture job that stored it (``source_name``). The ship date is the event's local date, the market
  ``vn:destinationMarket`` (else a ``https://id.trace-std.org/market/XX`` destination).

An event's lines are declared together or not at all: an event whose lot has no planting area in
the genealogy yet (its harvest not captured), or whose quantity cannot be weighed, is listed in the
report and declared by a later run, once the missing events are captured. A run adds the shipping
events not yet in the ledger; ``rebuild`` first removes every ``epcis`` line (one transaction: all
or nothing).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
)
from sqlalchemy.engine import Connection

from trace_std.audit.ledger import crop_id
from trace_std.audit.models import LedgerRow
from trace_std.events.repository import VN_NAMESPACE, canonical_id, cbv_word
from trace_std.events.repository.genealogy import _EDGE, MAX_DEPTH
from trace_std.events.repository.schema import ERROR_DECLARATION_SUFFIX, events
from trace_std.registry.core import utcnow
from trace_std.registry.models import Code

__all__ = ["MASS_UNITS", "EventsReport", "declare_events"]

#: Mass units of UN/CEFACT Recommendation 20 (codes as in the table ``unece_rec20``) -> kilograms.
#: Factors by definition: tonne = 1000 kg, gram = 0.001 kg, international pound = 0.45359237 kg.
MASS_UNITS: Mapping[str, float] = {"KGM": 1.0, "TNE": 1000.0, "GRM": 0.001, "LBR": 0.45359237}
MARKET_PLACE = "https://id.trace-std.org/market/"
BATCH = 2000
_HASH_PREFIX = "ni:///sha-256;"
_DESCRIBES = ("class", "epc", "output", "outclass")  # roles of an event that makes or describes a node


@dataclasses.dataclass(slots=True)
class EventsReport:
    """What :func:`declare_events` did: shipping events read, declared (lines, kg), ``epcis`` lines
    removed first (``rebuild``), lines of events retracted by an error declaration (``retracted``),
    and the events left out with why (``eventID``, ``reason``)."""

    events: int = 0
    declared_events: int = 0
    lines: int = 0
    quantity_kg: float = 0.0
    removed: int = 0
    retracted: int = 0
    unresolved_events: int = 0
    applied: bool = False
    unresolved: list[dict[str, Any]] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(slots=True)
class _Ship:
    rid: int
    event_id: str
    sha: str
    job: str
    day: dt.date | None
    market: str | None
    kg: dict[str, float]  # lot class -> kg shipped
    instances: list[str]
    problem: str | None = None


def _prefixes(body: Mapping[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    ctx = body.get("@context")
    for item in ctx if isinstance(ctx, list) else [ctx]:
        if isinstance(item, dict):
            out.update({k: v for k, v in item.items() if isinstance(k, str) and isinstance(v, str)})
    return out


def _vn(body: Mapping[str, Any], term: str, prefixes: Mapping[str, str]) -> str | None:
    for container in (body, body.get("ilmd")):
        if not isinstance(container, dict):
            continue
        for key, value in container.items():
            prefix, sep, name = key.partition(":")
            if sep and name == term and prefixes.get(prefix) == VN_NAMESPACE and isinstance(value, str):
                return value.strip()
            if key == VN_NAMESPACE + term and isinstance(value, str):
                return value.strip()
    return None


def _local_day(body: Mapping[str, Any]) -> dt.date | None:
    raw = body.get("eventTime")
    if not isinstance(raw, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(raw.replace("Z", "+00:00").replace("z", "+00:00"))
        offset = body.get("eventTimeZoneOffset")
        if isinstance(offset, str) and moment.tzinfo is not None:
            sign = -1 if offset.startswith("-") else 1
            hh, _, mm = offset.lstrip("+-").partition(":")
            moment = moment.astimezone(dt.timezone(sign * dt.timedelta(hours=int(hh), minutes=int(mm or 0))))
        return moment.date()
    except ValueError:
        return None


def _iso_day(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def _mass(item: Any) -> tuple[str, float] | bool | None:
    """``(class, kg)`` of a quantity element in a mass unit; ``False`` for one that cannot be
    weighed (a count or another unit); ``None`` for a malformed element."""
    if not isinstance(item, dict) or not isinstance(item.get("epcClass"), str):
        return None
    qty, uom = item.get("quantity"), item.get("uom")
    if isinstance(qty, bool) or not isinstance(qty, (int, float)) or qty < 0:
        return None
    if not isinstance(uom, str) or uom not in MASS_UNITS:
        return False
    return canonical_id(item["epcClass"]), float(qty) * MASS_UNITS[uom]


def _quantities(body: Mapping[str, Any], lists: Sequence[str]) -> tuple[dict[str, float], bool]:
    """Mass per class over ``lists``; and whether some element could not be weighed."""
    kg: dict[str, float] = {}
    unweighed = False
    for name in lists:
        for item in body.get(name) or ():
            m = _mass(item)
            if m is False:
                unweighed = True
            elif m is not None and not isinstance(m, bool):
                kg[m[0]] = kg.get(m[0], 0.0) + m[1]
    return kg, unweighed


def _ship(rid: int, event_id: str, event_hash: str, job: str, body: Mapping[str, Any]) -> _Ship:
    prefixes = _prefixes(body)
    market = _vn(body, "destinationMarket", prefixes)
    if not market:
        for item in body.get("destinationList") or ():
            dest = item.get("destination") if isinstance(item, dict) else None
            if isinstance(dest, str) and dest.startswith(MARKET_PLACE):
                market = dest[len(MARKET_PLACE) :]
                break
    kg, unweighed = _quantities(body, ("quantityList", "childQuantityList"))
    instances: list[str] = []
    if not kg:
        for name in ("epcList", "childEPCs"):
            instances += [canonical_id(v) for v in body.get(name) or () if isinstance(v, str)]
        parent = body.get("parentID")
        if isinstance(parent, str) and body.get("type") == "AggregationEvent":
            instances.append(canonical_id(parent))
    sha = event_hash[len(_HASH_PREFIX) :][:64] if event_hash.startswith(_HASH_PREFIX) else event_hash[-64:]
    ship = _Ship(rid, event_id, sha, job, _local_day(body), (market or "").upper()[:8] or None, kg, instances)
    if not kg and unweighed:
        ship.problem = "quantity not in a mass unit (a count or another unit cannot be weighed)"
    elif not kg and not instances:
        ship.problem = "no quantity and no shipped identifier"
    return ship


def _split_class(node: str) -> tuple[str | None, str | None]:
    """GTIN and lot of a lot class Digital Link ``https://id.gs1.org/01/<gtin>/10/<lot>``."""
    from urllib.parse import unquote

    parts = node.split("/")
    try:
        i = parts.index("01")
    except ValueError:
        return None, None
    gtin = parts[i + 1] if i + 1 < len(parts) else None
    lot = unquote(parts[i + 3]) if i + 3 < len(parts) and parts[i + 2] == "10" else None
    return (gtin if gtin and len(gtin) <= 14 else None), (lot[:64] if lot else None)


def _chunks(items: Sequence[Any], n: int = 500) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _bodies(conn: Connection, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    out: dict[int, dict[str, Any]] = {}
    for chunk in _chunks(sorted(set(ids))):
        for rid, body in conn.execute(select(events.c.id, events.c.body).where(events.c.id.in_(chunk))):
            out[int(rid)] = json.loads(body)
    return out


def _instance_kg(conn: Connection, ships: list[_Ship]) -> None:
    """Weigh the shipped instances of events without a mass quantity: SSCC aggregations (their
    ``childQuantityList`` in mass units, and their cartons) and cartons (their share of the packing
    event that commissioned them). Set-based per chunk of identifiers."""
    wanted = sorted({n for s in ships if s.problem is None and not s.kg for n in s.instances})
    if not wanted:
        return
    # 1. aggregations: parent -> (children, class quantities)
    agg_children: dict[str, set[str]] = {}
    agg_events: dict[str, set[int]] = {}
    sql = text(
        "SELECT a.value AS parent, b.role AS role, b.value AS value, a.event AS event "
        "FROM epcis_event_keys a JOIN epcis_event_keys b ON b.event = a.event "
        "JOIN epcis_events e ON e.id = a.event "
        "WHERE a.role = 'parent' AND a.value IN :nodes AND b.role IN ('child', 'class') "
        "AND e.event_type = 'AggregationEvent' AND (e.action IS NULL OR e.action <> 'DELETE')"
    ).bindparams(bindparam("nodes", expanding=True))
    for chunk in _chunks(wanted):
        for parent, role, value, event in conn.execute(sql, {"nodes": list(chunk)}):
            agg_events.setdefault(parent, set()).add(int(event))
            if role == "child":
                agg_children.setdefault(parent, set()).add(value)
    bodies = _bodies(conn, {e for es in agg_events.values() for e in es})
    agg_kg: dict[str, dict[str, float]] = {}
    agg_unweighed: set[str] = set()
    for parent, ids in agg_events.items():
        for eid in ids:
            kg, unweighed = _quantities(bodies[eid], ("childQuantityList",))
            for cls, q in kg.items():
                agg_kg.setdefault(parent, {})[cls] = agg_kg.setdefault(parent, {}).get(cls, 0.0) + q
            if unweighed:
                agg_unweighed.add(parent)
    # 2. cartons: the commissioning/packing ObjectEvent that names them with a mass quantity
    cartons = sorted(
        {c for n in wanted for c in agg_children.get(n, ())} | {n for n in wanted if n not in agg_events}
    )
    carton_kg: dict[str, dict[str, float]] = {}
    sql = text(
        "SELECT a.value AS carton, a.event AS event, "
        "(SELECT COUNT(*) FROM epcis_event_keys x WHERE x.event = a.event AND x.role = 'epc') AS n "
        "FROM epcis_event_keys a JOIN epcis_events e ON e.id = a.event "
        "WHERE a.role = 'epc' AND a.value IN :nodes AND e.event_type = 'ObjectEvent' AND e.action = 'ADD'"
    ).bindparams(bindparam("nodes", expanding=True))
    found: list[tuple[str, int, int]] = []
    for chunk in _chunks(cartons):
        found += [(c, int(e), int(n)) for c, e, n in conn.execute(sql, {"nodes": list(chunk)})]
    bodies = _bodies(conn, {e for _, e, _ in found})
    for carton, eid, n in found:
        kg, _ = _quantities(bodies[eid], ("quantityList",))
        if kg and n and carton not in carton_kg:
            carton_kg[carton] = {cls: q / n for cls, q in kg.items()}
    for s in ships:
        if s.problem is not None or s.kg:
            continue
        for node in s.instances:
            parts: list[dict[str, float]] = []
            if node in agg_events:
                if node in agg_unweighed:
                    s.problem = f"pallet {node}: a count in its aggregation cannot be weighed"
                    break
                parts.append(agg_kg.get(node, {}))
                for child in sorted(agg_children.get(node, ())):
                    if child not in carton_kg:
                        s.problem = f"carton {child}: no packing event with a mass quantity"
                        break
                    parts.append(carton_kg[child])
            elif node in carton_kg:
                parts.append(carton_kg[node])
            else:
                s.problem = f"{node}: no aggregation or packing event with a mass quantity"
            if s.problem:
                break
            for part in parts:
                for cls, q in part.items():
                    s.kg[cls] = s.kg.get(cls, 0.0) + q
        if s.problem is None and not s.kg:
            s.problem = "no mass quantity for the shipped identifiers"


_ORIGINS = f"""
WITH RECURSIVE walk(k, id, depth) AS (
    SELECT k, node, 0 FROM audit_ship_start
    UNION
    SELECT w.k, b.value, w.depth + 1
    FROM walk w
    JOIN epcis_event_keys a ON a.value = w.id
    JOIN epcis_event_keys b ON b.event = a.event
    WHERE w.depth < :max_depth AND {_EDGE}
)
SELECT DISTINCT w.k AS k, n.event AS event, e.biz_step AS biz_step, f.role AS role, f.value AS value
FROM walk w
JOIN epcis_event_keys n ON n.value = w.id AND n.role IN {_DESCRIBES!r}
JOIN epcis_event_keys f ON f.event = n.event AND f.role IN ('puc', 'phc')
JOIN epcis_events e ON e.id = n.event
"""


def _origins(
    conn: Connection, start: Table, pairs: list[tuple[int, str]]
) -> list[tuple[int, int, str | None, str, str]]:
    conn.execute(delete(start))
    for chunk in _chunks(pairs, 5000):
        conn.execute(insert(start), [{"k": k, "node": node} for k, node in chunk])
    rows = conn.execute(text(_ORIGINS), {"max_depth": MAX_DEPTH})
    return [(int(k), int(e), b, r, v) for k, e, b, r, v in rows]


def _lines(
    conn: Connection, ships: list[_Ship], sole_crop: dict[str, str]
) -> list[tuple[_Ship, list[dict[str, Any]]]]:
    """Resolve each event's lots to planting areas, packing houses and dates; the ledger rows."""
    keyed: list[tuple[_Ship, str, float]] = []
    for s in ships:
        if s.problem is None:
            keyed += [(s, cls, kg) for cls, kg in sorted(s.kg.items())]
    start = Table(
        "audit_ship_start",
        MetaData(),
        Column("k", Integer),
        Column("node", String(600)),
        prefixes=["TEMPORARY"],
    )
    start.create(conn, checkfirst=True)
    facts = _origins(conn, start, [(k, cls) for k, (_, cls, _) in enumerate(keyed)])
    bodies = _bodies(conn, {e for _, e, _, _, _ in facts})
    info: dict[int, dict[str, Any]] = {}
    for k, eid, step, role, value in facts:
        body = bodies[eid]
        d = info.setdefault(k, {"puc": set(), "phc": set(), "harvest": [], "pack": [], "crop": set()})
        d[role].add(value.strip().upper())
        prefixes = _prefixes(body)
        variety = crop_id(_vn(body, "variety", prefixes))
        if variety:
            d["crop"].add(variety)
        if role == "puc" and cbv_word(step or "") == "commissioning":
            day = _iso_day(_vn(body, "harvestDate", prefixes)) or _local_day(body)
            if day:
                d["harvest"].append(day)
        if role == "phc":
            day = _iso_day(_vn(body, "packingDate", prefixes)) or _local_day(body)
            if day:
                d["pack"].append(day)
    out: dict[int, list[dict[str, Any]]] = {}
    by_event: dict[int, _Ship] = {}
    for k, (s, cls, kg) in enumerate(keyed):
        by_event[s.rid] = s
        got = info.get(k)
        if s.problem is not None:
            continue
        if got is None or not got["puc"]:
            s.problem = f"lot {cls}: no planting area in the genealogy (harvest event not captured)"
            continue
        gtin, lot = _split_class(cls)
        pucs, phcs = sorted(got["puc"]), sorted(got["phc"]) or [None]
        share = kg / (len(pucs) * len(phcs))
        for puc in pucs:
            crop = next(iter(got["crop"])) if len(got["crop"]) == 1 else sole_crop.get(puc)
            for phc in phcs:
                out.setdefault(s.rid, []).append(
                    {
                        "puc": puc[:64],
                        "phc": phc[:64] if phc else None,
                        "gtin": gtin,
                        "lot": lot,
                        "crop": crop,
                        "market": s.market,
                        "harvest_date": min(got["harvest"]) if got["harvest"] else None,
                        "pack_date": min(got["pack"]) if got["pack"] else None,
                        "ship_date": s.day,
                        "quantity_kg": share,
                    }
                )
    return [(s, out.get(s.rid, [])) for s in by_event.values() if s.problem is None]


def declare_events(
    registry: Any,
    *,
    actor: str,
    rebuild: bool = False,
    dry_run: bool = False,
    max_unresolved: int = 100,
) -> EventsReport:
    """Declare the repository's shipping events into the ledger (see the module docstring); one
    transaction. ``rebuild``: remove every ``epcis`` line first. ``dry_run``: report, keep nothing."""
    report = EventsReport()
    now = utcnow()
    with registry.write(dry_run=dry_run) as session:
        conn = session.connection()
        if rebuild:
            report.removed = conn.execute(delete(LedgerRow).where(LedgerRow.source == "epcis")).rowcount or 0
        sole_crop = {
            code: crops[0]
            for code, crops in conn.execute(select(Code.code, Code.crops).where(Code.kind == "puc"))
            if isinstance(crops, list) and len(crops) == 1
        }
        # an event corrected by an error declaration is no shipment: its lines go, it is not read again
        declared = events.c.event_hash.like("%" + ERROR_DECLARATION_SUFFIX)
        retracted = select(func.substr(events.c.event_hash, 15, 64)).where(declared)
        report.retracted = (
            conn.execute(
                delete(LedgerRow).where(LedgerRow.source == "epcis", LedgerRow.source_sha256.in_(retracted))
            ).rowcount
            or 0
        )
        held = (
            select(LedgerRow.id)
            .where(
                LedgerRow.source == "epcis",
                LedgerRow.source_sha256 == text("substr(epcis_events.event_hash, 15, 64)"),
            )
            .exists()
        )
        pending = list(
            conn.execute(
                select(events.c.id)
                .where(
                    events.c.biz_step == "shipping",
                    ~declared,
                    ~held,
                    func.substr(events.c.event_hash, 15, 64).not_in(retracted),
                )
                .order_by(events.c.event_time, events.c.id)
            ).scalars()
        )
        for chunk in _chunks(pending, BATCH):
            ships: list[_Ship] = []
            rows = conn.execute(
                select(events.c.id, events.c.event_id, events.c.event_hash, events.c.job_id, events.c.body)
                .where(events.c.id.in_(list(chunk)))
                .order_by(events.c.event_time, events.c.id)
            ).all()
            for rid, event_id, event_hash, job, body in rows:
                report.events += 1
                data = json.loads(body)
                if data.get("action") == "DELETE":
                    continue
                ships.append(_ship(int(rid), event_id, event_hash, job, data))
            _instance_kg(conn, ships)
            batch: list[dict[str, Any]] = []
            for s, lines in _lines(conn, ships, sole_crop):
                report.declared_events += 1
                for n, line in enumerate(lines, 1):
                    batch.append(
                        {
                            **line,
                            "source": "epcis",
                            "source_name": f"epcis capture job {s.job}",
                            "source_sha256": s.sha,
                            "source_row": n,
                            "source_ref": s.event_id[:200],
                            "declared_by": actor,
                            "declared_at": now,
                            "cartons": 0,
                        }
                    )
                    report.quantity_kg += line["quantity_kg"]
            for part in _chunks(batch, 5000):
                session.execute(insert(LedgerRow), list(part))
            report.lines += len(batch)
            for s in ships:
                if s.problem is not None:
                    report.unresolved_events += 1
                    if len(report.unresolved) < max_unresolved:
                        report.unresolved.append({"eventID": s.event_id, "reason": s.problem})
        registry._audit(
            session, actor, "ledger.epcis", "epcis_events",
            {"events": report.declared_events, "lines": report.lines, "rebuild": rebuild},
        )  # fmt: skip
    report.applied = not dry_run
    return report
