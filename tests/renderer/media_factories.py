"""Synthetic media for the media-layer tests, made with the bundled ffmpeg and Pillow.

Everything is tiny (tens of pixels, a second or two) so the whole media test run stays
fast, and nothing depends on ../shared/samples. Orientation tests use a four-colour
"quadrant" pattern: red top-left, green top-right, blue bottom-left, white bottom-right,
which survives lossy compression and tells every rotation and mirror apart.
"""

from __future__ import annotations

import struct
import subprocess
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from PIL import Image

from motionbot.renderer.media.encode import VideoWriter
from motionbot.renderer.media.ffmpeg import ffmpeg_exe

QUADRANT_COLOURS = {
    "top_left": (255, 0, 0),
    "top_right": (0, 255, 0),
    "bottom_left": (0, 0, 255),
    "bottom_right": (255, 255, 255),
}


def ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", *args], check=True)


def quadrants(width: int, height: int) -> npt.NDArray[np.uint8]:
    img = np.zeros((height, width, 3), dtype=np.uint8)
    h2, w2 = height // 2, width // 2
    img[:h2, :w2] = QUADRANT_COLOURS["top_left"]
    img[:h2, w2:] = QUADRANT_COLOURS["top_right"]
    img[h2:, :w2] = QUADRANT_COLOURS["bottom_left"]
    img[h2:, w2:] = QUADRANT_COLOURS["bottom_right"]
    return img


def quadrant_means(img: npt.NDArray[np.uint8]) -> dict[str, npt.NDArray[np.float64]]:
    """Mean colour of the inner part of each quadrant (edges blur under compression)."""
    h, w = img.shape[:2]
    qh, qw = h // 4, w // 4
    centres = {
        "top_left": (qh, qw),
        "top_right": (qh, 3 * qw),
        "bottom_left": (3 * qh, qw),
        "bottom_right": (3 * qh, 3 * qw),
    }
    dy, dx = max(1, h // 10), max(1, w // 10)
    return {
        name: img[y - dy : y + dy, x - dx : x + dx].reshape(-1, 3).mean(axis=0)
        for name, (y, x) in centres.items()
    }


def assert_upright_quadrants(img: npt.NDArray[np.uint8], tol: float = 60.0) -> None:
    for name, mean in quadrant_means(img).items():
        expected = np.array(QUADRANT_COLOURS[name], dtype=np.float64)
        assert np.abs(mean - expected).max() < tol, f"{name}: got {mean.round()}, expected {expected}"


def testsrc_video(
    path: Path,
    *,
    size: str = "64x48",
    fps: float = 10,
    seconds: float = 1.0,
    audio: bool = False,
    vcodec: str = "libx264",
    extra: tuple[str, ...] = (),
) -> Path:
    """A testsrc clip (optionally with a sine tone) in the container ``path``'s suffix implies."""
    args = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate={fps}:duration={seconds}"]
    if audio:
        args += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    if path.suffix != ".gif":
        args += ["-c:v", vcodec, "-pix_fmt", "yuv420p"]
        if vcodec == "libx264":
            args += ["-preset", "ultrafast"]
    if audio:
        args += ["-c:a", "libopus" if path.suffix == ".webm" else "aac"]
    ffmpeg(*args, *extra, str(path))
    return path


def raw_video(
    path: Path, frames: npt.NDArray[np.uint8], fps: float, *, display_rotation: int | None = None
) -> Path:
    """Encode exact RGB frames nearly losslessly; optionally tag a display rotation (ffmpeg: CCW)."""
    _, h, w, _ = frames.shape
    target = path.with_name("plain_" + path.name) if display_rotation is not None else path
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
        "-s", f"{w}x{h}", "-framerate", str(fps), "-i", "pipe:0", "-c:v", "libx264", "-preset", "ultrafast",
        "-crf", "10", "-pix_fmt", "yuv420p", str(target),
    ]  # fmt: skip
    subprocess.run(cmd, input=frames.tobytes(), check=True)
    if display_rotation is not None:
        ffmpeg("-display_rotation", str(display_rotation), "-i", str(target), "-c", "copy", str(path))
        target.unlink()
    return path


