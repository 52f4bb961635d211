"""A layer's soft outline: its own colours, with neither the wall's halo nor a smeared interior."""

from __future__ import annotations

import numpy as np

from motionbot.renderer.engines.warp.arm_cut import own_colours


def test_the_outline_keeps_its_detail_and_loses_the_wall() -> None:
    h, w = 40, 80
    x = np.arange(w)
    # strands of hair, dark and mid-brown, ending in a light wall over a soft ramp
    fore = np.where((x[None, :] // 2) % 2 == 0, 40.0, 120.0) * np.ones((h, w))
    fore = np.repeat(fore[..., None], 3, axis=2)
    wall = np.full((h, w, 3), 235.0)
    alpha = np.clip((60 - x) / 20.0, 0.0, 1.0)[None, :].repeat(h, axis=0).astype(np.float32)
    photo = np.clip(alpha[..., None] * fore + (1 - alpha[..., None]) * wall + 0.5, 0, 255).astype(np.uint8)
    solid = alpha > 0.9
    out = own_colours(photo, solid, alpha).astype(np.float32)
    edge = (alpha > 0.3) & (alpha < 0.9)
    # the wall is taken out: the outline is the strands' own colour ...
    assert np.abs(out[edge] - fore[edge]).max() < 12
    # ... and keeps the strands, where the nearest solid colour smears one of them over the ramp
    strands = out[10, 44:56, 0]
    assert strands.max() - strands.min() > 60
    flat = own_colours(photo, solid).astype(np.float32)[10, 44:56, 0]
    assert flat.max() - flat.min() < 1
