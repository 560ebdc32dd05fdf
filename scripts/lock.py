"""Regenerate the CI lock file, ``.ci/requirements.txt``, from pyproject.toml.

    python3 scripts/lock.py              # after adding or changing a dependency in pyproject.toml
    python3 scripts/lock.py --upgrade    # move every pin to the newest release the ranges allow

The lock pins every package (with hashes) that ``pip install -e '.[all,test,docs]'`` needs, for
CPython 3.11 on linux x86_64, the CI machine. ``.ci/run`` installs exactly this set into a fresh
virtual environment; library users keep the ranges in pyproject.toml. The resolver is uv's
``uv pip compile`` (the ``uv`` package from PyPI, in the ``test`` extra). Without ``--upgrade`` the
existing pins are kept wherever they still satisfy pyproject.toml, so adding one dependency moves
nothing else. tests/test_lock.py fails while pyproject.toml and the lock disagree.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / ".ci" / "requirements.txt"
EXTRAS = ("all", "test", "docs")
PYTHON_VERSION = "3.11"
PLATFORM = "x86_64-unknown-linux-gnu"
COMMAND = "python3 scripts/lock.py"


def uv_binary() -> str:
    """The uv executable: the ``uv`` package of this interpreter, else one on PATH."""
    try:
        import uv  # type: ignore[import-not-found]

        return str(uv.find_uv_bin())
    except (ImportError, FileNotFoundError):
        found = shutil.which("uv")
        if found:
            return found
    sys.exit("scripts/lock.py needs uv: python3 -m pip install uv  (or the project's test extra)")


def compile_command(output: Path, *, upgrade: bool = False) -> list[str]:
    command = [
        uv_binary(),
        "pip",
        "compile",
        "pyproject.toml",
        "--quiet",
        "--python-version",
        PYTHON_VERSION,
        "--python-platform",
        PLATFORM,
        "--generate-hashes",
        "--custom-compile-command",
        COMMAND,
        "--output-file",
        str(output),
    ]
    for extra in EXTRAS:
        command += ["--extra", extra]
    if upgrade:
        command.append("--upgrade")
    return command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upgrade", action="store_true", help="move every pin to the newest allowed release")
    args = parser.parse_args(argv)
    LOCK.parent.mkdir(exist_ok=True)
    subprocess.run(compile_command(LOCK, upgrade=args.upgrade), cwd=ROOT, check=True)
    print(f"wrote {LOCK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
