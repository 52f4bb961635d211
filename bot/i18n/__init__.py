"""One gettext catalogue for every sentence the bots say, in the asker's language.

The text modules (``core/texts.py``, ``core/reason_texts.py``, ``discord/texts.py``) keep the
English source as plain module constants, so they read as prose and type-check as ``str``;
:func:`translating` turns each into a module attribute looked up at use time in the locale of
the current context. Telegram sets that locale in aiogram's I18n middleware, Discord per
interaction, the notifiers per task (the language of the user who asked). A name read before
any locale is set is English.

The catalogue itself is aiogram's :class:`~aiogram.utils.i18n.I18n` (gettext ``.mo`` files
under ``locales/``, compiled from Babel ``.po`` files with ``make i18n``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n

LOCALES_DIR = Path(__file__).with_name("locales")
DOMAIN = "motionbot"
DEFAULT = "en"
LANGUAGES: tuple[str, ...] = ("en", "ru", "es", "pt_BR")
# each language named in itself, as /language lists them
LANGUAGE_NAMES: dict[str, str] = {
    "en": "English",
    "ru": "Русский",
    "es": "Español",
    "pt_BR": "Português (Brasil)",
}

catalogue = I18n(path=LOCALES_DIR, default_locale=DEFAULT, domain=DOMAIN)


def negotiate(code: str | None) -> str:
    """The supported language for a platform's locale code ("ru", "es-419", "pt-BR", "en-GB"):
    its language part decides; Portuguese of any country gets Brazilian Portuguese."""
    if not code:
        return DEFAULT
    norm = code.replace("-", "_")
    if norm in LANGUAGES:
        return norm
    lang = norm.split("_")[0].lower()
    if lang == "pt":
        return "pt_BR"
    return lang if lang in LANGUAGES else DEFAULT


def current() -> str:
    return catalogue.current_locale


@contextmanager
def use(locale: str | None) -> Iterator[None]:
    """Speak ``locale`` (any platform code, negotiated) inside the block."""
    with catalogue.use_locale(negotiate(locale)):
        yield


def gettext(message: str) -> str:
    return catalogue.gettext(message)


def translate(value: Any) -> Any:
    """A source constant in the current language: strings and the values of string dicts."""
    if isinstance(value, str):
        return gettext(value) if value else value
    if isinstance(value, Mapping):
        return {key: translate(text) for key, text in value.items()}
    return value


def is_text_constant(name: str, value: object) -> bool:
    if not name.isupper() or name.startswith("_"):
        return False
    if isinstance(value, str):
        return True
    return isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values())


def translating(namespace: dict[str, Any]) -> Callable[[str], Any]:
    """Move a text module's UPPER_CASE string (and string-dict) constants out of its globals
    and return the module ``__getattr__`` that serves them translated on each access.

    Each access translates anew because the same module serves users of several languages
    at once. ``sources()`` on the returned function gives the English originals (the
    catalogue tests check every one is translated)."""
    sources = {
        name: namespace.pop(name) for name in list(namespace) if is_text_constant(name, namespace[name])
    }

    def __getattr__(name: str) -> Any:
        try:
            return translate(sources[name])
        except KeyError:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}") from None

    __getattr__.sources = lambda: dict(sources)  # type: ignore[attr-defined]
    return __getattr__


def source_texts(module: Any) -> dict[str, Any]:
    """The English originals of a text module's constants, by name."""
    return dict(module.__getattr__.sources())
