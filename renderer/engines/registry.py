"""Engine loading by name. Imports are lazy so a CPU worker never imports torch."""

from __future__ import annotations

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import EngineName
from motionbot.renderer.engines.base import Engine
from motionbot.renderer.errors import RendererError
from motionbot.renderer.settings import RendererSettings


def load_engine(name: EngineName | str, settings: RendererSettings, *, model: str | None = None) -> Engine:
    """Load an engine once; callers keep it for the life of the process."""
    name = EngineName(name)
    if name is EngineName.WARP:
        from motionbot.renderer.engines.warp.engine import WarpEngine

        return WarpEngine.load(settings)
    if name is EngineName.DIFFUSION:
        try:
            from motionbot.renderer.engines.diffusion.engine import DiffusionEngine
        except ImportError as exc:
            raise RendererError(
                FailureReason.ENGINE_UNAVAILABLE,
                detail=f"the diffusion engine needs `pip install motionbot[diffusion]` ({exc.name})",
            ) from exc
        return DiffusionEngine.load(settings, model=model)
    raise RendererError(FailureReason.ENGINE_UNAVAILABLE, detail=f"unknown engine {name}")
