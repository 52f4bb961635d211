"""The built-in motions every deployment offers, by name.

Frontends list these without importing the renderer; the renderer defines the motions
themselves under the same names (``motionbot.renderer.motion.presets``) and its tests
check that both lists agree.
"""

from __future__ import annotations

PRESET_TITLES: dict[str, str] = {
    "wave": "Wave hello",
    "clap": "Clap",
    "sway": "Sway side to side",
    "arms_up": "Arms up",
    "jumping_jacks": "Jumping jacks",
}

PRESET_NAMES: tuple[str, ...] = tuple(PRESET_TITLES)


def preset_title(name: str) -> str:
    return PRESET_TITLES.get(name.strip().lower(), name)
