"""Free-text search of the registry: the one folding rule and the stored search text of a code.

A code's *search text* is its code, name, owner, address and commune name, each folded by
:func:`fold` (case- and accent-insensitive, as a Vietnamese reader expects: ``"da lat"`` finds
``"Đà Lạt"``), one field per line, every field after a space. It is computed here, in Python, on
every write (the importer's loader and the ORM), stored in ``codes.search_text`` and indexed: an
FTS5 ``trigram`` table on SQLite (``codes_search``, kept by triggers), a ``pg_trgm`` GIN index on
PostgreSQL. A query is folded the same way, then:

* 3 characters or more match anywhere in a field (a substring, like ``LIKE '%q%'``);
* 2 characters match the start of a word (``"la"`` finds ``"Lạt"`` and ``"La"``, not ``"Bala"``):
  a trigram index cannot look up fewer than 3 characters, and the leading space makes 3;
* 1 character is refused (``registry.search.query_too_short``): it could only be answered by
  reading every code.

>>> fold("  Đà   LẠT ")
'da lat'
>>> fold("Hợp tác xã Chiềng Mung")
'hop tac xa chieng mung'
>>> search_text("VN-SLOR-0001", "Vùng trồng Đà Lạt", None, None, "Phường 1")
' vn-slor-0001\\n vung trong da lat\\n phuong 1'
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

__all__ = ["FIELDS", "MIN_QUERY", "SUBSTRING_FROM", "derive", "fold", "search_text"]

#: The fields of a code that the free-text search reads, in stored order.
FIELDS: tuple[str, ...] = ("code", "name", "owner", "address", "commune_name")
#: The shortest query (folded characters) the search answers.
MIN_QUERY = 2
#: From this many folded characters a query matches anywhere; below, at the start of a word.
SUBSTRING_FROM = 3

# letters with a stroke or a ligature that Unicode does not decompose into a base letter + mark
_EXTRA = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o"})
_SPACE = re.compile(r"\s+")


def _fold_slowly(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in decomposed
        if not unicodedata.combining(ch) and (ch.isspace() or unicodedata.category(ch)[0] != "C")
    )
    return " ".join(kept.casefold().split())


# the Latin letters with marks (Vietnamese uses U+00C0–U+01B0 and U+1EA0–U+1EF9) folded once
_LATIN = {
    cp: _fold_slowly(chr(cp)) for cp in (*range(0xC0, 0x250), *range(0x1E00, 0x1F00)) if not chr(cp).isspace()
}


def fold(text: str) -> str:
    """``text`` case- and accent-folded for search: the Vietnamese tones and vowel marks dropped
    (NFKD, then every combining mark removed), ``đ`` read as ``d``, :meth:`str.casefold`, control
    characters dropped and runs of white space made one space.

    >>> fold("SƠN La"), fold("Ðắk Lắk"), fold("50%_off")
    ('son la', 'dak lak', '50%_off')
    """
    # the fast path: Vietnamese text is ASCII once its letters fold
    latin = text if text.isascii() else text.translate(_LATIN)
    if latin.isascii():
        out = " ".join(latin.lower().split())
        if out.isprintable():
            return out
    return _fold_slowly(text)


def search_text(*values: str | None) -> str:
    """The stored search text of the given field values (``None`` and empty values left out)."""
    return "\n".join(" " + f for f in map(fold, filter(None, values)) if f)


#: :func:`fold` of a field that repeats across codes (addresses, commune and province names),
#: kept in a bounded cache: an import folds the same few thousand names again and again
_fold_repeated = functools.lru_cache(maxsize=16384)(lambda text: fold(text))


def derive(record: Any) -> dict[str, str | None]:
    """The stored search columns of a code (a mapping or an object with the :data:`FIELDS` and
    ``province_name``): ``search_text`` and ``province_key`` (the folded province name, which the
    ``province=`` filter compares by index)."""

    def get(name: str) -> Any:
        return record.get(name) if isinstance(record, dict) else getattr(record, name, None)

    province = get("province_name")
    folded = [
        (_fold_repeated if name in _REPEATED else fold)(value) for name in FIELDS if (value := get(name))
    ]
    return {
        "search_text": "\n".join(" " + f for f in folded if f),  # as search_text(), with the cache
        "province_key": (_fold_repeated(province) or None) if province else None,
    }


_REPEATED = frozenset({"address", "commune_name"})
