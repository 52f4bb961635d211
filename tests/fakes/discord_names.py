"""Discord's rules for application command names, as its API checks them on a sync."""

from __future__ import annotations

import re
from typing import Any

_OPTION_NAME = re.compile(r"[-\w]{1,32}")  # Discord's ^[-_\p{L}\p{N}...]{1,32}$, lowercase


def command_name_errors(command: dict[str, Any], where: str = "") -> list[str]:
    """What Discord would refuse in a command's (or option's) names and their localisations:
    a name of 1-32 lowercase letters, digits, - or _, and no two options of one command named
    alike in any locale."""
    path = f"{where}{command['name']}"
    errors: list[str] = []
    for locale, name in {"": command["name"], **(command.get("name_localizations") or {})}.items():
        if _OPTION_NAME.fullmatch(name) is None or name != name.lower():
            errors.append(f"{path}: name {name!r} ({locale or 'default'}) is invalid")
    options = command.get("options") or []
    for locale in {"", *(k for o in options for k in o.get("name_localizations") or {})}:
        names = [
            (o.get("name_localizations") or {}).get(locale, o["name"]) if locale else o["name"]
            for o in options
        ]
        if len(set(names)) < len(names):
            errors.append(f"{path}: two options share a name in {locale or 'default'}: {sorted(names)}")
    for option in options:
        errors += command_name_errors(option, f"{path}.")
    return errors
