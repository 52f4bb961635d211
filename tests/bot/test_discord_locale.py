"""Slash commands in the user's language: the translator words option names only in the form
Discord accepts, and the fake Discord server refuses a sync the way Discord does."""

from __future__ import annotations

import re
from pathlib import Path

import discord
import pytest
from babel.messages.pofile import read_po
from discord import app_commands
from discord.app_commands import locale_str
from fakes.discord_names import command_name_errors

from motionbot.bot import i18n
from motionbot.bot.discord.locale import CatalogueTranslator, valid_option_name

Where = app_commands.TranslationContextLocation
LOCALES = Path(__file__).resolve().parents[2] / "bot" / "i18n" / "locales"


@pytest.mark.parametrize(
    ("name", "ok"),
    [("foto", True), ("фото", True), ("mantener_sonido", True), ("foto-2", True), ("x" * 32, True),
     ("Foto", False), ("foto grande", False), ("", False), ("x" * 33, False), ("¿foto?", False)],
)  # fmt: skip
def test_what_discord_accepts_as_an_option_name(name: str, ok: bool) -> None:
    assert valid_option_name(name) is ok
    assert (not command_name_errors({"name": "animate", "options": [{"name": "photo",
            "name_localizations": {"es-ES": name}}]})) is ok  # fmt: skip


def test_the_fake_server_refuses_two_options_with_one_name_in_a_language() -> None:
    options = [{"name": "photo", "name_localizations": {"ru": "фото"}}, {"name": "photo2", "name_localizations": {"ru": "фото"}}]  # fmt: skip
    assert command_name_errors({"name": "animate", "options": options}) == [
        "animate: two options share a name in ru: ['фото', 'фото']"
    ]


async def _translate(text: str, locale: discord.Locale, where: Where) -> str | None:
    context = app_commands.TranslationContext(location=where, data=None)
    return await CatalogueTranslator().translate(locale_str(text), locale, context)  # type: ignore[arg-type]


async def test_option_names_are_translated_and_a_refused_translation_keeps_english(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert await _translate("photo", discord.Locale.russian, Where.parameter_name) == "фото"
    assert (
        await _translate("keep_sound", discord.Locale.brazil_portuguese, Where.parameter_name) == "manter_som"
    )
    assert await _translate("photo", discord.Locale.american_english, Where.parameter_name) is None
    monkeypatch.setattr(i18n.catalogue, "gettext", lambda message, locale=None: "Foto de la persona")
    assert await _translate("photo", discord.Locale.spain_spanish, Where.parameter_name) is None
    said = await _translate("A photo", discord.Locale.spain_spanish, Where.parameter_description)
    assert said == "Foto de la persona"  # descriptions are prose: spaces and capitals are fine


def _option_names() -> set[str]:
    from motionbot.bot.discord.admin import AdminCog
    from motionbot.bot.discord.animate import AnimateCog
    from motionbot.bot.discord.library import LibraryCog
    from motionbot.bot.discord.ops import ServiceCog
    from motionbot.bot.discord.privacy import PrivacyCog

    cogs = (AnimateCog, LibraryCog, AdminCog, ServiceCog, PrivacyCog)
    return {p.display_name for cog in cogs for c in cog.__cog_app_commands__ for p in c.parameters}


@pytest.mark.parametrize("lang", [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT])
def test_texts_name_the_options_as_the_users_client_lists_them(lang: str) -> None:
    """A text that says "attach a `photo`" says it with the name this language's client shows."""
    names = _option_names()
    assert {"photo", "video", "motion", "keep_sound", "task", "reason", "channel"} <= names
    with (LOCALES / lang / "LC_MESSAGES" / "motionbot.po").open("rb") as f:
        catalogue = read_po(f, locale=lang)
    listed = {str(catalogue[n].string) for n in names if catalogue.get(n) is not None}
    assert len(listed) == len(names), "every option name has a translation"
    quoted = {w for m in catalogue if m.id and m.string for w in re.findall(r"`(\w+)`", str(m.string))}
    if lang == "ru":
        assert {"фото", "движение"} <= quoted
    assert quoted and quoted <= listed, quoted - listed
