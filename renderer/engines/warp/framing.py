"""Output canvas: the photo's aspect (or the one asked for) at the configured long side.

When the requested aspect is narrower or wider than the photo, the photo is cropped around the
subject if the whole subject fits; otherwise the canvas is padded and the padding filled like
the hole behind the person, so nobody loses their head to a 16:9 crop.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32, U8
from motionbot.renderer.engines.warp.arrays import f32, mask, u8

ASPECTS = {"9:16": 9 / 16, "1:1": 1.0, "16:9": 16 / 9}
# the least a half-body subject is shrunk to make room for raised arms
MIN_ZOOM = 0.6
# the widest (width over height) a photo-aspect canvas grows for arms held out sideways
MAX_WIDE = 1.0
# the least any subject is shrunk (against the photo's own framing) to keep the motion in frame
MIN_FIT_ZOOM = 0.5


@dataclass(frozen=True)
class Canvas:
    width: int
    height: int
    scale: float  # canvas px per photo px
    origin: tuple[float, float]  # photo px at canvas (0, 0)

    @property
    def window(self) -> tuple[float, float, float, float]:
        """The photo-px box (x0, y0, x1, y1) the canvas shows."""
        x0, y0 = self.origin
        return x0, y0, x0 + self.width / self.scale, y0 + self.height / self.scale

    def photo_to_canvas(self, xy: F32) -> F32:
        return f32((xy - np.array(self.origin, np.float32)) * self.scale)

    def warp_rgb(self, image: U8) -> U8:
        """Resample the photo onto the canvas; outside the photo is edge-replicated."""
        return u8(self._warp(image, cv2.INTER_AREA))

    def warp_mask(self, image: F32) -> F32:
        return f32(self._warp(image, cv2.INTER_LINEAR))

    def _warp(self, image: npt.NDArray[Any], interpolation: int) -> Any:
        scaled = cv2.resize(image, None, fx=self.scale, fy=self.scale, interpolation=interpolation)
        m = np.array([[1, 0, -self.origin[0] * self.scale], [0, 1, -self.origin[1] * self.scale]], np.float32)
        return cv2.warpAffine(
            scaled, m, (self.width, self.height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )

    def outside(self, photo_w: int, photo_h: int) -> npt.NDArray[np.bool_]:
        """Canvas pixels the photo does not cover (padding to fill)."""
        ys, xs = np.mgrid[0 : self.height, 0 : self.width].astype(np.float32)
        px = (xs + 0.5) / self.scale + self.origin[0]
        py = (ys + 0.5) / self.scale + self.origin[1]
        return mask((px < 0) | (py < 0) | (px > photo_w) | (py > photo_h))


def output_size(aspect: float, long_side: int) -> tuple[int, int]:
    """Even width and height with the given aspect and long side."""
    if aspect >= 1.0:
        w, h = float(long_side), long_side / aspect
    else:
        w, h = long_side * aspect, long_side
    return max(2, round(w / 2) * 2), max(2, round(h / 2) * 2)


def plan_canvas(
    photo_w: int,
    photo_h: int,
    subject: tuple[float, float, float, float],
    aspect: str,
    long_side: int,
    reach: tuple[float, float] | None = None,
    side: tuple[float, float] | None = None,
    must_show: tuple[float, float, float, float] | None = None,
    pinned: bool = False,
) -> Canvas:
    """Choose the photo window shown on the canvas. ``subject`` is its box (x0, y0, x1, y1) in photo px.

    ``reach`` (top y, bottom y in photo px) is how far the subject's hands may go: a photo cut
    at the waist has no room above the head for raised arms, nor below the cut for hanging
    forearms, so the window grows (keeping its aspect, centred on the subject) down to
    MIN_ZOOM of the photo's scale; when that is not enough, both ends get their share.

    ``must_show`` (x0, y0, x1, y1 in photo px) is where the retargeted motion takes the hands,
    feet and head (fit_window): known, it is added to the estimates above. A ``pinned`` body
    (cut by the photo's bottom edge) keeps the estimate's room below the cut, where hanging
    forearms show (standing the bust on the canvas bottom hid them: the half-body woman's
    wave scored limbs 0.82, frames 0.47 against 0.998, 0.993 with the room), and is zoomed
    out no further than MIN_ZOOM; a full body down to MIN_FIT_ZOOM.
    """
    canvas = _plan(photo_w, photo_h, subject, aspect, long_side)
    if must_show is not None:
        keep, zoom = (
            (_with_reach(canvas, subject, reach).window, MIN_ZOOM) if pinned else (subject, MIN_FIT_ZOOM)
        )
        return fit_window(canvas, must_show, keep, (photo_w, photo_h), zoom * canvas.scale, aspect == "photo")
    canvas = _with_reach(canvas, subject, reach)
    if side is None or aspect != "photo":
        return canvas
    return _widen(canvas, side)


def _with_reach(
    canvas: Canvas, subject: tuple[float, float, float, float], reach: tuple[float, float] | None
) -> Canvas:
    top = canvas.origin[1]
    wh = canvas.height / canvas.scale
    bottom = top + wh
    if reach is not None:
        need_top = max(0.0, top - reach[0])
        need_bottom = max(0.0, reach[1] - bottom)
        if need_top + need_bottom > 0.0:
            share = min(1.0, (wh / MIN_ZOOM - wh) / (need_top + need_bottom))
            new_h = wh + share * (need_top + need_bottom)
            new_w = new_h * canvas.width / canvas.height
            cx = 0.5 * (subject[0] + subject[2])
            canvas = Canvas(
                canvas.width, canvas.height, canvas.width / new_w, (cx - new_w / 2, top - share * need_top)
            )
    return canvas


def fit_window(
    canvas: Canvas,
    need: tuple[float, float, float, float],
    subject: tuple[float, float, float, float],
    photo_size: tuple[int, int],
    floor_scale: float,
    may_widen: bool = False,
) -> Canvas:
    """The canvas moved, widened (a photo-aspect one, up to MAX_WIDE) and zoomed out so that the
    photo-px boxes ``need`` and ``subject`` (the person, or what must stay shown) are inside it,
    as much of the photo around them as fits.

    Estimating the room from how far the performer's arms go, in arm lengths, left the
    demo's waving hand outside the top of every wave: the retargeted skeleton itself says
    where the hands go. The zoom stops at ``floor_scale`` (a subject too small to read is
    worse than a fingertip cut); a window that cannot hold both is centred on them.
    """
    if may_widen:
        canvas = _widen(canvas, (need[0], need[2]))
    ww, wh = canvas.width / canvas.scale, canvas.height / canvas.scale
    x0, y0 = min(subject[0], need[0]), min(subject[1], need[1])
    x1, y1 = max(subject[2], need[2]), max(subject[3], need[3])
    grow = max((x1 - x0) / ww, (y1 - y0) / wh, 1.0)
    scale = max(canvas.scale / grow, min(floor_scale, canvas.scale))
    nw, nh = canvas.width / scale, canvas.height / scale
    cx = _contain(_place(0.5 * (x0 + x1), nw, photo_size[0]), nw, x0, x1)
    cy = _contain(_place(0.5 * (y0 + y1), nh, photo_size[1]), nh, y0, y1)
    return Canvas(canvas.width, canvas.height, scale, (cx - nw / 2, cy - nh / 2))


def _contain(centre: float, window: float, lo: float, hi: float) -> float:
    """The window centre nearest ``centre`` whose window covers [lo, hi] (their middle when it cannot)."""
    if window <= hi - lo:
        return 0.5 * (lo + hi)
    return float(np.clip(centre, hi - window / 2, lo + window / 2))


def _widen(canvas: Canvas, side: tuple[float, float]) -> Canvas:
    """A wider canvas (same height and scale) so arms held out sideways stay in the frame.

    ``side`` (left x, right x in photo px) is how far the hands may go; the canvas grows up to
    MAX_WIDE (width over height), each side by its share of what it needs.
    """
    left = canvas.origin[0]
    ww = canvas.width / canvas.scale
    need_l = max(0.0, left - side[0])
    need_r = max(0.0, side[1] - (left + ww))
    if need_l + need_r <= 0.0:
        return canvas
    room = max(0.0, MAX_WIDE * canvas.height / canvas.scale - ww)
    share = min(1.0, room / (need_l + need_r))
    width = max(canvas.width, round((ww + share * (need_l + need_r)) * canvas.scale / 2) * 2)
    if width == canvas.width:
        return canvas
    grown = (width - canvas.width) / canvas.scale
    x0 = left - grown * need_l / (need_l + need_r)
    return Canvas(width, canvas.height, canvas.scale, (x0, canvas.origin[1]))


def _plan(
    photo_w: int, photo_h: int, subject: tuple[float, float, float, float], aspect: str, long_side: int
) -> Canvas:
    photo_aspect = photo_w / photo_h
    target = ASPECTS.get(aspect, photo_aspect)
    w, h = output_size(target, long_side)
    target = w / h
    if abs(target - photo_aspect) < 0.01:
        return Canvas(w, h, w / photo_w, (0.0, 0.0))
    sx0, sy0, sx1, sy1 = subject
    need_w = (sx1 - sx0) * 1.1
    need_h = (sy1 - sy0) * 1.06
    # the largest window of the target aspect inside the photo
    ww = min(photo_w, photo_h * target)
    wh = ww / target
    if ww < need_w:
        ww, wh = need_w, need_w / target
    if wh < need_h:
        wh, ww = need_h, need_h * target
    cx = _place(0.5 * (sx0 + sx1), ww, photo_w)
    cy = _place(0.5 * (sy0 + sy1), wh, photo_h)
    return Canvas(w, h, w / ww, (cx - ww / 2, cy - wh / 2))


def _place(centre: float, window: float, extent: float) -> float:
    """Window centre near ``centre`` that stays inside [0, extent] when the window fits."""
    if window >= extent:
        return extent / 2
    return float(np.clip(centre, window / 2, extent - window / 2))
