"""Input guidance: what we see in a photo or reference video and what the user can do about it.

Inspection never raises for bad input: an unreadable file becomes a report with
``failure_reason`` set and an error finding, so the bot can always answer with advice.
It samples (one photo at ~1024 px; a dozen frames of a video) to answer in seconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from motionbot.queue.errors import FailureReason, MotionbotError
from motionbot.queue.jobs import Finding, Framing, InspectReport, MediaKind, Severity
from motionbot.renderer.arrays import RGB
from motionbot.renderer.media.image import load_image
from motionbot.renderer.media.probe import probe
from motionbot.renderer.media.video import VideoSpec
from motionbot.renderer.motion.extract import open_reference
from motionbot.renderer.motion.model import Landmark
from motionbot.renderer.people_findings import PeopleSeen, clip_people, photo_people
from motionbot.renderer.perception import quality as q
from motionbot.renderer.perception.face import detect_faces
from motionbot.renderer.perception.pose import PoseDetector
from motionbot.renderer.perception.segmentation import person_mask
from motionbot.renderer.settings import RendererSettings

L = Landmark
Keypoints = npt.NDArray[np.float32]
ANALYSIS_SIDE = 1024
VIDEO_SAMPLES = 12
CAMERA_PAIRS = 8
MIN_PHOTO_SIDE = 256
MIN_POSE_SCORE = 0.3
# a hidden wrist guessed above this share of the photo's height is hidden in the frame
HIDDEN_BELOW = 0.85
WARN, INFO, GOOD = Severity.WARNING, Severity.INFO, Severity.OK


def _f(code: str, severity: Severity, **params: float | int | str) -> Finding:
    """A finding as a code and its figures: its words are the bot's (or, on the command line,
    :mod:`motionbot.queue.english`'s)."""
    return Finding(code=code, severity=severity, params=params)


def _failed(kind: MediaKind, exc: MotionbotError) -> InspectReport:
    finding = _f(exc.reason.value, Severity.ERROR, **exc.params)
    return InspectReport(kind=kind, ok=False, findings=[finding], failure_reason=exc.reason.value)


def _people(seen: PeopleSeen) -> Finding:
    """Several people: how many, the one used (its number and place, and in a clip whether it
    moves), for the bot to word next to the numbered picture; else one."""
    if seen.count > 1:
        return _f("several_people", WARN, **seen.finding_params())
    return _f("one_person", GOOD)


def _framing(framing: Framing, what: str) -> Finding:
    if framing is Framing.FULL_BODY:
        return _f("framing_full_body", GOOD)
    if framing is Framing.HALF_BODY:
        return _f("framing_half_body", INFO)
    # a face-only clip still gives head turns and expressions; a face-only photo loses the arms
    return _f("framing_face", INFO if what == "video" else WARN)


def _lighting(light: q.Light) -> Finding:
    if light.dark:
        return _f("too_dark", WARN)
    if light.overexposed:
        return _f("overexposed", WARN)
    return _f("lighting_ok", GOOD)


def _hands(keypoints: Keypoints | None, framing: Framing, what: str = "photo") -> Finding | None:
    """Hidden hands: a warning (with a choice to send another) when a photo hides a hand inside
    its frame (in a pocket, behind the back), where the renderer can only guess the forearm
    and draws no hand; a note when the frame's edge cuts it off, as any half-body
    photo does, or when a clip hides it (the photo's arms still follow what shows)."""
    if keypoints is None or framing in (Framing.FACE, Framing.NONE):
        return None
    arms = {"left": (L.LEFT_ELBOW, L.LEFT_WRIST), "right": (L.RIGHT_ELBOW, L.RIGHT_WRIST)}
    hidden = [side for side, joints in arms.items() if min(keypoints[list(joints), 3]) < q.VISIBLE]
    if not hidden:
        return _f("arms_visible", GOOD)
    wrists = {"left": L.LEFT_WRIST, "right": L.RIGHT_WRIST}
    in_frame = [side for side in hidden if _well_inside(keypoints[wrists[side], :2])]
    side = "both" if len(hidden) == 2 else hidden[0]
    return _f("hands_hidden", WARN if what == "photo" and in_frame else INFO, side=side)


def _well_inside(xy: Keypoints) -> bool:
    """A guessed wrist well inside the frame: hidden by the body or clothes, not cut off by the
    frame's edge (the pose model puts a hand below a half-body photo's bottom edge at 0.9 to
    1.0 of its height, the astronaut's among them)."""
    return bool(0.02 < xy[0] < 0.98 and 0.02 < xy[1] < HIDDEN_BELOW)


