"""``trace-std validate``: output formats, exit codes, no tracebacks on bad files."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from trace_std.cli import main
from trace_std.schemas import load_schema

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "labels"
SAMPLE = EXAMPLES / "sample-batch.csv"
TEMPLATE = EXAMPLES / "template.csv"
CLI = (sys.executable, "-c", "import sys; from trace_std.cli import main; sys.exit(main())")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_clean_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(TEMPLATE))
    assert code == 0
    assert out.splitlines()[0].startswith(f"{TEMPLATE}: OK: 1 rows")
    assert err == ""  # no progress bar: stderr is not a terminal


def test_text_output_is_summary_then_one_line_per_issue(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SAMPLE))
    lines = out.splitlines()
    assert code == 1
    assert "FAILED" in lines[0] and "7 rows" in lines[0]
    rows = [line.split("\t") for line in lines[1:]]
    assert rows and all(len(r) == 5 for r in rows)
    assert rows[0][:4] == ["  row 4", "serial", "error", "batch.serial.duplicate"]


def test_json_output_validates_against_the_batch_report_schema(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "json", str(SAMPLE))
    doc = json.loads(out)
    Draft202012Validator(load_schema("batch-report")).validate(doc)
    assert code == 1
    assert (doc["rows_total"], doc["rows_valid"], doc["rows_invalid"]) == (7, 3, 4)
    assert {"row", "field", "code", "severity", "message"} <= set(doc["issues"][0])
    code, out, _ = run(capsys, "--format", "json", str(SAMPLE), str(TEMPLATE))
    docs = json.loads(out)
    Draft202012Validator(load_schema("batch-report")).validate(docs)
    assert [d["file"] for d in docs] == [str(SAMPLE), str(TEMPLATE)]


def test_csv_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--format", "csv", "--market", "cn", str(SAMPLE))
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["file", "row", "field", "code", "severity", "message"]
    assert ("5", "phc", "label.market.required") in {(r[1], r[2], r[3]) for r in table[1:]}
    assert code == 1


def test_as_of_and_bad_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--as-of", "2025-03-01", "--format", "json", str(TEMPLATE))
    assert code == 1 and {i["code"] for i in json.loads(out)["issues"]} == {"label.date.future"}
    with pytest.raises(SystemExit) as info:
        main(["validate", "--as-of", "01/03/2025", str(TEMPLATE)])
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        main(["validate", "--market", "MARS", str(TEMPLATE)])
    capsys.readouterr()


def test_unreadable_files_exit_2_with_a_clear_message(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "legacy.csv"
    bad.write_bytes(TEMPLATE.read_text("utf-8").encode("utf-8").replace("ơ".encode(), b"\xf4\xf2"))
    code, out, err = run(capsys, str(bad), str(TEMPLATE))
    assert code == 2
    assert "UNREADABLE: file.encoding (byte " in out and "Traceback" not in out + err
    assert f"{TEMPLATE}: OK" in out  # the other file is still validated
    code, out, _ = run(capsys, "--format", "json", str(tmp_path / "missing.csv"))
    doc = json.loads(out)
    assert code == 2 and doc["error"]["code"] == "file.unreadable"
    Draft202012Validator(load_schema("batch-report")).validate(doc)


def test_stdin_and_console_script(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*CLI, "validate", "--format", "json", "-"],
        input=SAMPLE.read_bytes(),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["rows_invalid"] == 4
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    proc = subprocess.run([*CLI, "validate", str(binary)], capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "file.binary" in proc.stdout and "Traceback" not in proc.stderr


def test_progress_bar_only_on_a_terminal() -> None:
    import os
    import pty

    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [*CLI, "validate", str(SAMPLE)], stderr=slave, stdout=subprocess.PIPE, check=False
        )
        os.close(slave)
        drawn = os.read(master, 65536).decode("utf-8", "replace")
    finally:
        os.close(master)
    assert proc.returncode == 1
    assert "\r" in drawn and "7 rows" in drawn and "100%" in drawn
