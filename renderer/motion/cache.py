"""Extracted motions on disk, keyed by what determines them.

The key is the video's content hash plus every setting that changes the extraction and the
extractor's version, so a motion is extracted once and reused with any number of photos,
and a new extractor release never serves a stale track.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

from motionbot.queue.counters import CACHE_HITS, CACHE_MISSES
from motionbot.renderer.engines.base import ProgressCallback, no_progress
from motionbot.renderer.motion import extract
from motionbot.renderer.motion.model import Motion
from motionbot.renderer.motion.on_performer import POSE_SIDE
from motionbot.renderer.settings import RendererSettings

log = logging.getLogger(__name__)


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class MotionCache:
    """A directory of ``<key>.motion.json`` files."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0

    @classmethod
    def for_settings(cls, settings: RendererSettings) -> MotionCache:
        """The cache every process of one deployment shares (CLI and workers alike)."""
        return cls(settings.cache_dir / "motion")

    def key(
        self, video: Path, settings: RendererSettings, *, with_face: bool | None, performer: int | None = None
    ) -> str:
        params = {
            "sha256": file_sha256(video),
            "extractor": extract.EXTRACTOR_VERSION,
            "max_fps": settings.max_fps,
            "max_seconds": settings.max_seconds,
            "max_video_side": settings.max_video_side,
            "pose_side": POSE_SIDE,
            "with_face": with_face,
            "performer": performer,  # None: the scan's default
            # chunk boundaries restart the tracker, so the track may differ slightly
            "motion_workers": settings.motion_workers,
        }
        return hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:32]

    def path(self, key: str) -> Path:
        return self.directory / f"{key}.motion.json"

    def get(self, key: str) -> Motion | None:
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            return Motion.load(path)
        except (ValueError, KeyError, OSError) as exc:  # a damaged entry is a miss, not a failure
            log.warning("dropping unreadable motion cache entry %s: %s", path, exc)
            path.unlink(missing_ok=True)
            return None

    def put(self, key: str, motion: Motion) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.path(key)
        motion.save(path)
        return path


def extract_motion_cached(
    video: Path,
    settings: RendererSettings,
    cache: MotionCache,
    *,
    progress: ProgressCallback = no_progress,
    with_face: bool | None = None,
    performer: int | None = None,
) -> Motion:
    key = cache.key(video, settings, with_face=with_face, performer=performer)
    motion = cache.get(key)
    if motion is not None:
        cache.hits += 1
        CACHE_HITS.labels("motion").inc()
        return motion
    cache.misses += 1
    CACHE_MISSES.labels("motion").inc()
    motion = extract.extract_motion(
        video, settings, progress=progress, with_face=with_face, performer=performer
    )
    cache.put(key, motion)
    return motion
