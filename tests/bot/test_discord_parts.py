"""Discord frontend parts without a server: button ids and layout, attachment checks, guild
settings in the history database (and its migration), task contexts and token lifetime."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import aiosqlite
import discord
import pytest
from bot_helpers import task

from motionbot.bot.core import actions as act
from motionbot.bot.core import presenters, texts
from motionbot.bot.core.replies import Button, Reply, rows
from motionbot.bot.discord.limits import attachment_problem
from motionbot.bot.discord.messenger import ContextStore, Messenger, TaskContext
from motionbot.bot.discord.notifier import share_buttons
from motionbot.bot.discord.views import MAX_ROWS, ActionButton, view_for
from motionbot.bot.history.guilds import GuildStore
from motionbot.bot.history.schema import MIGRATIONS
from motionbot.bot.history.store import HistoryStore
from motionbot.bot.settings import BotSettings
from motionbot.queue.jobs import Platform

OWNER = 98765432109876543210  # 20 digits: the longest snowflake


async def test_every_core_action_fits_a_custom_id_with_its_owner() -> None:
    task = act.TaskId("abcdefghjk")
    actions = [act.SameMove(task), act.SetOption("bg", "green"), act.HistoryPage(12),
               act.ChoosePreset("x" * 60), act.ShareHere(task), act.Shorter(task)]  # fmt: skip
    for action in actions:
        button = ActionButton(OWNER, action, label="label" * 30)
        assert len(button.custom_id) <= 100
        assert button.custom_id == f"mb:{OWNER}:{action.pack()}"
        match = ActionButton.__discord_ui_compiled_template__.fullmatch(button.custom_id)
        assert match is not None and match["owner"] == str(OWNER) and match["action"] == action.pack()
        assert act.parse_owned(button.custom_id) == act.Owned(OWNER, action)
        assert len(button.item.label or "") <= 80
    with pytest.raises(act.ActionError):
        act.ChoosePreset("x" * 61).pack()  # 65 bytes: more than Telegram's callback data holds


async def test_views_repack_more_rows_than_discord_allows() -> None:
    tasks = [(Button(f"{i}", action=act.ShowTask(act.TaskId(f"{i:010d}"))),) for i in range(5)]
    nav = (Button("Newer", action=act.HistoryPage(0)), Button("Older", action=act.HistoryPage(2)))
    history = Reply("page", buttons=(*tasks, nav))
    view = view_for(history, OWNER)
    assert view is not None
    rows_used = {item.row for item in view.children}
    assert len(rows_used) <= MAX_ROWS and len(view.children) == 7
    assert [getattr(i, "custom_id", "") for i in view.children][:2] == [f"mb:{OWNER}:ht:0000000000",
                                                                        f"mb:{OWNER}:ht:0000000001"]
    assert view_for(Reply("no buttons"), OWNER) is None


async def test_result_buttons_share_here_and_links() -> None:
    reply = Reply("done", buttons=share_buttons("abcdefghjk") + rows(Button("Docs", url="https://example.org")))
    view = view_for(reply, OWNER)
    assert view is not None
    ids = [getattr(i, "custom_id", None) for i in view.children]
    assert ids[:3] == [f"mb:{OWNER}:share:abcdefghjk", f"mb:{OWNER}:hm:abcdefghjk", f"mb:{OWNER}:ha:abcdefghjk"]
    link = view.children[-1]
    assert isinstance(link, discord.ui.Button) and link.url == "https://example.org" and link.custom_id is None
    assert len(share_buttons("abcdefghjk")) == len(presenters.result_buttons("abcdefghjk"))


@dataclass
class Att:
    filename: str
    size: int
    content_type: str | None


@pytest.mark.parametrize(
    ("att", "kind", "problem"),
    [
        (Att("me.jpg", 1000, "image/jpeg"), "photo", None),
        (Att("me", 1000, "image/png"), "photo", None),
        (Att("move.gif", 1000, "image/gif"), "video", None),  # animations carry motion
        (Att("move.mov", 1000, None), "video", None),  # type from the name when none is declared
        (Att("move.mp4", 1000, "video/mp4"), "photo", "isn't a photo"),
        (Att("notes.pdf", 1000, "application/pdf"), "video", "isn't a video"),
        (Att("big.mp4", 60_000_000, "video/mp4"), "video", "60 MB"),
        (Att("empty.png", 0, "image/png"), "photo", texts.EMPTY_FILE),
    ],
)
def test_attachment_checks_use_declared_type_and_size(att: Att, kind: str, problem: str | None) -> None:
    found = attachment_problem(att, kind, download_limit=50_000_000)  # type: ignore[arg-type]
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


async def test_guild_settings_migrate_an_existing_database_and_count_renders(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    async with aiosqlite.connect(str(path), isolation_level=None) as db:  # a database from release 1
        await db.executescript(f"BEGIN;\n{MIGRATIONS[0]}\nPRAGMA user_version = 1;\nCOMMIT;")
        await db.execute("INSERT INTO users (platform, user_id, created_at) VALUES ('discord', '1', 0)")
    history = await HistoryStore.open(path)
    try:
        assert (await history.get_user(Platform.DISCORD, "1")) is not None  # kept
        guilds = GuildStore(history.db)
        assert (await guilds.get("7")).allows("any") and await guilds.quota_left("7") is None
        await guilds.allow_channel("7", "70")
        await guilds.allow_channel("7", "71")
        await guilds.allow_channel("7", "70")
        settings = await guilds.disallow_channel("7", "71")
        assert settings.channels == ("70",) and settings.allows("70") and not settings.allows("71")
        await guilds.set_quota("7", 2)
        for task_id in ("aaaaaaaaaa", "bbbbbbbbbb"):
            await history.add_task(task(task_id))
        await guilds.count_render("7", "aaaaaaaaaa")
        assert await guilds.quota_left("7") == 1
        await guilds.count_render("7", "bbbbbbbbbb")
        assert await guilds.quota_left("7") == 0 and await guilds.used_today("8") == 0
        # a render that ends without a video gives its unit back, once
        await history.mark_failed("bbbbbbbbbb", reason="worker_crashed", message="x")
        assert await guilds.quota_left("7") == 1
        await history.mark_failed("bbbbbbbbbb", reason="worker_crashed", message="x")
        assert await guilds.quota_left("7") == 1
        assert (await guilds.clear_channels("7")).channels == () and (await guilds.get("7")).daily_quota == 2
    finally:
        await history.close()
    async with aiosqlite.connect(str(path)) as db, db.execute("PRAGMA user_version") as cur:
        assert (await cur.fetchone()) == (len(MIGRATIONS),)


def _ctx(issued_at: float, token: str | None = "tok") -> TaskContext:
    return TaskContext(application_id=1, token=token, issued_at=issued_at, ephemeral=True, channel_id=2,
                       guild_id=None, user_id=3, bot_can_post=False, upload_limit=10 * 1024 * 1024)


async def test_task_context_round_trip_and_token_lifetime(arq_redis: object) -> None:
    contexts = ContextStore(arq_redis)
    ctx = _ctx(time.time())
    await contexts.save("123", ctx)
    assert await contexts.load("123") == ctx
    assert await contexts.load("124") is None and await contexts.load(None) is None

    messenger = Messenger(discord.Client(intents=discord.Intents.none()), BotSettings(), contexts)
    assert messenger.token_valid(ctx)
    assert not messenger.token_valid(_ctx(time.time() - 14 * 60 - 1))  # Discord's 15 min, with a margin
    assert not messenger.token_valid(_ctx(time.time(), token=None))
