"""A Spanish-speaking Discord user end to end (real discord.py, the fake REST server, a real
burst worker): /animate with its checks, consent, options, progress, the delivered video,
/history and a failure are all in Spanish; the slash commands carry Spanish descriptions."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po
from dc_harness import DC, USER, animate, inspect_worker_running, render_burst, tiny_mp4
from fakes import discord as fd
from fakes.discord_names import command_name_errors

from motionbot.bot import i18n
from motionbot.bot.core import texts
from motionbot.bot.core.keys import looks_like_task_id
from motionbot.bot.discord.locale import CatalogueTranslator

GUILD = fd.Place.guild()
LOCALES = Path(__file__).resolve().parents[2] / "bot" / "i18n" / "locales"
# names that stay as they are in every language (formats, units, platforms, the product)
NAMES = {"GIF", "WebM", "MP4", "MOV", "MKV", "JPEG", "PNG", "WebP", "CPU", "GPU", "MB", "UTC", "Discord",
         "motionbot"}  # fmt: skip


def _words(text: str) -> set[str]:
    """The words of a text, less commands (/history), mentions, placeholders, task ids and file
    names; option names in `code` count (a Spanish client lists `foto`, not `photo`)."""
    bare = re.sub(r"/\w+|<[@#]\d+>|\b[\w-]+\.(?:png|jpe?g|mp4|webm|gif)\b|\{[^}]*\}", " ", text)
    tokens = [t for t in re.findall(r"\w+", bare) if not looks_like_task_id(t)]
    return {w for t in tokens for w in re.findall(r"[^\W\d_]+", t)} - NAMES


@cache
def _catalogue_words(lang: str) -> tuple[frozenset[str], frozenset[str]]:
    """Every word of ``lang``'s translations, and every word of the English texts."""
    with (LOCALES / lang / "LC_MESSAGES" / "motionbot.po").open("rb") as f:
        messages = [m for m in read_po(f, locale=lang) if m.id and m.string]
    said = frozenset(w.lower() for m in messages for w in _words(str(m.string)))
    english = frozenset(w.lower() for m in messages for w in _words(str(m.id)))
    return said, english


def _not_spanish(text: str) -> set[str]:
    """Words that no Spanish text of the catalogue has: an English text (its words are in the
    English ids, not in their translations) or a sentence built past the catalogue."""
    spanish = _catalogue_words("es")[0]
    return {w for w in _words(text) if w.lower() not in spanish}


def _shown(dc: DC) -> list[str]:
    """Every text the bot put in front of users: contents, embeds and component labels."""
    out: list[str] = []
    for r in dc.fake.requests:
        body = r.json if isinstance(r.json, dict) else {}
        body = body.get("data", body) if isinstance(body.get("data"), dict) else body
        out.append(str(body.get("content") or ""))
        for e in body.get("embeds") or []:
            out += [str(e.get("title", "")), str((e.get("footer") or {}).get("text", ""))]
            out += [f"{f['name']} {f['value']}" for f in e.get("fields", [])]
        for row in body.get("components") or []:
            out += [str(c.get("label", "")) for c in row.get("components", [])]
    return [t for t in out if t]


