"""Discord in the user's language: slash commands localised through the command tree's
translator (descriptions, option names and descriptions, choices; command names stay
English, as the shared texts name them: /history, /cancel), and each interaction handled in
the user's language (/language's choice, else the interaction's ``locale``, noted for
results posted later).

Discord refuses a whole command sync when one option name is not 1-32 lowercase letters,
digits, ``-`` or ``_``, so a translated name breaking that is dropped for the English one.
Interactions always carry the English names, whatever the user's client showed.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import discord
from discord import app_commands
from motionbot.bot import i18n
from motionbot.bot.history.languages import Languages
from motionbot.queue.jobs import Platform

log = logging.getLogger(__name__)
_WORDED = {
    app_commands.TranslationContextLocation.command_description,
    app_commands.TranslationContextLocation.group_description,
    app_commands.TranslationContextLocation.parameter_name,
    app_commands.TranslationContextLocation.parameter_description,
    app_commands.TranslationContextLocation.choice_name,
}
_OPTION_NAME = re.compile(r"[-\w]{1,32}")  # \w: letters and digits of any script, and _


def valid_option_name(name: str) -> bool:
    """What Discord accepts as an option's name (or one of its localisations)."""
    return _OPTION_NAME.fullmatch(name) is not None and name == name.lower()


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
        if text == string.message:
            return None
        is_name = context.location is app_commands.TranslationContextLocation.parameter_name
        if is_name and not valid_option_name(text):
            log.warning(
                "option name %r in %s is %r, which Discord refuses: kept English",
                string.message,
                language,
                text,
            )
            return None
        return text


async def speak_to(languages: Languages, interaction: discord.Interaction[Any]) -> str:
    """Handle the rest of this interaction (its own task) in the user's language."""
    app = i18n.negotiate(interaction.locale.value)
    language = await languages.seen(Platform.DISCORD, str(interaction.user.id), app)
    i18n.catalogue.ctx_locale.set(language)
    return language


async def speak_to_author(languages: Languages, user_id: int) -> None:
    """A DM carries no locale: the language the user was last seen with (or chose)."""
    i18n.catalogue.ctx_locale.set(i18n.negotiate(await languages.of(Platform.DISCORD, str(user_id))))
