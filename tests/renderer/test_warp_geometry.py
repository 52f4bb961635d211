"""The warp engine's geometry on synthetic data: rasteriser, skinning, retargeting, hole filling."""

from __future__ import annotations

import numpy as np

from motionbot.renderer.engines.warp.framing import output_size, plan_canvas
from motionbot.renderer.engines.warp.matte import fill_holes
from motionbot.renderer.engines.warp.mesh import mesh_points, triangulate
from motionbot.renderer.engines.warp.raster import OFF, rasterise, to_grid
from motionbot.renderer.engines.warp.retarget import MIN_FORESHORTEN, faces_away, retarget, swap_sides
from motionbot.renderer.engines.warp.rig import BONES, J, fit_rig
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.motion.presets import load_preset


def _square() -> tuple[np.ndarray, np.ndarray]:
    pts = np.array([[10, 10], [50, 10], [50, 50], [10, 50]], np.float32)
    tris = np.array([[0, 1, 2], [0, 2, 3]], np.int32)
    return pts, tris


def _map(deformed: np.ndarray, rest: np.ndarray, tris: np.ndarray, size=(64, 64), factor=1) -> np.ndarray:
    gw, gh = -(-size[0] // factor), -(-size[1] // factor)
    out = np.full((gw * gh, 2), OFF, np.float32)
    rasterise(to_grid(deformed, factor), rest, tris, np.zeros(len(tris), np.int32), (gw, gh), out)
    return out.reshape(gh, gw, 2)


def test_identity_mesh_maps_each_pixel_to_itself() -> None:
    pts, tris = _square()
    m = _map(pts, pts, tris)
    ys, xs = np.mgrid[12:49, 12:49]
    assert np.allclose(m[12:49, 12:49, 0], xs, atol=1e-3)
    assert np.allclose(m[12:49, 12:49, 1], ys, atol=1e-3)
    assert (m[:9, :, 0] == OFF).all() and (m[:, 52:, 0] == OFF).all()  # nothing outside


def test_translated_mesh_samples_back_where_it_came_from() -> None:
    pts, tris = _square()
    m = _map(pts + np.array([7.0, -3.0], np.float32), pts, tris)
    assert np.allclose(m[30, 30], [23.0, 33.0], atol=1e-3)
    assert m[48, 30, 0] == OFF  # the bottom rows moved up out of the square


def test_later_triangles_cover_earlier_ones() -> None:
    pts, tris = _square()
    far = pts
    near = pts + np.array([20.0, 0.0], np.float32)  # overlaps the right half of the first square
    both = np.concatenate([far, near])
    rest = np.concatenate([pts, pts + np.array([0.0, 100.0], np.float32)])  # second samples elsewhere
    m = _map(both, rest, np.concatenate([tris, tris + 4]))
    assert m[30, 40, 1] > 100  # the overlap shows the later (near) square
    assert m[30, 20, 1] < 100  # outside the overlap the first square still shows


def test_quarter_resolution_map_matches_full_resolution_after_upsampling() -> None:
    import cv2

    pts, tris = _square()
    moved = pts * 1.3 + 5.0
    coarse = _map(moved, pts, tris, size=(96, 96), factor=4)
    up = cv2.resize(coarse, (96, 96), interpolation=cv2.INTER_LINEAR)
    fine = _map(moved, pts, tris, size=(96, 96), factor=1)
    inner = (slice(30, 60), slice(30, 60))
    assert np.abs(up[inner] - fine[inner]).max() < 0.05


def test_mesh_covers_the_region_and_stays_inside_it() -> None:
    region = np.zeros((120, 80), bool)
    region[10:110, 20:60] = True
    region[50:70, 20:40] = False  # a notch: no triangle may bridge it
    pts, tris = triangulate(mesh_points(region, 8.0), region)
    centroids = pts[tris].mean(axis=1).round().astype(int)
    assert region[centroids[:, 1], centroids[:, 0]].all()
    covered = _map(pts, pts, tris, size=(80, 120))[..., 0] != OFF
    assert covered[15:105, 45:55].all()
    assert not covered[55:65, 22:35].any()


def test_fill_holes_takes_the_surrounding_colour() -> None:
    img = np.full((200, 160, 3), (200, 180, 160), np.uint8)
    img[60:140, 50:110] = (10, 200, 10)  # a person-shaped green block
    hole = np.zeros((200, 160), bool)
    hole[55:145, 45:115] = True
    out = fill_holes(img, hole)
    assert np.abs(out[100, 80].astype(int) - (200, 180, 160)).max() <= 3
    assert np.array_equal(out[:40], img[:40])


def test_output_sizes_are_even_with_the_long_side_asked() -> None:
    for aspect in (9 / 16, 1.0, 16 / 9, 0.6877):
        w, h = output_size(aspect, 768)
        assert max(w, h) == 768 and w % 2 == 0 and h % 2 == 0


def test_canvas_pads_instead_of_cutting_the_subject() -> None:
    # a tall full-body subject in a portrait photo asked for 16:9: nobody loses their head
    canvas = plan_canvas(1080, 1920, (300, 100, 780, 1850), "16:9", 768)
    assert (canvas.width, canvas.height) == (768, 432)
    top = canvas.photo_to_canvas(np.array([[540, 100]], np.float32))[0]
    bottom = canvas.photo_to_canvas(np.array([[540, 1850]], np.float32))[0]
    assert top[1] >= 0 and bottom[1] <= 432


def _preset_rig(name: str = "arms_up"):
    motion = load_preset(name)
    rig = fit_rig(motion.keypoints[0], motion.width, motion.height)
    return motion, rig


def test_retarget_applies_the_performers_directions_with_the_subjects_lengths() -> None:
    motion, rig = _preset_rig()
    moves = retarget(motion, rig)
    size = np.array([motion.width, motion.height], np.float32)
    for k, bone in enumerate(BONES):
        if not (moves.driven[k] and bone.layer != 0):
            continue
        got = moves.joints[:, bone.b] - moves.joints[:, bone.a]
        lm = {J.L_SHOULDER: L.LEFT_SHOULDER, J.L_ELBOW: L.LEFT_ELBOW, J.L_WRIST: L.LEFT_WRIST}
        if bone.a in lm and bone.b in lm:
            want = (motion.keypoints[:, lm[bone.b], :2] - motion.keypoints[:, lm[bone.a], :2]) * size
            cos = (got * want).sum(1) / np.linalg.norm(got, axis=1) / np.linalg.norm(want, axis=1)
            assert cos.min() > 0.999
            length = np.linalg.norm(got, axis=1)
            assert length.max() <= rig.bone_length(k) * 1.01 * 2.0  # never longer than subject x scale


def test_a_performer_seen_from_behind_is_not_mirrored() -> None:
    motion, rig = _preset_rig("wave")
    flipped = motion.keypoints.copy()
    flipped = swap_sides(flipped)  # same picture, labels as a camera behind would give them
    from dataclasses import replace

    behind = replace(motion, keypoints=flipped)
    assert not faces_away(motion, rig) and faces_away(behind, rig)
    a, b = retarget(motion, rig), retarget(behind, rig)
    assert b.mirrored
    dets = np.linalg.det(b.transforms[:, 1, :, :2])
    assert (dets > 0).all()  # the torso keeps its handedness
    assert np.allclose(a.joints, b.joints, atol=1e-3)


def test_a_limb_pointed_at_the_camera_is_drawn_no_shorter_than_half_its_length() -> None:
    motion, rig = _preset_rig()
    kp = motion.keypoints.copy()
    toward = slice(10, 20)  # the forearm points at the camera: its picture shrinks to a stub
    kp[toward, L.LEFT_WRIST, :2] = kp[toward, L.LEFT_ELBOW, :2] + 0.05 * (
        kp[toward, L.LEFT_WRIST, :2] - kp[toward, L.LEFT_ELBOW, :2]
    )
    from dataclasses import replace

    moves = retarget(replace(motion, keypoints=kp), rig)
    fore = np.linalg.norm(moves.joints[:, J.L_WRIST] - moves.joints[:, J.L_ELBOW], axis=1)
    assert moves.driven[4]
    assert fore[toward].min() >= 0.95 * MIN_FORESHORTEN * rig.bone_length(4)
    assert fore[toward].max() < 0.8 * fore[:5].min()  # still visibly shortened
