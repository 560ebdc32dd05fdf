"""Indexed free-text search (issue 17.14, issue 16): Vietnamese folding, short queries, the trigram
indexes (FTS5 / pg_trgm) kept on every write, capped counts, and migration 0007 up and down."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import create_engine, event, text

from trace_std.errors import ErrorCode, TraceStdError
from trace_std.registry import Registry, core
from trace_std.registry.search import _fold_slowly, derive, fold, search_text

CODES: list[dict[str, Any]] = [
    {
        "code": "VN-SLOR-0001",
        "name": "Vùng trồng nhãn Đà Lạt",
        "owner": "HTX Bala",
        "province_name": "Sơn La",
    },
    {
        "code": "VN-SLOR-0002",
        "name": "ĐÀ LẠT xanh",
        "owner": "Nguyễn Văn Đức",
        "commune_name": "Xã Chiềng Mung",
    },
    {
        "code": "VN-SLOR-0003",
        "name": "Vườn 50%_off",
        "owner": "Công ty Lạt Sơn",
        "address": "Phường 1, Đà Lạt",
    },
    {"code": "VN-SLOR-0004", "name": "Vườn dừa", "owner": "Hộ ông Tư", "province_name": "Tỉnh Sơn La"},
]


def _load(registry: Registry, codes: list[dict[str, Any]] = CODES) -> Registry:
    for c in codes:
        registry.upsert_code({"crops": ["longan"], "issued": "2024-01-02", **c}, actor="t")
    return registry


def _found(registry: Registry, **kwargs: Any) -> list[str]:
    return [c.code for c in registry.search(**kwargs, per_page=100).items]


# -- the folding rule --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text_", "folded"),
    [
        ("Đà Lạt", "da lat"),
        ("ĐÀ LẠT", "da lat"),
        ("đà lạt", "da lat"),
        ("Nguyễn Văn Đức", "nguyen van duc"),
        ("Chiềng   Mung\t\n", "chieng mung"),
        ("Hợp tác xã Ứng Hòa", "hop tac xa ung hoa"),
        ("Đà La\u0323t", "da lat"),  # decomposed input (a combining dot below)
        ("x\x07y", "xy"),  # control characters dropped
        ("50%_off\\", "50%_off\\"),  # punctuation and wildcards kept: they are matched literally
    ],
)
def test_fold_is_case_and_accent_insensitive(text_: str, folded: str) -> None:
    assert fold(text_) == folded


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30))
def test_the_fast_path_folds_exactly_like_the_rule(value: str) -> None:
    assert fold(value) == _fold_slowly(value)


def test_search_text_marks_word_starts_and_keeps_fields_apart() -> None:
    assert search_text("VN-SLOR-0001", None, "", "Đà Lạt") == " vn-slor-0001\n da lat"
    assert derive({"code": "X", "province_name": "Tỉnh Sơn La"})["province_key"] == "tinh son la"
    assert derive({"code": "X", "province_name": None})["province_key"] is None


# -- search on both backends ---------------------------------------------------------------------------
def test_vietnamese_queries_find_every_spelling(registry: Registry) -> None:
    """Before: ``lower()`` on SQLite folds ASCII only and no backend dropped the tones, so ``da lat``
    found nothing and ``ĐÀ LẠT`` found only itself."""
    _load(registry)
    for q in ("da lat", "Đà Lạt", "ĐÀ LẠT", "đà lạt", "DA LAT"):
        assert _found(registry, q=q) == ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003"], q
    assert _found(registry, q="nguyen van duc") == ["VN-SLOR-0002"]
    assert _found(registry, q="chieng mung") == ["VN-SLOR-0002"]
    assert _found(registry, q="slor-000") == [c["code"] for c in CODES]
    assert _found(registry, q="vuon dua") == ["VN-SLOR-0004"]
    assert _found(registry, q="lat htx") == []  # never across two fields ("… Đà Lạt" / "HTX Bala")


def test_wildcards_stay_literal(registry: Registry) -> None:
    _load(registry)
    assert _found(registry, q="50%_off") == ["VN-SLOR-0003"]
    assert _found(registry, q="0%_") == ["VN-SLOR-0003"]
    for q in ("__", "%%", "_%_", "%_%", "\\\\", "n_a"):
        assert registry.search(q=q).total == 0, q


def test_two_letters_match_the_start_of_a_word(registry: Registry) -> None:
    _load(registry)
    assert _found(registry, q="la") == ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003"]  # Lạt, not Bala
    assert _found(registry, q="LẠ") == ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003"]
    assert _found(registry, q="ba") == ["VN-SLOR-0001"]  # Bala
    assert _found(registry, q="vn") == [c["code"] for c in CODES]
    assert _found(registry, q="at") == []  # inside "lạt" only


@pytest.mark.parametrize("q", ["a", "Đ", " ừ ", "%", "_", "\\", "-", "\x01a\x02"])
def test_one_character_is_refused(registry: Registry, q: str) -> None:
    with pytest.raises(TraceStdError) as info:
        registry.search(q=q)
    assert info.value.code == ErrorCode.REGISTRY_SEARCH_QUERY_TOO_SHORT
    assert info.value.field == "q" and info.value.context == {"minimum": 2, "actual": 1}


def test_blank_query_is_no_filter(registry: Registry) -> None:
    _load(registry)
    assert registry.search(q="   ").total == len(CODES)


def test_a_change_of_name_moves_the_code_in_the_index(registry: Registry) -> None:
    """The index follows every write: import (update and no-op) and status changes (ORM)."""
    _load(registry)
    registry.upsert_code({"code": "VN-SLOR-0001", "name": "Vườn xoài Mộc Châu"}, actor="t")
    assert _found(registry, q="moc chau") == ["VN-SLOR-0001"]
    assert _found(registry, q="nhan da lat") == []
    assert _found(registry, q="htx bala") == ["VN-SLOR-0001"]  # the untouched owner stays
    _load(registry, CODES[1:])  # a no-op re-import
    registry.set_status("VN-SLOR-0002", "suspended", reason="r", actor="t")
    assert _found(registry, q="da lat") == ["VN-SLOR-0002", "VN-SLOR-0003"]
    assert _found(registry, q="da lat", status="suspended") == ["VN-SLOR-0002"]


def test_province_names_are_folded_and_indexed(registry: Registry) -> None:
    """Before: ``province=`` by name compared ``lower(province_name)`` on every code."""
    _load(registry)
    expected = ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003"]  # province name derived: "Sơn La"
    for p in ("Sơn La", "son la", "SƠN LA"):
        assert _found(registry, province=p) == expected, p
    assert _found(registry, province="tinh son la") == ["VN-SLOR-0004"]
    assert _found(registry, province="14") == [c["code"] for c in CODES]


def _many(n: int) -> list[dict[str, Any]]:
    rng = random.Random(5)
    names = ["Đà Lạt", "Mộc Châu", "Chiềng Mung", "Bảo Lộc"]
    return [
        {"code": f"VN-SLOR-{i:04d}", "name": f"Vùng {rng.choice(names)} {i}", "owner": f"HTX số {i % 7}"}
        for i in range(1, n + 1)
    ]


def _pages_after(registry: Registry, q: str) -> list[str]:
    """Every code found for ``q``, page after page of 7 by keyset (``after=``)."""
    walked: list[str] = []
    after: str | None = None
    while page := registry.search(q=q, per_page=7, after=after).items:
        walked.extend(c.code for c in page)
        after = page[-1].code
    return walked


@pytest.mark.parametrize("q", ["da lat", "htx so 3", "vu", "slor-00", "zzz"])
def test_capped_counts_and_both_plans_find_the_same_codes(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, q: str
) -> None:
    """Few matches come from the trigram index, many from a walk in code order: the same codes,
    the same order, page by page; past the cap the total is a lower bound, flagged inexact."""
    _load(registry, _many(60))
    exact = registry.search(q=q, per_page=100)
    assert exact.total_exact and exact.total == len(exact.items)
    monkeypatch.setattr(core, "_SEARCH_COUNT_UP_TO", 5)
    walked = _pages_after(registry, q)
    assert walked == [c.code for c in exact.items]
    capped = registry.search(q=q, per_page=7, page=2)
    assert [c.code for c in capped.items] == walked[7:14]
    assert (capped.total, capped.total_exact) == ((5, False) if len(walked) > 5 else (len(walked), True))
    with_status = registry.search(q=q, status="active", per_page=100)
    assert [c.code for c in with_status.items] == walked


def test_search_uses_the_trigram_index(registry: Registry) -> None:
    """Before: every ``q=`` read every code (``lower(col) LIKE '%q%'``)."""
    _load(registry, _many(30))
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(registry.engine, "before_cursor_execute", record)
    try:
        assert _found(registry, q="moc chau")
    finally:
        event.remove(registry.engine, "before_cursor_execute", record)
    if registry.backend == "sqlite":
        assert any("codes_search MATCH" in s for s in statements)
        return
    like = next(s for s in statements if "search_text LIKE" in s)
    assert "lower(" not in like
    with registry.engine.connect() as conn:
        # the trigram index serves the LIKE (an expression it cannot serve would leave a table scan).
        # At 30 codes the planner finds any index that holds the search text as cheap (the primary
        # key and the province indexes do, migration 0011): they are dropped in a transaction
        # rolled back, so the choice is the trigram index or reading the table
        conn.execute(text("SET enable_seqscan = off"))
        conn.execute(text("ALTER TABLE codes DROP CONSTRAINT pk_codes CASCADE"))
        conn.execute(text("DROP INDEX ix_codes_province_code_code, ix_codes_province_key_code"))
        plan = "\n".join(
            r[0]
            for r in conn.execute(text("EXPLAIN SELECT id FROM codes WHERE search_text LIKE '%moc chau%'"))
        )
        conn.rollback()
    assert "ix_codes_search_text_trgm" in plan


def test_a_page_without_filters_counts_cheaply(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 16 deep pages: no exact count of every code; ``page=`` keeps working."""
    _load(registry, _many(40))
    monkeypatch.setattr(core, "_SEARCH_COUNT_UP_TO", 10)
    result = registry.search(page=3, per_page=10)
    assert [c.code for c in result.items] == [f"VN-SLOR-{i:04d}" for i in range(21, 31)]
    assert result.total == 40 and not result.total_exact  # the registry's size, from the estimate
    assert result.to_dict()["total_exact"] is False


