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

log = logging.getLogger(__name__)

NO_ALPHA = "This quality cannot cut the subject out, so the background stays in."
NO_REFERENCE = "A before/after needs a reference video; this move has none, so here is the result alone."


def make_formats(out: EngineOutput, options: RenderOptions, reference: Path | None) -> EngineOutput:
    """``out`` with the files of ``options.format`` added (or its MP4 replaced, before/after).

    Only the transparent format keeps the WebM: a sticker is made from it and it goes.
    """
    fmt = options.format
    extras = dict(out.extras)
    warnings = list(out.warnings)
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
    for name in list(extras):
        if name is Extra.WEBM and fmt is not OutputFormat.TRANSPARENT:
            extras.pop(name).unlink(missing_ok=True)
    return dataclasses.replace(out, extras=extras, warnings=warnings)
