"""Figures inside catalogue texts are written the way the user's language writes them."""

from __future__ import annotations

from motionbot.bot.core import presenters
from motionbot.bot.core.finding_words import finding_text
from motionbot.bot.i18n import use
from motionbot.queue.jobs import Finding, Severity


def test_a_finding_s_seconds_take_the_language_s_decimal_comma() -> None:
    short = Finding(code="short_clip", severity=Severity.INFO, params={"seconds": 2.5})
    with use("en"):
        assert "2.5" in finding_text(short, "video")
    for lang in ("ru", "es", "pt_BR"):
        with use(lang):
            text = finding_text(short, "video")
            assert "2,5" in text and "2.5" not in text, (lang, text)


def test_a_file_too_large_says_its_size_in_the_language() -> None:
    with use("es"):
        text = presenters.extra_too_large("gif", 12_300_000, 10_000_000)
    assert "12,3" in text and "12.3" not in text
    with use("en"):
        assert "12.3" in presenters.extra_too_large("gif", 12_300_000, 10_000_000)