# -- migration 0007 ------------------------------------------------------------------------------------
def test_migration_fills_the_search_columns_of_existing_codes_and_goes_back(db_url: str) -> None:
    from trace_std.registry.migrations import alembic_config, head_revision, upgrade

    engine = create_engine(db_url)
    try:
        from alembic import command

        with Registry(db_url) as reg:
            _load(reg)
        command.downgrade(alembic_config(engine), "0006")
        with engine.connect() as conn:
            cols = {r[0] for r in conn.execute(text("SELECT * FROM codes LIMIT 0")).cursor.description}
        assert "search_text" not in cols and "province_key" not in cols
        assert upgrade(engine) == head_revision()
        with Registry(db_url) as reg:
            assert _found(reg, q="da lat") == ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003"]
            assert _found(reg, province="son la") == ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003"]
            assert _found(reg, q="la") == ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003"]
    finally:
        engine.dispose()


def test_text_results_come_in_registration_order(registry: Registry) -> None:
    """With ``q`` the order is the trigram index's (registration), and ``after`` follows it."""
    _load(registry, list(reversed(CODES)))
    assert _found(registry, q="da lat") == ["VN-SLOR-0003", "VN-SLOR-0002", "VN-SLOR-0001"]
    assert _found(registry, q="da lat", after="VN-SLOR-0003") == ["VN-SLOR-0002", "VN-SLOR-0001"]
    assert _found(registry, q="da lat", after="VN-SLOR-9999") == []  # not a registered code
    assert _found(registry) == [c["code"] for c in CODES]  # without q: code order


