"""The website's gettext catalogues: complete, compiled and in step with the source."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "api" / "web"
LOCALES = ("vi", "en", "zh", "ru")


def _po(locale: str):
    with open(WEB / "translations" / locale / "LC_MESSAGES" / "messages.po", "rb") as f:
        return read_po(f, locale=locale)


def _source_ids() -> set[str]:
    method_map = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
    keywords = dict(DEFAULT_KEYWORDS, N_=None, tr=None)
    ids = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(WEB), method_map=method_map, keywords=keywords
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_exactly_the_source_messages(locale: str) -> None:
    source = _source_ids()
    assert len(source) > 100
    catalogue = {m.id for m in _po(locale) if m.id}
    assert source - catalogue == set(), "run the extraction and update the catalogues"
    assert catalogue - source == set(), "stale messages in the catalogue"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_translated_and_not_fuzzy(locale: str) -> None:
    untranslated = [m.id for m in _po(locale) if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


def test_vietnamese_is_really_vietnamese() -> None:
    same = [m.id for m in _po("vi") if m.id and m.string == m.id]
    # Only proper names, units and acronyms may be spelt the same in both languages.
    assert set(same) <= {"%(number)s ha", "GTIN", "GS1 Digital Link", "Canada", "New Zealand", "Singapore"}


@pytest.mark.parametrize(("locale", "script"), [("zh", r"[\u4e00-\u9fff]"), ("ru", r"[\u0400-\u04ff]")])
def test_chinese_and_russian_are_really_written_in_their_script(locale: str, script: str) -> None:
    import re

    catalogue = [m for m in _po(locale) if m.id]
    same = {m.id for m in catalogue if m.string == m.id}
    assert same <= {"GTIN", "GS1 Digital Link"}, same
    # Every message with a word in it is written in the language's own script.
    worded = [m for m in catalogue if re.search(r"[A-Za-z]{4,}", re.sub(r"%\(\w+\)s", "", m.id))]
    assert [m.id for m in worded if not re.search(script, m.string) and m.string not in same] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_matches_source(locale: str) -> None:
    with open(WEB / "translations" / locale / "LC_MESSAGES" / "messages.mo", "rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    source = {m.id: m.string for m in _po(locale) if m.id}
    assert compiled == source, "recompile: pybabel compile -d api/web/translations"


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_survive_translation(locale: str) -> None:
    import re

    for m in _po(locale):
        if m.id:
            assert sorted(re.findall(r"%\(\w+\)s", m.id)) == sorted(re.findall(r"%\(\w+\)s", m.string)), m.id
