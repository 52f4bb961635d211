"""Everything the warp engine learns from one photo, computed once before the first frame."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.arrays import F32, U8
from motionbot.renderer.engines.warp.arrays import f32, u8
from motionbot.renderer.engines.warp.face import MIN_FACE_SHARE, FaceRig
from motionbot.renderer.engines.warp.framing import Canvas, plan_canvas
from motionbot.renderer.engines.warp.hand import drawn_hand
from motionbot.renderer.engines.warp.matte import background_plate, make_background, refine_matte
from motionbot.renderer.engines.warp.mesh import LayerMesh, build_mesh
from motionbot.renderer.engines.warp.parts import LayerTexture, bone_radii, label_parts, layer_textures
from motionbot.renderer.engines.warp.rig import LIMB_CHAINS, J, Layer, Rig, fit_rig
from motionbot.renderer.engines.warp.skirt import with_skirt
from motionbot.renderer.engines.warp.sleeve import (
    add_sleeve,
    close_arm_holes,
    grown_forearms,
    grows_forearm,
    mirrored_hand,
)
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.model import Motion


@dataclass(frozen=True)
class Subject:
    canvas: Canvas
    rig: Rig
    background: U8  # canvas-sized still under the subject
    layers: dict[Layer, tuple[LayerTexture, LayerMesh]]
    alpha: F32  # refined matte on the canvas
    photo: U8  # the photo on the canvas
    face: FaceRig | None = None  # the face, when large enough for expressions
    shown: npt.NDArray[np.bool_] | None = None  # bones the photo shows, where the rig grew more

    @property
    def shown_bones(self) -> npt.NDArray[np.bool_]:
        """Which bones the photo itself shows (a grown forearm moves but was never seen)."""
        return self.rig.rigged if self.shown is None else self.shown

    @property
    def size(self) -> tuple[int, int]:
        return self.canvas.width, self.canvas.height

    @property
    def framing(self) -> str:
        if self.rig.has_legs:
            return "full_body"
        if self.face is not None and self.face.height >= 0.25 * self.canvas.height:
            return "face"
        if self.rig.rigged[3] or self.rig.rigged[6] or self.rig.shoulder_width < 0.6 * self.canvas.width:
            return "half_body"
        return "face"


def subject_box(mask: F32, threshold: float = 0.5) -> tuple[float, float, float, float] | None:
    ys, xs = np.nonzero(mask > threshold)
    if len(xs) == 0:
        return None
    return float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)


_ARMS = (
    (L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_INDEX),
    (L.RIGHT_SHOULDER, L.LEFT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST, L.RIGHT_INDEX),
)


def _arm_frames(motion: Motion) -> Iterator[tuple[F32, tuple[int, ...], float]]:
    """Per arm seen in enough frames: its landmarks' pixels in those frames, the landmark
    ids (shoulder, other shoulder, elbow, wrist, hand) and the performer's full arm length
    (95th percentile of shoulder to hand)."""
    kp = motion.keypoints
    xy = kp[..., :2] * np.array([motion.width, motion.height], np.float32)
    for ids in _ARMS:
        sh, _other, el, wr, hand = ids
        seen = kp[:, [sh, el, wr], 3].min(axis=1) >= 0.5
        if seen.sum() < 3:
            continue
        p = xy[seen]
        length = (
            np.linalg.norm(p[:, el] - p[:, sh], axis=1)
            + np.linalg.norm(p[:, wr] - p[:, el], axis=1)
            + np.linalg.norm(p[:, hand] - p[:, wr], axis=1)
        )
        yield p, tuple(int(i) for i in ids), max(float(np.percentile(length, 95)), 1e-3)


def arm_extent(motion: Motion) -> tuple[float, float]:
    """How far the performer's arms go above and below their shoulders, in arm lengths.

    The 98th percentile over the frames of the highest and lowest of elbow, wrist and hand,
    relative to the shoulder, over the performer's full arm length (shoulder to hand): a clip
    that never raises the arms needs no room above the head.
    """
    up = down = 0.0
    for p, (sh, _other, el, wr, hand), full in _arm_frames(motion):
        ys = p[:, [el, wr, hand], 1]
        up = max(up, float(np.percentile(p[:, sh, 1] - ys.min(axis=1), 98)) / full)
        down = max(down, float(np.percentile(ys.max(axis=1) - p[:, sh, 1], 98)) / full)
    return float(np.clip(up, 0.0, 1.0)), float(np.clip(down, 0.0, 1.0))


def arm_side_extent(motion: Motion) -> float:
    """How far the performer's hands go out sideways past their shoulders, in arm lengths.

    The 98th percentile over the frames of the outermost of elbow, wrist and hand (away from
    the body's middle) relative to the shoulder, over the full arm length (arm_extent's).
    """
    out = 0.0
    for p, (sh, other, el, wr, hand), full in _arm_frames(motion):
        away = np.sign(p[:, sh, 0] - p[:, other, 0])[:, None]  # +1 where outward is +x
        reach = ((p[:, [el, wr, hand], 0] - p[:, sh, 0][:, None]) * away).max(axis=1)
        out = max(out, float(np.percentile(reach, 98)) / full)
    return float(np.clip(out, 0.0, 1.0))


def arm_side_reach(rig: Rig, side: float) -> tuple[float, float] | None:
    """How far left and right (x) the hands could go, for a photo cut at the waist; else None.

    ``side`` is how far out the motion takes the arms, in arm lengths (arm_side_extent).
    """
    length = _arm_length(rig) if rig.pinned_bottom else 0.0
    if length == 0.0 or side <= 0.0:
        return None
    xs = (float(rig.joints[J.L_SHOULDER, 0]), float(rig.joints[J.R_SHOULDER, 0]))
    return min(xs) - side * length, max(xs) + side * length


def _arm_length(rig: Rig) -> float:
    """The longer arm, shoulder to fingertips; a part the photo hides taken as a usual one."""
    reach = 0.0
    for chain in (LIMB_CHAINS[Layer.L_ARM], LIMB_CHAINS[Layer.R_ARM]):
        upper, fore, hand = chain
        if not rig.rigged[upper]:
            continue
        length = rig.bone_length(upper)
        length += rig.bone_length(fore) if rig.rigged[fore] else 0.75 * length
        length += 2.0 * rig.bone_length(hand) if rig.rigged[hand] else 0.3 * rig.bone_length(upper)
        reach = max(reach, length)
    return reach


def arm_reach(rig: Rig, extent: tuple[float, float] = (1.0, 1.0)) -> tuple[float, float] | None:
    """How high and how low (y) the hands could go, for a photo cut at the waist; else None.

    ``extent`` is how far up and down the motion takes the arms, in arm lengths (arm_extent).
    A forearm or hand the photo hides is taken as long as a usual one (0.75 upper arm).
    """
    if not rig.pinned_bottom:
        return None
    reach = _arm_length(rig)
    if reach == 0.0:
        return None
    top = min(float(rig.joints[J.L_SHOULDER, 1]), float(rig.joints[J.R_SHOULDER, 1]))
    bottom = max(float(rig.joints[J.L_SHOULDER, 1]), float(rig.joints[J.R_SHOULDER, 1]))
    return top - extent[0] * reach, bottom + extent[1] * reach


def framed_on_backdrop(
    rgb: U8, soft_mask: F32, photo: U8, outside: npt.NDArray[np.bool_], person: F32 | None = None
) -> U8:
    """Fill the canvas around a photo that does not cover it with the photo's background
    (the person removed), mirrored out at the photo's edges and blurred, and feather the
    photo's edge into it.

    Room made around a photo (a half-body photo shrunk so raised or hanging arms stay in the
    frame) has nothing real to show: continuing its edge pixels smeared a flag or a cut torso
    across the padding, and a blurred copy of the whole photo put a giant ghost of the person
    behind them, and an enlarged blurred copy of the background left the photo's outline as a
    sharp box inside it. A soft, mirrored continuation of their own surroundings reads as the
    room they stand in, and the pose detector reads the arms moving over it well.

    ``person`` (the person's matte on the canvas) is kept out of the feather: a sleeve that the
    photo's edge cuts would otherwise carry a grey band of backdrop along it when the arm moves.
    """
    height, width = outside.shape
    ph, pw = rgb.shape[:2]
    ys, xs = np.nonzero(~outside)
    if len(xs) == 0:
        return photo
    x0, y0 = float(xs.min()), float(ys.min())
    s = max((float(xs.max()) + 1.0 - x0) / pw, (float(ys.max()) + 1.0 - y0) / ph)
    # the plate at about 1/8 of the canvas, and never below 64 px (a small photo's hole would
    # swallow it whole)
    step = float(np.clip(max(pw, ph) * s / 64.0, 1.0, 8.0))
    small_size = (max(2, round(pw * s / step)), max(2, round(ph * s / step)))
    plate = background_plate(
        u8(cv2.resize(rgb, small_size, interpolation=cv2.INTER_AREA)),
        f32(cv2.resize(soft_mask, small_size, interpolation=cv2.INTER_LINEAR)),
    )
    # mirrored at the photo's edges, the surroundings meet the photo in its own colours
    move = np.array([[1.0, 0.0, x0 / step], [0.0, 1.0, y0 / step]], np.float32)
    around = (max(2, int(np.ceil(width / step))), max(2, int(np.ceil(height / step))))
    small = cv2.warpAffine(plate, move, around, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    small = cv2.GaussianBlur(small, (0, 0), sigmaX=0.03 * max(around))
    big_size = (int(np.ceil(around[0] * step)), int(np.ceil(around[1] * step)))
    big = cv2.resize(small, big_size, interpolation=cv2.INTER_LINEAR)
    back = big[:height, :width].astype(np.float32)
    feather = max(2.0, 0.06 * max(width, height))
    inside = cv2.distanceTransform((~outside).astype(np.uint8), cv2.DIST_L2, 3)
    w = np.clip(inside / feather, 0.0, 1.0)
    if person is not None:
        w = np.maximum(w, np.where(outside, 0.0, person))
    w = w[..., None]
    return u8(photo.astype(np.float32) * w + back * (1.0 - w))


def _at_size(mask: F32, width: int, height: int) -> F32:
    if mask.shape == (height, width):
        return mask
    return f32(cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR))


def _keep_others(plate: U8, photo: U8, others: F32, alpha: F32) -> U8:
    """The plate with the people who stay put as the photo has them: the moving person's hole
    grows past their matte to take its halo, and filled there, a bystander beside them came
    out smeared. Where the moving person's matte is, the fill stays (they leave that spot)."""
    keep = (others > 0.5) & (alpha < 0.05)
    return u8(np.where(keep[..., None], photo, plate))


def prepare_subject(
    rgb: U8,
    keypoints: F32,
    soft_mask: F32,
    *,
    background: str,
    aspect: str,
    long_side: int,
    face_landmarks: F32 | None = None,
    extent: tuple[float, float] = (1.0, 1.0),
    side: float = 0.0,
    must_show: tuple[float, float, float, float] | None = None,
    others: F32 | None = None,
) -> Subject | None:
    """Matte, plate, rig, layers and meshes for one photo; None when the mask holds no one.

    ``others`` (a mask of the people who do not move, any size) keeps them in the background
    plate as the photo shows them: only the moving person's own hole is filled.

    ``extent`` (arm_extent of the motion to come) sizes the room a half-body photo gets above
    and below, ``side`` (arm_side_extent) how much wider its canvas grows; ``must_show`` (a
    photo-px box, motion_extent's) replaces both with where the motion takes the subject.
    """
    ph, pw = rgb.shape[:2]
    if soft_mask.shape != (ph, pw):
        soft_mask = f32(cv2.resize(soft_mask, (pw, ph), interpolation=cv2.INTER_LINEAR))
    box = subject_box(soft_mask)
    if box is None:
        return None
    photo_rig = fit_rig(keypoints, pw, ph)
    canvas = plan_canvas(
        pw, ph, box, aspect, long_side, arm_reach(photo_rig, extent), arm_side_reach(photo_rig, side),
        must_show, photo_rig.pinned_bottom,
    )  # fmt: skip
    photo = canvas.warp_rgb(rgb)
    outside = canvas.outside(pw, ph)
    soft = canvas.warp_mask(soft_mask)
    if outside.any():
        photo = framed_on_backdrop(rgb, soft_mask, photo, outside, soft)
    soft[outside] = 0.0
    alpha = refine_matte(photo, soft)
    if float(alpha.mean()) < 0.002:
        return None
    kp = keypoints.copy()
    xy = canvas.photo_to_canvas(kp[:, :2] * np.array([pw, ph], np.float32))
    kp[:, :2] = xy / np.array([canvas.width, canvas.height], np.float32)
    kp[:, 2] = kp[:, 2] * pw * canvas.scale / canvas.width
    corner0, corner1 = canvas.photo_to_canvas(np.array([[0.0, 0.0], [pw, ph]], np.float32))
    box_c = (float(corner0[0]), float(corner0[1]), float(corner1[0]), float(corner1[1]))
    rig = with_skirt(fit_rig(kp, canvas.width, canvas.height, box_c), alpha)
    radii = bone_radii(rig, alpha)
    labels = label_parts(rig, alpha, radii)
    textures = layer_textures(photo, alpha, labels, rig, outside)
    spacing = max(6.0, max(canvas.width, canvas.height) / 80.0)
    face = None
    if face_landmarks is not None:
        face = FaceRig(
            canvas.photo_to_canvas(face_landmarks[:, :2] * np.array([pw, ph], np.float32)),
            f32(face_landmarks[:, 2] * pw * canvas.scale),
        )
        if face.height < MIN_FACE_SHARE * canvas.height:
            face = None  # too small for an expression to show
    # the photo's pixels are labelled by what it shows; the meshes move on the grown rig
    limb_rig, limb_radii = grown_forearms(rig, radii)
    layers: dict[Layer, tuple[LayerTexture, LayerMesh]] = {}
    for tex in textures:
        grows = grows_forearm(rig, limb_rig, tex.layer)
        if grows:
            tex = close_arm_holes(limb_rig, tex, limb_radii)
        mesh = build_mesh(limb_rig, tex.layer, tex.region, limb_radii, spacing, face)
        if grows:
            hand = mirrored_hand(rig, textures, labels, tex.layer)
            if hand is None:  # neither hand in view: one drawn in the face's skin colour
                hand = drawn_hand(rig, textures, tex.layer)
            tex, mesh = add_sleeve(rig, limb_rig, tex, mesh, limb_radii, spacing, hand)
        if len(mesh.triangles):
            layers[tex.layer] = (tex, mesh)
    plate = background_plate(photo, alpha) if background in ("photo", "blur") else photo
    if others is not None and background in ("photo", "blur"):
        plate = _keep_others(plate, photo, canvas.warp_mask(_at_size(others, pw, ph)), alpha)
    return Subject(
        canvas=canvas,
        rig=limb_rig,
        background=make_background(background, plate),
        layers=layers,
        alpha=alpha,
        photo=photo,
        face=face,
        shown=None if limb_rig is rig else rig.rigged,
    )
