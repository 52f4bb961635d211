"""A handful of frame shapes: every photo is letterboxed into the nearest aspect-ratio bucket.

The pipeline sizes its frame from the photo's own aspect ratio, so every new ratio was a new
tensor shape, and every new shape a new compilation of each transformer block (minutes on a
14B model, and past Dynamo's recompile limit an eager fallback that runs out of memory). With
five buckets the compiler sees five shapes a size, all of them at load (``warmup``).

The photo is placed into its bucket's frame exactly as the pipeline letterboxes (Lanczos,
black fill, its placement rule), and the frames are cropped back to the photo afterwards, as
the pipeline's own decode step crops to the photo's region.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from motionbot.renderer.engines.diffusion.memory import Resolution
from motionbot.renderer.media.video import Frame

# height:width, portrait to landscape; phone photos are mostly 3:4 and 9:16
ASPECT_BUCKETS: tuple[tuple[int, int], ...] = ((16, 9), (4, 3), (1, 1), (3, 4), (9, 16))
_MOD = 16  # the pipeline rounds each side down to vae_scale_factor_spatial * 2


def bucket_for(height: int, width: int) -> tuple[int, int]:
    """The bucket nearest to a ``height x width`` photo (in log ratio: 2:1 and 1:2 are equally far)."""
    ratio = math.log(height / width)
    return min(ASPECT_BUCKETS, key=lambda b: abs(math.log(b[0] / b[1]) - ratio))


def pipeline_frame(area_h: int, area_w: int, image_h: int, image_w: int) -> tuple[int, int]:
    """The frame the pipeline picks for a target area and a photo (its image-resize step's formula)."""
    aspect = image_h / image_w
    area = area_h * area_w
    return int(math.sqrt(area * aspect)) // _MOD * _MOD, int(math.sqrt(area / aspect)) // _MOD * _MOD


def bucket_frame(res: Resolution, bucket: tuple[int, int]) -> tuple[int, int]:
    """The frame (height, width) of ``bucket`` at the target area of ``res``."""
    h, w = pipeline_frame(res.height, res.width, bucket[0], bucket[1])
    return max(h, _MOD), max(w, _MOD)


def requested_area(frame: tuple[int, int]) -> tuple[int, int]:
    """``height``/``width`` to pass so the pipeline resolves exactly ``frame`` for a frame-sized photo.

    ``int(sqrt(...))`` of a product that should be exact can land a hair below and round a
    whole 16 pixels down; a few pixels more area keeps the result on the frame.
    """
    for pad in (0, 4, 8):
        if pipeline_frame(frame[0] + pad, frame[1] + pad, *frame) == frame:
            return frame[0] + pad, frame[1] + pad
    raise ValueError(f"no target area resolves to {frame}")


def letterbox(photo: Frame, frame: tuple[int, int]) -> tuple[Frame, tuple[int, int, int, int]]:
    """``photo`` fitted into ``frame`` (black around it) and its ``(top, left, height, width)`` there."""
    height, width = frame
    image_h, image_w = photo.shape[:2]
    fits_width = width / height < image_w / image_h
    src_w = width if fits_width else image_w * height // image_h
    src_h = height if not fits_width else image_h * width // image_w
    resized = Image.fromarray(photo).resize((src_w, src_h), resample=Image.Resampling.LANCZOS)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    top, left = (height - src_h) // 2, (width - src_w) // 2
    canvas[top : top + src_h, left : left + src_w] = np.asarray(resized.convert("RGB"))
    return canvas, (top, left, src_h, src_w)


def crop(video: npt.NDArray[Any], box: tuple[int, int, int, int]) -> npt.NDArray[Any]:
    """Frames ``(T, H, W, C)`` cut back to the photo's ``box`` inside the bucket's frame."""
    top, left, h, w = box
    return video[:, top : top + h, left : left + w]
