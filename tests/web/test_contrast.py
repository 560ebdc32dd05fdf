"""Colours of the site meet WCAG AA (4.5:1 for normal text)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "api" / "web" / "static" / "site.css").read_text()
VARS = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS))


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#777777", "#ffffff") < 4.5


VERDICTS = ["genuine", "suspended", "revoked", "unregistered", "malformed", "inconsistent"]


@pytest.mark.parametrize("verdict", VERDICTS)
def test_verdict_banner_text_is_readable(verdict: str) -> None:
    assert f".verdict--{verdict} {{ background: var(--v-{verdict}); }}" in CSS
    assert contrast(VARS[f"v-{verdict}"], VARS["paper"]) >= 4.5


@pytest.mark.parametrize(
    ("fg", "bg"),
    [
        ("ink", "paper"),
        ("ink", "wash"),
        ("muted", "paper"),
        ("muted", "wash"),
        ("link", "paper"),
        ("link", "wash"),
        ("paper", "link"),
        ("focus", "paper"),
        ("focus", "wash"),
    ],
)
def test_text_colours(fg: str, bg: str) -> None:
    assert contrast(VARS[fg], VARS[bg]) >= 4.5


def test_focus_is_visible() -> None:
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid", CSS)
