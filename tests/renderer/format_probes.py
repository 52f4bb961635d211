"""Checks on delivered files, read back with the bundled ffmpeg as a user's app would."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from motionbot.renderer.media.ffmpeg import run_ffmpeg
from motionbot.renderer.media.formats import STICKER, decoded_rgba
from motionbot.renderer.media.probe import MediaInfo, probe


def has_alpha_plane(path: Path) -> bool:
    """libvpx writes the alpha plane as a second stream of blocks, tagged alpha_mode=1."""
    err = run_ffmpeg(["-i", str(path)]).stderr.decode("utf-8", "replace")
    return "alpha_mode" in err and ": 1" in err.split("alpha_mode", 1)[1][:12]


def assert_transparent(path: Path) -> MediaInfo:
    """VP9 with alpha; a decoded frame is see-through in its top corners (away from the subject)
    and opaque on the subject (around the middle of what is opaque: the torso)."""
    info = probe(path)
    assert info.video_codec == "vp9" and has_alpha_plane(path), info
    rgba = decoded_rgba(path, at_s=min(0.5, (info.duration_s or 1.0) / 2))
    alpha = rgba[..., 3]
    corners = [alpha[:4, :4], alpha[:4, -4:]]
    assert all(int(c.max()) == 0 for c in corners), [int(c.max()) for c in corners]
    assert (alpha == 0).mean() > 0.2 and (alpha == 255).mean() > 0.05
    ys, xs = np.nonzero(alpha == 255)
    y, x = int(np.median(ys)), int(np.median(xs))
    assert int(np.median(alpha[y - 3 : y + 3, x - 3 : x + 3])) == 255, (x, y)
    return info


def assert_sticker(path: Path) -> MediaInfo:
    """Telegram's video sticker rules: WebM VP9 with alpha, one side 512 and the other at most
    512, at most 3 s and 30 fps, at most 256 KB, no sound."""
    info = assert_transparent(path)
    assert max(info.width, info.height) == STICKER.side and min(info.width, info.height) <= STICKER.side
    assert info.duration_s is not None and info.duration_s <= STICKER.max_seconds + 0.05
    assert info.fps is not None and info.fps <= STICKER.max_fps
    assert info.size_bytes <= STICKER.max_bytes and not info.has_audio
    assert "webm" in info.container
    return info
