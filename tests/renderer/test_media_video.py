"""probe and open_video on reference videos: normalisation, orientation, refusals."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

import media_factories as mf
import numpy as np
import pytest

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import MediaError
from motionbot.renderer.media.probe import probe
from motionbot.renderer.media.video import open_video


def _refusal(path: Path, **kw: float) -> MediaError:
    with pytest.raises(MediaError) as exc:
        open_video(path, **kw)  # type: ignore[arg-type]
    return exc.value


@pytest.mark.parametrize("suffix", [".mp4", ".mov", ".mkv", ".webm", ".gif"])
def test_containers_decode(tmp_path: Path, suffix: str) -> None:
    vcodec = "libvpx-vp9" if suffix == ".webm" else "libx264"
    path = mf.testsrc_video(tmp_path / f"clip{suffix}", size="64x48", fps=10, seconds=1, vcodec=vcodec)
    reader = open_video(path)
    assert (reader.spec.width, reader.spec.height, reader.spec.fps) == (64, 48, 10)
    frames = reader.read_all()
    assert frames.shape == (reader.spec.n_frames, 48, 64, 3) and frames.dtype == np.uint8
    assert reader.spec.n_frames == 10
    assert frames.std() > 10  # real picture, not a blank buffer
    assert not reader.warnings and not reader.spec.trimmed


def test_probe_describes_video_and_audio(tmp_path: Path) -> None:
    path = mf.testsrc_video(tmp_path / "clip.mp4", size="96x64", fps=25, seconds=2, audio=True)
    info = probe(path)
    assert info.kind == "video" and info.container.startswith("mov,mp4")
    assert (info.width, info.height, info.fps, info.rotation) == (96, 64, 25.0, 0)
    assert info.has_video and info.has_audio and info.video_codec == "h264"
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    assert info.n_frames == 50 and info.size_bytes == path.stat().st_size
    assert open_video(path).spec.has_audio


def test_frame_rate_and_size_are_capped(tmp_path: Path) -> None:
    path = mf.testsrc_video(tmp_path / "big.mp4", size="640x360", fps=60, seconds=1)
    reader = open_video(path, max_fps=30, max_side=320)
    spec = reader.spec
    assert (spec.width, spec.height, spec.fps, spec.n_frames) == (320, 180, 30, 30)
    frames = list(reader.frames())
    assert len(frames) == 30 and frames[0].shape == (180, 320, 3)


def test_odd_scaled_size_is_made_even(tmp_path: Path) -> None:
    path = mf.testsrc_video(tmp_path / "odd.mp4", size="100x76", fps=10, seconds=0.5)
    spec = open_video(path, max_side=90).spec
    assert spec.width % 2 == 0 and spec.height % 2 == 0 and max(spec.width, spec.height) <= 90


def test_long_video_is_trimmed_and_says_so(tmp_path: Path) -> None:
    path = mf.testsrc_video(tmp_path / "long.mp4", size="32x32", fps=10, seconds=5)
    reader = open_video(path, max_seconds=2)
    assert reader.spec.trimmed and reader.spec.n_frames == 20
    assert reader.spec.source_duration_s == pytest.approx(5.0, abs=0.15)
    assert reader.spec.duration_s == pytest.approx(2.0)
    assert len(reader.warnings) == 1 and "first 2 s" in reader.warnings[0]
    assert len(reader.read_all()) == 20


def test_two_hour_video_is_refused_before_decoding(tmp_path: Path) -> None:
    path = mf.long_video(tmp_path / "two_hours.mp4", seconds=7200)
    assert probe(path).duration_s == pytest.approx(7200, abs=1)
    start = time.perf_counter()
    err = _refusal(path)
    assert time.perf_counter() - start < 1.0
    assert err.reason == FailureReason.VIDEO_TOO_LONG
    assert "120 minutes" in err.message and "10 minutes" in err.message


@pytest.mark.parametrize("clockwise", [90, 180, 270])
def test_rotated_phone_video_decodes_upright(tmp_path: Path, clockwise: int) -> None:
    upright = mf.quadrants(64, 96)  # portrait, as the user filmed it
    stored = np.ascontiguousarray(np.rot90(upright, k=clockwise // 90))  # turned the other way
    frames = np.repeat(stored[None], 10, axis=0)
    # displaying needs a clockwise turn, which ffmpeg's display matrix writes counter-clockwise
    path = mf.raw_video(tmp_path / "phone.mp4", frames, fps=10, display_rotation=-clockwise)
    info = probe(path)
    assert (info.rotation, info.width, info.height) == (clockwise, 64, 96)
    reader = open_video(path)
    assert (reader.spec.width, reader.spec.height) == (64, 96)
    for frame in reader.frames():
        assert frame.shape == (96, 64, 3)
        mf.assert_upright_quadrants(frame)


def test_variable_frame_rate_becomes_constant(tmp_path: Path) -> None:
    path = mf.vfr_video(tmp_path / "vfr.mkv")
    reader = open_video(path)
    spec = reader.spec
    # 24 of 60 frames kept, in bursts of 4 at 30 fps: source packets are far fewer than frames out
    assert probe(path).n_frames != 24
    frames = reader.read_all()
    assert len(frames) == spec.n_frames == round(spec.fps * spec.duration_s)
    assert spec.n_frames > 24
    assert spec.duration_s == pytest.approx(1.8, abs=0.15)
    # the gaps are filled by repeating frames, the bursts thinned: both happen at a constant rate
    repeats = sum(np.array_equal(a, b) for a, b in itertools.pairwise(frames))
    assert 0 < repeats < len(frames) - 1


def test_breaking_out_of_frames_stops_ffmpeg(tmp_path: Path) -> None:
    path = mf.testsrc_video(tmp_path / "clip.mp4", size="64x48", fps=10, seconds=3)
    reader = open_video(path)
    it = reader.frames()
    first = next(it)
    first[:] = 0  # frames are writable, owned by the caller
    it.close()  # what a `break` in a for loop does
    assert len(reader.read_all()) == 30  # a fresh pass still works


def test_bad_inputs_are_refused_with_reasons(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    text = tmp_path / "readme.mp4"
    text.write_text("this is not a video at all\n" * 20)
    good = mf.testsrc_video(tmp_path / "good.mp4", size="64x48", fps=10, seconds=2)
    cut = mf.truncated(good, tmp_path / "cut.mp4", keep=0.5)  # moov is at the end: lost
    sound = mf.audio_only(tmp_path / "sound.m4a")
    playlist = tmp_path / "list.m3u8"  # would make ffmpeg open the files it names
    playlist.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\n" + str(good) + "\n#EXT-X-ENDLIST\n")
    photo = tmp_path / "photo.png"
    from PIL import Image

    Image.fromarray(mf.quadrants(80, 80)).save(photo)
    cases = {
        empty: FailureReason.UNREADABLE_FILE,
        text: FailureReason.NOT_A_VIDEO,
        cut: FailureReason.UNREADABLE_FILE,
        sound: FailureReason.NO_VIDEO_STREAM,
        playlist: FailureReason.NOT_A_VIDEO,
        photo: FailureReason.NOT_A_VIDEO,
    }
    for path, reason in cases.items():
        err = _refusal(path)
        assert err.reason == reason, f"{path.name}: {err}"
        assert err.message and "Please" in err.message


def test_cut_faststart_video_reports_damage_not_a_crash(tmp_path: Path) -> None:
    faststart = ("-movflags", "+faststart")
    good = mf.testsrc_video(tmp_path / "good.mp4", size="64x48", fps=10, seconds=4, extra=faststart)
    # header intact, most frames lost: what is there is used, at the declared rate
    part = open_video(mf.truncated(good, tmp_path / "part.mp4", keep=0.3))
    assert part.spec.fps == 10 and 0 < part.spec.n_frames < 40
    assert len(part.read_all()) == part.spec.n_frames
    # only the header: nothing to decode
    assert _refusal(mf.truncated(good, tmp_path / "cut.mp4", keep=0.05)).reason == FailureReason.NO_FRAMES


def test_unsupported_container_and_size_limit(tmp_path: Path) -> None:
    avi = mf.testsrc_video(tmp_path / "clip.avi", size="64x48", fps=10, seconds=0.5, vcodec="mpeg4")
    assert _refusal(avi).reason == FailureReason.UNSUPPORTED_FORMAT
    mp4 = mf.testsrc_video(tmp_path / "clip.mp4", size="64x48", fps=10, seconds=0.5)
    assert _refusal(mp4, max_bytes=100).reason == FailureReason.FILE_TOO_LARGE


@pytest.mark.samples
def test_sample_dance_video(samples_dir: Path) -> None:
    reader = open_video(samples_dir / "video_dance_fullbody.mp4")
    spec = reader.spec
    assert (spec.width, spec.height, spec.fps, spec.n_frames) == (512, 758, 24, 194)
    assert spec.has_audio and not spec.trimmed
    frames = reader.read_all()
    assert frames.shape == (194, 758, 512, 3)
    assert frames.std() > 20


def test_frames_start_with_the_sound_when_the_picture_starts_late(tmp_path: Path) -> None:
    # frame 0 must be the container's time 0, the point VideoWriter(audio_from=...) takes the
    # sound from; otherwise the kept sound would run half a second ahead of the motion
    path = mf.late_video_start(tmp_path / "late.mp4", tmp_path, delay_s=0.5)
    reader = open_video(path)
    frames = reader.read_all()
    assert abs(reader.spec.n_frames - 25) <= 1
    assert all(np.array_equal(frames[0], frames[i]) for i in range(1, 5))  # held until the picture starts
    assert not np.array_equal(frames[5], frames[6])


@pytest.mark.parametrize(("n_frames", "fps"), [(17, 24.0), (30, 30.0), (20, 20.0)])
def test_our_own_encodes_read_back_frame_exact(tmp_path: Path, n_frames: int, fps: float) -> None:
    """x264 B-frames make the stream copy's last timestamp a frame early; no frame may be lost."""
    from motionbot.renderer.media.encode import VideoWriter

    path = tmp_path / "round.mp4"
    with VideoWriter(path, 64, 48, fps) as writer:
        for i in range(n_frames):
            writer.write(np.full((48, 64, 3), (i * 7) % 256, np.uint8))
    reader = open_video(path)
    assert reader.spec.fps == pytest.approx(fps)
    assert reader.spec.n_frames == n_frames
    assert len(list(reader.frames())) == n_frames
