"""Extract the unit-test vectors of the GS1 Barcode Syntax Engine into a JSON corpus (data only).

    python3 scripts/gen_engine_vectors.py --engine /path/to/gs1-syntax-engine
    python3 scripts/gen_engine_vectors.py --engine /path/to/gs1-syntax-engine.git --commit <sha>

``--engine`` is a checkout or a bare git directory of https://github.com/gs1/gs1-syntax-engine
(Apache-2.0). The script reads the engine's C unit tests in ``src/c-lib`` and writes the literal
test data (inputs, expected outcomes, expected outputs, the engine options in force) to
``tests/gs1/conformance/engine_vectors.json``, with the engine commit and licence as provenance.
No engine code is copied: only the vectors, which ``tests/gs1/conformance/test_engine_vectors.py``
runs against trace_std.

What is extracted (each call whose arguments are all literals; calls on computed buffers are
counted under ``skipped``):

* ``lint``: ``UNIT_TEST_PASS``/``UNIT_TEST_FAIL`` of every linter in ``syntax/lint_*.c`` (the
  engine's ``*…*`` highlight becomes a ``span``);
* ``ai_bracketed``: ``test_parseAIdata`` (bracketed AI data → ``^``-FNC1 raw data);
* ``ai_raw``: ``test_processAIdata`` (``^``-FNC1 raw data accepted or not);
* ``ai_validate``: ``test_validateAIs`` (the named validation: repeats, req/ex pairs, …);
* ``ai_linter``: the ``test_ai_linters`` table (bracketed data → linter error name);
* ``dl_parse``: ``test_parseDLuri`` (Digital Link URI → raw data);
* ``dl_generate``: ``test_testGenerateDLuri`` (stem + bracketed data → Digital Link URI);
* ``scan``: ``test_testProcessScanData`` (scan data → symbology and data; the AI data extracted
  from a Digital Link when the test checks it).

Engine options changed inside a test function (``gs1_encoder_setPermit…(ctx, …)``,
``ctx->permit… = …``, ``gs1_encoder_setValidationEnabled``) are recorded with every later vector
of that function as ``options``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "gs1" / "conformance" / "engine_vectors.json"
REPO = "https://github.com/gs1/gs1-syntax-engine"
MAIN_FILES = ("ai.c", "dl.c", "scandata.c")
CALLS = {
    "test_parseAIdata": ("ai_bracketed", ("ok", "input", "expect")),
    "test_processAIdata": ("ai_raw", ("ok", "input")),
    "test_validateAIs": ("ai_validate", ("ok", "validation", "input")),
    "test_parseDLuri": ("dl_parse", ("ok", "input", "expect")),
    "test_testGenerateDLuri": ("dl_generate", ("ok", "stem", "input", "expect")),
    "test_testProcessScanData": ("scan", ("ok", "input", "symbology", "expect")),
}


class Sources:
    """The engine's files at one commit, from a checkout or a git directory."""

    def __init__(self, path: Path, commit: str | None) -> None:
        self.path = path
        self.git = ["git", "-C", str(path)]
        self.commit = commit or self._run("rev-parse", "HEAD").strip()
        self.checkout = (path / "src" / "c-lib").is_dir() and commit is None

    def _run(self, *args: str) -> str:
        return subprocess.run([*self.git, *args], check=True, capture_output=True, text=True).stdout

    def read(self, rel: str) -> str:
        if self.checkout:
            return (self.path / rel).read_text("utf-8")
        return self._run("show", f"{self.commit}:{rel}")

    def lint_files(self) -> list[str]:
        if self.checkout:
            return sorted(
                str(p.relative_to(self.path)) for p in (self.path / "src/c-lib/syntax").glob("lint_*.c")
            )
        names = self._run("ls-tree", "--name-only", self.commit, "src/c-lib/syntax/").split()
        return sorted(n for n in names if re.fullmatch(r"src/c-lib/syntax/lint_\w+\.c", n))


# -- a small C reader: comments out, string literals decoded, calls split into arguments ----------
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "?": "?", "a": "\a", "0": "\0"}


