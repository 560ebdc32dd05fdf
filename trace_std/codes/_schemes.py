"""Code formats as data: the schemes of ``trace_std/data/code_schemes.json`` compiled for matching.

A scheme is a list of *tokens* joined by its separator; a token is a run of *segments* with no
separator between them. A segment is a literal (``VN``), an enumeration (``OR``/``PH``, each value
naming the kind it stands for) or a run of an alphabet (``A-Z`` or ``0-9``, ASCII only) with a
minimum and optional maximum length. Every regular expression here is built from that data and uses
explicit ASCII classes, never ``\\d``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from trace_std.data import load

__all__ = ["Scheme", "Segment", "Token", "schemes"]

_ALPHABETS = {"A-Z": "[A-Z]", "0-9": "[0-9]"}


@dataclasses.dataclass(frozen=True, slots=True)
class Segment:
    name: str
    meaning: str = ""
    literal: str | None = None
    alphabet: str | None = None
    min: int = 0
    max: int | None = None
    values: Mapping[str, Mapping[str, str]] = dataclasses.field(default_factory=dict)
    lookup: str | None = None
    role: str | None = None
    error: str | None = None

    @property
    def charset(self) -> frozenset[str]:
        """Characters the segment may contain."""
        if self.literal is not None:
            return frozenset(self.literal)
        if self.values:
            return frozenset("".join(self.values))
        if self.alphabet == "A-Z":
            return frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return frozenset("0123456789")

    def pattern(self) -> str:
        if self.literal is not None:
            body = re.escape(self.literal)
        elif self.values:
            body = "|".join(re.escape(v) for v in sorted(self.values, key=lambda v: (-len(v), v)))
        else:
            assert self.alphabet is not None
            upper = "" if self.max is None else str(self.max)
            body = f"{_ALPHABETS[self.alphabet]}{{{self.min},{upper}}}"
        return f"(?P<{self.name}>{body})"

    def length_ok(self, n: int) -> bool:
        return n >= self.min and (self.max is None or n <= self.max)


@dataclasses.dataclass(frozen=True, slots=True)
class Token:
    segments: tuple[Segment, ...]
    separator_optional: bool
    regex: re.Pattern[str]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.segments)


@dataclasses.dataclass(frozen=True, slots=True)
class Scheme:
    id: str
    title: str
    title_vi: str
    separator: str
    tokens: tuple[Token, ...]
    kind: str | None
    kind_segment: str | None
    issuer: str
    legal_sources: tuple[str, ...]
    confidence: Mapping[str, str]
    canonical: re.Pattern[str]
    examples: Mapping[str, tuple[str, ...]]

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(s for t in self.tokens for s in t.segments)

    def segment(self, name: str) -> Segment:
        for seg in self.segments:
            if seg.name == name:
                return seg
        raise KeyError(name)

    def kinds(self) -> frozenset[str]:
        """The kinds this scheme can produce."""
        if self.kind is not None:
            return frozenset({self.kind})
        assert self.kind_segment is not None
        return frozenset(v["kind"] for v in self.segment(self.kind_segment).values.values())

    def kind_of(self, segments: Mapping[str, str]) -> str:
        if self.kind is not None:
            return self.kind
        assert self.kind_segment is not None
        return self.segment(self.kind_segment).values[segments[self.kind_segment]]["kind"]

    def compose(self, segments: Mapping[str, str]) -> str:
        """The canonical string of a set of segment values."""
        return self.separator.join("".join(segments[s.name] for s in t.segments) for t in self.tokens)


def _segment(raw: Mapping[str, Any]) -> Segment:
    return Segment(
        name=raw["name"],
        meaning=raw.get("meaning", ""),
        literal=raw.get("literal"),
        alphabet=raw.get("alphabet"),
        min=int(raw.get("min", 0)),
        max=raw.get("max"),
        values={k: dict(v) for k, v in raw.get("values", {}).items()},
        lookup=raw.get("lookup"),
        role=raw.get("role"),
        error=raw.get("error"),
    )


def _scheme(raw: Mapping[str, Any]) -> Scheme:
    tokens = []
    for t in raw["tokens"]:
        segs = tuple(_segment(s) for s in t["segments"])
        regex = re.compile("".join(s.pattern() for s in segs))
        tokens.append(Token(segs, bool(t.get("separator_optional", False)), regex))
    sep = re.escape(raw["separator"])
    canonical = re.compile(sep.join("".join(s.pattern() for s in t.segments) for t in tokens))
    return Scheme(
        id=raw["id"],
        title=raw["title"],
        title_vi=raw.get("title_vi", ""),
        separator=raw["separator"],
        tokens=tuple(tokens),
        kind=raw.get("kind"),
        kind_segment=raw.get("kind_segment"),
        issuer=raw.get("issuer", ""),
        legal_sources=tuple(raw.get("legal_sources", ())),
        confidence=dict(raw.get("confidence", {})),
        canonical=canonical,
        examples={k: tuple(v) for k, v in raw.get("examples", {}).items()},
    )


@cache
def schemes() -> tuple[Scheme, ...]:
    """Every scheme of ``code_schemes.json``, in table order (the order of detection)."""
    return tuple(_scheme(raw) for raw in load("code_schemes")["schemes"])
