"""The findings picture: one frame with a numbered box around each person, the performer's
box highlighted, so a user can answer with a number (the bot shows buttons 1..N under it)."""

from __future__ import annotations

import cv2
import numpy as np

from motionbot.renderer.arrays import RGB

CHOSEN = (255, 196, 0)
OTHER = (255, 255, 255)
SHADOW = (0, 0, 0)


def numbered_people(
    rgb: RGB, boxes: list[tuple[float, float, float, float]], chosen: int, *, long_side: int = 640
) -> RGB:
    """``rgb`` with box i (normalised x0, y0, x1, y1) drawn and numbered i + 1; ``chosen`` is a number."""
    h, w = rgb.shape[:2]
    scale = long_side / max(h, w)
    resized = cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    out: RGB = np.ascontiguousarray(resized, dtype=np.uint8)
    oh, ow = out.shape[:2]
    thick = max(2, round(long_side / 240))
    for number, (x0, y0, x1, y1) in enumerate(boxes, start=1):
        colour = CHOSEN if number == chosen else OTHER
        p0 = (round(x0 * ow), round(y0 * oh))
        p1 = (round(x1 * ow) - 1, round(y1 * oh) - 1)
        cv2.rectangle(out, p0, p1, SHADOW, thick + 2)
        cv2.rectangle(out, p0, p1, colour, thick)
        label = str(number)
        font_scale = long_side / 400
        (tw, th), _ = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, font_scale, thick)
        tx = min(max(p0[0] + thick, 0), ow - tw - 2 * thick)
        ty = min(max(p0[1] + th + 2 * thick, th + thick), oh - thick)
        cv2.rectangle(out, (tx - thick, ty - th - thick), (tx + tw + thick, ty + thick), SHADOW, -1)
        cv2.putText(out, label, (tx, ty), cv2.FONT_HERSHEY_SIMPLEX, font_scale, colour, thick, cv2.LINE_AA)
    return out
