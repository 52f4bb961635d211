"""Deformed meshes -> backward maps -> warped layers, vectorised so a frame costs milliseconds.

Every layer's mesh is rasterised at reduced resolution into its own map from output pixel to
texture pixel, all layers in one pass: every candidate pixel of every triangle at once, in
numpy, with no per-triangle Python loop. A map is smooth inside its layer, so it is upsampled
with cv2.resize, and cv2.remap samples the full-resolution texture with it; edges stay as sharp
as the texture's own alpha.
"""

from __future__ import annotations

import cv2
import numpy as np

from motionbot.renderer.arrays import F32, I32, U8
from motionbot.renderer.engines.warp.arrays import f32, u8

# Output pixels no triangle covers point far outside every texture, so they sample alpha 0
# even after bilinear upsampling mixes them with covered neighbours.
OFF = np.float32(-1.0e5)
_EPS = np.float32(-1e-4)
SHADE_STRENGTH = 0.8
# how far (low-res cells) a limb's edge is blurred where its mesh ends inside its alpha
EDGE_BLUR = 0.7


def to_grid(points: F32, factor: int) -> F32:
    """Output pixel positions -> low-res pixel-index positions (cv2.resize's centre convention)."""
    return f32((points + 0.5) / factor - 0.5)


def rasterise(grid_pts: F32, rest: F32, triangles: I32, base: I32, size: tuple[int, int], out: F32) -> None:
    """Write texture coordinates of each covered low-res pixel into ``out`` (in place).

    ``grid_pts`` are the deformed vertices in low-res pixel units, ``rest`` their texture
    coordinates; triangle ``i`` writes into ``out[base[i] + y * w + x]`` (one block per layer).
    Triangles are drawn in the order given: a later one covers an earlier one.
    """
    w, h = size
    if len(triangles) == 0:
        return
    t = grid_pts[triangles]  # (m, 3, 2)
    xa, ya = t[:, 0, 0], t[:, 0, 1]
    xb, yb = t[:, 1, 0], t[:, 1, 1]
    xc, yc = t[:, 2, 0], t[:, 2, 1]
    xmin = np.ceil(np.minimum(np.minimum(xa, xb), xc)).astype(np.int32)
    xmax = np.floor(np.maximum(np.maximum(xa, xb), xc)).astype(np.int32)
    ymin = np.ceil(np.minimum(np.minimum(ya, yb), yc)).astype(np.int32)
    ymax = np.floor(np.maximum(np.maximum(ya, yb), yc)).astype(np.int32)
    np.clip(xmin, 0, w - 1, out=xmin)
    np.clip(ymin, 0, h - 1, out=ymin)
    np.clip(xmax, -1, w - 1, out=xmax)
    np.clip(ymax, -1, h - 1, out=ymax)
    bw = xmax - xmin + 1
    bh = ymax - ymin + 1
    den = (yb - yc) * (xa - xc) + (xc - xb) * (ya - yc)
    ok = (np.abs(den) > 1e-9) & (bw > 0) & (bh > 0)
    count = np.where(ok, bw * bh, 0)
    total = int(count.sum())
    if total == 0:
        return
    inv = (1.0 / np.where(ok, den, 1.0)).astype(np.float32)
    # barycentric planes l0, l1 = a*x + b*y + c, with the pixel measured from (xmin, ymin)
    l0a, l0b = (yb - yc) * inv, (xc - xb) * inv
    l1a, l1b = (yc - ya) * inv, (xa - xc) * inv
    fx0, fy0 = xmin.astype(np.float32), ymin.astype(np.float32)
    l0c = l0a * (fx0 - xc) + l0b * (fy0 - yc)
    l1c = l1a * (fx0 - xc) + l1b * (fy0 - yc)
    bary = np.stack([l0a, l0b, l0c, l1a, l1b, l1c], axis=1).astype(np.float32)
    r = rest[triangles]
    du0 = r[:, 0] - r[:, 2]
    du1 = r[:, 1] - r[:, 2]
    tex = np.concatenate([du0, du1, r[:, 2]], axis=1).astype(np.float32)  # (m, 6)

    tri_id = np.repeat(np.arange(len(count), dtype=np.int32), count)
    start = np.cumsum(count, dtype=np.int64) - count
    local = np.arange(total, dtype=np.int32) - start[tri_id].astype(np.int32)
    bwi = bw[tri_id]
    dy = local // bwi
    dx = local - dy * bwi
    fx = dx.astype(np.float32)
    fy = dy.astype(np.float32)
    c = bary[tri_id]
    l0 = c[:, 0] * fx + c[:, 1] * fy + c[:, 2]
    l1 = c[:, 3] * fx + c[:, 4] * fy + c[:, 5]
    inside = (l0 >= _EPS) & (l1 >= _EPS) & (l0 + l1 <= 1.0 - _EPS)
    keep = np.flatnonzero(inside)
    tid = tri_id[keep]
    l0, l1 = l0[keep], l1[keep]
    tc = tex[tid]
    u = tc[:, 4] + l0 * tc[:, 0] + l1 * tc[:, 2]
    v = tc[:, 5] + l0 * tc[:, 1] + l1 * tc[:, 3]
    pid = base[tid] + (ymin[tid] + dy[keep]) * w + (xmin[tid] + dx[keep])
    # numpy fancy assignment writes in order, so the last (front-most) triangle wins
    out[pid, 0] = u
    out[pid, 1] = v


