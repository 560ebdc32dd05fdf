"""Issue 17 item 6, second half: spreadsheets the label tools write never start a formula.

The ``--fix`` file, the CSV report of ``trace-std validate`` and the FSMA 204 sortable spreadsheet carry
text from untrusted files. Every cell that a spreadsheet program would evaluate (``=``, ``+``, ``-``,
``@``, tab, CR first) is written with an apostrophe in front; the batch reader removes it again, so a
fixed file validates to exactly the values it was made from.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from trace_std.cli import main
from trace_std.label.batch import RowResult, iter_file
from trace_std.label.fix import fix_file
from trace_std.spreadsheet import TRIGGERS

HEADER = (
    "gtin,lot,product_name,crop,harvest_date,pack_date,best_before,net_weight_kg,puc,phc,exporter,"
    "destination_market,serial,sscc"
)
HOSTILE = [
    '=HYPERLINK("http://x","y")',
    "+84 912 345 678",
    "@SUM(A1)",
    "-Longan",
    "'=already quoted",
]


def _label_file(tmp_path: Path, name: str = "labels.csv") -> Path:
    rows = [HEADER]
    for i, text in enumerate(HOSTILE):
        product = text.replace('"', '""')
        rows.append(
            f'08936000120016,-L{i}+1,"{product}",longan,2025-08-11,2025-08-12,2025-09-02,10,'
            f'VN-SLOR-0001,VN-SLPH-001,"{product} Co.",CN,00012{i},'
        )
    path = tmp_path / name
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _values(source: Any) -> list[dict[str, Any]]:
    return [
        dict(item.values)
        for item in iter_file(source, values=True)
        if isinstance(item, RowResult) and item.valid and item.values is not None
    ]


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def test_fixed_file_cells_never_start_a_formula_and_read_back_exactly(tmp_path: Path) -> None:
    source = _label_file(tmp_path)
    first = _values(source)
    assert len(first) == len(HOSTILE)  # every hostile row is a valid label
    out = io.StringIO()
    report, written = fix_file(source, out, name="labels.csv")
    assert written == len(HOSTILE) and report.rows_invalid == 0
    cells = _cells(out.getvalue())
    assert [c for c in cells if c[:1] in TRIGGERS] == []
    assert "'-L0+1" in cells and '\'=HYPERLINK("http://x","y")' in cells
    # the reader already took the apostrophe of "'=already quoted" as a neutralising one
    assert first[4]["product_name"] == "=already quoted" and "'=already quoted" in cells
    fixed = tmp_path / "fixed.csv"
    fixed.write_text(out.getvalue(), encoding="utf-8")
    again = _values(fixed)
    assert [(v["lot"], v["product_name"], v["exporter"]) for v in again] == [
        (v["lot"], v["product_name"], v["exporter"]) for v in first
    ]
    assert again[0]["product_name"] == HOSTILE[0] and again[3]["lot"] == "-L3+1"


def test_an_xlsx_cell_written_neutralised_reads_back_as_its_value(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    for line in csv.reader(io.StringIO(_label_file(tmp_path).read_text("utf-8"))):
        sheet.append([("'" + c if c[:1] in TRIGGERS else c) for c in line])  # as a CSV opened and saved
    path = tmp_path / "labels.xlsx"
    book.save(path)
    assert [v["product_name"] for v in _values(path)][:4] == HOSTILE[:4]


def test_cli_csv_report_cells_never_start_a_formula(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = Path("=cmd.csv")  # a hostile file name, given relative, lands in the report's first column
    bad.write_text(HEADER + "\n=1+1,@x,,longan,+2025-08-11,,,-5,=VN,@PH,,=CN,,\n", encoding="utf-8")
    assert main(["validate", "--format", "csv", str(bad)]) == 1
    out = capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out)))
    assert len(rows) > 2 and rows[0][:4] == ["file", "row", "field", "code"]
    assert [c for row in rows for c in row if c[:1] in TRIGGERS] == []
    assert {row[0] for row in rows[1:]} == {"'=cmd.csv"}


def test_cli_csv_report_of_an_unreadable_file_is_neutralised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("@empty.csv").write_bytes(b"")
    assert main(["validate", "--format", "csv", "@empty.csv"]) == 2
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[1][0] == "'@empty.csv" and rows[1][3] == "file.empty"


def test_cli_fix_output_is_neutralised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _label_file(tmp_path)
    fixed = tmp_path / "fixed.csv"
    assert main(["validate", "--fix", "-o", str(fixed), str(source)]) == 0
    capsys.readouterr()
    text = fixed.read_text("utf-8-sig")
    assert [c for c in _cells(text) if c[:1] in TRIGGERS] == []
    assert [v["exporter"] for v in _values(fixed)] == [v["exporter"] for v in _values(source)]
    assert _values(fixed)[0]["exporter"] == HOSTILE[0] + " Co."


def test_fsma_sheets_never_start_a_formula(tmp_path: Path) -> None:
    from trace_std.events.fsma import COLUMNS, write_csv, write_xlsx

    titles = [c for c, _ in COLUMNS]
    rows = [{t: HOSTILE[i % len(HOSTILE)] for i, t in enumerate(titles)}]
    out = io.StringIO()
    assert write_csv(rows, out) == 1
    cells = _cells(out.getvalue())[len(titles) :]
    assert cells and [c for c in cells if c[:1] in TRIGGERS] == []
    openpyxl = pytest.importorskip("openpyxl")
    write_xlsx(rows, tmp_path / "fsma.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "fsma.xlsx").active
    values = [c.value for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert values and [v for v in values if isinstance(v, str) and v[:1] in TRIGGERS] == []
    assert values[0] == "'" + HOSTILE[0]
