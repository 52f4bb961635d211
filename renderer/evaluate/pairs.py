"""Which (photo, video) pairs to score: every image x every video of a folder, or a CSV."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import RendererError

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".webp"}
VIDEO_SUFFIXES = {".mp4", ".mov", ".webm", ".mkv", ".gif", ".m4v"}


@dataclass(frozen=True)
class Pair:
    photo: Path
    video: Path
    performer: int | None = None  # RenderOptions.performer: whom to follow in the video
    subject: int | None = None  # RenderOptions.subject: who moves in the photo

    @property
    def name(self) -> str:
        chosen = (f"__p{self.performer}" if self.performer else "") + (
            f"__s{self.subject}" if self.subject else ""
        )
        return f"{self.photo.stem}__{self.video.stem}{chosen}"


def find_pairs(source: Path) -> list[Pair]:
    """Pairs from a folder (all images x all videos, sorted) or a CSV with photo,video columns
    (and optional performer and subject columns: the people's numbers, empty for the default).

    Relative paths in a CSV are taken relative to the CSV's folder.
    """
    source = Path(source)
    if source.is_dir():
        files = sorted(p for p in source.iterdir() if p.is_file())
        photos = [p for p in files if p.suffix.lower() in IMAGE_SUFFIXES]
        videos = [p for p in files if p.suffix.lower() in VIDEO_SUFFIXES]
        if not photos or not videos:
            raise RendererError(
                FailureReason.UNREADABLE_FILE,
                f"{source} needs at least one photo and one video to pair up.",
            )
        return [Pair(p, v) for p in photos for v in videos]
    if source.suffix.lower() == ".csv" and source.is_file():
        pairs: list[Pair] = []
        with source.open(newline="") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or not {"photo", "video"} <= set(reader.fieldnames):
                raise RendererError(
                    FailureReason.UNREADABLE_FILE,
                    f"{source} must have a header with photo and video columns.",
                )
            for row in reader:
                photo, video = Path(row["photo"].strip()), Path(row["video"].strip())
                pairs.append(
                    Pair(
                        _resolve(photo, source.parent),
                        _resolve(video, source.parent),
                        _number(row.get("performer")),
                        _number(row.get("subject")),
                    )
                )
        return pairs
    raise RendererError(FailureReason.UNREADABLE_FILE, f"{source} is neither a folder nor a .csv file.")


def _number(cell: str | None) -> int | None:
    return int(cell) if cell and cell.strip() else None


def _resolve(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else base / path
