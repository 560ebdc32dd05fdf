"""Label files written the way Excel and Vietnamese offices write them (the test set of issue 12 §1).

Each builder returns the file's bytes; :data:`FILES` maps a file name to its builder. The XLSX files
are real workbooks made with openpyxl: a merged title cell, blank rows above the header, real date
cells, GTINs in number cells, a totals row and a sign-off block. The CSV files are what Excel's
"CSV UTF-8" saves: a byte-order mark, ``;`` (Vietnamese regional settings, where ``,`` is the
decimal mark) or ``,``, CRLF line ends, blank rows saved as delimiter-only lines.

The expected row-level results are in ``tests/label/test_messy_files.py``.
``python3 -m tests.label.messy_files DIR`` writes the files to DIR (to look at them in Excel).
"""

from __future__ import annotations

import datetime as dt
import io
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

TITLE = "DANH SÁCH NHÃN THÙNG XUẤT KHẨU - TUẦN 48"
COMPANY = "Công ty TNHH Nông sản Mẫu (example) - Bến Tre"

VI_HEADER = (
    "STT", "Mã GTIN", "Số lô", "Tên sản phẩm", "Loại cây trồng", "Ngày thu hoạch", "Ngày đóng gói",
    "Hạn sử dụng", "Khối lượng tịnh (kg)", "Mã số vùng trồng", "Mã số cơ sở đóng gói",
    "Doanh nghiệp xuất khẩu", "Thị trường", "Số seri", "Ghi chú", "Màu thùng",
)  # fmt: skip
VI_ASCII_HEADER = (
    "Ma GTIN", "So lo", "Ten san pham", "Loai cay trong", "Ngay thu hoach", "Ngay dong goi", "Han su dung",
    "Khoi luong tinh (kg)", "Ma so vung trong", "Ma so co so dong goi", "Doanh nghiep xuat khau",
    "Thi truong", "So seri",
)  # fmt: skip
EN_HEADER = (
    "GTIN", "Lot number", "Product name", "Crop", "Harvest date", "Packing date", "Best before",
    "Net weight (kg)", "Planting area code", "Packing house code", "Exporter", "Destination market",
    "Serial number", "Remarks",
)  # fmt: skip
ZH_HEADER = (
    "序号", "商品条码", "批号", "产品名称", "作物", "采摘日期", "包装日期", "净重（公斤）", "种植园注册号",
    "包装厂注册号", "出口商", "目的国", "序列号", "备注",
)  # fmt: skip

NAME = "Thanh long ruột đỏ"
CROP = "dragon fruit"
EXPORTER = "Công ty Xuất khẩu Mẫu (example)"


def _d(day: int, month: int) -> dt.datetime:
    return dt.datetime(2025, month, day)


