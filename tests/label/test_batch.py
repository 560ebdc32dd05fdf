"""Batch validation of label files: formats, encodings, damaged files, cross-row checks, hooks."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from trace_std.errors import FileFormatError, Issue, Severity
from trace_std.label import CartonLabel
from trace_std.label.batch import COLUMNS, BatchReport, Row, RowContext, RowResult, iter_file, validate_file
from trace_std.label.check import check_label

G1 = "08935234567895"
G2 = "18935234567892"
SSCC = "389352345000000015"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labels"

GOOD = {
    "gtin": G1,
    "lot": "DF2503A",
    "product_name": "Thanh long ruột đỏ",
    "crop": "dragon fruit",
    "harvest_date": "2025-03-01",
    "pack_date": "2025-03-02",
    "best_before": "2025-03-20",
    "net_weight_kg": "10.5",
    "puc": "VN-DTOR-0017",
    "phc": "VN-BTPH-036",
    "exporter": "ACME",
    "destination_market": "CN",
    "serial": "",
    "sscc": "",
}


def row(**changes: str) -> dict[str, str]:
    return {**GOOD, **changes}


def csv_bytes(
    rows: Iterable[dict[str, str]],
    delimiter: str = ",",
    bom: bool = False,
    columns: tuple[str, ...] = COLUMNS,
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        writer.writerow([r.get(c, "") for c in columns])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8")


def found(report: BatchReport) -> list[tuple[int | None, str | None, str]]:
    return [(i.row, i.field, i.code) for i in report.issues]


def test_clean_file() -> None:
    report = validate_file(io.BytesIO(csv_bytes([row(), row(serial="1")])))
    assert (report.rows_total, report.rows_valid, report.rows_invalid, report.issues) == (2, 2, 0, [])
    assert report.valid


@pytest.mark.parametrize(("delimiter", "bom"), [(",", False), (";", True), (";", False), ("\t", True)])
def test_csv_dialects(delimiter: str, bom: bool) -> None:
    data = csv_bytes([row(), row(pack_date="2025-02-28")], delimiter=delimiter, bom=bom)
    assert found(validate_file(io.BytesIO(data))) == [(3, "pack_date", "label.date.order")]


def test_cells_are_trimmed_and_decimal_comma_is_read() -> None:
    report = validate_file(io.BytesIO(csv_bytes([row(gtin=f" {G1} ", net_weight_kg="10,5")], delimiter=";")))
    # the decimal comma is read, and said (a repair is a warning with the original and the reading)
    assert report.valid
    assert [
        (i.row, i.field, i.code, i.to_dict()["value"], i.to_dict()["read_as"]) for i in report.issues
    ] == [(2, "net_weight_kg", "label.repaired.number", "10,5", "10.5")]


def test_same_codes_for_every_file_format(tmp_path: Path) -> None:
    reports = {p.suffix: validate_file(p) for p in EXAMPLES.glob("sample-batch.*")}
    assert set(reports) == {".csv", ".xlsx", ".jsonl"}
    csv_codes = [(f, c) for _, f, c in found(reports[".csv"])]
    assert csv_codes and all([(f, c) for _, f, c in found(r)] == csv_codes for r in reports.values())
    # rows are numbered as a spreadsheet shows them (header = 1) and as JSON Lines lines
    assert [r for r, _, _ in found(reports[".csv"])] == [r for r, _, _ in found(reports[".xlsx"])]
    assert [r + 1 for r, _, _ in found(reports[".jsonl"]) if r] == [r for r, _, _ in found(reports[".csv"])]


def test_cross_row_checks() -> None:
    data = csv_bytes(
        [
            row(serial="7"),
            row(serial="7"),
            row(serial="7", gtin=G2),  # duplicate only within one GTIN
            row(sscc=SSCC, lot="B"),
            row(sscc=SSCC, lot="B"),
            row(lot="C"),
            row(lot="C", harvest_date="2025-03-02"),
            row(lot="C", harvest_date="2025-03-01/2025-03-02"),
        ]
    )
    report = validate_file(io.BytesIO(data))
    assert found(report) == [
        (3, "serial", "batch.serial.duplicate"),
        (6, "sscc", "batch.sscc.duplicate"),
        (8, "harvest_date", "batch.lot.harvest_conflict"),
        (9, "harvest_date", "batch.lot.harvest_conflict"),
    ]
    assert [i.severity for i in report.issues] == [
        Severity.ERROR,
        Severity.ERROR,
        Severity.WARNING,
        Severity.WARNING,
    ]
    assert report.issues[0].context["first_row"] == 2
    assert (report.rows_valid, report.rows_invalid) == (6, 2)


def test_seen_keys_spill_to_disk_and_stay_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    from trace_std.label import batch

    keys = batch._SeenKeys(limit=2)
    assert [keys.first(k, i)[0] for i, k in enumerate("abcdbace")] == [0, 1, 2, 3, 1, 0, 2, 7]
    assert keys.first("d", 99, "new") == (3, "") and keys.first("f", 9, "p") == (9, "p")
    assert keys.first("f", 10, "q") == (9, "p")  # spilled keys keep their payload
    assert keys.db is not None
    keys.close()
    monkeypatch.setattr(batch, "_SEEN_IN_MEMORY", 3)
    rows = [row(serial=str(n % 7)) for n in range(10)] + [row(sscc=SSCC, lot="Z"), row(sscc=SSCC, lot="Z")]
    report = validate_file(io.BytesIO(csv_bytes(rows)))
    assert [
        (r, f, c, i.context["first_row"]) for (r, f, c), i in zip(found(report), report.issues, strict=True)
    ] == [
        (9, "serial", "batch.serial.duplicate", 2),
        (10, "serial", "batch.serial.duplicate", 3),
        (11, "serial", "batch.serial.duplicate", 4),
        (13, "sscc", "batch.sscc.duplicate", 12),
    ]


def test_market_and_as_of_apply_to_every_row() -> None:
    data = csv_bytes([row(phc=""), row(destination_market="US", phc="")])
    assert found(validate_file(io.BytesIO(data))) == [(2, "phc", "label.market.required")]
    report = validate_file(io.BytesIO(data), market="AU", as_of=dt.date(2025, 3, 1))
    assert {(r, f, c) for r, f, c in found(report)} == {
        (2, "phc", "label.market.required"),
        (3, "phc", "label.market.required"),
        (2, "pack_date", "label.date.future"),
        (3, "pack_date", "label.date.future"),
        (2, "destination_market", "label.market.mismatch"),
        (3, "destination_market", "label.market.mismatch"),
    }


def test_field_errors_and_required_columns() -> None:
    data = csv_bytes(
        [row(gtin="", lot="A B", net_weight_kg="x", puc="VN-BTPH-036", harvest_date="2025-03-01/x")]
    )
    assert found(validate_file(io.BytesIO(data))) == [
        (2, "lot", "label.field.character"),
        (2, "harvest_date", "label.date.invalid"),
        (2, "net_weight_kg", "label.weight.invalid"),
        (2, "gtin", "label.field.required"),
        (2, "puc", "label.puc.kind"),
    ]
    report = validate_file(io.BytesIO(data))
    assert report.issues[0].span == (1, 2) and report.issues[1].span == (11, 12)


def test_optional_columns_may_be_left_out_and_unknown_ones_warn() -> None:
    columns = ("GTIN", "Lot", "harvest_date", "pack_date", "net_weight_kg", "colour")
    data = csv_bytes(
        [
            {
                "GTIN": G1,
                "Lot": "L",
                "harvest_date": "2025-03-01",
                "pack_date": "2025-03-01",
                "net_weight_kg": "1",
                "colour": "red",
            }
        ],
        columns=columns,
    )
    report = validate_file(io.BytesIO(data))
    assert found(report)[0] == (1, "colour", "label.field.unknown")
    assert {c for _, _, c in found(report)[1:]} == {"label.field.required"}  # product name, crop, exporter...
    assert report.rows_invalid == 1


def test_harvest_period_as_interval_or_end_column() -> None:
    columns = (*COLUMNS, "harvest_date_end")
    rows = [
        {**row(harvest_date="2025-03-01/2025-03-03")},
        {**row(lot="B"), "harvest_date_end": "2025-03-03"},
        {**row(lot="C"), "harvest_date_end": "2025-02-03"},
    ]
    report = validate_file(io.BytesIO(csv_bytes(rows, columns=columns)))
    assert found(report) == [
        (2, "pack_date", "label.date.order"),  # packed on 03-02, the harvest ended on 03-03
        (3, "pack_date", "label.date.order"),
        (4, "harvest_date_end", "label.date.range"),
    ]


def test_ragged_rows() -> None:
    text = ",".join(COLUMNS) + "\n" + ",".join(GOOD[c] for c in COLUMNS) + ",extra\n" + G1 + ",L\n\n"
    report = validate_file(io.BytesIO(text.encode()))
    assert found(report)[0] == (2, None, "file.row.malformed")
    assert (report.rows_total, report.rows_invalid) == (2, 2)


def _file_error(data: bytes | Path, **kwargs: Any) -> FileFormatError:
    with pytest.raises(FileFormatError) as info:
        validate_file(data if isinstance(data, Path) else io.BytesIO(data), **kwargs)
    return info.value


def _cp1258(text: str) -> bytes:
    """Windows-1258 as Excel writes it: precomposed base letters, tone marks as combining bytes."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            base, *marks = unicodedata.normalize("NFD", ch)
            shape = "".join(m for m in marks if m in "\u0302\u0306\u031b")  # circumflex, breve, horn
            tone = "".join(m for m in marks if m not in shape)
            out += unicodedata.normalize("NFC", base + shape).encode("cp1258") + tone.encode("cp1258")
    return bytes(out)


