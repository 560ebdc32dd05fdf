"""The CI lock (.ci/requirements.txt) and pyproject.toml agree.

Every requirement of the core dependencies and of the ``all``, ``test`` and ``docs`` extras (with the
project's own extras expanded) is satisfied by a pin in the lock, evaluated for CPython 3.11 on
linux x86_64; every package the lock says comes from pyproject.toml is still asked for there; every
pin carries a hash. A dependency added to pyproject.toml without ``python3 scripts/lock.py`` fails here.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / ".ci" / "requirements.txt"
EXTRAS = ("all", "test", "docs")
CI_ENVIRONMENT = {
    "python_version": "3.11",
    "python_full_version": "3.11.7",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def parse_lock(text: str) -> tuple[dict[str, Version], dict[str, list[str]], set[str]]:
    """(pins, hashes per pin, names whose ``# via`` block names pyproject.toml) of a uv lock text."""
    pins: dict[str, Version] = {}
    hashes: dict[str, list[str]] = {}
    from_project: set[str] = set()
    current = ""
    for line in text.splitlines():
        match = _PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            assert current not in pins, f"{current} pinned twice"
            pins[current] = Version(match.group(2))
            hashes[current] = []
        elif current and line.strip().startswith("--hash="):
            hashes[current].append(line.strip().removesuffix("\\").strip())
        elif current and "(pyproject.toml)" in line and line.lstrip().startswith("#"):
            from_project.add(current)
    return pins, hashes, from_project


def project_requirements(pyproject: dict) -> list[Requirement]:
    """The core dependencies plus the locked extras, the project's self-references expanded."""
    project = pyproject["project"]
    name = canonicalize_name(project["name"])
    optional = project["optional-dependencies"]
    found: list[Requirement] = []
    seen: set[str] = set()

    def add_extra(extra: str) -> None:
        if extra in seen:
            return
        seen.add(extra)
        for text in optional[extra]:
            add(Requirement(text), extra)

    def add(req: Requirement, extra: str | None) -> None:
        if canonicalize_name(req.name) == name:
            for inner in sorted(req.extras):
                add_extra(inner)
            return
        env = dict(CI_ENVIRONMENT, extra=extra or "")
        if req.marker is None or req.marker.evaluate(env):
            found.append(req)

    for text in project.get("dependencies", []):
        add(Requirement(text), None)
    for extra in EXTRAS:
        add_extra(extra)
    return found


def unsatisfied(requirements: list[Requirement], pins: dict[str, Version]) -> list[str]:
    problems = []
    for req in requirements:
        pinned = pins.get(canonicalize_name(req.name))
        if pinned is None:
            problems.append(f"{req}: not in the lock")
        elif not req.specifier.contains(pinned, prereleases=True):
            problems.append(f"{req}: the lock pins {pinned}")
    return problems


@pytest.fixture(scope="module")
def lock() -> tuple[dict[str, Version], dict[str, list[str]], set[str]]:
    return parse_lock(LOCK.read_text("utf-8"))


@pytest.fixture(scope="module")
def requirements() -> list[Requirement]:
    return project_requirements(tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8")))


def test_every_project_requirement_is_pinned_in_the_lock(lock, requirements) -> None:
    pins, _, _ = lock
    assert len(requirements) > 30
    assert unsatisfied(requirements, pins) == [], "run: python3 scripts/lock.py"


def test_the_lock_has_nothing_pyproject_dropped(lock, requirements) -> None:
    _, _, from_project = lock
    asked = {canonicalize_name(r.name) for r in requirements}
    assert from_project, "the lock names no package as coming from pyproject.toml"
    assert sorted(from_project - asked) == [], "run: python3 scripts/lock.py"


def test_every_pin_has_a_hash(lock) -> None:
    pins, hashes, _ = lock
    assert [name for name in pins if not hashes[name]] == []
    assert all(re.fullmatch(r"--hash=sha256:[0-9a-f]{64}", h) for hs in hashes.values() for h in hs)


def test_the_lock_says_how_to_regenerate_it() -> None:
    assert "python3 scripts/lock.py" in LOCK.read_text("utf-8").splitlines()[1]


def test_drift_is_detected() -> None:
    """The checks above can fail: a new dependency, a raised floor and a dropped one are all caught."""
    pins, _, from_project = parse_lock(
        "pydantic==2.7.0 \\\n    --hash=sha256:" + "0" * 64 + "\n    # via trace-std (pyproject.toml)\n"
        "oldpkg==1.0 \\\n    --hash=sha256:" + "1" * 64 + "\n    # via\n    #   trace-std (pyproject.toml)\n"
    )
    project = {
        "project": {
            "name": "trace-std",
            "dependencies": ["pydantic>=2.8"],
            "optional-dependencies": {
                "all": ["trace-std[x]"],
                "x": ["ijson>=3"],
                "test": [],
                "docs": ["win-only; sys_platform == 'win32'"],
            },
        }
    }
    reqs = project_requirements(project)
    assert [str(r) for r in reqs] == ["pydantic>=2.8", "ijson>=3"]
    assert unsatisfied(reqs, pins) == ["pydantic>=2.8: the lock pins 2.7.0", "ijson>=3: not in the lock"]
    assert from_project - {canonicalize_name(r.name) for r in reqs} == {"oldpkg"}


def test_the_lock_command_is_documented() -> None:
    assert "\npython3 scripts/lock.py\n" in (ROOT / "README.md").read_text("utf-8")
    assert "python3 scripts/lock.py" in (ROOT / "docs" / "versioning.md").read_text("utf-8")
    assert ".ci/requirements.txt" in (ROOT / ".ci" / "run").read_text("utf-8")
