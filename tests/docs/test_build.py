"""The documentation site builds with ``mkdocs build --strict``, offline, with every page in the nav."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


@pytest.mark.slow
def test_site_builds_strictly(site: Path) -> None:
    for page in (
        "index.html",
        "getting-started/vendor/index.html",
        "reference/errors/index.html",
        "reference/cli/index.html",
        "reference/http-api/index.html",
        "reference/data/index.html",
        "schemas/v1/label.schema.json",
    ):
        assert (site / page).is_file(), page


@pytest.mark.slow
def test_site_loads_nothing_from_the_network(site: Path) -> None:
    fetch = re.compile(
        r"<(?:script|img|iframe|source)[^>]+src=\"https?://|<link(?![^>]*rel=\"canonical\")[^>]+href=\"https?://"
    )
    offenders = [str(p.relative_to(site)) for p in site.rglob("*.html") if fetch.search(p.read_text("utf-8"))]
    assert not offenders
    css = "".join(p.read_text("utf-8") for p in site.rglob("*.css"))
    assert "fonts.googleapis" not in css and "@import url(http" not in css


def _nav_pages() -> set[str]:
    import yaml

    def pages(items: list[object]) -> set[str]:
        out: set[str] = set()
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            out |= pages(value) if isinstance(value, list) else {str(value)}
        return out

    return pages(yaml.load((ROOT / "mkdocs.yml").read_text("utf-8"), Loader=yaml.BaseLoader)["nav"])


def test_the_nav_lists_exactly_the_pages_in_docs() -> None:
    """Every page is reachable from the nav, and every nav entry is a written page."""
    docs = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    listed = _nav_pages()
    assert docs - listed == set(), "add these pages to the nav in mkdocs.yml"
    assert listed - docs == set(), "these nav entries have no page"
