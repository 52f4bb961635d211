"""Render every pair, score it, and write report.json plus a contact sheet.

A pair that fails to render is recorded with its reason instead of stopping the run: the
report's job is to say what works and what does not.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from motionbot.queue.errors import MotionbotError
from motionbot.queue.jobs import RenderOptions
from motionbot.renderer.arrays import U8
from motionbot.renderer.engines.base import EngineInput
from motionbot.renderer.engines.warp.engine import WarpEngine
from motionbot.renderer.engines.warp.retarget import swap_sides
from motionbot.renderer.engines.warp.revealed import hard_edge_share
from motionbot.renderer.engines.warp.rig import HEAD, TORSO, J
from motionbot.renderer.engines.warp.skirt import joined_depth
from motionbot.renderer.engines.warp.subject import Subject
from motionbot.renderer.evaluate.expression import expression_metrics, video_signals
from motionbot.renderer.evaluate.metrics import (
    LIMB_BONES,
    body_in_frame,
    face_crop,
    face_similarity,
    garment_connectivity,
    jitter,
    limb_agreement,
    pck,
    wrists_in_frame,
)
from motionbot.renderer.evaluate.pairs import Pair
from motionbot.renderer.evaluate.sheet import contact_row, stack_rows, write_pair_sheet
from motionbot.renderer.evaluate.tracks import Track, body_of, body_rows, detect_track
from motionbot.renderer.media.image import load_image
from motionbot.renderer.motion.cache import MotionCache
from motionbot.renderer.motion.model import LIMBS, Motion
from motionbot.renderer.motion.model import Landmark as L
from motionbot.renderer.perception.photo_people import PEOPLE_SIDE, detect_people
from motionbot.renderer.perception.pose import PoseDetector
from motionbot.renderer.perception.quality import resize_long_side
from motionbot.renderer.pipeline import resolve_motion
from motionbot.renderer.settings import RendererSettings

# What the lead reports: every portrait with every full-body reference must reach these.
TARGETS = {"limb_share": 0.90, "frame_share": 0.75, "pck@0.2": 0.85}
# and every portrait whose face the engine moves, with every face reference
FACE_TARGETS = {"expression": 0.70, "head_roll_corr": 0.80}
MOUTH_AMPLITUDE = (0.6, 1.4)


@dataclass
class PairReport:
    name: str
    photo: str
    video: str
    ok: bool
    reason: str | None = None
    message: str | None = None
    full_body_reference: bool = False
    face_reference: bool = False
    limbs: list[str] = field(default_factory=list)
    metrics: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    output: str | None = None

    def meets_targets(self) -> bool:
        """Every target on what could be scored; a pair sharing no limb is judged on PCK alone."""
        if not self.ok:
            return False
        keys = TARGETS if self.limbs else {k: v for k, v in TARGETS.items() if k.startswith("pck")}
        return all(_finite(self.metrics.get(k)) and float(self.metrics[k]) >= v for k, v in keys.items())

    def meets_face_targets(self) -> bool:
        if not self.ok or not self.face_reference:
            return False
        amp = self.metrics.get("mouth_open_amp")
        lo, hi = MOUTH_AMPLITUDE
        if not (isinstance(amp, int | float) and _finite(amp) and lo <= amp <= hi):
            return False
        return all(
            _finite(self.metrics.get(k)) and float(self.metrics[k]) >= v for k, v in FACE_TARGETS.items()
        )


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and math.isfinite(v)


def _full_body(motion: Motion) -> bool:
    vis = motion.keypoints[..., 3]
    legs = [L.LEFT_KNEE, L.RIGHT_KNEE, L.LEFT_ANKLE, L.RIGHT_ANKLE]
    return bool(np.mean(vis[:, legs] >= 0.5) >= 0.5)


class Evaluator:
    """Holds the engine, the motion cache and per-video reference tracks across pairs."""

    def __init__(self, settings: RendererSettings, out_dir: Path, sheets: Path | None = None) -> None:
        self.settings = settings
        self.out_dir = out_dir
        self.sheets = sheets
        self.engine = WarpEngine.load(settings)
        self.cache = MotionCache(settings.cache_dir)
        self._refs: dict[tuple[Path, int | None], tuple[Motion, Track]] = {}
        self._face_refs: dict[Path, npt.NDArray[np.float64]] = {}
        self.rows: list[U8] = []

    def reference(self, video: Path, performer: int | None = None) -> tuple[Motion, Track]:
        if (video, performer) not in self._refs:
            motion, _ = resolve_motion(video, self.settings, cache=self.cache, performer=performer)
            several = int(motion.meta.get("people", 1)) > 1
            track = detect_track(
                video,
                max_side=self.settings.max_video_side,
                max_fps=self.settings.max_fps,
                max_seconds=self.settings.max_seconds,
                sample_every=max(1, motion.n_frames // 12),
                near=body_of(motion) if several else None,  # the performer, not a bystander
            )
            self._refs[(video, performer)] = (motion, track)
        return self._refs[(video, performer)]

    def run(self, pair: Pair) -> PairReport:
        report = PairReport(name=pair.name, photo=str(pair.photo), video=str(pair.video), ok=False)
        try:
            self._score(pair, report)
            report.ok = True
        except MotionbotError as exc:
            report.reason, report.message = exc.reason.value, exc.message
        except Exception as exc:  # a bug in one pair must not hide the others' scores
            report.reason, report.message = "internal_error", f"{type(exc).__name__}: {exc}"
        return report

    def _score(self, pair: Pair, report: PairReport) -> None:
        t0 = time.perf_counter()
        motion, ref_track = self.reference(pair.video, pair.performer)
        motion = motion.trimmed(self.settings.max_seconds)
        report.full_body_reference = _full_body(motion)
        report.timings["reference_s"] = time.perf_counter() - t0
        options = RenderOptions(performer=pair.performer, subject=pair.subject)
        output = self.out_dir / "videos" / f"{pair.name}.mp4"
        output.parent.mkdir(parents=True, exist_ok=True)
        t1 = time.perf_counter()
        result = self.engine.render(
            EngineInput(photo=pair.photo, output=output, options=options, motion=motion, video=pair.video)
        )
        report.timings["render_s"] = time.perf_counter() - t1
        report.output = str(output)
        photo = load_image(pair.photo, max_pixels=self.settings.max_image_pixels)
        subject = self.engine.prepare(photo, options, motion)
        _, moves = self.engine.animate(subject, motion)
        # with others in the photo (they stay in the output), the subject is who is scored
        several = len(detect_people(resize_long_side(photo, PEOPLE_SIDE))) > 1
        near = None
        if several:
            joints = moves.joints
            near = body_rows(joints[:, J.MID_HIP], joints[:, J.MID_SHOULDER], joints[:, J.HEAD], subject.size)
        # only what both the photo and the reference show is scored: a forearm grown for a
        # stump moves with the performer's but the photo never showed it
        limbs = [name for name, k in LIMB_BONES.items() if subject.shown_bones[k] and moves.driven[k]]
        report.limbs = limbs
        t2 = time.perf_counter()
        sample_every = max(1, motion.n_frames // 12)
        out_track = detect_track(
            output,
            max_side=max(result.width, result.height),
            sample_every=sample_every,
            masks=True,
            near=near,
        )
        report.timings["detect_s"] = time.perf_counter() - t2
        # a performer filmed from behind drives the subject's limbs on the same image side
        ref_kp = swap_sides(motion.keypoints) if moves.mirrored else motion.keypoints
        ref_px = ref_kp[..., :2] * np.array([motion.width, motion.height], np.float32)
        score = limb_agreement(out_track.pixels(), ref_px, ref_kp[..., 3], limbs)
        landmarks = sorted({int(lm) for name in limbs for lm in LIMBS[name]})
        if moves.driven[TORSO]:
            landmarks = sorted({*landmarks, int(L.LEFT_SHOULDER), int(L.RIGHT_SHOULDER)})
        m: dict[str, Any] = {
            "limb_share": score.limb_share,
            "frame_share": score.frame_share,
            "per_limb": score.per_limb,
            "limb_instances": score.instances,
            "frames_scored": score.frames,
            "frames": motion.n_frames,
            "output_pose_found": float(np.isfinite(out_track.keypoints[:, 0, 0]).mean()),
        }
        m.update(pck(out_track.pixels(), moves.joints, landmarks, (0.1, 0.2)))
        jo, jr = jitter(out_track.pixels(), landmarks), jitter(ref_track.pixels(), landmarks)
        m["jitter_output"], m["jitter_reference"] = jo, jr
        m["mirrored"] = moves.mirrored
        m["jitter_ratio"] = jo / jr if _finite(jr) and jr > 0 else float("nan")
        m["face_ssim"] = self._identity(subject.photo, out_track)
        wrists = tuple(
            int(LIMBS[f"{side}_forearm"][1]) for side in ("left", "right") if f"{side}_forearm" in limbs
        )
        m["wrists_in_frame"] = wrists_in_frame(ref_kp, out_track.keypoints, wrists)
        m["body_in_frame"] = body_in_frame(ref_kp, out_track.keypoints, _shown_landmarks(subject, limbs))
        m["garment_connectivity"] = garment_connectivity(
            _photo_garment(subject), out_track.keypoints, out_track.masks
        )
        # what the arms reveal when they move away (the photo's layers, not the frames)
        hard = hard_edge_share(subject)
        m["revealed_hard_edges"] = float("nan") if hard is None else hard
        report.face_reference = motion.face_shape is not None and subject.face is not None
        if report.face_reference:
            m.update(expression_metrics(self._face_signals(pair.video), video_signals(output)))
        report.metrics = m
        self.rows.append(contact_row(subject.photo, ref_track, out_track, report.name, m))
        if self.sheets is not None:
            write_pair_sheet(self.sheets / f"{report.name}.png", pair, output, motion.n_frames, m)

    def _face_signals(self, video: Path) -> npt.NDArray[np.float64]:
        if video not in self._face_refs:
            self._face_refs[video] = video_signals(
                video, max_fps=self.settings.max_fps, max_seconds=self.settings.max_seconds
            )
        return self._face_refs[video]

    def _identity(self, photo: U8, out_track: Track) -> float:
        with PoseDetector(video=False) as detector:
            found = detector.detect(photo)
        if found is None:
            return float("nan")
        ref_face = face_crop(photo, found.keypoints)
        if ref_face is None:
            return float("nan")
        scores = []
        for i, frame in out_track.samples.items():
            face = face_crop(frame, out_track.keypoints[i])
            if face is not None:
                scores.append(face_similarity(ref_face, face))
        return float(np.mean(scores)) if scores else float("nan")

    def close(self) -> None:
        self.engine.close()


def _shown_landmarks(subject: Subject, limbs: list[str]) -> tuple[int, ...]:
    """The landmarks the photo shows and the output should keep in frame: the head, the
    shoulders, the hips when it shows legs, and both ends of every scored limb."""
    shown = {int(L.LEFT_SHOULDER), int(L.RIGHT_SHOULDER)}
    if subject.shown_bones[HEAD]:
        shown.add(int(L.NOSE))
    if subject.rig.has_legs:
        shown |= {int(L.LEFT_HIP), int(L.RIGHT_HIP)}
    for name in limbs:
        shown |= {int(lm) for lm in LIMBS[name]}
    return tuple(sorted(shown))


def _photo_garment(subject: Subject) -> float:
    """How far down the thighs the photo's person joins the legs (skirt.joined_depth), 0
    when its thighs are not both shown."""
    rig = subject.rig
    if not (subject.shown_bones[9] and subject.shown_bones[12]):
        return 0.0
    names = ("L_HIP", "R_HIP", "L_KNEE", "R_KNEE")
    return joined_depth(subject.alpha, {n: rig.joints[J[n]] for n in names})


def summarise(reports: list[PairReport]) -> dict[str, Any]:
    scored = [r for r in reports if r.ok]
    target = [r for r in scored if r.full_body_reference]

    def mean(key: str, rs: list[PairReport]) -> float:
        vals = [float(r.metrics[key]) for r in rs if _finite(r.metrics.get(key))]
        return float(np.mean(vals)) if vals else float("nan")

    keys = ("limb_share", "frame_share", "pck@0.1", "pck@0.2", "face_ssim", "jitter_ratio", "wrists_in_frame",
            "body_in_frame", "garment_connectivity", "revealed_hard_edges")  # fmt: skip
    faces = [r for r in scored if r.face_reference]
    face_keys = ("expression", "mouth_open_corr", "mouth_open_amp", "eye_open_corr", "brow_lift_corr",
                 "head_roll_corr", "head_yaw_corr", "head_yaw_amp", "head_pitch_corr", "head_pitch_amp", "gaze_corr",
                 "gaze_amp")  # fmt: skip
    return {
        "face_references": {k: mean(k, faces) for k in face_keys},
        "face_pairs": [r.name for r in faces],
        "face_pairs_missing": [r.name for r in faces if not r.meets_face_targets()],
        "face_targets_met": bool(faces) and all(r.meets_face_targets() for r in faces),
        "pairs": len(reports),
        "failed": [{"pair": r.name, "reason": r.reason, "message": r.message} for r in reports if not r.ok],
        "overall": {k: mean(k, scored) for k in keys},
        "full_body_references": {k: mean(k, target) for k in keys},
        "targets": TARGETS,
        "target_pairs": [r.name for r in target],
        "target_pairs_missing": [r.name for r in target if not r.meets_targets()],
        "targets_met": bool(target)
        and all(r.meets_targets() for r in target)
        and len(scored) == len(reports),
    }


def run_report(
    pairs: list[Pair],
    out_dir: Path,
    settings: RendererSettings,
    on_pair: Callable[[PairReport], None] | None = None,
    sheets: Path | None = None,
) -> dict[str, Any]:
    out_dir.mkdir(parents=True, exist_ok=True)
    if sheets is not None:
        sheets.mkdir(parents=True, exist_ok=True)
    evaluator = Evaluator(settings, out_dir, sheets)
    reports: list[PairReport] = []
    try:
        for pair in pairs:
            report = evaluator.run(pair)
            reports.append(report)
            if on_pair is not None:
                on_pair(report)
    finally:
        evaluator.close()
    summary = summarise(reports)
    data = {"summary": summary, "pairs": [_as_json(r) for r in reports]}
    (out_dir / "report.json").write_text(json.dumps(data, indent=2, default=_json_default))
    if evaluator.rows:
        cv2.imwrite(
            str(out_dir / "contact_sheet.png"), cv2.cvtColor(stack_rows(evaluator.rows), cv2.COLOR_RGB2BGR)
        )
    return data


def _as_json(r: PairReport) -> dict[str, Any]:
    return {**r.__dict__, "meets_targets": r.meets_targets(), "meets_face_targets": r.meets_face_targets()}


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"not JSON serialisable: {type(o)}")