def week48_xlsx() -> bytes:
    """Vietnamese headers with diacritics, a merged title, real date cells, number GTINs."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tuần 48"
    sheet["A1"] = TITLE
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(VI_HEADER))
    sheet["A2"] = COMPANY
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=6)
    # row 3 is blank
    sheet.append([])
    for col, name in enumerate(VI_HEADER, start=1):
        sheet.cell(row=4, column=col, value=name).font = Font(bold=True)
    rows: list[Sequence[Any]] = [
        # 5: clean but for the codes and the market: spaces for dashes, lower case, a market name
        (1, 8935234567895, "DF2503A", NAME, CROP, _d(1, 3), _d(5, 3), _d(25, 3), 10.5,
         "VN DTOR 0017", "vn-btph-036", EXPORTER, "Trung Quốc", "000123", "", "đỏ"),
        # 6: text dates in Vietnamese order, an Excel serial as text, a US GTIN that lost its zeros
        (2, 12345678905, "DF2503A", NAME, CROP, "01/03/2025", "05/03/2025", "45741", "10,5",
         " VN-DTOR-0017 ", "VN-BTPH-036", EXPORTER, "TQ", "000124", "giao sáng", "đỏ"),
        # 7: a GTIN number whose padded check digit is wrong: cannot be repaired
        (3, 12345678901, "DF2503A", NAME, CROP, _d(1, 3), _d(5, 3), _d(25, 3), 10.5,
         "VN-DTOR-0017", "VN-BTPH-036", EXPORTER, "中国", "000125", "", "đỏ"),
        # 8: a misspelt market: did you mean
        (4, 8935234567895, "DF2503A", NAME, CROP, _d(1, 3), _d(5, 3), _d(25, 3), 10.5,
         "VN-DTOR-0017", "VN-BTPH-036", EXPORTER, "Trung Qoc", "000126", "", "đỏ"),
        # 9: the totals row
        (None, None, None, "Tổng cộng", None, None, None, None, 42, None, None, None, None, None, None, None),
    ]  # fmt: skip
    for r, values in enumerate(rows, start=5):
        for col, value in enumerate(values, start=1):
            if value is not None and value != "":
                cell = sheet.cell(row=r, column=col, value=value)
                if isinstance(value, dt.datetime):
                    cell.number_format = "dd/mm/yyyy"
    # 10 blank, 11 the sign-off block
    sheet.cell(row=11, column=2, value="Người lập biểu")
    sheet.cell(row=11, column=9, value="Giám đốc")
    sheet.column_dimensions["B"].width = 16
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _csv(rows: Sequence[Sequence[str]], delimiter: str) -> bytes:
    """What Excel's "CSV UTF-8 (Comma delimited)" writes: BOM, CRLF, quotes only where needed."""
    import csv

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    for r in rows:
        writer.writerow(r)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def week48_semicolon_csv() -> bytes:
    """Vietnamese headers without diacritics, ';', decimal comma, text dates, trailing blank rows."""
    width = len(VI_ASCII_HEADER)
    blank = [""] * width
    return _csv(
        [
            ["DANH SACH NHAN THUNG - TUAN 48"] + [""] * (width - 1),
            blank,
            list(VI_ASCII_HEADER),
            # 4: clean for the office: dd/mm/yyyy, decimal comma, market name without accents
            [
                "8935234567895",
                "DF2503A",
                NAME,
                CROP,
                "01/03/2025",
                "05/03/2025",
                "25/03/2025",
                "10,5",
                "VN-DTOR-0017",
                "VN-BTPH-036",
                EXPORTER,
                "Trung Quoc",
                "000201",
            ],
            # 5: d/m/yy, a period of harvest
            [
                "08935234567895",
                "DF2503A",
                NAME,
                CROP,
                "1/3/25 - 4/3/25",
                "5/3/25",
                "25/3/25",
                "10,5",
                "VN-DTOR-0017",
                "VN-BTPH-036",
                EXPORTER,
                "CN",
                "000202",
            ],
            # 6: the GTIN in scientific notation (Excel saved what it showed)
            [
                "8,93523E+12",
                "DF2503A",
                NAME,
                CROP,
                "01/03/2025",
                "05/03/2025",
                "25/03/2025",
                "10,5",
                "VN-DTOR-0017",
                "VN-BTPH-036",
                EXPORTER,
                "CN",
                "000203",
            ],
            # 7: US order month/day: no month 25 in Vietnamese order
            [
                "8935234567895",
                "DF2503A",
                NAME,
                CROP,
                "03/01/2025",
                "03/05/2025",
                "03/25/2025",
                "10,5",
                "VN-DTOR-0017",
                "VN-BTPH-036",
                EXPORTER,
                "CN",
                "000204",
            ],
            # 8: after row 7, a day/month-or-month/day date in that column is ambiguous
            [
                "8935234567895",
                "DF2503A",
                NAME,
                CROP,
                "01/03/2025",
                "05/03/2025",
                "04/03/2025",
                "10,5",
                "VN-DTOR-0017",
                "VN-BTPH-036",
                EXPORTER,
                "CN",
                "000205",
            ],
            blank,
            blank,
        ],
        ";",
    )


