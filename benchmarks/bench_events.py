"""EPCIS validation: the whole CLI against python-jsonschema with the official schema, and flat memory.

Run: ``python benchmarks/bench_events.py [--full] [--events N]``. Prints one line per target:

    <name>: ours <x>/s, baseline <y>/s, ratio <r>x (target <t>) OK|MISS

* ``events-cli``: events/s of ``trace-std events validate --format json`` (a fresh process; its CPU
  time, user + system, includes start-up, reading, every check) on a 20,000-event document.
  Target: ≥ 5,000 events/s.
* ``events-vs-jsonschema``: the same document through ``json.load`` + python-jsonschema's
  ``Draft7Validator`` with the official EPCIS 2.0 schema (``../shared/data/epcis/gs1``) and a strict
  ``FormatChecker`` (rfc3987, rfc3339-validator), in process (CPU time), measured in the same run. Target: the
  CLI ≥ 5x faster (while checking vocabularies, identifiers, JSON-LD prefixes, cross-field rules).
* ``events-memory``: peak RSS (``ru_maxrss``) of the CLI validating 1,000,000 events over 100,000
  (``--full``; 20,000 / 200,000 otherwise). Target: ≤ 1.3x.

The document is shaped like a season of Vietnamese exports: harvest (ObjectEvent ADD with lot
master data and ``vn:`` extensions), packing with unique carton serials (SGTIN URNs and Digital
Links), aggregation onto SSCC pallets, shipping with source/destination parties; every eventID a UUID.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATE = 5000.0
TARGET_RATIO = 5.0
TARGET_MEMORY = 1.3
CONTEXT = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"vn": "https://trace-std.vn/ns/epcis/1/"},
]


def _check_digit(digits: str) -> str:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return str((10 - total % 10) % 10)


def _events(n: int, seed: int = 7) -> Iterator[dict[str, object]]:
    rng = random.Random(seed)
    bases = [f"8935234{i:05d}" for i in range(1, 41)]
    gtins = ["0" + g + _check_digit(g) for g in bases]
    for i in range(n):
        gtin = gtins[i % len(gtins)]
        lot = f"L{(i // 500):05d}"
        day = 1 + (i // 40000) % 28
        base = {
            "eventID": f"urn:uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            "eventTime": f"2025-08-{day:02d}T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}"
            f".{i % 1000:03d}+07:00",
            "eventTimeZoneOffset": "+07:00",
            "readPoint": {"id": f"urn:epc:id:sgln:8935234.{(i % 90) + 10:05d}.0"},
            "bizLocation": {"id": "https://id.gs1.org/414/8935234000101"},
        }
        kind = i % 4
        if kind == 0:
            yield {
                "type": "ObjectEvent",
                "action": "ADD",
                "bizStep": "commissioning",
                "disposition": "active",
                "quantityList": [
                    {"epcClass": f"https://id.gs1.org/01/{gtin}/10/{lot}", "quantity": 250.5, "uom": "KGM"}
                ],
                "ilmd": {
                    "vn:plantingAreaCode": f"VN-SLOR-{(i % 99) + 1:04d}",
                    "vn:harvestDate": f"2025-08-{day:02d}",
                    "vn:variety": "longan",
                },
                **base,
            }
        elif kind == 1:
            epcs = [f"urn:epc:id:sgtin:8935234.0{gtin[8:13]}.{i * 10 + k}" for k in range(4)]
            yield {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "bizStep": "packing",
                "disposition": "in_progress",
                "epcList": epcs,
                "vn:packingHouseCode": "VN-SLPH-001",
                **base,
            }
        elif kind == 2:
            ref = f"{i:09d}"
            sscc = "0" + "8935234" + ref
            sscc += _check_digit(sscc)
            yield {
                "type": "AggregationEvent",
                "action": "ADD",
                "bizStep": "packing",
                "parentID": f"https://id.gs1.org/00/{sscc}",
                "childEPCs": [f"https://id.gs1.org/01/{gtin}/21/S{i * 10 + k}" for k in range(4)],
                **base,
            }
        else:
            yield {
                "type": "ObjectEvent",
                "action": "OBSERVE",
                "bizStep": "shipping",
                "disposition": "in_transit",
                "epcList": [f"urn:epc:id:sscc:8935234.0{i:09d}"],
                "bizTransactionList": [
                    {"type": "po", "bizTransaction": f"urn:epcglobal:cbv:bt:8935234000101:{i}"}
                ],
                "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:8935234.00010"}],
                "destinationList": [
                    {"type": "owning_party", "destination": "https://id.gs1.org/417/4012345000009"}
                ],
                "vn:destinationMarket": "CN",
                **base,
            }


def write_document(path: Path, n: int) -> None:
    with path.open("w", encoding="utf-8") as fh:
        head = {
            "@context": CONTEXT,
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2025-09-01T00:00:00+07:00",
        }
        fh.write(json.dumps(head)[:-1] + ', "epcisBody": {"eventList": [\n')
        for i, event in enumerate(_events(n)):
            fh.write(("," if i else "") + json.dumps(event, separators=(",", ":")) + "\n")
        fh.write("]}}\n")


_MEASURE = (
    "import resource, sys, time; sys.argv = ['trace-std'] + sys.argv[1:]; t = time.monotonic();\n"
    "from trace_std.cli import main\n"
    "import io, contextlib\n"
    "buf = io.StringIO()\n"
    "with contextlib.redirect_stdout(buf): code = main(sys.argv[1:])\n"
    "u = resource.getrusage(resource.RUSAGE_SELF)\n"
    "sys.stderr.write(f'{code} {u.ru_maxrss} {u.ru_utime + u.ru_stime} {buf.getvalue()[:2000]!r}\\n')\n"
)


def run_cli(path: Path) -> tuple[float, int, str]:
    """CPU seconds (user + system, start-up included), peak RSS (KiB) and output of the CLI on
    ``path`` in a fresh process. CPU time, not wall time: the machine is shared, and the baseline is
    timed the same way."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, "events", "validate", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    last = proc.stderr.strip().splitlines()[-1]
    code, rss, cpu, out = last.split(" ", 3)
    if code != "0":
        raise SystemExit(f"the benchmark document is not valid: {out}")
    return float(cpu), int(rss), out


