"""The bot's words for the renderer's finding codes, and one request per reply.

Findings travel as a code plus the figures behind it (``Finding.params``); this module words
the codes whose figures matter to the user (how short, how small, how long). A code it does
not know (a newer renderer's) falls back on the renderer's own English sentence.
"""

from __future__ import annotations

import re

from motionbot.queue.jobs import Finding, InspectReport, Severity

WORDS: dict[str, str] = {
    "video_too_short": (
        "The clip is only {seconds:.2g} s long, too short to take a motion from. "
        "Please send a video with at least {min_seconds:g} s of the move; a few seconds work best."
    ),
    "video_too_small": (
        "The video is only {width}x{height} pixels, too small to make out the body. "
        "Please send a clip at least {min_side} pixels on its shorter side."
    ),
    "trimmed": "The video is {source_s:.0f} s long; only the first {used_s:.0f} s will be used.",
    "gif_length": "This GIF is {seconds:g} s long, so the video will be too.",
    "short_clip": "The clip is only {seconds:.1f} s long, so the video will be too.",
}

# a sentence that asks the user to do something: one of these is enough per reply
_REQUEST = re.compile(r"^(?:please|send|use|try|pick|keep|cut)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")  # "0.5 s" is not the end of a sentence


def finding_text(finding: Finding) -> str:
    template = WORDS.get(finding.code)
    if template is None:
        return finding.message
    try:
        return template.format(**finding.params)
    except (KeyError, ValueError, IndexError):  # figures missing or of another type: their words
        return finding.message


def summary(report: InspectReport) -> str:
    """What is wrong or worth knowing, the way InspectReport.summary says it, in the bot's words."""
    notes = [finding_text(f) for f in report.findings if f.severity is not Severity.OK]
    return " ".join(notes) or "Looks good."


def ends_with_request(text: str) -> bool:
    last = _SENTENCE_END.split(text.strip())[-1]
    return _REQUEST.match(last) is not None


def with_request(text: str, request: str, sep: str = " ") -> str:
    """``text`` followed by ``request``, unless ``text`` already ends by asking for something."""
    return text if ends_with_request(text) else f"{text}{sep}{request}"