def _face(small: RGB, face_box: q.Box | None) -> Finding:
    if face_box is None:
        return _f("face_not_visible", WARN)
    if face_box[3] < 0.04:
        return _f("face_small", INFO)
    if q.sharpness(small, face_box) < q.BLURRY:
        return _f("face_blurry", WARN)
    return _f("face_clear", GOOD)


def _blur(sharpness: float) -> Finding | None:
    if sharpness < q.VERY_BLURRY:
        return _f("blurry", WARN)
    if sharpness < q.BLURRY:
        return _f("blurry", INFO)
    return None


def _report(kind: MediaKind, findings: list[Finding | None], **fields: object) -> InspectReport:
    kept = [f for f in findings if f is not None]
    ok = not any(f.severity is Severity.ERROR for f in kept)
    return InspectReport.model_validate({"kind": kind, "ok": ok, "findings": kept, **fields})


def inspect_photo(path: Path, settings: RendererSettings, *, pictures: Path | None = None) -> InspectReport:
    """Guidance for a portrait photo; never raises for bad input. With several people in it, the
    numbered people picture is written into ``pictures`` (PICTURE_NAME) when given."""
    try:
        rgb = load_image(Path(path), max_pixels=settings.max_image_pixels, max_bytes=settings.max_input_bytes)
    except MotionbotError as exc:
        return _failed("photo", exc)
    height, width = rgb.shape[:2]
    small = q.resize_long_side(rgb, ANALYSIS_SIDE)
    with PoseDetector(video=False) as detector:
        pose = detector.detect(small)
    keypoints = None if pose is None or pose.score < MIN_POSE_SCORE else pose.keypoints
    faces = detect_faces(small)
    face_box = faces[0][0] if faces else None
    size = {"width": width, "height": height}
    if keypoints is None and face_box is None:
        error = _f("no_person", Severity.ERROR)
        return _report("photo", [error], **size)
    mask = person_mask(small)
    seen = photo_people(small)  # numbered as the warp engine's subject counts them
    seen.write_picture(pictures)
    framing = q.framing(keypoints, face_box)
    low_res = None
    if min(width, height) < MIN_PHOTO_SIDE:
        low_res = _f("low_resolution", WARN, width=width, height=height, min_side=MIN_PHOTO_SIDE)
    findings = [
        _people(seen),
        _framing(framing, "photo"),
        _face(small, face_box),
        _hands(keypoints, framing),
        _lighting(q.light(small, mask)),
        _blur(q.sharpness(small, q.body_box(keypoints))),
        low_res,
    ]
    people = max(seen.count, 1)
    return _report("photo", findings, framing=framing, people=people, **seen.report_fields(), **size)


@dataclass
class _Clip:
    """What inspection keeps of a video: sampled frames, frame pairs ~0.5 s apart, cut count."""

    spec: VideoSpec
    source_size: tuple[int, int]  # of the picture, inside any letterbox/pillarbox bars
    container: str
    samples: list[RGB] = field(default_factory=list)
    pairs: list[tuple[RGB, RGB]] = field(default_factory=list)
    cuts: int = 0
    people: PeopleSeen = field(default_factory=PeopleSeen)


def _read_clip(path: Path, settings: RendererSettings) -> _Clip:
    reader = open_reference(Path(path), settings)  # as extraction decodes it: the same people
    clip = _Clip(
        spec=reader.spec, source_size=(reader.info.width, reader.info.height), container=reader.info.container
    )
    n = clip.spec.n_frames
    picks = set(np.linspace(0, n - 1, min(VIDEO_SAMPLES, n)).round().astype(int).tolist())
    gap = max(1, round(clip.spec.fps / 2))
    starts = {int(s): int(s) + gap for s in np.linspace(0, max(0, n - 1 - gap), CAMERA_PAIRS).round()}
    pending: dict[int, RGB] = {}
    prev_hist = None

    def frames() -> Iterator[RGB]:
        nonlocal prev_hist
        for i, frame in enumerate(reader.frames()):
            hist = q.colour_histogram(frame)
            clip.cuts += prev_hist is not None and q.is_cut(prev_hist, hist)
            prev_hist = hist
            if i in picks:
                clip.samples.append(frame)
            if i in starts and starts[i] < n:
                pending[starts[i]] = frame
            if i in pending:
                clip.pairs.append((pending.pop(i), frame))
            yield frame

    # the people scan reads every frame as extraction's does, and the checks above ride along
    clip.people = clip_people(frames(), n, float(clip.spec.fps))
    return clip


