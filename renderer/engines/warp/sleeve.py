"""A forearm for an arm whose forearm the photo hides, grown from the arm's own sleeve.

In a photo cut at the waist the pose network often sees an upper arm but not its forearm
(resting on a table under the other arm, or below the frame); in a full-body photo the hands
are in the pockets or behind the back. Rigged as seen, that arm moves as a stump ending at the
elbow: a person reads it as a broken arm, the pose detector as a short whole arm with its elbow
halfway. Carried rigidly from the upper arm instead, the forearm's region (what lay between the
elbow and the hidden hand: the coat over the pocket, the dress in front of the back) rose as a
torn flap of clothes. The stump is continued past the elbow by a forearm bone that follows the
performer's forearm, skinned with a straight strip of the upper arm's own sleeve or skin; what
the arm's layer held past the elbow is faded out, and the body layer shows the clothes there.

The strip is sampled from the upper arm turned end for end (so the elbow's pixels meet), with
the holes the arm layer has (wall seen between arm and body, a strand of hair cut away) filled
in, and stored below the layer's texture: copying the upper arm's triangles as they are carried
those holes and its ragged outline into the forearm, where the detector took them for the
wrist. When the photo shows the other hand, a mirrored copy of it ends the strip: with a hand
the half-body dance pair's elbow was found in 95% of frames, without one in 69%.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32, I32, U8
from motionbot.renderer.engines.warp.arrays import f32, u8
from motionbot.renderer.engines.warp.mesh import LayerMesh, chain_weights
from motionbot.renderer.engines.warp.parts import HAND_REACH, LayerTexture
from motionbot.renderer.engines.warp.rig import BONES, LIMB_CHAINS, Layer, Rig
from motionbot.renderer.motion.face_shape import N_SHAPE_POINTS

# Elbow to wrist over shoulder to elbow, and forearm width over upper-arm width, for most adults.
FOREARM_RATIO = 0.8
NARROW = 0.85
# The sleeve is sampled between these shares of the upper arm above the elbow: the cap at the
# shoulder belongs to the torso, and at the elbow the arm meets the table or the wall.
COPY_NEAR, COPY_FAR = 0.15, 0.65
# The strip starts this many forearm half-widths above the elbow, under the stump's rounded end,
# so no gap opens on the outside of a bent elbow; its edges and end fade over FEATHER px.
OVERLAP = 0.6
FEATHER = 1.5
# how far (Lab units, 8-bit scale) a pixel of the copied hand may be from its median colour
HAND_COLOUR = 45.0
# the arm's own pixels fade out over this many forearm half-widths before the elbow
STUMP_FADE = 0.5
# rows of the sleeve's end the hand covers
HAND_TUCK = 3
ARMS = (Layer.L_ARM, Layer.R_ARM)


def grown_forearms(rig: Rig, radii: F32) -> tuple[Rig, F32]:
    """The rig with a forearm bone (straight on from the elbow) for every upper arm whose
    forearm is not rigged, and the bone radii to go with it."""
    joints, rigged, radii = rig.joints.copy(), rig.rigged.copy(), radii.copy()
    for layer in ARMS:
        upper, fore, _hand = LIMB_CHAINS[layer]
        if not rigged[upper] or rigged[fore]:
            continue
        shoulder, elbow = rig.bone_segment(upper)
        joints[BONES[fore].b] = elbow + (elbow - shoulder) * FOREARM_RATIO
        rigged[fore] = True
        radii[fore] = NARROW * radii[upper]
    if np.array_equal(rigged, rig.rigged):
        return rig, radii
    return replace(rig, joints=f32(joints), rigged=rigged), radii


def grows_forearm(photo_rig: Rig, rig: Rig, layer: Layer) -> bool:
    """Whether ``rig`` has a forearm on this layer that the photo (``photo_rig``) did not show."""
    if layer not in ARMS:
        return False
    fore = LIMB_CHAINS[layer][1]
    return bool(rig.rigged[fore] and not photo_rig.rigged[fore])


def mirrored_hand(
    rig: Rig, textures: list[LayerTexture], labels: npt.NDArray[np.int16], layer: Layer
) -> U8 | None:
    """The other arm's hand, when the photo shows it, as a premultiplied RGBA patch whose rows
    run from the wrist to the fingertips, mirrored to serve as this arm's hand.

    A sleeve that just ends reads as a missing hand to a person, and leaves the pose detector
    guessing where the wrist is; the person's own other hand is the closest likeness there is.
    """
    other = Layer.R_ARM if layer is Layer.L_ARM else Layer.L_ARM
    hand = LIMB_CHAINS[other][2]
    texture = next((t for t in textures if t.layer is other), None)
    if texture is None or not rig.rigged[hand]:
        return None
    wrist, knuckles = rig.bone_segment(hand)
    tip = knuckles + HAND_REACH * (knuckles - wrist)
    length = float(np.linalg.norm(tip - wrist))
    if length < 4.0:
        return None
    u = f32((tip - wrist) / length)
    n = f32([-u[1], u[0]])
    rows = int(np.ceil(1.1 * length))
    cols = int(np.ceil(1.1 * length)) | 1
    t = np.arange(rows, dtype=np.float32) - 0.1 * length
    c = -(np.arange(cols, dtype=np.float32) - 0.5 * (cols - 1))  # mirrored
    tt, cc = np.meshgrid(t, c, indexing="ij")
    src = wrist[None, None, :] + tt[..., None] * u + cc[..., None] * n
    mx, my = src[..., 0].astype(np.float32), src[..., 1].astype(np.float32)
    rgba = cv2.remap(texture.rgba, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # type: ignore[call-overload]
    own = ((labels == hand) & (texture.rgba[..., 3] > 0)).astype(np.float32)
    keep = cv2.remap(own, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # type: ignore[call-overload]
    keep = (keep > 0.5) & _like_the_hand(rgba, keep > 0.5)
    keep = cv2.morphologyEx(keep.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    soft = cv2.GaussianBlur(keep.astype(np.float32), (0, 0), 0.8)
    if float(soft.sum()) < 0.05 * rows * cols:
        return None
    return u8(rgba.astype(np.float32) * np.clip(soft, 0.0, 1.0)[..., None])


def _like_the_hand(rgba: U8, on_hand: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    """Pixels near the hand's usual colour (Lab distance to the median of ``on_hand``): a hand
    at the chin carries hair and lips in its layer, which do not belong on the other arm."""
    if not on_hand.any():
        return on_hand
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = u8(np.where(a > 0.02, rgba[..., :3].astype(np.float32) / np.maximum(a, 1e-3), 0.0))
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB).astype(np.float32)
    median = np.median(lab[on_hand], axis=0)
    return np.asarray(np.linalg.norm(lab - median, axis=-1) < HAND_COLOUR, dtype=bool)


def add_sleeve(
    photo_rig: Rig,
    rig: Rig,
    texture: LayerTexture,
    mesh: LayerMesh,
    radii: F32,
    spacing: float,
    hand: U8 | None = None,
) -> tuple[LayerTexture, LayerMesh]:
    """The layer's texture and mesh (built on ``rig``) with the grown forearm added, when
    ``rig`` grew this layer's forearm (``photo_rig`` is the rig the photo showed), ending in
    ``hand`` (mirrored_hand) when there is one."""
    layer = texture.layer
    if not grows_forearm(photo_rig, rig, layer):
        return texture, mesh
    upper, fore, _hand = LIMB_CHAINS[layer]
    shoulder, elbow = rig.bone_segment(upper)
    upper_len = max(float(np.linalg.norm(elbow - shoulder)), 1.0)
    u = f32((elbow - shoulder) / upper_len)
    n = f32([-u[1], u[0]])
    half = NARROW * _sleeve_half_width(texture.rgba, elbow, u, n, upper_len, float(radii[upper]))
    if half < 2.0:
        return texture, mesh
    start = -OVERLAP * half
    texture = _trim_stump(texture, elbow, u, half)
    length = rig.bone_length(fore)
    strip = _sleeve_strip(texture.rgba, elbow, u, n, upper_len, start, length, half, rounded=hand is None)
    if hand is not None:
        strip = _with_hand(strip, hand)
    rows, cols = strip.shape[:2]
    height, width = texture.rgba.shape[:2]
    if cols > width:
        return texture, mesh
    canvas = np.zeros((height + rows, width, 4), np.uint8)
    canvas[:height] = texture.rgba
    canvas[height:, :cols] = strip
    # a grid over the strip: rest positions along the forearm, texture positions in the strip
    along = np.linspace(0.0, rows - 1.0, max(2, int(np.ceil(rows / spacing)) + 1), dtype=np.float32)
    across = np.linspace(0.0, cols - 1.0, max(3, int(np.ceil(cols / spacing)) + 1), dtype=np.float32)
    aa, cc = np.meshgrid(along, across, indexing="ij")
    uv = f32(np.stack([cc.ravel(), height + aa.ravel()], axis=1))
    offset_across = cc.ravel() - 0.5 * (cols - 1)
    rest = f32(elbow[None, :] + (start + aa.ravel())[:, None] * u + offset_across[:, None] * n)
    tris = _grid_triangles(len(along), len(across)) + len(mesh.rest)
    weights = chain_weights(rig, layer, rest, radii)
    all_weights = f32(np.concatenate([mesh.weights, weights]))
    tri_bone = np.argmax(all_weights[tris].mean(axis=1), axis=1).astype(np.int16)
    grown = LayerMesh(
        layer=layer,
        rest=f32(np.concatenate([mesh.rest, rest])),
        triangles=np.concatenate([mesh.triangles, tris]).astype(np.int32),
        weights=all_weights,
        tri_bone=np.concatenate([mesh.tri_bone, tri_bone]).astype(np.int16),
        bulge=f32(np.concatenate([mesh.bulge, np.zeros(len(rest), np.float32)])),
        expression=f32(
            np.concatenate([mesh.expression, np.zeros((len(rest), N_SHAPE_POINTS), np.float32)], axis=0)
        ),
        uv=f32(np.concatenate([mesh.texture_xy, uv])),
        grown_from=len(mesh.triangles),
    )
    return replace(texture, rgba=canvas), grown


def _sleeve_half_width(
    rgba: npt.NDArray[np.uint8], elbow: F32, u: F32, n: F32, upper_len: float, radius: float
) -> float:
    """Half the drawn width of the upper arm's sleeve (its layer's alpha), across its middle."""
    back = np.linspace(COPY_NEAR, COPY_FAR, 9, dtype=np.float32) * upper_len
    c = np.arange(-2.0 * radius, 2.0 * radius + 1.0, dtype=np.float32)
    bb, cc = np.meshgrid(back, c, indexing="ij")
    src = elbow[None, None, :] - bb[..., None] * u - cc[..., None] * n
    a = cv2.remap(
        np.ascontiguousarray(rgba[..., 3]), src[..., 0].astype(np.float32), src[..., 1].astype(np.float32),
        cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0,
    )  # type: ignore[call-overload]  # fmt: skip
    return 0.5 * float(np.median((a > 127).sum(axis=1)))


def _sleeve_strip(
    rgba: npt.NDArray[np.uint8],
    elbow: F32,
    u: F32,
    n: F32,
    upper_len: float,
    start: float,
    length: float,
    half: float,
    rounded: bool = True,
) -> npt.NDArray[np.uint8]:
    """Premultiplied RGBA strip, rows along the forearm (from ``start`` px past the elbow to
    ``length``), columns across it: the middle of the upper arm's sleeve turned end for end,
    holes filled, with soft sides and a rounded end."""
    rows = max(2, int(np.ceil(length - start)))
    cols = max(3, int(np.ceil(2.0 * (half + FEATHER))) + 1)
    t = start + np.arange(rows, dtype=np.float32)  # px past the elbow
    c = np.arange(cols, dtype=np.float32) - 0.5 * (cols - 1)
    tt, cc = np.meshgrid(t, c, indexing="ij")
    # turned end for end: the forearm's elbow end samples the sleeve nearer the elbow; the ends
    # themselves are left out (the cut at the shoulder, the table or wall at the elbow)
    share = (tt - start) / max(length - start, 1.0)
    back = (COPY_NEAR + share * (COPY_FAR - COPY_NEAR)) * upper_len
    src = elbow[None, None, :] - back[..., None] * u - (cc / NARROW)[..., None] * n
    sampled = cv2.remap(
        rgba, src[..., 0].astype(np.float32), src[..., 1].astype(np.float32), cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT, borderValue=0,
    )  # type: ignore[call-overload]  # fmt: skip
    a = sampled[..., 3:4].astype(np.float32) / 255.0
    colour = np.where(a > 0.02, sampled[..., :3].astype(np.float32) / np.maximum(a, 1e-3), 0.0)
    holes = (a[..., 0] < 0.6).astype(np.uint8)
    if holes.all():
        return np.zeros((rows, cols, 4), np.uint8)
    colour = cv2.inpaint(u8(colour), holes, 3, cv2.INPAINT_TELEA).astype(np.float32)
    side = np.clip((half + FEATHER - np.abs(cc)) / (2.0 * FEATHER), 0.0, 1.0)
    # a rounded end: the last ``half`` px narrow along a half circle
    past = np.clip(tt - (length - half), 0.0, None) if rounded else np.zeros_like(tt)
    width_left = np.sqrt(np.clip(half * half - past * past, 0.0, None))
    end = np.clip((width_left + FEATHER - np.abs(cc)) / (2.0 * FEATHER), 0.0, 1.0)
    alpha = (side * end)[..., None]
    return u8(np.concatenate([colour * alpha, alpha * 255.0], axis=2))


def _with_hand(strip: U8, hand: U8) -> U8:
    """The sleeve strip with the hand patch below it, the hand's first row over the sleeve's end.

    The hand's own pixels start where its label does, a little past the wrist joint, and its
    first rows may hold only a stray fingertip: placed by the joint or by such a row, a hanging
    hand floated below its sleeve.
    """
    width = (hand[..., 3] > 127).sum(axis=1)
    filled = np.flatnonzero(width >= 0.3 * width.max())
    if not width.any():
        return strip
    hand = hand[max(0, int(filled[0]) - 1) :]
    y0 = max(0, strip.shape[0] - HAND_TUCK)
    rows = y0 + hand.shape[0]
    cols = max(strip.shape[1], hand.shape[1])
    out = np.zeros((max(rows, strip.shape[0]), cols, 4), np.float32)
    x0 = (cols - strip.shape[1]) // 2
    out[: strip.shape[0], x0 : x0 + strip.shape[1]] = strip
    x1 = (cols - hand.shape[1]) // 2
    under = out[y0 : y0 + hand.shape[0], x1 : x1 + hand.shape[1]]
    h = hand.astype(np.float32)
    under[:] = h + under * (1.0 - h[..., 3:4] / 255.0)  # premultiplied "over"
    return u8(out)


def _trim_stump(texture: LayerTexture, elbow: F32, u: F32, half: float) -> LayerTexture:
    """The arm's texture faded out past its elbow (along the upper arm's direction ``u``), where
    the grown forearm's strip takes over: the stump's own end (the table or the frame edge it
    stopped at) showed as a grey patch over the bent strip."""
    h, w = texture.rgba.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    along = (xs - elbow[0]) * u[0] + (ys - elbow[1]) * u[1]
    keep = np.clip(-along / max(STUMP_FADE * half, 1.0), 0.0, 1.0)
    if bool((keep == 1.0).all()):
        return texture
    rgba = u8(texture.rgba.astype(np.float32) * keep[..., None])
    return replace(texture, rgba=rgba)


def close_arm_holes(rig: Rig, texture: LayerTexture, radii: F32) -> LayerTexture:
    """The arm's texture and region with the holes along its upper arm filled in (wall seen
    between the arm and the body, which parts keeps off a raised arm): a grown arm is all
    sleeve, and a hole in it reads as a tear. Before the mesh is built, so that it covers
    them."""
    upper = LIMB_CHAINS[texture.layer][0]
    shoulder, elbow = rig.bone_segment(upper)
    half = NARROW * float(radii[upper])
    rgba = texture.rgba
    h, w = rgba.shape[:2]
    r = int(np.ceil(2.0 * half))
    lo, hi = np.minimum(shoulder, elbow), np.maximum(shoulder, elbow)
    x0, y0 = max(0, int(lo[0]) - r), max(0, int(lo[1]) - r)
    x1, y1 = min(w, int(hi[0]) + r + 1), min(h, int(hi[1]) + r + 1)
    if x1 - x0 < 3 or y1 - y0 < 3:
        return texture
    crop = rgba[y0:y1, x0:x1]
    solid = (crop[..., 3] > 250).astype(np.uint8)
    k = max(3, round(half) | 1)
    closed = cv2.morphologyEx(solid, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    fill = (closed > 0) & (solid == 0)
    if not fill.any() or not solid.any():
        return texture
    # the sleeve's own colour under what is there (the hole's edge pixels are half wall)
    sleeve = np.median(crop[solid > 0, :3].astype(np.float32), axis=0)
    a = crop[..., 3:4].astype(np.float32) / 255.0
    out = rgba.copy()
    patch = out[y0:y1, x0:x1]
    patch[fill, :3] = u8(crop[..., :3].astype(np.float32) + sleeve * (1.0 - a))[fill]
    patch[fill, 3] = 255
    region = texture.region.copy()
    region[y0:y1, x0:x1] |= fill
    return replace(texture, rgba=out, region=region)


def _grid_triangles(n_rows: int, n_cols: int) -> I32:
    """Two triangles per cell of a row-major grid of n_rows x n_cols vertices."""
    r, c = np.meshgrid(np.arange(n_rows - 1), np.arange(n_cols - 1), indexing="ij")
    v = (r * n_cols + c).ravel()
    first = np.stack([v, v + 1, v + n_cols], axis=1)
    second = np.stack([v + 1, v + n_cols + 1, v + n_cols], axis=1)
    return np.concatenate([first, second]).astype(np.int32)  # type: ignore[no-any-return]