# -- migration 0010: the province in the SQLite index; the trigrams looked up ---------------------------
def _statements(registry: Registry, fn: Any) -> list[tuple[str, Any]]:
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(registry.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(registry.engine, "before_cursor_execute", record)
    return seen


def test_text_with_a_province_follows_every_change_of_province(registry: Registry) -> None:
    """The province is part of the SQLite index (migration 0010), kept by its triggers; a search
    with both gives the same codes on both backends."""
    _load(registry)
    assert _found(registry, q="da lat", province="14") == ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003"]
    assert _found(registry, q="da lat", province="son la") == ["VN-SLOR-0001", "VN-SLOR-0002", "VN-SLOR-0003"]
    registry.upsert_code({"code": "VN-SLOR-0002", "province_name": "Lâm Đồng"}, actor="t")
    assert _found(registry, q="da lat", province="son la") == ["VN-SLOR-0001", "VN-SLOR-0003"]
    assert _found(registry, q="da lat", province="lam dong") == ["VN-SLOR-0002"]
    assert _found(registry, q="vuon", province="tinh son la") == ["VN-SLOR-0004"]
    assert _found(registry, q="vuon", province="15") == []
    if registry.backend != "sqlite":
        return
    seen = _statements(registry, lambda: _found(registry, q="da lat", province="lam dong"))
    match = next(p[0] for s, p in seen if "codes_search MATCH" in s)
    assert '"\x1dla"' in match and '"ng\x1d"' in match
    with registry.engine.connect() as conn:  # the candidates are the outer loop, whatever the filters
        s, p = next((s, p) for s, p in seen if "codes_search MATCH" in s and "count(" not in s)
        plan = [r[3] for r in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + s, p)]
    assert plan[0].startswith("SCAN codes_search VIRTUAL TABLE"), plan


