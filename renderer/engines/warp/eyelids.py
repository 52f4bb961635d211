"""Closed eyes: the lid drawn over an eye the mesh has squeezed shut.

The mesh closes an eye by pulling the upper lid's points onto the lower lid's, but the frame is
warped through a map at a quarter of the output's resolution: across the last few pixels
the map blends the skin above and below the eye and samples what lies between, so a shut eye
still shows a thin line of iris and white, and reads as open (to people and to a face
detector). Below half its opening, this covers the eye with the photo's own lid colour (the
skin or make-up just above the lash line) and draws the lash line where the lids meet.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from motionbot.renderer.arrays import F32, I64, U8
from motionbot.renderer.engines.warp.arrays import f32, u8
from motionbot.renderer.engines.warp.mouth import clipped_box, polygon_area, vertices_at
from motionbot.renderer.engines.warp.subject import Subject
from motionbot.renderer.motion.face_shape import LEFT_EYE, RIGHT_EYE

# Share of the photo's own eye opening below which the lid starts to show, and where it covers
# the eye fully.
SHOW_BELOW, COVER_BELOW = 0.55, 0.2
# Each eye contour runs from the outer corner along the lower lid, then back along the upper lid.
_UPPER = [*range(8, 16), 0]
SUPERSAMPLE = 4


@dataclass(frozen=True)
class Eyelid:
    vertices: I64  # the eye contour's indices among the renderer's vertices
    rest_area: float
    width: float
    lid: F32  # RGB of the skin above the lash line
    lash: F32  # RGB of the lash line


@dataclass(frozen=True)
class EyelidPainter:
    eyes: tuple[Eyelid, ...]

    @classmethod
    def build(cls, subject: Subject, rest: F32) -> EyelidPainter | None:
        """None when no eye of the photo's is open enough to close or its contour is not in the mesh."""
        face = subject.face
        if face is None:
            return None
        eyes = []
        for contour in (RIGHT_EYE, LEFT_EYE):
            pts = face.points[list(contour)]
            vertices = vertices_at(rest, f32(pts))
            area = polygon_area(f32(pts))
            width = float(np.linalg.norm(pts[0] - pts[8]))
            if vertices is None or area < 4.0 or width < 4.0:
                continue
            lid, lash = _colours(subject.photo, f32(pts), width)
            eyes.append(Eyelid(vertices, area, width, lid, lash))
        return cls(tuple(eyes)) if eyes else None

    def paint(self, frame: U8, deformed: F32) -> None:
        for eye in self.eyes:
            poly = f32(deformed[eye.vertices])
            share = polygon_area(poly) / eye.rest_area
            cover = float(np.clip((SHOW_BELOW - share) / (SHOW_BELOW - COVER_BELOW), 0.0, 1.0))
            if cover > 0.0:
                _paint_lid(frame, poly, eye, cover)


def _paint_lid(frame: U8, poly: F32, eye: Eyelid, cover: float) -> None:
    pad = max(3, round(0.15 * eye.width))
    box = clipped_box(poly, (frame.shape[1], frame.shape[0]), pad, pad + 1)
    if box is None:
        return
    x0, y0, x1, y1 = box
    size = ((x1 - x0) * SUPERSAMPLE, (y1 - y0) * SUPERSAMPLE)
    local = np.round((poly - [x0, y0]) * SUPERSAMPLE).astype(np.int32)
    big = np.zeros((size[1], size[0]), np.uint8)
    cv2.fillPoly(big, [local], (255,), lineType=cv2.LINE_AA)
    # the lid reaches a little past the squeezed eye, so no line of it shows at the edge
    grow = max(1, round(0.1 * eye.width * SUPERSAMPLE))
    big = u8(cv2.dilate(big, np.ones((2 * grow + 1, 2 * grow + 1), np.uint8)))
    lash = np.zeros_like(big)
    thick = max(1, round(0.04 * eye.width * SUPERSAMPLE))
    cv2.polylines(lash, [local[_UPPER]], False, (255,), thickness=thick, lineType=cv2.LINE_AA)
    small = (x1 - x0, y1 - y0)
    soft = max(0.8, 0.07 * eye.width)  # the lid's edge fades into the skin around it
    area = cv2.GaussianBlur(cv2.resize(big, small, interpolation=cv2.INTER_AREA), (0, 0), soft) / 255.0
    line = cv2.resize(lash, small, interpolation=cv2.INTER_AREA) / 255.0
    colour = eye.lid[None, None, :] * (1.0 - line[..., None]) + eye.lash[None, None, :] * line[..., None]
    alpha = (np.maximum(area, line) * cover)[..., None]
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    frame[y0:y1, x0:x1] = np.clip(roi * (1.0 - alpha) + colour * alpha, 0, 255).astype(np.uint8)


def _colours(photo: U8, contour: F32, width: float) -> tuple[F32, F32]:
    """The lid's colour: the band just above the upper lid; the lash line's: its darkest pixels."""
    h, w = photo.shape[:2]
    upper = contour[_UPPER]
    band = np.zeros((h, w), np.uint8)
    shift = np.array([0.0, -0.18 * width], np.float32)
    cv2.polylines(
        band, [np.round(upper + shift).astype(np.int32)], False, (1,), thickness=max(1, round(0.12 * width))
    )
    lid = photo[band > 0].astype(np.float32)
    line = np.zeros((h, w), np.uint8)
    cv2.polylines(
        line, [np.round(upper).astype(np.int32)], False, (1,), thickness=max(1, round(0.06 * width))
    )
    edge = photo[line > 0].astype(np.float32)
    lid_rgb = np.median(lid, axis=0) if len(lid) else np.array([180.0, 140.0, 120.0])
    if len(edge):
        dark = edge[np.argsort(edge.sum(axis=1))[: max(1, len(edge) // 5)]]
        lash_rgb = dark.mean(axis=0)
    else:
        lash_rgb = lid_rgb * 0.3
    return f32(lid_rgb), f32(lash_rgb)
