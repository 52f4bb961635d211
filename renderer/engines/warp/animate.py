"""One output frame: skin every layer's mesh, draw the layers back to front over the plate.

All meshes are stacked into one vertex and one triangle array when the renderer is built, so a
frame costs one matrix product for the skinning and one vectorised rasterisation for every
layer together; only the final upsample-remap-composite runs per draw group.

A limb is drawn as two groups, its first bone and the rest of its chain, each with its own
backward map: a forearm folded across its upper arm would otherwise make the map jump inside
one layer, and upsampling across that jump samples the texture between the two (a jagged seam).
The groups overlap in the blend zone around the joint, so no gap opens between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from motionbot.renderer.arrays import F32, I32, U8
from motionbot.renderer.engines.warp.arrays import f32
from motionbot.renderer.engines.warp.eyelids import EyelidPainter
from motionbot.renderer.engines.warp.glasses import GlassesLayer
from motionbot.renderer.engines.warp.mesh import chain_arc, head_shift
from motionbot.renderer.engines.warp.mouth import MouthPainter
from motionbot.renderer.engines.warp.raster import (
    OFF,
    accumulate_alpha,
    grid_roi,
    rasterise,
    to_grid,
    warp_layer,
)
from motionbot.renderer.engines.warp.retarget import Retarget
from motionbot.renderer.engines.warp.rig import HEAD, LIMB_CHAINS, N_BONES, Layer
from motionbot.renderer.engines.warp.subject import Subject

# A triangle joins a limb group when its bones carry at least this much of its weight.
GROUP_WEIGHT = 0.02
# A limb triangle lies across a fold when its corners are more than FOLD_SPAN times its longest
# edge apart along the limb (a forearm resting against its upper arm). Once the fold opens (the
# arm straightens) and the triangle's longest edge has grown past TEAR_STRETCH times its rest
# length, it is left out of that frame: drawn, it would smear the fold's few pixels over the
# gap as a slab with a jagged low-resolution edge.
FOLD_SPAN = 2.0
TEAR_STRETCH = 3.0
# An arm casts its full occlusion shadow once it has moved this many shadow widths over the
# body beneath it (none at rest: the photo has its own shadows).
SHADE_AFTER = 2.0


@dataclass(frozen=True)
class DrawGroup:
    layer: Layer
    texture: int  # index into FrameRenderer.textures
    bones: tuple[int, ...]  # what decides its depth inside its layer
    vertices: I32  # vertex indices, for the group's bounding box


class FrameRenderer:
    """Renders frame ``t`` of a retargeted motion for one prepared subject."""

    def __init__(self, subject: Subject, motion: Retarget, factor: int = 4) -> None:
        self.subject = subject
        self.motion = motion
        self.factor = factor
        w, h = subject.size
        self.grid = (-(-w // factor), -(-h // factor))
        layers = list(subject.layers)
        meshes = [subject.layers[layer][1] for layer in layers]
        self.textures = [subject.layers[layer][0].rgba for layer in layers]
        offsets = np.concatenate([[0], np.cumsum([len(m.rest) for m in meshes])]).astype(np.int32)
        self.rest = np.concatenate([m.rest for m in meshes]).astype(np.float32)
        self.uv = np.concatenate([m.texture_xy for m in meshes]).astype(np.float32)
        self.weights = np.concatenate([m.weights for m in meshes]).astype(np.float32)
        self.bulge = np.concatenate([m.bulge for m in meshes]).astype(np.float32)
        expression = np.concatenate([m.expression for m in meshes], axis=0).astype(np.float32)
        # only the face's vertices take an expression: the product runs over those rows alone
        self._expr_rows = np.flatnonzero(np.abs(expression).max(axis=1, initial=0.0) > 0)
        self._expr_weights = f32(expression[self._expr_rows])
        self._expressive = len(self._expr_rows) > 0 and bool(np.abs(motion.expression).max(initial=0.0) > 0)
        self.mouth = MouthPainter.build(subject, self.rest) if self._expressive else None
        self.eyelids = EyelidPainter.build(subject, self.rest) if self._expressive else None
        face = subject.face
        self.glasses = GlassesLayer.build(subject.photo, face.points, self.rest) if face is not None else None
        if self.glasses is not None and Layer.BODY in layers:
            body = layers.index(Layer.BODY)
            self.textures[body] = self.glasses.strip(self.textures[body])
        block = self.grid[0] * self.grid[1]
        groups: list[DrawGroup] = []
        tris: list[I32] = []
        bones: list[npt.NDArray[np.int32]] = []
        for i, (layer, mesh) in enumerate(zip(layers, meshes, strict=True)):
            tri = (mesh.triangles + offsets[i]).astype(np.int32)
            for members, group_bones in _split(
                layer, mesh.weights[mesh.triangles].mean(axis=1), mesh.grown_from
            ):
                sel = tri[members]
                if len(sel) == 0:
                    continue
                groups.append(DrawGroup(layer, i, group_bones, np.unique(sel).astype(np.int32)))
                tris.append(sel)
                bones.append(mesh.tri_bone[members].astype(np.int32))
        self.groups = groups
        self.triangles = np.concatenate(tris).astype(np.int32)
        self.tri_base = np.concatenate(
            [np.full(len(t), g * block, np.int32) for g, t in enumerate(tris)]
        ).astype(np.int32)
        self.tri_bone = np.concatenate(bones).astype(np.int32)
        rest_edge = _longest_edge(self.rest[self.triangles])
        arc = np.concatenate(
            [chain_arc(subject.rig, layer, mesh.rest) for layer, mesh in zip(layers, meshes, strict=True)]
        ).astype(np.float32)
        self._fold = np.nonzero(np.ptp(arc[self.triangles], axis=1) > FOLD_SPAN * rest_edge)[0]
        self._fold_limit = f32(TEAR_STRETCH * rest_edge[self._fold] / factor)  # in grid px
        is_body = np.concatenate(
            [np.full(len(t), g.layer is Layer.BODY) for g, t in zip(groups, tris, strict=True)]
        )
        # inside a group: body torso first and head over it; limbs by the performer's depth
        self._body_tri = is_body
        self._body_key = -1e6 - self.tri_bone.astype(np.float32)
        self._maps = np.empty((len(groups) * block, 2), np.float32)
        self._shade_sigma = max(2.0, 0.012 * max(w, h))
        self._beneath = _nearest_body(groups, self.rest)

    def draw_order(self, t: int) -> list[int]:
        """Group indices, farthest first: layers by the performer's depth (the body's key is 0,
        ties draw the body first), then a limb's two groups by their bones' depth."""
        layer_keys = self.motion.layer_keys[t]
        bone_keys = self.motion.bone_keys[t]

        def key(g: int) -> tuple[float, bool, float]:
            grp = self.groups[g]
            inner = float(np.mean(bone_keys[list(grp.bones)])) if grp.layer is not Layer.BODY else 0.0
            return (-float(layer_keys[grp.layer]), grp.layer is not Layer.BODY, -inner)

        return sorted(range(len(self.groups)), key=key)

    def deformed(self, t: int) -> F32:
        """Every vertex for frame ``t``, in output pixels (linear blend skinning)."""
        transforms = self.motion.transforms[t]
        blended = self.weights @ transforms.reshape(N_BONES, 6)
        x, y = self.rest[:, 0], self.rest[:, 1]
        pts = np.empty_like(self.rest)
        pts[:, 0] = blended[:, 0] * x + blended[:, 1] * y + blended[:, 2]
        pts[:, 1] = blended[:, 3] * x + blended[:, 4] * y + blended[:, 5]
        turn = self.motion.head_turn[t]
        if turn[0] != 0.0 or turn[1] != 0.0:
            lin = transforms[HEAD, :, :2]
            shift = lin @ head_shift(self.subject.rig, f32(turn[None]))[0]
            pts += self.bulge[:, None] * shift[None, :]
        if self._expressive:
            lin = transforms[HEAD, :, :2]
            local = self._expr_weights @ self.motion.expression[t]  # (face vertices, 2)
            pts[self._expr_rows] += local @ lin.T  # the expression turns and scales with the head
        return pts

    def torn(self, grid_pts: F32) -> npt.NDArray[np.intp]:
        """Triangles across a fold that has opened in this frame (``grid_pts``: the deformed
        vertices in grid px): they are left out of it."""
        if not len(self._fold):
            return self._fold
        stretched = _longest_edge(grid_pts[self.triangles[self._fold]]) > self._fold_limit
        return self._fold[stretched]

    def render(self, t: int, matte: U8 | None = None) -> U8:
        """Frame ``t`` over the subject's background; ``matte`` (canvas-sized, zeroed by the
        caller) receives the union of the drawn layers' alpha, for a transparent output."""
        frame = self.subject.background.copy()
        deformed = self.deformed(t)
        pts = to_grid(deformed, self.factor)
        keys = np.where(self._body_tri, self._body_key, self.motion.bone_keys[t][self.tri_bone])
        order = np.argsort(-keys, kind="stable")
        torn = self.torn(pts)
        if len(torn):
            drop = np.zeros(len(keys), bool)
            drop[torn] = True
            order = order[~drop[order]]
        self._maps.fill(OFF)
        rasterise(pts, self.uv, self.triangles[order], self.tri_base[order], self.grid, self._maps)
        gw, gh = self.grid
        maps = self._maps.reshape(len(self.groups), gh, gw, 2)
        body: U8 | None = None  # the body's alpha once drawn: arms in front of it shade it
        for g in self.draw_order(t):
            grp = self.groups[g]
            roi = grid_roi(pts[grp.vertices], self.grid)
            if roi is None:
                continue
            arm = grp.layer in (Layer.L_ARM, Layer.R_ARM)
            shade = None
            if arm and body is not None:
                # how far the arm moved over the body beneath it (a hand held to a turning face
                # casts no new shadow on it)
                near = self._beneath[g]
                own = deformed[grp.vertices] - self.rest[grp.vertices]
                moved = float(np.abs(own - (deformed[near] - self.rest[near])).mean())
                shade = (body, self._shade_sigma, min(1.0, moved / (SHADE_AFTER * self._shade_sigma)))
            alpha, (x0, y0) = warp_layer(
                frame, self.textures[grp.texture], maps[g], roi, self.factor, shade, soften=arm
            )
            if matte is not None:
                accumulate_alpha(matte, alpha, (x0, y0))
            if grp.layer is Layer.BODY:
                body = np.zeros(frame.shape[:2], np.uint8)
                body[y0 : y0 + alpha.shape[0], x0 : x0 + alpha.shape[1]] = alpha
                # inside the face, under any arm in front of it
                if self.mouth is not None:
                    self.mouth.paint(frame, deformed, self.motion.teeth[t])
                if self.eyelids is not None:
                    self.eyelids.paint(frame, deformed)
                if self.glasses is not None:
                    self.glasses.paint(frame, deformed)
        return frame


