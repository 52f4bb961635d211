"""Contact sheet rows: the photo, reference frames and output frames side by side."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import numpy as np

from motionbot.renderer.arrays import U8
from motionbot.renderer.engines.warp.arrays import u8
from motionbot.renderer.evaluate.pairs import Pair
from motionbot.renderer.evaluate.tracks import Track
from motionbot.renderer.media.image import load_image
from motionbot.renderer.media.video import open_video
from motionbot.renderer.perception.face import FaceTracker, detect_faces

ROW_HEIGHT = 180
FRAMES = 4


def _fit(rgb: U8, height: int) -> U8:
    h, w = rgb.shape[:2]
    return u8(cv2.resize(rgb, (max(1, round(w * height / h)), height), interpolation=cv2.INTER_AREA))


def contact_row(photo: U8, reference: Track, output: Track, title: str, metrics: dict[str, Any]) -> U8:
    """photo | reference frames | output frames at the same moments, with the pair's scores."""
    picks = sorted(output.samples)
    if len(picks) > FRAMES:
        picks = [picks[int(i)] for i in np.linspace(0, len(picks) - 1, FRAMES)]
    tiles = [_fit(photo, ROW_HEIGHT)]
    ref_frames = reference.samples
    for i in picks:
        if ref_frames:
            j = min(ref_frames, key=lambda k: abs(k - i))
            tiles.append(_fit(ref_frames[j], ROW_HEIGHT))
    tiles += [_fit(output.samples[i], ROW_HEIGHT) for i in picks]
    row = np.concatenate(tiles, axis=1)
    band = np.full((28, row.shape[1], 3), 255, np.uint8)
    text = (
        f"{title}  limbs {metrics.get('limb_share', float('nan')):.2f}  frames "
        f"{metrics.get('frame_share', float('nan')):.2f}  pck@0.2 {metrics.get('pck@0.2', float('nan')):.2f}  "
        f"face {metrics.get('face_ssim', float('nan')):.2f}"
    )
    cv2.putText(band, text, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([band, row], axis=0)


def stack_rows(rows: list[U8]) -> U8:
    width = max(r.shape[1] for r in rows)
    padded = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0)), constant_values=255) for r in rows]
    return np.concatenate(padded, axis=0)


SHEET_FRAMES = 8
TILE_HEIGHT = 240


def pair_sheet(photo: U8, reference: list[U8], output: list[U8], title: str, lines: list[str]) -> U8:
    """One pair's sheet: the photo on the left; reference frames above output frames taken
    at the same moments; the title and figures in a band on top."""
    n = min(len(reference), len(output))
    ref_row = np.concatenate([_fit(f, TILE_HEIGHT) for f in reference[:n]], axis=1) if n else None
    out_row = np.concatenate([_fit(f, TILE_HEIGHT) for f in output[:n]], axis=1) if n else None
    left = _fit(photo, 2 * TILE_HEIGHT)
    if ref_row is not None and out_row is not None:
        grid = stack_rows([ref_row, out_row])
        body = stack_rows(
            [np.concatenate([left, np.pad(grid, ((0, 0), (4, 0), (0, 0)), constant_values=255)], axis=1)]
        )
    else:
        body = left
    band = np.full((24 * (1 + len(lines)) + 6, body.shape[1], 3), 255, np.uint8)
    for i, text in enumerate([title, *lines]):
        cv2.putText(band, text, (6, 20 + 24 * i), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([band, body], axis=0)


def frames_at(video: Path, picks: list[int], *, max_side: int = 640, max_fps: float = 60.0) -> list[U8]:
    """The frames of ``video`` at the indices ``picks``, decoded as the eval decodes."""
    wanted = set(picks)
    got: dict[int, U8] = {}
    reader = open_video(video, max_fps=max_fps, max_side=max_side, max_seconds=600.0)
    for i, frame in enumerate(reader.frames()):
        if i in wanted:
            got[i] = frame.copy()
        if len(got) == len(wanted):
            break
    return [got[i] for i in picks if i in got]


def face_zoom(frames: list[U8], margin: float = 0.35) -> list[U8]:
    """Each frame cut to its face (with some room), so a face pair's sheet shows the expression
    at a readable size; a frame with no face found is kept whole."""
    out: list[U8] = []
    with FaceTracker(video=False) as tracker:
        for frame in frames:
            face = tracker.detect(frame)
            found = [box for box, _ in detect_faces(frame)] if face is None else [face.box]
            if not found:
                out.append(frame)
                continue
            h, w = frame.shape[:2]
            x, y, bw, bh = found[0]  # the mesh's box, else (a full-body video) the detector's
            side = max(bw * w, bh * h) * (1 + 2 * margin)
            cx, cy = (x + bw / 2) * w, (y + bh / 2) * h
            x0, y0 = int(max(cx - side / 2, 0)), int(max(cy - side / 2, 0))
            x1, y1 = int(min(cx + side / 2, w)), int(min(cy + side / 2, h))
            out.append(frame[y0:y1, x0:x1].copy())
    return out


def write_pair_sheet(path: Path, pair: Pair, output: Path, n_frames: int, metrics: dict[str, Any]) -> None:
    """The pair's contact sheet PNG: SHEET_FRAMES moments; for a face pair, the faces cut out."""
    picks = [int(i) for i in np.linspace(0, max(n_frames - 1, 0), SHEET_FRAMES)]
    ref, out = frames_at(pair.video, picks), frames_at(output, picks)
    if "expression" in metrics:
        ref, out = face_zoom(ref), face_zoom(out)
    lines = [
        "  ".join(f"{k} {float(metrics[k]):.2f}" for k in keys if k in metrics)
        for keys in (
            (
                "limb_share",
                "frame_share",
                "pck@0.2",
                "wrists_in_frame",
                "body_in_frame",
                "garment_connectivity",
                "revealed_hard_edges",
                "face_ssim",
            ),
            (
                "expression",
                "mouth_open_corr",
                "mouth_open_amp",
                "eye_open_corr",
                "brow_lift_corr",
                "head_roll_corr",
                "head_yaw_corr",
                "head_pitch_corr",
                "gaze_corr",
            ),
        )
    ]
    sheet = pair_sheet(load_image(pair.photo), ref, out, pair.name, [ln for ln in lines if ln])
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
