"""Where the EPCIS reference material lives (``../shared/data/epcis``), and what each document is."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from tests.conftest import require_service

ROOT = Path(__file__).resolve().parents[2]


def shared_epcis() -> Path | None:
    """``shared/data/epcis`` beside the clone (or beside a parent: worktrees), or $TRACE_STD_SHARED."""
    env = os.environ.get("TRACE_STD_SHARED")
    candidates = [Path(env) / "data" / "epcis"] if env else []
    candidates += [parent / "shared" / "data" / "epcis" for parent in ROOT.parents]
    for candidate in candidates:
        if (candidate / "gs1" / "EPCIS-JSON-Schema.json").is_file():
            return candidate
    return None


def require_shared() -> Path:
    found = shared_epcis()
    if found is None:
        require_service(
            "../shared/data/epcis",
            "the GS1/OpenEPCIS reference documents are test data kept beside the clone",
        )
        raise AssertionError("unreachable")
    return found


def reference_files() -> list[Path]:
    base = shared_epcis()
    if base is None:
        return []
    return sorted((base / "gs1" / "examples").rglob("*.jsonld")) + sorted(
        (base / "openepcis").glob("*/*.json")
    )


def rel(path: Path) -> str:
    return path.as_posix().split("/data/epcis/", 1)[1]


def load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


# Reference documents trace_std rejects, with the error codes it reports. Each is explained, with the
# rule and where the standard states it, in docs/events/reference-documents.md.
REJECTED: dict[str, set[str]] = {
    "openepcis/Documents/AggregationEvent_with_persistentDisposition.json": {"epcis.field.unknown"},
    "openepcis/Documents/AggregationEvent_with_userExtensions.json": {"epcis.field.unknown"},
    "openepcis/Documents/AssociationEvent_with_userExtensions.json": {"epcis.field.unknown"},
    "openepcis/Documents/Combination_of_different_event.json": {"gs1.lint.csum"},
    "openepcis/Documents/ObjectEvent_with_userExtensions.json": {"epcis.field.unknown"},
    "openepcis/Documents/SensorData_with_combined_events.json": {
        "epcis.vocab.unknown",
        "epcis.field.required",
        "gs1.lint.zero",
    },
    "openepcis/Documents/TransactionEvent_with_userExtensions.json": {
        "epcis.field.unknown",
        "epcis.vocab.unknown",
    },
    "openepcis/Documents/TransformationEvent_with_userExtensions.json": {"epcis.field.unknown"},
}
