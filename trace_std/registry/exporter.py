"""Open-data export (JSON or CSV) with provenance: generation time, source and a SHA-256 checksum.

The checksum covers the *data*, not the provenance, so two exports of the same registry have the
same checksum whenever they were made:

* JSON: SHA-256 of the canonical JSON (UTF-8, keys sorted, no spaces) of
  ``{"codes": [...], "lots": [...], "products": [...]}``;
* CSV: SHA-256 of the bytes after the ``#`` provenance lines.

Records are sorted (codes by code, products by GTIN, lots by GTIN and lot). A path is written to a
temporary file in the same directory, flushed to disk, then renamed over the target, so a reader
sees the old file or the new one, never a partial file.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from trace_std import __version__
from trace_std.registry import db
from trace_std.registry.importer import CSV_COLUMNS, FORMAT_NAME, FORMAT_VERSION
from trace_std.registry.models import Code, Lot, Product
from trace_std.registry.records import ExportInfo

__all__ = ["SCHEMA_ID", "collect", "export", "json_checksum"]

SCHEMA_ID = "https://trace-std.org/schemas/v1/registry-export.schema.json"


def collect(registry: Any) -> dict[str, list[dict[str, Any]]]:
    """Every code, product and lot as open-data records, read from one consistent snapshot."""
    from trace_std.registry.core import code_record

    with db.unavailable_guard(), registry.engine.connect() as conn:
        if registry.backend == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with Session(bind=conn) as s:
            codes = [
                code_record(c).to_dict()
                for c in s.scalars(
                    select(Code)
                    .order_by(Code.code)
                    .options(selectinload(Code.approvals), selectinload(Code.history))
                )
            ]
            products = [
                {"gtin": p.gtin, "name": p.name, "crop": p.crop, "variety": p.variety, "exporter": p.exporter}
                for p in s.scalars(select(Product).order_by(Product.gtin))
            ]
            lots = [
                {
                    "gtin": lt.gtin,
                    "lot": lt.lot,
                    "puc": lt.puc.code,
                    "phc": lt.phc.code if lt.phc else None,
                    "harvest_date": _iso(lt.harvest_date),
                    "pack_date": _iso(lt.pack_date),
                    "market": lt.market,
                }
                for lt in s.scalars(
                    select(Lot)
                    .order_by(Lot.gtin, Lot.lot)
                    .options(selectinload(Lot.puc), selectinload(Lot.phc))
                )
            ]
            s.rollback()
    return {"codes": codes, "products": products, "lots": lots}


def _iso(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def json_checksum(data: dict[str, list[dict[str, Any]]]) -> str:
    """SHA-256 of the canonical JSON of the data part of an export."""
    canonical = json.dumps(
        {k: data[k] for k in ("codes", "products", "lots")},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _csv_body(data: dict[str, list[dict[str, Any]]]) -> str:
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\r\n")
    writer.writeheader()

    def cell(v: Any) -> str:
        return (
            ""
            if v is None
            else v
            if isinstance(v, str)
            else json.dumps(v, ensure_ascii=False)
            if isinstance(v, (dict, list))
            else str(v)
        )

    for c in data["codes"]:
        row = {
            k: cell(c.get(k)) for k in CSV_COLUMNS if k in c and k not in ("crops", "varieties", "geometry")
        }
        row.update(
            record="code",
            crops=";".join(c["crops"]),
            varieties=";".join(c["varieties"]),
            geometry=cell(c["geometry"]),
        )
        writer.writerow(row)
        for m in c["markets"]:
            writer.writerow({"record": "approval", "code": c["code"], **{k: cell(v) for k, v in m.items()}})
        for h in c["history"]:
            writer.writerow(
                {
                    "record": "history",
                    "code": c["code"],
                    "from_status": cell(h["from"]),
                    "to_status": h["to"],
                    "date": h["date"],
                    "reason": cell(h["reason"]),
                    "legal_doc": cell(h["legal_doc"]),
                    "recorded_by": cell(h["recorded_by"]),
                }
            )
    for p in data["products"]:
        writer.writerow(
            {
                "record": "product",
                "gtin": p["gtin"],
                "product_name": p["name"],
                "crop": p["crop"],
                "variety": cell(p["variety"]),
                "exporter": cell(p["exporter"]),
            }
        )
    for lt in data["lots"]:
        writer.writerow({"record": "lot", **{k: cell(v) for k, v in lt.items()}})
    return buf.getvalue()


def render(
    data: dict[str, list[dict[str, Any]]], format: str, *, source: str, generated: dt.datetime
) -> tuple[str, str]:
    """``(text, sha256)`` of an export document."""
    stamp = generated.isoformat().replace("+00:00", "Z")
    if format == "json":
        digest = json_checksum(data)
        counts = {k: len(v) for k, v in data.items()}
        doc = {
            "$schema": SCHEMA_ID,
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "provenance": {
                "generated": stamp,
                "source": source,
                "generator": f"trace-std {__version__}",
                "sha256": digest,
                "checksum_scope": "canonical JSON of codes, products, lots",
                "counts": counts,
            },
            **data,
        }
        return json.dumps(doc, ensure_ascii=False, indent=1) + "\n", digest
    if format == "csv":
        body = _csv_body(data)
        digest = hashlib.sha256(body.encode("utf-8")).hexdigest()
        head = (
            f"# {FORMAT_NAME} v{FORMAT_VERSION}; generated={stamp}; generator=trace-std {__version__}\r\n"
            f"# source={source}\r\n"
            f"# sha256={digest} (of the bytes after these comment lines)\r\n"
        )
        return head + body, digest
    raise ValueError(f"unknown format {format!r}; expected json or csv")


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` via a temporary file and a rename."""
    path = path.absolute()
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export(
    registry: Any, *, format: str = "json", out: str | Path | IO[str] | None = None, source: str | None = None
) -> ExportInfo:
    if format not in ("json", "csv"):
        raise ValueError(f"unknown format {format!r}; expected json or csv")
    generated = dt.datetime.now(dt.UTC).replace(microsecond=0)
    data = collect(registry)
    src = source or f"trace-std registry ({registry.backend})"
    text, digest = render(data, format, source=src, generated=generated)
    path: str | None = None
    if out is None:
        pass
    elif isinstance(out, (str, Path)):
        atomic_write(Path(out), text)
        path = str(out)
    else:
        out.write(text)
    return ExportInfo(format, path, generated, src, digest, {k: len(v) for k, v in data.items()})
