"""Keep the video's scene: the photo's subject takes the performer's place in the reference clip.

The performer is removed with a background plate built from the clip itself: each pixel is
the mean of the frames where the performer is elsewhere (their segmentation mask, grown to
take their shadow and the mask's soft edge), and what is never seen is inpainted. The
subject, rendered alone (the transparent WebM), is scaled once to the performer's median
height and placed on the performer's feet, frame by frame. A camera that pans or zooms
leaves no plate to build: that is measured (phase correlation of the frames against the
first) and answered with a warning and the photo's own background.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.renderer.media import formats
from motionbot.renderer.media.encode import VideoWriter
from motionbot.renderer.media.ffmpeg import check_ffmpeg
from motionbot.renderer.media.probe import probe
from motionbot.renderer.media.video import open_video
from motionbot.renderer.perception.segmentation import person_mask

log = logging.getLogger(__name__)

U8 = npt.NDArray[np.uint8]
F32 = npt.NDArray[np.float32]

CAMERA_MOVES = (
    "The camera moves in this clip, so its scene couldn't be kept: here is the video over your "
    "photo's background. For the video's scene, send a clip filmed from a fixed camera."
)
NO_PERFORMER = "I couldn't find the performer in the clip, so its scene couldn't be kept."
MAX_SHIFT = 0.08  # of the frame width: a camera that moves more pans (a shake is aligned)
MIN_SEEN = 0.1  # a plate pixel seen in fewer of the frames than this is inpainted
GROW = 0.04  # of the frame's long side: the performer's mask grows this much (shadow, soft edge)


@dataclass(frozen=True)
class Plate:
    image: U8  # the scene without the performer
    boxes: list[tuple[int, int, int, int] | None]  # the performer's box per frame (x0, y0, x1, y1)
    unseen: float  # share of the plate never seen behind the performer (inpainted)
    shift: float  # the camera's largest move against the first frame, in frame widths
    shifts: list[tuple[float, float]]  # each frame's camera move against the first, in pixels


def camera_shifts(frames: list[U8], masks: list[F32]) -> list[tuple[float, float]]:
    """Each frame's translation against the first, in pixels (phase correlation at 160 px of
    what is background in both: the performer's own move is no camera move)."""
    h, w = frames[0].shape[:2]
    size = (160, max(2, round(160 * h / w)))
    factor = w / size[0]
    window = cv2.createHanningWindow(size, cv2.CV_32F)

    def gray(f: U8) -> F32:
        return np.asarray(cv2.resize(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), size), np.float32)

    def free(m: F32) -> npt.NDArray[np.bool_]:
        return np.asarray(cv2.resize(m, size) < 0.3)

    first, first_free = gray(frames[0]), free(masks[0])
    shifts = [(0.0, 0.0)]
    for f, m in zip(frames[1:], masks[1:], strict=True):
        keep = (first_free & free(m)).astype(np.float32)
        if keep.mean() < 0.2:  # the performer fills the frame: nothing to measure the camera by
            shifts.append(shifts[-1])
            continue
        a, b = first, gray(f)
        fill_a, fill_b = float(a[keep > 0].mean()), float(b[keep > 0].mean())
        (dx, dy), _ = cv2.phaseCorrelate(
            a * keep + fill_a * (1 - keep), b * keep + fill_b * (1 - keep), window
        )
        shifts.append((dx * factor, dy * factor))
    return shifts


ImageT = TypeVar("ImageT", U8, F32)


def _moved(image: ImageT, dx: float, dy: float) -> ImageT:
    h, w = image.shape[:2]
    m = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    return np.asarray(
        cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    )


def build_plate(frames: list[U8], masks: list[F32]) -> Plate:
    """The scene behind the performer: each frame aligned to the first (a shaking camera), each
    pixel the median of the frames where no one covers it; seen too rarely, it is inpainted."""
    h, w = frames[0].shape[:2]
    grow = max(3, round(GROW * max(h, w)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * grow + 1, 2 * grow + 1))
    shifts = camera_shifts(frames, masks)
    stack = np.empty((len(frames), h, w, 3), np.float32)
    boxes: list[tuple[int, int, int, int] | None] = []
    for i, (frame, mask) in enumerate(zip(frames, masks, strict=True)):
        person = (cv2.resize(mask, (w, h)) > 0.5).astype(np.uint8)
        ys, xs = np.nonzero(person)
        big_enough = len(xs) >= 0.002 * h * w
        boxes.append((int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())) if big_enough else None)
        dx, dy = shifts[i]
        covered = _moved(np.asarray(cv2.dilate(person, kernel), np.uint8), -dx, -dy) > 0
        stack[i] = _moved(frame, -dx, -dy)
        stack[i][covered] = np.nan
    seen_count = np.sum(~np.isnan(stack[..., 0]), axis=0)
    seen = seen_count >= max(2, round(MIN_SEEN * len(frames)))
    with warnings.catch_warnings():  # a pixel never seen is all-NaN: inpainted below
        warnings.simplefilter("ignore", RuntimeWarning)
        median = np.nanmedian(stack, axis=0)
    plate = np.clip(np.nan_to_num(median) + 0.5, 0, 255).astype(np.uint8)
    unseen = float(1.0 - seen.mean())
    if unseen > 0:
        plate = _inpaint(plate, ~seen)
    shift = max(math.hypot(dx, dy) for dx, dy in shifts) / w
    return Plate(plate, boxes, unseen, shift, shifts)


