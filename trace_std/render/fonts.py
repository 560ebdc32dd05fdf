"""Fonts of the carton sheet: which face draws which script, and the subsets embedded in the SVG.

The sheet prints Vietnamese and English, and each market's texts in its own script: Chinese (CN),
Cyrillic (RU), Japanese (JP) and Korean (KR). Every text names its faces in ``font-family``
(*referenced*: a renderer with the fonts installed uses them) and, with ``fonts="embed"``, the
SVG also carries ``@font-face`` rules whose ``data:`` URIs hold a subset of each face with exactly
the glyphs the sheet uses (*embedded*: a browser draws the same glyphs on any machine).

==================  ===============================  ======================================
face                scripts                          Debian package (installed by .ci/run)
==================  ===============================  ======================================
DejaVu Sans (Bold)  Latin, Vietnamese, Cyrillic      fonts-dejavu-core
DejaVu Sans Mono    codes (PUC, PHC, HRI)            fonts-dejavu-core (Debian 13: -mono)
Noto Sans CJK SC    Chinese (``zh``; Han by default)  fonts-noto-cjk
Noto Sans CJK JP    Japanese (``ja``)                fonts-noto-cjk
Noto Sans CJK KR    Korean (``ko``; Hangul)          fonts-noto-cjk
==================  ===============================  ======================================

A text's CJK face follows its language, because Chinese, Japanese and Korean draw the same Han
code points differently, and comes *first* in its stack (Noto Sans CJK also has Latin, Vietnamese
and Cyrillic glyphs): renderers that only use the first family of ``font-family`` (CairoSVG, which
prints the PDF sheets) then still draw the CJK text, not boxes.

The font files are looked up in the usual font directories (``/usr/share/fonts`` ...) and in
the directories of ``TRACE_STD_FONT_DIRS`` (``os.pathsep`` separated). Subsets are made with
fontTools (extra ``render``), are deterministic (no timestamps), and cached by the characters
they hold: printing many sheets of one product subsets each face once.

>>> font_family("Лонган свежий")
"'DejaVu Sans', sans-serif"
>>> font_family("原産国名：ベトナム", lang="ja")
"'Noto Sans CJK JP', 'DejaVu Sans', sans-serif"
>>> font_family("输往中华人民共和国"), font_family("원산지")
("'Noto Sans CJK SC', 'DejaVu Sans', sans-serif", "'Noto Sans CJK KR', 'DejaVu Sans', sans-serif")
>>> font_family("VN-SLOR-0001", mono=True)
"'DejaVu Sans Mono', monospace"
"""

from __future__ import annotations

import base64
import dataclasses
import functools
import io
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from trace_std.errors import ErrorCode, TraceStdError

__all__ = [
    "FACES",
    "Face",
    "TextRun",
    "cjk_face",
    "embedded_style",
    "face_for",
    "faces_of",
    "font_family",
    "font_file",
    "fonts_available",
    "glyph_faces",
    "subset_bytes",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Face:
    """One font face: its CSS family, weight, file name and (for a collection) the face's name."""

    key: str
    family: str
    weight: str  # "normal" or "bold"
    file: str
    package: str
    collection_name: str | None = None  # the face's family name inside a .ttc

    @property
    def mime(self) -> str:
        return "font/otf" if self.file.endswith((".otf", ".ttc")) else "font/ttf"


_CJK_FILES = {"normal": "NotoSansCJK-Regular.ttc", "bold": "NotoSansCJK-Bold.ttc"}
_CJK_LANGS = {"zh": "SC", "ja": "JP", "ko": "KR"}

FACES: dict[str, Face] = {
    f.key: f
    for f in (
        Face("sans", "DejaVu Sans", "normal", "DejaVuSans.ttf", "fonts-dejavu-core"),
        Face("sans-bold", "DejaVu Sans", "bold", "DejaVuSans-Bold.ttf", "fonts-dejavu-core"),
        Face("mono", "DejaVu Sans Mono", "normal", "DejaVuSansMono.ttf", "fonts-dejavu-core"),
        Face("mono-bold", "DejaVu Sans Mono", "bold", "DejaVuSansMono-Bold.ttf", "fonts-dejavu-core"),
        *(
            Face(
                f"cjk-{region.lower()}{'-bold' if weight == 'bold' else ''}",
                f"Noto Sans CJK {region}",
                weight,
                _CJK_FILES[weight],
                "fonts-noto-cjk",
                f"Noto Sans CJK {region}",
            )
            for region in ("SC", "JP", "KR")
            for weight in ("normal", "bold")
        ),
    )
}

# Han, kana, Hangul, CJK punctuation and full-width forms: drawn by a Noto Sans CJK face.
_CJK = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3000-\u30ff\u3130-\u318f\u31f0-\u31ff\u3200-\u33ff\u3400-\u4dbf"
    "\u4e00-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003ffff]"
)
_HANGUL = re.compile("[\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af]")
_KANA = re.compile("[\u3040-\u30ff\u31f0-\u31ff]")