def test_cp1258_is_reported_with_the_byte_offset() -> None:
    data = _cp1258(csv_bytes([row(), row(product_name="Sầu riêng")]).decode())
    err = _file_error(data)
    offset = next(i for i, b in enumerate(data) if b >= 0x80)
    assert err.code == "file.encoding"
    assert err.context["byte_offset"] == offset
    assert err.context["line"] == data[:offset].count(b"\n") + 1


def test_invalid_utf8_late_in_a_big_file() -> None:
    data = csv_bytes([row()] * 3000) + b"\xff\n"
    err = _file_error(data)
    assert (err.code, err.context["byte_offset"]) == ("file.encoding", len(data) - 2)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (csv_bytes([row()]).decode().encode("utf-16"), "file.encoding"),
        (csv_bytes([row()]).decode().encode("utf-16-le"), "file.encoding"),
        (csv_bytes([row()]).decode().encode("utf-16-be"), "file.encoding"),
        (bytes(range(256)) * 4, "file.binary"),
        (b"%PDF-1.7\n...", "file.binary"),
        (b"", "file.empty"),
        (b"\n\n", "file.empty"),
        (b"gtin,lot\n1,2\n", "file.columns.missing"),
        (b"gtin,lot,lot,harvest_date,pack_date,net_weight_kg\n", "file.columns.duplicate"),
        (b'gtin,lot,harvest_date,pack_date,net_weight_kg\n"1,2\n', "file.row.malformed"),
    ],
)
def test_unreadable_files(data: bytes, code: str) -> None:
    assert _file_error(data).code == code


