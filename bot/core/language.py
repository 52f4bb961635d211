"""/language: the user picks the language the bot speaks with them, or goes back to their
app's. Written once for both bots; the choice is kept in the history database."""

from __future__ import annotations

from motionbot.bot import i18n
from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.handlers import Handlers
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Button, Reply, rows

AUTO = "auto"


class Language:
    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps

    def handlers(self) -> Handlers:
        return {act.SetLanguage: self._chosen}

    async def menu(self, key: ConversationKey) -> Reply:
        chosen = await self.deps.history.languages.chosen(key.platform, key.user_id)
        buttons = [
            Button(texts.CHOSEN_MARK + name if code == chosen else name, action=act.SetLanguage(code))
            for code, name in i18n.LANGUAGE_NAMES.items()
        ]
        auto = texts.LANGUAGE_AUTO
        buttons.append(Button(auto if chosen else texts.CHOSEN_MARK + auto, action=act.SetLanguage(AUTO)))
        return Reply(texts.LANGUAGE_TITLE, buttons=rows(*buttons))

    async def _chosen(self, key: ConversationKey, action: act.SetLanguage) -> list[Reply]:
        if action.code != AUTO and action.code not in i18n.LANGUAGES:
            return []  # forged data
        languages = self.deps.history.languages
        await languages.choose(key.platform, key.user_id, None if action.code == AUTO else action.code)
        with i18n.use(await languages.of(key.platform, key.user_id)):  # answered in the new one
            text = texts.LANGUAGE_AUTO_SET if action.code == AUTO else texts.LANGUAGE_SET
            return [Reply(text, edit=True)]
