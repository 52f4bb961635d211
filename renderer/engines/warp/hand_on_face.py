"""A hand resting on the face moves with the face when the motion does not move that arm.

A face close-up drives no arm. A photo with a hand at the chin or on the cheek would keep the
hand where the torso carries it while the head turns and the face under it moves: the hand
slides across the face and uncovers what the photo never showed (a grey hole in the cheek).
Here the hand moves with the head, and so does the body under the palm (a jaw, a neck), fading
back to the body's own weights around it; the forearm stretches from the elbow, where the
torso carries it, to the wrist, so the arm stays whole.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt
from scipy.spatial import cKDTree

from motionbot.renderer.engines.warp.affine import apply, bone_affine
from motionbot.renderer.engines.warp.retarget import Retarget
from motionbot.renderer.engines.warp.rig import BONES, HEAD, LIMB_CHAINS, TORSO, J, Layer, Rig
from motionbot.renderer.engines.warp.subject import Subject

# A hand this close to the head's centre, in head radii, rests on the face.
HAND_ON_FACE = 1.6
# Past the palm's edge, over this many head radii, the body under it hands back to its own weights.
FEATHER = 0.35


def hands_on_face(subject: Subject, moves: Retarget) -> tuple[Subject, Retarget]:
    """The subject and ``moves`` with every undriven hand that rests on the face carried by the
    head, and the body under that hand too (so the palm's jaw and neck go with it)."""
    rig = subject.rig
    chains = _resting(rig, moves.driven)
    if not chains or Layer.BODY not in subject.layers:
        return subject, moves
    body_tex, body = subject.layers[Layer.BODY]
    body_weights = body.weights.copy()
    transforms, joints = moves.transforms.copy(), moves.joints.copy()
    head = transforms[:, HEAD]
    for layer, chain in chains:
        if layer not in subject.layers:
            continue
        mesh = subject.layers[layer][1]
        *_, fore, hand = chain
        on_hand = mesh.rest[mesh.weights[:, hand] > 0.5]
        if not len(on_hand):
            continue
        transforms[:, hand] = head
        joints[:, BONES[hand].b] = apply(head, rig.joints[BONES[hand].b])
        bone = BONES[fore]
        a0, b0 = rig.joints[bone.a], rig.joints[bone.b]
        a1, b1 = apply(transforms[:, bone.parent], a0), apply(head, b0)
        along = (np.linalg.norm(b1 - a1, axis=1) / max(float(np.linalg.norm(b0 - a0)), 1e-3)).astype(
            np.float32
        )
        across = np.sqrt(np.abs(np.linalg.det(transforms[:, TORSO, :, :2]))).astype(np.float32)
        transforms[:, fore] = bone_affine(a0, b0, a1, b1, along, across)
        joints[:, bone.b] = b1
        # the body under the palm (a jaw, a neck) goes with the head, fading out around it
        dist, _ = cKDTree(on_hand).query(body.rest)
        feather = FEATHER * rig.head_radius
        share = np.clip(1.0 - dist / feather, 0.0, 1.0).astype(np.float32)[:, None]
        to_head = np.zeros_like(body_weights)
        to_head[:, HEAD] = 1.0
        body_weights = body_weights * (1.0 - share) + to_head * share
    layers = {**subject.layers, Layer.BODY: (body_tex, replace(body, weights=body_weights))}
    return replace(subject, layers=layers), replace(moves, transforms=transforms, joints=joints)


def _resting(rig: Rig, driven: npt.NDArray[np.bool_]) -> list[tuple[Layer, tuple[int, ...]]]:
    """The arms whose hand rests on the face and that nothing drives, with their rigged chains."""
    if not rig.rigged[HEAD]:
        return []
    out = []
    for layer in (Layer.L_ARM, Layer.R_ARM):
        chain = tuple(k for k in LIMB_CHAINS[layer] if rig.rigged[k])
        if len(chain) < 2 or any(driven[k] for k in chain):
            continue
        tip = rig.joints[BONES[chain[-1]].b]
        if float(np.linalg.norm(tip - rig.joints[J.HEAD])) <= HAND_ON_FACE * rig.head_radius:
            out.append((layer, chain))
    return out
