"""Names as exporters write them: column headers, destination markets and skip-row words.

The names are data (``trace_std/data/label_sheet_aliases.json``, Vietnamese with and without
diacritics, English and Simplified Chinese). Matching *folds* a name first: Unicode NFKC (full-width
forms typed with a Chinese input method become ASCII), lower case, ``đ`` → ``d``, accents dropped,
and every character that is not a letter or digit removed. So ``"Mã GTIN"``, ``"MA GTIN"``,
``"ma_gtin"`` and ``"Mã  GTIN "`` are one name.

>>> column_for("Khối lượng tịnh (kg)"), column_for("khoi luong tinh (kg)"), column_for("净重（公斤）")
('net_weight_kg', 'net_weight_kg', 'net_weight_kg')
>>> column_for("Ghi chú") == IGNORED, column_for("Màu thùng") is None
(True, True)
>>> market_for("Trung Quốc"), market_for("trung quoc"), market_for("TQ"), market_for("中国")
('CN', 'CN', 'CN', 'CN')
>>> suggest_market("Trung Qoc")
('CN', 'Trung Quốc')
>>> row_kind("Tổng cộng:"), row_kind("Total"), row_kind("DF2503A")
('totals', 'totals', None)
>>> row_kind("Note: all cartons 10 kg"), row_kind("Cộng: 42"), row_kind("Công ty ABC")
('notes', 'totals', None)
"""

from __future__ import annotations

import difflib
import unicodedata
from functools import cache

from trace_std.data import data_version, load

__all__ = [
    "IGNORED",
    "aliases_version",
    "column_for",
    "fold",
    "market_for",
    "row_kind",
    "suggest_market",
]

_TABLE = "label_sheet_aliases"
#: What :func:`column_for` returns for a known non-label column (row numbers, notes).
IGNORED = ""


def fold(name: str) -> str:
    """The matching key of a name: NFKC, lower case, no accents, letters and digits only.

    >>> fold("Mã số vùng trồng"), fold("ĐÓNG GÓI"), fold("Ｎｅｔ　ｗｅｉｇｈｔ")
    ('masovungtrong', 'donggoi', 'netweight')
    """
    text = unicodedata.normalize("NFKC", name).lower().replace("đ", "d")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


@cache
def _index() -> dict[str, dict[str, tuple[str, str]]]:
    """``{kind: {folded name: (target, name as written in the table)}}``."""
    out: dict[str, dict[str, tuple[str, str]]] = {"column": {}, "market": {}, "row": {}}
    for rec in load(_TABLE)["records"]:
        table = out[rec["kind"]]
        for names in rec["names"].values():
            for name in names:
                key = fold(name)
                if key:
                    table.setdefault(key, (rec["target"], name))
    return out


def column_for(header: str) -> str | None:
    """The template column a header names, :data:`IGNORED` for a known non-label column, else ``None``."""
    hit = _index()["column"].get(fold(header))
    return None if hit is None else hit[0]


def market_for(text: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of a market written as a name (``"Trung Quốc"`` → ``"CN"``)."""
    hit = _index()["market"].get(fold(text))
    return None if hit is None else hit[0]


@cache
def _market_choices() -> dict[str, tuple[str, str]]:
    """Every market name we can suggest: the alias table and the ISO 3166-1 English names."""
    choices = dict(_index()["market"])
    for rec in load("iso3166")["records"]:
        for key in ("name", "common_name", "official_name"):
            name = rec.get(key)
            if isinstance(name, str) and fold(name):
                choices.setdefault(fold(name), (rec["alpha_2"], name))
    return choices


def suggest_market(text: str) -> tuple[str, str] | None:
    """The closest known market name to a misspelt one: ``(ISO code, name)``, or ``None``."""
    key = fold(text)
    if not key:
        return None
    choices = _market_choices()
    found = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.75)
    return choices[found[0]] if found else None


def row_kind(first_cell: str) -> str | None:
    """``"totals"`` or ``"notes"`` when a row's first filled cell starts with such a word."""
    key = fold(first_cell)
    if not key:
        return None
    table = _index()["row"]
    hit = table.get(key)
    if hit is not None:
        return hit[0]
    written = unicodedata.normalize("NFKC", first_cell).strip().lower()
    for word, (kind, name) in table.items():
        if not key.startswith(word):
            continue
        # "Tổng cộng: 1.250 kg" starts with a long word; "Tổng 1250" is a short word and a number;
        # "Note: ..." and "Cộng: 42" are a short word as written, then a mark ("Công ty" is not "Cộng")
        if len(word) >= 5 or key[len(word) :].isdigit():
            return kind
        lowered = name.lower()
        if written.startswith(lowered) and not written[len(lowered) : len(lowered) + 1].isalnum():
            return kind
    return None


def aliases_version() -> str:
    return data_version(_TABLE)
