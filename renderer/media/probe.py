"""What a user's file is, found without decoding it.

There is no ffprobe in the bundled ffmpeg, so videos are described by parsing the stderr of
``ffmpeg -i``; still images are described by Pillow, which reads only the header. Both are
cheap enough to run on every upload before anything is decoded, which is what lets a
decompression bomb or a two-hour video be refused in milliseconds.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from PIL import Image, UnidentifiedImageError

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import MediaError
from motionbot.renderer.media.ffmpeg import file_size, input_args, run_ffmpeg

try:  # HEIC/HEIF, what iPhones save; Pillow reads AVIF, BMP and TIFF itself
    from pillow_heif import register_heif_opener
except ImportError:  # a bot-only install: HEIC stays unreadable, load_image says how to convert
    pass
else:
    register_heif_opener()

# Pillow formats treated as still photos. GIF is not here: it is accepted as a (motion) video.
IMAGE_FORMATS = frozenset({"JPEG", "MPO", "PNG", "WEBP", "BMP", "TIFF", "HEIF", "AVIF"})

_INPUT_RE = re.compile(r"^Input #0, (?P<container>[^,]+(?:,[^,\s]+)*), from ", re.M)
_DURATION_RE = re.compile(r"Duration: (?P<h>\d+):(?P<m>\d+):(?P<s>\d+(?:\.\d+)?)")
_STREAM_RE = re.compile(
    r"^\s*Stream #0:\d+\S*: (?P<type>Video|Audio|Subtitle|Data|Attachment): (?P<rest>.*)$", re.M
)
_SIZE_RE = re.compile(r"(?:^|[ ,])(?P<w>\d{1,6})x(?P<h>\d{1,6})(?:[ ,\[]|$)")
_FPS_RE = re.compile(r"(?P<fps>\d+(?:\.\d+)?)(?P<k>k?) fps")
_TBR_RE = re.compile(r"(?P<fps>\d+(?:\.\d+)?)(?P<k>k?) tbr")
_DISPLAY_MATRIX_RE = re.compile(r"[Dd]isplay ?[Mm]atrix: rotation of (?P<deg>-?\d+(?:\.\d+)?) degrees")
_ROTATE_TAG_RE = re.compile(r"^\s*rotate\s*:\s*(?P<deg>-?\d+)", re.M)

# ffmpeg demuxer names of the containers users may send as motion references
VIDEO_CONTAINERS = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "gif"})


@dataclass(frozen=True)
class MediaInfo:
    kind: Literal["image", "video"]
    container: str  # ffmpeg demuxer name for videos ("mov,mp4,m4a,3gp,3g2,mj2"), Pillow format for images
    width: int  # display size, after rotation / EXIF orientation
    height: int
    duration_s: float | None
    fps: float | None  # declared rate of the video stream (for VFR files: ffmpeg's guess)
    n_frames: int | None  # estimate from duration x fps; VideoReader counts exactly
    rotation: int  # clockwise degrees the stored frames are turned for display: 0/90/180/270
    has_audio: bool
    has_video: bool
    video_codec: str | None
    size_bytes: int


def probe(path: Path) -> MediaInfo:
    """Describe ``path`` without decoding pixels; raises MediaError for what cannot be a medium."""
    path = Path(path)
    size = file_size(path)
    image = _probe_image(path, size)
    if image is not None:
        return image
    return _probe_ffmpeg(path, size)


def _probe_image(path: Path, size: int) -> MediaInfo | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                fmt = im.format or ""
                width, height = im.size
                orientation = _exif_orientation(im) if fmt in IMAGE_FORMATS else 1
    except Image.DecompressionBombError as exc:
        raise MediaError(
            FailureReason.IMAGE_TOO_LARGE,
            "That picture is far too large in pixels. Please send a photo under 50 megapixels.",
            detail=str(exc),
        ) from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    if fmt not in IMAGE_FORMATS:
        return None  # GIF, APNG-less formats...: let ffmpeg decide whether it is a video
    rotation = {3: 180, 6: 90, 8: 270, 5: 90, 7: 270}.get(orientation, 0)
    if rotation in (90, 270):
        width, height = height, width
    return MediaInfo(
        kind="image", container=fmt, width=width, height=height, duration_s=None, fps=None, n_frames=None,
        rotation=rotation, has_audio=False, has_video=True, video_codec=fmt.lower(), size_bytes=size,
    )  # fmt: skip


def _exif_orientation(im: Image.Image) -> int:
    try:
        value = im.getexif().get(0x0112, 1)
        return int(value) if isinstance(value, int) else 1
    except Exception:
        return 1


def _probe_ffmpeg(path: Path, size: int) -> MediaInfo:
    proc = run_ffmpeg(input_args(path), timeout=60)
    text = proc.stderr.decode("utf-8", "replace")
    match = _INPUT_RE.search(text)
    if match is None:
        raise _open_failure(text)
    container = match.group("container")
    dur = _DURATION_RE.search(text)
    duration = int(dur.group("h")) * 3600 + int(dur.group("m")) * 60 + float(dur.group("s")) if dur else None
    if duration is not None and duration <= 0:
        duration = None
    video_rest: str | None = None
    video_block = ""
    has_audio = False
    streams = list(_STREAM_RE.finditer(text))
    for i, stream in enumerate(streams):
        kind, rest = stream.group("type"), stream.group("rest")
        if kind == "Audio":
            has_audio = True
        elif kind == "Video" and video_rest is None and "(attached pic)" not in rest:
            video_rest = rest
            end = streams[i + 1].start() if i + 1 < len(streams) else len(text)
            video_block = text[stream.end() : end]
    if video_rest is None:
        return MediaInfo(
            kind="video", container=container, width=0, height=0, duration_s=duration, fps=None,
            n_frames=None, rotation=0, has_audio=has_audio, has_video=False, video_codec=None,
            size_bytes=size,
        )  # fmt: skip
    codec = video_rest.split(",", 1)[0].split(" ", 1)[0].strip()
    dims = _SIZE_RE.search(video_rest)
    width, height = (int(dims.group("w")), int(dims.group("h"))) if dims else (0, 0)
    fps = _rate(_FPS_RE.search(video_rest)) or _rate(_TBR_RE.search(video_rest))
    rotation = _rotation(video_block)
    if rotation in (90, 270):
        width, height = height, width
    n_frames = round(duration * fps) if duration and fps else None
    return MediaInfo(
        kind="video", container=container, width=width, height=height, duration_s=duration, fps=fps,
        n_frames=n_frames, rotation=rotation, has_audio=has_audio, has_video=True, video_codec=codec,
        size_bytes=size,
    )  # fmt: skip


def _rate(match: re.Match[str] | None) -> float | None:
    if match is None:
        return None
    value = float(match.group("fps")) * (1000 if match.group("k") else 1)
    return value if 0 < value < 1000 else None


def _rotation(block: str) -> int:
    """Clockwise display rotation; ffmpeg's display matrix angle is counter-clockwise."""
    dm = _DISPLAY_MATRIX_RE.search(block)
    if dm is not None:
        return round(-float(dm.group("deg")) / 90) * 90 % 360
    tag = _ROTATE_TAG_RE.search(block)
    if tag is not None:
        return round(int(tag.group("deg")) / 90) * 90 % 360
    return 0


def _open_failure(text: str) -> MediaError:
    detail = text.strip()[-400:]
    unknown = "Invalid data found" in text and "moov atom" not in text
    if unknown or "low score" in text or "Invalid argument" in text:  # the last: not on the whitelist
        return MediaError(
            FailureReason.NOT_A_VIDEO,
            "That file isn't a photo or video I recognise. Please send a JPEG/PNG/WebP photo "
            "or an MP4/MOV/WebM/MKV/GIF video.",
            detail=detail,
        )
    if "moov atom not found" in text:
        return MediaError(
            FailureReason.UNREADABLE_FILE,
            "That video is incomplete (it looks cut short, maybe the upload was interrupted). "
            "Please send it again.",
            detail=detail,
        )
    return MediaError(
        FailureReason.UNREADABLE_FILE,
        "I couldn't read that file; it may be damaged. Please send it again or export it as MP4.",
        detail=detail,
    )
