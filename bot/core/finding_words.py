"""The bot's words for the renderer's finding codes and the queue's failure reasons, in the
current language, and one request per reply.

Findings travel as a code plus the figures behind it (``Finding.params``) and failures as a
reason (plus a ``case`` param where one reason has several causes); the words are in
:mod:`motionbot.bot.core.reason_texts`. A code this bot does not know (a newer renderer's)
gets a general sentence, never the renderer's English.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping

from motionbot.bot.core import reason_texts
from motionbot.bot.i18n.formats import localised
from motionbot.queue.errors import MotionbotError, QueueError
from motionbot.queue.jobs import Finding, InspectReport, MediaKind, Severity


class SaidError(QueueError):
    """A queue failure the bot raises itself, its ``message`` already in the user's words and
    language (how big a download may be); any other error is told by its reason."""


def error_text(exc: MotionbotError) -> str:
    return exc.message if isinstance(exc, SaidError) else failure_text(exc.reason, exc.params)


# the start of a sentence: a capital of any of the catalogue's scripts ("0.5 s" is no end)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[¿¡]?[^\W\d_])")


def _keys(finding: Finding, kind: MediaKind) -> Iterator[str]:
    code, sev, side = finding.code, finding.severity.value, finding.params.get("side")
    if side is not None:
        yield f"{code}:{kind}:{side}"
        yield f"{code}:{side}"
    yield f"{code}:{kind}:{sev}"
    yield f"{code}:{kind}"
    yield f"{code}:{sev}"
    yield code


def _fill(template: str, params: Mapping[str, object]) -> str | None:
    try:
        return template.format(**localised(params))
    except (KeyError, ValueError, IndexError):  # figures missing or of another type
        return None


def finding_text(finding: Finding, kind: MediaKind) -> str:
    words = reason_texts.FINDINGS
    for key in _keys(finding, kind):
        if key in words and (text := _fill(words[key], finding.params)) is not None:
            return text
    if finding.severity is Severity.ERROR:  # an input refused for a failure reason
        return failure_text(finding.code, finding.params)
    return reason_texts.UNKNOWN_FINDING


def failure_text(reason: str, params: Mapping[str, object] | None = None) -> str:
    words, params = reason_texts.FAILURES, params or {}
    cases = [params[name] for name in ("case", "engine") if name in params]
    for key in [*(f"{reason}:{case}" for case in cases), reason]:
        if key in words and (text := _fill(words[key], params)) is not None:
            return text
    return words["internal_error"]


def notes(report: InspectReport, kind: MediaKind) -> list[str]:
    """What is wrong or worth knowing, one sentence (or two) a finding."""
    return [finding_text(f, kind) for f in report.findings if f.severity is not Severity.OK]


def summary(report: InspectReport, kind: MediaKind) -> str:
    """What is wrong or worth knowing as one paragraph (what a refused input is told)."""
    return " ".join(notes(report, kind)) or reason_texts.FINDINGS["lighting_ok"]


def highlights(report: InspectReport, kind: MediaKind) -> list[str]:
    """What is fine, e.g. "Full body visible, head to feet."."""
    return [finding_text(f, kind) for f in report.findings if f.severity is Severity.OK]


def ends_with_request(text: str) -> bool:
    last = _SENTENCE_END.split(text.strip())[-1]
    request = re.compile(rf"^¿?(?:{reason_texts.REQUEST_WORDS})\b", re.I)
    return request.match(last) is not None


def with_request(text: str, request: str, sep: str = " ") -> str:
    """``text`` followed by ``request``, unless ``text`` already ends by asking for something."""
    return text if ends_with_request(text) else f"{text}{sep}{request}"
