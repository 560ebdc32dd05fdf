"""The snippets of the getting-started pages run and print what the pages say they print."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "docs" / "getting-started" / "vendor.md"


def _blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, re.S)


def test_vendor_snippet_is_ten_lines_and_prints_what_the_page_shows() -> None:
    text = VENDOR.read_text("utf-8")
    code = _blocks(text, "python")[0]
    assert len([line for line in code.splitlines() if line.strip()]) <= 10
    expected = text[text.index(code) + len(code) :]
    expected = _blocks(expected, "text")[0]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(VENDOR), "exec"), {"__name__": "vendor_snippet"})
    assert out.getvalue() == expected


EXPORTER = ROOT / "docs" / "getting-started" / "exporter.md"


def test_exporter_russia_section_shows_the_example_file_its_report_and_its_sheet() -> None:
    import json
    import re
    import subprocess
    import sys

    page = EXPORTER.read_text("utf-8")
    shown = json.loads(re.search(r"```json\n(.*?)```", page, re.S).group(1))  # type: ignore[union-attr]
    example = ROOT / "examples" / "labels" / "valid-carton-ru-longan.json"
    assert shown == json.loads(example.read_text("utf-8"))
    block = re.search(r"```text\n\$ trace-std validate (\S+)\n(.*?)```", page, re.S)
    assert block is not None
    proc = subprocess.run(
        [sys.executable, "-m", "trace_std.cli", "validate", block.group(1)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1 and proc.stdout == block.group(2)
    assert "](sheet-ru-longan.svg)" in page and (EXPORTER.parent / "sheet-ru-longan.svg").is_file()
