"""Part segmentation, occluded-body fill and half-body framing of the warp engine (synthetic data)."""

from __future__ import annotations

import numpy as np

from motionbot.renderer.engines.warp.fill import continue_torso, mirror_face, skin_like
from motionbot.renderer.engines.warp.framing import MIN_ZOOM, plan_canvas
from motionbot.renderer.engines.warp.parts import INNER_WIDTH, bone_radii, label_parts
from motionbot.renderer.engines.warp.rig import BONES, J, fit_rig
from motionbot.renderer.engines.warp.subject import arm_reach
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.presets import load_preset


def _standing_rig():
    motion = load_preset("arms_up")
    return fit_rig(motion.keypoints[0], motion.width, motion.height)


def test_an_arm_lying_on_the_body_takes_only_an_arms_width_on_its_inner_side() -> None:
    rig = _standing_rig()
    w, h = rig.canvas
    alpha = np.ones((h, w), np.float32)  # one solid matte: the arm has no edge against the body
    labels = label_parts(rig, alpha, bone_radii(rig, alpha))
    a, b = rig.joints[J.L_SHOULDER], rig.joints[J.L_ELBOW]
    mid_y = int(0.5 * (a[1] + b[1]))
    bone_x = float(a[0] + (mid_y - a[1]) / (b[1] - a[1]) * (b[0] - a[0]))
    row = labels[mid_y]
    upper = np.flatnonzero(row == 3)  # left upper arm
    assert len(upper) > 0
    towards_torso = np.sign(float(rig.joints[J.MID_SHOULDER, 0]) - bone_x)
    inner_reach = float(np.max((upper - bone_x) * towards_torso))
    assert inner_reach <= INNER_WIDTH["upper_arm"] * rig.shoulder_width + 4
    # the torso between the arms stays torso
    mid_x = int(rig.joints[J.MID_SHOULDER, 0])
    assert row[mid_x] == 1


def test_photo_box_limits_what_the_rig_sees_and_sets_the_cut() -> None:
    motion = load_preset("arms_up")
    kp = motion.keypoints[0]
    full = fit_rig(kp, motion.width, motion.height)
    assert full.cut_y == motion.height
    knee_y = float(kp[L.LEFT_KNEE, 1]) * motion.height
    cut = fit_rig(kp, motion.width, motion.height, (0.0, 0.0, float(motion.width), knee_y - 20))
    assert cut.cut_y == knee_y - 20
    assert not cut.rigged[9] and not cut.rigged[12]  # no thighs below the cut
    assert cut.pinned_bottom and not full.pinned_bottom


def test_half_body_canvas_makes_room_for_raised_and_hanging_arms() -> None:
    box = (100.0, 100.0, 500.0, 900.0)
    plain = plan_canvas(600, 900, box, "photo", 768)
    assert plan_canvas(600, 900, box, "photo", 768, None) == plain
    room = plan_canvas(600, 900, box, "photo", 768, (-200.0, 1000.0))
    assert (room.width, room.height) == (plain.width, plain.height)
    assert MIN_ZOOM * plain.scale - 1e-6 <= room.scale < plain.scale
    top, bottom = room.photo_to_canvas(np.array([[300.0, -200.0], [300.0, 1000.0]], np.float32))
    assert top[1] >= -1e-3 and bottom[1] <= room.height + 1e-3  # both reaches fit
    # a reach beyond MIN_ZOOM shrinks only to MIN_ZOOM, with both ends sharing the room
    far = plan_canvas(600, 900, box, "photo", 768, (-3000.0, 4000.0))
    assert abs(far.scale - MIN_ZOOM * plain.scale) < 1e-6
    assert far.origin[1] < 0 and far.origin[1] + far.height / far.scale > 900


