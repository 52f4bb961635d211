"""Results in the shapes people post them: a transparent WebM, a Telegram video sticker, a GIF,
a before/after clip.

The transparent WebM is the master for the others that need alpha: VP9 is the one codec chat
apps and video editors read with an alpha plane (``yuva420p``; ffmpeg shows it as the stream
tag ``alpha_mode=1`` and decodes the plane only through ``-c:v libvpx-vp9``). Everything here
writes atomically (a hidden temp file renamed over the destination), so a half-written file is
never taken for a result.
"""

from __future__ import annotations

import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import numpy as np

from motionbot.queue.errors import FailureReason
from motionbot.renderer.arrays import U8
from motionbot.renderer.errors import MediaError
from motionbot.renderer.media.encode import metadata_args, scratch_beside, temp_beside
from motionbot.renderer.media.ffmpeg import FramePipe, check_ffmpeg, input_args
from motionbot.renderer.media.probe import probe

ALPHA_PIX_FMT = "yuva420p"
ALPHA_CUT = 4  # levels of alpha treated as fully transparent (or, from 255 down, opaque)
# scaling a yuva420p frame lifts a clear alpha to 1-2 levels: put the floor back after it
ALPHA_FLOOR = f"lut=a='if(lt(val\\,{2 * ALPHA_CUT})\\,0\\,val)'"


@dataclass(frozen=True)
class StickerRules:
    """Telegram's video sticker rules (core.telegram.org/stickers#video-requirements)."""

    side: int = 512  # one side exactly 512 px, the other at most 512
    max_seconds: float = 3.0
    max_fps: float = 30.0
    max_bytes: int = 256 * 1024


STICKER = StickerRules()
# GIFs autoplay in Discord channels and Telegram chats; past a few seconds they grow large
GIF_MAX_SECONDS = 6.0
GIF_MAX_FPS = 15.0
GIF_LONG_SIDE = 480
GIF_SCALES = (1.0, 0.75, 0.5, 0.35)  # tried in turn until the GIF fits its byte limit
GIF_MAX_BYTES = 8 * 1024 * 1024


def vp9_decoder_args(codec: str | None = "vp9") -> list[str]:
    """Put before ``-i``: ffmpeg's native VP9 decoder drops the alpha plane, libvpx keeps it."""
    return ["-c:v", "libvpx-vp9"] if codec == "vp9" else []


class AlphaWriter:
    """Streams straight (not premultiplied) RGBA frames into a VP9 WebM with an alpha plane."""

    def __init__(self, path: Path, width: int, height: int, fps: float, *, crf: int = 30) -> None:
        if width < 2 or height < 2 or fps <= 0:
            raise ValueError(f"bad video geometry {width}x{height} @ {fps} fps")
        self.path = Path(path)
        self.width, self.height, self.fps, self.crf = width, height, fps, crf
        self.out_width, self.out_height = width - width % 2, height - height % 2
        self._pipe: FramePipe | None = None
        self._tmp: Path | None = None

    def __enter__(self) -> AlphaWriter:
        self._tmp = temp_beside(self.path)
        output = [
            "-c:v", "libvpx-vp9", "-pix_fmt", ALPHA_PIX_FMT, "-b:v", "0", "-crf", str(self.crf),
            "-deadline", "realtime", "-cpu-used", "8", "-row-mt", "1", "-auto-alt-ref", "0",
            *metadata_args(), "-f", "webm", "-y", str(self._tmp),
        ]  # fmt: skip
        self._pipe = FramePipe(self.out_width, self.out_height, self.fps, "rgba", output, what="vp9 encode")
        return self

    def write(self, rgba: U8) -> None:
        if self._pipe is None:
            raise RuntimeError("AlphaWriter.write outside its with-block")
        if rgba.dtype != np.uint8 or rgba.shape != (self.height, self.width, 4):
            raise ValueError(
                f"expected a {self.height}x{self.width}x4 uint8 frame, got {rgba.shape} {rgba.dtype}"
            )
        self._pipe.feed(np.ascontiguousarray(rgba[: self.out_height, : self.out_width]).data.cast("B"))

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        pipe, tmp = self._pipe, self._tmp
        try:
            if exc_type is None and pipe is not None and tmp is not None:
                pipe.finish()
                os.replace(tmp, self.path)
        finally:
            if pipe is not None:
                pipe.close()
            if tmp is not None:
                tmp.unlink(missing_ok=True)

    @property
    def n_frames(self) -> int:
        return self._pipe.n_frames if self._pipe is not None else 0


