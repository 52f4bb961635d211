"""A Russian-speaking Telegram user end to end (real aiogram bot, fake Bot API, real inspect
and warp workers): every screen from /start to /history and a failure is in Russian, and
/language switches to Spanish for good."""

from __future__ import annotations

import io
import re

from tg_harness import TG, USER, astronaut_jpeg, command, finished_task, key_of

from motionbot.bot import i18n
from motionbot.bot.core import texts
from motionbot.bot.core.keys import looks_like_task_id
from motionbot.queue.delivery import enqueue_deliver
from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import DeliverJob, RenderFailure

# names that stay as they are in every language
NAMES = {"GIF", "WebM", "MP4", "MOV", "MKV", "JPEG", "PNG", "WebP", "CPU", "GPU", "MB", "Telegram", "motionbot",
         "Stickers"}  # fmt: skip


def _latin_words(text: str) -> set[str]:
    bare = re.sub(r"/\w+|@\w+", " ", text)
    tokens = re.findall(r"[A-Za-z0-9]+", bare)
    return {
        w for t in tokens if not looks_like_task_id(t) for w in re.findall(r"[A-Za-z]+", t) if w not in NAMES
    }


def _said(tg: TG) -> list[str]:
    """Everything the user was shown: messages, edits, captions and button labels."""
    shown = []
    for r in tg.fake.sent("sendMessage", "editMessageText", "sendVideo", "editMessageCaption", chat_id=USER):
        shown.append(str(r.fields.get("text") or r.fields.get("caption") or ""))
        markup = r.fields.get("reply_markup") or {}
        shown += [b.get("text", "") for row in markup.get("inline_keyboard", []) for b in row]
    return [s for s in shown if s and s != "Queued"]  # the harness's own placeholder


def _blank_jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 400), (40, 90, 160)).save(out, "JPEG")
    return out.getvalue()


async def test_a_russian_user_sees_every_screen_in_russian(
    tg: TG, inspect_worker: object, render_worker: object
) -> None:
    fake = tg.fake
    fake.user_languages[USER] = "ru"
    with i18n.use("ru"):
        welcome, thanks = texts.WELCOME, texts.CONSENT_THANKS
        received, need_video = texts.RECEIVED_PHOTO, texts.NEED_VIDEO
        white, generate = texts.CHOSEN_MARK + texts.BACKGROUND_NAMES["white"], texts.GENERATE
        history_title = texts.HISTORY_TITLE.split("(")[0]
        rejected = texts.INPUT_REJECTED_PHOTO.split(":")[0]
        set_es = "De acuerdo, te hablaré en español."
    assert welcome.startswith("Привет")

    await fake.push_message(USER, USER, **command("/start"))
    await tg.wait_text(welcome)
    await tg.press("ack")
    await tg.wait_text(thanks)

    await fake.push_message(USER, USER, **fake.photo_fields(astronaut_jpeg()))
    await tg.wait_text(received)
    await tg.wait_text(need_video)
    findings = await tg.wait_text("Фото: ", timeout=30)  # the inspect worker's codes, worded here
    assert "На фото один человек" in str(findings.fields["text"])

    await fake.push_message(USER, USER, **command("/motions"))
    await tg.press("pre:wave")
    await tg.wait_text("Движение: Помахать рукой.")
    await tg.wait_label(generate)
    await tg.press("o:bg:white")
    await tg.wait_label(white)
    await tg.press("gen")
    video = (await fake.wait_sent("sendVideo", timeout=60))[0]
    caption = str(video.fields["caption"])
    assert caption.startswith("Задание ") and "Эскиз" in caption and re.search(r"\d,\d с$", caption)
    task_id = video.uploads["video"][0].removesuffix(".mp4")
    await tg.wait_text(f"Готово! Задание {task_id}.")

    await fake.push_message(USER, USER, **command("/history"))
    page = await tg.wait_text(history_title)
    assert re.search(r"\d\d\.\d\d\.\d{4}", str(page.fields["text"]))  # a Russian date

    # a file the checks refuse, and a render that failed: both told in Russian
    await fake.push_message(USER, USER, **fake.photo_fields(_blank_jpeg()))
    await tg.wait_text("Не вижу человека на этом фото", timeout=30)
    failed_id = await finished_task(tg, deliver=False)
    task = await tg.rt.history.get_task(failed_id)
    assert task is not None
    failure = RenderFailure(
        task_id=failed_id, reason=FailureReason.GPU_OUT_OF_MEMORY.value, message="English"
    )
    target = key_of().target(status_message_id=task.status_message_id)
    await enqueue_deliver(tg.rt.client.redis, DeliverJob(task_id=failed_id, target=target, outcome=failure))
    await tg.wait_text("Не получилось. Видеокарте не хватило памяти", timeout=30)
    assert rejected

    english = {text: words for text in _said(tg) if (words := _latin_words(text))}
    assert not english, f"English reached a Russian user: {english}"

    # /language: Spanish from now on, kept across a restart
    await fake.push_message(USER, USER, **command("/language"))
    await tg.wait_label("Español")
    await tg.press("lang:es")
    await tg.wait_text(set_es)
    await tg.restart()
    await fake.push_message(USER, USER, **command("/start"))
    with i18n.use("es"):
        await tg.wait_text(texts.WELCOME)
