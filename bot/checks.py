"""Bot checks for `motionbot doctor` (entry point ``motionbot.checks: bot``).

Tokens are reported as "set" or "missing", never shown. At least one chat platform must be
configured for a bot host to be useful; the history database folder must be writable.
"""

from __future__ import annotations

import tempfile

# imported here so that an image without the bot extra skips these checks (ImportError)
import aiogram  # noqa: F401
from pydantic import ValidationError

from motionbot.bot.settings import BotSettings
from motionbot.ops.checks import CheckResult, Status


def checks() -> list[CheckResult]:
    try:
        settings = BotSettings()
    except ValidationError as exc:
        return [CheckResult("bot settings", Status.FAIL, str(exc).splitlines()[0], fix="correct .env")]
    results: list[CheckResult] = []
    tokens = {"telegram": settings.telegram_token, "discord": settings.discord_token}
    for platform, token in tokens.items():
        present = token is not None and bool(token.get_secret_value().strip())
        results.append(
            CheckResult(
                f"{platform} token",
                Status.OK if present else Status.SKIP,
                "set" if present else f"missing: the {platform} bot will not start",
                required=False,
            )
        )
    if not any(r.status is Status.OK for r in results):
        results.append(
            CheckResult(
                "bot tokens",
                Status.FAIL,
                "no chat platform configured",
                fix="set MOTIONBOT_TELEGRAM_TOKEN (from @BotFather) and/or MOTIONBOT_DISCORD_TOKEN in .env",
            )
        )
    folder = settings.history_db.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-"):
            pass
        results.append(CheckResult("history database", Status.OK, f"{settings.history_db} (folder writable)"))
    except OSError as exc:
        results.append(
            CheckResult(
                "history database",
                Status.FAIL,
                f"cannot write in {folder}: {exc.strerror or exc}",
                fix="create the folder with write access for this user (compose: the history volume)",
            )
        )
    return results
