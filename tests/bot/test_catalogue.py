"""The catalogue: every text in every language with the same placeholders, the committed .mo
files compiled from their .po, every code the renderer and queue send worded by the bot, and
no user-facing sentence sent past the catalogue."""

from __future__ import annotations

import ast
import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from motionbot.bot import i18n
from motionbot.bot.core import reason_texts, texts
from motionbot.bot.discord import texts as dtexts
from motionbot.queue.errors import FailureReason

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "bot" / "i18n" / "locales"
TRANSLATED = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT]
# texts a language writes as English does
ALIKE = {"es": {"Video", "video", "Video: {summary}", "sticker"}}  # neutral Spanish writes "video"
# words that are names in every language (formats, units, platforms, the product)
NAMES = {"GIF", "WebM", "MP4", "MOV", "MKV", "JPEG", "PNG", "WebP", "CPU", "GPU", "MB", "UTC", "Telegram",
         "Discord", "motionbot", "Stickers", "OK", "X", "s"}  # fmt: skip


def _fields(text: str) -> list[tuple[str, str]]:
    """The str.format fields of a text, name and spec, in a stable order."""
    return sorted(
        (name, spec or "") for _, name, spec, _ in string.Formatter().parse(text) if name is not None
    )


def _words(text: str) -> set[str]:
    """The words of a text outside its placeholders, names left out."""
    bare = re.sub(r"\{[^}]*\}|<[@#]\{[^}]*\}>|`[^`]*`|/\w+|@\w+", " ", text)
    return set(re.findall(r"[^\W\d_]+", bare)) - NAMES


def _catalogue(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALES / lang / "LC_MESSAGES" / "motionbot.po").open("rb") as f:
        return read_po(f, locale=lang)


def _sources() -> dict[str, str]:
    """Every English source text the bot serves, by module and name."""
    found: dict[str, str] = {}
    for module in (texts, reason_texts, dtexts):
        for name, value in i18n.source_texts(module).items():
            values = value.items() if isinstance(value, dict) else [("", value)]
            for key, text in values:
                found[f"{module.__name__}.{name}{'[' + key + ']' if key else ''}"] = text
    return found


def _extracted() -> set[str]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    return {
        msg for _, _, msg, *_ in extract_from_dir(str(ROOT / "bot"), method_map, options_map,
                                                  keywords={"locale_str": None, "gettext": None})
        if isinstance(msg, str)
    }  # fmt: skip


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_text_is_in_the_catalogue_and_translated(lang: str) -> None:
    catalogue = _catalogue(lang)
    wanted = set(_sources().values()) | _extracted()
    missing, untranslated = [], []
    for text in sorted(t for t in wanted if _words(t) or any(c.isalpha() for c in t)):
        message = catalogue.get(text)
        if message is None or not message.string or message.fuzzy:
            missing.append(text)
        elif message.string == text and _words(text) and text not in ALIKE.get(lang, ()):
            untranslated.append(text)
    assert not missing, (
        f"{lang}: no translation for {missing[:5]} ({len(missing)}); run `make i18n` and translate"
    )
    assert not untranslated, f"{lang}: left in English: {untranslated[:5]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_the_placeholders(lang: str) -> None:
    wrong = [
        (m.id, m.string)
        for m in _catalogue(lang)
        if m.id and m.string and _fields(str(m.id)) != _fields(str(m.string))
    ]
    assert not wrong, f"{lang}: placeholders differ: {wrong[:3]}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_committed_mo_is_compiled_from_the_po(lang: str) -> None:
    with (LOCALES / lang / "LC_MESSAGES" / "motionbot.mo").open("rb") as f:
        compiled = gettext.GNUTranslations(f)
    po = {str(m.id): str(m.string) for m in _catalogue(lang) if m.id and m.string and not m.fuzzy}
    mo = {k: v for k, v in compiled._catalog.items() if k}  # type: ignore[attr-defined]
    assert mo == po, "the .mo is stale: run `make i18n-compile`"


def test_each_language_is_served_where_the_platforms_name_it() -> None:
    assert [i18n.negotiate(c) for c in ("ru", "es-419", "es-ES", "pt-BR", "pt", "en-GB", "de", None)] == [
        "ru", "es", "es", "pt_BR", "pt_BR", "en", "en", "en"]  # fmt: skip
    with i18n.use("ru"):
        assert texts.GENERATE == "Создать" and texts.STAGE_NAMES["render"] == "Рисую кадры"
    with i18n.use("es-419"):
        assert texts.GENERATE == "Generar"
    assert texts.GENERATE == "Generate"  # outside any locale: English


