"""/mydata and /forget: a user takes their data out, or has all of it deleted.

Written once for both bots. /forget asks once (a button) and then deletes everything kept
about the user (:mod:`.user_data`), a render still running included; the answer says what
went. /mydata is a JSON file of everything kept. The frontends only send the file.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.handlers import Handlers
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Button, Reply, rows
from motionbot.bot.core.user_data import UserData
from motionbot.bot.i18n.formats import number

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DataFile:
    """What /mydata sends: a JSON document and the words with it."""

    filename: str
    data: bytes
    caption: str


def _size(n: int) -> str:
    return f"{number(n / 1e6)} MB" if n >= 100_000 else f"{max(1, round(n / 1e3)) if n else 0} kB"


class Privacy:
    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps
        self.data = UserData(deps.history, deps.client)

    def handlers(self) -> Handlers:
        return {act.ConfirmForget: self._confirmed, act.KeepData: self._kept}

    def ask_forget(self, key: ConversationKey) -> Reply:
        yes = Button(texts.FORGET_YES, action=act.ConfirmForget())
        no = Button(texts.FORGET_NO, action=act.KeepData())
        return Reply(texts.FORGET_ASK, buttons=rows(yes, no))

    async def _confirmed(self, key: ConversationKey, action: act.ConfirmForget) -> list[Reply]:
        async with self.deps.states.lock(key):  # an upload stored meanwhile must not come back
            gone = await self.data.forget(key.platform, key.user_id)
        log.info("forgot user %s:%s: %s", key.platform.value, key.user_id, gone.as_dict())
        text = texts.FORGOTTEN.format(
            tasks=gone.tasks, moves=gone.saved_moves, files=gone.files, size=_size(gone.bytes)
        )
        if gone.cancelled:
            text += "\n" + texts.FORGOTTEN_CANCELLED
        return [Reply(text, edit=True)]

    async def _kept(self, key: ConversationKey, action: act.KeepData) -> list[Reply]:
        return [Reply(texts.FORGET_KEPT, edit=True)]

    async def mydata(self, key: ConversationKey) -> DataFile:
        data = await self.data.export_json(key.platform, key.user_id)
        return DataFile(filename=f"motionbot-data-{key.platform.value}-{key.user_id}.json", data=data,
                        caption=texts.MYDATA_CAPTION)  # fmt: skip
