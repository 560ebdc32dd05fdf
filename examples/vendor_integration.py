# ruff: noqa: E501  (the sample master file is data)
"""A software vendor's integration: validate a product master file and produce GS1 Digital Links.

An ERP exports its product master (one row per SKU and lot, with the planting-area and packing-house
codes as typed by staff). This script checks every row with the library, prints what is wrong with
the error code and the fix, and writes a CSV of the Digital Links to print in the carton QR Codes.

    python examples/vendor_integration.py                         # the built-in sample master file
    python examples/vendor_integration.py products.csv --resolver https://id.example.vn -o links.csv

Exit code 0 when every row is valid, 1 otherwise (like ``trace-std check``). Needs only the base
install (``pip install trace-std``).
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from trace_std.check import check
from trace_std.gs1 import parse_digital_link
from trace_std.label import check_label

# The sample master file: what an ERP export typically looks like, including what people type.
SAMPLE = """\
sku,gtin,lot,product,crop,harvest,packed,kg,planting_area,packing_house,market
SL-LONGAN-10,08936000120016,SL250812A,Nhãn tươi Sơn La,longan,2025-08-11,2025-08-12,10,VN-SLOR-0001,VN-SLPH-001,CN
SL-LONGAN-10,08936000120016,SL250820AU,Nhãn tươi Sơn La,longan,2025-08-19,2025-08-20,10,vn - slor - 0002,VN-SLPH-002,AU
DT-MANGO-5,08935234567895,DTM2503,Xoài cát Hòa Lộc,mango,2025-03-01,2025-03-02,5,VN–DTOR–0017,VN-BTPH-036,US
DT-MANGO-5,08935234567896,DTM2504,Xoài cát Hòa Lộc,mango,2025-03-03,2025-03-04,5,VN-DTOR-0017,VN-BTPH-036,US
BT-DRAGON-10,08935234567895,DF2503A,Thanh long ruột đỏ,dragon fruit,2025-03-04,2025-03-05,10.5,VN-BTPH-036,VN-DTOR-0017,CN
BT-DRAGON-10,08935234567895,DF2503B,Thanh long ruột đỏ,dragon fruit,2025-03-06,2025-03-05,10.5,VN-DTOR-17,VN-BTPH-036,CN
"""

FIXES = {
    "gs1.key.checksum": "re-key the GTIN from the GS1 registration (the check digit is wrong)",
    "label.puc.kind": "the planting-area and packing-house columns are swapped",
    "label.phc.kind": "the planting-area and packing-house columns are swapped",
    "label.date.order": "the pack date is before the harvest date",
    "code.segment.length": "copy the sequence number with its leading zeros",
}


def label_from_row(row: dict[str, str]) -> dict[str, Any]:
    """Map the ERP's columns onto the trace_std label payload (see docs/formats/label.md)."""
    return {
        "gtin": row["gtin"],
        "lot": row["lot"],
        "harvest_date": row["harvest"],
        "pack_date": row["packed"],
        "net_weight_kg": row["kg"],
        "product_name": {"vi": row["product"]},
        "crop": row["crop"],
        "puc": row["planting_area"],
        "phc": row["packing_house"],
        "exporter": "Example Export JSC (sample)",
        "destination_market": row["market"],
    }


def process(rows: Iterable[dict[str, str]], resolver: str) -> list[dict[str, str]]:
    results = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header, as the spreadsheet shows it
        # Codes are normalised first: what staff typed (spaces, en dashes, lower case) is fixed
        # and reported as warnings; the canonical form goes to the label.
        notes: list[str] = []
        for column in ("planting_area", "packing_house"):
            report = check(row[column])
            if report.normalized and report.normalized != row[column]:
                notes.append(f"{column}: {row[column]!r} -> {report.normalized}")
                row = {**row, column: report.normalized}
        report = check_label(label_from_row(row))
        if report.errors:
            problems = [f"{i.field}: {i.code} ({FIXES.get(i.code, i.message)})" for i in report.errors]
            results.append(
                {
                    "row": str(number),
                    "sku": row["sku"],
                    "lot": row["lot"],
                    "status": "invalid",
                    "digital_link": "",
                    "notes": "; ".join(notes + problems),
                }
            )
            continue
        # The label's Digital Link uses GS1's canonical stem; point it at our own resolver.
        link = parse_digital_link(report.details["digital_link"]).with_domain(resolver)
        results.append(
            {
                "row": str(number),
                "sku": row["sku"],
                "lot": row["lot"],
                "status": "valid",
                "digital_link": link,
                "notes": "; ".join(notes),
            }
        )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("master", nargs="?", help="product master CSV (default: the built-in sample)")
    parser.add_argument("--resolver", default="https://id.example.vn", help="Digital Link resolver")
    parser.add_argument("-o", "--output", type=Path, help="write the results as CSV here")
    args = parser.parse_args(argv)
    text = Path(args.master).read_text("utf-8-sig") if args.master else SAMPLE
    results = process(csv.DictReader(io.StringIO(text)), args.resolver)

    for r in results:
        print(
            f"row {r['row']:>3} {r['sku']:<14} {r['lot']:<11} {r['status']:<8} "
            f"{r['digital_link'] or r['notes']}"
        )
        if r["status"] == "valid" and r["notes"]:
            print(f"{'':>33}normalised: {r['notes']}")
    bad = sum(r["status"] != "valid" for r in results)
    print(f"{len(results)} rows, {len(results) - bad} valid, {bad} invalid")
    if args.output:
        with args.output.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(results[0]))
            writer.writeheader()
            writer.writerows(results)
        print(f"wrote {args.output}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
