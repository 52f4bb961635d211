"""Where a mesh ends inside its texture's alpha (a fold's triangles left out), a limb's edge
is softened instead of following the low-resolution map's cells as a staircase."""

from __future__ import annotations

import cv2
import numpy as np

from motionbot.renderer.engines.warp.raster import OFF, warp_layer

FACTOR = 4
GRID = 24  # low-res cells per side


def _diagonal_map() -> np.ndarray:
    """An identity map covering the cells above the diagonal only."""
    ys, xs = np.mgrid[0:GRID, 0:GRID].astype(np.float32)
    full = np.stack([xs * FACTOR + 1.5, ys * FACTOR + 1.5], axis=-1)  # cell centres in full px
    full[xs <= ys] = OFF
    return full.astype(np.float32)


def _draw(texture: np.ndarray, soften: bool) -> tuple[np.ndarray, np.ndarray]:
    canvas = np.zeros((GRID * FACTOR, GRID * FACTOR, 3), np.uint8)
    alpha, _ = warp_layer(canvas, texture, _diagonal_map(), (0, 0, GRID, GRID), FACTOR, soften=soften)
    return canvas, alpha


def test_an_edge_inside_the_alpha_is_softened_and_the_inside_is_unchanged() -> None:
    opaque = np.zeros((GRID * FACTOR, GRID * FACTOR, 4), np.uint8)
    opaque[...] = (200, 0, 0, 255)
    hard_rgb, hard = _draw(opaque, soften=False)
    soft_rgb, soft = _draw(opaque, soften=True)
    assert set(np.unique(hard)) <= {0, 255}  # a staircase of whole cells
    partial = (soft > 0) & (soft < 255)
    assert partial.sum() > GRID * FACTOR  # a soft band along the whole diagonal
    # a cell in from the old edge nothing changes
    inside = (
        cv2.erode((hard == 255).astype(np.uint8), np.ones((2 * FACTOR + 1, 2 * FACTOR + 1), np.uint8)) > 0
    )
    assert inside.sum() > 0.3 * inside.size
    assert np.array_equal(soft_rgb[inside], hard_rgb[inside])
    # the softened edge runs straighter: fewer rows where the coverage jumps by a whole cell
    jumps_hard = np.abs(np.diff((hard > 127).sum(axis=1).astype(int)))
    jumps_soft = np.abs(np.diff((soft > 127).sum(axis=1).astype(int)))
    assert jumps_soft.max() < jumps_hard.max()


def test_an_edge_the_texture_draws_itself_is_left_alone() -> None:
    texture = np.zeros((GRID * FACTOR, GRID * FACTOR, 4), np.uint8)
    ys, xs = np.mgrid[0 : GRID * FACTOR, 0 : GRID * FACTOR]
    texture[xs > ys + 3 * FACTOR] = (0, 200, 0, 255)  # the alpha ends well inside the mesh
    hard_rgb, hard = _draw(texture, soften=False)
    soft_rgb, soft = _draw(texture, soften=True)
    assert np.array_equal(hard, soft) and np.array_equal(hard_rgb, soft_rgb)
