"""Language choice for the website: cookie first, then ``Accept-Language``, then English.

Translations are gettext catalogues in ``api/web/translations/<locale>/LC_MESSAGES``
(``messages.po`` is the source, ``messages.mo`` is compiled from it and committed so the
wheel works without a build step; ``tests/web/test_i18n.py`` checks they agree).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from flask_babel import Babel, get_locale

LOCALES: tuple[str, ...] = ("vi", "en")
DEFAULT_LOCALE = "en"  # for shoppers whose browser asks for neither (e.g. zh-CN buyers)
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def init_app(app: Flask) -> None:
    """Set up Flask-Babel for the site, or add our catalogues to an existing set-up."""
    existing: Any = app.extensions.get("babel")
    if existing is None:
        app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh")
        Babel(
            app,
            locale_selector=select_locale,
            default_locale=DEFAULT_LOCALE,
            default_translation_directories=str(TRANSLATIONS),
        )
    elif str(TRANSLATIONS) not in existing.translation_directories:
        existing.translation_directories.append(str(TRANSLATIONS))
        if existing.locale_selector is None:
            existing.locale_selector = select_locale

    @app.context_processor
    def _language_context() -> dict[str, Any]:
        return {"current_locale": str(get_locale() or DEFAULT_LOCALE), "language_names": LANGUAGE_NAMES}