def cjk_face(text: str, lang: str | None = None) -> str | None:
    """``SC``, ``JP`` or ``KR``: the Noto Sans CJK region for ``text`` (``None`` without CJK).

    The language wins (``ja`` Han is drawn the Japanese way); without one, Hangul means Korean,
    kana Japanese, and plain Han Chinese.

    >>> cjk_face("名称", "ja"), cjk_face("名称"), cjk_face("품목명"), cjk_face("Лонган")
    ('JP', 'SC', 'KR', None)
    """
    if not _CJK.search(text):
        return None
    if lang in _CJK_LANGS:
        return _CJK_LANGS[lang]
    if _HANGUL.search(text):
        return "KR"
    if _KANA.search(text):
        return "JP"
    return "SC"


def font_family(text: str, *, lang: str | None = None, mono: bool = False) -> str:
    """The ``font-family`` value of a text: the CJK face of its language first (if it has CJK
    characters), then DejaVu Sans."""
    if mono:
        return "'DejaVu Sans Mono', monospace"
    region = cjk_face(text, lang)
    cjk = f"'Noto Sans CJK {region}', " if region else ""
    return f"{cjk}'DejaVu Sans', sans-serif"


def face_for(family: str, weight: str) -> Face:
    """The :class:`Face` of a family name and weight (``KeyError`` if the sheet uses no such face)."""
    for face in FACES.values():
        if face.family == family and face.weight == weight:
            return face
    raise KeyError(f"{family} {weight}")


# -- files --------------------------------------------------------------------------------------

_SYSTEM_DIRS = (
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    os.path.expanduser("~/.local/share/fonts"),
    os.path.expanduser("~/.fonts"),
)


def _font_dirs() -> tuple[str, ...]:
    extra = tuple(d for d in os.environ.get("TRACE_STD_FONT_DIRS", "").split(os.pathsep) if d)
    return extra + _SYSTEM_DIRS


@functools.lru_cache(maxsize=8)
def _index(dirs: tuple[str, ...]) -> dict[str, str]:
    """File name -> first path under ``dirs`` (a directory walk, once per set of directories)."""
    found: dict[str, str] = {}
    for base in dirs:
        if not os.path.isdir(base):
            continue
        for root, _, names in sorted(os.walk(base)):
            for name in sorted(names):
                found.setdefault(name, os.path.join(root, name))
    return found


def font_file(face: Face) -> Path | None:
    """Where the face's file is on this machine, or ``None``."""
    path = _index(_font_dirs()).get(face.file)
    return Path(path) if path else None


def fonts_available(faces: Iterable[Face] = ()) -> bool:
    """Whether fontTools and the files of ``faces`` (default: every face) are present."""
    try:
        import fontTools.subset  # noqa: F401
    except ImportError:
        return False
    return all(font_file(f) is not None for f in (tuple(faces) or tuple(FACES.values())))


def _missing(face: Face) -> TraceStdError:
    return TraceStdError.from_code(
        ErrorCode.RENDER_FONT_MISSING,
        f"font {face.family} ({face.weight}) not found: install the Debian package {face.package} "
        "or point TRACE_STD_FONT_DIRS at a directory holding " + face.file,
        field="fonts",
        context={"family": face.family, "file": face.file, "package": face.package},
    )


@functools.lru_cache(maxsize=16)
def _collection_index(path: str, name: str) -> int:
    from fontTools.ttLib import TTCollection

    with TTCollection(path, lazy=True) as coll:
        for i, font in enumerate(coll.fonts):
            if font["name"].getDebugName(1) == name:
                return i
    raise KeyError(name)  # pragma: no cover - fonts-noto-cjk holds every region


def _load(face: Face) -> Any:
    from fontTools.ttLib import TTFont

    path = font_file(face)
    if path is None:
        raise _missing(face)
    number = _collection_index(str(path), face.collection_name) if face.collection_name else -1
    return TTFont(str(path), fontNumber=number, recalcTimestamp=False, lazy=True)