def grid_roi(grid_pts: F32, size: tuple[int, int], pad: int = 1) -> tuple[int, int, int, int] | None:
    """Low-res bounding box (x0, y0, x1, y1), exclusive end, of a layer's deformed vertices."""
    w, h = size
    if len(grid_pts) == 0:
        return None
    lo = np.floor(grid_pts.min(axis=0)).astype(int) - pad
    hi = np.ceil(grid_pts.max(axis=0)).astype(int) + pad + 1
    x0, y0 = max(0, int(lo[0])), max(0, int(lo[1]))
    x1, y1 = min(w, int(hi[0])), min(h, int(hi[1]))
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def warp_layer(
    canvas: U8,
    texture: U8,
    grid_map: F32,
    roi: tuple[int, int, int, int],
    factor: int,
    shade: tuple[U8, float, float] | None = None,
    soften: bool = False,
) -> tuple[U8, tuple[int, int]]:
    """Upsample one layer's low-res map inside ``roi``, sample its texture, composite (in place).

    ``shade`` = (alpha of what lies beneath, canvas-sized; sigma in px; strength 0..1) first
    darkens that surface softly around the layer, the occlusion shadow a limb casts on the body
    in front of which it moves. ``soften`` smooths the layer's edges where its mesh ends inside its alpha
    (see _extended). Returns the layer's warped alpha and its top-left corner on the canvas.
    """
    x0, y0, x1, y1 = roi
    h, w = canvas.shape[:2]
    small, cover = _extended(grid_map[y0:y1, x0:x1]) if soften else (grid_map[y0:y1, x0:x1], None)
    size = ((x1 - x0) * factor, (y1 - y0) * factor)
    full = cv2.resize(small, size, interpolation=cv2.INTER_LINEAR)
    fx0, fy0 = x0 * factor, y0 * factor
    fx1, fy1 = min(w, x1 * factor), min(h, y1 * factor)
    full = full[: fy1 - fy0, : fx1 - fx0]
    warped = u8(
        cv2.remap(texture, full, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # type: ignore[call-overload]
    )
    if cover is not None:
        # the fade from the cells' blurred cover, made at low resolution and upsampled as bytes
        ramp = u8(np.clip((cover - 0.3) * (2.5 * 255.0), 0.0, 255.0))
        weight = cv2.resize(ramp, size, interpolation=cv2.INTER_LINEAR)[: fy1 - fy0, : fx1 - fx0]
        cv2.multiply(warped, cv2.merge((weight, weight, weight, weight)), dst=warped, scale=1.0 / 255.0)
    dst = canvas[fy0:fy1, fx0:fx1]
    alpha = u8(cv2.extractChannel(warped, 3))
    if shade is not None:
        _cast_shadow(canvas, alpha, (fx0, fy0), *shade)
    composite(dst, warped, alpha)
    return alpha, (fx0, fy0)


def _cast_shadow(
    canvas: U8, alpha: U8, corner: tuple[int, int], beneath: U8, sigma: float, strength: float
) -> None:
    """Darken ``beneath``'s surface around a layer's ``alpha`` (placed at ``corner``).

    The blur reaches two sigmas past the layer's box, so the shadow fades out instead of ending
    on the box's straight edge; ``strength`` is how far the limb has moved from where the photo
    has it (at rest the photo already shows its own shadows, and a second one reads as a halo).
    """
    if strength <= 0.0:
        return
    h, w = canvas.shape[:2]
    ah, aw = alpha.shape
    pad = int(np.ceil(2.0 * sigma))
    x0, y0 = max(corner[0] - pad, 0), max(corner[1] - pad, 0)
    x1, y1 = min(corner[0] + aw + pad, w), min(corner[1] + ah + pad, h)
    big = np.zeros((y1 - y0, x1 - x0), np.uint8)
    big[corner[1] - y0 : corner[1] - y0 + ah, corner[0] - x0 : corner[0] - x0 + aw] = alpha
    # blurred at quarter resolution: a soft shadow has no detail to lose
    bh, bw = big.shape
    tiny = cv2.resize(big, (max(1, bw // 4), max(1, bh // 4)), interpolation=cv2.INTER_AREA)
    soft = cv2.resize(cv2.GaussianBlur(tiny, (0, 0), sigma / 4.0), (bw, bh), interpolation=cv2.INTER_LINEAR)
    # darken by up to SHADE_STRENGTH where the blurred limb meets the surface beneath
    amount = cv2.multiply(soft, beneath[y0:y1, x0:x1], scale=SHADE_STRENGTH * strength / 255.0)
    keep = cv2.bitwise_not(amount)
    dst = canvas[y0:y1, x0:x1]
    cv2.multiply(dst, cv2.merge((keep, keep, keep)), dst=dst, scale=1.0 / 255.0)


def _extended(small: F32) -> tuple[F32, F32 | None]:
    """The low-res map with its uncovered cells next to covered ones given their covered
    neighbours' mean, and how covered each cell is, blurred (None when all cells are).

    Where a mesh ends inside its texture's alpha (a fold's triangles left out of the frame) the
    edge used to be the low-res cells' outline, a staircase of ``factor``-pixel steps: sampled
    one cell further and faded out across a blurred outline of the cells (the second value),
    it runs straight and soft. Where the mesh reaches past the alpha, as it is built to, the
    extra cell samples alpha 0 and nothing changes. (Fading across the cells' outline without
    the blur only rounded the steps' corners.)
    """
    valid = small[..., 0] > OFF / 2
    if valid.all():
        return small, None
    v = valid.astype(np.float32)
    count = cv2.boxFilter(v, -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT)
    summed = cv2.boxFilter(
        np.where(valid[..., None], small, 0.0), -1, (3, 3), normalize=False, borderType=cv2.BORDER_CONSTANT
    )
    ring = ~valid & (count > 0)
    out = f32(small.copy())
    out[ring] = summed[ring] / count[ring][:, None]
    # blurred by about a cell: a staircase of cells becomes a straight, soft edge
    return out, f32(cv2.GaussianBlur(v, (0, 0), EDGE_BLUR, borderType=cv2.BORDER_REPLICATE))


def composite(dst: U8, rgba: U8, alpha: U8) -> None:
    """dst = dst * (1 - a) + rgb for premultiplied ``rgba``, in uint8 with cv2 (in place)."""
    inv = cv2.bitwise_not(alpha)
    inv3 = cv2.merge((inv, inv, inv))
    rgb = cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB)
    kept = cv2.multiply(dst, inv3, scale=1.0 / 255.0)
    cv2.add(kept, rgb, dst=dst)


def accumulate_alpha(matte: U8, alpha: U8, corner: tuple[int, int]) -> None:
    """matte = matte * (1 - a) + a inside ``alpha``'s box: the cover of layers drawn over each
    other, as :func:`composite` draws them (in place)."""
    x0, y0 = corner
    dst = matte[y0 : y0 + alpha.shape[0], x0 : x0 + alpha.shape[1]]
    kept = cv2.multiply(dst, cv2.bitwise_not(alpha), scale=1.0 / 255.0)
    cv2.add(kept, alpha, dst=dst)
