"""VideoWriter, fit_to_budget and write_thumbnail: chat-ready, labelled, atomic output."""

from __future__ import annotations

from pathlib import Path

import media_factories as mf
import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import MediaError
from motionbot.renderer.media.encode import (
    AI_COMMENT,
    DISCORD_UPLOAD_LIMIT,
    VideoWriter,
    fit_bitrate,
    fit_to_budget,
    write_thumbnail,
)
from motionbot.renderer.media.probe import probe
from motionbot.renderer.media.video import open_video


def _frames(n: int, width: int, height: int) -> list[npt.NDArray[np.uint8]]:
    base = mf.quadrants(width, height)
    out = []
    for i in range(n):
        frame = base.copy()
        frame[:4, : (i * 3) % width] = 128  # a moving bar so frames differ
        out.append(frame)
    return out


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_roundtrip_is_h264_yuv420p_labelled_and_faststart(tmp_path: Path) -> None:
    dst = tmp_path / "out.mp4"
    assert mf.encode_frames(_frames(12, 64, 96), dst, fps=12) == dst
    info = probe(dst)
    assert (info.video_codec, info.width, info.height, info.has_audio) == ("h264", 64, 96, False)
    text = mf.ffmpeg_info(dst)
    assert "yuv420p" in text
    assert f"comment         : {AI_COMMENT}" in text
    assert "AI-generated" in text.split("title", 1)[1].splitlines()[0]
    atoms = mf.top_level_atoms(dst)
    assert atoms.index("moov") < atoms.index("mdat")
    frames = open_video(dst).read_all()
    assert len(frames) == 12
    mf.assert_upright_quadrants(frames[5])
    assert _leftovers(tmp_path) == []


def test_odd_size_is_cropped_to_even(tmp_path: Path) -> None:
    dst = tmp_path / "odd.mp4"
    with VideoWriter(dst, 65, 97, 10) as writer:
        for frame in _frames(5, 65, 97):
            writer.write(frame)
    info = probe(dst)
    assert (info.width, info.height) == (64, 96)


def test_wrong_frame_size_is_a_programming_error(tmp_path: Path) -> None:
    dst = tmp_path / "bad.mp4"
    with pytest.raises(ValueError, match="frame is"), VideoWriter(dst, 64, 48, 10) as writer:
        writer.write(np.zeros((48, 64, 3), np.uint8))
        writer.write(np.zeros((50, 64, 3), np.uint8))
    assert not dst.exists() and _leftovers(tmp_path) == []


def test_exception_leaves_no_file_and_keeps_an_old_result(tmp_path: Path) -> None:
    dst = tmp_path / "result.mp4"
    with pytest.raises(RuntimeError), VideoWriter(dst, 64, 48, 10) as writer:
        for frame in _frames(5, 64, 48):
            writer.write(frame)
        raise RuntimeError("engine crashed mid-render")
    assert not dst.exists()
    assert _leftovers(tmp_path) == []
    dst.write_bytes(b"previous good result")
    with pytest.raises(RuntimeError), VideoWriter(dst, 64, 48, 10, audio_from=None) as writer:
        writer.write(_frames(1, 64, 48)[0])
        raise RuntimeError("again")
    assert dst.read_bytes() == b"previous good result"
    assert _leftovers(tmp_path) == []


def test_reference_audio_kept_trimmed_and_optional(tmp_path: Path) -> None:
    ref = mf.testsrc_video(tmp_path / "ref.mp4", size="64x48", fps=10, seconds=4, audio=True)
    with_sound = tmp_path / "with_sound.mp4"
    mf.encode_frames(_frames(20, 64, 48), with_sound, fps=10, audio_from=ref, audio_offset_s=1.0)
    info = probe(with_sound)
    assert info.has_audio
    assert info.duration_s == pytest.approx(2.0, abs=0.1)  # audio cut to the 2 s of picture
    assert "aac" in mf.ffmpeg_info(with_sound)
    assert mf.top_level_atoms(with_sound).index("moov") < mf.top_level_atoms(with_sound).index("mdat")
    assert AI_COMMENT in mf.ffmpeg_info(with_sound)

    silent = tmp_path / "silent.mp4"
    mf.encode_frames(_frames(20, 64, 48), silent, fps=10)
    assert not probe(silent).has_audio

    # "keep the sound" of a reference without sound: still a valid, silent video
    mute_ref = mf.testsrc_video(tmp_path / "mute.mp4", size="64x48", fps=10, seconds=2)
    from_mute = tmp_path / "from_mute.mp4"
    mf.encode_frames(_frames(10, 64, 48), from_mute, fps=10, audio_from=mute_ref)
    assert not probe(from_mute).has_audio
    assert _leftovers(tmp_path) == []


