"""Record digests: how a re-import recognises a code record it has already applied.

An import stores with each code it writes (or finds unchanged) the digest of the file record it
applied: BLAKE2b-128 of the record as read (its fields, approvals and history, in file order) keyed
with the **rules version**. A later import that reads a record whose digest equals the stored one
skips its validation and its write and counts it ``unchanged``, which is what the full path would
conclude, because applying a record twice is the same as applying it once (the import is
idempotent) — provided that nothing else has changed the code since. So every other write to a
code, its approvals or its history sets ``codes.import_digest`` to NULL (the status change, the
admin upsert, the importing-country register import), and the digest is checked again inside the
write transaction before a record is counted unchanged (a record whose code changed meanwhile is
validated and applied then).

The rules version is :data:`RULES_VERSION` together with a hash of the code and data the outcome
depends on (the code grammars and administrative tables, the importer's modules): any change to
them makes every stored digest stale, and the next import takes the full path once.
"""

from __future__ import annotations

import functools
import hashlib
import marshal
from pathlib import Path

from trace_std.registry.importer.formats import FORMAT_VERSION, Raw

__all__ = ["RULES_VERSION", "record_digest", "rules_version"]

#: Bump when the import's rules change in a way the hashed sources below would not show.
RULES_VERSION = "1"

_ROOT = Path(__file__).resolve().parents[2]  # trace_std/
_SOURCES = (
    "codes/*.py",
    "registry/_codes.py",
    "registry/models.py",
    "registry/importer/*.py",
    "data/__init__.py",
    "data/iso.py",
    "data/vn_admin.py",
    "data/code_schemes.json",
    "data/iso3166.json",
    "data/vn_admin_2004.json",
    "data/vn_admin_2025.json",
    "data/vn_export_abbreviations.json",
    "data/vn_export_abbreviations.overrides.json",
)


@functools.cache
def rules_version() -> bytes:
    """A 16-byte key naming the import rules: :data:`RULES_VERSION`, the format version and the
    content of every module and table the outcome of an import depends on."""
    h = hashlib.blake2b(f"{RULES_VERSION}|{FORMAT_VERSION}|".encode(), digest_size=16)
    for pattern in _SOURCES:
        for path in sorted(_ROOT.glob(pattern)):
            h.update(path.relative_to(_ROOT).as_posix().encode() + b"\0")
            h.update(path.read_bytes())
    return h.digest()


def record_digest(raw: Raw) -> str | None:
    """The digest of one code record as read (32 hex digits), ``None`` if it cannot be taken.

    ``marshal`` format 2 has no back-references, so equal records (same values, types and key
    order) give equal bytes whatever their objects' sharing."""
    try:
        blob = marshal.dumps(raw.data, 2)
    except ValueError:  # pragma: no cover - JSON and CSV give only marshallable values
        return None
    return hashlib.blake2b(blob, digest_size=16, key=rules_version()).hexdigest()
