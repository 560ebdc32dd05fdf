"""PUC/PHC validation throughput against a bare precompiled regular expression, side by side.

Run: ``python benchmarks/bench_codes.py``. Both sides see the same canonical inputs; repeats are
interleaved (ours, baseline, ours, ...) and the best repeat of each is kept. The baseline is only a
``re.Pattern.fullmatch`` of the grammar of vn-codes.md §7 (no look-ups, no errors, no kinds), so the
ratio shows what our checks cost on top of the bare syntax test. Target: ratio ≤ 3.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Sequence

from trace_std.codes import phc, puc

TARGET = 3.0
REPEATS = 30
ROUNDS = 400

EXPORT = re.compile(r"VN-(?P<prov>[A-Z]{2,3})(?P<kind>OR|PH)-(?P<seq>[0-9]{3,4})")
DOMESTIC = re.compile(
    r"VN-(?P<prov>[0-9]{2})-(?P<district>[0-9]{3})-(?P<commune>[0-9]{5})-(?P<facility>[0-9]{2,})-(?P<yy>[0-9]{2})"
)

PUCS = ["VN-DTOR-0017", "VN-DTOR-0018", "VN-DNOOR-0039", "VN-DNOR-0269", "VN-DLOR-0188", "VN-DTOR-0574"]
PHCS = ["VN-DTPH-0001", "VN-BTPH-036", "VN-DNPH-120", "VN-DNPH-129", "VN-DNPH-131", "VN-TGPH-0219"]
DOMESTIC_PUCS = ["VN-75-731-26041-12-24", "VN-87-877-30268-01-23", "VN-14-125-04108-01-23"]


def _rate(func: Callable[[str], object], inputs: Sequence[str]) -> float:
    start = time.perf_counter()
    for _ in range(ROUNDS):
        for value in inputs:
            func(value)
    return ROUNDS * len(inputs) / (time.perf_counter() - start)


def compare(
    name: str, ours: Callable[[str], object], baseline: Callable[[str], object], inputs: Sequence[str]
) -> bool:
    for value in inputs:  # both sides must accept every input, or the comparison means nothing
        assert ours(value) and baseline(value), value
    best_ours = best_base = 0.0
    for _ in range(REPEATS):
        best_ours = max(best_ours, _rate(ours, inputs))
        best_base = max(best_base, _rate(baseline, inputs))
    ratio = best_base / best_ours
    ok = ratio <= TARGET
    print(
        f"{name}: ours {best_ours:,.0f}/s, baseline {best_base:,.0f}/s, ratio {ratio:.2f}x "
        f"(target {TARGET:g}) {'OK' if ok else 'MISS'}"
    )
    return ok


def main() -> int:
    results = [
        compare("puc.validate export", puc.validate, EXPORT.fullmatch, PUCS),
        compare("phc.validate export", phc.validate, EXPORT.fullmatch, PHCS),
        compare("puc.is_valid export", puc.is_valid, EXPORT.fullmatch, PUCS),
        compare("puc.validate domestic 3156", puc.validate, DOMESTIC.fullmatch, DOMESTIC_PUCS),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