def vfr_video(path: Path) -> Path:
    """A 2 s MKV whose frames come at irregular times (bursts of 30 fps, then gaps)."""
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=64x48:rate=30:duration=2",
        "-vf", "select='lt(mod(n\\,10)\\,4)'", "-fps_mode", "passthrough",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path),
    )  # fmt: skip
    return path


def long_video(path: Path, seconds: int = 7200) -> Path:
    """A genuinely long but tiny video: 16x16, 1 fps, one keyframe; encodes in a fraction of a second."""
    ffmpeg(
        "-f", "lavfi", "-i", f"color=c=gray:size=16x16:rate=1:duration={seconds}",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", str(seconds), str(path),
    )  # fmt: skip
    return path


def audio_only(path: Path, seconds: float = 1.0) -> Path:
    ffmpeg("-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}", "-c:a", "aac", str(path))
    return path


def truncated(src: Path, path: Path, keep: float = 0.5) -> Path:
    data = src.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG whose header claims ``width`` x ``height`` but carries almost no pixel data.

    Decoding it would fail (or, were the data real, need gigabytes); a loader that checks the
    header first refuses it as too large, one that decodes first reports it as damaged.
    """

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + payload))
        return struct.pack(">I", len(payload)) + kind + payload + crc

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b""))
    return path


def exif_rotated_jpeg(path: Path, upright: npt.NDArray[np.uint8], orientation: int = 6) -> Path:
    """Store ``upright`` turned the way a phone does, with the EXIF tag that undoes it.

    Orientation 6 means "rotate 90 degrees clockwise to display", so the stored pixels are
    the upright picture turned 90 degrees counter-clockwise; 3 is 180, 8 is 90 clockwise.
    """
    turns = {6: 1, 3: 2, 8: 3}[orientation]  # np.rot90 turns counter-clockwise
    stored = Image.fromarray(np.ascontiguousarray(np.rot90(upright, k=turns)))
    exif = Image.Exif()
    exif[0x0112] = orientation
    stored.save(path, format="JPEG", quality=95, exif=exif)
    return path


def top_level_atoms(path: Path) -> list[str]:
    """The MP4's top-level box names in file order (to check that moov precedes mdat)."""
    names: list[str] = []
    data = path.read_bytes()
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        names.append(kind.decode("latin-1"))
        if size < 8:
            break
        pos += size
    return names


def ffmpeg_info(path: Path) -> str:
    """``ffmpeg -i`` stderr: what a user's tools would show about the file."""
    proc = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", str(path)], capture_output=True, check=False)
    return proc.stderr.decode("utf-8", "replace")


def late_video_start(path: Path, tmp: Path, delay_s: float = 0.5) -> Path:
    """Picture starting ``delay_s`` after the sound (as in some phone and screen recordings)."""
    picture = testsrc_video(tmp / "picture.mp4", size="64x48", fps=10, seconds=2)
    sound = audio_only(tmp / "sound.m4a", seconds=3)
    ffmpeg_args = ["-itsoffset", str(delay_s), "-i", str(picture), "-i", str(sound), "-map", "0", "-map", "1"]
    ffmpeg(*ffmpeg_args, "-c", "copy", str(path))
    return path


def encode_frames(frames: Iterable[npt.NDArray[np.uint8]], path: Path, fps: float, **kw: Any) -> Path:
    """Encode equally sized frames with the renderer's own writer; the size is the first one's."""
    iterator = iter(frames)
    first = next(iterator)
    height, width = first.shape[:2]
    with VideoWriter(path, width, height, fps, **kw) as writer:
        writer.write(first)
        for frame in iterator:
            writer.write(frame)
    return Path(path)