def test_old_xls_is_refused_clearly() -> None:
    err = _file_error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"x" * 100)
    assert err.code == "file.format.unknown"


def test_truncated_and_fake_xlsx(tmp_path: Path) -> None:
    whole = (EXAMPLES / "sample-batch.xlsx").read_bytes()
    for cut in (len(whole) // 2, len(whole) - 30, 100):
        path = tmp_path / f"cut{cut}.xlsx"
        path.write_bytes(whole[:cut])
        assert _file_error(path).code == "file.truncated"
    fake = tmp_path / "fake.xlsx"
    fake.write_bytes(b"gtin,lot\n")
    assert _file_error(fake).code == "file.format.unknown"
    with pytest.raises(FileFormatError):
        validate_file(io.BytesIO(whole[: len(whole) // 2]), format="xlsx")


def test_missing_file(tmp_path: Path) -> None:
    assert _file_error(tmp_path / "nope.csv").code == "file.unreadable"


def test_jsonl_rows() -> None:
    lines = [
        json.dumps({**GOOD, "net_weight_kg": 10.5, "product_name": {"vi": "Thanh long"}}),
        "",
        "{not json",
        "[1]",
        json.dumps({**GOOD, "pack_date": "2025-02-01", "x": 1}),
    ]
    report = validate_file(io.BytesIO("\n".join(lines).encode()), format="jsonl")
    assert found(report) == [
        (3, None, "file.row.malformed"),
        (4, None, "file.row.malformed"),
        (5, "x", "label.field.unknown"),
        (5, "pack_date", "label.date.order"),
    ]
    assert (report.rows_total, report.rows_valid) == (4, 1)


def test_streams_need_not_be_seekable() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, b: Any) -> int:
            chunk = self.data.read(len(b))
            b[: len(chunk)] = chunk
            return len(chunk)

    assert validate_file(Pipe(csv_bytes([row()] * 10))).rows_valid == 10  # type: ignore[arg-type]
    err = _file_error(b"")
    assert err.code == "file.empty"
    with pytest.raises(FileFormatError) as info:
        validate_file(Pipe(_cp1258(csv_bytes([row(crop="sầu riêng")]).decode())))  # type: ignore[arg-type]
    assert info.value.code == "file.encoding"


def test_row_checks_hook_and_progress() -> None:
    seen: list[tuple[int, str | None, bool]] = []

    def registry_check(r: Row, ctx: RowContext) -> Iterable[Issue]:
        seen.append((r.number, ctx.market.market if ctx.market else None, r.valid))
        if r.get("puc") == "VN-DTOR-0017" and r.parsed["puc"] == r["puc"]:
            yield Issue.error("label.puc.kind", "pretend the registry refused it", field="puc")

    ticks: list[int] = []
    report = validate_file(
        io.BytesIO(csv_bytes([row(), row(pack_date="2025-01-01")] * 3)),
        row_checks=[registry_check],
        progress=lambda rows, done, total: ticks.append(rows),
    )
    assert seen == [
        (2, "CN", True),
        (3, "CN", False),
        (4, "CN", True),
        (5, "CN", False),
        (6, "CN", True),
        (7, "CN", False),
    ]
    assert report.issues_by_code["label.puc.kind"] == 6
    assert ticks[-1] == 6


def test_one_argument_hooks_get_the_row_as_a_mapping() -> None:
    calls: list[dict[str, Any]] = []

    def mapping_check(label: Any) -> list[Issue]:
        calls.append(dict(label))
        return [Issue.warning("label.gtin.prefix", "from a one-argument hook", field="gtin")]

    report = validate_file(io.BytesIO(csv_bytes([row()])), row_checks=[mapping_check])
    assert calls[0]["pack_date"] == dt.date(2025, 3, 2) and calls[0]["puc"] == "VN-DTOR-0017"
    assert found(report) == [(2, "gtin", "label.gtin.prefix")] and report.rows_valid == 1


def test_max_issues_caps_the_list_not_the_totals() -> None:
    report = validate_file(io.BytesIO(csv_bytes([row(lot="a b")] * 50)), max_issues=5)
    assert len(report.issues) == 5 and report.issues_total == 50 and report.rows_invalid == 50


def test_iter_file_yields_results_lazily() -> None:
    items = iter_file(io.BytesIO(csv_bytes([row()] * 5)))
    first = next(items)
    assert isinstance(first, RowResult) and first.number == 2 and first.valid


def test_misuse() -> None:
    with pytest.raises(TypeError):
        validate_file(123)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        list(iter_file(io.BytesIO(b"x"), as_of="2025-01-01"))  # type: ignore[arg-type]


# -- the fast path and check_label agree ----------------------------------------------------------

CELLS = {
    "gtin": [G1, G2, "00416000336108", "08935234567894", "12", ""],
    "lot": ["DF2503A", "L/1", "a b", ""],
    "product_name": ["Thanh long", "", "x" * 130],
    "crop": ["dragon fruit", ""],
    "harvest_date": [
        "2025-03-01",
        "2025-03-05",
        "2025-03-01/2025-03-03",
        "2025-03-03/2025-03-01",
        "2025-02-30",
        "",
    ],
    "pack_date": ["2025-03-04", "2025-03-02", "1960-01-01", "x", ""],
    "best_before": ["", "2025-03-30", "2025-03-01"],
    "net_weight_kg": ["10", "10.5", "0", "1234567", ""],
    "puc": ["VN-DTOR-0017", "VN-BTPH-036", "VN-DTOR-17", ""],
    "phc": ["VN-BTPH-036", "VN-DTOR-0017", ""],
    "exporter": ["ACME", ""],
    "destination_market": ["CN", "US", "AU", "DE", "VN", "JP", "KR", "RU", "KZ", "TH", "XX", ""],
    "product_name_ru": ["", "Лонган"],
    "product_name_ja": ["", "マンゴー"],
    "exporter_address": ["", "Sơn La, Việt Nam", "x" * 201],
    "importer": ["", "ООО Пример"],
    "storage_conditions": ["", "+2..+8 °C"],
    "treatment_method": ["", "vht", "VHT", "steam"],
    "serial": ["", "1", "a b"],
    "sscc": ["", SSCC, "389352345000000016"],
}


def _as_label(cells: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name, text in cells.items():
        if not text:
            continue
        if name == "product_name":
            data.setdefault(name, {})["vi"] = text
        elif name.startswith("product_name_"):
            data.setdefault("product_name", {})[name.removeprefix("product_name_")] = text
        elif name == "harvest_date" and "/" in text:
            data["harvest_date"], data["harvest_date_end"] = text.split("/", 1)
        else:
            data[name] = text
    return data


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CELLS.items()}),
    st.sampled_from([None, "CN", "US", "RU", "JP", "KR"]),
    st.sampled_from([None, dt.date(2025, 3, 3)]),
)
def test_batch_rows_and_check_label_report_the_same_issues(
    cells: dict[str, str], market: str | None, as_of: dt.date | None
) -> None:
    items = list(iter_file(io.BytesIO(csv_bytes([cells], columns=tuple(cells))), market=market, as_of=as_of))
    results = [r for r in items if isinstance(r, RowResult)]
    if not results:  # a row with no GTIN, lot or date and at most 3 cells is skipped, with a warning
        assert [i.code for i in items] == ["file.row.skipped"]
        assert not any(cells[k] for k in ("gtin", "lot", "harvest_date", "pack_date"))
        return
    (result,) = results
    batch = {(i.field.split(".")[0] if i.field else None, i.code, i.severity) for i in result.issues}
    report = check_label(_as_label(cells), market=market, as_of=as_of)
    single = {(i.field.split(".")[0] if i.field else None, i.code, i.severity) for i in report.issues}
    # every problem check_label finds, the batch row finds with the same code and field ...
    assert single <= batch
    # ... a row is valid for one exactly when it is valid for the other ...
    assert result.valid == report.valid
    # ... and when every field parses, both run the same rules and find exactly the same issues.
    try:
        CartonLabel.model_validate(_as_label(cells))
    except ValidationError:
        return
    assert batch == single


def test_market_particular_columns_with_vietnamese_headers() -> None:
    """RU/JP/KR particulars: optional columns (Vietnamese aliases too), checked like check_label."""
    header = (
        "gtin,lot,product_name,Tên tiếng Nga,crop,harvest_date,pack_date,best_before,net_weight_kg,"
        "exporter,Địa chỉ nhà xuất khẩu,nha_nhap_khau,dia chi nha nhap khau,Điều kiện bảo quản,"
        "destination_market,phuong_phap_xu_ly\n"
    )
    good = (
        "08936000120016,L1,Nhãn,Лонган,longan,2025-08-11,2025-08-12,2025-09-01,10,"
        "ACME,Sơn La,ООО Пример,Москва,+1..+4 °C,RU,\n"
    )
    missing = "08936000120016,L2,Nhãn,,longan,2025-08-11,2025-08-12,,10,ACME,,,,,BY,steam\n"
    report = validate_file(io.BytesIO((header + good + missing).encode("utf-8")))
    assert [i for i in report.issues if i.row == 2] == []
    assert sorted((i.field, i.code, i.severity.value) for i in report.issues if i.row == 3) == [
        ("best_before", "label.market.required", "error"),
        ("exporter_address", "label.market.required", "error"),
        ("importer", "label.market.unconfirmed", "warning"),
        ("importer_address", "label.market.unconfirmed", "warning"),
        ("product_name.ru", "label.market.required", "error"),
        ("storage_conditions", "label.market.required", "error"),
        ("treatment_method", "label.field.invalid", "error"),
    ]


def test_nested_column_parse_error_is_reported_on_the_field_path() -> None:
    header = "gtin,lot,product_name,product_name_ko,crop,harvest_date,pack_date,net_weight_kg,exporter,destination_market\n"
    body = "08935012345677,L1,Xoài,망고\x07,mango,2025-05-06,2025-05-07,5,ACME,KR\n"
    report = validate_file(io.BytesIO((header + body).encode("utf-8")))
    codes = {(i.field, i.code) for i in report.issues}
    assert ("product_name.ko", "label.field.character") in codes
    assert ("product_name.ko", "label.market.required") not in codes  # one issue per bad cell
