"""A real gunicorn server on loopback for the hardening suite (abuse, soak, faults)."""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import socket
import string
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stop_group(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM the process group started with ``start_new_session``; SIGKILL it after ``timeout``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


class Server:
    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path, env: Mapping[str, str]) -> None:
        self.proc, self.port, self.log, self.env = proc, port, log, env

    def cli(self, *args: str) -> str:
        """Run ``trace-std ARGS`` against this server's registry; returns stdout."""
        out = subprocess.run(
            [sys.executable, "-m", "trace_std.cli", *args],
            env=dict(self.env),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return out.stdout

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 10.0,
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=dict(headers or {}))
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def pids(self) -> list[int]:
        """The master and its workers."""
        out = [self.proc.pid]
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    stat = (entry / "stat").read_text()
                    if int(stat.rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                        out.append(int(entry.name))
        return out

    def rss_kib(self) -> int:
        total = 0
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        return total


@contextlib.contextmanager
def run_server(
    tmp: Path, env: Mapping[str, str] | None = None, workers: int = 2, threads: int = 1
) -> Iterator[Server]:
    port = free_port()
    log = tmp / f"gunicorn-{port}.log"
    full_env = {
        **os.environ,
        "TRACE_STD_DATABASE_URL": f"sqlite:///{tmp / 'registry.sqlite3'}",
        "TRACE_STD_ALLOWED_HOSTS": "127.0.0.1,localhost",
        **(env or {}),
    }
    cmd = [
        sys.executable,
        "-m",
        "trace_std.cli",
        "serve",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--threads",
        str(threads),
        "--sample",
    ]
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            cmd, env=full_env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(proc, port, log, full_env)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited: {log.read_text(errors='replace')[-3000:]}")
            with contextlib.suppress(OSError):
                if server.request("GET", "/healthz", timeout=2)[0] == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield server
    finally:
        stop_group(proc, timeout=20)


NGINX_TEMPLATE = ROOT / "deploy" / "nginx" / "trace-std.conf.template"


def nginx_binary() -> str | None:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
    return found


@contextlib.contextmanager
def run_nginx(tmp: Path, upstream_port: int) -> Iterator[int]:
    """The shipped ``deploy/nginx`` template in front of ``upstream_port``; yields nginx's port."""
    binary = nginx_binary()
    assert binary is not None
    port = free_port()
    site = string.Template(NGINX_TEMPLATE.read_text()).safe_substitute(
        LISTEN=f"127.0.0.1:{port}", SERVER_NAME="localhost 127.0.0.1", UPSTREAM=f"127.0.0.1:{upstream_port}"
    )
    root = tmp / f"nginx-{port}"
    root.mkdir()
    (root / "site.conf").write_text(site)
    temp_paths = "\n".join(
        f"    {kind}_temp_path {root / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (root / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'} warn;\n"
        + "events { worker_connections 256; }\n"
        + f"http {{\n    access_log off;\n{temp_paths}\n    include {root / 'site.conf'};\n}}\n"
    )
    proc = subprocess.Popen(
        [binary, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            if proc.poll() is not None:
                assert proc.stderr is not None
                raise RuntimeError(f"nginx exited: {proc.stderr.read().decode(errors='replace')}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not start")
            time.sleep(0.1)
        yield port
    finally:
        stop_group(proc, timeout=10)
        if proc.stderr is not None:
            proc.stderr.close()
