# ruff: noqa: E501  (SQL statements read better unwrapped)
"""The audit rules: set-based SQL over the ledger, one statement (or two) per rule, on SQLite and
PostgreSQL alike.

Each rule is a record of the data table ``audit_rules`` (stable code ``audit.<rule>``, default
severity, parameters). A finding names its subject (PUC, PHC, lot...), the season, the evidence
(figures, dates, what the registry and the register say) and the provenance of an example ledger
line. It reads "needs inspection", never more.

The season is the calendar year of a line's pack date (its ship date when it has none).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Column, Date, Float, Integer, MetaData, String, Table, bindparam, select, text
from sqlalchemy.engine import Connection

from trace_std.audit import rule_names
from trace_std.audit.capacity import ceilings, default_tolerance
from trace_std.audit.models import Authorisation, AuthorisationEvent, LedgerRow
from trace_std.data import load
from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry.models import Code, StatusEvent

__all__ = ["RULES", "SEVERITIES", "Finding", "Rule", "rules", "run_audit"]

SEVERITIES: tuple[str, ...] = ("info", "warning", "error")
DAY = "COALESCE(l.pack_date, l.ship_date)"
SEASON = f"substr(CAST({DAY} AS VARCHAR(32)), 1, 4)"


@dataclasses.dataclass(frozen=True, slots=True)
class Rule:
    rule: str
    code: str
    severity: str
    title: str
    params: Mapping[str, Any]
    explains: str


@cache
def rules() -> dict[str, Rule]:
    return {
        r["rule"]: Rule(r["rule"], r["code"], r["severity"], r["title"], dict(r["params"]), r["explains"])
        for r in load("audit_rules")["records"]
    }


RULES: tuple[str, ...] = rule_names()


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    code: str
    severity: str
    subject: Mapping[str, Any]
    season: str | None
    reason: str
    evidence: Mapping[str, Any]
    provenance: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def summary(self) -> str:
        what = ", ".join(f"{k} {v}" for k, v in self.subject.items() if v is not None)
        return f"needs inspection: {rules()[self.rule].title} ({self.reason}) — {what}"

    def key(self) -> tuple[Any, ...]:
        return (
            self.rule,
            self.reason,
            self.season,
            tuple(sorted((k, str(v)) for k, v in self.subject.items())),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "code": self.code,
            "severity": self.severity,
            "status": "needs inspection",
            "summary": self.summary,
            "subject": dict(self.subject),
            "season": self.season,
            "reason": self.reason,
            "evidence": {
                k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.evidence.items()
            },
            "provenance": dict(self.provenance),
        }


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


class _Run:
    def __init__(self, conn: Connection, season: int | None, tolerance: float, severities: Mapping[str, str]):
        self.conn = conn
        self.tolerance = tolerance
        self.severities = severities
        self.season = season
        self.where = "1 = 1"
        self.params: dict[str, Any] = {}
        if season is not None:
            # COALESCE(pack_date, ship_date) in [d0, d1), spelt so that the planners estimate it
            # from the columns' statistics (an expression's range gets a blind 0.5 % on PostgreSQL)
            self.where = (
                "((l.pack_date >= :d0 AND l.pack_date < :d1)"
                " OR (l.pack_date IS NULL AND l.ship_date >= :d0 AND l.ship_date < :d1))"
            )
            self.params = {"d0": dt.date(season, 1, 1), "d1": dt.date(season + 1, 1, 1)}
        self.meta = MetaData()
        self.findings: list[Finding] = []
        self.examples: dict[int, Finding] = {}

    def q(self, sql: str, **params: Any) -> Any:
        stmt = text(sql)
        values = {k: v for k, v in {**self.params, **params}.items() if f":{k}" in sql}
        binds = [bindparam(k, type_=Date) for k, v in values.items() if isinstance(v, dt.date)]
        if binds:
            stmt = stmt.bindparams(*binds)
        return self.conn.execute(stmt, values)

    def add(
        self,
        rule: str,
        subject: dict[str, Any],
        season: Any,
        reason: str,
        evidence: dict[str, Any],
        example: Any,
    ) -> None:
        r = rules()[rule]
        f = Finding(
            rule,
            r.code,
            self.severities.get(rule, r.severity),
            subject,
            None if season is None else str(season),
            reason,
            evidence,
        )
        self.findings.append(f)
        if example is not None:
            self.examples[int(example)] = f

    # -- temporary tables ------------------------------------------------------------------------
    def temp(self, name: str, *cols: Column[Any], rows: Sequence[dict[str, Any]] = ()) -> None:
        table = Table(name, self.meta, *cols, prefixes=["TEMPORARY"])
        table.create(self.conn)
        if rows:
            self.conn.execute(table.insert(), list(rows))
        self.conn.execute(text(f"CREATE INDEX ix_{name} ON {name} ({cols[0].name})"))

    def fill(self, name: str, sql: str, **params: Any) -> None:
        """``INSERT INTO name ... SELECT`` (set-based); PostgreSQL then gets the temp table's statistics."""
        self.q(f"INSERT INTO {name} {sql}", **params)
        if self.conn.dialect.name == "postgresql":
            self.conn.execute(text(f"ANALYZE {name}"))

    def suspects(self, name: str, *cols: str, sql: str) -> None:
        """A temp table of the keys whose lines a rule must look at line by line (set-based filter)."""
        self.temp(name, *(Column(c, String(300)) for c in cols))
        self.fill(name, f"({', '.join(cols)}) {sql}")

    def keys(self) -> None:
        """One pass over the season's ledger: lines summed per (PUC, PHC, exporter, crop, market,
        season) with their first and last day. The rules judge a key whose whole span of days one
        valid period covers as clean without reading its lines again; only the other keys' lines are
        read (the covering index ``ix_ledger_audit`` serves both reads)."""
        self.temp(
            "audit_keys",
            Column("puc", String(64)),
            Column("phc", String(64)),
            Column("exporter", String(300)),
            Column("crop", String(64)),
            Column("market", String(8)),
            Column("season", String(8)),
            Column("n", Integer),
            Column("kg", Float),
            Column("d_min", Date),
            Column("d_max", Date),
            Column("example", Integer),
        )
        group = "l.puc, l.phc, l.exporter, l.crop, l.market"
        # with a season chosen every line is of that season: the grouping follows the index
        season = SEASON if self.season is None else f"'{int(self.season):04d}'"
        self.fill(
            "audit_keys",
            f"""(puc, phc, exporter, crop, market, season, n, kg, d_min, d_max, example)
            SELECT {group}, {season}, COUNT(*), SUM(l.quantity_kg), MIN({DAY}), MAX({DAY}), MIN(l.id)
            FROM ledger l WHERE {self.where}
            GROUP BY {group}{f", {SEASON}" if self.season is None else ""}""",
        )

    def status_periods(self) -> None:
        """Each code's status periods [d_from, d_to) from its history (LEAD over the events)."""
        self.temp(
            "audit_status",
            Column("code", String(64)),
            Column("status", String(16)),
            Column("d_from", Date),
            Column("d_to", Date),
        )
        self.fill(
            "audit_status",
            f"""(code, status, d_from, d_to)
            SELECT code, status, d_from, d_to FROM (
                SELECT c.code AS code, e.to_status AS status, e.date AS d_from,
                       LEAD(e.date) OVER (PARTITION BY e.code_id ORDER BY e.date, e.id) AS d_to
                FROM {StatusEvent.__tablename__} e JOIN codes c ON c.id = e.code_id) x
            WHERE d_to IS NULL OR d_to > d_from""",
        )

    def auth_periods(self) -> None:
        """Each authorisation's active periods (LEAD over its history; a period ends the day before
        the next event), cut to the letter's window, one row per crop (``*``: every crop)."""
        self.temp(
            "audit_auth",
            Column("puc", String(64)),
            Column("phc", String(64)),
            Column("exporter", String(300)),
            Column("crop", String(64)),
            Column("d_from", Date),
            Column("d_to", Date),
            Column("ref", String(100)),
        )
        if self.conn.dialect.name == "postgresql":
            end = "(e.next_day - 1)"
            crops = (
                "LEFT JOIN LATERAL json_array_elements_text(CASE WHEN json_typeof(a.crops) = 'array' "
                "THEN a.crops ELSE '[]'::json END) AS j(value) ON true"
            )
        else:
            end = "date(e.next_day, '-1 day')"
            crops = "LEFT JOIN json_each(a.crops) AS j"
        start = "CASE WHEN e.day < a.valid_from THEN a.valid_from ELSE e.day END"
        stop = f"""CASE WHEN e.next_day IS NULL THEN a.valid_to WHEN a.valid_to IS NULL THEN {end}
                        WHEN {end} < a.valid_to THEN {end} ELSE a.valid_to END"""
        self.fill(
            "audit_auth",
            f"""(puc, phc, exporter, crop, d_from, d_to, ref)
            SELECT p.code, h.code, a.exporter, COALESCE(j.value, '*'), x.d_from, x.d_to, a.ref
            FROM (
                SELECT e.aid AS aid, {start} AS d_from, {stop} AS d_to
                FROM (SELECT authorisation_id AS aid, to_status AS status, date AS day,
                             LEAD(date) OVER (PARTITION BY authorisation_id ORDER BY date, id) AS next_day
                      FROM {AuthorisationEvent.__tablename__}) e
                JOIN {Authorisation.__tablename__} a ON a.id = e.aid
                WHERE e.status = 'active') x
            JOIN {Authorisation.__tablename__} a ON a.id = x.aid
            JOIN codes p ON p.id = a.puc_id
            LEFT JOIN codes h ON h.id = a.phc_id
            {crops}
            WHERE x.d_to IS NULL OR x.d_to >= x.d_from""",
        )

    # -- rules -----------------------------------------------------------------------------------
    def over_yield(self) -> None:
        cs = ceilings()
        if not cs:
            return
        cases = " ".join(f"WHEN :c{i} THEN :y{i}" for i in range(len(cs)))
        params: dict[str, Any] = {}
        for i, c in enumerate(cs.values()):
            params[f"c{i}"], params[f"y{i}"] = c.crop, c.t_per_ha
        ceiling = f"(CASE k.crop {cases} ELSE NULL END)"
        sql = f"""
            SELECT k.puc, k.crop, k.season, SUM(k.kg) AS kg, SUM(k.n) AS n, MAX(c.area_ha) AS area, MIN(k.example) AS example
            FROM audit_keys k JOIN codes c ON c.code = k.puc
            WHERE k.crop IS NOT NULL AND c.area_ha IS NOT NULL AND {ceiling} IS NOT NULL
            GROUP BY k.puc, k.crop, k.season
            HAVING SUM(k.kg) > MAX(c.area_ha) * 1000.0 * MAX({ceiling}) * :tol
        """
        for puc, crop, season, kg, n, area, example in self.q(sql, tol=self.tolerance, **params):
            c = cs[crop]
            capacity_t = area * c.t_per_ha * self.tolerance
            self.add(
                "over_yield",
                {"puc": puc, "crop": crop},
                season,
                "volume above capacity",
                {
                    "declared_t": round(kg / 1000, 3),
                    "capacity_t": round(capacity_t, 3),
                    "area_ha": area,
                    "ceiling_t_per_ha": c.t_per_ha,
                    "tolerance": self.tolerance,
                    "ratio": round(kg / 1000 / capacity_t, 3),
                    "lines": int(n),
                    "yield_sources": list(c.sources),
                },
                example,
            )

    def unauthorised(self) -> None:
        # keys that no single authorisation period covers from their first to their last day
        self.suspects(
            "audit_sus_auth",
            "puc",
            "phc",
            "exporter",
            "crop",
            sql="""
            SELECT DISTINCT k.puc, k.phc, k.exporter, k.crop FROM audit_keys k
            WHERE k.d_min IS NOT NULL AND (k.phc IS NOT NULL OR k.exporter IS NOT NULL)
              AND NOT EXISTS (
                SELECT 1 FROM audit_auth t
                WHERE t.puc = k.puc
                  AND ((k.phc IS NOT NULL AND t.phc = k.phc) OR (k.exporter IS NOT NULL AND t.exporter = k.exporter))
                  AND (t.crop = '*' OR k.crop IS NULL OR t.crop = k.crop)
                  AND t.d_from <= k.d_min AND (t.d_to IS NULL OR k.d_max <= t.d_to))""",
        )
        sql = f"""
            SELECT l.puc, l.phc, l.exporter, {SEASON} AS season, COUNT(*) AS n, SUM(l.quantity_kg) AS kg,
                   MIN({DAY}) AS first_day, MAX({DAY}) AS last_day, MIN(l.id) AS example
            FROM audit_sus_auth s CROSS JOIN ledger l
            WHERE l.puc = s.puc AND {_same("l.phc", "s.phc")} AND {_same("l.exporter", "s.exporter")} AND {_same("l.crop", "s.crop")}
              AND {self.where} AND {DAY} IS NOT NULL AND (l.phc IS NOT NULL OR l.exporter IS NOT NULL)
              AND NOT EXISTS (
                SELECT 1 FROM audit_auth t
                WHERE t.puc = l.puc
                  AND ((l.phc IS NOT NULL AND t.phc = l.phc) OR (l.exporter IS NOT NULL AND t.exporter = l.exporter))
                  AND (t.crop = '*' OR l.crop IS NULL OR t.crop = l.crop)
                  AND t.d_from <= {DAY} AND (t.d_to IS NULL OR {DAY} <= t.d_to))
            GROUP BY l.puc, l.phc, l.exporter, {SEASON}
        """
        found = list(self.q(sql))
        if not found:
            return
        known: dict[str, list[str]] = {}
        for puc, ref in self.q(
            "SELECT DISTINCT puc, ref FROM audit_auth WHERE puc IN (SELECT puc FROM audit_sus_auth) ORDER BY puc, ref"
        ):
            known.setdefault(puc, []).append(ref)
        for puc, phc, exporter, season, n, kg, first, last, example in found:
            self.add(
                "unauthorised",
                {"puc": puc, "phc": phc, "exporter": exporter},
                season,
                "no valid authorisation on the pack date",
                {
                    "lines": n,
                    "declared_kg": round(kg, 3),
                    "first_pack_date": _date(first),
                    "last_pack_date": _date(last),
                    "authorisations_of_puc": known.get(puc, [])[:5],
                },
                example,
            )

    def volume_cap(self) -> None:
        # the capped authorisations, one row each (a letter names one PUC and one grantee)
        self.suspects(
            "audit_vc_ref",
            "ref",
            "puc",
            "phc",
            "exporter",
            sql="""
            SELECT DISTINCT t.ref, t.puc, t.phc, t.exporter FROM audit_auth t JOIN authorisations a ON a.ref = t.ref
            WHERE a.volume_cap_kg IS NOT NULL""",
        )
        self.temp(
            "audit_vc",
            Column("ref", String(100)),
            Column("kg", Float),
            Column("n", Integer),
            Column("d_min", Date),
            Column("d_max", Date),
            Column("season", String(8)),
            Column("example", Integer),
        )
        grantee = """r.puc = k.puc
              AND ((k.phc IS NOT NULL AND r.phc = k.phc) OR (k.exporter IS NOT NULL AND r.exporter = k.exporter))"""

        def period(crop: str, first: str, last: str) -> str:
            return f"""EXISTS (SELECT 1 FROM audit_auth t WHERE t.ref = r.ref AND (t.crop = '*' OR {crop} IS NULL OR t.crop = {crop})
                  AND t.d_from <= {first} AND (t.d_to IS NULL OR {last} <= t.d_to))"""

        # keys whose whole span one period of the letter covers count whole (a key with a day holds
        # no line without one: the day's year is part of the key)
        self.fill(
            "audit_vc",
            f"""(ref, kg, n, d_min, d_max, season, example)
            SELECT r.ref, k.kg, k.n, k.d_min, k.d_max, k.season, k.example
            FROM audit_vc_ref r JOIN audit_keys k ON {grantee}
            WHERE k.d_min IS NOT NULL AND {period("k.crop", "k.d_min", "k.d_max")}""",
        )
        # keys a period of the letter only overlaps: their lines one by one
        self.fill(
            "audit_vc",
            f"""(ref, kg, n, d_min, d_max, season, example)
            SELECT r.ref, l.quantity_kg, 1, {DAY}, {DAY}, {SEASON}, l.id
            FROM audit_vc_ref r JOIN audit_keys k ON {grantee} CROSS JOIN ledger l
            WHERE k.d_min IS NOT NULL AND NOT {period("k.crop", "k.d_min", "k.d_max")}
              AND {period("k.crop", "k.d_max", "k.d_min")}
              AND l.puc = k.puc AND {_same("l.phc", "k.phc")} AND {_same("l.exporter", "k.exporter")}
              AND {_same("l.crop", "k.crop")} AND {_same("l.market", "k.market")} AND {SEASON} = k.season
              AND {self.where} AND {period("l.crop", DAY, DAY)}""",
        )
        sql = """
            SELECT v.ref, MAX(a.volume_cap_kg), SUM(v.kg), SUM(v.n), MIN(v.d_min), MAX(v.d_max), MAX(v.season),
                   MIN(v.example), r.puc, r.phc, r.exporter
            FROM audit_vc v JOIN audit_vc_ref r ON r.ref = v.ref JOIN authorisations a ON a.ref = v.ref
            GROUP BY v.ref, r.puc, r.phc, r.exporter
            HAVING SUM(v.kg) > MAX(a.volume_cap_kg)
        """
        for ref, cap, kg, n, first, last, season, example, puc, phc, exporter in self.q(sql):
            self.add(
                "volume_cap",
                {"puc": puc, "phc": phc, "exporter": exporter, "authorisation": ref},
                season,
                "declared volume above the authorisation's cap",
                {
                    "declared_kg": round(kg, 3),
                    "volume_cap_kg": cap,
                    "ratio": round(kg / cap, 3) if cap else None,
                    "lines": n,
                    "first_pack_date": _date(first),
                    "last_pack_date": _date(last),
                },
                example,
            )

    def inactive(self) -> None:
        for col in ("puc", "phc"):
            # codes that no single active status period covers over all their lines' days
            self.suspects(
                f"audit_sus_st_{col}",
                "code",
                sql=f"""
                SELECT x.code FROM (
                    SELECT k.{col} AS code, MIN(k.d_min) AS d0, MAX(k.d_max) AS d1 FROM audit_keys k
                    WHERE k.{col} IS NOT NULL AND k.d_min IS NOT NULL GROUP BY k.{col}) x
                WHERE NOT EXISTS (
                    SELECT 1 FROM audit_status p WHERE p.code = x.code AND p.status = 'active'
                      AND p.d_from <= x.d0 AND (p.d_to IS NULL OR x.d1 < p.d_to))""",
            )
            sql = f"""
                SELECT l.{col}, COALESCE(p.status, CASE WHEN c.id IS NULL THEN 'not registered' ELSE 'not yet issued' END),
                       {SEASON} AS season, COUNT(*), SUM(l.quantity_kg), MIN({DAY}), MAX({DAY}), MIN(l.id)
                FROM audit_sus_st_{col} s CROSS JOIN ledger l
                LEFT JOIN codes c ON c.code = l.{col}
                LEFT JOIN audit_status p ON p.code = l.{col} AND p.d_from <= {DAY} AND (p.d_to IS NULL OR {DAY} < p.d_to)
                WHERE l.{col} = s.code AND {self.where} AND l.{col} IS NOT NULL AND {DAY} IS NOT NULL
                  AND (p.status IS NULL OR p.status <> 'active')
                GROUP BY l.{col}, COALESCE(p.status, CASE WHEN c.id IS NULL THEN 'not registered' ELSE 'not yet issued' END), {SEASON}
            """
            for code, status, season, n, kg, first, last, example in self.q(sql):
                self.add(
                    "inactive",
                    {col: code},
                    season,
                    f"{col.upper()} {status} on the pack date",
                    {
                        "status_on_pack_date": status,
                        "lines": n,
                        "declared_kg": round(kg, 3),
                        "first_pack_date": _date(first),
                        "last_pack_date": _date(last),
                    },
                    example,
                )
            # (code, market) pairs that no single active approval covers over all their lines' days
            self.suspects(
                f"audit_sus_ap_{col}",
                "code",
                "market",
                sql=f"""
                SELECT x.code, x.market FROM (
                    SELECT k.{col} AS code, k.market AS market, MIN(k.d_min) AS d0, MAX(k.d_max) AS d1
                    FROM audit_keys k JOIN codes c ON c.code = k.{col}
                    WHERE k.market IN (SELECT DISTINCT market FROM market_approvals) AND k.d_min IS NOT NULL
                    GROUP BY k.{col}, k.market) x
                WHERE NOT EXISTS (
                    SELECT 1 FROM market_approvals a JOIN codes c ON c.id = a.code_id
                    WHERE c.code = x.code AND a.market = x.market AND a.status = 'active'
                      AND (a.approved IS NULL OR a.approved <= x.d0) AND (a.valid_to IS NULL OR x.d1 <= a.valid_to))""",
            )
            sql = f"""
                SELECT l.{col}, l.market, {SEASON} AS season, COUNT(*), SUM(l.quantity_kg), MIN({DAY}), MAX({DAY}), MIN(l.id)
                FROM audit_sus_ap_{col} s CROSS JOIN ledger l JOIN codes c ON c.code = l.{col}
                WHERE l.{col} = s.code AND l.market = s.market AND {self.where} AND {DAY} IS NOT NULL
                  AND NOT EXISTS (
                    SELECT 1 FROM market_approvals a WHERE a.code_id = c.id AND a.market = l.market AND a.status = 'active'
                      AND (a.approved IS NULL OR a.approved <= {DAY}) AND (a.valid_to IS NULL OR {DAY} <= a.valid_to))
                GROUP BY l.{col}, l.market, {SEASON}
            """
            found = list(self.q(sql))
            if not found:
                continue
            approvals = {
                (code, market): (status, approved, valid_to)
                for code, market, status, approved, valid_to in self.q(
                    f"SELECT c.code, a.market, a.status, a.approved, a.valid_to FROM audit_sus_ap_{col} s "
                    "JOIN codes c ON c.code = s.code JOIN market_approvals a ON a.code_id = c.id AND a.market = s.market"
                )
            }
            for code, market, season, n, kg, first, last, example in found:
                approval = approvals.get((code, market))
                self.add(
                    "inactive",
                    {col: code, "market": market},
                    season,
                    f"{col.upper()} not approved for {market} on the pack date",
                    {
                        "approval": None
                        if approval is None
                        else {
                            "status": approval[0],
                            "approved": str(approval[1]) if approval[1] else None,
                            "valid_to": str(approval[2]) if approval[2] else None,
                        },
                        "lines": n,
                        "declared_kg": round(kg, 3),
                        "first_pack_date": _date(first),
                        "last_pack_date": _date(last),
                    },
                    example,
                )

    def gacc_mismatch(self) -> None:
        valid = f"r.status = 'active' AND (r.valid_from IS NULL OR r.valid_from <= {DAY}) AND (r.valid_to IS NULL OR {DAY} <= r.valid_to)"
        for col in ("puc", "phc"):
            # (code, market, crop) keys that no single register row covers over all their lines' days
            self.suspects(
                f"audit_sus_reg_{col}",
                "code",
                "market",
                "crop",
                sql=f"""
                SELECT DISTINCT k.{col}, k.market, k.crop FROM audit_keys k
                WHERE k.{col} IS NOT NULL AND k.d_min IS NOT NULL
                  AND k.market IN (SELECT DISTINCT market FROM market_registers)
                  AND NOT EXISTS (
                    SELECT 1 FROM market_registers r WHERE r.market = k.market AND r.code = k.{col} AND r.status = 'active'
                      AND (r.valid_from IS NULL OR r.valid_from <= k.d_min) AND (r.valid_to IS NULL OR k.d_max <= r.valid_to)
                      AND (k.crop IS NULL OR r.product IS NULL OR r.product = k.crop))""",
            )
            reason = f"""CASE
                WHEN NOT EXISTS (SELECT 1 FROM market_registers r WHERE r.market = l.market AND r.code = l.{col}) THEN 'missing'
                WHEN NOT EXISTS (SELECT 1 FROM market_registers r WHERE r.market = l.market AND r.code = l.{col} AND {valid}) THEN 'not valid'
                WHEN l.crop IS NOT NULL AND NOT EXISTS (SELECT 1 FROM market_registers r WHERE r.market = l.market AND r.code = l.{col}
                     AND {valid} AND (r.product IS NULL OR r.product = l.crop)) THEN 'other product'
                ELSE NULL END"""
            sql = f"""
                SELECT code, market, season, reason, COUNT(*), SUM(kg), MIN(day), MAX(day), MIN(id), MAX(crop) FROM (
                    SELECT l.{col} AS code, l.market AS market, {SEASON} AS season, {reason} AS reason,
                           l.quantity_kg AS kg, {DAY} AS day, l.id AS id, l.crop AS crop
                    FROM audit_sus_reg_{col} s CROSS JOIN ledger l
                    WHERE l.{col} = s.code AND l.market = s.market AND {_same("l.crop", "s.crop")}
                      AND {self.where} AND l.{col} IS NOT NULL AND {DAY} IS NOT NULL
                ) x WHERE reason IS NOT NULL
                GROUP BY code, market, season, reason
            """
            found = list(self.q(sql))
            if not found:
                continue
            listed: dict[tuple[str, str], list[dict[str, Any]]] = {}
            for market, code, state, status, product, vfrom, vto in self.q(
                "SELECT r.market, r.code, r.state, r.status, r.product_as_listed, r.valid_from, r.valid_to "
                "FROM market_registers r WHERE EXISTS ("
                f"SELECT 1 FROM audit_sus_reg_{col} s WHERE s.code = r.code AND s.market = r.market) ORDER BY r.id"
            ):
                listed.setdefault((market, code), []).append(
                    {
                        "state": state,
                        "status": status,
                        "product": product,
                        "valid_from": str(vfrom) if vfrom else None,
                        "valid_to": str(vto) if vto else None,
                    }
                )
            for code, market, season, why, n, kg, first, last, example, crop in found:
                self.add(
                    "gacc_mismatch",
                    {col: code, "market": market},
                    season,
                    f"{why} in the {market} register",
                    {
                        "register_rows": listed.get((market, code), [])[:10],
                        "declared_crop": crop,
                        "lines": n,
                        "declared_kg": round(kg, 3),
                        "first_pack_date": _date(first),
                        "last_pack_date": _date(last),
                    },
                    example,
                )

    def chronology(self) -> None:
        # the few lines out of order first (one scan), then their groups: grouping the ledger itself
        # leads SQLite without statistics to walk an index with a table look-up per line
        self.temp(
            "audit_chrono",
            Column("puc", String(64)),
            Column("gtin", String(14)),
            Column("lot", String(64)),
            Column("reason", String(32)),
            Column("season", String(8)),
            Column("harvest_date", Date),
            Column("pack_date", Date),
            Column("ship_date", Date),
            Column("id", Integer),
        )
        why = "CASE WHEN l.pack_date < l.harvest_date THEN 'packed before harvest' ELSE 'shipped before packing' END"
        self.fill(
            "audit_chrono",
            f"""(puc, gtin, lot, reason, season, harvest_date, pack_date, ship_date, id)
            SELECT l.puc, l.gtin, l.lot, {why}, {SEASON}, l.harvest_date, l.pack_date, l.ship_date, l.id
            FROM ledger l
            WHERE {self.where} AND (l.pack_date < l.harvest_date OR l.ship_date < l.pack_date)""",
        )
        sql = """
            SELECT puc, gtin, lot, reason, season, COUNT(*), MIN(harvest_date), MIN(pack_date), MIN(ship_date), MIN(id)
            FROM audit_chrono GROUP BY puc, gtin, lot, reason, season
        """
        for puc, gtin, lot, reason, season, n, harvest, pack, ship, example in self.q(sql):
            self.add(
                "chronology",
                {"puc": puc, "gtin": gtin, "lot": lot},
                season,
                reason,
                {
                    "harvest_date": _date(harvest),
                    "pack_date": _date(pack),
                    "ship_date": _date(ship),
                    "lines": n,
                },
                example,
            )

    def geography(self) -> None:
        max_km = float(rules()["geography"].params["max_km"])
        pairs = list(
            self.q("""
                SELECT k.puc, k.phc, k.season, SUM(k.n), MIN(k.example) FROM audit_keys k
                WHERE k.phc IS NOT NULL GROUP BY k.puc, k.phc, k.season
            """)
        )
        where: dict[str, tuple[float, float]] = {}
        for code, geometry in self.conn.execute(
            text(
                "SELECT c.code, c.geometry FROM codes c WHERE c.code IN ("
                "SELECT puc FROM audit_keys WHERE phc IS NOT NULL UNION SELECT phc FROM audit_keys WHERE phc IS NOT NULL)"
            ).columns(Code.__table__.c.code, Code.__table__.c.geometry)
        ):
            point = _centre(geometry)
            if point is not None:
                where[code] = point
        for puc, phc, season, n, example in pairs:
            if puc not in where or phc not in where:
                continue
            km = _haversine_km(where[puc], where[phc])
            if km > max_km:
                self.add(
                    "geography",
                    {"puc": puc, "phc": phc},
                    season,
                    "packing house far from the planting area",
                    {
                        "distance_km": round(km, 1),
                        "max_km": max_km,
                        "lines": int(n),
                    },
                    example,
                )

    def one_lot_many_origins(self) -> None:
        # lots declared from more than one PUC (any season): only they can have several holders
        self.suspects(
            "audit_sus_lot",
            "lot",
            "gtin",
            sql="SELECT l.lot, l.gtin FROM ledger l WHERE l.lot IS NOT NULL GROUP BY l.lot, l.gtin HAVING MIN(l.puc) <> MAX(l.puc)",
        )
        sql = f"""
            SELECT l.gtin, l.lot, {SEASON} AS season, COUNT(DISTINCT c.owner), COUNT(DISTINCT l.puc), MIN(l.id)
            FROM audit_sus_lot s CROSS JOIN ledger l JOIN codes c ON c.code = l.puc
            WHERE l.lot = s.lot AND {_same("l.gtin", "s.gtin")} AND {self.where} AND l.lot IS NOT NULL AND c.owner IS NOT NULL
            GROUP BY l.gtin, l.lot, {SEASON}
            HAVING COUNT(DISTINCT c.owner) > 1
        """
        found = list(self.q(sql))
        if not found:
            return
        pucs: dict[tuple[Any, Any], set[str]] = {}
        for gtin, lot, puc in self.q(
            "SELECT DISTINCT s.gtin, s.lot, l.puc FROM audit_sus_lot s CROSS JOIN ledger l "
            f"WHERE l.lot = s.lot AND {_same('l.gtin', 's.gtin')}"
        ):
            pucs.setdefault((gtin, lot), set()).add(puc)
        for gtin, lot, season, holders, _pucs, example in found:
            self.add(
                "one_lot_many_origins",
                {"gtin": gtin, "lot": lot},
                season,
                "one lot from PUCs of different holders",
                {
                    "holders": holders,
                    "pucs": sorted(pucs.get((gtin, lot), ()))[:20],
                },
                example,
            )

    def provenance(self) -> None:
        ids = sorted(self.examples)
        for chunk in _chunks(ids, 500):
            rows = self.conn.execute(
                select(
                    LedgerRow.id,
                    LedgerRow.source,
                    LedgerRow.source_name,
                    LedgerRow.source_sha256,
                    LedgerRow.source_row,
                    LedgerRow.source_ref,
                    LedgerRow.declared_by,
                ).where(LedgerRow.id.in_(chunk))
            )
            for lid, source, name, sha, row, ref, by in rows:
                f = self.examples[lid]
                object.__setattr__(
                    f,
                    "provenance",
                    {
                        "ledger_id": lid,
                        "source": source,
                        "file": name,
                        "sha256": sha,
                        "row": row,
                        "ref": ref,
                        "declared_by": by,
                    },
                )


