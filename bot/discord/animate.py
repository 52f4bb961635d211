"""``/animate``: a photo plus a reference video, or a photo plus a built-in or saved motion.

The attachments are checked by their declared type and size before anything is downloaded
(a wrong file costs the user one ephemeral line, not a download). Then the response is
deferred, both files go into the media store and the conversation core, and the deferred
response shows what the checks found, with Generate and Cancel buttons (handled in
:mod:`.buttons` like every other button).
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import locale_str
from motionbot.bot.core import actions as act
from motionbot.bot.core import presenters, texts
from motionbot.bot.core.finding_words import SaidError
from motionbot.bot.core.intake import suffix_for
from motionbot.bot.core.presenters import preset_title
from motionbot.bot.core.replies import Button, Reply, rows
from motionbot.bot.discord import policy
from motionbot.bot.discord import texts as dtexts
from motionbot.bot.discord.cog import MotionCog, anywhere
from motionbot.bot.discord.limits import attachment_problem
from motionbot.bot.discord.respond import key_for, say, show
from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import InspectReport, MediaKind, MediaRef, MotionSource, Platform
from motionbot.queue.presets import PRESET_NAMES

if TYPE_CHECKING:
    from motionbot.bot.discord.client import MotionBot

COOLDOWN_CALLS, COOLDOWN_WINDOW_S = 5, 60.0

# English here (nothing is translated at import); the command tree's translator words them
# for each Discord locale
QUALITIES = [
    app_commands.Choice(name=locale_str(texts.QUALITY_WARP), value="warp"),
    app_commands.Choice(name=locale_str(texts.QUALITY_DIFFUSION), value="diffusion"),
]
BACKGROUNDS = [
    app_commands.Choice(name=locale_str(texts.BACKGROUND_NAMES[b]), value=b)
    for b in ("photo", "white", "green", "scene")
]


def findings_text(kind: MediaKind, report: InspectReport | None) -> tuple[str, bool]:
    """One line per input and whether the input can be used."""
    if report is None:
        return presenters.checking_unavailable(kind).text, True
    return presenters.findings(kind, report).text.replace("\n" + texts.FINDINGS_ERROR_TAIL, ""), report.ok


class AnimateCog(MotionCog):
    def __init__(self, bot: MotionBot) -> None:
        super().__init__(bot)
        self.recent: dict[int, deque[float]] = {}  # user -> times of their last /animate calls

    def too_fast(self, user_id: int) -> float | None:
        """Seconds to wait when the user called /animate too often (each call may download two
        files); None when the call may go ahead. Per process, like Discord's own cooldowns."""
        now = time.monotonic()
        calls = self.recent.setdefault(user_id, deque())
        while calls and now - calls[0] > COOLDOWN_WINDOW_S:
            calls.popleft()
        if len(calls) >= COOLDOWN_CALLS:
            return COOLDOWN_WINDOW_S - (now - calls[0])
        calls.append(now)
        if len(self.recent) > 10_000:
            self.recent = {u: c for u, c in self.recent.items() if c and now - c[-1] < COOLDOWN_WINDOW_S}
        return None

    async def motion_choices(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        choices = [
            app_commands.Choice(name=dtexts.BUILTIN_CHOICE.format(title=preset_title(n)), value=f"preset:{n}")
            for n in PRESET_NAMES
        ]
        saved = await self.bot.rt.history.saved_motions(Platform.DISCORD, str(interaction.user.id))
        choices += [
            app_commands.Choice(name=dtexts.SAVED_CHOICE.format(name=m.name)[:100], value=f"saved:{m.id}")
            for m in saved
        ]
        needle = current.strip().lower()
        return [c for c in choices if needle in c.name.lower() or needle in c.value.lower()][:25]

    async def resolve_motion(self, user_id: int, value: str) -> tuple[MotionSource, int | None] | None:
        """The move named by the motion option, with the performer a saved move follows."""
        kind, _, rest = value.strip().partition(":")
        if not rest:
            kind, rest = "preset", kind
        if kind == "preset" and rest.lower() in PRESET_NAMES:
            return MotionSource(kind="preset", preset=rest.lower()), None
        if kind == "saved" and rest.isdigit():
            saved = await self.bot.rt.history.saved_motions(Platform.DISCORD, str(user_id))
            return next(((m.source, m.performer) for m in saved if m.id == int(rest)), None)
        return None

    @app_commands.command(
        name="animate", description=locale_str("Make a video of the person in a photo doing a move")
    )
    @app_commands.describe(
        photo=locale_str("A photo of one person (face clear, body visible)"),
        video=locale_str("A short video of someone moving (the move to copy)"),
        motion=locale_str("Or a built-in move / one you saved"),
        quality=locale_str("Preview is fast; Full AI looks better and takes minutes"),
        background=locale_str("What's behind the person"),
        keep_sound=locale_str("Keep the sound of the reference video"),
        photo2=locale_str("Another photo: one video each, with the same move"),
        photo3=locale_str("Another photo: one video each, with the same move"),
        photo4=locale_str("Another photo: one video each, with the same move"),
        photo5=locale_str("Another photo: one video each, with the same move"),
        photo6=locale_str("Another photo: one video each, with the same move"),
        photo7=locale_str("Another photo: one video each, with the same move"),
        photo8=locale_str("Another photo: one video each, with the same move"),
        photo9=locale_str("Another photo: one video each, with the same move"),
        photo10=locale_str("Another photo: one video each, with the same move"),
    )
    @app_commands.rename(  # the names a user's client lists, translated in the catalogue
        photo=locale_str("photo"), video=locale_str("video"), motion=locale_str("motion"),
        quality=locale_str("quality"), background=locale_str("background"), keep_sound=locale_str("keep_sound"),
        photo2=locale_str("photo2"), photo3=locale_str("photo3"), photo4=locale_str("photo4"),
        photo5=locale_str("photo5"), photo6=locale_str("photo6"), photo7=locale_str("photo7"),
        photo8=locale_str("photo8"), photo9=locale_str("photo9"), photo10=locale_str("photo10"),
    )  # fmt: skip
    @app_commands.choices(quality=QUALITIES, background=BACKGROUNDS)
    @anywhere
    async def animate(
        self,
        interaction: discord.Interaction[Any],
        photo: discord.Attachment | None = None,
        video: discord.Attachment | None = None,
        motion: str | None = None,
        quality: app_commands.Choice[str] | None = None,
        background: app_commands.Choice[str] | None = None,
        keep_sound: bool | None = None,
        photo2: discord.Attachment | None = None,
        photo3: discord.Attachment | None = None,
        photo4: discord.Attachment | None = None,
        photo5: discord.Attachment | None = None,
        photo6: discord.Attachment | None = None,
        photo7: discord.Attachment | None = None,
        photo8: discord.Attachment | None = None,
        photo9: discord.Attachment | None = None,
        photo10: discord.Attachment | None = None,
    ) -> None:
        """Both inputs in one command. A missing photo or motion is taken from the conversation
        (e.g. after "Same move, new photo" on an earlier result) when there is one. Several
        photos (photo, photo2...) make an album: one video each, with the same move."""
        more = [photo2, photo3, photo4, photo5, photo6, photo7, photo8, photo9, photo10]
        album = [p for p in (photo, *more) if p is not None]
        photo = album[0] if album else None
        rt = self.bot.rt
        wait = self.too_fast(interaction.user.id)
        if wait is not None:
            await say(interaction, dtexts.TOO_FAST.format(rate_limited=texts.RATE_LIMITED, seconds=wait))
            return
        key = key_for(interaction)
        pending = await rt.conv.states.load(key)
        refused = await policy.refusal(rt.guilds, interaction) or missing_inputs(
            photo=photo is not None or pending.photo is not None,
            video=video is not None,
            motion=motion is not None,
            pending_motion=pending.motion is not None,
        )
        for each in album:
            refused = refused or attachment_problem(each, "photo", download_limit=rt.download_limit)
        if refused is None and video is not None:
            refused = attachment_problem(video, "video", download_limit=rt.download_limit)
        resolved = await self.resolve_motion(interaction.user.id, motion) if motion is not None else None
        source, performer = resolved if resolved is not None else (None, None)
        if refused is None and motion is not None and source is None:
            refused = dtexts.UNKNOWN_MOTION.format(value=motion)
        if refused is not None:
            await say(interaction, refused)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        conv = rt.conv
        notes: list[str] = []
        if photo is not None:
            group = str(interaction.id) if len(album) > 1 else None
            photo_ref = await self._store(photo, "photo")
            await conv.inputs.use(key, "photo", photo_ref, album_group=group)
            for each in album[1:]:
                await conv.inputs.use(key, "photo", await self._store(each, "photo"), album_group=group)
            if group is not None:
                notes.append(texts.ALBUM_PHOTOS.format(count=len(album)))
        else:
            assert pending.photo is not None
            photo_ref = pending.photo
            notes.append(dtexts.PREVIOUS_PHOTO)
        video_ref: MediaRef | None = None
        if video is not None:
            video_ref = await self._store(video, "video")
            await conv.inputs.use(key, "video", video_ref)
        elif source is not None:
            await conv.moves.use(key, source, performer=performer)
        else:
            assert pending.motion is not None
            notes.append(dtexts.PREVIOUS_MOTION)
            video_ref = pending.motion.video if pending.motion.kind == "video" else None
            source = None if pending.motion.kind == "video" else pending.motion
        if quality is not None:
            await conv.options.choose(key, "q", quality.value)
        if background is not None:
            await conv.options.choose(key, "bg", background.value)
        if keep_sound is not None:
            await conv.options.choose(key, "snd", "1" if keep_sound else "0")
        reports = await asyncio.gather(
            conv.inputs.report("photo", photo_ref),
            conv.inputs.report("video", video_ref) if video_ref is not None else _none(),
        )
        summary = await self._summary(interaction, reports, source)
        if notes:
            summary = Reply(" ".join(notes) + "\n" + summary.text, buttons=summary.buttons)
        # several people in the photo or the video: their numbered pictures, to choose another
        offers = [await conv.people.offer("photo", photo_ref)]
        if video_ref is not None:
            offers.append(await conv.people.offer("video", video_ref))
        await show(interaction, [summary, *(o for o in offers if o is not None)], fill_original=True)

    async def _store(self, attachment: discord.Attachment, k: MediaKind) -> MediaRef:
        try:
            data = await attachment.read()
        except discord.HTTPException as exc:
            raise SaidError(
                FailureReason.UNREADABLE_FILE,
                dtexts.DOWNLOAD_FAILED.format(name=attachment.filename),
                detail=f"attachment download failed: {exc}",
            ) from exc
        return await self.bot.rt.client.store.put_bytes(
            data,
            suffix=suffix_for(k, attachment.content_type, attachment.filename),
            filename=attachment.filename,
        )

    async def _summary(
        self,
        interaction: discord.Interaction[Any],
        reports: Sequence[InspectReport | None],
        source: MotionSource | None,
    ) -> Reply:
        key = key_for(interaction)
        photo_line, photo_ok = findings_text("photo", reports[0])
        lines = [photo_line]
        ok = photo_ok
        if source is None:
            video_line, video_ok = findings_text("video", reports[1])
            lines.append(video_line)
            ok = ok and video_ok
        elif source.kind == "preset" and source.preset:
            lines.append(texts.PRESET_CHOSEN.format(title=preset_title(source.preset)))
        else:
            lines.append(dtexts.SAVED_MOTION)
        cancel = Button(texts.CANCEL, action=act.Cancel())
        if not ok:
            return Reply("\n".join([*lines, dtexts.REJECTED_TAIL]), buttons=rows(cancel))
        consent = self.bot.rt.conv.consent
        if not await consent.given(key):
            prompt = consent.prompt()
            return Reply("\n".join(lines) + "\n\n" + prompt.text, buttons=rows(*prompt.buttons[0], cancel))
        return Reply(
            "\n".join([*lines, dtexts.READY]),
            buttons=rows(Button(texts.GENERATE, action=act.Generate()), cancel),
        )

    @animate.autocomplete("motion")
    async def _motion_autocomplete(
        self, interaction: discord.Interaction[Any], current: str
    ) -> list[app_commands.Choice[str]]:
        return await self.motion_choices(interaction, current)


def missing_inputs(*, photo: bool, video: bool, motion: bool, pending_motion: bool) -> str | None:
    """What /animate lacks or has twice (a sentence for the user), or None. ``photo``: one is
    attached or pending; ``pending_motion``: the conversation has a move from before."""
    if video and motion:
        return dtexts.NOT_BOTH_MOTIONS
    has_motion = video or motion or pending_motion
    if not photo and not has_motion:
        return dtexts.NEED_PHOTO_AND_MOTION
    if not has_motion:
        return dtexts.NEED_MOTION
    if not photo:
        return dtexts.NEED_PHOTO
    return None


async def _none() -> None:
    return None
