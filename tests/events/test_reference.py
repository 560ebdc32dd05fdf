"""Every reference document (47 GS1 examples, 38 OpenEPCIS capture documents, 5 bare events) is
accepted unless it breaks a rule of the standard; the ones rejected are listed with their codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.events.reference import REJECTED, reference_files, rel, require_shared
from trace_std.events import validate

FILES = reference_files()


def test_the_corpus_is_complete() -> None:
    require_shared()
    names = [rel(p) for p in FILES]
    assert sum(n.startswith("gs1/") for n in names) == 47
    assert sum(n.startswith("openepcis/Documents/") for n in names) == 38
    assert sum(n.startswith("openepcis/Events/") for n in names) == 5
    assert set(REJECTED) <= set(names)


@pytest.mark.parametrize("path", FILES, ids=[rel(p) for p in FILES])
def test_reference_document(path: Path) -> None:
    report = validate(path, check_hashes=False)
    errors = {i.code for i in report.errors}
    assert errors == REJECTED.get(rel(path), set()), [(i.code, i.field) for i in report.errors][:5]
    assert report.details["events"] >= 1
    for issue in report.issues:
        assert issue.field is not None and (issue.field == "" or issue.field.startswith("/"))
