"""Dates, durations and numbers the way the current language writes them (Babel's CLDR data):
"2026-12-02 13:05" is "2 дек. 2026 г., 13:05" in Russian, "1.5 s" is "1,5 s" in Spanish."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime

from babel.dates import format_datetime, format_timedelta
from babel.numbers import format_decimal, get_decimal_symbol
from babel.units import format_unit

from motionbot.bot.i18n import current


def number(value: float, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals (trailing ones kept: "2.0 s" stays, as a measure)."""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(round(value, digits), format=pattern, locale=current())


class LocalFloat(float):
    """A float that a catalogue text formats in the current language: the texts keep Python's
    format specs (``{seconds:.1f}``, the same in every language), and "2.5" comes out as "2,5"
    where the language writes a decimal comma."""

    def __format__(self, spec: str) -> str:
        text = float.__format__(self, spec)
        return text.replace(".", get_decimal_symbol(current())) if current() != "en" else text


def localised(params: Mapping[str, object]) -> dict[str, object]:
    """``params`` with every float (not bool or int) ready to be formatted in the current language."""
    return {k: LocalFloat(v) if isinstance(v, float) else v for k, v in params.items()}


def seconds(value: float) -> str:
    """A clip's length: "2.5 s", "2,5 с" (CLDR's short English unit is "sec"; the bot's English
    has always written "s")."""
    if current() == "en":
        return f"{number(value)} s"
    return format_unit(round(value, 1), "duration-second", length="short", format="#,##0.0", locale=current())


def wait(value: float) -> str:
    """How long until something happens, rounded up to what a user cares about ("about 2 minutes")."""
    rounded = max(1, math.ceil(value)) if value < 60 else math.ceil(value / 60) * 60
    return format_timedelta(rounded, threshold=1.0, format="long", locale=current())


def date(ts: float) -> str:
    """A moment, in UTC (the bot does not know the user's time zone)."""
    return format_datetime(datetime.fromtimestamp(ts, UTC), format="short", tzinfo=UTC, locale=current())
