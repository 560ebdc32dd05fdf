"""README.md: its two commands, its screenshot and every relative link it makes exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text("utf-8")


def test_the_two_commands() -> None:
    assert "python3 -m pip install -e '.[all]' && trace-std serve" in README
    assert "\npython3 -m pytest\n" in README


def test_relative_links_and_images_exist() -> None:
    targets = re.findall(r"\]\(([^)\s]+)\)", README) + re.findall(r'<img src="([^"]+)"', README)
    local = [t.split("#")[0] for t in targets if not re.match(r"[a-z]+:", t) and not t.startswith("#")]
    assert local
    missing = [t for t in local if t and not (ROOT / t).exists()]
    assert not missing


def test_three_user_paths_and_examples() -> None:
    for page in ("vendor", "exporter", "consumer"):
        assert f"docs/getting-started/{page}.md" in README
    for script in re.findall(r"python3 examples/(\w+\.py)", README):
        assert (ROOT / "examples" / script).exists()
