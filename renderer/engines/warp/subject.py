"""Everything the warp engine learns from one photo, computed once before the first frame."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.engines.warp.arrays import f32
from motionbot.renderer.engines.warp.face import MIN_FACE_SHARE, FaceRig
from motionbot.renderer.engines.warp.framing import Canvas, plan_canvas
from motionbot.renderer.engines.warp.matte import background_plate, fill_holes, make_background, refine_matte
from motionbot.renderer.engines.warp.mesh import LayerMesh, build_mesh
from motionbot.renderer.engines.warp.parts import LayerTexture, bone_radii, label_parts, layer_textures
from motionbot.renderer.engines.warp.rig import Layer, Rig, fit_rig

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Subject:
    canvas: Canvas
    rig: Rig
    background: U8  # canvas-sized still under the subject
    layers: dict[Layer, tuple[LayerTexture, LayerMesh]]
    alpha: F32  # refined matte on the canvas
    photo: U8  # the photo on the canvas
    face: FaceRig | None = None  # the face, when large enough for expressions

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


def prepare_subject(
    rgb: U8,
    keypoints: F32,
    soft_mask: F32,
    *,
    background: str,
    aspect: str,
    long_side: int,
    face_landmarks: F32 | None = None,
) -> Subject | None:
    """Matte, plate, rig, layers and meshes for one photo; None when the mask holds no one."""
    ph, pw = rgb.shape[:2]
    if soft_mask.shape != (ph, pw):
        soft_mask = f32(cv2.resize(soft_mask, (pw, ph), interpolation=cv2.INTER_LINEAR))
    box = subject_box(soft_mask)
    if box is None:
        return None
    canvas = plan_canvas(pw, ph, box, aspect, long_side)
    photo = canvas.warp_rgb(rgb)
    outside = canvas.outside(pw, ph)
    soft = canvas.warp_mask(soft_mask)
    soft[outside] = 0.0
    if outside.any():
        photo = fill_holes(photo, outside)
    alpha = refine_matte(photo, soft)
    if float(alpha.mean()) < 0.002:
        return None
    kp = keypoints.copy()
    xy = canvas.photo_to_canvas(kp[:, :2] * np.array([pw, ph], np.float32))
    kp[:, :2] = xy / np.array([canvas.width, canvas.height], np.float32)
    kp[:, 2] = kp[:, 2] * pw * canvas.scale / canvas.width
    rig = fit_rig(kp, canvas.width, canvas.height)
    radii = bone_radii(rig, alpha)
    labels = label_parts(rig, alpha, radii)
    textures = layer_textures(photo, alpha, labels, rig)
    spacing = max(6.0, max(canvas.width, canvas.height) / 80.0)
    face = None
    if face_landmarks is not None:
        face = FaceRig(canvas.photo_to_canvas(face_landmarks[:, :2] * np.array([pw, ph], np.float32)))
        if face.height < MIN_FACE_SHARE * canvas.height:
            face = None  # too small for an expression to show
    layers: dict[Layer, tuple[LayerTexture, LayerMesh]] = {}
    for tex in textures:
        mesh = build_mesh(rig, tex.layer, tex.region, radii, spacing, face)
        if len(mesh.triangles):
            layers[tex.layer] = (tex, mesh)
    plate = background_plate(photo, alpha) if background in ("photo", "blur") else photo
    return Subject(
        canvas=canvas,
        rig=rig,
        background=make_background(background, plate),
        layers=layers,
        alpha=alpha,
        photo=photo,
        face=face,
    )
