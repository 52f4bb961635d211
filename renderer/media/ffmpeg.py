"""Running the bundled ffmpeg.

Only imageio-ffmpeg's static binary is used: it is the one ffmpeg guaranteed to exist in
every image (there is no ffprobe and no system ffmpeg), and pinning one build keeps the
parsing of its stderr honest.
"""

from __future__ import annotations

import contextlib
import functools
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import imageio_ffmpeg

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import MediaError


@functools.cache
def ffmpeg_exe() -> str:
    try:
        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except RuntimeError as exc:  # pragma: no cover - packaging problem, not user input
        raise MediaError(FailureReason.INTERNAL_ERROR, detail=f"bundled ffmpeg missing: {exc}") from exc


# Demuxers ffmpeg may use on a user's file. Playlists (hls, dash, concat) are absent: they
# make ffmpeg open other files or URLs named inside the upload. Containers we refuse later
# (avi, flv, audio-only formats) stay in, so the user hears what was wrong with the file.
USER_DEMUXERS = ",".join(
    [
        "mov", "matroska", "gif", "avi", "flv", "mpegts", "asf", "mp3", "wav", "ogg", "aac", "flac",
        "png_pipe", "jpeg_pipe", "webp_pipe",
    ]
)  # fmt: skip


def input_args(path: Path) -> list[str]:
    """``-i path`` restricted to the demuxers a user's upload may use."""
    return ["-format_whitelist", USER_DEMUXERS, "-i", str(path)]


def base_cmd() -> list[str]:
    """The prefix every call shares: no stdin prompts, no banner."""
    return [ffmpeg_exe(), "-hide_banner", "-nostdin"]


def run_ffmpeg(args: Sequence[str], *, timeout: float = 600.0) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg to completion and return it; the caller decides what a failure means."""
    try:
        return subprocess.run(
            [*base_cmd(), *args], stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(
            FailureReason.TIMED_OUT, "Processing this video took too long.", detail=str(exc)
        ) from exc


def check_ffmpeg(
    args: Sequence[str], *, what: str, timeout: float = 600.0
) -> subprocess.CompletedProcess[bytes]:
    """Run ffmpeg and turn a non-zero exit into an internal MediaError carrying its stderr tail."""
    proc = run_ffmpeg(args, timeout=timeout)
    if proc.returncode != 0:
        raise MediaError(
            FailureReason.INTERNAL_ERROR, detail=f"ffmpeg {what} failed: {stderr_tail(proc.stderr)}"
        )
    return proc


def stderr_tail(data: bytes, limit: int = 600) -> str:
    text = data.decode("utf-8", "replace").strip()
    return text[-limit:]


def file_size(path: Path) -> int:
    """Size of an input file, refusing what is missing or empty before ffmpeg sees it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise MediaError(
            FailureReason.UNREADABLE_FILE, "I couldn't open that file. Please send it again.", detail=str(exc)
        ) from exc
    if not path.is_file():
        raise MediaError(
            FailureReason.UNREADABLE_FILE, "That is not a file I can read. Please send it again."
        )
    if size == 0:
        raise MediaError(FailureReason.UNREADABLE_FILE, "That file is empty (0 bytes). Please send it again.")
    return size


class FramePipe:
    """One ffmpeg encoder fed raw frames on stdin, for the writers that stream a result.

    Its stderr goes to a temp file rather than a pipe (an unread pipe fills up and stalls
    ffmpeg), so that a failure can say what ffmpeg said. ``close`` always runs (a ``finally``):
    it kills an encoder left running by an error mid-stream.
    """

    def __init__(
        self, width: int, height: int, fps: float, pix_fmt: str, output_args: Sequence[str], *, what: str
    ) -> None:
        self.what = what
        self.n_frames = 0
        self._errlog = tempfile.TemporaryFile()  # noqa: SIM115 - close() closes it (see above)
        cmd = [
            *base_cmd(), "-v", "error", "-f", "rawvideo", "-pix_fmt", pix_fmt, "-s", f"{width}x{height}",
            "-framerate", f"{fps:.6g}", "-i", "pipe:0", *output_args,
        ]  # fmt: skip
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._errlog
        )

    def feed(self, frame: memoryview) -> None:
        assert self._proc.stdin is not None
        try:
            self._proc.stdin.write(frame)
        except BrokenPipeError as exc:
            raise MediaError(
                FailureReason.INTERNAL_ERROR, detail=f"{self.what} died: {self.stderr()}"
            ) from exc
        self.n_frames += 1

    def finish(self) -> None:
        """End the input and wait for ffmpeg; nothing written or a failed encode is an internal error."""
        assert self._proc.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            self._proc.stdin.close()
        rc = self._proc.wait()
        if self.n_frames == 0:
            raise MediaError(FailureReason.INTERNAL_ERROR, detail="no frames were written")
        if rc != 0:
            raise MediaError(FailureReason.INTERNAL_ERROR, detail=f"{self.what} failed: {self.stderr()}")

    def close(self) -> None:
        proc = self._proc
        if proc.poll() is None:
            if proc.stdin is not None:
                with contextlib.suppress(OSError):
                    proc.stdin.close()
            proc.kill()
            proc.wait()
        self._errlog.close()

    def stderr(self) -> str:
        self._errlog.seek(0)
        return stderr_tail(self._errlog.read())
