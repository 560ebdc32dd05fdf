"""The audit scenario with what public verification can meet: a registered durian product and its lots,
an exporter's authorisation with a volume cap, and a stored audit run with an over-yield and an
unauthorised-use finding on PUC ``A``. The figures and names that must never be public are unusual
(``SECRETS``) so that a scan of public answers can look for them."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

from tests.audit import scenario as S
from trace_std.audit.authorisations import import_authorisations
from trace_std.audit.public import store_findings
from trace_std.audit.rules import run_audit
from trace_std.registry import Registry

GTIN = "08935234567895"
PACK = dt.date(2025, 5, 3)
LOT_OK, LOT_UNAUTHORISED, LOT_EXPORTER, LOT_SELF = "LOK1", "LBAD1", "LEXP1", "LSELF1"
EXPORTER = "Sentinel Export Trading Co"  # an authorisation's grantee: not public
PUBLIC_EXPORTER = "Durian Export JSC"  # the product's registered exporter (public open data)
CAP_KG = 86420.5  # that authorisation's volume cap: not public
OVER_KG = 4321987.0  # the declared volume of the over-yield line: not public
UNAUTH_KG = 1234.75  # the unauthorised line's volume
SECRETS = {
    "authorisation ref": "UQ-VN-DTOR",
    "authorisation exporter": EXPORTER,
    "ledger file digest": "b" * 64,
    "ledger file name": "season-ledger-private.csv",
}
RULE_WORDS = ("over_yield", "over-yield", "unauthorised", "unauthorized", "volume_cap", "audit.")
ACCUSATIONS = ("fraud", "gian lận", "lừa đảo", "欺诈", "诈骗", "мошеннич")


def _registry_file() -> bytes:
    doc: dict[str, Any] = {
        "format": "trace-std-registry",
        "version": "1",
        "codes": [],
        "products": [
            {"gtin": GTIN, "name": "Fresh durian", "crop": "durian", "variety": "Ri6", "exporter": PUBLIC_EXPORTER}
        ],
        "lots": [
            {"gtin": GTIN, "lot": lot, "puc": puc, "phc": phc, "harvest_date": "2025-05-01",
             "pack_date": PACK.isoformat(), "market": "CN"}
            for lot, puc, phc in (
                (LOT_OK, S.A, S.P),
                (LOT_UNAUTHORISED, S.A, S.Q),
                (LOT_EXPORTER, S.B, S.Q),
                (LOT_SELF, S.C, S.Q),
            )
        ],
    }  # fmt: skip
    return json.dumps(doc).encode()


def build(reg: Registry, *, store: bool = True) -> Registry:
    """The clean scenario, its product and lots, planted anomalies on PUC A, the stored audit run."""
    S.build(reg)
    # C's holder also operates packing house Q: packing C's fruit there is self-use
    reg.upsert_code({"code": S.C, "owner": "Holder C"}, actor="t")
    reg.upsert_code({"code": S.Q, "owner": "  holder   C "}, actor="t")
    report = reg.import_file(io.BytesIO(_registry_file()), actor="t", format="json")
    assert report.ok, report.to_dict()
    letter = {
        "ref": "UQ-VN-DTOR-EXP",
        "puc": S.B,
        "exporter": EXPORTER,
        "crops": ["durian"],
        "valid_from": "2025-01-01",
        "valid_to": "2025-12-31",
        "volume_cap_kg": CAP_KG,
    }
    assert import_authorisations(reg, json.dumps([letter]).encode(), actor="t").ok
    S.add_entries(
        reg,
        [
            S.line(S.A, S.P, kg=OVER_KG),
            S.line(S.A, S.Q, kg=UNAUTH_KG),
            S.line(S.A, S.P, harvest=PACK + dt.timedelta(days=2)),  # chronology: no notice
        ],
        source="labels",
        source_name=SECRETS["ledger file name"],
        sha256=SECRETS["ledger file digest"],
        actor="t",
    )
    if store:
        findings = run_audit(reg, season=2025)
        assert {f.rule for f in findings if f.subject.get("puc") == S.A} >= {"over_yield", "unauthorised"}
        store_findings(reg, findings, season=2025, actor="t")
    return reg


def label(puc: str, phc: str, lot: str, **extra: Any) -> dict[str, Any]:
    """A carton label of the scenario's product (valid by itself)."""
    return {
        "gtin": GTIN,
        "lot": lot,
        "harvest_date": "2025-05-01",
        "pack_date": PACK.isoformat(),
        "net_weight_kg": 10,
        "product_name": {"vi": "Sầu riêng tươi", "en": "Fresh durian"},
        "crop": "durian",
        "puc": puc,
        "phc": phc,
        "destination_market": "CN",
        "exporter": PUBLIC_EXPORTER,
        **extra,
    }


def secret_numbers(reg: Registry) -> dict[str, str]:
    """Every figure of the stored findings' evidence that is not public registry data, plus the cap."""
    from trace_std.audit.public import stored_findings

    # capacity = area × published ceiling × tolerance: public data, and so are distances and counts
    public_keys = {"area_ha", "capacity_t", "ceiling_t_per_ha", "tolerance", "lines", "max_km", "holders"}
    out = {"volume cap": _digits(CAP_KG), "over-yield volume": _digits(OVER_KG)}
    for f in stored_findings(reg, status=None):
        for key, value in f["evidence"].items():
            figure = isinstance(value, (int, float)) and not isinstance(value, bool)
            # short figures (3, 1.2) would match anything
            if key not in public_keys and figure and len(_digits(value)) >= 4:
                out[f"{f['rule']}.{key}"] = _digits(value)
    return out


def _digits(value: float) -> str:
    """The significant digits of a figure, as any locale's formatting keeps them (separators removed)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text.replace(".", "")