def test_common_trigrams_are_not_looked_up(registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    """A trigram in nearly every code (``vun`` of "Vùng") narrows nothing and costs a long list:
    the lookup leaves it out and takes the rarest trigram of the other words (SQLite: counted;
    PostgreSQL: estimated from a sample); the row check still holds every code to the whole query."""
    codes = _many(30)
    _load(registry, codes)
    monkeypatch.setattr(core, "_TRIGRAM_PROBE_UP_TO", 20)
    registry._trigram_counts.clear()
    registry._trigram_sample = None
    seen = _statements(registry, lambda: _found(registry, q="vung moc"))
    assert _found(registry, q="vung moc") == [c["code"] for c in codes if c["name"].startswith("Vùng Mộc")]
    if registry.backend == "sqlite":
        looked_up = [
            p[0] for s, p in seen if "codes_search MATCH" in s and "count(*) FROM (SELECT 1" not in s
        ]
        assert looked_up and all('"moc"' in m and '"vun"' not in m and '"ung"' not in m for m in looked_up)
    else:  # estimated from a sample of the table: one LIKE per trigram for pg_trgm
        patterns = [v for s, p in seen if "search_text LIKE" in s for v in p.values() if isinstance(v, str)]
        assert "%moc%" in patterns and not any(
            v in patterns for v in ("%vun%", "%ung%", "%vung%", "%vung moc%")
        )


def test_migration_0010_goes_down_and_up(db_url: str) -> None:
    from alembic import command

    from trace_std.registry.migrations import alembic_config, head_revision, upgrade

    engine = create_engine(db_url)
    try:
        with Registry(db_url) as reg:
            _load(reg)
        command.downgrade(alembic_config(engine), "0009")
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                cols = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(codes_search)")]
                assert cols == ["search_text"]
                found = conn.exec_driver_sql(
                    "SELECT count(*) FROM codes_search WHERE codes_search MATCH '\"lat\"'"
                )
                assert found.scalar() == 3
        assert upgrade(engine) == head_revision()
        with Registry(db_url) as reg:
            assert _found(reg, q="da lat", province="son la") == [
                "VN-SLOR-0001",
                "VN-SLOR-0002",
                "VN-SLOR-0003",
            ]
    finally:
        engine.dispose()


# -- PostgreSQL's walks (migration 0011): proving "more than 1,000" and the page without the bitmap ------
@pytest.mark.parametrize("q", ["da lat", "htx so 3", "slor-00", "moc chau 1"])
@pytest.mark.parametrize("plan", ["dense walk", "walk out of budget", "all in hand", "index"])
def test_every_plan_of_a_common_query_finds_the_same_codes(
    registry: Registry, monkeypatch: pytest.MonkeyPatch, q: str, plan: str
) -> None:
    """Whatever the sample says (a dense walk, one that runs out of its budget and falls back to the
    index, all matches read at once, or the index alone), the totals and the pages are the same."""
    _load(registry, [{**c, "province_name": "Sơn La"} if i % 3 else c for i, c in enumerate(_many(60))])
    expected = registry.search(q=q, per_page=100)
    assert expected.total_exact and expected.items
    with_province = [c.code for c in registry.search(q=q, province="son la", per_page=100).items]
    monkeypatch.setattr(core, "_SEARCH_COUNT_UP_TO", 5)
    monkeypatch.setattr(core, "_SEARCH_IN_HAND_UP_TO", 1_000 if plan == "all in hand" else 5)
    if plan in ("dense walk", "walk out of budget"):  # every query looks common
        monkeypatch.setattr(core, "_DENSE_MIN_HITS", 1)
        monkeypatch.setattr(core, "_DENSE_ROW_COST", 0.0)
        monkeypatch.setattr(core, "_DENSE_INDEXED_ROW_COST", 0.0)
        monkeypatch.setattr(core, "_DENSE_WALK_MARGIN", 1e-9 if plan == "walk out of budget" else 3.0)
    else:
        monkeypatch.setattr(core, "_DENSE_MIN_HITS", 10**9)
    registry._trigram_sample = None
    seen = _statements(registry, lambda: registry.search(q=q, per_page=7))
    first = registry.search(q=q, per_page=7)
    assert (first.total, first.total_exact) == (min(5, expected.total), expected.total <= 5)
    walked = _pages_after(registry, q)
    assert walked == [c.code for c in expected.items]
    assert [c.code for c in registry.search(q=q, per_page=7, page=2).items] == walked[7:14]
    assert [c.code for c in registry.search(q=q, province="son la", per_page=100).items] == with_province
    assert with_province and set(with_province) <= set(walked)
    if registry.backend == "postgresql" and plan == "dense walk" and expected.total > 5:
        assert any("strpos(anon_1.search_text" in s for s, _ in seen), "the walk was not taken"


def test_search_records_match_the_lookup(registry: Registry) -> None:
    """A page's records are read in one round trip: each equals the code's own lookup."""
    _load(registry, [{**c, "province_name": "Sơn La"} if i % 2 else c for i, c in enumerate(_many(30))])
    registry.set_status("VN-SLOR-0003", "suspended", reason="r", actor="t")
    for kwargs in ({"q": "htx so"}, {"q": "slor-000", "province": "son la"}, {"province": "14"}, {}):
        items = registry.search(**kwargs, per_page=100).items
        assert items
        for item in items:
            assert item == registry.get_code(item.code)


def test_migration_0011_goes_down_and_up(db_url: str) -> None:
    from alembic import command

    from trace_std.registry.migrations import alembic_config, head_revision, upgrade

    engine = create_engine(db_url)
    included = text(
        "SELECT c.relname, i.indnatts - i.indnkeyatts FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE i.indrelid = 'codes'::regclass AND c.relname IN "
        "('pk_codes', 'ix_codes_province_code_code', 'ix_codes_province_key_code') ORDER BY c.relname"
    )
    foreign = text("SELECT count(*) FROM pg_constraint WHERE confrelid = 'codes'::regclass AND contype = 'f'")
    try:
        with Registry(db_url) as reg:
            _load(reg)
            before = _found(reg, q="da lat")
        if engine.dialect.name != "postgresql":
            return  # nothing to do on SQLite (its key is the rowid)
        with engine.connect() as conn:
            assert conn.execute(included).all() == [
                ("ix_codes_province_code_code", 2), ("ix_codes_province_key_code", 2), ("pk_codes", 1)
            ]  # fmt: skip
            fks = conn.execute(foreign).scalar_one()
        assert fks >= 6
        command.downgrade(alembic_config(engine), "0010")
        with engine.connect() as conn:
            assert [n for _, n in conn.execute(included)] == [0, 0, 0]
            assert conn.execute(foreign).scalar_one() == fks
        assert upgrade(engine) == head_revision()
        with engine.connect() as conn:
            assert [n for _, n in conn.execute(included)] == [2, 2, 1]
            assert conn.execute(foreign).scalar_one() == fks
        with Registry(db_url) as reg:
            assert _found(reg, q="da lat") == before
    finally:
        engine.dispose()
