"""Every example script runs as a user would run it, from the repository, and does what it says."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def run(script: str, *args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONWARNINGS": "error::DeprecationWarning:trace_std"}
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_every_script_is_listed_and_tested() -> None:
    readme = (EXAMPLES / "README.md").read_text("utf-8")
    tests = Path(__file__).read_text("utf-8")
    for script in EXAMPLES.glob("*.py"):
        assert f"`{script.name}`" in readme
        assert f'"{script.name}"' in tests


def test_vendor_integration(tmp_path: Path) -> None:
    out = tmp_path / "links.csv"
    proc = run("vendor_integration.py", "-o", str(out), "--resolver", "https://id.example.vn")
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the sample has bad rows on purpose
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["status"] for r in rows] == ["valid"] * 3 + ["invalid"] * 3
    assert rows[0]["digital_link"].startswith("https://id.example.vn/01/08936000120016/10/SL250812A?")
    assert "gs1.key.checksum" in rows[3]["notes"]
    assert "label.puc.kind" in rows[4]["notes"] and "code.segment.length" in rows[5]["notes"]
    assert "VN-SLOR-0002" in rows[1]["notes"]  # 'vn - slor - 0002' normalised


def test_vendor_integration_clean_file_exits_0(tmp_path: Path) -> None:
    master = tmp_path / "master.csv"
    master.write_text(
        "sku,gtin,lot,product,crop,harvest,packed,kg,planting_area,packing_house,market\n"
        "A,08936000120016,L1,Nhãn,longan,2025-08-11,2025-08-12,10,VN-SLOR-0001,VN-SLPH-001,CN\n",
        "utf-8",
    )
    proc = run("vendor_integration.py", str(master))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 rows, 1 valid, 0 invalid" in proc.stdout


@pytest.mark.slow
def test_exporter_week(tmp_path: Path) -> None:
    pytest.importorskip("zxingcpp")
    proc = run("exporter_week.py", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    week = list(csv.DictReader((tmp_path / "labels-week.csv").open(encoding="utf-8")))
    assert len(week) == 2000
    report = json.loads((tmp_path / "report.json").read_text("utf-8"))
    codes = {i["code"] for i in report["issues"]}
    assert {
        "gs1.key.checksum",
        "label.puc.kind",
        "label.market.required",
        "label.date.order",
        "label.field.character",
        "batch.serial.duplicate",
        "label.country.unknown",
        "label.repaired.date",  # dd/mm/yyyy is read, with a warning
    } <= codes
    assert 50 < report["rows_invalid"] < 200
    sheets = sorted((tmp_path / "sheets").glob("*.svg"))
    assert len(sheets) == 2000
    assert sheets[0].read_text("utf-8").lstrip().startswith(("<?xml", "<svg"))
    # deterministic: the same seed gives the same file
    again = tmp_path / "again"
    assert run("exporter_week.py", "--out", str(again), "--sheets", "0").returncode == 0
    assert (again / "labels-week.csv").read_bytes() == (tmp_path / "labels-week.csv").read_bytes()


@pytest.mark.slow
def test_consumer_photo(tmp_path: Path) -> None:
    pytest.importorskip("flask")
    pytest.importorskip("zxingcpp")
    proc = run("consumer_photo.py", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "POST /scan -> 200, verdict 'genuine'" in proc.stdout
    assert "GET /v1/verify -> 200, verdict 'genuine'" in proc.stdout
    from PIL import Image

    with Image.open(tmp_path / "photo.jpg") as photo:
        assert photo.format == "JPEG" and photo.size == (1600, 1200)


@pytest.mark.slow
def test_registry_update(tmp_path: Path) -> None:
    pytest.importorskip("sqlalchemy")
    proc = run("registry_update.py", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "registry.import.unknown_reference" in proc.stdout
    assert "REJECTED (nothing was changed)" in proc.stdout
    assert proc.stdout.rstrip().endswith("OK")


@pytest.mark.slow
def test_consumer_photo_against_a_served_app(tmp_path: Path) -> None:
    pytest.importorskip("flask")
    pytest.importorskip("zxingcpp")
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "trace_std", "serve", "--port", str(port), "--database",
         f"sqlite:///{tmp_path / 'registry.sqlite3'}"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline
                time.sleep(0.5)
        proc = run("consumer_photo.py", "--url", f"http://127.0.0.1:{port}")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "verdict 'genuine'" in proc.stdout
    finally:
        server.terminate()
        server.wait(timeout=30)