async def test_a_spanish_user_gets_every_screen_in_spanish(dc: DC, tmp_path: Path) -> None:
    dc.fake.user_locales[USER] = "es-ES"
    with i18n.use("es"):
        consent, agree, generate = texts.CONSENT, texts.CONSENT_BUTTON, texts.GENERATE
        options_title, white = texts.OPTIONS_TITLE, texts.BACKGROUND_NAMES["white"]
    cmd = await animate(dc, GUILD, motion="preset:wave")
    shown = await dc.original(cmd, consent)
    assert "Movimiento: Saludar con la mano." in shown["content"]
    agreed = dc.inject(fd.click(dc.fake, shown, fd.button(shown, agree), USER, GUILD))
    options: dict[str, Any] = await dc.answer(agreed, options_title)
    assert fd.button(options, white)
    click = dc.inject(fd.click(dc.fake, options, fd.button(options, generate), USER, GUILD))
    await dc.original(click, "En cola")
    worker = await render_burst(dc.qsettings, tmp_path)
    assert worker.jobs_complete == 1, worker.jobs_failed
    result = await dc.followup(click, "", with_file=True)
    embed = result["embeds"][0]
    assert embed["title"] == "Tu video"
    fields = {f["name"]: f["value"] for f in embed["fields"]}
    assert fields["Calidad"] == "Vista previa" and re.fullmatch(r"\d+,\d s", fields["Duración"])
    task_id = fields["Tarea"]
    await dc.original(click, f"¡Listo! Tarea {task_id}.")

    # the checks of a new video, by a real inspect worker, worded from their codes
    async with inspect_worker_running(dc.qsettings, tmp_path):
        cmd2 = await animate(dc, GUILD, video=tiny_mp4(frames=30, side=96))
        checked = await dc.original(cmd2, "Video: ")
    assert "Foto: " in checked["content"]

    history = dc.inject(fd.slash(dc.fake, "history", USER, GUILD))
    await dc.original(history, "Tus videos (1-1 de 1)")

    # a render that fails in the worker (no one in the photo), told on its status message
    blank = dc.fake.add_attachment("wall.png", _blank_png(), "image/png")
    cmd3 = dc.inject(fd.slash(dc.fake, "animate", USER, GUILD, attachments={"photo": blank},
                              options={"motion": "preset:clap"}))  # fmt: skip
    ready = await dc.original(cmd3, generate)
    click3 = dc.inject(fd.click(dc.fake, ready, fd.button(ready, generate), USER, GUILD))
    await dc.original(click3, "En cola")
    await render_burst(dc.qsettings, tmp_path)
    failed = await dc.original(click3, "No funcionó.")
    assert "No encuentro a ninguna persona en esta foto" in failed["content"], failed["content"]

    shown_all = _shown(dc)
    assert any(t.startswith("Tus videos") for t in shown_all) and any("En cola" in t for t in shown_all)
    assert any(t.startswith("Calidad Vista previa") for t in shown_all)  # embed fields are read too
    # every word the user read is a word of the Spanish catalogue (names, ids and files aside)
    foreign = {t: w for t in shown_all if (w := _not_spanish(t))}
    assert not foreign, f"words from outside the Spanish catalogue reached a Spanish user: {foreign}"
    english_only = _catalogue_words("es")[1] - _catalogue_words("es")[0]
    assert {"the", "please", "your", "send"} <= english_only  # the check would see English

    # the slash commands as Discord shows them to a Spanish client
    payload = await dc.bot.tree.get_command("animate").get_translated_payload(
        dc.bot.tree, CatalogueTranslator()
    )
    assert payload["description_localizations"]["es-ES"].startswith("Hacer un video")
    photo = next(o for o in payload["options"] if o["name"] == "photo")
    assert photo["description_localizations"]["pt-BR"].startswith("Uma foto")
    assert photo["description_localizations"]["ru"].startswith("Фото одного человека")
    # option names as well, in each language, in the form Discord accepts (the fake server's check)
    assert photo["name_localizations"] == {"es-ES": "foto", "es-419": "foto", "pt-BR": "foto", "ru": "фото"}
    for command in dc.bot.tree.get_commands():
        translated = await command.get_translated_payload(dc.bot.tree, CatalogueTranslator())
        assert not command_name_errors(translated)
        for option in _leaf_options(translated):
            missing = {"es-ES", "pt-BR", "ru"} - set(option.get("name_localizations", {}))
            # a name the language writes as English does ("video" in Spanish) needs no entry
            for locale in missing:
                with i18n.use({"es-ES": "es", "pt-BR": "pt_BR"}.get(locale, locale)):
                    assert i18n.gettext(option["name"]) == option["name"], (option["name"], locale)


def _leaf_options(command: dict[str, Any]) -> list[dict[str, Any]]:
    """A command's options, those of its subcommands and groups (types 1 and 2) included."""
    found: list[dict[str, Any]] = []
    for option in command.get("options") or []:
        found += _leaf_options(option) if option["type"] in (1, 2) else [option]
    return found


def _blank_png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (256, 320), (40, 90, 160)).save(out, "PNG")
    return out.getvalue()
