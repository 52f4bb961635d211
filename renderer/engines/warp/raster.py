"""Deformed mesh -> backward map -> warped layer, vectorised so a frame costs milliseconds.

The mesh is rasterised at reduced resolution into a map from output pixel to texture pixel
(every candidate pixel of every triangle at once, in numpy: no per-triangle Python loop).
The map is smooth inside a layer, so it is upsampled with cv2.resize, and cv2.remap samples
the full-resolution texture with it; edges stay as sharp as the texture's own alpha.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I32 = npt.NDArray[np.int32]
U8 = npt.NDArray[np.uint8]

# Output pixels no triangle covers point far outside every texture, so they sample alpha 0
# even after bilinear upsampling mixes them with covered neighbours.
OFF = np.float32(-1.0e5)


def backward_map(
    deformed: F32, rest: F32, triangles: I32, roi: tuple[int, int, int, int], factor: int
) -> F32:
    """Texture coordinates for the low-resolution grid of ``roi`` (x0, y0, x1, y1 in output px).

    Low-res pixel (i, j) samples output position ((j + 0.5) * factor - 0.5 + x0, ...), the
    centre convention cv2.resize uses, so upsampling by ``factor`` lines up exactly.
    ``triangles`` are drawn in order: a later triangle covers an earlier one.
    """
    x0, y0, x1, y1 = roi
    wl, hl = (x1 - x0) // factor, (y1 - y0) // factor
    out = np.full((hl * wl, 2), OFF, np.float32)
    if len(triangles) == 0 or wl <= 0 or hl <= 0:
        return out.reshape(hl, wl, 2)
    # positions in low-res pixel-index units
    q = ((deformed - np.array([x0, y0], np.float32) + 0.5) / factor - 0.5).astype(np.float32)
    t = q[triangles]  # (m, 3, 2)
    xmin = np.ceil(t[:, :, 0].min(axis=1)).astype(np.int32)
    xmax = np.floor(t[:, :, 0].max(axis=1)).astype(np.int32)
    ymin = np.ceil(t[:, :, 1].min(axis=1)).astype(np.int32)
    ymax = np.floor(t[:, :, 1].max(axis=1)).astype(np.int32)
    np.maximum(xmin, 0, out=xmin)
    np.maximum(ymin, 0, out=ymin)
    np.minimum(xmax, wl - 1, out=xmax)
    np.minimum(ymax, hl - 1, out=ymax)
    bw = xmax - xmin + 1
    bh = ymax - ymin + 1
    count = np.where((bw > 0) & (bh > 0), bw * bh, 0)
    # barycentric and texture-coordinate planes per triangle: value = a*x + b*y + c
    xa, ya = t[:, 0, 0], t[:, 0, 1]
    xb, yb = t[:, 1, 0], t[:, 1, 1]
    xc, yc = t[:, 2, 0], t[:, 2, 1]
    den = (yb - yc) * (xa - xc) + (xc - xb) * (ya - yc)
    ok = np.abs(den) > 1e-9
    count = np.where(ok, count, 0)
    total = int(count.sum())
    if total == 0:
        return out.reshape(hl, wl, 2)
    inv = np.where(ok, 1.0 / np.where(ok, den, 1.0), 0.0).astype(np.float32)
    l0a, l0b = (yb - yc) * inv, (xc - xb) * inv
    l1a, l1b = (yc - ya) * inv, (xa - xc) * inv
    l0c = -(l0a * xc + l0b * yc)
    l1c = -(l1a * xc + l1b * yc)
    r = rest[triangles]  # (m, 3, 2)
    du0 = r[:, 0] - r[:, 2]
    du1 = r[:, 1] - r[:, 2]
    # texture = r2 + l0*du0 + l1*du1, and l0, l1 are affine in (x, y)
    ua = l0a[:, None] * du0 + l1a[:, None] * du1
    ub = l0b[:, None] * du0 + l1b[:, None] * du1
    uc = r[:, 2] + l0c[:, None] * du0 + l1c[:, None] * du1
    coef = np.concatenate([np.stack([l0a, l0b, l0c, l1a, l1b, l1c], axis=1), ua, ub, uc], axis=1).astype(
        np.float32
    )  # (m, 12): l0abc, l1abc, ua(x,y), ub(x,y), uc(x,y)
    tri_id = np.repeat(np.arange(len(count), dtype=np.int32), count)
    start = np.cumsum(count) - count
    local = np.arange(total, dtype=np.int32) - start[tri_id].astype(np.int32)
    bwi = bw[tri_id]
    px = xmin[tri_id] + local % bwi
    py = ymin[tri_id] + local // bwi
    c = coef[tri_id]
    fx = px.astype(np.float32)
    fy = py.astype(np.float32)
    l0 = c[:, 0] * fx + c[:, 1] * fy + c[:, 2]
    l1 = c[:, 3] * fx + c[:, 4] * fy + c[:, 5]
    eps = np.float32(-1e-4)
    inside = (l0 >= eps) & (l1 >= eps) & (l0 + l1 <= 1.0 - eps)
    fx, fy, c = fx[inside], fy[inside], c[inside]
    u = c[:, 6] * fx + c[:, 8] * fy + c[:, 10]
    v = c[:, 7] * fx + c[:, 9] * fy + c[:, 11]
    pid = py[inside] * wl + px[inside]
    # numpy fancy assignment writes in order, so the last (front-most) triangle wins
    out[pid, 0] = u
    out[pid, 1] = v
    return out.reshape(hl, wl, 2)


def layer_roi(
    deformed: F32, size: tuple[int, int], factor: int, pad: int
) -> tuple[int, int, int, int] | None:
    """Bounding box of the deformed mesh, padded, clipped and aligned to the grid factor."""
    w, h = size
    if len(deformed) == 0:
        return None
    lo = np.floor(deformed.min(axis=0)).astype(int) - pad
    hi = np.ceil(deformed.max(axis=0)).astype(int) + pad
    x0 = max(0, int(lo[0]) // factor * factor)
    y0 = max(0, int(lo[1]) // factor * factor)
    x1 = min(w // factor * factor, -(-int(hi[0]) // factor) * factor)
    y1 = min(h // factor * factor, -(-int(hi[1]) // factor) * factor)
    if x1 - x0 < factor or y1 - y0 < factor:
        return None
    return x0, y0, x1, y1


def draw_layer(canvas: U8, texture: U8, deformed: F32, rest: F32, triangles: I32, factor: int = 2) -> None:
    """Warp one premultiplied RGBA layer texture onto ``canvas`` (RGB, in place)."""
    h, w = canvas.shape[:2]
    roi = layer_roi(deformed, (w, h), factor, pad=factor * 2)
    if roi is None:
        return
    x0, y0, x1, y1 = roi
    small = backward_map(deformed, rest, triangles, roi, factor)
    full = cv2.resize(small, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    warped = cv2.remap(texture, full, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    composite(canvas[y0:y1, x0:x1], warped)


def composite(dst: U8, rgba: U8) -> None:
    """dst = dst * (1 - a) + rgb for premultiplied ``rgba``, in uint8 with cv2 (in place)."""
    alpha = cv2.extractChannel(rgba, 3)
    inv = cv2.bitwise_not(alpha)
    inv3 = cv2.merge((inv, inv, inv))
    rgb = cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB)
    kept = cv2.multiply(dst, inv3, scale=1.0 / 255.0)
    cv2.add(kept, rgb, dst=dst)
