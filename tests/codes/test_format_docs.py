from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_format_docs", ROOT / "scripts" / "gen_format_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("kind", ["puc", "phc"])
def test_format_pages_are_up_to_date(kind: str) -> None:
    gen = _generator()
    page = (ROOT / "docs" / "formats" / f"{kind}.md").read_text("utf-8")
    assert page == gen.render(kind, gen.PAGES[kind]), "run: python scripts/gen_format_docs.py"


def test_pages_carry_sources_confidence_and_examples() -> None:
    for kind in ("puc", "phc"):
        page = (ROOT / "docs" / "formats" / f"{kind}.md").read_text("utf-8")
        assert "Legal sources" in page and "Confidence" in page and "```pycon" in page
    assert "3156/QĐ-BNN-TT" in (ROOT / "docs" / "formats" / "puc.md").read_text("utf-8")


def test_glossary_has_the_bilingual_terms() -> None:
    text = (ROOT / "docs" / "glossary.md").read_text("utf-8").lower()
    for term in (
        "mã số vùng trồng",
        "mã số cơ sở đóng gói",
        "application identifier",
        "element string",
        "hri",
        "digital link",
        "primary key",
        "qualifier",
        "gln",
        "gtin",
    ):
        assert term in text, term


def test_markets_page_requirement_tables_are_up_to_date() -> None:
    gen = _generator()
    page = gen.MARKETS_PAGE.read_text("utf-8")
    assert page == gen.render_markets_page(page), "run: python scripts/gen_format_docs.py"
    for market in ("RU", "JP", "KR"):
        assert f"### {market}:" in page
    assert "TR CU 022/2011" in page and "食品表示基準" in page and "농수산물의 원산지 표시" in page
