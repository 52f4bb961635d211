"""Core buttons as persistent Discord buttons.

Every button is an :class:`ActionButton`, a ``DynamicItem`` whose custom id carries all its
state: its owner and its typed action, packed by :func:`motionbot.bot.core.actions.pack_owned`
(``mb:<owner user id>:<action>``, e.g. ``mb:123:hm:abcd234567``). The class is
registered once in ``setup_hook`` (``bot.add_dynamic_items``), so a button keeps working
after a restart without any view being re-created, and nothing is kept in memory per
message. Custom ids are visible to clients and can be forged: the owner in the id is only a
first filter (someone else's click gets a polite refusal); the core checks every task id
against the presser again. A core button with ``share`` becomes a
:class:`~motionbot.bot.core.actions.ShareHere` (post the video here).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from motionbot.bot.core import actions as act
from motionbot.bot.core.replies import Button, Reply
from motionbot.bot.discord import texts as dtexts
from motionbot.bot.history.models import TaskRecord
from motionbot.bot.i18n import formats

if TYPE_CHECKING:
    from motionbot.bot.discord.client import MotionBot

MAX_CONTENT = 2000
MAX_LABEL = 80
MAX_ROWS = 5
MAX_PER_ROW = 5

_STYLES: dict[type[act.Action], discord.ButtonStyle] = {
    act.Generate: discord.ButtonStyle.success,
    act.Cancel: discord.ButtonStyle.danger,
    act.DeleteTask: discord.ButtonStyle.danger,
    act.Acknowledge: discord.ButtonStyle.primary,
    act.ShareHere: discord.ButtonStyle.primary,
}


class ActionButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"mb:(?P<owner>\d+):(?P<action>.+)"
):
    def __init__(
        self,
        owner: int,
        action: act.Action | None,
        *,
        label: str = "?",
        style: discord.ButtonStyle | None = None,
        row: int | None = None,
        custom_id: str | None = None,
    ) -> None:
        """``action`` None: the custom id did not parse (stale or forged); it is kept as is."""
        if custom_id is None:
            assert action is not None, "a button without a parsed action keeps its custom id"
            custom_id = act.pack_owned(owner, action)
        super().__init__(
            discord.ui.Button(
                label=label[:MAX_LABEL],
                style=style
                or (
                    _STYLES.get(type(action), discord.ButtonStyle.secondary)
                    if action
                    else discord.ButtonStyle.secondary
                ),
                custom_id=custom_id,
            ),
            row=row,
        )
        self.owner = owner
        self.action = action
        self.data = act.unowned(custom_id)

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> ActionButton:
        label = getattr(item, "label", None) or "?"
        owned = act.parse_owned(match.string)
        action = owned.action if owned is not None else None
        return cls(int(match["owner"]), action, label=label, custom_id=match.string)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        bot: MotionBot = interaction.client
        await bot.buttons.pressed(interaction, act.Owned(self.owner, self.action), data=self.data)


def _item(b: Button, owner: int, row: int) -> discord.ui.Item[Any]:
    if b.url is not None:
        return discord.ui.Button(label=b.label[:MAX_LABEL], url=b.url, row=row)
    action = act.ShareHere(act.TaskId(b.share)) if b.share is not None else b.action
    assert action is not None
    return ActionButton(owner, action, label=b.label, row=row)


def _layout(buttons: tuple[tuple[Button, ...], ...]) -> list[list[Button]]:
    """The core's rows, repacked when there are more than Discord's 5 rows of 5."""
    rows_ = [list(r) for r in buttons if r]
    if len(rows_) <= MAX_ROWS and all(len(r) <= MAX_PER_ROW for r in rows_):
        return rows_
    flat = [b for r in rows_ for b in r]
    packed = [flat[i : i + MAX_PER_ROW] for i in range(0, len(flat), MAX_PER_ROW)]
    return packed[:MAX_ROWS]


def view_for(reply: Reply, owner: int) -> discord.ui.View | None:
    """The persistent view of a reply's buttons, or None when it has none."""
    if not reply.buttons:
        return None
    view = discord.ui.View(timeout=None)
    for row, buttons in enumerate(_layout(reply.buttons)):
        for b in buttons:
            view.add_item(_item(b, owner, row))
    return view


def content(reply: Reply) -> str:
    return reply.text[:MAX_CONTENT]


def result_embed(
    task_id: str, engine: str, duration_s: float, *, title: str | None = None
) -> discord.Embed:
    embed = discord.Embed(title=title or dtexts.EMBED_TITLE, colour=discord.Colour.blurple())
    embed.add_field(name=dtexts.EMBED_TASK, value=task_id)
    embed.add_field(name=dtexts.EMBED_ENGINE, value=engine)
    embed.add_field(name=dtexts.EMBED_DURATION, value=formats.seconds(duration_s))
    embed.set_footer(text=dtexts.EMBED_FOOTER)
    return embed


def task_embed(task: TaskRecord) -> discord.Embed:
    from motionbot.bot.core.presenters import engine_name

    return result_embed(task.task_id, engine_name(task.engine.value), task.duration_s or 0.0)
