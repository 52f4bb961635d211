"""Input guidance on real pictures: the samples' documented content, the astronaut, bad files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import skimage.data
from media_factories import encode_frames
from PIL import Image

from motionbot.queue import english
from motionbot.queue.jobs import Finding, Framing, InspectReport, Severity
from motionbot.renderer.inspect import inspect_file, inspect_photo, inspect_video
from motionbot.renderer.settings import RendererSettings

SETTINGS = RendererSettings()


def codes(report: InspectReport) -> dict[str, Severity]:
    return {f.code: f.severity for f in report.findings}


def said(finding: Finding, kind: str) -> str:
    return english.finding(finding.code, finding.severity.value, kind, finding.params)


@pytest.fixture(scope="module")
def astronaut_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("photos") / "astronaut.png"
    Image.fromarray(np.asarray(skimage.data.astronaut(), dtype=np.uint8)).save(path)  # type: ignore[no-untyped-call]
    return path


def test_astronaut_photo(astronaut_png: Path) -> None:
    report = inspect_photo(astronaut_png, SETTINGS)
    assert report.ok and report.kind == "photo" and report.failure_reason is None
    assert report.framing is Framing.HALF_BODY
    assert report.people == 1
    assert (report.width, report.height) == (512, 512)
    found = codes(report)
    assert found["face_clear"] is Severity.OK and found["lighting_ok"] is Severity.OK
    # her hands are below the photo's edge, as in any half-body photo: a note, not a warning
    assert found.get("hands_hidden", Severity.INFO) is Severity.INFO
    # codes and figures only: the words are the bot's, or English from the codes for the CLI
    assert all(f.message is None for f in report.findings)
    assert all(said(f, "photo").endswith(".") for f in report.findings)
    assert "message" not in report.model_dump_json(exclude_none=True)


def test_dark_photo_gets_a_lighting_warning(astronaut_png: Path, tmp_path: Path) -> None:
    dark = tmp_path / "dark.png"
    Image.fromarray(np.asarray(Image.open(astronaut_png)) // 7).save(dark)
    report = inspect_photo(dark, SETTINGS)
    assert codes(report).get("too_dark") is Severity.WARNING


def test_photo_without_a_person(tmp_path: Path) -> None:
    path = tmp_path / "wall.png"
    Image.fromarray(np.full((400, 300, 3), 180, dtype=np.uint8)).save(path)
    report = inspect_photo(path, SETTINGS)
    assert not report.ok and codes(report) == {"no_person": Severity.ERROR}
    assert report.people == 0


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n broken"])
def test_unreadable_files_give_a_report_not_an_exception(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "upload.jpg"
    path.write_bytes(content)
    for inspect in (inspect_file, inspect_photo, inspect_video):
        report = inspect(path, SETTINGS)
        assert not report.ok and report.failure_reason
        first = report.findings[0]
        assert first.severity is Severity.ERROR and first.code == report.failure_reason
        assert first.message is None and said(first, report.kind).endswith(".")


def test_missing_file_is_reported(tmp_path: Path) -> None:
    report = inspect_file(tmp_path / "nope.mp4", SETTINGS)
    assert not report.ok and report.failure_reason


def test_video_with_a_scene_cut_and_a_person(astronaut_png: Path, tmp_path: Path) -> None:
    person = np.asarray(Image.open(astronaut_png).convert("RGB"))
    cat = np.asarray(Image.fromarray(np.asarray(skimage.data.chelsea())).resize((512, 512)))  # type: ignore[no-untyped-call]
    frames = [np.roll(person, 2 * i, axis=1) for i in range(15)] + [np.roll(cat, i, axis=1) for i in range(5)]
    path = encode_frames(frames, tmp_path / "cut.mp4", 10.0)
    report = inspect_file(path, SETTINGS)
    assert report.kind == "video" and report.fps and report.duration_s
    assert codes(report).get("scene_cuts") is Severity.WARNING
    assert report.people == 1


PORTRAIT_FRAMING = {
    "portrait_fullbody_woman.jpg": Framing.FULL_BODY,
    "portrait_fullbody_man.png": Framing.FULL_BODY,
    "portrait_halfbody_woman.jpg": Framing.HALF_BODY,
    "portrait_face_woman.jpeg": Framing.FACE,
}


@pytest.mark.samples
@pytest.mark.parametrize("name", sorted(PORTRAIT_FRAMING))
def test_sample_portraits_match_their_description(name: str, samples_dir: Path) -> None:
    report = inspect_photo(samples_dir / name, SETTINGS)
    assert report.ok and report.people == 1
    assert report.framing is PORTRAIT_FRAMING[name]
    found = codes(report)
    assert found["face_clear"] is Severity.OK
    if name == "portrait_fullbody_woman.jpg":  # hands in pockets: a warning before any render
        assert found["hands_hidden"] is Severity.WARNING
    if name == "portrait_fullbody_man.png":  # arms down, hands visible
        assert found["arms_visible"] is Severity.OK


@pytest.mark.samples
def test_hands_behind_the_back_are_a_warning_naming_both_hands(samples_dir: Path) -> None:
    report = inspect_photo(samples_dir / "portrait_handsbehindback_woman.jpg", SETTINGS)
    hidden = next(f for f in report.findings if f.code == "hands_hidden")
    assert hidden.severity is Severity.WARNING and hidden.params == {"side": "both"}
    assert "send a photo with both hands in view" in said(hidden, "photo")
    assert said(hidden, "photo").startswith("Both hands are hidden")


VIDEO_FRAMING = {
    "video_dance_fullbody.mp4": Framing.FULL_BODY,
    "video_face_woman.mp4": Framing.FACE,
    "video_halfbody_woman.mp4": Framing.HALF_BODY,
    "video_walk_fullbody.mp4": Framing.FULL_BODY,
    "video_wave_fullbody.mp4": Framing.FULL_BODY,
}


@pytest.mark.samples
@pytest.mark.parametrize("name", sorted(VIDEO_FRAMING))
def test_sample_videos_match_their_description(name: str, samples_dir: Path) -> None:
    report = inspect_video(samples_dir / name, SETTINGS)
    assert report.ok and report.people == 1 and report.framing is VIDEO_FRAMING[name]
    found = codes(report)
    assert found["no_cuts"] is Severity.OK, "all samples are single shots"
    if name in ("video_dance_fullbody.mp4", "video_wave_fullbody.mp4", "video_face_woman.mp4"):
        assert found["camera_steady"] is Severity.OK
    assert report.duration_s is not None and report.duration_s > 7


@pytest.mark.samples
def test_long_video_is_trimmed_with_a_note(samples_dir: Path) -> None:
    report = inspect_video(samples_dir / "video_wave_fullbody.mp4", RendererSettings(max_seconds=4))
    assert codes(report).get("trimmed") is Severity.INFO
    assert report.duration_s == pytest.approx(4.0, abs=0.1)
