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
