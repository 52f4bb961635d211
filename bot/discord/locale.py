"""Discord in the user's language: slash commands localised through the command tree's
translator (descriptions, option descriptions, choices: names stay English identifiers),
and each interaction handled in the user's language (/language's choice, else the
interaction's ``locale``, noted for results posted later)."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands
from motionbot.bot import i18n
from motionbot.bot.history.languages import Languages
from motionbot.queue.jobs import Platform

_WORDED = {
    app_commands.TranslationContextLocation.command_description,
    app_commands.TranslationContextLocation.group_description,
    app_commands.TranslationContextLocation.parameter_description,
    app_commands.TranslationContextLocation.choice_name,
}


class CatalogueTranslator(app_commands.Translator):
    async def translate(
        self,
        string: app_commands.locale_str,
        locale: discord.Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = i18n.negotiate(locale.value)
        if context.location not in _WORDED or language == i18n.DEFAULT:
            return None
        text = i18n.catalogue.gettext(string.message, locale=language)
        return text if text != string.message else None


async def speak_to(languages: Languages, interaction: discord.Interaction[Any]) -> str:
    """Handle the rest of this interaction (its own task) in the user's language."""
    app = i18n.negotiate(interaction.locale.value)
    language = await languages.seen(Platform.DISCORD, str(interaction.user.id), app)
    i18n.catalogue.ctx_locale.set(language)
    return language


async def speak_to_author(languages: Languages, user_id: int) -> None:
    """A DM carries no locale: the language the user was last seen with (or chose)."""
    i18n.catalogue.ctx_locale.set(i18n.negotiate(await languages.of(Platform.DISCORD, str(user_id))))
