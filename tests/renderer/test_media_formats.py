"""Results in the shapes people post them: transparent WebM, Telegram sticker, GIF, before/after,
rendered by the warp engine on skimage's astronaut and read back with the bundled ffmpeg."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import media_factories as factories
import numpy as np
import pytest
from format_probes import assert_sticker, assert_transparent

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import Extra, OutputFormat, RenderOptions
from motionbot.renderer import pipeline
from motionbot.renderer.deliverables import NO_REFERENCE
from motionbot.renderer.engines.base import EngineOutput
from motionbot.renderer.engines.warp.engine import WarpEngine
from motionbot.renderer.errors import MediaError
from motionbot.renderer.media import formats
from motionbot.renderer.media.probe import probe
from motionbot.renderer.media.video import open_video
from motionbot.renderer.settings import RendererSettings

SETTINGS = RendererSettings(output_long_side=256, ai_label_visible=False)


@pytest.fixture(scope="module")
def engine() -> Iterator[WarpEngine]:
    eng = WarpEngine.load(SETTINGS)
    yield eng
    eng.close()


def render(engine: WarpEngine, photo: Path, out: Path, fmt: OutputFormat, **kw: object) -> EngineOutput:
    options = RenderOptions(format=fmt, max_seconds=2.0, **kw)  # type: ignore[arg-type]
    return pipeline.render(photo, "wave", out, options, engine, SETTINGS)


def middle_frame(path: Path) -> np.ndarray:
    frames = [f.copy() for f in open_video(path, max_fps=120, max_side=4096).frames()]
    return frames[len(frames) // 2].astype(np.int16)


def test_transparent_webm_beside_an_unchanged_mp4(
    engine: WarpEngine, astronaut: Path, tmp_path: Path
) -> None:
    out = render(engine, astronaut, tmp_path / "t.mp4", OutputFormat.TRANSPARENT)
    webm = out.extras[Extra.WEBM]
    info = assert_transparent(webm)
    assert (info.width, info.height) == (out.width, out.height)
    assert abs((info.duration_s or 0) - out.duration_s) < 0.1 and info.fps == pytest.approx(out.fps, abs=0.5)
    # the MP4 is what a plain render draws: the layers composited over the same backdrop
    plain = render(engine, astronaut, tmp_path / "p.mp4", OutputFormat.MP4)
    assert not plain.extras
    diff = np.abs(middle_frame(out.path) - middle_frame(plain.path))
    assert float(diff.mean()) < 1.5, float(diff.mean())


def test_sticker_follows_telegrams_rules(engine: WarpEngine, astronaut: Path, tmp_path: Path) -> None:
    out = render(engine, astronaut, tmp_path / "s.mp4", OutputFormat.STICKER, max_bytes=10_000_000)
    assert set(out.extras) == {Extra.STICKER}  # the WebM it was made from is gone
    assert not (tmp_path / "s.webm").exists()
    assert_sticker(out.extras[Extra.STICKER])


def test_gif_has_its_own_palette_and_fits_its_limit(
    engine: WarpEngine, astronaut: Path, tmp_path: Path
) -> None:
    out = render(engine, astronaut, tmp_path / "g.mp4", OutputFormat.GIF)
    gif = probe(out.extras[Extra.GIF])
    assert gif.video_codec == "gif" and gif.size_bytes <= formats.GIF_MAX_BYTES
    assert (gif.width, gif.height) == (out.width, out.height)  # 256 px is under the GIF's 480
    small = formats.write_gif(out.path, tmp_path / "small.gif", max_bytes=gif.size_bytes // 2)
    shrunk = probe(small)
    assert shrunk.size_bytes <= gif.size_bytes // 2 and shrunk.width < gif.width
    with pytest.raises(MediaError) as err:
        formats.write_gif(out.path, tmp_path / "tiny.gif", max_bytes=2_000)
    assert err.value.reason is FailureReason.OUTPUT_TOO_LARGE and not (tmp_path / "tiny.gif").exists()


def test_before_after_puts_the_reference_beside_a_tall_result_with_its_sound(tmp_path: Path) -> None:
    result = factories.testsrc_video(tmp_path / "result.mp4", size="96x160", fps=12, seconds=1.0)
    reference = factories.testsrc_video(tmp_path / "ref.mp4", size="320x240", fps=25, seconds=2.0, audio=True)
    pair = probe(formats.write_before_after(result, reference, tmp_path / "pair.mp4"))
    assert pair.height == 160 and pair.width == 96 + round(320 * 160 / 240 / 2) * 2
    assert pair.has_audio and abs((pair.duration_s or 0) - 1.0) < 0.15


def test_before_after_stacks_a_wide_result_and_needs_a_reference(
    engine: WarpEngine, astronaut: Path, tmp_path: Path
) -> None:
    result = factories.testsrc_video(tmp_path / "wide.mp4", size="160x96", fps=12, seconds=1.0)
    reference = factories.testsrc_video(tmp_path / "ref.mp4", size="320x240", fps=25, seconds=2.0)
    pair = probe(formats.write_before_after(result, reference, tmp_path / "pair.mp4"))
    assert pair.width == 160 and pair.height == 96 + 120 and not pair.has_audio
    out = render(engine, astronaut, tmp_path / "ba.mp4", OutputFormat.BEFORE_AFTER)  # a preset move
    assert NO_REFERENCE in out.warnings and (out.width, out.height) == (
        probe(out.path).width,
        probe(out.path).height,
    )


def test_aspects_frame_the_subject(engine: WarpEngine, astronaut: Path, tmp_path: Path) -> None:
    for aspect, ratio in (("9:16", 9 / 16), ("1:1", 1.0)):
        out = render(
            engine, astronaut, tmp_path / f"{aspect.replace(':', '')}.mp4", OutputFormat.MP4, aspect=aspect
        )
        assert out.width / out.height == pytest.approx(ratio, abs=0.02) and max(out.width, out.height) == 256