def jsonschema_seconds(path: Path) -> float | None:
    try:
        import jsonschema
        import rfc3987  # noqa: F401 - the strict "uri" format
    except ImportError:
        return None
    shared = next(
        (
            p / "shared" / "data" / "epcis" / "gs1"
            for p in ROOT.parents
            if (p / "shared" / "data" / "epcis" / "gs1").is_dir()
        ),
        None,
    )
    if shared is None:
        return None
    schema = json.loads((shared / "EPCIS-JSON-Schema.json").read_text("utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    start = time.process_time()
    with path.open(encoding="utf-8") as fh:
        doc = json.load(fh)
    errors = list(validator.iter_errors(doc))
    elapsed = time.process_time() - start
    assert not errors, errors[0].message
    return elapsed


def line(name: str, ours: float, base: float | None, ratio: float | None, target: str, ok: bool) -> str:
    b = "n/a" if base is None else f"{base:,.0f}/s"
    r = "n/a" if ratio is None else f"{ratio:.2f}x"
    return f"{name}: ours {ours:,.0f}/s, baseline {b}, ratio {r} (target {target}) {'OK' if ok else 'MISS'}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--full", action="store_true", help="memory at 100,000 and 1,000,000 events")
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    missed = False
    with tempfile.TemporaryDirectory() as tmp:
        doc = Path(tmp) / "events.jsonld"
        write_document(doc, args.events)
        cpu, _rss, _ = run_cli(doc)
        rate = args.events / cpu
        base_s = jsonschema_seconds(doc)
        base_rate = None if base_s is None else args.events / base_s
        ok = rate >= TARGET_RATE
        missed |= not ok
        print(line(f"events-cli-{args.events // 1000}k", rate, None, None, f">= {TARGET_RATE:,.0f}/s", ok))
        if base_rate is not None:
            ratio = rate / base_rate
            ok = ratio >= TARGET_RATIO
            missed |= not ok
            print(line("events-vs-jsonschema", rate, base_rate, ratio, f">= {TARGET_RATIO}x", ok))
        else:
            print("events-vs-jsonschema: SKIPPED (needs jsonschema, rfc3987 and ../shared/data/epcis)")
        doc.unlink()
        small, large = (100_000, 1_000_000) if args.full else (20_000, 200_000)
        rss = {}
        for n in (small, large):
            path = Path(tmp) / f"events-{n}.jsonld"
            write_document(path, n)
            cpu, rss[n], _ = run_cli(path)
            print(
                f"events-cli-{n // 1000}k: {n / cpu:,.0f} events/s (CPU), peak RSS {rss[n] / 1024:,.1f} MiB, "
                f"file {path.stat().st_size / 2**20:,.0f} MiB"
            )
            path.unlink()
        growth = rss[large] / rss[small]
        ok = growth <= TARGET_MEMORY
        missed |= not ok
        print(
            f"events-memory: peak RSS {rss[small] / 1024:,.1f} MiB at {small:,}, "
            f"{rss[large] / 1024:,.1f} MiB at {large:,}, ratio {growth:.2f}x (target <= {TARGET_MEMORY}x) "
            f"{'OK' if ok else 'MISS'}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())
