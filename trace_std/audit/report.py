# ruff: noqa: E501
"""Findings written out: text (for a terminal), JSON, CSV and XLSX (for an inspector's spreadsheet)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from trace_std.audit import FORMATS
from trace_std.audit.rules import Finding
from trace_std.spreadsheet import neutralise

__all__ = ["COLUMNS", "FORMATS", "render"]

COLUMNS: tuple[str, ...] = (
    "code", "severity", "status", "rule", "season", "reason", "puc", "phc", "exporter", "market", "gtin", "lot",
    "crop", "evidence", "source", "file", "sha256", "row",
)  # fmt: skip


def _rows(findings: Sequence[Finding]) -> list[list[Any]]:
    out = []
    for f in findings:
        d = f.to_dict()
        s, p = d["subject"], d["provenance"]
        out.append(
            [d["code"], d["severity"], d["status"], d["rule"], d["season"], d["reason"],
             *(s.get(k) for k in ("puc", "phc", "exporter", "market", "gtin", "lot", "crop")),
             json.dumps(d["evidence"], ensure_ascii=False, sort_keys=True),
             p.get("source"), p.get("file"), p.get("sha256"), p.get("row")]
        )  # fmt: skip
    return out


def _safe(value: Any) -> Any:
    """A spreadsheet cell that no program will read as a formula (:func:`trace_std.spreadsheet.neutralise`)."""
    return neutralise(value) if isinstance(value, str) else value


def render(findings: Sequence[Finding], fmt: str) -> bytes:
    """The findings in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "json":
        body = {
            "status_wording": "needs inspection",
            "count": len(findings),
            "findings": [f.to_dict() for f in findings],
        }
        return (json.dumps(body, ensure_ascii=False, indent=1) + "\n").encode()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(COLUMNS)
        w.writerows([[_safe(v) for v in row] for row in _rows(findings)])
        return ("\ufeff" + buf.getvalue()).encode()
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("findings")
        ws.append(list(COLUMNS))
        for row in _rows(findings):
            ws.append([_safe(v) for v in row])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue()
    if fmt == "text":
        lines = [f"{len(findings)} finding(s); each needs inspection, none is a conclusion."]
        for f in findings:
            lines.append(f"{f.severity.upper():7} {f.code} [{f.season}] {f.summary}")
            lines.append(
                "        evidence: " + json.dumps(f.to_dict()["evidence"], ensure_ascii=False, sort_keys=True)
            )
            if f.provenance:
                p = f.provenance
                lines.append(
                    f"        from: {p.get('source')} {p.get('file')} row {p.get('row')} sha256={str(p.get('sha256'))[:12]}…"
                )
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
