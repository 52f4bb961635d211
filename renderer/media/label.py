"""The visible "AI-generated" corner mark.

Drawn in numpy with a patch rendered once by Pillow (its bundled default font needs no font
files, unlike ffmpeg's drawtext), then alpha-blended into each frame's corner: blending a
few thousand pixels per frame costs far less than the encoder does.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageDraw, ImageFont

AI_LABEL_TEXT = "AI-generated"


class CornerLabel:
    """A pre-rendered label for frames of one size; ``apply`` blends it in place."""

    def __init__(self, width: int, height: int, text: str = AI_LABEL_TEXT) -> None:
        font_px = max(9, min(width, height) // 28)
        font = ImageFont.load_default(size=font_px)
        left, top, right, bottom = (int(v) for v in font.getbbox(text))
        pad = max(2, font_px // 3)
        w = min(width, right - left + 2 * pad)
        h = min(height, bottom - top + 2 * pad)
        patch = Image.new("RGBA", (w, h), (0, 0, 0, 110))
        ImageDraw.Draw(patch).text((pad - left, pad - top), text, font=font, fill=(255, 255, 255, 235))
        rgba = np.asarray(patch, dtype=np.uint16)
        self._rgb = rgba[..., :3]
        self._alpha = rgba[..., 3:4]
        margin = max(2, font_px // 2)
        self._x0 = max(0, width - w - margin)
        self._y0 = max(0, height - h - margin)
        self.box = (self._x0, self._y0, self._x0 + w, self._y0 + h)

    def apply(self, frame: npt.NDArray[np.uint8]) -> None:
        x0, y0, x1, y1 = self.box
        region = frame[y0:y1, x0:x1]
        blended = (region.astype(np.uint16) * (255 - self._alpha) + self._rgb * self._alpha) // 255
        region[...] = blended.astype(np.uint8)
