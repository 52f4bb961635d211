"""The diffusion engine's driving video shows the chosen performer of a clip with two people."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import skimage.data
from media_factories import encode_frames
from PIL import Image

from motionbot.queue.jobs import EngineName, RenderOptions
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.diffusion.performer import crop_frames, performer_box
from motionbot.renderer.settings import RendererSettings

WIDTH, HEIGHT, SIDE = 960, 400, 300


def _astronaut() -> np.ndarray:
    photo = Image.fromarray(np.asarray(skimage.data.astronaut(), dtype=np.uint8))  # type: ignore[no-untyped-call]
    return np.asarray(photo.resize((SIDE, SIDE)))


@pytest.fixture(scope="module")
def two_people(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two people apart, both swaying a little: A on the left, B (other colours) on the right."""
    a = _astronaut()
    b = a[:, ::-1, ::-1].copy()
    clip = []
    for i in range(18):
        frame = np.full((HEIGHT, WIDTH, 3), 40, dtype=np.uint8)
        dx = round(8 * np.sin(i / 3))
        frame[HEIGHT - SIDE :, 60 + dx : 60 + dx + SIDE] = a
        frame[HEIGHT - SIDE :, 600 - dx : 600 - dx + SIDE] = b
        clip.append(frame)
    return encode_frames(clip, tmp_path_factory.mktemp("two") / "two.mp4", 12.0)


def test_the_box_follows_the_chosen_one(two_people: Path, tmp_path: Path) -> None:
    settings = RendererSettings(cache_dir=tmp_path)
    left = performer_box(two_people, settings, 1, 10.0)
    right = performer_box(two_people, settings, 2, 10.0)
    assert left is not None and right is not None
    assert left[2] < 0.55 and right[0] > 0.45, (left, right)  # each box holds one of them
    assert left[0] <= 60 / WIDTH and right[2] >= 900 / WIDTH  # ...all of them
    frames = [np.zeros((200, 480, 3), np.uint8)] * 3
    cut = crop_frames(frames, right)
    assert all(f.shape == cut[0].shape for f in cut)
    assert cut[0].shape[0] % 2 == 0 and cut[0].shape[1] % 2 == 0 and cut[0].shape[1] < 300


def test_one_person_is_not_cropped(tmp_path: Path) -> None:
    a = _astronaut()
    clip = []
    for i in range(18):
        frame = np.full((HEIGHT, WIDTH, 3), 40, dtype=np.uint8)
        frame[HEIGHT - SIDE :, 300 + 4 * i : 600 + 4 * i] = a
        clip.append(frame)
    one = encode_frames(clip, tmp_path / "one.mp4", 12.0)
    assert performer_box(one, RendererSettings(cache_dir=tmp_path), None, 10.0) is None


@pytest.mark.usefixtures("one_torch_thread")
def test_engine_drives_with_the_chosen_performer(tiny_model: Path, two_people: Path, tmp_path: Path) -> None:
    from tiny_wan import tiny_settings

    from motionbot.renderer.engines.diffusion.engine import DiffusionEngine
    from motionbot.renderer.engines.registry import load_engine

    engine = load_engine("diffusion", tiny_settings(), model=str(tiny_model))
    assert isinstance(engine, DiffusionEngine)
    photo = tmp_path / "photo.png"
    Image.fromarray(np.zeros((96, 64, 3), np.uint8)).save(photo)
    seen = {}
    for performer in (1, 2):
        options = RenderOptions(engine=EngineName.DIFFUSION, performer=performer)
        job = EngineInput(photo=photo, output=tmp_path / "o.mp4", options=options, video=two_people)
        _, frames, _ = engine._read_inputs(job, lambda *_: None, [])
        seen[performer] = frames[0]
    width = seen[1].shape[1]
    assert width < 0.6 * seen[1].shape[0] * WIDTH / HEIGHT  # a crop, not the whole frame
    # the left crop shows A's colours, the right one B's (A with red and blue swapped)
    red_blue = [float(f[..., 0].mean() - f[..., 2].mean()) for f in (seen[1], seen[2])]
    assert np.sign(red_blue[0]) != np.sign(red_blue[1]), red_blue
