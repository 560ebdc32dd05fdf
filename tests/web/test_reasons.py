"""Specific reasons on the result page: every reachable error code has one; harmless repairs are no problem;
malformed links and unknown addresses answer a browser with a page; revoked codes say why at once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from api.web import reasons
from trace_std.errors import ErrorCode

ROOT = Path(__file__).resolve().parents[2]
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en",
}
# The library modules behind the website: the format checks, the registry verification, the photo decoder.
BEHIND_THE_SITE = [
    "trace_std/check.py",
    "trace_std/codes",
    "trace_std/gs1",
    "trace_std/registry/verify.py",
    "trace_std/render/decode.py",
]
# Raised there but never shown: resolve_code's import error is caught by verify() ("reported by the
# format check").
NEVER_SHOWN = {
    ErrorCode.REGISTRY_IMPORT_FIELD_INVALID,
    ErrorCode.EPCIS_EPC_SYNTAX,  # gs1/epc.py: EPC URNs come only from EPCIS documents, never a label or scan
}


def _named(entries: list[str]) -> set[str]:
    named: set[str] = set()
    for entry in entries:
        path = ROOT / entry
        for file in [path] if path.is_file() else sorted(path.rglob("*.py")):
            for name in re.findall(r"ErrorCode\.([A-Z0-9_]+)", file.read_text("utf-8")):
                named.add(str(ErrorCode[name]))
    return named


def _reachable() -> list[ErrorCode]:
    return [c for c in ErrorCode if str(c).startswith(reasons.REACHABLE)]


def test_every_reachable_error_code_has_a_reason_and_a_fix() -> None:
    codes = _reachable()
    assert len(codes) > 100
    missing = [str(c) for c in codes if str(c) not in reasons.REASONS]
    assert missing == [], "add a (what, fix) entry to api/web/reasons.py"
    assert set(reasons.REASONS) <= {str(c) for c in ErrorCode}, "a reason for a code that does not exist"
    for code, (what, fix) in reasons.REASONS.items():
        assert what.strip() and fix.strip() and what != fix, code
        if "%(part)s" in what or "%(ai)s" in what:
            assert set(re.findall(r"%\((\w+)\)s", what)) <= {"part", "ai"}, code


def test_every_code_the_site_can_meet_is_reachable() -> None:
    """The codes the library modules behind the site name, plus the AI table's linters, are all covered."""
    named = _named(BEHIND_THE_SITE)
    from trace_std.gs1 import ai as gs1_ai

    linters = {str(c) for c in ErrorCode if str(c).startswith("gs1.lint.")}
    assert linters and gs1_ai is not None
    outside = sorted(c for c in named | linters if c not in reasons.REASONS and c not in NEVER_SHOWN)
    assert outside == []


@pytest.mark.parametrize(
    ("text", "code", "wrong_part", "says"),
    [
        ("VN-SLOR-12", "code.segment.length", "12", "“12”"),
        ("VN-SLXX-0001", "code.type.unknown", "XX", "“XX”"),
        ("US-SLOR-0001", "code.country.invalid", "US", "“US”"),
        ("08936000120017", "gs1.key.checksum", "7", "check digit"),
        ("(01)08936000120016(17)251340", "gs1.lint.yymmd0", "13", "(17)"),
        ("(01)08936000120016(10)AB~C", "gs1.lint.cset82", "~", "(10)"),
    ],
)
def test_reason_says_which_part_is_wrong_and_what_to_do(
    client: Any, text: str, code: str, wrong_part: str, says: str
) -> None:
    html = client.get("/verify", query_string={"q": text}, headers=BROWSER).get_data(as_text=True)
    item = re.search(rf'<li class="reason" data-code="{re.escape(code)}">(.*?)</li>', html, re.S)
    assert item is not None, html
    what, fix = re.findall(r'<span class="reason-(?:what|fix)">(.*?)</span>', item.group(1))
    assert says in what.replace("&#34;", '"') and fix and fix != what
    assert re.findall(r'<mark class="wrong" data-testid="wrong-part">(.*?)</mark>', html) == [wrong_part]
    assert "There is a problem with this code." not in html  # never the generic sentence


@pytest.mark.parametrize(
    "typed", ["vn slor 0001", "VN SLOR 0001", "ＶＮ－ＳＬＯＲ－０００１", "VN–SLOR–0001"]
)
def test_harmless_repairs_are_not_problems(client: Any, typed: str) -> None:
    r = client.get("/verify", query_string={"q": typed}, headers=BROWSER)
    html = r.get_data(as_text=True)
    assert 'data-verdict="genuine"' in html
    assert 'data-testid="reasons"' not in html and 'data-testid="notes"' not in html
    assert "code.form." not in html
    assert re.search(r'data-testid="read-as">Read as: <code class="code-echo">VN-SLOR-0001</code>', html)


