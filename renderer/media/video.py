"""Decoding the reference video into upright, constant-rate RGB frames.

One ffmpeg process does everything expensive: it honours the rotation metadata (ffmpeg
auto-rotates), resamples variable frame rates to a constant rate (``fps`` filter), scales
(``scale`` filter) and trims (``-t``), then pipes raw rgb24 frames to us. Python only copies
bytes into arrays, which keeps decoding near ffmpeg's own speed.

Limits are checked before decoding, from the container header: an absurdly long video is
refused at once, a merely long one is trimmed and the reader says so in ``warnings``.
"""

from __future__ import annotations

import math
import re
import subprocess
import tempfile
from collections.abc import Generator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import MediaError
from motionbot.renderer.media.bars import Crop, find_bars
from motionbot.renderer.media.ffmpeg import base_cmd, input_args, run_ffmpeg, stderr_tail
from motionbot.renderer.media.probe import VIDEO_CONTAINERS, MediaInfo, probe

# How many missing frames at the end are padded by repeating the last one (timestamps
# rounding in the fps filter); a bigger gap means the file is damaged part way.
_PAD_TOLERANCE = 2
# The least a motion can be taken from (Viggle's minimum too), and the shorter side below
# which the pose model no longer finds a body; open_video enforces them when asked.
MIN_CLIP_SECONDS = 0.5
MIN_CLIP_SIDE = 96

Frame = npt.NDArray[np.uint8]  # HxWx3 RGB


@dataclass(frozen=True)
class VideoSpec:
    width: int  # of the decoded frames (even, long side capped)
    height: int
    fps: float  # constant output rate
    n_frames: int  # exactly how many frames ``frames()`` yields
    duration_s: float  # n_frames / fps
    has_audio: bool
    source_duration_s: float  # of the source's video stream, before trimming
    trimmed: bool