def week48_comma_csv() -> bytes:
    """English headers, ',' (quoted decimal comma), a title row, market names, comma-only rows."""
    width = len(EN_HEADER)
    blank = [""] * width
    return _csv(
        [
            ["Packing list week 48"] + [""] * (width - 1),
            list(EN_HEADER),
            # 3: China by name, a weight with its unit
            [
                "08935234567895",
                "DF2503A",
                NAME,
                CROP,
                "2025-03-01",
                "2025-03-05",
                "2025-03-25",
                "10 kg",
                "VN-DTOR-0017",
                "VN-BTPH-036",
                EXPORTER,
                "China",
                "000301",
                "",
            ],
            # 4: Chinese market name, an Excel serial in a text column, lower-case code
            [
                "08935234567895",
                "DF2503A",
                NAME,
                CROP,
                "45717",
                "45721",
                "45741",
                "10.5",
                "vn-dtor-0017",
                "VN-BTPH-036",
                EXPORTER,
                "中国",
                "000302",
                "rush order",
            ],
            blank,
            # 6: a notes row below the table
            ["Note: all cartons 10 kg"] + [""] * (width - 1),
            blank,
        ],
        ",",
    )


def chinese_headers_xlsx() -> bytes:
    """Simplified Chinese headers (an importer's packing list), ISO dates as text."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(list(ZH_HEADER))
    sheet.append([1, "08935234567895", "DF2503A", NAME, CROP, "2025-03-01", "2025-03-05", 10.5,
                  "VN-DTOR-0017", "VN-BTPH-036", EXPORTER, "CN", "000401", ""])  # fmt: skip
    sheet.append([2, "08935234567895", "DF2503A", NAME, CROP, "2025-03-01", "2025-03-05", 10.5,
                  "VN-DTOR-0017", "VN-BTPH-036", EXPORTER, "中国", "000402", "备注"])  # fmt: skip
    sheet.append(["合计", None, None, None, None, None, None, 21, None, None, None, None, None, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def sonla_week_xlsx() -> bytes:
    """An office's sheet of rows the bundled sample registry knows (for the website and API tests)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "DANH SÁCH NHÃN THÙNG NHÃN TƯƠI - THÁNG 8"
    sheet.merge_cells("A1:J1")
    sheet.append([])
    sheet.append(["STT", "Mã GTIN", "Số lô", "Tên sản phẩm", "Loại cây trồng", "Ngày thu hoạch", "Ngày đóng gói",
                  "Khối lượng tịnh (kg)", "Mã số vùng trồng", "Mã số cơ sở đóng gói", "Doanh nghiệp xuất khẩu",
                  "Thị trường", "Số seri"])  # fmt: skip
    exporter = "Công ty TNHH Nông sản Tây Bắc (synthetic)"
    sheet.append([1, 8936000120016, "SL250812A", "Nhãn tươi Sơn La", "longan", "11/08/2025", "12/08/2025", "10",
                  "vn slor 0001", "VN-SLPH-001", exporter, "Trung Quốc", "000001"])  # fmt: skip
    sheet.append([2, 8936000120016, "SL250812A", "Nhãn tươi Sơn La", "longan", dt.datetime(2025, 8, 11),
                  dt.datetime(2025, 8, 12), 10, "VN-SLOR-0001", "VN-SLPH-001", exporter, "CN", "000002"])  # fmt: skip
    sheet.append([3, "8,93600E+12", "SL250812A", "Nhãn tươi Sơn La", "longan", "11/08/2025", "12/08/2025", "10",
                  "VN-SLOR-0001", "VN-SLPH-001", exporter, "CN", "000003"])  # fmt: skip
    sheet.append([None, "Tổng cộng", None, None, None, None, None, 30])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FILES: dict[str, Callable[[], bytes]] = {
    "week48.xlsx": week48_xlsx,
    "week48-semicolon.csv": week48_semicolon_csv,
    "week48-comma.csv": week48_comma_csv,
    "chinese-headers.xlsx": chinese_headers_xlsx,
    "sonla-week.xlsx": sonla_week_xlsx,
}


def write_all(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, build in FILES.items():
        path = folder / name
        path.write_bytes(build())
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in write_all(Path(sys.argv[1] if len(sys.argv) > 1 else ".")):
        print(p)