def test_a_real_warning_is_a_note_not_a_problem(client: Any) -> None:
    html = client.get("/verify", query_string={"q": "VN-XXOR-0001"}, headers=BROWSER).get_data(as_text=True)
    assert 'data-testid="notes"' in html and 'data-code="code.abbreviation.unknown"' in html
    assert 'data-verdict="unregistered"' in html


@pytest.mark.parametrize(
    ("q", "headline"),
    [
        ("VN-SLOR-0001", "Registered and active"),
        ("08936000120016", "Registered product"),
        ("(01)08936000120016(10)SL250812A(13)250812", "Genuine product"),
    ],
)
def test_the_headline_says_what_was_proven(client: Any, q: str, headline: str) -> None:
    html = client.get("/verify", query_string={"q": q}, headers=BROWSER).get_data(as_text=True)
    assert re.search(r'<h1 id="verdict-h" class="verdict-word">(.*?)</h1>', html).group(1) == headline  # type: ignore[union-attr]


def test_revoked_page_reason_first_and_markets_no_longer_valid(
    client: Any, web_app: Any, sample: Any
) -> None:
    with web_app.app_context():
        from api import store

        record = store.registry().get_code(sample.revoked_puc)
    assert record is not None and record.markets
    change = record.history[-1]
    for lang, void, reason in (
        ("en", "no longer valid", None),
        ("vi", "không còn hiệu lực", None),
    ):
        html = client.get(
            "/verify", query_string={"q": sample.revoked_puc}, headers={**BROWSER, "Accept-Language": lang}
        ).get_data(as_text=True)
        after_verdict = html[html.index('data-testid="verdict"') :]
        first_section = re.search(r"<section[^>]*data-testid=\"([\w-]+)\"", after_verdict[10:])
        assert first_section is not None and first_section.group(1) == "status-change"
        shown = re.search(r'data-testid="status-reason">(.*?)</p>', html).group(1)  # type: ignore[union-attr]
        assert shown and (lang != "en" or change.reason.startswith(shown.split(" (")[0]))  # type: ignore[union-attr]
        assert change.legal_doc in html
        markets = html[html.index('data-testid="markets-puc"') :]
        markets = markets[: markets.index("</ul>")]
        assert markets.count(void) == len(record.markets)
        assert "status--active" not in markets
        del reason


def test_api_text_of_a_revoked_code_gives_the_revocation_date(client: Any, sample: Any) -> None:
    body = client.get("/v1/verify", query_string={"q": sample.revoked_puc}).get_json()
    (issue,) = [i for i in body["issues"] if i["code"] == "registry.code.revoked"]
    assert issue["context"]["since"] == body["puc"]["status_since"] != body["as_of"]
    assert body["puc"]["status_since"] in issue["message"] and body["as_of"] not in issue["message"]


# -- content negotiation: a browser gets a page, a program the problem document -------------------


@pytest.mark.parametrize(
    "path",
    ["/01/08936000120017/10/X", "/01/0893600012001", "/01/08936000120016/21/1/10/2"],
)
def test_malformed_digital_link_in_a_browser_is_the_result_page(client: Any, path: str) -> None:
    r = client.get(path, headers=BROWSER)
    assert r.status_code == 400 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert 'data-verdict="malformed"' in html and 'class="reason"' in html
    assert "Accept" in r.headers["Vary"]
    api = client.get(path, headers={"Accept": "application/json"})
    assert api.status_code == 400 and api.mimetype == "application/problem+json"
    assert api.get_json()["code"] == "invalid-digital-link" or api.get_json()["errors"]


def test_unknown_digital_link_in_a_browser_is_the_result_page(client: Any) -> None:
    r = client.get("/01/08936000120993", headers=BROWSER)
    assert r.status_code == 200 and 'data-verdict="unregistered"' in r.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/no/such/page", "/01/08936000120016?linkType=gs1:nothing", "/lot/123"])
def test_not_found_in_a_browser_is_a_page(client: Any, path: str) -> None:
    r = client.get(path, headers=BROWSER)
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert 'data-kind="not_found"' in r.get_data(as_text=True)
    for accept in ({}, {"Accept": "application/json"}, {"Accept": "*/*"}):
        api = client.get(path, headers=accept)
        assert api.status_code == 404 and api.mimetype == "application/problem+json"


def test_api_paths_keep_problem_documents_for_browsers(client: Any) -> None:
    for path in ("/v1/nothing-here", "/web-static/nothing.css"):
        r = client.get(path, headers=BROWSER)
        assert r.status_code == 404 and r.mimetype == "application/problem+json"


# -- the exporters' label-file page (/labels) -----------------------------------------------------

# The library modules behind /labels: the batch reader and repairs, the label rules, the registry's row
# checks. The codes they name, the label/file/batch families, and every code of the website's families
# (a PUC or GTIN cell is parsed by the same code and GS1 checks as a typed code) can reach the report.
BEHIND_THE_LABELS_PAGE = ["trace_std/label", "trace_std/registry/verify.py"]
LOCALES = ("vi", "en", "zh", "ru")


