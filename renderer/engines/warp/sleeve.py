"""A forearm for an arm whose forearm the photo hides, grown from the arm's own sleeve.

In a photo cut at the waist the pose network often sees an upper arm but not its forearm
(resting on a table under the other arm, or below the frame). Rigged as seen, that arm moves
as a stump ending at the elbow: a person reads it as a broken arm, the pose detector as a short
whole arm with its elbow halfway. The stump is continued past the elbow by a copy of the upper
arm's sleeve, turned end for end so the elbow's pixels meet, narrowed a little, on a forearm
bone that follows the performer's forearm.

Full-body photos keep their own treatment (a hidden forearm there is in a pocket or behind the
back and moves with its upper arm; see parts._hidden_forearm).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from motionbot.renderer.engines.warp.arrays import f32
from motionbot.renderer.engines.warp.face import N_EXPRESSIONS
from motionbot.renderer.engines.warp.mesh import LayerMesh, chain_weights
from motionbot.renderer.engines.warp.rig import BONES, LIMB_CHAINS, Layer, Rig

F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]

# Elbow to wrist over shoulder to elbow, and forearm width over upper-arm width, for most adults.
FOREARM_RATIO = 0.8
NARROW = 0.85
# The copied sleeve starts this share of the upper arm below the shoulder: the cap above it
# belongs to the torso, and its cut edge would end the forearm in a straight line.
COPY_FROM = 0.3
ARMS = (Layer.L_ARM, Layer.R_ARM)


def grown_forearms(rig: Rig, radii: F32) -> tuple[Rig, F32]:
    """The rig with a forearm bone (straight on from the elbow) for every upper arm of a
    photo cut at the waist whose forearm is not rigged, and the bone radii to go with it."""
    if not rig.pinned_bottom:
        return rig, radii
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


def add_sleeve(photo_rig: Rig, rig: Rig, layer: Layer, mesh: LayerMesh, radii: F32) -> LayerMesh:
    """``mesh`` (built on ``rig``) with the grown forearm's triangles added when ``rig`` grew
    this layer's forearm (``photo_rig`` is the rig the photo showed)."""
    if layer not in ARMS:
        return mesh
    upper, fore, _hand = LIMB_CHAINS[layer]
    if photo_rig.rigged[fore] or not rig.rigged[fore]:
        return mesh
    shoulder, elbow = rig.bone_segment(upper)
    length = max(float(np.linalg.norm(elbow - shoulder)), 1.0)
    u = (elbow - shoulder) / length
    n = np.array([-u[1], u[0]], np.float32)
    rel = mesh.rest - elbow
    along, across = rel @ u, rel @ n  # along < 0 on the upper arm
    centre = along[mesh.triangles].mean(axis=1)
    pick = (mesh.tri_bone == upper) & (centre > -(1.0 - COPY_FROM) * length) & (centre < 0.0)
    if not pick.any():
        return mesh
    tris = mesh.triangles[pick]
    used = np.unique(tris)
    remap = np.full(len(mesh.rest), -1, np.int32)
    remap[used] = np.arange(len(used), dtype=np.int32)
    stretch = FOREARM_RATIO / (1.0 - COPY_FROM)
    # turned end for end about the elbow: the sleeve's elbow end stays at the elbow
    rest = f32(
        elbow[None, :]
        + np.maximum(-along[used], 0.0)[:, None] * stretch * u[None, :]
        - across[used][:, None] * NARROW * n[None, :]
    )
    weights = chain_weights(rig, layer, rest, radii)
    new_tris = (remap[tris] + len(mesh.rest)).astype(np.int32)
    all_weights = np.concatenate([mesh.weights, weights]).astype(np.float32)
    tri_bone = np.argmax(all_weights[new_tris].mean(axis=1), axis=1).astype(np.int16)
    return LayerMesh(
        layer=layer,
        rest=f32(np.concatenate([mesh.rest, rest])),
        triangles=np.concatenate([mesh.triangles, new_tris]).astype(np.int32),
        weights=all_weights,
        tri_bone=np.concatenate([mesh.tri_bone, tri_bone]).astype(np.int16),
        bulge=f32(np.concatenate([mesh.bulge, np.zeros(len(rest), np.float32)])),
        expression=f32(
            np.concatenate([mesh.expression, np.zeros((N_EXPRESSIONS, len(rest), 2), np.float32)], axis=1)
        ),
        uv=f32(np.concatenate([mesh.texture_xy, mesh.texture_xy[used]])),
    )
