"""The renderer tests' shared fixtures: skimage's astronaut as a photo file, the tiny
Wan-Animate checkpoint, built once a session, and torch on one thread for a module (see
tiny_wan.torch_threads for why).

torch is imported when a fixture is first used, so the warp and media tests never load it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from skimage import data


@pytest.fixture(scope="session")
def astronaut(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """skimage's astronaut (one person, head and shoulders) saved as a PNG, for the engines to animate."""
    path = tmp_path_factory.mktemp("photo") / "astronaut.png"
    Image.fromarray(data.astronaut()).save(path)
    return path


@pytest.fixture(scope="module")
def one_torch_thread() -> Iterator[None]:
    from tiny_wan import torch_threads

    with torch_threads(1):
        yield


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One tiny checkpoint per test session, shared by every diffusion test module."""
    from tiny_wan import session_model

    return session_model(tmp_path_factory.getbasetemp())


@pytest.fixture(scope="session")
def tiny_distilled_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same tiny checkpoint saved as the distilled repository is (its index names the distilled blocks)."""
    from tiny_wan import session_model

    return session_model(tmp_path_factory.getbasetemp(), "tiny-wan-distilled", distilled=True)
