"""A hand drawn for a grown forearm when the photo shows neither hand (both in the pockets,
both behind the back), in the person's own skin colour.

A grown sleeve that just ends reads as an arm cut off at the wrist, and leaves the pose
detector guessing where the wrist is; with the other hand in view sleeve.mirrored_hand copies
it. With none to copy, a plain hand shape (a palm narrowing to the fingertips, shaded across
as a rounded form) in the colour of the face's skin ends the sleeve instead.
"""

from __future__ import annotations

import cv2
import numpy as np

from motionbot.renderer.arrays import F32, U8
from motionbot.renderer.engines.warp.arrays import f32, u8
from motionbot.renderer.engines.warp.fill import skin_like
from motionbot.renderer.engines.warp.parts import LayerTexture
from motionbot.renderer.engines.warp.rig import HEAD, LIMB_CHAINS, J, Layer, Rig

# hand length (wrist to fingertips) over the upper arm's length, and palm width over hand length
HAND_LENGTH = 0.55
PALM = 0.42
# the darkest the hand's sides are, as a share of its colour (a rounded form, not a flat cut-out)
SIDE_SHADE = 0.8


def face_skin(rig: Rig, textures: list[LayerTexture]) -> F32 | None:
    """The median colour of the skin-like pixels of the face, or None when it shows none."""
    body = next((t for t in textures if t.layer is Layer.BODY), None)
    if body is None or not rig.rigged[HEAD]:
        return None
    h, w = body.rgba.shape[:2]
    disc = np.zeros((h, w), np.uint8)
    head = rig.joints[J.HEAD]
    cv2.circle(disc, (round(float(head[0])), round(float(head[1]))), round(0.8 * rig.head_radius), (1,), -1)
    a = body.rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = u8(np.where(a > 0.5, body.rgba[..., :3].astype(np.float32) / np.maximum(a, 1e-3), 0.0))
    skin = (disc > 0) & (a[..., 0] > 0.9) & skin_like(rgb)
    if skin.sum() < 30:
        return None
    return f32(np.median(rgb[skin].astype(np.float32), axis=0))


def drawn_hand(rig: Rig, textures: list[LayerTexture], layer: Layer) -> U8 | None:
    """A premultiplied RGBA hand patch, rows from the wrist to the fingertips (as
    sleeve.mirrored_hand's), for the arm on ``layer``; None without skin to colour it."""
    colour = face_skin(rig, textures)
    upper = LIMB_CHAINS[layer][0]
    if colour is None or not rig.rigged[upper]:
        return None
    length = HAND_LENGTH * rig.bone_length(upper)
    if length < 6.0:
        return None
    half = 0.5 * PALM * length
    rows, cols = int(np.ceil(length)), int(np.ceil(2.0 * half + 3.0)) | 1
    t = np.arange(rows, dtype=np.float32)[:, None]
    c = np.abs(np.arange(cols, dtype=np.float32) - 0.5 * (cols - 1))[None, :]
    # the palm keeps its width to the knuckles (half-way), the fingers close in a half ellipse
    past = np.clip((t - 0.5 * length) / (0.5 * length), 0.0, 1.0)
    width = half * np.sqrt(np.clip(1.0 - past * past, 0.0, 1.0))
    alpha = np.clip(width + 0.75 - c, 0.0, 1.0)
    shade = 1.0 - (1.0 - SIDE_SHADE) * np.clip(c / max(half, 1.0), 0.0, 1.0) ** 2
    rgb = colour[None, None, :] * shade[..., None]
    return u8(np.concatenate([rgb * alpha[..., None], 255.0 * alpha[..., None]], axis=2))
