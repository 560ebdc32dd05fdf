"""``trace-std registry`` and ``trace-std token``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.registry.conftest import SAMPLE_CSV, SAMPLE_JSON
from trace_std.cli import main
from trace_std.registry import Registry


def test_init_import_export(db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["registry", "init", "--database", db_url]) == 0
    assert main(["registry", "import", str(SAMPLE_CSV), "--database", db_url, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "OK (dry run)" in out and "codes 224" in out
    with Registry(db_url) as reg:
        assert reg.count() == 0
    assert (
        main(["registry", "import", str(SAMPLE_JSON), "--database", db_url, "--actor", "ops", "--json"]) == 0
    )
    report = json.loads(capsys.readouterr().out)
    assert report["created"]["codes"] == 224 and report["applied"] is True
    with Registry(db_url) as reg:
        assert reg.audit_log()[0].actor == "ops"
    out_file = tmp_path / "open.csv"
    assert main(["registry", "export", "--database", db_url, "--format", "csv", "-o", str(out_file)]) == 0
    assert out_file.read_text("utf-8").startswith("# trace-std-registry v1")
    capsys.readouterr()
    assert main(["registry", "export", "--database", db_url]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["provenance"]["sha256"] == json.loads(SAMPLE_JSON.read_text("utf-8"))["provenance"]["sha256"]


def test_import_with_bad_rows_exits_1_and_names_them(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {"codes": [{"code": "VN-SLOR-0001"}, {"code": "nope"}, {"code": "VN-SLOR-0002", "status": "x"}]}
        )
    )
    assert main(["registry", "import", str(bad), "--database", db_url]) == 1
    out = capsys.readouterr().out
    assert "REJECTED" in out and "/codes/1" in out and "/codes/2/status" in out
    assert "registry.import.code_invalid" in out and "registry.status.invalid" in out
    with Registry(db_url) as reg:
        assert reg.count() == 0
    unreadable = tmp_path / "x.json"
    unreadable.write_text("{")
    assert main(["registry", "import", str(unreadable), "--database", db_url]) == 2


def test_tokens(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "token",
                "create",
                "--database",
                db_url,
                "--scope",
                "registry:import",
                "--scope",
                "codes:status",
                "--name",
                "ci",
                "--actor",
                "lead",
            ]
        )
        == 0
    )
    secret = capsys.readouterr().out.strip()
    with Registry(db_url) as reg:
        token = reg.verify_token(secret, "codes:status")
        assert token is not None and token.created_by == "lead"
    assert main(["token", "list", "--database", db_url, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(t["name"], t["scopes"], t["active"]) for t in listed] == [
        ("ci", ["registry:import", "codes:status"], True)
    ]
    assert secret not in json.dumps(listed)
    assert main(["token", "revoke", "ci", "--database", db_url]) == 0
    assert main(["token", "revoke", "ci", "--database", db_url]) == 1
    with Registry(db_url) as reg:
        assert reg.verify_token(secret) is None
    with pytest.raises(SystemExit):
        main(["token", "create", "--database", db_url, "--scope", "root"])
