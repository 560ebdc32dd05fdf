"""Parallel imports and reads through the API against PostgreSQL: nothing lost, never half a file."""

from __future__ import annotations

import copy
import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest

from api import store
from tests.api.conftest import close_app, create_pg_database, drop_pg_database, make_app, pg_url

SIZE = 25


def _file(template: dict[str, Any], base: dict[str, Any], tag: str, first_serial: int) -> bytes:
    codes = []
    for i in range(SIZE):
        record = copy.deepcopy(template)
        prefix = record["code"].rpartition("-")[0]
        record.update(code=f"{prefix}-{first_serial + i:04d}", name=f"{tag} #{i} (synthetic)", history=[])
        record.update(status="active", status_since=record.get("issued") or "2024-01-01")
        codes.append(record)
    doc = {k: v for k, v in base.items() if k not in ("codes", "products", "lots")}
    doc.update(codes=codes, products=[], lots=[])
    doc.get("provenance", {}).pop("sha256", None)
    return json.dumps(doc, ensure_ascii=False).encode()


@pytest.mark.postgres
def test_parallel_imports_and_reads_lose_nothing_and_never_show_half_a_file() -> None:
    from trace_std.registry import Registry
    from trace_std.registry.sample import sample_path

    name = create_pg_database()
    url = pg_url(name)
    with Registry(url) as registry:
        registry.ensure_sample()
        secret, _ = registry.create_token("loader", ["registry:import"], actor="test")
        before = registry.count()
    base = json.loads(Path(sample_path()).read_text("utf-8"))
    template = next(c for c in base["codes"] if "-" in c["code"] and c["code"].count("-") == 2)
    files = {
        "alpha": _file(template, base, "ALPHA-BATCH", 7000),
        "beta": _file(template, base, "BETA-BATCH", 8000),
    }
    app = make_app(url)
    headers = {"Authorization": f"Bearer {secret}"}
    seen: dict[str, set[int]] = {"alpha": set(), "beta": set()}
    errors: list[str] = []
    done = threading.Event()
    writing = threading.Event()  # set while the imports run
    overlap = [0]  # reads made while an import was running

    def importer(tag: str) -> None:
        client = app.test_client()
        data = {"file": (io.BytesIO(files[tag]), f"{tag}.json")}
        response = client.post(
            "/v1/admin/import", data=data, headers=headers, content_type="multipart/form-data"
        )
        if response.status_code != 200:
            errors.append(f"{tag}: {response.status_code} {response.get_data(as_text=True)[:300]}")

    def reader() -> None:
        client = app.test_client()
        while not done.is_set():
            for tag in seen:
                response = client.get("/v1/codes", query_string={"q": f"{tag}-batch", "per_page": 1})
                if response.status_code != 200:
                    errors.append(f"read: {response.status_code}")
                    return
                seen[tag].add(response.get_json()["total"])
                if writing.is_set():
                    overlap[0] += 1

    readers = [threading.Thread(target=reader) for _ in range(3)]
    writers = [threading.Thread(target=importer, args=(tag,)) for tag in files]
    try:
        writing.set()
        for t in readers + writers:
            t.start()
        for t in writers:
            t.join(timeout=120)
        writing.clear()
        done.set()
        for t in readers:
            t.join(timeout=30)
        assert not any(t.is_alive() for t in readers + writers), "a thread hung"
        assert not errors, errors
        assert overlap[0] > 0, "no read overlapped the imports: the check below would be vacuous"
        for tag, totals in seen.items():
            assert totals and totals <= {0, SIZE}, f"{tag}: a reader saw a partial import {sorted(totals)}"
        with app.app_context():
            registry = store.registry()
            assert registry.count() == before + 2 * SIZE
            for tag in files:
                assert registry.search(q=f"{tag}-batch").total == SIZE
    finally:
        close_app(app)
        drop_pg_database(name)