@functools.lru_cache(maxsize=32)
def _cmap(face: Face) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    path = font_file(face)
    if path is None:
        raise _missing(face)
    number = _collection_index(str(path), face.collection_name) if face.collection_name else -1
    with TTFont(str(path), fontNumber=number, lazy=True) as font:
        return frozenset(font.getBestCmap())


def covers(face: Face, char: str) -> bool:
    """Whether ``face`` has a glyph for ``char``."""
    return ord(char) in _cmap(face)


# Always in a subset, so that sheets differing only in lot, dates or weights share it.
_BASE = frozenset(chr(c) for c in range(0x20, 0x7F)) | frozenset("…–·")


@functools.lru_cache(maxsize=64)
def subset_bytes(face: Face, chars: frozenset[str]) -> bytes:
    """The face reduced to the glyphs of ``chars`` (plus ``.notdef``), as an OpenType file."""
    from fontTools import subset

    font = _load(face)
    options = subset.Options()
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    # No OpenType layout: each CJK face is already the region's (no locl needed), the sheet's
    # text needs no shaping, and the large GSUB/GPOS tables of Noto CJK are the slow part.
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "JSTF", "vhea", "vmtx", "VORG"]
    options.hinting = False
    options.desubroutinize = True
    options.drop_tables += ["FFTM"]  # FontForge's timestamps: not needed, and fontTools warns
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(chars)))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    return buf.getvalue()


@dataclasses.dataclass(frozen=True, slots=True)
class TextRun:
    """A text as the sheet draws it: its characters, language, and whether it is bold/monospace."""

    text: str
    lang: str | None = None
    bold: bool = False
    mono: bool = False


def faces_of(run: TextRun) -> list[Face]:
    """The font stack of a text, as :func:`font_family` names it."""
    weight = "bold" if run.bold else "normal"
    if run.mono:
        return [face_for("DejaVu Sans Mono", weight)]
    region = cjk_face(run.text, run.lang)
    cjk = [face_for(f"Noto Sans CJK {region}", weight)] if region else []
    return [*cjk, face_for("DejaVu Sans", weight)]


@functools.lru_cache(maxsize=4096)
def _assign(run: TextRun) -> tuple[tuple[Face, frozenset[str]], ...]:
    """The characters of one text per face: the first face of its stack that has the glyph.

    Cached by text: captions, market lines and the texts of one product repeat on every sheet.
    """
    faces = faces_of(run)
    chars: dict[Face, set[str]] = {}
    for ch in set(run.text):
        if ch == " " or not ch.isprintable():
            continue
        if " " < ch < "\x7f":  # printable ASCII: every face of the sheet has it
            chars.setdefault(faces[0], set()).add(ch)
            continue
        for face in faces:
            if covers(face, ch):
                chars.setdefault(face, set()).add(ch)
                break
    return tuple((face, frozenset(found)) for face, found in chars.items())


def glyph_faces(runs: Iterable[TextRun]) -> dict[Face, frozenset[str]]:
    """Which characters each face draws: the first face of a text's stack that has the glyph.

    A character no face has is left out (a renderer shows its own fallback).
    """
    out: dict[Face, frozenset[str]] = {}
    for run in runs:
        for face, found in _assign(run):
            out[face] = out.get(face, frozenset()) | found
    return out


def embedded_style(runs: Iterable[TextRun]) -> str:
    """A ``<style>`` element with one ``@font-face`` per face the texts use (subset, base64).

    Raises ``render.font.missing`` when fontTools or a font file is not available.
    """
    try:
        import fontTools.subset  # noqa: F401
    except ImportError:
        raise TraceStdError.from_code(
            ErrorCode.RENDER_FONT_MISSING,
            "embedding fonts needs fontTools: pip install 'trace-std[render]'",
            field="fonts",
            context={"package": "fonttools"},
        ) from None
    rules = []
    for face, chars in sorted(glyph_faces(runs).items(), key=lambda item: item[0].key):
        rules.append(_font_face_rule(face, chars | _BASE))
    return f"<style>{''.join(rules)}</style>" if rules else ""


@functools.lru_cache(maxsize=64)
def _font_face_rule(face: Face, chars: frozenset[str]) -> str:
    data = base64.b64encode(subset_bytes(face, chars)).decode("ascii")
    return (
        f"@font-face{{font-family:'{face.family}';font-weight:{face.weight};"
        f"src:url(data:{face.mime};base64,{data})}}"
    )