def straight_rgba(premultiplied: U8, alpha: U8) -> U8:
    """RGBA with straight colour from a frame drawn over black (colour already times alpha):
    an editor composites straight colour, and premultiplied edges would show a dark fringe.

    The matte's faint tails (a few levels, invisible over a backdrop) are cut to 0 and its
    near-opaque inside to 255: an editor takes a 1 % alpha for part of the clip's shape.
    """
    alpha = np.where(alpha < ALPHA_CUT, 0, np.where(alpha > 255 - ALPHA_CUT, 255, alpha)).astype(np.uint8)
    a = alpha.astype(np.float32)[..., None]
    rgb = np.where(a > 0, premultiplied.astype(np.float32) * 255.0 / np.maximum(a, 1.0), 0.0)
    out = np.empty((*alpha.shape, 4), np.uint8)
    out[..., :3] = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    out[..., 3] = alpha
    return out


def over(premultiplied: U8, alpha: U8, background: U8) -> U8:
    """The frame over ``background``, as the engine composites its layers (linear, premultiplied)."""
    inv = (255 - alpha.astype(np.uint16))[..., None]
    out = premultiplied.astype(np.uint16) + (background.astype(np.uint16) * inv + 127) // 255
    return np.minimum(out, 255).astype(np.uint8)


def _sticker_size(width: int, height: int) -> tuple[int, int]:
    """One side exactly 512, the other at most 512 and even."""
    if width >= height:
        return STICKER.side, max(2, min(STICKER.side, round(STICKER.side * height / width / 2) * 2))
    return max(2, min(STICKER.side, round(STICKER.side * width / height / 2) * 2)), STICKER.side


def write_sticker(transparent: Path, dst: Path) -> Path:
    """A Telegram video sticker from a transparent WebM: 512 px on its long side, at most 3 s
    and 30 fps, no sound, at most 256 KB (the bitrate is chosen from the duration, then lowered
    until the file fits)."""
    info = probe(transparent)
    duration = min(info.duration_s or STICKER.max_seconds, STICKER.max_seconds)
    fps = min(info.fps or STICKER.max_fps, STICKER.max_fps)
    width, height = _sticker_size(info.width, info.height)
    kbps = int(STICKER.max_bytes * 8 * 0.85 / duration / 1000)
    best = 0
    for _ in range(5):
        with scratch_beside(dst, "sticker") as tmp:
            args = [
                "-v", "error", *vp9_decoder_args(info.video_codec), *input_args(transparent), "-t", f"{duration:.3f}",
                "-an", "-vf", f"fps={fps:.6g},scale={width}:{height}:flags=lanczos,format={ALPHA_PIX_FMT},{ALPHA_FLOOR}",
                "-c:v", "libvpx-vp9", "-pix_fmt", ALPHA_PIX_FMT, "-b:v", f"{kbps}k",
                "-maxrate", f"{kbps}k", "-bufsize", f"{kbps}k", "-deadline", "good", "-cpu-used", "4",
                "-row-mt", "1", "-auto-alt-ref", "0", "-map_metadata", "-1", "-f", "webm", "-y", str(tmp),
            ]  # fmt: skip
            check_ffmpeg(args, what="sticker encode")
            best = tmp.stat().st_size
            if best <= STICKER.max_bytes:
                os.replace(tmp, dst)
                return dst
        kbps = max(20, int(kbps * STICKER.max_bytes / best * 0.85))
    raise MediaError(
        FailureReason.OUTPUT_TOO_LARGE,
        f"The sticker is still {best / 1024:.0f} KB, over Telegram's 256 KB. Please try a calmer move.",
    )


