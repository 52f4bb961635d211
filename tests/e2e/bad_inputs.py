"""Unusual and bad uploads, made in code (no binary fixtures): photos in every common format,
clips too short, too small, too long, pillarboxed, an animated GIF, a file that only claims to
be a photo. The person in them is scikit-image's astronaut photo (public domain)."""

from __future__ import annotations

import io
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image

from motionbot.renderer.media.ffmpeg import ffmpeg_exe

RGB = npt.NDArray[np.uint8]


def astronaut(side: int) -> RGB:
    from skimage import data

    return np.asarray(Image.fromarray(data.astronaut()).resize((side, side)))


def photo_as(fmt: str, side: int = 320) -> bytes:
    """The astronaut saved by Pillow as ``fmt`` (AVIF, BMP, TIFF, HEIF...)."""
    import motionbot.renderer.media.probe  # noqa: F401  registers the HEIF plugin with Pillow

    buf = io.BytesIO()
    Image.fromarray(astronaut(side)).save(buf, format=fmt)
    return buf.getvalue()


def swaying(side: int, n: int) -> list[RGB]:
    """The astronaut leaning a little left and right: a person moving, the camera still."""
    base = astronaut(side)
    frames = []
    for i in range(n):
        shift = round(6 * np.sin(2 * np.pi * i / max(2, n)))
        frame = np.full_like(base, 255)
        frame[:, max(0, shift) : side + min(0, shift)] = base[:, max(0, -shift) : side - max(0, shift)]
        frames.append(frame)
    return frames


def mp4(frames: list[RGB], fps: float, *, gop: int | None = None) -> bytes:
    h, w = frames[0].shape[:2]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "clip.mp4"
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", "-f", "rawvideo",
            "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-framerate", f"{fps:g}", "-i", "pipe:0",
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
        ]  # fmt: skip
        if gop:
            cmd += ["-g", str(gop)]
        subprocess.run([*cmd, str(out)], input=b"".join(f.tobytes() for f in frames), check=True)
        return out.read_bytes()


def tiny_long_mp4(seconds: int = 600) -> bytes:
    """64x64, ten minutes, a figure filling the frame head to foot (1 fps, one keyframe)."""
    frame = np.asarray(Image.fromarray(astronaut(256)).resize((64, 64)))
    with tempfile.TemporaryDirectory() as tmp:
        still = Path(tmp) / "still.png"
        Image.fromarray(frame).save(still)
        out = Path(tmp) / "tiny.mp4"
        subprocess.run(
            [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y", "-loop", "1", "-framerate", "1",
             "-i", str(still), "-t", str(seconds), "-c:v", "libx264", "-preset", "ultrafast",
             "-g", str(seconds), "-pix_fmt", "yuv420p", str(out)],
            check=True,
        )  # fmt: skip
        return out.read_bytes()


def pillarboxed_4k(n: int = 5) -> bytes:
    """A 3840x2160 clip whose picture (2160x2160) sits between black bars."""
    frames = []
    for picture in swaying(2160, n):
        frame = np.zeros((2160, 3840, 3), np.uint8)
        frame[:, 840:3000] = picture
        frames.append(frame)
    return mp4(frames, 5)


def animated_gif(seconds: float = 0.8, fps: int = 10) -> bytes:
    frames = [Image.fromarray(f) for f in swaying(256, round(seconds * fps))]
    buf = io.BytesIO()
    frames[0].save(buf, format="GIF", save_all=True, append_images=frames[1:], duration=1000 // fps, loop=0)
    return buf.getvalue()
