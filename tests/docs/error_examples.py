"""Run one entry of ``docs/reference/error_examples.json`` through the library; return the codes it yields."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES_FILE = ROOT / "docs" / "reference" / "error_examples.json"
VIAS = ("check", "label", "batch", "verify", "events")


def load() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(EXAMPLES_FILE.read_text("utf-8"))["examples"]
    return data


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def codes_of(entry: dict[str, Any], registry: Any = None) -> set[str]:
    """Every issue code the library reports (or raises) for this example."""
    from trace_std.errors import TraceStdError

    via = entry["via"]
    try:
        if via == "check":
            from trace_std.check import check

            report = check(entry["input"], kind=entry.get("kind"), strict=bool(entry.get("strict")))
            return {i.code for i in report.issues}
        if via == "label":
            from trace_std.label import check_label

            label = entry["label"]
            if isinstance(label, str):
                label = json.loads((ROOT / label).read_text("utf-8"))
            report = check_label(label, market=entry.get("market"), as_of=_date(entry.get("as_of")))
            return {i.code for i in report.issues}
        if via == "batch":
            from trace_std.label.batch import validate_file

            data = entry["input"].encode(entry.get("encoding", "utf-8"))
            stream = io.BytesIO(data)
            stream.name = entry.get("filename", "labels.csv")
            batch = validate_file(stream, market=entry.get("market"), as_of=_date(entry.get("as_of")))
            return {i.code for i in batch.issues}
        if via == "events":
            from trace_std.events import validate

            report = validate(
                entry["input"].encode(entry.get("encoding", "utf-8")),
                profile=entry.get("profile"),
                check_hashes=True,
            )
            return {i.code for i in report.issues}
        if via == "verify":
            from trace_std.registry.verify import verify

            report = verify(registry, entry["input"], on=_date(entry.get("on")), market=entry.get("market"))
            return {i.code for i in report.issues}
    except TraceStdError as exc:
        return {exc.code}
    raise ValueError(f"unknown via {via!r}")