def test_visible_label_marks_a_corner_only(tmp_path: Path) -> None:
    frames = [np.full((240, 320, 3), 40, np.uint8) for _ in range(3)]
    plain, labelled = tmp_path / "plain.mp4", tmp_path / "labelled.mp4"
    mf.encode_frames(frames, plain, fps=10, crf=12)
    mf.encode_frames(frames, labelled, fps=10, crf=12, visible_label=True)
    a = open_video(plain).read_all()[1].astype(int)
    b = open_video(labelled).read_all()[1].astype(int)
    diff = np.abs(a - b).max(axis=2) > 40
    ys, xs = np.nonzero(diff)
    assert len(ys) > 50  # text is there
    assert ys.min() > 240 * 0.75 and xs.min() > 320 * 0.5  # bottom-right corner
    assert np.array_equal(frames[0], np.full((240, 320, 3), 40, np.uint8))  # caller's frames untouched


def test_fit_to_budget_shrinks_or_refuses(tmp_path: Path) -> None:
    src = tmp_path / "noisy.mp4"
    mf.ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=3", "-vf", "noise=alls=40:allf=t",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "12", "-pix_fmt", "yuv420p", str(src),
    )  # fmt: skip
    size = src.stat().st_size
    budget = size // 4
    dst = fit_to_budget(src, tmp_path / "fit.mp4", budget)
    assert dst.stat().st_size <= budget
    info = probe(dst)
    assert info.video_codec == "h264" and info.duration_s == pytest.approx(3.0, abs=0.2)
    assert AI_COMMENT in mf.ffmpeg_info(dst)
    assert mf.top_level_atoms(dst).index("moov") < mf.top_level_atoms(dst).index("mdat")

    small = fit_to_budget(src, tmp_path / "copy.mp4", size + 1)  # already fits: a plain copy
    assert small.read_bytes() == src.read_bytes()

    with pytest.raises(MediaError) as exc:
        fit_to_budget(src, tmp_path / "never.mp4", 2_000)
    assert exc.value.reason == FailureReason.OUTPUT_TOO_LARGE
    assert not (tmp_path / "never.mp4").exists()
    assert _leftovers(tmp_path) == []


def test_thumbnail_is_a_small_jpeg(tmp_path: Path) -> None:
    video = mf.encode_frames(_frames(20, 640, 480), tmp_path / "clip.mp4", fps=10)
    thumb = write_thumbnail(video, tmp_path / "thumb.jpg")
    with Image.open(thumb) as im:
        assert im.format == "JPEG" and max(im.size) == 320 and im.size == (320, 240)
        mf.assert_upright_quadrants(np.asarray(im.convert("RGB")))
    late = write_thumbnail(video, tmp_path / "late.jpg", at_s=60.0, max_side=100)  # past the end
    with Image.open(late) as im:
        assert max(im.size) <= 100
    assert _leftovers(tmp_path) == []


@pytest.mark.samples
def test_sample_dance_round_trip_keeps_sound(samples_dir: Path, tmp_path: Path) -> None:
    reader = open_video(samples_dir / "video_dance_fullbody.mp4", max_side=256, max_seconds=3)
    assert reader.spec.trimmed and reader.warnings
    dst = tmp_path / "dance.mp4"
    spec = reader.spec
    with VideoWriter(
        dst, spec.width, spec.height, spec.fps, audio_from=reader.path, visible_label=True
    ) as writer:
        for frame in reader.frames():
            writer.write(frame)
    info = probe(dst)
    assert info.has_audio and info.duration_s == pytest.approx(3.0, abs=0.1)
    assert (info.width, info.height) == (reader.spec.width, reader.spec.height)
    fitted = fit_to_budget(dst, tmp_path / "discord.mp4", dst.stat().st_size // 2)
    assert fitted.stat().st_size <= dst.stat().st_size // 2 and probe(fitted).has_audio


def test_fit_uses_the_budget_its_duration_allows(tmp_path: Path) -> None:
    """The bitrate comes from the duration: Discord's 10 MiB over 30 s with 128k of sound leaves
    about 2.4 Mbit/s of picture; a clip fitted to a budget fills most of it (not a tenth)."""
    assert fit_bitrate(30.0, DISCORD_UPLOAD_LIMIT, 128) == pytest.approx(2444, abs=2)
    assert fit_bitrate(60.0, DISCORD_UPLOAD_LIMIT) == fit_bitrate(30.0, DISCORD_UPLOAD_LIMIT) // 2
    src = tmp_path / "noisy.mp4"
    mf.ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=480x360:rate=25:duration=4", "-vf", "noise=alls=30:allf=t",
        "-c:v", "libx264", "-preset", "ultrafast", "-crf", "14", "-pix_fmt", "yuv420p", str(src),
    )  # fmt: skip
    budget = src.stat().st_size // 5
    got = fit_to_budget(src, tmp_path / "fit.mp4", budget).stat().st_size
    assert 0.6 * budget <= got <= budget, (got, budget)
