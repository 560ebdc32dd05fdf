"""Shared helpers of the ``scripts/gen_*.py`` data generators (not a generator itself).

Every generated table has the same header (see ``docs/architecture.md``)::

    {"dataset", "version", "generated_by", "source": {"title", "url", "licence", "retrieved", "sha256"}, ...}

and is written with sorted keys, one record per line, so that diffs stay readable.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = ROOT / "trace_std" / "data"


def sync_files(files: dict[Path, str], *, check: bool, command: str) -> int:
    """Write each generated file whose bytes differ (UTF-8, newlines as given), or with ``check``
    only list them. Returns the exit status: 1 when ``check`` found a file out of date."""
    stale = [path for path, text in files.items() if not path.exists() or path.read_bytes() != text.encode()]
    if check:
        if stale:
            names = ", ".join(str(p.relative_to(ROOT)) for p in stale)
            print(f"out of date (run {command}): {names}", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(files[path], "utf-8", newline="")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def today() -> str:
    """The retrieval date written into ``source.retrieved`` (UTC)."""
    return _dt.datetime.now(_dt.UTC).date().isoformat()


def _dump_value(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def write_table(name: str, header: dict[str, Any], lists: dict[str, list[Any]]) -> Path:
    """Write ``trace_std/data/<name>.json``: the header, then each list with one item per line."""
    path = DATA_DIR / f"{name}.json"
    lines = ["{"]
    items = [f"  {json.dumps(k)}: {_dump_value(v)}" for k, v in header.items()]
    for key, records in lists.items():
        body = ",\n".join(f"    {_dump_value(r)}" for r in records)
        items.append(f"  {json.dumps(key)}: [\n{body}\n  ]" if records else f"  {json.dumps(key)}: []")
    lines.append(",\n".join(items))
    lines.append("}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    json.loads(path.read_text("utf-8"))  # self-check: the file is valid JSON
    return path
