"""After the engine: the files of the format the user asked for (options.format).

An engine writes the MP4, and the transparent WebM when it can draw its subject alone (the
warp engine); everything else is made from those two files here, so both engines and the CLI
share one way to make a sticker, a GIF or a before/after clip.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

from motionbot.queue.jobs import Extra, OutputFormat, RenderOptions
from motionbot.renderer.engines.base import EngineOutput
from motionbot.renderer.media import formats
from motionbot.renderer.media.probe import probe
from motionbot.renderer.scene import keep_scene
from motionbot.renderer.settings import RendererSettings

log = logging.getLogger(__name__)

NO_ALPHA = "This quality cannot cut the subject out, so the background stays in."
NO_SCENE = (
    "The video's scene needs a reference video; this move has none, so here is your photo's background."
)
NO_REFERENCE = "A before/after needs a reference video; this move has none, so here is the result alone."


def make_formats(
    out: EngineOutput, options: RenderOptions, reference: Path | None, settings: RendererSettings
) -> EngineOutput:
    """``out`` with the files of ``options.format`` added (or its MP4 replaced: the video's
    scene, before/after). Only the transparent format keeps the WebM: a sticker is made from
    it and it goes.
    """
    fmt = options.format
    extras = dict(out.extras)
    warnings = list(out.warnings)
    if options.background == "scene":
        out, note = _keep_scene(out, extras.get(Extra.WEBM), reference, options, settings)
        warnings += [note] if note else []
    if fmt.needs_alpha and Extra.WEBM not in extras:
        warnings.append(NO_ALPHA)
    if fmt is OutputFormat.STICKER:
        source = extras.pop(Extra.WEBM, out.path)
        extras[Extra.STICKER] = formats.write_sticker(source, out.path.with_suffix(".sticker.webm"))
        if source != out.path:
            source.unlink(missing_ok=True)
    elif fmt is OutputFormat.GIF:
        limit = min(options.max_bytes or formats.GIF_MAX_BYTES, formats.GIF_MAX_BYTES)
        extras[Extra.GIF] = formats.write_gif(out.path, out.path.with_suffix(".gif"), max_bytes=limit)
    elif fmt is OutputFormat.BEFORE_AFTER:
        if reference is None:
            warnings.append(NO_REFERENCE)
        else:
            pair = out.path.with_suffix(".pair.mp4")
            formats.write_before_after(out.path, reference, pair)
            os.replace(pair, out.path)
            info = probe(out.path)
            out = dataclasses.replace(out, width=info.width, height=info.height)
    extras = {k: v for k, v in extras.items() if v.exists()}
    for name in list(extras):
        if name is Extra.WEBM and fmt is not OutputFormat.TRANSPARENT:
            extras.pop(name).unlink(missing_ok=True)
    return dataclasses.replace(out, extras=extras, warnings=warnings)


def _keep_scene(
    out: EngineOutput,
    webm: Path | None,
    reference: Path | None,
    options: RenderOptions,
    settings: RendererSettings,
) -> tuple[EngineOutput, str | None]:
    """The MP4 replaced by the subject in the reference clip's scene, or a warning and the MP4."""
    if reference is None:
        return out, NO_SCENE
    if webm is None:
        return out, NO_ALPHA
    scene = out.path.with_suffix(".scene.mp4")
    kept = keep_scene(
        webm, reference, scene, long_side=settings.output_long_side, sound=options.keep_sound,
        ai_label=settings.ai_label_visible,
    )  # fmt: skip
    if isinstance(kept, str):
        return out, kept
    os.replace(scene, out.path)
    return dataclasses.replace(out, width=kept[0], height=kept[1]), None