def strip_comments(src: str) -> str:
    """Blank out C comments (keeping newlines, so line numbers stay), respecting string literals."""
    out: list[str] = []
    i, n = 0, len(src)
    while i < n:
        c = src[i]
        if c == '"' or c == "'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i : j + 1])
            i = j + 1
        elif src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("".join(ch if ch == "\n" else " " for ch in src[i:j]))
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def strip_directives(src: str) -> str:
    """Blank out preprocessor lines (with their backslash continuations), keeping line numbers."""
    out, continued = [], False
    for line in src.split("\n"):
        directive = continued or line.lstrip().startswith("#")
        continued = directive and line.rstrip().endswith("\\")
        out.append("" if directive else line)
    return "\n".join(out)


def conditions(src: str) -> list[tuple[str, ...]]:
    """For each line (index = line number - 1), the preprocessor conditions it is compiled under
    (``UNIT_TESTS`` left out): vectors behind e.g. ``#ifdef GS1_LINTER_CUSTOM_GCP_LOOKUP`` need an
    engine build option."""
    stack: list[str] = []
    out: list[tuple[str, ...]] = []
    for line in src.split("\n"):
        out.append(tuple(c for c in stack if c != "UNIT_TESTS"))
        m = re.match(r"\s*#\s*(ifdef|ifndef|if|elif|else|endif)\b\s*(.*)", line)
        if not m:
            continue
        word, expr = m.group(1), m.group(2).strip()
        if word in ("ifdef", "if"):
            stack.append(expr)
        elif word == "ifndef":
            stack.append(f"!{expr}")
        elif word in ("else", "elif") and stack:
            stack[-1] = f"!({stack[-1]})" if word == "else" else expr
        elif word == "endif" and stack:
            stack.pop()
    return out


def c_string(body: str) -> str:
    """Decode the inside of one C string literal."""
    out: list[str] = []
    i = 0
    while i < len(body):
        c = body[i]
        if c != "\\":
            out.append(c)
            i += 1
            continue
        nxt = body[i + 1]
        if nxt == "x":
            m = re.match(r"[0-9A-Fa-f]+", body[i + 2 :])
            assert m, body
            out.append(chr(int(m.group(0), 16)))
            i += 2 + len(m.group(0))
        elif nxt in "01234567":
            m = re.match(r"[0-7]{1,3}", body[i + 1 :])
            assert m
            out.append(chr(int(m.group(0), 8)))
            i += 1 + len(m.group(0))
        else:
            out.append(_ESCAPES[nxt])
            i += 2
    return "".join(out)


_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|([A-Za-z_]\w*)|(-?\d+))\s*', re.S)


def literal(arg: str) -> Any:
    """An argument made of string literals (concatenated), true/false, NULL, a name or a number;
    ``None`` (not extractable) for anything else, e.g. a buffer computed by the test."""
    pos, parts, word = 0, [], None
    while pos < len(arg):
        m = _TOKEN.match(arg, pos)
        if not m:
            return None
        if m.group(1) is not None:
            parts.append(c_string(m.group(1)))
        elif word is None and not parts:
            word = m.group(2) or m.group(3)
        else:
            return None
        pos = m.end()
    if parts:
        return "".join(parts)
    if word in ("true", "false"):
        return word == "true"
    if word == "NULL":
        return {"null": True}
    return {"name": word} if word else None


