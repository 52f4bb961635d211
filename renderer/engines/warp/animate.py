"""One output frame: skin every layer's mesh, draw the layers back to front over the plate.

All layers' meshes are stacked into one vertex and one triangle array when the renderer is
built, so a frame costs one matrix product for the skinning and one vectorised rasterisation
for every layer together; only the final upsample-remap-composite runs per layer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from motionbot.renderer.engines.warp.raster import OFF, grid_roi, rasterise, to_grid, warp_layer
from motionbot.renderer.engines.warp.retarget import Retarget
from motionbot.renderer.engines.warp.rig import HEAD, N_BONES, Layer
from motionbot.renderer.engines.warp.subject import Subject

F32 = npt.NDArray[np.float32]
U8 = npt.NDArray[np.uint8]

# How far the face centre slides, in head radii, at a full sideways turn.
HEAD_TURN_SHIFT = 0.35


class FrameRenderer:
    """Renders frame ``t`` of a retargeted motion for one prepared subject."""

    def __init__(self, subject: Subject, motion: Retarget, factor: int = 4) -> None:
        self.subject = subject
        self.motion = motion
        self.factor = factor
        w, h = subject.size
        self.grid = (-(-w // factor), -(-h // factor))
        self.layers = list(subject.layers)
        meshes = [subject.layers[layer][1] for layer in self.layers]
        self.textures = [subject.layers[layer][0].rgba for layer in self.layers]
        counts = [len(m.rest) for m in meshes]
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
        self.vert_ranges = [(int(offsets[i]), int(offsets[i + 1])) for i in range(len(meshes))]
        self.rest = np.concatenate([m.rest for m in meshes]).astype(np.float32)
        self.weights = np.concatenate([m.weights for m in meshes]).astype(np.float32)
        self.bulge = np.concatenate([m.bulge for m in meshes]).astype(np.float32)
        self.triangles = np.concatenate([m.triangles + offsets[i] for i, m in enumerate(meshes)]).astype(
            np.int32
        )
        block = self.grid[0] * self.grid[1]
        self.tri_base = np.concatenate(
            [np.full(len(m.triangles), i * block, np.int32) for i, m in enumerate(meshes)]
        )
        self.tri_bone = np.concatenate([m.tri_bone for m in meshes]).astype(np.int32)
        is_body = np.concatenate(
            [
                np.full(len(m.triangles), layer is Layer.BODY)
                for layer, m in zip(self.layers, meshes, strict=True)
            ]
        )
        self._body_tri = is_body
        # body: torso first, head over it; limbs: by the performer's depth, per frame
        self._body_key = -1e6 - self.tri_bone.astype(np.float32)
        self._maps = np.empty((len(self.layers) * block, 2), np.float32)

    def layer_order(self, t: int) -> list[int]:
        """Indices into ``self.layers``, farthest first (the body's key is 0; ties draw the body first)."""
        keys = self.motion.layer_keys[t]
        idx = range(len(self.layers))
        return sorted(idx, key=lambda i: (-float(keys[self.layers[i]]), self.layers[i] is not Layer.BODY))

    def deformed(self, t: int) -> F32:
        """Every layer's vertices for frame ``t``, in output pixels (linear blend skinning)."""
        transforms = self.motion.transforms[t]
        blended = self.weights @ transforms.reshape(N_BONES, 6)
        x, y = self.rest[:, 0], self.rest[:, 1]
        pts = np.empty_like(self.rest)
        pts[:, 0] = blended[:, 0] * x + blended[:, 1] * y + blended[:, 2]
        pts[:, 1] = blended[:, 3] * x + blended[:, 4] * y + blended[:, 5]
        turn = self.motion.head_turn[t]
        if turn[0] != 0.0 or turn[1] != 0.0:
            lin = transforms[HEAD, :, :2]
            shift = (lin @ turn.astype(np.float32)) * (HEAD_TURN_SHIFT * self.subject.rig.head_radius)
            pts += self.bulge[:, None] * shift[None, :]
        return pts

    def render(self, t: int) -> U8:
        frame = self.subject.background.copy()
        pts = to_grid(self.deformed(t), self.factor)
        keys = np.where(self._body_tri, self._body_key, self.motion.bone_keys[t][self.tri_bone])
        order = np.argsort(-keys, kind="stable")
        self._maps.fill(OFF)
        rasterise(pts, self.rest, self.triangles[order], self.tri_base[order], self.grid, self._maps)
        gw, gh = self.grid
        maps = self._maps.reshape(len(self.layers), gh, gw, 2)
        for i in self.layer_order(t):
            a, b = self.vert_ranges[i]
            roi = grid_roi(pts[a:b], self.grid)
            if roi is not None:
                warp_layer(frame, self.textures[i], maps[i], roi, self.factor)
        return frame
