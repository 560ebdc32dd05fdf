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

LOCALES: tuple[str, ...] = ("vi", "en", "zh", "ru")
DEFAULT_LOCALE = "en"  # for shoppers whose browser asks for none of them
COOKIE = "lang"
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English", "zh": "简体中文", "ru": "Русский"}
#: ``<html lang>``: the catalogue ``zh`` is Simplified Chinese.
HTML_LANG = {"vi": "vi", "en": "en", "zh": "zh-Hans", "ru": "ru"}
#: Dates as each locale writes them (Babel/CLDR patterns): Vietnamese 17/07/2023, Russian
#: 17.07.2023, Chinese 2023年7月17日; English keeps the unambiguous "Jul 17, 2023".
DATE_FORMATS = {"vi": "dd/MM/yyyy", "en": "medium", "zh": "y年M月d日", "ru": "dd.MM.yyyy"}
DATETIME_FORMATS = {
    "vi": "HH:mm dd/MM/yyyy",
    "en": "medium",
    "zh": "y年M月d日 HH:mm",
    "ru": "dd.MM.yyyy HH:mm",
}


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    # Werkzeug matches "zh-CN" to "zh" and "ru-RU" to "ru" (primary tag); Traditional Chinese
    # readers get the Simplified pages too, which they read, rather than English.
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
        locale = str(get_locale() or DEFAULT_LOCALE)
        return {
            "current_locale": locale,
            "html_lang": HTML_LANG.get(locale, locale),
            "language_names": LANGUAGE_NAMES,
            "locales": LOCALES,
        }
