"""Digital Link parsing with full validation vs biip's ``GS1DigitalLinkURI.parse``.

Run: ``python benchmarks/bench_digital_link.py``. Prints one line per target:

    <name>: ours <x>/s, baseline <y>/s, ratio <r>x (target 5x) OK|MISS

Both sides parse the same URIs: 3 AIs ``/01/../10/..?17=..`` and 5 AIs
``/01/../10/../21/..?17=..&3103=..``, each set made of many different URIs (GTIN, lot, serial,
date and weight vary), some with percent-escapes, so no per-value cache helps either side. Ours
applies every Digital Link rule plus every element-string rule (check digits, dates, req/ex).
Runs are interleaved (ours, baseline, ours, ...) and the best repeat of each is kept. A last line
reports the 3-AI set given with escapes only (the slower, span-mapping path), for information.
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Sequence

from biip.gs1_digital_link_uris import GS1DigitalLinkURI

from trace_std.gs1.digital_link import parse_digital_link
from trace_std.gs1.keys import check_digit

TARGET = 5.0
REPEATS = 5
ROUNDS = 20
COUNT = 100
LOT = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-"


def _gtin(rng: random.Random) -> str:
    body = str(rng.randrange(1, 9)) + "893" + "".join(rng.choice("0123456789") for _ in range(9))
    return body + str(check_digit(body))


def _date(rng: random.Random) -> str:
    return f"{rng.randrange(24, 30):02d}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"


def _uris(ais: int, seed: int, escaped: bool = False) -> list[str]:
    rng = random.Random(seed)
    out = []
    for i in range(COUNT):
        lot = "".join(rng.choice(LOT) for _ in range(rng.randrange(4, 12)))
        if escaped or i % 5 == 0:
            lot = lot[:2] + "%2F" + lot[2:]
        uri = f"https://dl.example.vn/01/{_gtin(rng)}/10/{lot}"
        if ais == 5:
            uri += f"/21/S{rng.randrange(10**6)}"
        uri += f"?17={_date(rng)}"
        if ais == 5:
            uri += f"&3103={rng.randrange(10**6):06d}"
        out.append(uri)
    return out


def _rate(func: Callable[[str], object], inputs: Sequence[str]) -> float:
    start = time.perf_counter()
    for _ in range(ROUNDS):
        for value in inputs:
            func(value)
    return ROUNDS * len(inputs) / (time.perf_counter() - start)


def compare(name: str, inputs: Sequence[str], target: float | None = TARGET) -> bool:
    for uri in inputs:  # both sides must accept and agree, or the comparison means nothing
        ours = parse_digital_link(uri).elements
        theirs = tuple((e.ai.ai, e.value) for e in GS1DigitalLinkURI.parse(uri).element_strings)
        assert sorted(ours) == sorted(theirs), (uri, ours, theirs)
    best_ours = best_base = 0.0
    for _ in range(REPEATS):
        best_ours = max(best_ours, _rate(parse_digital_link, inputs))
        best_base = max(best_base, _rate(GS1DigitalLinkURI.parse, inputs))
    ratio = best_ours / best_base
    ok = target is None or ratio >= target
    shown = f"target {target:g}x" if target is not None else "information only"
    verdict = ("OK" if ok else "MISS") if target is not None else "INFO"
    print(
        f"{name}: ours {best_ours:,.0f}/s, baseline {best_base:,.0f}/s, "
        f"ratio {ratio:.1f}x ({shown}) {verdict}"
    )
    return ok


def main() -> int:
    results = [
        compare("parse_digital_link 3 AIs vs biip GS1DigitalLinkURI.parse", _uris(3, 3)),
        compare("parse_digital_link 5 AIs vs biip GS1DigitalLinkURI.parse", _uris(5, 5)),
    ]
    compare("parse_digital_link 3 AIs, all escaped", _uris(3, 33, escaped=True), None)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