def write_gif(video: Path, dst: Path, *, max_bytes: int = GIF_MAX_BYTES) -> Path:
    """An animated GIF of the first seconds of ``video``, its 256-colour palette made from the
    clip itself; frames shrink until the file is under ``max_bytes``."""
    info = probe(video)
    duration = min(info.duration_s or GIF_MAX_SECONDS, GIF_MAX_SECONDS)
    # a GIF frame lasts whole centiseconds: a rate that divides 100 plays at its speed
    fps = 100.0 / math.ceil(100.0 / min(info.fps or GIF_MAX_FPS, GIF_MAX_FPS))
    long_side = max(info.width, info.height, 2)
    best = 0
    for step in GIF_SCALES:
        scale = min(1.0, GIF_LONG_SIDE / long_side) * step
        width, height = max(2, round(info.width * scale)), max(2, round(info.height * scale))
        graph = (
            f"fps={fps:.6g},scale={width}:{height}:flags=lanczos,split[a][b];"
            "[a]palettegen=max_colors=256:stats_mode=diff[p];[b][p]paletteuse=dither=bayer:bayer_scale=4"
        )
        with scratch_beside(dst, "gif") as tmp:
            args = [
                "-v", "error", *input_args(video), "-t", f"{duration:.3f}", "-an",
                "-filter_complex", graph, "-loop", "0", "-f", "gif", "-y", str(tmp),
            ]  # fmt: skip
            check_ffmpeg(args, what="gif encode")
            best = tmp.stat().st_size
            if best <= max_bytes:
                os.replace(tmp, dst)
                return dst
    raise MediaError(
        FailureReason.OUTPUT_TOO_LARGE,
        f"The GIF is still {_human(best)}, over the {_human(max_bytes)} limit. Please try a shorter clip.",
    )


def _human(n_bytes: int) -> str:
    return f"{n_bytes / 1e6:.1f} MB" if n_bytes >= 1e6 else f"{n_bytes / 1e3:.0f} kB"


def side_by_side_layout(width: int, height: int) -> str:
    """``hstack`` or ``vstack``: a wide result goes above its reference, a tall or square one
    beside it, so the pair stays close to the shapes feeds show."""
    return "vstack" if width > height else "hstack"


def write_before_after(result: Path, reference: Path, dst: Path, *, sound: bool = True) -> Path:
    """The reference clip and the result in one video (the social "before/after"), the
    reference scaled to the result's height (or width, stacked) and cut to its length, with
    the reference's sound when it has some."""
    res = probe(result)
    ref = probe(reference)
    duration = res.duration_s or 1.0
    stack = side_by_side_layout(res.width, res.height)
    if stack == "hstack":
        fit = f"scale=-2:{res.height}:flags=area,setsar=1"
    else:
        fit = f"scale={res.width}:-2:flags=area,setsar=1"
    fps = res.fps or 25.0
    graph = f"[1:v]{fit},fps={fps:.6g}[ref];[0:v]setsar=1[out];[ref][out]{stack}=inputs=2,pad=ceil(iw/2)*2:ceil(ih/2)*2[v]"
    audio = ["-map", "1:a:0", "-c:a", "aac", "-b:a", "128k"] if sound and ref.has_audio else ["-an"]
    with scratch_beside(dst, "pair") as tmp:
        args = [
            "-v", "error", *input_args(result), *input_args(reference), "-filter_complex", graph,
            "-map", "[v]", *audio, "-t", f"{duration:.3f}", "-c:v", "libx264", "-preset", "veryfast",
            "-crf", "21", "-pix_fmt", "yuv420p",
            *metadata_args(), "-movflags", "+faststart", "-f", "mp4", "-y", str(tmp),
        ]  # fmt: skip
        check_ffmpeg(args, what="before/after")
        os.replace(tmp, dst)
    return dst


def decoded_rgba(video: Path, *, at_s: float = 0.0) -> U8:
    """One frame of a transparent WebM with its alpha plane (for checks and contact sheets)."""
    info = probe(video)
    with tempfile.TemporaryDirectory(prefix="motionbot-rgba-") as tmp:
        raw = Path(tmp) / "frame.rgba"
        args = [
            "-v", "error", *vp9_decoder_args(), "-ss", f"{at_s:.3f}", *input_args(video), "-frames:v", "1",
            "-f", "rawvideo", "-pix_fmt", "rgba", "-y", str(raw),
        ]  # fmt: skip
        check_ffmpeg(args, what="rgba decode")
        data = np.frombuffer(raw.read_bytes(), np.uint8)
    if data.size != info.width * info.height * 4:
        raise MediaError(FailureReason.INTERNAL_ERROR, detail=f"rgba decode gave {data.size} bytes")
    return data.reshape(info.height, info.width, 4).copy()


def bitrate_for(duration_s: float, max_bytes: int, *, audio_kbps: int = 0, margin: float = 0.9) -> int:
    """The video bitrate (kbit/s) that fills ``max_bytes`` over ``duration_s`` with margin."""
    total = max_bytes * 8 * margin / max(duration_s, 0.1) / 1000
    return max(50, math.floor(total - audio_kbps))