def _finding_codes() -> set[str]:
    """The finding codes renderer/ emits (``_f("code", ...)`` and ``Finding(code="code"...)``)."""
    codes: set[str] = set()
    for path in (ROOT / "renderer").rglob("*.py"):
        codes |= set(re.findall(r'\b_f\(\s*"(\w+)"', path.read_text()))
        codes |= set(re.findall(r'Finding\(\s*code="(\w+)"', path.read_text()))
    return codes


def test_every_code_the_renderer_and_queue_send_has_the_bots_words() -> None:
    words = reason_texts.FINDINGS | reason_texts.FAILURES
    unworded = [
        code for code in sorted(_finding_codes())
        if not any(k == code or k.startswith(code + ":") for k in words)
    ]  # fmt: skip
    assert len(_finding_codes()) > 20
    assert not unworded, f"finding codes with no words in bot/core/reason_texts.py: {unworded}"
    assert not [r for r in FailureReason if r.value not in reason_texts.FAILURES]


# the calls that put text in front of a user, and the argument names that carry it
SENDS = {"send", "send_message", "edit", "edit_text", "edit_message_text", "answer", "reply", "reply_text",
         "send_video", "send_document", "send_animation", "edit_original_response", "followup_send",
         "Reply", "Button", "Embed", "add_field", "set_footer", "Choice"}  # fmt: skip
TEXT_ARGS = {"text", "content", "caption", "label", "title", "description", "name", "value"}


def _literal_sentence(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and _words(node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        parts = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
        return parts if _words(parts) else None
    return None


def test_no_sentence_reaches_a_user_past_the_catalogue() -> None:
    """String literals handed to the calls that send, edit, answer or reply (and to the
    replies, buttons and embeds they carry) in bot/, queue/ and renderer/."""
    found = []
    for area in ("bot", "queue", "renderer"):
        for path in sorted((ROOT / area).rglob("*.py")):
            if path.name.endswith("texts.py"):
                continue
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = (
                    func.attr
                    if isinstance(func, ast.Attribute)
                    else func.id
                    if isinstance(func, ast.Name)
                    else ""
                )
                if name not in SENDS:
                    continue
                carriers = {"name"} if name == "Choice" else TEXT_ARGS  # a choice's value is an id
                args = list(node.args) + [k.value for k in node.keywords if k.arg in carriers]
                for arg in args:
                    if (text := _literal_sentence(arg)) is not None:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}({text!r})")
    assert not found, "user-facing text outside the catalogue:\n" + "\n".join(found)


def test_no_text_is_read_at_import() -> None:
    """A text read at import (a module constant, a default argument) stays English for every
    user; only the command tree's locale_str may (its translator words it per locale)."""
    found = []
    for path in sorted((ROOT / "bot").rglob("*.py")):
        if path.name.endswith("texts.py"):
            continue
        tree = ast.parse(path.read_text(), str(path))
        eager: list[ast.AST] = [
            s for s in tree.body if not isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
        ]
        for fn in ast.walk(tree):
            if isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                eager += [*fn.args.defaults, *(d for d in fn.args.kw_defaults if d is not None)]
            if isinstance(fn, ast.ClassDef):
                eager += [s for s in fn.body if isinstance(s, ast.Assign | ast.AnnAssign)]
        lazy = {id(inner) for e in eager for n in ast.walk(e)
                if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "locale_str"
                for arg in n.args for inner in ast.walk(arg)}  # fmt: skip
        for e in eager:
            for n in ast.walk(e):
                if (
                    isinstance(n, ast.Attribute)
                    and isinstance(n.value, ast.Name)
                    and n.value.id.endswith("texts")
                    and n.attr.isupper()
                    and id(n) not in lazy
                ):
                    found.append(f"{path.relative_to(ROOT)}:{n.lineno}: {n.value.id}.{n.attr}")
    assert not found, found


def test_the_bot_never_words_a_user_in_the_clis_english() -> None:
    """The renderer's and queue's English (motionbot.queue.english, ``default_message``) is for
    logs and the command line; only the history's operator column may keep it."""
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sorted((ROOT / "bot").rglob("*.py"))
        if path.name != "delivery.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.default_message\b|queue import english|queue\.english\b", line)
    ]
    assert not found, found
