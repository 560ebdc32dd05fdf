"""The documentation site builds with ``mkdocs build --strict``, offline, with every page in the nav."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytest.importorskip("mkdocs")
pytest.importorskip("material")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
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


def test_every_markdown_page_is_in_the_nav() -> None:
    import yaml

    nav = yaml.load((ROOT / "mkdocs.yml").read_text("utf-8"), Loader=yaml.BaseLoader)["nav"]

    def pages(items: list[object]) -> set[str]:
        out: set[str] = set()
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            out |= pages(value) if isinstance(value, list) else {str(value)}
        return out

    listed = pages(nav)
    docs = {str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")}
    assert docs - listed == set(), "add these pages to the nav in mkdocs.yml"


def test_nav_points_at_existing_pages_except_pending_topic_pages() -> None:
    """The build hook drops nav entries whose page is not written yet; only other issues' pages may be pending."""
    import yaml

    pending_allowed = {"reliability.md", "rendering.md"}  # written by the hardening and rendering work
    nav = yaml.load((ROOT / "mkdocs.yml").read_text("utf-8"), Loader=yaml.BaseLoader)["nav"]

    def pages(items: list[object]) -> set[str]:
        out: set[str] = set()
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            out |= pages(value) if isinstance(value, list) else {str(value)}
        return out

    missing = {p for p in pages(nav) if not (ROOT / "docs" / p).exists()}
    assert missing <= pending_allowed
