"""An exporter's week: 2,000 carton rows with realistic mistakes -> report -> fixed file -> label sheets.

What a packing house's office does every Friday before the containers leave:

1. the week's label file (``labels-week.csv``, 2,000 cartons, generated deterministically here with
   the mistakes people really make: a mistyped GTIN check digit, PUC and PHC swapped, the PHC left
   out for China, pack and harvest dates swapped, an accented lot, a reused serial, "CHN" for "CN",
   a date typed the Vietnamese way, codes typed with spaces or lower case);
2. ``trace-std validate`` on it (here the same library call, :func:`trace_std.label.batch.validate_file`)
   -> ``report.json`` (the ``batch-report`` document) and a summary by error code;
3. a corrected file (``labels-week-fixed.csv``), each fix chosen from the reported error code and
   field only -- never from knowing which mistakes were injected -- and validated again: no errors;
4. one 100 x 150 mm carton label sheet per row, as an SVG set (``sheets/0002.svg`` ...), with the
   GS1-128 barcodes, the QR Code of the Digital Link and the market's required text.

    python examples/exporter_week.py --out week/                  # everything (needs trace-std[render])
    python examples/exporter_week.py --out week/ --sheets 100     # only the first 100 sheets

Exit code 0 when the fixed file validates clean and every sheet was written.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import random
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from trace_std.check import check
from trace_std.gs1 import gtin_check_digit
from trace_std.label.batch import COLUMNS, Row, validate_file

AS_OF = dt.date(2025, 8, 23)  # the Saturday the week's file is checked
EXPORTER = "Công ty TNHH Nông sản Tây Bắc (synthetic)"

# (GTIN without check digit, lot prefix, product, crop, kg, planting areas, packing house, destinations)
PRODUCTS = [
    (
        "0893600012001",
        "NA",
        "Nhãn tươi Sơn La",
        "longan",
        "10",
        ["VN-SLOR-0001", "VN-SLOR-0002"],
        "VN-SLPH-001",
        ["CN", "AU"],
    ),
    (
        "0893600012002",
        "NO",
        "Nhãn tươi Sơn La",
        "longan",
        "5",
        ["VN-SLOR-0003", "VN-SLOR-0004"],
        "VN-SLPH-002",
        ["CN"],
    ),
    (
        "0893523456789",
        "XO",
        "Xoài cát Hòa Lộc",
        "mango",
        "7.5",
        ["VN-DTOR-0017", "VN-DTOR-0021"],
        "VN-DTPH-003",
        ["US", "NL"],
    ),
    (
        "0893523456790",
        "TA",
        "Thanh long ruột đỏ",
        "dragon fruit",
        "10,5",
        ["VN-BTOR-0102"],
        "VN-BTPH-036",
        ["CN", "DE"],
    ),
]


def gtin(base: str) -> str:
    return base + str(gtin_check_digit(base))


# -- 1. the week's file ------------------------------------------------------------------------------


def generate(rows: int, seed: int) -> list[dict[str, str]]:
    """``rows`` cartons over one week; about 6 % carry one of the usual mistakes."""
    rng = random.Random(seed)
    out: list[dict[str, str]] = []
    serials: Counter[str] = Counter()
    monday = AS_OF - dt.timedelta(days=5)
    while len(out) < rows:
        base, prefix, name_vi, crop, kg, pucs, phc, markets = rng.choice(PRODUCTS)
        day = monday + dt.timedelta(days=rng.randrange(5))
        harvest = day - dt.timedelta(days=rng.choice((0, 1, 1, 2)))
        lot = f"{prefix}{day:%y%m%d}{rng.choice('ABC')}"
        if any(r["lot"] == lot and r["gtin"] == gtin(base) for r in out):
            continue  # one harvest per lot
        market = rng.choice(markets)
        for _ in range(rng.randint(20, 60)):  # the cartons of one lot
            if len(out) >= rows:
                break
            g = gtin(base)
            serials[g] += 1
            out.append(
                {
                    "gtin": g,
                    "lot": lot,
                    "product_name": name_vi,
                    "crop": crop,
                    "harvest_date": harvest.isoformat(),
                    "pack_date": day.isoformat(),
                    "best_before": (day + dt.timedelta(days=21)).isoformat(),
                    "net_weight_kg": kg,
                    "puc": rng.choice(pucs),
                    "phc": phc,
                    "exporter": EXPORTER,
                    "destination_market": market,
                    "serial": f"{serials[g]:06d}",
                    "sscc": "",
                }
            )
    for row in out:
        if rng.random() < 0.06:
            MISTAKES[rng.randrange(len(MISTAKES))](row, rng, out)
    return out


def _typo_check_digit(row: dict[str, str], rng: random.Random, rows: list[dict[str, str]]) -> None:
    row["gtin"] = row["gtin"][:-1] + str((int(row["gtin"][-1]) + rng.randint(1, 9)) % 10)


def _swap_codes(row: dict[str, str], rng: random.Random, rows: list[dict[str, str]]) -> None:
    row["puc"], row["phc"] = row["phc"], row["puc"]


def _forget_phc(row: dict[str, str], rng: random.Random, rows: list[dict[str, str]]) -> None:
    row["destination_market"], row["phc"] = "CN", ""


def _swap_dates(row: dict[str, str], rng: random.Random, rows: list[dict[str, str]]) -> None:
    pack = dt.date.fromisoformat(row["pack_date"])
    row["harvest_date"], row["pack_date"] = (pack + dt.timedelta(days=1)).isoformat(), pack.isoformat()


def _accented_lot(row: dict[str, str], rng: random.Random, rows: list[dict[str, str]]) -> None:
    row["lot"] = row["lot"].replace("A", "Â", 1).replace("O", "Ô", 1)  # typed with a Vietnamese keyboard


def _reuse_serial(row: dict[str, str], rng: random.Random, rows: list[dict[str, str]]) -> None:
    row["serial"] = "000001"


def _country_alpha3(row: dict[str, str], rng: random.Random, rows: list[dict[str, str]]) -> None:
    row["destination_market"] = {"CN": "CHN", "AU": "AUS", "US": "USA", "NL": "NLD"}.get(
        row["destination_market"], "DEU"
    )


def _vietnamese_date(row: dict[str, str], rng: random.Random, rows: list[dict[str, str]]) -> None:
    row["pack_date"] = dt.date.fromisoformat(row["pack_date"]).strftime("%d/%m/%Y")


def _sloppy_code(row: dict[str, str], rng: random.Random, rows: list[dict[str, str]]) -> None:
    row["puc"] = rng.choice(
        (row["puc"].lower(), row["puc"].replace("-", " - "), row["puc"].replace("-", "–"))
    )


MISTAKES = [_typo_check_digit, _swap_codes, _forget_phc, _swap_dates, _accented_lot, _reuse_serial,
            _country_alpha3, _vietnamese_date, _sloppy_code]  # fmt: skip


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)


# -- 3. fixing from the report -----------------------------------------------------------------------

PHC_OF_PUC = {puc: phc for *_, pucs, phc, _m in PRODUCTS for puc in pucs}
ALPHA3 = {"CHN": "CN", "AUS": "AU", "USA": "US", "NLD": "NL", "DEU": "DE"}


def _ascii_lot(lot: str) -> str:
    folded = unicodedata.normalize("NFKD", lot).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded if ch.isalnum() or ch in "-./_")


def fix_row(row: dict[str, str], issues: list[dict[str, Any]], used: set[tuple[str, str]]) -> list[str]:
    """Apply the fix that each reported (code, field) calls for; return what was done."""
    done = []
    codes = {(i["code"], i["field"]) for i in issues}
    if ("label.puc.kind", "puc") in codes or ("label.phc.kind", "phc") in codes:
        row["puc"], row["phc"] = row["phc"], row["puc"]
        done.append("swapped PUC and PHC")
    for code, field in sorted(codes, key=lambda c: (c[0], c[1] or "")):
        if code == "gs1.key.checksum" and field == "gtin":
            row["gtin"] = gtin(row["gtin"][:-1])  # the product table holds the right one; same here
            done.append("re-keyed the GTIN check digit")
        elif code == "label.market.required" and field == "phc":
            row["phc"] = PHC_OF_PUC[check(row["puc"]).normalized or row["puc"]]
            done.append("filled the PHC from the lot's packing house")
        elif code == "label.date.order":
            row["harvest_date"], row["pack_date"] = row["pack_date"], row["harvest_date"]
            done.append("swapped harvest and pack dates")
        elif code == "label.field.character" and field == "lot":
            row["lot"] = _ascii_lot(row["lot"])
            done.append("wrote the lot in GS1 characters")
        elif code == "label.country.unknown":
            row["destination_market"] = ALPHA3.get(row["destination_market"], row["destination_market"])
            done.append("ISO alpha-2 destination")
        elif code == "label.date.invalid" and field:
            row[field] = dt.datetime.strptime(row[field], "%d/%m/%Y").date().isoformat()
            done.append(f"ISO date in {field}")
        elif code == "batch.serial.duplicate":
            row["serial"] = str(max(int(s) for g, s in used if g == row["gtin"]) + 1).zfill(6)
            done.append("new serial")
    for field in ("puc", "phc"):  # warnings: write codes in their canonical form
        if row[field] and (canonical := check(row[field]).normalized) and canonical != row[field]:
            row[field] = canonical
            done.append(f"canonical {field}")
    return done


def fix(rows: list[dict[str, str]], report: dict[str, Any]) -> Counter[str]:
    by_row: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for issue in report["issues"]:
        by_row[issue["row"]].append(issue)
    used = {(r["gtin"], r["serial"]) for r in rows}
    done: Counter[str] = Counter()
    for number, row in enumerate(rows, start=2):
        if number in by_row:
            for what in fix_row(row, by_row[number], used):
                done[what] += 1
            used.add((row["gtin"], row["serial"]))
    return done


# -- 4. sheets ---------------------------------------------------------------------------------------


def render_sheets(path: Path, folder: Path, limit: int | None) -> int:
    """One SVG per clean row of the fixed file, from the parsed values the validator hands a hook."""
    from trace_std.label import CartonLabel
    from trace_std.render.sheet import carton_sheet_svg

    folder.mkdir(parents=True, exist_ok=True)
    written = 0

    def sheet(row: Row) -> tuple[()]:
        nonlocal written
        if row.valid and (limit is None or written < limit):
            values = {k: v for k, v in row.parsed.items() if v not in (None, "")}
            values["product_name"] = {"vi": values["product_name"]}
            svg = carton_sheet_svg(CartonLabel.model_validate(values), resolver="https://id.example.vn")
            (folder / f"{row.number:04d}.svg").write_text(svg, "utf-8")
            written += 1
        return ()

    validate_file(path, as_of=AS_OF, row_checks=[sheet])
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("exporter-week"), help="output folder")
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--sheets", type=int, default=None, help="render at most N sheets (default: all)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()

    rows = generate(args.rows, args.seed)
    week = args.out / "labels-week.csv"
    write_csv(week, rows)
    print(f"1. wrote {week} ({len(rows)} rows)")

    report = validate_file(week, as_of=AS_OF)
    (args.out / "report.json").write_text(json.dumps(report.to_dict(), ensure_ascii=False, indent=1), "utf-8")
    print(f"2. {report.rows_invalid} of {report.rows_total} rows fail, {report.issues_total} issues:")
    for code, n in sorted(report.issues_by_code.items(), key=lambda kv: -kv[1]):
        print(f"   {n:5d}  {code}")
    for issue in report.issues[:3]:
        print(f"   e.g. row {issue.row} {issue.field}: {issue.code}: {issue.message}")

    done = fix(rows, report.to_dict())
    fixed = args.out / "labels-week-fixed.csv"
    write_csv(fixed, rows)
    again = validate_file(fixed, as_of=AS_OF)
    errors = sum(1 for i in again.issues if i.severity == "error")
    print(
        f"3. wrote {fixed}: {sum(done.values())} fixes "
        f"({', '.join(f'{k}: {v}' for k, v in done.most_common())})"
    )
    print(f"   re-validated: {again.rows_valid} of {again.rows_total} rows clean, {errors} errors")
    for issue in [i for i in again.issues if i.severity == "error"][:5]:
        print(f"   left: row {issue.row} {issue.field}: {issue.code}: {issue.message}")

    sheets = render_sheets(fixed, args.out / "sheets", args.sheets)
    expected = again.rows_valid if args.sheets is None else min(args.sheets, again.rows_valid)
    print(
        f"4. wrote {sheets} label sheets to {args.out / 'sheets'}/ in {time.perf_counter() - started:.1f} s"
    )
    return 0 if errors == 0 and again.rows_invalid == 0 and sheets == expected else 1


if __name__ == "__main__":
    sys.exit(main())
