"""Lot genealogy over the captured events, walked with recursive SQL (``WITH RECURSIVE``).

The graph's nodes are identifiers (canonical Digital Links: lots ``/01/…/10/…``, cartons
``/01/…/21/…``, pallets ``/00/…``); its edges come from the events' keys (``epcis_event_keys``):

* an aggregation puts its children (``childEPCs``, ``childQuantityList``) in its parent;
* an object event that names instances and a class (cartons packed from a lot; pallets shipped with
  the lot's quantity) ties the instances to the class;
* a transformation derives its outputs from its inputs.

:func:`trace` walks **backward** (from a pallet, carton or lot down to the lots it holds, their harvest
events, planting areas and packing houses) or **forward** (from a lot, a planting area or the harvests
of a date range up to every carton, pallet, shipment and destination). The walk is one recursive
query on either backend; Python only shapes the answer. :func:`svg` draws the graph.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from html import escape
from typing import Any

from sqlalchemy import bindparam, select, text

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.events.repository import canonical_id
from trace_std.events.repository.schema import event_keys, events
from trace_std.gs1.keys import to_gtin14
from trace_std.registry import db
from trace_std.registry.core import Registry

__all__ = ["MAX_DEPTH", "MAX_NODES", "Trace", "svg", "trace"]

MAX_DEPTH = 12
MAX_NODES = 20_000
# an edge a (upper) -> b (lower) inside one event: a contains / is made of b
_EDGE = (
    "((a.role = 'parent' AND b.role IN ('child', 'class'))"
    " OR (a.role = 'epc' AND b.role = 'class')"
    " OR (a.role IN ('output', 'outclass') AND b.role IN ('input', 'inclass')))"
)
_BACKWARD = f"""
WITH RECURSIVE walk(id, depth) AS (
    SELECT value, 0 FROM trace_start
    UNION
    SELECT b.value, w.depth + 1
    FROM walk w
    JOIN epcis_event_keys a ON a.value = w.id
    JOIN epcis_event_keys b ON b.event = a.event
    WHERE w.depth < :max_depth AND {_EDGE}
)
SELECT id, min(depth) AS depth FROM walk GROUP BY id ORDER BY min(depth), id LIMIT :max_nodes
"""
_FORWARD = f"""
WITH RECURSIVE walk(id, depth) AS (
    SELECT value, 0 FROM trace_start
    UNION
    SELECT a.value, w.depth + 1
    FROM walk w
    JOIN epcis_event_keys b ON b.value = w.id
    JOIN epcis_event_keys a ON a.event = b.event
    WHERE w.depth < :max_depth AND {_EDGE}
)
SELECT id, min(depth) AS depth FROM walk GROUP BY id ORDER BY min(depth), id LIMIT :max_nodes
"""


def _bad(field: str, message: str) -> TraceStdError:
    return TraceStdError.from_code(ErrorCode.EPCIS_QUERY_PARAMETER_INVALID, message, field=field)


@dataclasses.dataclass(frozen=True)
class Trace:
    """A walked graph: ``nodes`` (identifier, depth from the start), ``edges`` (upper, lower, the
    event's eventID), the ``events`` that name a node, and what they say: ``planting_areas``,
    ``packing_houses``, ``destinations``."""

    direction: str
    start: list[str]
    nodes: list[dict[str, Any]]
    edges: list[dict[str, str]]
    events: list[dict[str, Any]]
    planting_areas: list[str]
    packing_houses: list[str]
    destinations: list[str]
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "direction": self.direction,
            "start": self.start,
            "nodes": self.nodes,
            "edges": self.edges,
            "events": self.events,
            "plantingAreas": self.planting_areas,
            "packingHouses": self.packing_houses,
            "destinations": self.destinations,
            "truncated": self.truncated,
        }


def _kind(node: str) -> str:
    if "/00/" in node:
        return "pallet"
    if "/10/" in node:
        return "lot"
    if "/21/" in node:
        return "item"
    return "other"


def _start_nodes(
    conn: Any, *, gtin: str | None, lot: str | None, epc: str | None, puc: str | None,
    since: dt.datetime | None, until: dt.datetime | None,
) -> list[str]:  # fmt: skip
    if lot is not None or gtin is not None:
        if lot is None or gtin is None:
            raise _bad("lot" if lot is None else "gtin", "a lot needs its GTIN (gtin and lot)")
        try:
            g14 = to_gtin14(gtin)
        except TraceStdError as exc:
            raise _bad("gtin", exc.message) from None
        if not lot or len(lot) > 20:
            raise _bad("lot", "a lot of 1 to 20 characters")
        return [canonical_id(f"https://id.gs1.org/01/{g14}/10/{lot}")]
    if epc is not None:
        if len(epc) > 600:
            raise _bad("epc", "an identifier of at most 600 characters")
        return [canonical_id(epc)]
    if puc is not None or since is not None or until is not None:
        # the lots harvested there / then: the classes of commissioning events
        harvest = select(event_keys.c.event)
        conds = [events.c.biz_step == "commissioning"]
        if puc is not None:
            conds.append(
                events.c.id.in_(
                    harvest.where(event_keys.c.role == "puc", event_keys.c.value == puc.strip().upper())
                )
            )
        if since is not None:
            conds.append(events.c.event_time >= since)
        if until is not None:
            conds.append(events.c.event_time < until)
        stmt = (
            select(event_keys.c.value)
            .distinct()
            .where(event_keys.c.role == "class", event_keys.c.event.in_(select(events.c.id).where(*conds)))
            .limit(MAX_NODES)
        )
        return sorted(conn.execute(stmt).scalars())
    raise _bad("lot", "give gtin and lot, epc (an SSCC or carton), puc, or a date range")


def trace(
    registry: Registry,
    *,
    direction: str = "backward",
    gtin: str | None = None,
    lot: str | None = None,
    epc: str | None = None,
    puc: str | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    max_depth: int = MAX_DEPTH,
) -> Trace:
    """Walk the genealogy from a lot (``gtin`` + ``lot``), an identifier (``epc``: an SSCC, a carton
    SGTIN, in any spelling) or, forward only, the lots harvested in planting area ``puc`` and/or
    between ``since`` and ``until``."""
    if direction not in ("backward", "forward"):
        raise _bad("direction", "backward or forward")
    if direction == "backward" and epc is None and gtin is None and lot is None:
        raise _bad("lot", "a backward trace starts from gtin and lot, or an epc (SSCC, carton)")
    with db.unavailable_guard(), registry._read_engine.connect() as conn:
        start = _start_nodes(conn, gtin=gtin, lot=lot, epc=epc, puc=puc, since=since, until=until)
        nodes: dict[str, int] = {}
        pg = bool(start) and registry.backend == "postgresql"
        if pg:
            # the recursive walk's row estimate is the worst case (every key at every depth): at a
            # million events its cost passes jit_above_cost and JIT compilation alone takes
            # ~200 ms of a walk that runs in under 1 ms. Reads run in autocommit: a session
            # setting, reset before the connection goes back to the pool
            conn.exec_driver_sql("SET jit = off")
        try:
            if start:
                values = ", ".join(f"(:s{i})" for i in range(len(start)))
                sql = (_BACKWARD if direction == "backward" else _FORWARD).replace(
                    "WITH RECURSIVE", f"WITH RECURSIVE trace_start(value) AS (VALUES {values}),", 1
                )
                params = {f"s{i}": v for i, v in enumerate(start)}
                rows = conn.execute(
                    text(sql), {**params, "max_depth": int(max_depth), "max_nodes": MAX_NODES + 1}
                )
                nodes = {r.id: int(r.depth) for r in rows}
        finally:
            if pg:
                conn.exec_driver_sql("RESET jit")
        truncated = len(nodes) > MAX_NODES
        ids = list(nodes)[:MAX_NODES]
        edges, found, pucs, phcs, dests = _facts(conn, ids)
        conn.rollback()
    return Trace(
        direction=direction,
        start=start,
        nodes=[{"id": n, "depth": nodes[n], "kind": _kind(n)} for n in ids],
        edges=edges,
        events=found,
        planting_areas=pucs,
        packing_houses=phcs,
        destinations=dests,
        truncated=truncated,
    )


def _facts(
    conn: Any, ids: list[str]
) -> tuple[list[dict[str, str]], list[dict[str, Any]], list[str], list[str], list[str]]:
    if not ids:
        return [], [], [], [], []
    edges: set[tuple[str, str, int]] = set()
    event_ids: set[int] = set()
    edge_sql = text(
        "SELECT a.value AS upper, b.value AS lower, a.event AS event FROM epcis_event_keys a "
        f"JOIN epcis_event_keys b ON b.event = a.event WHERE a.value IN :ids AND b.value IN :all AND {_EDGE}"
    ).bindparams(bindparam("ids", expanding=True), bindparam("all", expanding=True))
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        event_ids.update(
            conn.execute(select(event_keys.c.event).where(event_keys.c.value.in_(chunk))).scalars()
        )
        if len(ids) <= 2000:
            edges.update(
                (r.upper, r.lower, r.event) for r in conn.execute(edge_sql, {"ids": chunk, "all": ids})
            )
    found: list[dict[str, Any]] = []
    names: dict[int, str] = {}
    pucs: set[str] = set()
    phcs: set[str] = set()
    dests: set[str] = set()
    ordered = sorted(event_ids)
    for i in range(0, len(ordered), 500):
        events_chunk = ordered[i : i + 500]
        for r in conn.execute(
            select(
                events.c.id, events.c.event_id, events.c.event_type, events.c.event_time, events.c.biz_step,
                events.c.biz_location, events.c.party,
            ).where(events.c.id.in_(events_chunk))
        ):  # fmt: skip
            names[r.id] = r.event_id
            moment = r.event_time if r.event_time.tzinfo else r.event_time.replace(tzinfo=dt.UTC)
            found.append({
                "eventID": r.event_id, "type": r.event_type, "eventTime": moment.isoformat(),
                "bizStep": r.biz_step, "bizLocation": r.biz_location, "party": r.party,
            })  # fmt: skip
        for role, value in conn.execute(
            select(event_keys.c.role, event_keys.c.value).where(
                event_keys.c.event.in_(events_chunk), event_keys.c.role.in_(("puc", "phc", "dst"))
            )
        ):
            {"puc": pucs, "phc": phcs, "dst": dests}[role].add(value.split(" ", 1)[-1])
    found.sort(key=lambda e: (e["eventTime"], e["eventID"]))
    edge_list = [{"from": u, "to": lo, "eventID": names.get(e, "")} for u, lo, e in sorted(edges)]
    return edge_list, found, sorted(pucs), sorted(phcs), sorted(dests)


def svg(result: Trace, *, max_nodes: int = 400) -> str:
    """The graph as an SVG picture: one column per depth, boxes for identifiers (lots, cartons,
    pallets), lines for the edges; the planting areas and packing houses in the caption."""
    nodes = result.nodes[:max_nodes]
    columns: dict[int, list[dict[str, Any]]] = {}
    for node in nodes:
        columns.setdefault(node["depth"], []).append(node)
    width, row_h, col_w = 340, 26, 360
    pos: dict[str, tuple[int, int]] = {}
    for depth, members in sorted(columns.items()):
        for i, node in enumerate(members):
            pos[node["id"]] = (20 + depth * col_w, 60 + i * row_h)
    height = 100 + row_h * max((len(m) for m in columns.values()), default=1)
    total_w = 40 + col_w * max(len(columns), 1)
    colours = {"pallet": "#fde2b3", "lot": "#c8e6c9", "item": "#e3f2fd", "other": "#eeeeee"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w}" height="{height}" '
        f'viewBox="0 0 {total_w} {height}" font-family="sans-serif" font-size="11">',
        f"<title>{escape(result.direction)} trace from {escape(', '.join(result.start[:3]))}</title>",
        f'<text x="20" y="24" font-size="13">{escape(result.direction.capitalize())} trace: '
        f"{len(result.nodes)} identifiers, {len(result.events)} events</text>",
        f'<text x="20" y="42">Planting areas: {escape(", ".join(result.planting_areas) or "-")}; '
        f"packing houses: {escape(', '.join(result.packing_houses) or '-')}</text>",
    ]
    for edge in result.edges:
        if edge["from"] in pos and edge["to"] in pos:
            (x1, y1), (x2, y2) = pos[edge["from"]], pos[edge["to"]]
            if x1 > x2:
                (x1, y1), (x2, y2) = (x2, y2), (x1, y1)
            parts.append(
                f'<line x1="{x1 + width}" y1="{y1 + 9}" x2="{x2}" y2="{y2 + 9}" '
                'stroke="#888" stroke-width="1"/>'
            )
    for node in nodes:
        x, y = pos[node["id"]]
        label = node["id"].removeprefix("https://id.gs1.org")
        parts.append(
            f'<g><rect x="{x}" y="{y}" width="{width}" height="18" rx="3" fill="{colours[node["kind"]]}" '
            f'stroke="#555"/><text x="{x + 4}" y="{y + 13}">{escape(label[:56])}</text></g>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def as_json(result: Trace) -> str:
    return json.dumps(result.as_dict(), ensure_ascii=False)
