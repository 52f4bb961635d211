"""An upper arm whose forearm the photo hides grows one from its own sleeve,
and a raised upper arm passes beside a half-body subject's head, not across the face."""

from __future__ import annotations

import cv2
import numpy as np
from rig_figures import rig_figure

from motionbot.renderer.engines.warp.animate import FrameRenderer
from motionbot.renderer.engines.warp.hand import HAND_LENGTH
from motionbot.renderer.engines.warp.parts import LayerTexture
from motionbot.renderer.engines.warp.retarget import HEAD_CLEAR_LIMIT, _clear_head, retarget
from motionbot.renderer.engines.warp.rig import J, Layer, fit_rig
from motionbot.renderer.engines.warp.sleeve import (
    FOREARM_RATIO,
    _sleeve_strip,
    close_arm_holes,
    grown_forearms,
    mirrored_hand,
)
from motionbot.renderer.engines.warp.subject import prepare_subject
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.presets import load_preset

FIGURE = np.array([90, 60, 50], np.float32)
LEGS = (L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL)
LEFT_HAND = (L.LEFT_WRIST, L.LEFT_PINKY, L.LEFT_INDEX, L.LEFT_THUMB)


def _half_body_without_left_forearm() -> tuple[np.ndarray, int, int]:
    motion = load_preset("arms_up")
    kp = motion.keypoints[0].copy()
    kp[[*LEGS, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX, *LEFT_HAND], 3] = 0.0
    return kp, motion.width, motion.height


def test_a_hidden_forearm_is_grown_straight_on_from_the_elbow() -> None:
    kp, w, h = _half_body_without_left_forearm()
    rig = fit_rig(kp, w, h)
    assert rig.pinned_bottom and rig.rigged[3] and not rig.rigged[4] and rig.rigged[7]
    radii = np.full(len(rig.rigged), 10.0, np.float32)
    grown, grown_radii = grown_forearms(rig, radii)
    assert grown.rigged[4] and not grown.rigged[5]  # a forearm, no hand
    sh, el = rig.joints[J.L_SHOULDER], rig.joints[J.L_ELBOW]
    assert np.allclose(grown.joints[J.L_WRIST], el + FOREARM_RATIO * (el - sh), atol=1e-3)
    assert np.array_equal(grown.joints[J.R_WRIST], rig.joints[J.R_WRIST])  # a seen forearm stays
    assert grown_radii[4] > 0
    full_kp = load_preset("arms_up").keypoints[0].copy()
    full = fit_rig(full_kp, w, h)
    assert grown_forearms(full, radii)[0] is full  # every forearm seen: nothing grows
    # hands in the pockets of a full-body photo: the arm is continued too, not carried as a flap
    full_kp[list(LEFT_HAND), 3] = 0.0
    pocket = fit_rig(full_kp, w, h)
    assert not pocket.pinned_bottom and not pocket.rigged[4]
    assert grown_forearms(pocket, radii)[0].rigged[4]