def _nearest_body(groups: list[DrawGroup], rest: F32) -> dict[int, I32]:
    """For each arm group, the body vertex nearest each of its vertices at rest (an arm shades
    only a body drawn beneath it: with no body there is nothing to find)."""
    body = [g for g in groups if g.layer is Layer.BODY]
    if not body:
        return {}
    tree = cKDTree(rest[body[0].vertices])
    out: dict[int, I32] = {}
    for i, g in enumerate(groups):
        if g.layer in (Layer.L_ARM, Layer.R_ARM):
            _, near = tree.query(rest[g.vertices])
            out[i] = body[0].vertices[near].astype(np.int32)
    return out


def _longest_edge(tri: F32) -> F32:
    """Longest edge of each triangle (m, 3, 2)."""
    e = np.linalg.norm(tri - np.roll(tri, 1, axis=1), axis=2)
    return f32(e.max(axis=1))


def _split(
    layer: Layer, tri_weights: F32, grown_from: int | None = None
) -> list[tuple[npt.NDArray[np.bool_], tuple[int, ...]]]:
    """A layer's triangles as draw groups: (member mask, bones).

    A grown part (a forearm strip sampled from below the photo's texture) is a group of its
    own: sharing a map with the photo's own triangles where they overlap, upsampling would
    blend texture positions from both and sample the empty texture between them as holes.
    """
    n = len(tri_weights)
    if layer is Layer.BODY:
        return [(np.ones(n, bool), ())]
    first, *rest = LIMB_CHAINS[layer]
    lower = tri_weights[:, rest].sum(axis=1) if rest else np.zeros(n, np.float32)
    own = np.ones(n, bool)
    if grown_from is not None:
        own[grown_from:] = False
    groups = [(own & (lower < 1.0 - GROUP_WEIGHT), (first,)), (own & (lower > GROUP_WEIGHT), tuple(rest))]
    if not own.all():
        groups.append((~own, tuple(rest)))
    return groups