def split_args(text: str) -> list[str]:
    """Top-level comma split of a call's argument text (strings and parentheses respected)."""
    args, depth, cur, i = [], 0, [], 0
    while i < len(text):
        c = text[i]
        if c == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            cur.append(text[i : j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        if c == "," and depth == 0:
            args.append("".join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    args.append("".join(cur))
    return args


def statements(src: str) -> list[tuple[int, str]]:
    """(line, text) of each ``;``-terminated statement or ``{``/``}``-delimited chunk."""
    out: list[tuple[int, str]] = []
    i, n, start, depth = 0, len(src), 0, 0
    while i < n:
        c = src[i]
        if c in "\"'":  # a string or character literal: skip to its closing quote
            j = i + 1
            while src[j] != c:
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and c in ";{}":
            text = src[start:i]
            stripped = text.strip()
            if stripped:
                lead = len(text) - len(text.lstrip())
                out.append((src.count("\n", 0, start + lead) + 1, stripped + (c if c != ";" else "")))
            if c == "}":
                out.append((src.count("\n", 0, i) + 1, "}"))
            start = i + 1
        i += 1
    return out


def _span(data: str, highlight: str) -> list[int] | None:
    """The ``[start, end)`` the engine's ``*…*`` highlight marks in ``data``."""
    if len(highlight) != len(data) + 2:
        return None
    for p in range(len(data) + 1):
        if highlight[p] != "*" or highlight[:p] != data[:p]:
            continue
        for q in range(len(data), p - 1, -1):  # the widest reading of an ambiguous highlight
            if highlight == data[:p] + "*" + data[p:q] + "*" + data[q:]:
                return [p, q]
    return None


# -- extraction -------------------------------------------------------------------------------------
def _unit_tests(src: str) -> tuple[str, int]:
    """The ``#ifdef UNIT_TESTS`` part of a file and the line it starts on."""
    at = src.find("#ifdef UNIT_TESTS")
    return (src[at:], src.count("\n", 0, at)) if at >= 0 else ("", 0)


def extract_lint(rel: str, src: str, skipped: dict[str, int]) -> list[dict[str, Any]]:
    body, offset = _unit_tests(src)
    cond = conditions(src)
    out = []
    for line, stmt in statements(strip_directives(strip_comments(body))):
        m = re.fullmatch(r"UNIT_TEST_(PASS|FAIL)\s*\((.*)\)", stmt, re.S)
        if not m:
            continue
        args = [literal(a) for a in split_args(m.group(2))]
        linter = args[0]["name"].removeprefix("gs1_lint_") if isinstance(args[0], dict) else None
        if (
            linter is None
            or not isinstance(args[1], str)
            or (m.group(1) == "FAIL" and not isinstance(args[3], str))
        ):
            skipped["lint: computed input"] = skipped.get("lint: computed input", 0) + 1
            continue
        vector: dict[str, Any] = {"id": f"{Path(rel).name}:{line + offset}", "kind": "lint", "linter": linter,
                                  "input": args[1], "ok": m.group(1) == "PASS"}  # fmt: skip
        if not vector["ok"]:
            vector["error"] = args[2]["name"]
            vector["span"] = _span(args[1], args[3])
            assert vector["span"] is not None, (rel, line, args)
        if cond[line + offset - 1]:
            vector["build"] = list(cond[line + offset - 1])
        out.append(vector)
    return out


_OPTION = re.compile(r"gs1_encoder_set(\w+)\s*\(\s*ctx\s*,(.*)\)", re.S)
_FIELD = re.compile(r"ctx->(\w+)\s*=\s*(\w+)")
_DL_AI = re.compile(
    r'TEST_CHECK\s*\(\s*strcmp\s*\(\s*ctx->dlAIbuffer\s*,\s*("(?:[^"\\]|\\.)*")\s*\)\s*==\s*0\s*\)'
)
_LINTER_ROW = re.compile(r'\{\s*("(?:[^"\\]|\\.)*")\s*,\s*(GS1_LINTER_\w+)\s*\}')


def extract_main(rel: str, src: str, skipped: dict[str, int]) -> list[dict[str, Any]]:
    body, offset = _unit_tests(src)
    body = strip_directives(strip_comments(body))
    cond = conditions(src)
    name = Path(rel).name
    out: list[dict[str, Any]] = []
    suite, options = "", {}
    for line, stmt in statements(body):
        m = re.match(r"void\s+(test_\w+)\s*\(\s*void\s*\)\s*\{$", stmt)
        if m:
            suite, options = m.group(1), {}
            continue
        m = _OPTION.fullmatch(stmt)
        if m and suite:
            args = [literal(a) for a in split_args(m.group(2))]
            key = m.group(1)
            if key == "ValidationEnabled" and len(args) == 2 and isinstance(args[0], dict):
                key, args = f"ValidationEnabled.{args[0]['name']}", args[1:]
            value = args[0] if len(args) == 1 else None
            if isinstance(value, dict):
                value = value.get("name")
            if value is not None:
                options = {**options, key: value}
            continue
        m = _FIELD.fullmatch(stmt)
        if m and suite and m.group(2) in ("true", "false"):
            options = {**options, m.group(1): m.group(2) == "true"}
            continue
        m = _DL_AI.fullmatch(stmt)
        if m and out and out[-1]["kind"] == "scan":
            out[-1]["dl_ai_data"] = c_string(m.group(1)[1:-1])
            continue
        m = re.fullmatch(r"(test_\w+)\s*\((.*)\)", stmt, re.S)
        if not m or m.group(1) not in CALLS:
            continue
        kind, fields = CALLS[m.group(1)]
        args = [literal(a) for a in split_args(m.group(2))]
        names_ok = ("validation", "symbology")
        if len(args) != len(fields) or any(
            not (isinstance(a, (bool, str)) or (f in names_ok and isinstance(a, dict)))
            for f, a in zip(fields, args, strict=False)
        ):
            skipped[f"{kind}: computed input"] = skipped.get(f"{kind}: computed input", 0) + 1
            continue
        vector = {"id": f"{name}:{line + offset}", "kind": kind, "suite": suite}
        for field, value in zip(fields, args, strict=True):
            vector[field] = value["name"] if isinstance(value, dict) and "name" in value else value
        vector["options"] = options
        if cond[line + offset - 1]:
            vector["build"] = list(cond[line + offset - 1])
        out.append(vector)
    table = re.search(
        r"void\s+test_ai_linters\s*\(\s*void\s*\).*?tests\[\]\s*=\s*\{(.*?)\n\s*\};", body, re.S
    )
    if table:
        for row in _LINTER_ROW.finditer(body, table.start(1), table.end(1)):
            row_line = body.count("\n", 0, row.start()) + 1 + offset
            vector = {"id": f"{name}:{row_line}", "kind": "ai_linter", "suite": "test_ai_linters"}
            vector.update(input=c_string(row.group(1)[1:-1]), error=row.group(2), options={})
            out.append(vector)
    return out


def extract(sources: Sources) -> dict[str, Any]:
    skipped: dict[str, int] = {}
    vectors: list[dict[str, Any]] = []
    files = [f"src/c-lib/{f}" for f in MAIN_FILES] + sources.lint_files()
    for rel in files:
        src = sources.read(rel)
        if rel.startswith("src/c-lib/syntax/"):
            vectors += extract_lint(rel, src, skipped)
        else:
            vectors += extract_main(rel, src, skipped)
    seen: dict[str, int] = {}
    for v in vectors:  # two vectors on one line: suffix the later ones
        n = seen.get(v["id"], 0)
        seen[v["id"]] = n + 1
        if n:
            v["id"] += f"#{n + 1}"
    counts: dict[str, int] = {}
    for v in vectors:
        counts[v["kind"]] = counts.get(v["kind"], 0) + 1
    return {
        "provenance": {
            "source": REPO,
            "commit": sources.commit,
            "licence": "Apache-2.0 (the GS1 Barcode Syntax Engine, Copyright (c) GS1 AISBL); "
            "data only: the test vectors of its C unit tests, no engine code",
            "files": files,
            "generator": "scripts/gen_engine_vectors.py",
        },
        "fields": "id = engine file:line; kind (see the generator); ok = the engine accepts; input; "
        "expect = the engine's output (raw data with ^ for FNC1, a URI, or scan data); error = the "
        "engine's linter error name; span = [start, end) of the engine's error highlight; options = "
        "engine options set before the vector in its test function; build = preprocessor conditions "
        "the vector is compiled under",
        "counts": dict(sorted(counts.items())),
        "skipped": dict(sorted(skipped.items())),
        "vectors": vectors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", type=Path, required=True, help="checkout or git directory of the engine")
    parser.add_argument("--commit", help="commit to read (a git directory's HEAD by default)")
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)
    corpus = extract(Sources(args.engine, args.commit))
    # One vector per line keeps diffs readable.
    lines = [
        json.dumps({k: v for k, v in corpus.items() if k != "vectors"}, ensure_ascii=False, indent=1)[:-2]
    ]
    lines[0] += ',\n "vectors": [\n'
    lines.append(",\n".join(json.dumps(v, ensure_ascii=False) for v in corpus["vectors"]))
    lines.append("\n ]\n}\n")
    text = "".join(lines)
    json.loads(text)
    args.output.write_text(text, "utf-8")
    print(f"{args.output.relative_to(ROOT)}: {len(corpus['vectors'])} vectors {corpus['counts']}; "
          f"skipped {corpus['skipped']}", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
