"""The importer's fast paths give the same answers as the full analysis they shortcut."""

from __future__ import annotations

import json
import random
from pathlib import Path

from trace_std.errors import TraceStdError
from trace_std.registry import _codes

ADMIN = Path(__file__).resolve().parents[2] / "trace_std" / "data" / "vn_admin_2004.json"


def _outcome(fn: object, code: str) -> object:
    try:
        return fn(code)  # type: ignore[operator]
    except TraceStdError as exc:
        return ("error", exc.code)


def test_domestic_code_fast_path_matches_the_full_parse() -> None:
    admin = json.loads(ADMIN.read_text("utf-8"))
    province_of = {d["code"]: d["province"] for d in admin["districts"]}
    districts = sorted(province_of)
    rng = random.Random(16)
    codes = []
    for commune in rng.sample(admin["communes"], 400):
        for _ in range(3):
            district = commune["district"] if rng.random() < 0.8 else rng.choice(districts)  # some mismatches
            codes.append(
                f"VN-{province_of[district]}-{district}-{commune['code']}-{rng.randint(1, 150):02d}"
                f"-{rng.randint(0, 30):02d}"
            )
    codes += [
        "VN-14-116-04114-01-22",
        "vn-14-116-04117-01-22",
        "VN-DTOR-0017",
        "VN-BTPH-036",
        "PB.33.01.01.001",
    ]
    fast = [_outcome(_codes.resolve_code, c) for c in codes]
    full = [_outcome(lambda c: _codes._resolve(c, None), c) for c in codes]
    assert fast == full
    assert sum(isinstance(r, _codes.ResolvedCode) for r in fast) > 600  # the fast path was exercised
    assert sum(isinstance(r, tuple) for r in fast) > 50  # and so were codes it must hand on
    assert len(_codes._DOMESTIC) <= len(admin["communes"])