def test_arm_reach_only_for_a_photo_cut_at_the_waist() -> None:
    rig = _standing_rig()
    assert arm_reach(rig) is None  # legs are in the photo: nothing to make room for
    motion = load_preset("arms_up")
    hip_y = float(motion.keypoints[0, L.LEFT_HIP, 1]) * motion.height
    half = fit_rig(motion.keypoints[0], motion.width, motion.height, (0.0, 0.0, float(motion.width), hip_y))
    reach = arm_reach(half)
    assert reach is not None
    shoulder_y = float(half.joints[J.L_SHOULDER, 1])
    arm = half.bone_length(3) + half.bone_length(4)
    assert reach[0] < shoulder_y - arm and reach[1] > shoulder_y + arm


def test_a_cheek_behind_a_hand_is_filled_from_the_other_cheek() -> None:
    rig = _standing_rig()
    w, h = rig.canvas
    xs_all = np.broadcast_to(np.arange(w)[None, :], (h, w))
    rgb = np.zeros((h, w, 3), np.uint8)
    rgb[..., 0] = (xs_all // 3).astype(np.uint8)  # the colour says where a pixel came from
    rgb[..., 1] = 90
    cx, cy = rig.joints[J.HEAD]
    hidden = np.zeros((h, w), bool)
    hidden[int(cy) - 10 : int(cy) + 10, int(cx) - 30 : int(cx) - 10] = True  # one cheek
    out, left = mirror_face(rgb, hidden, ~hidden, rig)
    assert not left.any()
    e = np.array([np.cos(rig.eye_angle), np.sin(rig.eye_angle)])
    ys, xs = np.nonzero(hidden)
    p = np.stack([xs, ys], axis=1).astype(float)
    src_x = p[:, 0] - 2 * ((p - [cx, cy]) @ e) * e[0]
    assert (src_x > cx).all()  # the other side of the face
    inner = (ys > int(cy) - 8) & (ys < int(cy) + 8) & (xs > int(cx) - 28) & (xs < int(cx) - 12)
    got = out[ys[inner], xs[inner], 0].astype(float)
    assert np.abs(got - src_x[inner] / 3).max() <= 2.0
    near = np.zeros_like(hidden)
    near[int(cy) - 14 : int(cy) + 14, int(cx) - 34 : int(cx) - 6] = True  # the softened seam
    assert np.array_equal(out[~near], rgb[~near])


def test_clothes_under_an_arm_are_not_filled_with_the_skin_beside_them() -> None:
    h, w = 120, 160
    rgb = np.full((h, w, 3), 20, np.uint8)  # a black jumper
    skin = np.array([224, 172, 140], np.uint8)
    rgb[:, 100:] = skin  # a bare hand resting beside the hole
    assert skin_like(rgb)[:, 100:].all() and not skin_like(rgb)[:, :100].any()
    torso = np.ones((h, w), bool)
    hidden = np.zeros((h, w), bool)
    hidden[30:90, 60:100] = True  # where the arm was
    rgb[hidden] = (200, 60, 60)  # the arm's colours, which must go
    out = continue_torso(rgb, hidden, torso)
    assert out[hidden].astype(float).mean() < 60
    assert np.array_equal(out[~hidden], rgb[~hidden])


def test_bone_names_know_their_inner_widths() -> None:
    for bone in BONES:
        if bone.layer in (1, 2):
            assert bone.name.split("_", 1)[1] in INNER_WIDTH


def test_the_body_under_an_arm_has_no_see_through_seam() -> None:
    from dataclasses import replace

    from motionbot.renderer.engines.warp.parts import layer_textures
    from motionbot.renderer.engines.warp.rig import Layer

    standing = _standing_rig()
    joints = standing.joints.copy()
    sh, mid = joints[J.L_SHOULDER], joints[J.MID_SHOULDER]
    down = 0.45 * standing.torso_length
    joints[J.L_ELBOW] = (sh[0], sh[1] + down)  # the forearm folded across the chest
    joints[J.L_WRIST] = (mid[0] - 0.1 * standing.shoulder_width, sh[1] + down)
    joints[J.L_HAND] = (mid[0] - 0.25 * standing.shoulder_width, sh[1] + down)
    rig = replace(standing, joints=joints)
    w, h = rig.canvas
    alpha = np.ones((h, w), np.float32)  # the arm lies on the body: one solid matte
    rgb = np.full((h, w, 3), 40, np.uint8)
    labels = label_parts(rig, alpha, bone_radii(rig, alpha))
    body = next(t for t in layer_textures(rgb, alpha, labels, rig) if t.layer is Layer.BODY)
    # down a column through the forearm, the body layer stays opaque across the arm's old place
    x = int(mid[0] + 0.2 * (sh[0] - mid[0]))
    y0, y1 = int(sh[1] + 0.25 * down), int(sh[1] + 1.6 * down)
    column = labels[y0:y1, x]
    assert (column == 1).any() and (column == 4).any()  # torso and forearm meet in this column
    assert body.rgba[y0:y1, x, 3].min() >= 250


def test_arm_extent_reads_how_high_and_low_the_performer_reaches() -> None:
    from motionbot.renderer.engines.warp.subject import arm_extent

    up_high = arm_extent(load_preset("arms_up"))
    swaying = arm_extent(load_preset("sway"))
    assert up_high[0] > 0.5  # hands above the head
    assert swaying[0] < 0.2 and swaying[1] > 0.5  # arms hang down the whole clip
    assert all(0.0 <= v <= 1.0 for v in (*up_high, *swaying))


def test_wall_seen_between_a_resting_arm_and_the_body_is_not_carried_by_the_arm() -> None:
    from motionbot.renderer.engines.warp.parts import _background_seen_through

    h, w = 200, 200
    wall = (150, 155, 165)
    rgb = np.full((h, w, 3), wall, np.uint8)
    alpha = np.zeros((h, w), np.float32)
    alpha[40:180, 60:140] = 1.0  # the person mask: arm and the gap beside it
    arm = np.zeros((h, w), bool)
    arm[40:180, 60:140] = True
    rgb[40:180, 60:140] = (20, 20, 22)  # a black sleeve
    rgb[120:170, 70:85] = (148, 156, 163)  # the wall showing between arm and body
    gone = _background_seen_through(rgb, alpha, arm, None)
    assert gone[125:165, 72:83].all()
    assert not gone[50:110, 90:130].any()
    # a grey sleeve in front of a grey wall keeps all its pixels
    rgb[40:180, 60:140] = (140, 150, 160)
    assert not _background_seen_through(rgb, alpha, arm, None).any()


def test_half_body_canvas_widens_for_arms_held_out_sideways() -> None:
    from motionbot.renderer.engines.warp.framing import MAX_WIDE
    from motionbot.renderer.engines.warp.subject import arm_side_extent, arm_side_reach

    box = (100.0, 150.0, 500.0, 900.0)
    narrow = plan_canvas(600, 900, box, "photo", 768, (-200.0, 1000.0))
    wide = plan_canvas(600, 900, box, "photo", 768, (-200.0, 1000.0), (-400.0, 1000.0))
    assert wide.height == narrow.height and wide.scale == narrow.scale
    assert narrow.width < wide.width <= MAX_WIDE * wide.height
    assert wide.origin[0] < narrow.origin[0]  # both sides get room
    assert wide.origin[0] + wide.width / wide.scale > narrow.origin[0] + narrow.width / narrow.scale
    # an aspect the user chose is kept; hands that stay inside need nothing
    assert plan_canvas(600, 900, box, "9:16", 768, None, (-400.0, 1000.0)).width == 432
    assert plan_canvas(600, 900, box, "photo", 768, None, (200.0, 400.0)) == plan_canvas(
        600, 900, box, "photo", 768
    )
    # the clips: jumping jacks throw the arms out, a clap keeps the hands in front of the chest
    assert arm_side_extent(load_preset("jumping_jacks")) > 0.9
    assert arm_side_extent(load_preset("clap")) < 0.2
    rig = _standing_rig()
    assert arm_side_reach(rig, 1.0) is None  # a full-body photo keeps its aspect
