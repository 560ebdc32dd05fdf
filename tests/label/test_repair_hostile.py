"""Hostile text into the messy-file readers: never anything but a repair or a typed error."""

from __future__ import annotations

import io

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trace_std.errors import TraceStdError
from trace_std.label import aliases, repair, sheet_reader
from trace_std.label.batch import RowResult, iter_file

COLUMNS = ("gtin", "lot", "harvest_date", "pack_date", "best_before", "net_weight_kg", "puc", "phc",
           "destination_market", "serial", "sscc", "crop")  # fmt: skip
# text shaped like cells: digits, separators, letters with accents, full-width forms, CJK, exponents
CELL = st.text(
    alphabet=st.sampled_from([*"0123456789/.-,: eE+kgVNDTORPHvnđĐộ中国０１２３－／", "\u00a0", "\t"]),
    max_size=30,
) | st.text(max_size=30)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(COLUMNS), CELL)
def test_repair_returns_a_value_or_a_typed_error(column: str, text: str) -> None:
    from trace_std.label.batch import _PARSERS
    from trace_std.label.fields import parse_harvest

    parser = parse_harvest if column == "harvest_date" else _PARSERS[column]
    try:
        value = parser(text, column) if column != "harvest_date" else parser(text)
    except TraceStdError as err:
        found = repair.repair(column, text, err, repair.RepairState(), 2)
        if isinstance(found, repair.Repaired):
            assert found.original == text and found.read_as
        else:
            assert isinstance(found, TraceStdError) and found.code
    else:
        noted = repair.note(column, text, value)
        assert noted is None or noted.original == text


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_names_fold_and_match_without_raising(text: str) -> None:
    assert aliases.fold(aliases.fold(text)) == aliases.fold(text)
    aliases.column_for(text)
    aliases.market_for(text)
    aliases.suggest_market(text)
    aliases.row_kind(text)
    sheet_reader.is_header([text, text])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.lists(CELL, min_size=0, max_size=8), min_size=0, max_size=8),
    st.sampled_from([",", ";", "\t"]),
)
def test_title_rows_and_junk_rows_around_a_header(rows: list[list[str]], delimiter: str) -> None:
    header = ["Mã GTIN", "Số lô", "Ngày thu hoạch", "Ngày đóng gói", "Khối lượng tịnh (kg)"]
    lines = [delimiter.join(c.replace(delimiter, " ").replace('"', "") for c in r) for r in rows]
    text = "\r\n".join(["DANH SÁCH", *lines[:2], delimiter.join(header), *lines[2:]]) + "\r\n"
    try:
        items = list(iter_file(io.BytesIO(b"\xef\xbb\xbf" + text.encode("utf-8")), format="csv"))
    except TraceStdError:
        return
    for item in items:
        if isinstance(item, RowResult):
            assert item.number >= 2