@dataclass
class VideoReader:
    """A normalised view of a reference video; frames are decoded lazily, each call anew."""

    path: Path
    spec: VideoSpec
    info: MediaInfo  # width/height are the picture's, inside any bars cropped off
    warnings: list[str] = field(default_factory=list)
    crop: Crop | None = None  # letterbox/pillarbox bars cut off each frame before anything else

    def frames(self) -> Generator[Frame, None, None]:
        """Yield RGB uint8 HxWx3 frames; the ffmpeg process is closed on exhaustion or break."""
        return self._decode(None)

    def read_all(self) -> Frame:
        """All frames as one (T, H, W, 3) array; for clips within the trim limit this fits in memory."""
        out = np.empty((self.spec.n_frames, self.spec.height, self.spec.width, 3), dtype=np.uint8)
        for _ in self._decode(out):
            pass
        return out

    def _decode(self, out: Frame | None) -> Generator[Frame, None, None]:
        """Decode into ``out`` (one pipe read per frame, no copy) or into fresh arrays."""
        spec = self.spec
        frame_bytes = spec.width * spec.height * 3
        with tempfile.TemporaryFile() as errlog:
            proc = subprocess.Popen(
                self._decode_cmd(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errlog,
                bufsize=frame_bytes,
            )  # fmt: skip
            assert proc.stdout is not None
            count = 0
            last: Frame | None = None
            try:
                while count < spec.n_frames:
                    frame = (
                        out[count] if out is not None else np.empty((spec.height, spec.width, 3), np.uint8)
                    )
                    if not _read_exact(proc.stdout, frame.data.cast("B")):
                        break
                    count += 1
                    last = frame
                    yield frame
            finally:
                proc.stdout.close()
                if proc.poll() is None:
                    proc.kill()
                proc.wait()
            if count >= spec.n_frames:
                return
            errlog.seek(0)
            err = stderr_tail(errlog.read())
            if last is None:
                raise MediaError(
                    FailureReason.NO_FRAMES,
                    "That video has no frames I can decode; it may be damaged or cut short. "
                    "Please send it again or try another clip.",
                    detail=err,
                )
            if spec.n_frames - count > _PAD_TOLERANCE:
                raise MediaError(
                    FailureReason.UNREADABLE_FILE,
                    f"That video is damaged: only {count} of {spec.n_frames} frames could be read. "
                    "Please send it again.",
                    detail=err,
                )
            while count < spec.n_frames:
                frame = out[count] if out is not None else np.empty_like(last)
                frame[...] = last
                count += 1
                yield frame

    def _decode_cmd(self) -> list[str]:
        spec, info = self.spec, self.info
        filters = [self.crop.ffmpeg_filter()] if self.crop is not None else []
        filters.append(f"fps={spec.fps:.6g}")
        if (spec.width, spec.height) != (info.width, info.height):
            filters.append(f"scale={spec.width}:{spec.height}:flags=bilinear")
        return [
            *base_cmd(), "-v", "error", *input_args(self.path), "-map", "0:v:0", "-an", "-sn", "-dn",
            "-t", f"{spec.duration_s + 0.5 / spec.fps:.6f}", "-vf", ",".join(filters),
            "-frames:v", str(spec.n_frames), "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1",
        ]  # fmt: skip


def open_video(
    path: Path,
    *,
    max_fps: float = 30.0,
    max_side: int = 1280,
    max_seconds: float = 30.0,
    max_source_seconds: float = 600.0,
    max_bytes: int | None = None,
    crop_bars: bool = False,
    min_side: int = 2,
    min_seconds: float = 0.0,
) -> VideoReader:
    """Check a reference video and plan its normalisation; raises MediaError for unusable files.

    ``crop_bars`` cuts letterbox/pillarbox bars off every frame; ``min_side`` (of the picture
    inside them) and ``min_seconds`` refuse clips too small or too short to take a motion from.
    """
    path = Path(path)
    info = probe(path)
    if max_bytes is not None and info.size_bytes > max_bytes:
        raise MediaError(
            FailureReason.FILE_TOO_LARGE,
            f"That video is {info.size_bytes / 1e6:.0f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
            "Please send a shorter or compressed clip.",
        )
    if info.kind == "image":
        raise MediaError(
            FailureReason.NOT_A_VIDEO,
            "That's a still picture, not a video. "
            "Please send the motion as a video (MP4, MOV, WebM, MKV or GIF).",
        )
    if not info.has_video:
        raise MediaError(
            FailureReason.NO_VIDEO_STREAM,
            "That file has only sound, no picture. Please send a video of a person moving.",
        )
    if info.container not in VIDEO_CONTAINERS:
        raise MediaError(
            FailureReason.UNSUPPORTED_FORMAT,
            f"I can't use this video format ({info.container.split(',')[0]}). "
            "Please send it as MP4, MOV, WebM, MKV or GIF.",
        )
    if info.duration_s is not None and info.duration_s > max_source_seconds:
        raise _too_long(info.duration_s, max_source_seconds, max_seconds)
    if info.width < 2 or info.height < 2:
        raise MediaError(
            FailureReason.NO_FRAMES, "That video has no picture size I can read. Please send another clip."
        )

    crop = find_bars(path, info.width, info.height, info.duration_s) if crop_bars else None
    if crop is not None:
        info = replace(info, width=crop.width, height=crop.height)
    if min(info.width, info.height) < min_side:
        raise MediaError(
            FailureReason.VIDEO_TOO_SMALL,
            f"That video is only {info.width}x{info.height} pixels, too small to make out the body. "
            f"Please send a clip at least {min_side} pixels on its shorter side.",
            params={"width": info.width, "height": info.height, "min_side": min_side},
        )

    n_packets, last_pts = _count_packets(path)
    if n_packets == 0:
        raise MediaError(
            FailureReason.NO_FRAMES,
            "That video has no frames; it may be empty or cut short. Please send it again.",
        )
    fps, stream_duration = _stream_timing(info.fps, n_packets, last_pts, info.duration_s, max_fps)
    if stream_duration > max_source_seconds:
        raise _too_long(stream_duration, max_source_seconds, max_seconds)
    if stream_duration < min_seconds:
        raise MediaError(
            FailureReason.VIDEO_TOO_SHORT,
            f"That clip is only {stream_duration:.2f} s long, too short to take a motion from. "
            f"Please send a video with at least {min_seconds:g} s of the move (a few seconds work best).",
            params={"seconds": round(stream_duration, 2), "min_seconds": min_seconds},
        )
    duration = min(stream_duration, max_seconds)
    n_frames = max(1, round(duration * fps))
    width, height = _fit_size(info.width, info.height, max_side)
    trimmed = stream_duration > max_seconds + 0.5 / fps
    spec = VideoSpec(
        width=width, height=height, fps=fps, n_frames=n_frames, duration_s=n_frames / fps,
        has_audio=info.has_audio, source_duration_s=stream_duration, trimmed=trimmed,
    )  # fmt: skip
    notes: list[str] = []
    if trimmed:
        notes.append(
            f"The video is {stream_duration:.1f} s long; only the first {max_seconds:g} s were used."
        )
    return VideoReader(path=path, spec=spec, info=info, warnings=notes, crop=crop)


def _too_long(duration: float, limit: float, trim_to: float) -> MediaError:
    return MediaError(
        FailureReason.VIDEO_TOO_LONG,
        f"That video is {duration / 60:.0f} minutes long; I accept videos up to {limit / 60:.0f} minutes "
        f"and use only the first {trim_to:g} seconds. Please cut out the part with the motion and send that.",
    )


_PROGRESS_RE = re.compile(rb"^(frame|out_time_us)=(\d+)\s*$", re.M)


def _count_packets(path: Path) -> tuple[int, float]:
    """Count the video stream's packets and find its last timestamp by stream copy (no decoding).

    The container's duration covers the longest stream (often the audio) and may be missing
    or wrong, and a file cut short still claims its full length; copying packets to the null
    muxer reads the video stream itself in milliseconds.
    """
    args = ["-v", "error", *input_args(path), "-map", "0:v:0", "-c", "copy"]
    args += ["-f", "null", "-progress", "pipe:1", "-"]
    proc = run_ffmpeg(args, timeout=120)
    frames = 0
    out_us = 0
    for key, value in _PROGRESS_RE.findall(proc.stdout):
        if key == b"frame":
            frames = int(value)
        else:
            out_us = int(value)
    return frames, out_us / 1e6


def _stream_timing(
    declared: float | None, n_packets: int, last_pts: float, container_s: float | None, max_fps: float
) -> tuple[float, float]:
    """The output's constant rate and the source stream's length.

    The rate is the higher of the declared rate and the measured average (a VFR header may
    claim either too much or too little), capped at ``max_fps``: erring high only repeats
    frames, erring low would drop motion.
    """
    average = (n_packets - 1) / last_pts if n_packets > 1 and last_pts > 0 else None
    if declared and average and abs(average - declared) <= 0.1 * declared:
        # Constant rate: the copy's last timestamp may be a decode time one frame early
        # (B-frames), so the declared rate and the packet count are the better measure.
        source = declared
        duration = max(last_pts + 1.0 / source, n_packets / source)
    else:
        source = max(declared or 0.0, average or 0.0) or max_fps
        duration = last_pts + 1.0 / source  # the last frame lasts one frame
    if container_s is not None and duration > container_s:
        duration = container_s  # the container's length covers every stream
    return float(min(round(source, 3), max_fps)), max(duration, 1.0 / source)


def _fit_size(width: int, height: int, max_side: int) -> tuple[int, int]:
    scale = min(1.0, max_side / max(width, height))
    w = max(2, math.floor(width * scale / 2) * 2)
    h = max(2, math.floor(height * scale / 2) * 2)
    return w, h


def _read_exact(stream: object, view: memoryview) -> bool:
    """Fill ``view`` from a pipe; False at end of stream (a partial frame counts as none)."""
    readinto = stream.readinto  # type: ignore[attr-defined]
    filled = 0
    total = len(view)
    while filled < total:
        n = readinto(view[filled:])
        if not n:
            return False
        filled += n
    return True