def inspect_video(path: Path, settings: RendererSettings, *, pictures: Path | None = None) -> InspectReport:
    """Guidance for a reference video from a dozen sampled frames and a people scan of them all;
    never raises for bad input. ``pictures``: as inspect_photo's (the scan's key frame)."""
    try:
        clip = _read_clip(path, settings)
    except MotionbotError as exc:
        return _failed("video", exc)
    if not clip.samples:
        return _failed("video", MotionbotError(FailureReason.NO_FRAMES))
    report = _video_report(clip)
    if report.ok:
        clip.people.write_picture(pictures)
    return report


def _video_report(clip: _Clip) -> InspectReport:
    spec = clip.spec
    fields: dict[str, object] = {
        "width": clip.source_size[0],
        "height": clip.source_size[1],
        "duration_s": round(spec.duration_s, 3),
        "fps": spec.fps,
    }
    poses: list[Keypoints | None] = []
    framings: list[Framing] = []
    with_face = 0
    first_mask = None
    with PoseDetector(video=False) as detector:
        for frame in clip.samples:
            pose = detector.detect(frame)
            kp = None if pose is None or pose.score < MIN_POSE_SCORE else pose.keypoints
            faces = detect_faces(frame)
            with_face += bool(faces)
            poses.append(kp)
            if kp is not None or faces:
                framings.append(q.framing(kp, faces[0][0] if faces else None))
            if first_mask is None:
                first_mask = person_mask(frame)
    found = sum(p is not None for p in poses)
    n = len(clip.samples)
    if found < 0.3 * n and with_face < 0.3 * n:
        error = _f("no_person", Severity.ERROR)
        return _report("video", [error], **fields)
    n_people = max(1, clip.people.count)
    framing = max(set(framings), key=framings.count) if framings else Framing.NONE
    findings: list[Finding | None] = [_people(clip.people), _framing(framing, "video")]
    if found < 0.7 * n and framing is not Framing.FACE:
        findings.append(_f("performer_lost", WARN))
    seen = [p for p in poses if p is not None]
    if seen:  # hands hidden in most of the clip, judged on the median visibility
        findings.append(_hands(np.median(np.stack(seen), axis=0).astype(np.float32), framing, "video"))
    findings.append(_camera(clip.pairs))
    findings.append(_lighting(q.light(clip.samples[n // 2], first_mask)))
    if framing is not Framing.FACE:  # a smooth-skinned face close-up reads as soft without motion blur
        sharp = float(
            np.median([q.sharpness(s, q.body_box(p)) for s, p in zip(clip.samples, poses, strict=True)])
        )
        if sharp < q.BLURRY:
            findings.append(_f("motion_blur", WARN))
    findings.append(_cuts(clip.cuts))
    findings.append(_duration(spec, gif=clip.container == "gif"))
    return _report(
        "video", findings, framing=framing, people=n_people, **clip.people.report_fields(), **fields
    )


def _camera(pairs: list[tuple[RGB, RGB]]) -> Finding | None:
    if not pairs:
        return None
    moves = [q.background_motion(a, b, np.maximum(person_mask(a), person_mask(b))) for a, b in pairs]
    motion = float(np.median(moves))
    if motion > q.CAMERA_PANS:
        return _f("camera_moving", WARN)
    if motion > q.CAMERA_MOVES:
        return _f("camera_moving", INFO)
    return _f("camera_steady", GOOD)


def _cuts(cuts: int) -> Finding:
    return _f("scene_cuts", WARN, cuts=cuts) if cuts else _f("no_cuts", GOOD)


def _duration(spec: VideoSpec, *, gif: bool) -> Finding | None:
    """Length worth telling: trimmed, a GIF's (often a fraction of a second), or a short clip.
    Clips under MIN_CLIP_SECONDS never get here: open_video refuses them."""
    if spec.trimmed:
        return _f(
            "trimmed", INFO, source_s=round(spec.source_duration_s, 1), used_s=round(spec.duration_s, 1)
        )
    if gif:
        return _f("gif_length", INFO, seconds=round(spec.duration_s, 1))
    if spec.duration_s < 1.0:
        return _f("short_clip", INFO, seconds=round(spec.duration_s, 1))
    return None


def inspect_file(path: Path, settings: RendererSettings, *, pictures: Path | None = None) -> InspectReport:
    """Photo or video, told apart by content; never raises for bad input."""
    try:
        info = probe(Path(path))
    except MotionbotError as exc:
        return _failed("photo", exc)
    if info.kind == "image":
        return inspect_photo(path, settings, pictures=pictures)
    return inspect_video(path, settings, pictures=pictures)
