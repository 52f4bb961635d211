"""The CPU motion-transfer engine: the photo's own pixels, moved by a 2D rig.

Everything that depends only on the photo (matte, plate, rig, layers, meshes) is built once;
each frame is then a matrix product per layer, a vectorised rasterisation at quarter
resolution and two cv2 calls, while ffmpeg encodes on the other core.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import time
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.queue.errors import FailureReason
from motionbot.queue.jobs import Extra, RenderOptions, Stage
from motionbot.renderer.arrays import U8
from motionbot.renderer.engines.base import EngineInput, EngineOutput, ProgressCallback, no_progress
from motionbot.renderer.engines.warp.animate import FrameRenderer
from motionbot.renderer.engines.warp.arrays import u8
from motionbot.renderer.engines.warp.extent import motion_extent
from motionbot.renderer.engines.warp.face import MIN_FACE_SHARE
from motionbot.renderer.engines.warp.hand_on_face import hands_on_face
from motionbot.renderer.engines.warp.retarget import Retarget, retarget
from motionbot.renderer.engines.warp.subject import Subject, arm_extent, arm_side_extent, prepare_subject
from motionbot.renderer.engines.warp.subjects import choose_subject
from motionbot.renderer.errors import RendererError
from motionbot.renderer.media.encode import VideoWriter
from motionbot.renderer.media.formats import AlphaWriter, over, straight_rgba
from motionbot.renderer.media.image import load_image
from motionbot.renderer.motion.model import Landmark, Motion
from motionbot.renderer.perception.face import FaceResult, FaceTracker, head_box
from motionbot.renderer.perception.pose import PoseDetector
from motionbot.renderer.perception.segmentation import person_mask
from motionbot.renderer.settings import RendererSettings

# Photos are analysed at this long side at most: the pose and mask networks run far below it.
ANALYSIS_LONG_SIDE = 1280
PROGRESS_EVERY = 8

NO_PERSON = (
    "I can't find a person in this photo. Please send a photo where one person is clearly "
    "visible, facing the camera, with at least the head and shoulders in the picture."
)


class WarpEngine:
    name = "warp"
    version = "warp-7"
    needs_motion = True

    def __init__(self, settings: RendererSettings, pose: PoseDetector, face: FaceTracker) -> None:
        self.settings = settings
        self._pose = pose
        self._face = face

    @classmethod
    def load(cls, settings: RendererSettings) -> WarpEngine:
        return cls(
            settings, PoseDetector(video=False, complexity=1, segmentation=True), FaceTracker(video=False)
        )

    def close(self) -> None:
        self._pose.close()
        self._face.close()

    def prepare(self, photo: U8, options: RenderOptions, motion: Motion | None = None) -> Subject:
        """Analyse one photo; raises NO_PERSON_IN_PHOTO when nobody is in it.

        With several people, ``options.subject`` (or the largest) moves and the others stay.

        With the ``motion`` it will perform, a photo cut at the waist gets only as much room
        around it as that motion's arms need (without, room for any arm pose).
        """
        small = _fit_long_side(photo, ANALYSIS_LONG_SIDE)
        chosen = choose_subject(photo, options.subject)
        if chosen is not None:
            keypoints, mask, others = chosen
        else:
            result = self._pose.detect(small)
            if result is None or result.score < 0.3:
                raise RendererError(FailureReason.NO_PERSON_IN_PHOTO, NO_PERSON)
            keypoints, others = result.keypoints, None
            mask = result.mask if result.mask is not None else person_mask(small)
        face = self._find_face(small, keypoints)
        prepare = functools.partial(
            prepare_subject,
            photo,
            keypoints,
            mask,
            others=others,
            background=options.background,
            aspect=options.aspect,
            long_side=self.settings.output_long_side,
            face_landmarks=None if face is None else face.landmarks,
        )
        if motion is None:
            subject = prepare()
        else:
            subject = prepare(extent=arm_extent(motion), side=arm_side_extent(motion))
            need = None if subject is None else motion_extent(subject, retarget(motion, subject.rig))
            if need is not None:
                # the retargeted skeleton leaves the canvas: frame the photo again around it
                subject = prepare(must_show=need) or subject
        if subject is None:
            raise RendererError(FailureReason.NO_PERSON_IN_PHOTO, NO_PERSON)
        return subject

    def _find_face(self, small: U8, keypoints: npt.NDArray[np.float32]) -> FaceResult | None:
        """The photo's face mesh when the head is large enough for an expression to show: on
        the whole photo, else (a full-body photo's small face) in a crop around the head."""
        if _head_share(keypoints, small.shape) < MIN_FACE_SHARE:
            return None
        face = self._face.detect(small)
        if face is None:
            size = np.array(small.shape[1::-1], np.float32)
            ears = keypoints[[Landmark.LEFT_EAR, Landmark.RIGHT_EAR], :2] * size
            face = self._face.detect_in(small, head_box(keypoints[Landmark.NOSE, :2] * size, ears))
        return face

    def animate(self, subject: Subject, motion: Motion) -> tuple[FrameRenderer, Retarget]:
        subject, moves = hands_on_face(subject, retarget(motion, subject.rig, face=subject.face))
        return FrameRenderer(subject, moves), moves

    def render(self, job: EngineInput, progress: ProgressCallback = no_progress) -> EngineOutput:
        if job.motion is None:
            raise RendererError(FailureReason.UNKNOWN_MOTION, detail="the warp engine needs a motion")
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        photo = load_image(job.photo, max_pixels=self.settings.max_image_pixels)
        motion = job.motion.trimmed(job.options.max_seconds)
        subject = self.prepare(photo, job.options, motion)
        # a transparent output draws the layers over black (colour times alpha) and keeps their
        # cover; the MP4 frame is then that over the background, as a plain render draws it
        transparent = job.options.format.needs_alpha
        backdrop = subject.background
        if transparent:
            subject = dataclasses.replace(subject, background=np.zeros_like(backdrop))
        frames, _ = self.animate(subject, motion)
        timings["prepare_s"] = time.perf_counter() - t0
        warnings = _framing_warnings(subject)
        audio = job.video if job.options.keep_sound and job.video is not None else None
        w, h = subject.size
        n = motion.n_frames
        t1 = time.perf_counter()
        progress(Stage.RENDER, 0.0)
        extras: dict[Extra, Path] = {}
        with contextlib.ExitStack() as stack:
            writer = stack.enter_context(
                VideoWriter(
                    job.output,
                    w,
                    h,
                    motion.fps,
                    audio_from=audio,
                    visible_label=self.settings.ai_label_visible,
                )
            )
            alpha_out = None
            if transparent:
                extras[Extra.WEBM] = job.output.with_suffix(".webm")
                alpha_out = stack.enter_context(AlphaWriter(extras[Extra.WEBM], w, h, motion.fps))
            matte = np.zeros((h, w), np.uint8)
            for t in range(n):
                if alpha_out is None:
                    writer.write(frames.render(t))
                else:
                    matte.fill(0)
                    drawn = frames.render(t, matte)
                    writer.write(over(drawn, matte, backdrop))
                    alpha_out.write(straight_rgba(drawn, matte))
                if t % PROGRESS_EVERY == PROGRESS_EVERY - 1:
                    progress(Stage.RENDER, (t + 1) / n)
        progress(Stage.RENDER, 1.0)
        timings["render_s"] = time.perf_counter() - t1
        return EngineOutput(
            path=job.output,
            duration_s=n / motion.fps,
            width=w,
            height=h,
            fps=motion.fps,
            warnings=warnings,
            timings=timings,
            extras=extras,
        )


def _fit_long_side(rgb: U8, side: int) -> U8:
    h, w = rgb.shape[:2]
    if max(h, w) <= side:
        return rgb
    s = side / max(h, w)
    return u8(cv2.resize(rgb, (round(w * s), round(h * s)), interpolation=cv2.INTER_AREA))


def _head_share(keypoints: npt.NDArray[np.float32], shape: tuple[int, ...]) -> float:
    """Rough head height over image height, from the ears' distance (a head is ~2.2 ears wide)."""
    h, w = shape[:2]
    ears = (keypoints[Landmark.LEFT_EAR, :2] - keypoints[Landmark.RIGHT_EAR, :2]) * np.array([w, h])
    return float(2.2 * np.linalg.norm(ears) / h)


def _framing_warnings(subject: Subject) -> list[str]:
    framing = subject.framing
    if framing == "half_body":
        return ["The photo shows no legs, so only the upper body follows the motion."]
    if framing == "face":
        return ["The photo is a close-up, so only the head follows the motion."]
    return []