def test_the_sleeve_strip_fills_the_holes_of_the_arm_it_copies() -> None:
    rgba = np.zeros((200, 200, 4), np.uint8)
    rgba[20:180, 80:120] = (90, 60, 50, 255)  # a vertical arm, shoulder at the top...
    rgba[100:130, 85:110] = 0  # ...with wall seen through it
    elbow, u, n = np.float32([100, 180]), np.float32([0, 1]), np.float32([-1, 0])
    strip = _sleeve_strip(rgba, elbow, u, n, upper_len=160.0, start=-5.0, length=120.0, half=15.0)
    alpha = strip[..., 3]
    mid = strip[: len(strip) - 20, 8:-8]
    assert (mid[..., 3] == 255).all()
    assert np.abs(mid[..., :3].astype(np.float32) - FIGURE).max() < 6  # the hole took the sleeve's colour
    assert alpha[:, 0].max() == 0  # soft sides...
    assert (alpha[-1] == 255).sum() < (alpha[len(alpha) // 2] == 255).sum() / 2  # ...a rounded end


def test_the_grown_forearm_follows_the_performer_and_is_not_scored_as_seen() -> None:
    kp, w, h = _half_body_without_left_forearm()
    rgb, mask = rig_figure(kp, w, h)
    subject = prepare_subject(rgb, kp, mask, background="white", aspect="photo", long_side=max(w, h))
    assert subject is not None
    assert subject.rig.rigged[4] and not subject.shown_bones[4] and subject.shown_bones[3]
    texture, mesh = subject.layers[Layer.L_ARM]
    assert texture.rgba.shape[0] > subject.size[1]  # the strip lies below the photo's texture
    assert mesh.uv is not None and mesh.texture_xy.shape == mesh.rest.shape
    motion = load_preset("arms_up")
    moves = retarget(motion, subject.rig)
    assert moves.driven[4]
    frames = FrameRenderer(subject, moves)
    # the strip has a draw group (a map) of its own, apart from the photo's own arm triangles
    assert mesh.grown_from is not None and 0 < mesh.grown_from < len(mesh.triangles)
    assert [g.bones for g in frames.groups if g.layer is Layer.L_ARM] == [(3,), (4, 5), (4, 5)]
    for t in (0, motion.n_frames // 2, motion.n_frames - 1):
        img = frames.render(t).astype(np.float32)
        el, wr = moves.joints[t, J.L_ELBOW], moves.joints[t, J.L_WRIST]
        for share in (0.3, 0.6):
            x, y = np.round(el + share * (wr - el)).astype(int)
            assert np.abs(img[y, x] - FIGURE).max() < 40, (t, share)
        x, y = np.round(wr + 1.0 * (wr - el)).astype(int)
        if 0 <= x < img.shape[1] and 0 <= y < img.shape[0]:
            assert img[y, x].min() > 200  # the sleeve ends: white beyond it


def test_a_raised_upper_arm_is_turned_out_beside_the_head_within_a_limit() -> None:
    shoulder = np.float32([[100, 200]] * 3)
    head = np.float32([[130, 120]] * 3)
    clearance = np.float32([40, 40, 40])
    up_across = np.float32([[0.3, -1.0], [0.0, -1.0], [-1.0, 0.0]])
    up_across /= np.linalg.norm(up_across, axis=1, keepdims=True)
    turned = _clear_head(up_across, shoulder, head, clearance, float(HEAD_CLEAR_LIMIT))
    angle = np.degrees(np.arccos(np.clip((turned * up_across).sum(axis=1), -1, 1)))
    assert 0 < angle[0] <= np.degrees(HEAD_CLEAR_LIMIT) + 1e-3
    assert turned[0, 0] < up_across[0, 0]  # away from the head, which is to the right
    # straight up already passes the head at 30 px... not enough for 40: turned a little
    v = head[1] - shoulder[1]
    assert abs(v[0] * turned[1, 1] - v[1] * turned[1, 0]) >= 40 - 1e-3
    assert np.allclose(turned[2], up_across[2])  # pointing away: unchanged


def test_the_other_hand_is_copied_mirrored_with_the_wrist_first() -> None:
    kp, w, h = _half_body_without_left_forearm()
    rig = fit_rig(kp, w, h)
    assert rig.rigged[8]  # the right hand is seen
    wrist, knuckles = rig.bone_segment(8)
    u = (knuckles - wrist) / np.linalg.norm(knuckles - wrist)
    n = np.array([-u[1], u[0]])
    # a right hand whose thumb side (+n) is lighter than its other side, with a lock of hair
    # that the labels gave to the hand (a hand at the chin)
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    rel = np.stack([xs - wrist[0], ys - wrist[1]], axis=-1)
    along, across = rel @ u, rel @ n
    length = float(np.linalg.norm(knuckles - wrist))
    on_hand = (along > 0) & (along < 1.6 * length) & (np.abs(across) < 0.4 * length)
    hair = on_hand & (across < -0.25 * length)
    rgba = np.zeros((h, w, 4), np.uint8)
    rgba[on_hand & (across > 0)] = (240, 195, 165, 255)
    rgba[on_hand & (across <= 0)] = (205, 155, 125, 255)
    rgba[hair] = (15, 12, 10, 255)
    labels = np.where(on_hand, 8, -1).astype(np.int16)
    texture = LayerTexture(layer=Layer.R_ARM, rgba=rgba, region=on_hand)
    patch = mirrored_hand(rig, [texture], labels, Layer.L_ARM)
    assert patch is not None
    rows = patch.shape[0]
    assert patch[: rows // 20, :, 3].max() == 0  # it starts just before the wrist
    mid = patch[rows // 2]
    opaque = mid[:, 3] == 255
    light = np.flatnonzero(opaque & (mid[:, 0] > 235))
    dark = np.flatnonzero(opaque & (mid[:, 0] < 210) & (mid[:, 0] > 150))
    assert len(light) and len(dark)
    assert not (opaque & (mid[:, 0] < 100)).any()  # the hair stayed behind
    # mirrored: the columns run along +n of the arm it joins (as the sleeve strip's do), and
    # the other hand's +n side (light) comes out on the -n side (the first columns)
    assert light.mean() < dark.mean()
    assert mirrored_hand(rig, [texture], labels, Layer.R_ARM) is None  # no left hand to copy


def test_holes_at_the_elbow_of_a_grown_arm_are_closed_in_the_sleeve_colour() -> None:
    kp, w, h = _half_body_without_left_forearm()
    rig = fit_rig(kp, w, h)
    sh, el = rig.joints[J.L_SHOULDER], rig.joints[J.L_ELBOW]
    rgba = np.zeros((h, w, 4), np.uint8)
    arm = np.zeros((h, w), np.uint8)
    cv2.line(arm, tuple(np.round(sh).astype(int)), tuple(np.round(el).astype(int)), 1, 24)
    rgba[arm > 0] = (40, 30, 30, 255)
    hole = tuple(np.round(el - 0.15 * (el - sh)).astype(int))
    cv2.circle(rgba, hole, 4, (0, 0, 0, 0), -1)  # wall seen through, near the elbow
    radii = np.full(len(rig.rigged), 12.0, np.float32)
    texture = LayerTexture(layer=Layer.L_ARM, rgba=rgba, region=(rgba[..., 3] > 0))
    closed = close_arm_holes(rig, texture, radii)
    x, y = hole
    assert texture.rgba[y, x, 3] == 0 and not texture.region[y, x]
    assert closed.rgba[y, x, 3] == 255 and closed.region[y, x]
    assert np.abs(closed.rgba[y, x, :3].astype(int) - (40, 30, 30)).max() <= 2
    # only the hole is filled: the arm's outline does not grow
    added = (closed.rgba[..., 3] > 0) & (rgba[..., 3] == 0)
    assert added.sum() <= np.pi * 5**2 and (added & (arm == 0)).sum() <= 3


def test_a_hand_in_the_face_s_skin_ends_the_sleeve_when_neither_hand_shows() -> None:
    motion = load_preset("arms_up")
    kp, w, h = motion.keypoints[0].copy(), motion.width, motion.height
    hands = (L.RIGHT_WRIST, L.RIGHT_PINKY, L.RIGHT_INDEX, L.RIGHT_THUMB)
    kp[[*LEFT_HAND, *hands], 3] = 0.0  # both hands in the pockets of a full-body photo
    rgb, mask = rig_figure(kp, w, h)
    rgb[mask > 0] = (40, 60, 160)  # a blue jumper...
    rig = fit_rig(kp, w, h)
    head = tuple(np.round(rig.joints[J.HEAD]).astype(int))
    cv2.circle(rgb, head, round(rig.head_radius), (215, 160, 130), -1)  # ...and a face
    subject = prepare_subject(rgb, kp, mask, background="white", aspect="photo", long_side=max(w, h))
    assert subject is not None
    assert subject.rig.rigged[4] and subject.rig.rigged[7] and not subject.shown_bones[4]
    moves = retarget(motion, subject.rig)
    frames = FrameRenderer(subject, moves)
    upper = subject.rig.bone_length(3)
    for t in (0, motion.n_frames // 2):
        img = frames.render(t).astype(np.float32)
        el, wr = moves.joints[t, J.L_ELBOW], moves.joints[t, J.L_WRIST]
        u = (wr - el) / np.linalg.norm(wr - el)
        sleeve = np.round(el + 0.5 * (wr - el)).astype(int)
        assert np.abs(img[sleeve[1], sleeve[0]] - (40, 60, 160)).max() < 40, t
        x, y = np.round(wr + 0.3 * HAND_LENGTH * upper * u).astype(int)
        assert np.abs(img[y, x] - (215, 160, 130)).max() < 45, t  # a hand, not wall nor sleeve
        x, y = np.round(wr + 1.6 * HAND_LENGTH * upper * u).astype(int)
        if 0 <= x < img.shape[1] and 0 <= y < img.shape[0]:
            assert img[y, x].min() > 200  # and it ends
