"""The registry benchmarks measure registries the library itself would accept: every code their
generators write parses, with the kind, scheme and province the import derives (a benchmark on codes
the library rejects measures another registry than users have)."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from trace_std.codes import parse_code

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def _module(name: str) -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # bench_search imports bench_registry
    spec = importlib.util.spec_from_file_location(name, BENCHMARKS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_search_rows_are_codes_the_library_accepts() -> None:
    rows = list(_module("bench_search")._rows(3000))
    assert len({r["code"] for r in rows}) == len(rows) == 3000
    kinds = {r["kind"] for r in rows}
    assert kinds == {"puc", "phc"}
    for row in rows:
        parsed = parse_code(row["code"])
        assert (parsed.kind, parsed.scheme, parsed.canonical) == (row["kind"], row["scheme"], row["code"])
        assert row["province_code"] == parsed.province_code


def test_bench_registry_file_holds_codes_the_library_accepts(tmp_path: Path) -> None:
    path = tmp_path / "codes.csv"
    _module("bench_registry").generate(path, 2000)
    with path.open(encoding="utf-8", newline="") as f:
        codes = [row["code"] for row in csv.DictReader(line for line in f if not line.startswith("#"))
                 if row["record"] == "code"]  # fmt: skip
    assert len(set(codes)) == len(codes) == 2000
    kinds = {parse_code(code).kind for code in codes}
    assert kinds == {"puc", "phc"}
