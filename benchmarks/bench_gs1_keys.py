"""GTIN-13/14 validation throughput vs ``stdnum.ean.is_valid`` and a bare weighted-sum loop.

Run: ``python benchmarks/bench_gs1_keys.py``. Prints one line per target:

    <name>: ours <x>/s, baseline <y>/s, ratio <r>x (target <t>) OK|MISS

The ratio is ours/baseline throughput. Targets: at least 3x ``stdnum.ean.is_valid``; and within
1.5x of a bare pure-Python weighted-sum loop, i.e. a ratio of at least 1/1.5 = 0.67 (the loop
checks nothing but the sum, so being "within 1.5x" of it means our type, length and character
checks cost little). Every side sees the same list of different GTINs (valid and invalid); runs
are interleaved (ours, baseline, ours, ...) and the best repeat of each is kept.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence

from stdnum import ean

from trace_std.gs1.keys import check_digit, is_valid_gtin, validate_gtin

REPEATS = 21
ROUNDS = 25
COUNT = 200


def bare_loop(value: str) -> bool:
    """The textbook check: weights 1, 3, 1, 3 ... from the right; the sum is a multiple of 10."""
    total = 0
    weight = 1
    for ch in reversed(value):
        total += (ord(ch) - 48) * weight
        weight = 4 - weight
    return total % 10 == 0


def _validate_ok(value: str) -> bool:
    try:
        validate_gtin(value)
    except ValueError:
        return False
    return True


def _gtins(length: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(COUNT):
        body = "".join(rng.choice("0123456789") for _ in range(length - 1))
        digit = check_digit(body)
        if i % 4 == 3:  # a quarter with a wrong check digit
            digit = (digit + 1 + rng.randrange(9)) % 10
        out.append(body + str(digit))
    return out


def _rate(func: Callable[[str], object], inputs: Sequence[str]) -> float:
    start = time.perf_counter()
    for _ in range(ROUNDS):
        for value in inputs:
            func(value)
    return ROUNDS * len(inputs) / (time.perf_counter() - start)


def compare(
    name: str,
    ours: Callable[[str], bool],
    baseline: Callable[[str], bool],
    inputs: Sequence[str],
    target: float | None,
) -> bool:
    for value in inputs:  # both sides must agree on every input, or the comparison means nothing
        assert ours(value) == baseline(value), value
    best_ours = best_base = 0.0
    for _ in range(REPEATS):
        best_ours = max(best_ours, _rate(ours, inputs))
        best_base = max(best_base, _rate(baseline, inputs))
    ratio = best_ours / best_base
    ok = target is None or ratio >= target
    shown = "information only" if target is None else f"target {target:.2f}"
    verdict = "INFO" if target is None else ("OK" if ok else "MISS")
    print(
        f"{name}: ours {best_ours:,.0f}/s, baseline {best_base:,.0f}/s, ratio {ratio:.2f}x "
        f"({shown}) {verdict}"
    )
    return ok


def main() -> int:
    gtin13, gtin14 = _gtins(13, 13), _gtins(14, 14)
    within = 1 / 1.5
    results = [
        compare("is_valid_gtin GTIN-13 vs stdnum.ean.is_valid", is_valid_gtin, ean.is_valid, gtin13, 3.0),
        compare("is_valid_gtin GTIN-14 vs stdnum.ean.is_valid", is_valid_gtin, ean.is_valid, gtin14, 3.0),
        compare("is_valid_gtin GTIN-13 vs bare weighted-sum loop", is_valid_gtin, bare_loop, gtin13, within),
        compare("is_valid_gtin GTIN-14 vs bare weighted-sum loop", is_valid_gtin, bare_loop, gtin14, within),
        compare(
            "validate_gtin valid GTIN-13 vs stdnum.ean.is_valid",
            _validate_ok,
            ean.is_valid,
            [g for g in gtin13 if ean.is_valid(g)],
            3.0,
        ),
        compare(
            "validate_gtin valid GTIN-14 vs stdnum.ean.is_valid",
            _validate_ok,
            ean.is_valid,
            [g for g in gtin14 if ean.is_valid(g)],
            3.0,
        ),
    ]
    # For information: a quarter of the inputs invalid, so validate_gtin raises a coded error with
    # span and expected digit for each of them, while stdnum just returns False.
    compare(
        "validate_gtin GTIN-13, 25% invalid (raising) vs stdnum.ean.is_valid",
        _validate_ok,
        ean.is_valid,
        gtin13,
        None,
    )
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