def _file_codes() -> list[str]:
    families = reasons.FILE_REACHABLE + reasons.REACHABLE
    return sorted({str(c) for c in ErrorCode if str(c).startswith(families)} | _named(BEHIND_THE_LABELS_PAGE))


def _catalogue(locale: str) -> dict[str, str]:
    from babel.messages.pofile import read_po

    with open(ROOT / "api/web/translations" / locale / "LC_MESSAGES/messages.po", "rb") as f:
        return {m.id: m.string for m in read_po(f, locale=locale) if m.id and m.string and not m.fuzzy}


def test_every_code_of_the_labels_page_has_a_reason_in_every_language(web_app: Any) -> None:
    from api.web import present

    codes = _file_codes()
    label_codes = [c for c in codes if c.startswith(reasons.FILE_REACHABLE)]
    assert len(label_codes) >= 47 and "label.gtin.scientific" in codes and "gs1.pair.required" in codes
    assert set(reasons.FILE_REASONS) == set(label_codes), "add a (what, fix) entry to FILE_REASONS"
    missing = [c for c in codes if c not in reasons.FILE_REASONS and c not in reasons.REASONS]
    assert missing == []
    for code, (what, fix) in reasons.FILE_REASONS.items():
        assert what.strip() and fix.strip() and what != fix and "%(" not in what + fix, code
    catalogues = {locale: _catalogue(locale) for locale in LOCALES}
    untranslated = []
    for code in codes:
        what, fix = reasons.FILE_REASONS.get(code) or (reasons.REASONS[code][0], reasons.FILE_FIX)
        for locale in LOCALES:
            for message in (what, fix):
                shown = catalogues[locale].get(message)
                if not shown or (locale != "en" and shown == message):
                    untranslated.append((code, locale, message))
    assert untranslated == []
    # And the page's presenter gives them in the page's language, never the generic sentence.
    generic = reasons.GENERIC[0]
    for locale in LOCALES:
        with web_app.test_request_context(headers={"Accept-Language": locale}):
            tr = present.Translator()
            seen = set()
            for code in codes:
                what, fix = present.file_reason(tr, code, {"value": "X1", "ai": "17"})
                assert what and fix and tr(generic) != what, (locale, code)
                seen.add(what)
            assert len(seen) > 0.8 * len(codes)


@pytest.mark.parametrize(
    ("lang", "scientific", "repaired_fix"),
    [
        ("vi", "số khoa học", "tệp đã sửa"),
        ("en", "scientific notation", "corrected file"),
        ("zh", "科学计数法", "修正后的文件"),
        ("ru", "экспоненциальной записи", "исправленном файле"),
    ],
)
def test_labels_page_gives_reasons_in_the_page_language_with_the_cell(
    client: Any, lang: str, scientific: str, repaired_fix: str
) -> None:
    import io

    pytest.importorskip("openpyxl")
    from tests.label.messy_files import FILES

    r = client.post(
        "/labels",
        data={"file": (io.BytesIO(FILES["sonla-week.xlsx"]()), "week.xlsx")},
        content_type="multipart/form-data",
        headers={"Accept-Language": lang},
    )
    html = r.get_data(as_text=True)
    rows = dict(re.findall(r'<tr class="issue issue--\w+" data-code="([^"]+)".*?>(.*?)</tr>', html, re.S))
    bad = rows["label.gtin.scientific"]
    assert "<code>8,93600E+12</code>" in bad  # the cell as written stays
    (what,) = re.findall(r'data-testid="reason-what">(.*?)</span>', bad)
    assert scientific in what
    (fix,) = re.findall(r'data-testid="reason-fix">(.*?)</span>', bad)
    assert "Excel" in fix and fix != what
    repaired = rows["label.repaired.code"]
    assert "<code>vn slor 0001</code>" in repaired and "<code>VN-SLOR-0001</code>" in repaired
    assert repaired_fix in re.findall(r'data-testid="reason-fix">(.*?)</span>', repaired)[0]


def test_an_unreadable_file_is_explained_in_the_page_language(client: Any) -> None:
    import io

    r = client.post(
        "/labels",
        data={"file": (io.BytesIO(b"\x00\x01binary"), "x.csv")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "ru"},
    )
    assert r.status_code == 422
    error = re.search(r'data-testid="labels-error">(.*?)</p>', r.get_data(as_text=True), re.S).group(1)  # type: ignore[union-attr]
    code = re.search(r"<code>([\w.]+)</code>", error).group(1)  # type: ignore[union-attr]
    assert code.startswith("file.")
    what, fix = reasons.FILE_REASONS[code]
    catalogue = _catalogue("ru")
    assert catalogue[what] in error and catalogue[fix] in error
