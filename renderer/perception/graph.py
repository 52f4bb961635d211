"""A mediapipe solution graph kept open across the frames of a video, closed once.

mediapipe's graphs hold native threads and model buffers; a detector opened per frame is slow
and one left open leaks them, so every detector is one of these, used in a ``with`` block.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any, Self

import numpy as np

from motionbot.renderer.arrays import U8


class MediapipeGraph:
    def __init__(self, graph: Any) -> None:
        self._graph = graph

    def process(self, rgb: U8) -> Any:
        """The graph's raw result for one RGB image (mediapipe wants contiguous memory)."""
        return self._graph.process(np.ascontiguousarray(rgb))

    def close(self) -> None:
        self._graph.close()

    def reset(self) -> None:
        """Forget what the graph tracked (the next image is looked at afresh)."""
        self._graph.reset()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