def _same(a: str, b: str) -> str:
    """``a`` equals ``b``, NULL equal to NULL (portable: SQLite's ``IS`` and PostgreSQL's
    ``IS NOT DISTINCT FROM`` differ)."""
    return f"({a} = {b} OR ({a} IS NULL AND {b} IS NULL))"


def _chunks(items: Sequence[Any], n: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), n):
        yield items[i : i + n]


def _centre(geometry: Any) -> tuple[float, float] | None:
    """(lon, lat) of a GeoJSON Point, or the mean vertex of a Polygon's outer ring."""
    if not isinstance(geometry, dict):
        return None
    try:
        if geometry.get("type") == "Point":
            lon, lat = geometry["coordinates"][:2]
            return float(lon), float(lat)
        if geometry.get("type") == "Polygon":
            ring = geometry["coordinates"][0]
            return sum(float(p[0]) for p in ring) / len(ring), sum(float(p[1]) for p in ring) / len(ring)
    except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError):
        return None
    return None


def _haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(h)))


def _option(message: str, **context: Any) -> TraceStdError:
    return TraceStdError.from_code(ErrorCode.AUDIT_OPTION_INVALID, message, context=context)


def run_audit(
    registry: Any,
    *,
    season: int | None = None,
    rules_: Sequence[str] | None = None,
    tolerance: float | None = None,
    severities: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Run the audit rules (all by default) over the ledger; findings sorted by rule, season, subject.

    Raises ``audit.rule.unknown`` for an unknown rule and ``audit.option.invalid`` for a bad season,
    tolerance or severity.
    """
    chosen = list(rules_ if rules_ else RULES)
    for r in chosen:
        if r not in RULES:
            raise TraceStdError.from_code(
                ErrorCode.AUDIT_RULE_UNKNOWN, f"unknown rule {r!r}", context={"expected": list(RULES)}
            )
    if season is not None and (
        isinstance(season, bool) or not isinstance(season, int) or not 1900 <= season <= 2999
    ):
        raise _option("season must be a year", actual=str(season)[:20])
    tol = default_tolerance() if tolerance is None else tolerance
    if isinstance(tol, bool) or not isinstance(tol, (int, float)) or not (0 < tol < 1000) or math.isnan(tol):
        raise _option("tolerance must be a number above 0", actual=str(tolerance)[:20])
    sev = dict(severities or {})
    for r, s in sev.items():
        if r not in RULES:
            raise TraceStdError.from_code(
                ErrorCode.AUDIT_RULE_UNKNOWN, f"unknown rule {r!r}", context={"expected": list(RULES)}
            )
        if s not in SEVERITIES:
            raise _option(f"severity must be one of {', '.join(SEVERITIES)}", actual=str(s)[:20])
    with registry.read() as session:
        run = _Run(session.connection(), season, float(tol), sev)
        if run.conn.dialect.name == "postgresql":
            # short statements whose estimates are pessimistic: JIT compiling them costs seconds;
            # the one-pass sums and the lots' grouping hash in memory instead of spilling
            run.conn.execute(text("SET LOCAL jit = off"))
            run.conn.execute(text("SET LOCAL work_mem = '64MB'"))
        if set(chosen) & {
            "over_yield",
            "unauthorised",
            "volume_cap",
            "inactive",
            "gacc_mismatch",
            "geography",
        }:
            run.keys()
        if "unauthorised" in chosen or "volume_cap" in chosen:
            run.auth_periods()
        if "inactive" in chosen:
            run.status_periods()
        for r in RULES:
            if r in chosen:
                getattr(run, r)()
        run.provenance()
    return sorted(
        run.findings,
        key=lambda f: (RULES.index(f.rule), f.season or "", str(sorted(f.subject.items())), f.reason),
    )
