"""Element-string parsing with full validation vs biip's ``GS1Message.parse_hri`` / ``parse``.

Run: ``python benchmarks/bench_element_string.py``. Prints one line per target:

    <name>: ours <x>/s, baseline <y>/s, ratio <r>x (target 5x) OK|MISS

Both parsers read the same strings: bracketed (HRI) and raw (GS-separated) element strings of 3
AIs ``(01)(17)(10)`` and 5 AIs ``(01)(17)(10)(3103)(21)``. Each set holds many different strings
(varying GTIN, dates, lot, weight, serial), so no per-value cache can help either side. Ours runs
every component, linter and req/ex rule. The runs are interleaved (ours, baseline, ours, ...) and
the best repeat of each is kept.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from biip.gs1_messages import GS1Message

from trace_std.gs1.element_string import parse_element_string
from trace_std.gs1.linters import gs1_check_digit

TARGET = 5.0
VARIANTS = 100
REPEATS = 15


def _strings(count: int, n_ais: int, seed: int) -> list[tuple[str, str]]:
    """``(hri, raw)`` pairs of valid element strings."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        body = "0893" + "".join(rng.choice("0123456789") for _ in range(9))
        gtin = body + str(gs1_check_digit(body))
        date = f"{rng.randint(24, 30):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        lot = "".join(rng.choice("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-") for _ in range(rng.randint(4, 10)))
        pairs = [("01", gtin), ("17", date), ("10", lot)]
        if n_ais == 5:
            pairs.append(("3103", f"{rng.randint(1, 999999):06d}"))
            pairs.append(("21", "".join(rng.choice("0123456789ABCDEF") for _ in range(8))))
        hri = "".join(f"({ai}){v}" for ai, v in pairs)
        raw = parse_element_string(hri).raw()
        out.append((hri, raw))
    return out


def _best_rate(fn: Callable[[str], object], items: list[str], rounds: list[float]) -> None:
    start = time.perf_counter()
    for s in items:
        fn(s)
    rounds.append(len(items) / (time.perf_counter() - start))


def _compare(
    name: str, ours: Callable[[str], object], base: Callable[[str], object], items: list[str]
) -> bool:
    for s in items:  # both accept every string before timing
        ours(s)
        base(s)
    ours_rounds: list[float] = []
    base_rounds: list[float] = []
    for _ in range(REPEATS):
        _best_rate(ours, items, ours_rounds)
        _best_rate(base, items, base_rounds)
    o, b = max(ours_rounds), max(base_rounds)
    ratio = o / b
    ok = ratio >= TARGET
    verdict = "OK" if ok else "MISS"
    print(f"{name}: ours {o:,.0f}/s, baseline {b:,.0f}/s, ratio {ratio:.1f}x (target {TARGET:g}x) {verdict}")
    return ok


def main() -> int:
    three = _strings(VARIANTS, 3, seed=3)
    five = _strings(VARIANTS, 5, seed=5)
    results = [
        _compare(
            "hri 3 AIs vs biip parse_hri", parse_element_string, GS1Message.parse_hri, [h for h, _ in three]
        ),
        _compare(
            "hri 5 AIs vs biip parse_hri", parse_element_string, GS1Message.parse_hri, [h for h, _ in five]
        ),
        _compare("raw 3 AIs vs biip parse", parse_element_string, GS1Message.parse, [r for _, r in three]),
        _compare("raw 5 AIs vs biip parse", parse_element_string, GS1Message.parse, [r for _, r in five]),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