def _inpaint(plate: U8, hole: npt.NDArray[np.bool_]) -> U8:
    """Fill what is never seen from around it, at a quarter size (a soft fill is all it can be)."""
    h, w = hole.shape
    small = cv2.resize(plate, (max(2, w // 4), max(2, h // 4)), interpolation=cv2.INTER_AREA)
    small_hole = (cv2.resize(hole.astype(np.uint8), small.shape[1::-1]) > 0).astype(np.uint8)
    filled = cv2.inpaint(small, small_hole, 5, cv2.INPAINT_TELEA)
    big = cv2.resize(filled, (w, h), interpolation=cv2.INTER_LINEAR)
    soft = cv2.GaussianBlur(hole.astype(np.float32), (0, 0), 2.0)[..., None]
    return np.clip(plate * (1 - soft) + big * soft + 0.5, 0, 255).astype(np.uint8)


def _box(alpha: U8) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(alpha > 128)
    if len(xs) == 0:
        return None
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max())


def _smooth(values: list[float], radius: int = 2) -> list[float]:
    arr = np.asarray(values, np.float64)
    return [float(np.median(arr[max(0, i - radius) : i + radius + 1])) for i in range(len(arr))]


def place(subject: list[U8], plate: Plate) -> list[U8]:
    """The subject frames (RGBA) over the plate: scaled once to the performer's median height,
    their feet on the performer's feet and centred on them, frame by frame."""
    sub_boxes = [_box(f[..., 3]) for f in subject]
    pairs = [(s, p) for s, p in zip(sub_boxes, plate.boxes, strict=False) if s and p]
    if not pairs:
        return [plate.image.copy() for _ in subject]
    scale = float(np.median([(p[3] - p[1]) / max(1, s[3] - s[1]) for s, p in pairs]))
    h, w = plate.image.shape[:2]
    last_p = pairs[0][1]
    feet_x, feet_y = [], []
    for i in range(len(subject)):
        p = plate.boxes[i] if i < len(plate.boxes) and plate.boxes[i] else last_p
        assert p is not None
        last_p = p
        feet_x.append((p[0] + p[2]) / 2)
        feet_y.append(float(p[3]))
    feet_x, feet_y = _smooth(feet_x), _smooth(feet_y)
    out: list[U8] = []
    last_s = pairs[0][0]
    for i, rgba in enumerate(subject):
        s = sub_boxes[i] or last_s
        last_s = s
        tx = feet_x[i] - scale * (s[0] + s[2]) / 2
        ty = feet_y[i] - scale * s[3]
        m = np.array([[scale, 0, tx], [0, scale, ty]], np.float32)
        moved = cv2.warpAffine(rgba, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=(0, 0, 0, 0))
        a = moved[..., 3:4].astype(np.float32) / 255.0
        dx, dy = plate.shifts[min(i, len(plate.shifts) - 1)]
        scene = _moved(plate.image, dx, dy)  # the plate follows the camera's shake
        out.append(np.clip(moved[..., :3] * a + scene * (1 - a) + 0.5, 0, 255).astype(np.uint8))
    return out


def read_rgba(video: Path) -> list[U8]:
    """Every frame of a transparent WebM, with its alpha plane."""
    info = probe(video)
    raw = video.with_suffix(".rgba")
    try:
        check_ffmpeg(
            ["-v", "error", *formats.vp9_decoder_args(), "-i", str(video), "-f", "rawvideo", "-pix_fmt", "rgba",
             "-y", str(raw)],
            what="rgba decode",
        )  # fmt: skip
        data = np.frombuffer(raw.read_bytes(), np.uint8)
    finally:
        raw.unlink(missing_ok=True)
    n = data.size // (info.width * info.height * 4)
    return list(data[: n * info.width * info.height * 4].reshape(n, info.height, info.width, 4))


def keep_scene(
    transparent: Path, reference: Path, dst: Path, *, long_side: int, sound: bool, ai_label: bool
) -> tuple[int, int] | str:
    """Write ``dst``: the subject in the reference clip's scene. Returns the frame size, or the
    warning to give when the scene cannot be kept (the caller keeps its own video)."""
    subject = read_rgba(transparent)
    info = probe(transparent)
    fps = info.fps or 25.0
    reader = open_video(reference, max_fps=fps, max_side=long_side, max_seconds=len(subject) / fps + 1.0)
    frames = [f.copy() for f in reader.frames()][: len(subject)]
    if not frames:
        return NO_PERFORMER
    masks = [person_mask(f) for f in frames]
    plate = build_plate(frames, masks)
    log.info("scene plate: %.1f %% unseen, camera shift %.3f", 100 * plate.unseen, plate.shift)
    if plate.shift > MAX_SHIFT:
        return CAMERA_MOVES
    if not any(plate.boxes):
        return NO_PERFORMER
    composed = place(subject[: len(frames)], plate)
    h, w = composed[0].shape[:2]
    audio = reference if sound else None
    with VideoWriter(dst, w, h, fps, audio_from=audio, visible_label=ai_label) as writer:
        for frame in composed:
            writer.write(frame)
    return w - w % 2, h - h % 2
