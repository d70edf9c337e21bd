"""Bilingual text for the portal: Chinese first, English when the visitor switches.

The domain already speaks both languages in one place (choice labels such as "投诉 Complaint", errors with `zh` and
`en`), so the portal keeps its own strings the same way, side by side, instead of in a gettext catalogue that could
drift from the templates. Django's machinery still decides the active language (see `LanguageMiddleware`).
"""

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.functional import lazy

from liuyan.messages.present import split_label

ENGLISH = "en"
LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


def is_english() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).startswith(ENGLISH)


def bi(zh: str, en: str) -> str:
    """The text in the active language."""
    return en if is_english() else zh


# For labels defined at import time (form fields, choices): resolved when rendered, in the language of the request.
lazy_bi = lazy(bi, str)


def label(value: Any) -> str:
    """A bilingual choice label, or a `{"zh": …, "en": …}` mapping, in the active language."""
    if isinstance(value, dict):
        return str(value.get("en") if is_english() else value.get("zh", ""))
    zh, en = split_label(str(value))
    return bi(zh, en)


lazy_label = lazy(label, str)


def choices(choice_class: Any, *, blank: str | None = None) -> list[tuple[str, Any]]:
    """Form choices of a TextChoices class, labelled lazily in the active language."""
    out: list[tuple[str, Any]] = [("", blank)] if blank is not None else []
    out.extend((value, lazy_label(text)) for value, text in choice_class.choices if value != "")
    return out


class LanguageMiddleware:
    """Chinese unless the visitor chose English with the language switch (a cookie): the browser's
    Accept-Language is ignored on purpose, because a government service answers in its own language first."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.known = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(LANGUAGE_COOKIE, "")
        language = chosen if chosen in self.known else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response: HttpResponse = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
