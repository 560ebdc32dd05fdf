"""The built wheel is complete and works when installed on its own, away from the source tree.

Builds the sdist and the wheel (``python -m build``), checks them with ``twine check``, installs
``trace_std-*.whl[all]`` into a fresh virtual environment (dependencies from PyPI through pip's cache)
and, from a temporary directory outside the checkout, runs the CLI, the server on a free port with a
temporary SQLite registry, a lookup and a verification. The base dependency set is checked from the
wheel's ``Requires-Dist`` metadata: only pydantic, no Flask, no renderers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow

# Files the installed package needs at run time (path inside the wheel).
REQUIRED_FILES = [
    "trace_std/py.typed",
    "trace_std/data/gs1_ai.json",
    "trace_std/data/vn_admin_2004.json",
    "trace_std/data/vn_admin_2025.json",
    "trace_std/data/code_schemes.json",
    "trace_std/data/label_markets.json",
    "trace_std/registry/sample/sonla-synthetic.registry.json",
    "trace_std/registry/migrations/script.py.mako",
    "trace_std/schemas/v1/report.schema.json",
    "trace_std/schemas/v1/label.schema.json",
    "trace_std/schemas/v1/registry-import.schema.json",
    "api/web/templates/web/result.html",
    "api/web/translations/vi/LC_MESSAGES/messages.mo",
    "api/web/translations/en/LC_MESSAGES/messages.mo",
    "api/web/static/site.css",
    "api/static/docs.html",
]
LIGHT_FORBIDDEN = {"flask", "flask-babel", "flask-limiter", "gunicorn", "python-barcode", "qrcode", "pillow",
                   "zxing-cpp", "sqlalchemy", "alembic", "psycopg", "redis", "openpyxl"}  # fmt: skip


def _run(cmd: list[str], *, cwd: Path, timeout: int = 900, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, f"{cmd}: exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "build", "--outdir", str(out)]
    if importlib.util.find_spec("hatchling"):
        cmd.append("--no-isolation")  # the build backend is already here: no download
    _run(cmd, cwd=ROOT)
    return out


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    (path,) = dist.glob("trace_std-*.whl")
    return path


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    env_dir = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", str(env_dir)], cwd=env_dir)
    python = env_dir / "bin" / "python"
    _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", f"{wheel}[all]"],
         cwd=env_dir, timeout=1800)  # fmt: skip
    yield env_dir


@pytest.fixture()
def outside(tmp_path: Path) -> Path:
    """A working directory outside the checkout, with nothing of the source tree on the path."""
    assert ROOT not in tmp_path.parents
    return tmp_path


def _env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "TRACE_STD_DATABASE_URL")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_twine_check(dist: Path) -> None:
    pytest.importorskip("twine")
    files = sorted(str(p) for p in dist.iterdir())
    assert any(f.endswith(".tar.gz") for f in files) and any(f.endswith(".whl") for f in files)
    _run([sys.executable, "-m", "twine", "check", "--strict", *files], cwd=dist)


def test_wheel_contents(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [f for f in REQUIRED_FILES if f not in names]
    assert not missing
    schemas = {n.rsplit("/", 1)[1] for n in names if n.startswith("trace_std/schemas/v1/")}
    assert schemas == {p.name for p in (ROOT / "schemas" / "v1").iterdir() if p.is_file()}  # .json, .jsonld
    data = {n.rsplit("/", 1)[1] for n in names if n.startswith("trace_std/data/") and n.endswith(".json")}
    assert data == {p.name for p in (ROOT / "trace_std" / "data").glob("*.json")}
    assert not any(n.startswith(("tests/", "docs/", "fuzz/", "benchmarks/")) for n in names)


def test_base_install_stays_light(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        meta = Parser().parsestr(zf.read(meta_name).decode("utf-8"))
    requires = meta.get_all("Requires-Dist") or []
    base = [r for r in requires if "extra ==" not in r]
    names = {
        r.split(";")[0].split("[")[0].split("<")[0].split(">")[0].split("=")[0].strip().lower() for r in base
    }
    assert names == {"pydantic"}
    assert not names & LIGHT_FORBIDDEN
    extras = set(meta.get_all("Provides-Extra") or [])
    assert {"render", "xlsx", "registry", "api", "events", "all"} <= extras
    in_all = {
        r.split(";")[0].split("[")[0].split(">")[0].strip().lower() for r in requires if "extra == 'all'" in r
    }
    every_runtime_extra = {
        r.split(";")[0].split("[")[0].split(">")[0].strip().lower()
        for r in requires
        if any(f"extra == '{x}'" in r for x in ("render", "xlsx", "registry", "api", "events"))
    }
    assert every_runtime_extra <= in_all
    events = {r.split(";")[0].split(">")[0].strip().lower() for r in requires if "extra == 'events'" in r}
    assert events == {"ijson"} and events <= in_all


def test_cli_from_the_installed_wheel(venv: Path, outside: Path) -> None:
    env = _env(venv)
    where = _run([str(venv / "bin" / "python"), "-c", "import trace_std, api; print(trace_std.__file__, api.__file__)"],
                 cwd=outside, env=env)  # fmt: skip
    assert str(ROOT) not in where and str(venv) in where
    assert _run(["trace-std", "--version"], cwd=outside, env=env).startswith("trace-std ")
    out = _run(
        ["trace-std", "check", "--json", "VN-DTOR-0017", "(01)08935234567895(10)DF2503A"],
        cwd=outside,
        env=env,
    )
    reports = [json.loads(line) for line in out.splitlines()]
    assert [r["valid"] for r in reports] == [True, True]
    proc = subprocess.run(
        ["trace-std", "check", "VN-DTOR-17"], cwd=outside, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 1 and "code.segment.length" in proc.stdout + proc.stderr
    # a label sheet through the render extra, and the schemas installed inside the package
    label = outside / "label.json"
    label.write_text((ROOT / "examples/labels/valid-sonla-longan-cn.json").read_text("utf-8"), "utf-8")
    _run(
        ["trace-std", "encode", str(label), "--to", "sheet", "-o", str(outside / "sheet.svg")],
        cwd=outside,
        env=env,
    )
    assert "<svg" in (outside / "sheet.svg").read_text("utf-8")[:500]
    schema_dir = _run([str(venv / "bin" / "python"), "-c", "from api.openapi import schema_dir; print(schema_dir())"],
                      cwd=outside, env=env).strip()  # fmt: skip
    assert schema_dir.startswith(str(venv)) and schema_dir.endswith(
        os.path.join("trace_std", "schemas", "v1")
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8")


def test_server_and_verification_from_the_installed_wheel(venv: Path, outside: Path) -> None:
    env = _env(venv)
    port = _free_port()
    db = f"sqlite:///{outside / 'registry.sqlite3'}"
    server = subprocess.Popen(
        ["trace-std", "serve", "--port", str(port), "--database", db],
        cwd=outside, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(f"{base}/readyz")[0] == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.5)
        status, body = _get(f"{base}/v1/codes/vn-slor-0001")
        assert status == 200, body
        assert json.loads(body)["code"] == "VN-SLOR-0001"
        status, body = _get(
            f"{base}/v1/verify?q=" + urllib.request.quote("(01)08936000120016(10)SL250812A(13)250812")
        )
        assert (status, json.loads(body)["verdict"]) == (200, "genuine")
        status, body = _get(f"{base}/v1/verify?q=VN-SLOR-0031")
        assert json.loads(body)["verdict"] == "revoked"
        # the website: templates, static assets and the Vietnamese catalogue come from the wheel
        # (a bare planting-area code is "registered and active", not a genuine product: issue 12)
        status, html = _get(f"{base}/verify?q=VN-SLOR-0001", {"Accept-Language": "vi"})
        assert status == 200 and 'data-verdict="genuine"' in html and "Đã đăng ký, đang hiệu lực" in html
        assert _get(f"{base}/v1/openapi.json")[0] == 200
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    assert (outside / "registry.sqlite3").exists()
    # a library-level verification against the registry the server created
    code = (
        "import datetime as dt; from trace_std.registry import Registry; from trace_std.registry.verify import verify;"
        f"r = Registry({db!r}); print(verify(r, 'VN-SLOR-0007', on=dt.date(2025, 9, 15)).verdict); r.close()"
    )
    assert _run([str(venv / "bin" / "python"), "-c", code], cwd=outside, env=env).strip() == "suspended"
