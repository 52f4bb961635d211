"""The options feature: the keyboard (quality, background, sound, format, aspect, then
Generate), showing it
for the pending inputs and applying presses.

Only the qualities this deployment offers are shown: the engines allowed in settings that
a worker serves right now (falling back on the default engine so a user can still queue
while workers restart).
"""

from __future__ import annotations

from collections.abc import Iterable

from motionbot.bot.core import actions as act
from motionbot.bot.core import people, texts
from motionbot.bot.core.deps import CoreDeps
from motionbot.bot.core.handlers import Handlers
from motionbot.bot.core.keys import ConversationKey
from motionbot.bot.core.replies import Button, Reply
from motionbot.bot.core.state import ChosenOptions, ConversationState
from motionbot.queue.jobs import Aspect, EngineName, OutputFormat

# "scene": the reference video's own scene, the performer replaced (the renderer says when it can't)
BACKGROUNDS = ("photo", "white", "green", "scene")
# the sticker is made from a finished result (its own button), not chosen here
FORMATS = (OutputFormat.MP4, OutputFormat.TRANSPARENT, OutputFormat.GIF, OutputFormat.BEFORE_AFTER)
ASPECTS: tuple[Aspect, ...] = ("photo", "9:16", "1:1")


def _aspect_value(aspect: Aspect) -> str:
    """Button data separates fields with ':', so 9:16 travels as 9x16."""
    return aspect.replace(":", "x")


def quality_label(engine: EngineName) -> str:
    return texts.QUALITY_WARP if engine is EngineName.WARP else texts.QUALITY_DIFFUSION


def offered_engines(
    allowed: Iterable[EngineName], alive: set[EngineName], default: EngineName
) -> list[EngineName]:
    allowed = list(allowed)
    offered = [e for e in allowed if e in alive]
    if not offered:
        offered = [default] if default in allowed else allowed[:1]
    return offered


def pick_engine(chosen: ChosenOptions, offered: list[EngineName], *, explicit: bool) -> EngineName:
    """Keep the user's pick when it is still offered; else the first offered (cheapest)."""
    if explicit and chosen.engine in offered:
        return chosen.engine
    return offered[0] if offered else chosen.engine


def _mark(label: str, on: bool) -> str:
    return texts.CHOSEN_MARK + label if on else label


def keyboard(chosen: ChosenOptions, offered: list[EngineName], *, text: str | None = None) -> Reply:
    quality = tuple(
        Button(_mark(quality_label(e), chosen.engine is e), action=act.SetOption("q", e.value))
        for e in offered
    )
    background = tuple(
        Button(_mark(texts.BACKGROUND_NAMES[b], chosen.background == b), action=act.SetOption("bg", b))
        for b in BACKGROUNDS
    )
    sound = (
        Button(_mark(texts.SOUND_ON, chosen.keep_sound), action=act.SetOption("snd", "1")),
        Button(_mark(texts.SOUND_OFF, not chosen.keep_sound), action=act.SetOption("snd", "0")),
    )
    formats = tuple(
        Button(_mark(texts.FORMAT_NAMES[f.value], chosen.format is f), action=act.SetOption("fmt", f.value))
        for f in FORMATS
    )
    aspects = tuple(
        Button(_mark(texts.ASPECT_NAMES[a], chosen.aspect == a), action=act.SetOption("ar", _aspect_value(a)))
        for a in ASPECTS
    )
    go = (Button(texts.GENERATE, action=act.Generate()),)
    buttons = (quality, background, sound, formats[:2], formats[2:], aspects, go)
    return Reply(text or texts.OPTIONS_TITLE, buttons=buttons)


def apply(
    chosen: ChosenOptions, name: str, value: str, offered: list[EngineName]
) -> tuple[ChosenOptions, bool]:
    """The options after one button press; the bool says the quality was picked explicitly.

    Values come from clients, so anything not offered is ignored rather than trusted.
    """
    if name == "q":
        try:
            engine = EngineName(value)
        except ValueError:
            return chosen, False
        if engine in offered:
            return chosen.model_copy(update={"engine": engine}), True
        return chosen, False
    if name == "bg" and value in BACKGROUNDS:
        return chosen.model_copy(update={"background": value}), False
    if name == "fmt" and value in {f.value for f in FORMATS}:
        return chosen.model_copy(update={"format": OutputFormat(value)}), False
    if name == "ar":
        for aspect in ASPECTS:
            if value == _aspect_value(aspect):
                return chosen.model_copy(update={"aspect": aspect}), False
    if name == "snd" and value in ("0", "1"):
        return chosen.model_copy(update={"keep_sound": value == "1"}), False
    return chosen, False


class Options:
    """The options step: show the keyboard for the pending inputs, apply a press.

    Which qualities are offered is asked of the queue on every showing: workers come and go.
    """

    def __init__(self, deps: CoreDeps) -> None:
        self.deps = deps

    async def offered(self) -> list[EngineName]:
        alive = await self.deps.client.available_engines()
        return offered_engines(self.deps.settings.engines, alive, self.deps.settings.default_engine)

    async def keyboard_for(self, state: ConversationState) -> Reply:
        offered = await self.offered()
        engine = pick_engine(state.options, offered, explicit=state.engine_chosen)
        text = "\n".join([texts.OPTIONS_TITLE, *people.chosen_lines(state)])
        return keyboard(state.options.model_copy(update={"engine": engine}), offered, text=text)

    async def show(self, key: ConversationKey) -> Reply:
        async with self.deps.states.lock(key):
            state = await self.deps.states.load(key)
        if not state.ready:
            return Reply(texts.NOTHING_TO_GENERATE)
        return await self.keyboard_for(state)

    async def choose(self, key: ConversationKey, name: act.OptionName, value: str) -> Reply:
        offered = await self.offered()
        async with self.deps.states.lock(key):
            state = await self.deps.states.load(key)
            chosen, explicit = apply(state.options, name, value, offered)
            state = state.model_copy(
                update={"options": chosen, "engine_chosen": state.engine_chosen or explicit}
            )
            await self.deps.states.save(key, state)
        if not state.ready:
            return Reply(texts.NOTHING_TO_GENERATE, edit=True)
        reply = await self.keyboard_for(state)
        return Reply(reply.text, buttons=reply.buttons, edit=True)

    async def keyboard_shown(self, key: ConversationKey, message_id: str) -> str | None:
        """Record the message now showing the options keyboard; returns the one that showed
        it before, whose buttons the frontend removes (one live keyboard per conversation, so
        two Generate presses cannot come from two keyboards)."""
        async with self.deps.states.lock(key):
            state = await self.deps.states.load(key)
            previous = state.keyboard_message_id
            await self.deps.states.save(key, state.model_copy(update={"keyboard_message_id": message_id}))
        return previous if previous != message_id else None

    def handlers(self) -> Handlers:
        async def set_option(key: ConversationKey, action: act.SetOption) -> list[Reply]:
            return [await self.choose(key, action.name, action.value)]

        return {act.SetOption: set_option}
