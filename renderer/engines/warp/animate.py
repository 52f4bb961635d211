"""One output frame: skin every layer's mesh, draw the layers back to front over the plate."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from motionbot.renderer.engines.warp.mesh import LayerMesh
from motionbot.renderer.engines.warp.raster import draw_layer
from motionbot.renderer.engines.warp.retarget import Retarget
from motionbot.renderer.engines.warp.rig import HEAD, N_BONES, Layer
from motionbot.renderer.engines.warp.subject import Subject

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]

# How far the face centre slides, in head radii, at a full sideways turn.
HEAD_TURN_SHIFT = 0.35


def skin(mesh: LayerMesh, transforms: F32) -> F32:
    """Linear blend skinning: (n, 2) deformed vertices for (N_BONES, 2, 3) bone affines."""
    blended = mesh.weights @ transforms.reshape(N_BONES, 6)  # (n, 6)
    x, y = mesh.rest[:, 0], mesh.rest[:, 1]
    out = np.empty_like(mesh.rest)
    out[:, 0] = blended[:, 0] * x + blended[:, 1] * y + blended[:, 2]
    out[:, 1] = blended[:, 3] * x + blended[:, 4] * y + blended[:, 5]
    return out


class FrameRenderer:
    """Renders frame ``t`` of a retargeted motion for one prepared subject."""

    def __init__(self, subject: Subject, motion: Retarget, factor: int = 4) -> None:
        self.subject = subject
        self.motion = motion
        self.factor = factor
        self._head_radius = subject.rig.head_radius

    def layer_order(self, t: int) -> list[Layer]:
        keys = self.motion.layer_keys[t]
        present = list(self.subject.layers)
        # larger key = farther = drawn first; the body's key is 0, ties keep the body first
        return sorted(present, key=lambda layer: (-float(keys[layer]), int(layer) != 0))

    def deformed(self, layer: Layer, t: int) -> F32:
        mesh = self.subject.layers[layer][1]
        transforms = self.motion.transforms[t]
        pts = skin(mesh, transforms)
        if layer is Layer.BODY and mesh.bulge.any():
            turn = self.motion.head_turn[t]
            if turn[0] != 0.0 or turn[1] != 0.0:
                lin = transforms[HEAD, :, :2]
                shift = (lin @ turn.astype(np.float32)) * (HEAD_TURN_SHIFT * self._head_radius)
                pts = pts + mesh.bulge[:, None] * shift[None, :]
        return pts

    def triangles(self, layer: Layer, t: int) -> npt.NDArray[np.int32]:
        mesh = self.subject.layers[layer][1]
        if layer is Layer.BODY:
            keys = -mesh.tri_bone.astype(np.float32)  # torso first, head over it
        else:
            keys = self.motion.bone_keys[t][mesh.tri_bone]
        order = np.argsort(-keys, kind="stable")
        return mesh.triangles[order]

    def render(self, t: int) -> U8:
        frame = self.subject.background.copy()
        for layer in self.layer_order(t):
            tex, mesh = self.subject.layers[layer]
            draw_layer(
                frame, tex.rgba, self.deformed(layer, t), mesh.rest, self.triangles(layer, t), self.factor
            )
        return frame
