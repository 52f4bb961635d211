"""The saved-moves feature: the built-in presets and the moves a user saved from their own
videos, as the pending move of a conversation. A saved move is the task's motion source (its reference video in the media store); that video is pinned so the
retention sweep keeps it for as long as any saved move uses it, and it is deleted with the
last one that does. Ids of saved moves come from clients: every lookup is by owner.
"""

from __future__ import annotations

import logging
from pathlib import PurePath

from motionbot.bot.core import actions as act
from motionbot.bot.core import texts
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.finding_words import failure_text
from motionbot.bot.core.handlers import Handlers
from motionbot.bot.core.history import TaskHistory
from motionbot.bot.core.inputs import InputChange, Inputs
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.presenters import fmt_date, preset_title
from motionbot.bot.core.replies import Button, Reply, rows
from motionbot.bot.history.models import TaskRecord
from motionbot.queue import pins
from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import MotionSource
from motionbot.queue.presets import PRESET_NAMES

log = logging.getLogger(__name__)

MAX_SAVED = 10  # per user: each keeps a reference video past retention (and a menu fits Discord's 25 buttons)
NAME_LEN = 40


def motion_name(task: TaskRecord, taken: set[str]) -> str:
    """The reference video's file name when it has one, else the task's date; unique per user."""
    video = task.motion.video
    stem = PurePath(video.filename).stem.strip() if video and video.filename else ""
    base = (stem or texts.UNTITLED_MOTION.format(date=fmt_date(task.created_at)))[:NAME_LEN]
    name, n = base, 2
    while name in taken:
        name, n = f"{base} ({n})", n + 1
    return name


class Moves:
    def __init__(self, deps: CoreDeps, inputs: Inputs, tasks: TaskHistory) -> None:
        self.deps = deps
        self.inputs = inputs
        self.tasks = tasks

    async def menu(self, key: ConversationKey) -> Reply:
        presets = [Button(preset_title(n), action=act.ChoosePreset(n)) for n in PRESET_NAMES]
        saved = await self.deps.history.saved_motions(key.platform, key.user_id)
        if not saved:
            return Reply(texts.MOTIONS_TITLE, buttons=rows(*presets))
        mine = [Button(m.name, action=act.UseSavedMove(m.id)) for m in saved]
        text = f"{texts.MOTIONS_TITLE}\n{texts.SAVED_MOTIONS_TITLE} " + ", ".join(m.name for m in saved)
        manage = rows(Button(texts.FORGET_MENU, action=act.ForgetMenu()))
        return Reply(text, buttons=rows(*presets) + rows(*mine) + manage)

    async def forget_menu(self, key: ConversationKey) -> Reply:
        saved = await self.deps.history.saved_motions(key.platform, key.user_id)
        if not saved:
            return await self.menu(key)
        buttons = [
            Button(texts.FORGET_ONE.format(name=m.name), action=act.ForgetSavedMove(m.id)) for m in saved
        ]
        back = Button(texts.BACK, action=act.ShowMoves())
        return Reply(texts.FORGET_TITLE, buttons=rows(*buttons, back), edit=True)

    async def choose_preset(self, key: ConversationKey, name: str) -> list[Reply]:
        if name not in PRESET_NAMES:
            return [Reply(failure_text(FailureReason.UNKNOWN_MOTION.value))]
        lead = texts.PRESET_CHOSEN.format(title=preset_title(name))
        motion = MotionSource(kind="preset", preset=name)
        return await self.inputs.change(key, InputChange(motion=motion, lead=lead))

    async def use(
        self, key: ConversationKey, motion: MotionSource, *, performer: int | None = None
    ) -> list[Reply]:
        """Make any motion source (a saved motion with its performer, a preset) the pending motion."""
        return await self.inputs.change(key, InputChange(motion=motion, performer=performer))

    async def save_task_motion(self, key: ConversationKey, task_id: str) -> Reply:
        task = await self.tasks.owned_task(key, task_id)
        if isinstance(task, Reply):
            return task
        if task.motion.kind == "preset" or task.motion.video is None:
            return Reply(texts.MOTION_IS_BUILTIN)
        history, store = self.deps.history, self.deps.store
        saved = await history.saved_motions(key.platform, key.user_id)
        performer = task.options.performer  # the same video with another performer is another move
        same = next((m for m in saved if m.source == task.motion and m.performer == performer), None)
        if same is not None:
            return Reply(texts.MOTION_ALREADY_SAVED.format(name=same.name))
        if len(saved) >= MAX_SAVED:
            return Reply(texts.SAVED_MOTIONS_FULL.format(limit=MAX_SAVED))
        if not await store.exists(task.motion.video):
            return Reply(texts.MEDIA_GONE)
        name = motion_name(task, {m.name for m in saved})
        await pins.pin(self.deps.client.redis, task.motion.video)
        await history.save_motion(key.platform, key.user_id, name, task.motion, performer=performer)
        return Reply(texts.MOTION_SAVED.format(name=name))

    async def use_saved(self, key: ConversationKey, saved_id: int) -> list[Reply]:
        saved = await self.deps.history.saved_motion(key.platform, key.user_id, saved_id)
        if saved is None:
            return [Reply(texts.SAVED_MOTION_GONE)]
        if saved.source.video is not None and not await self.deps.store.exists(saved.source.video):
            return [Reply(texts.MEDIA_GONE)]
        lead = texts.SAVED_MOTION_CHOSEN.format(name=saved.name)
        change = InputChange(motion=saved.source, performer=saved.performer, lead=lead)
        return await self.inputs.change(key, change)

    async def forget(self, key: ConversationKey, saved_id: int) -> list[Reply]:
        history = self.deps.history
        saved = await history.saved_motion(key.platform, key.user_id, saved_id)
        if saved is None:
            return [Reply(texts.SAVED_MOTION_GONE)]
        await history.delete_saved_motion(key.platform, key.user_id, saved.id)
        video = saved.source.video
        if video is not None and not await history.media_in_use(video.key):
            await pins.unpin(self.deps.client.redis, video)
            try:
                await self.deps.store.delete(video)
            except Exception:  # the row is gone either way; a leftover file expires with the store
                log.exception("could not delete %s from the media store", video.key)
        menu = await self.menu(key)
        text = texts.SAVED_MOTION_FORGOTTEN.format(name=saved.name) + "\n" + menu.text
        return [Reply(text, buttons=menu.buttons, edit=True)]

    def handlers(self) -> Handlers:
        async def menu(key: ConversationKey, action: act.ShowMoves) -> list[Reply]:
            return [await self.menu(key)]

        async def preset(key: ConversationKey, action: act.ChoosePreset) -> list[Reply]:
            return await self.choose_preset(key, action.name)

        async def use_saved(key: ConversationKey, action: act.UseSavedMove) -> list[Reply]:
            return await self.use_saved(key, action.saved_id)

        async def forget_menu(key: ConversationKey, action: act.ForgetMenu) -> list[Reply]:
            return [await self.forget_menu(key)]

        async def forget(key: ConversationKey, action: act.ForgetSavedMove) -> list[Reply]:
            return await self.forget(key, action.saved_id)

        async def save(key: ConversationKey, action: act.SaveMove) -> list[Reply]:
            return [await self.save_task_motion(key, action.task_id)]

        return {
            act.ShowMoves: menu,
            act.ChoosePreset: preset,
            act.UseSavedMove: use_saved,
            act.ForgetMenu: forget_menu,
            act.ForgetSavedMove: forget,
            act.SaveMove: save,
        }
