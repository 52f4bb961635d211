"""Built-in moves, so a user without a reference video can still animate a photo.

Each move is a few keyframes of a small parametric body (arm and leg angles, body shift,
lean, hop) posed on a neutral, frontal, full-body template. Keyframes are eased with
smoothstep, sampled at 30 fps and looped; the body is turned into BlazePose keypoints by
forward kinematics, so limb lengths never change and depth (z) follows the limbs: a clapping
hand really is in front of the torso.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from motionbot.queue.errors import FailureReason
from motionbot.renderer.arrays import F32
from motionbot.renderer.errors import RendererError
from motionbot.renderer.motion.model import NUM_LANDMARKS, Landmark, Motion

L = Landmark
FPS = 30.0
WIDTH, HEIGHT = 720, 960

# Template body in pixels of a 720x960 (3:4) frame, wide enough for outstretched arms; the
# person is about 80% of the frame tall.
CX = WIDTH / 2
SHOULDER_Y, SHOULDER_HALF = 262.0, 72.0
HIP_Y, HIP_HALF = 500.0, 44.0
UPPER_ARM, FOREARM, HAND = 118.0, 108.0, 42.0
THIGH, SHIN = 182.0, 172.0
VISIBILITY = 0.99
DROP = 22.0  # moves the whole template down so raised hands stay in frame


@dataclass(frozen=True)
class Arm:
    """Segment directions in degrees from hanging straight down; positive is away from the body.

    ``*_fwd`` in 0..1 is how much the segment points at the camera (0 in the image plane).
    """

    upper: float = 8.0
    fore: float = 6.0
    upper_fwd: float = 0.0
    fore_fwd: float = 0.0


@dataclass(frozen=True)
class Body:
    left: Arm = field(default_factory=Arm)  # the subject's left: the image's right
    right: Arm = field(default_factory=Arm)
    legs: float = 3.0  # outward angle of both legs
    knees: float = 0.0  # knee bend (shins tilt back in)
    shift: float = 0.0  # whole-body sideways shift, px (positive: image right)
    hop: float = 0.0  # whole-body lift, px
    lean: float = 0.0  # upper-body lean about the hips, degrees (positive: towards image right)
    head: float = 0.0  # extra head tilt, degrees


@dataclass(frozen=True)
class PresetInfo:
    name: str
    title: str
    description: str
    keyframes: tuple[tuple[float, Body], ...]  # (seconds, pose) of one loop, first == last
    loops: int

    @property
    def duration_s(self) -> float:
        return self.keyframes[-1][0] * self.loops


def to_vector(body: Body) -> npt.NDArray[np.float64]:
    arms = [
        getattr(arm, f) for arm in (body.left, body.right) for f in ("upper", "fore", "upper_fwd", "fore_fwd")
    ]
    return np.array([*arms, body.legs, body.knees, body.shift, body.hop, body.lean, body.head])


def from_vector(v: npt.NDArray[np.float64]) -> Body:
    values = [float(x) for x in v]
    return Body(Arm(*values[0:4]), Arm(*values[4:8]), *values[8:14])


def _direction(angle: float, fwd: float, side: float) -> npt.NDArray[np.float64]:
    """3D unit vector (x right, y down, z towards the back) for a limb angle on one side."""
    a = math.radians(angle)
    planar = math.sqrt(max(0.0, 1.0 - fwd * fwd))
    return np.array([side * planar * math.sin(a), planar * math.cos(a), -fwd])


def _rotate(points: npt.NDArray[np.float64], centre: npt.NDArray[np.float64], degrees: float) -> None:
    """Rotate points in the image plane about a centre, in place (positive: clockwise on screen)."""
    r = math.radians(-degrees)
    c, s = math.cos(r), math.sin(r)
    d = points[:, :2] - centre[:2]
    points[:, 0] = centre[0] + c * d[:, 0] - s * d[:, 1]
    points[:, 1] = centre[1] + s * d[:, 0] + c * d[:, 1]


def pose_keypoints(body: Body) -> F32:
    """(33, 4) normalised keypoints of one body pose."""
    p = np.zeros((NUM_LANDMARKS, 3), dtype=np.float64)
    # Head and face: z in px, negative in front of the hips' plane, as mediapipe reports it.
    head = {
        L.NOSE: (0, 170, -60), L.LEFT_EYE_INNER: (9, 156, -55), L.LEFT_EYE: (16, 155, -55),
        L.LEFT_EYE_OUTER: (23, 156, -52), L.RIGHT_EYE_INNER: (-9, 156, -55), L.RIGHT_EYE: (-16, 155, -55),
        L.RIGHT_EYE_OUTER: (-23, 156, -52), L.LEFT_EAR: (36, 166, -10), L.RIGHT_EAR: (-36, 166, -10),
        L.MOUTH_LEFT: (12, 194, -50), L.MOUTH_RIGHT: (-12, 194, -50),
    }  # fmt: skip
    for lm, (x, y, z) in head.items():
        p[lm] = (CX + x, y, z)
    neck = np.array([CX, SHOULDER_Y - 40])
    _rotate(p[: L.MOUTH_RIGHT + 1], neck, body.head)
    arms = (
        (1.0, body.left, (L.LEFT_SHOULDER, L.LEFT_ELBOW, L.LEFT_WRIST, L.LEFT_PINKY, L.LEFT_INDEX,
                          L.LEFT_THUMB)),
        (-1.0, body.right, (L.RIGHT_SHOULDER, L.RIGHT_ELBOW, L.RIGHT_WRIST, L.RIGHT_PINKY, L.RIGHT_INDEX,
                            L.RIGHT_THUMB)),
    )  # fmt: skip
    for side, arm, (shoulder, elbow, wrist, pinky, index, thumb) in arms:
        p[shoulder] = (CX + side * SHOULDER_HALF, SHOULDER_Y, -8)
        p[elbow] = p[shoulder] + UPPER_ARM * _direction(arm.upper, arm.upper_fwd, side)
        fore = _direction(arm.fore, arm.fore_fwd, side)
        p[wrist] = p[elbow] + FOREARM * fore
        across = np.array([-fore[1] * side, fore[0] * side, 0.0])  # in-plane perpendicular
        p[index] = p[wrist] + HAND * fore - 0.12 * HAND * across
        p[pinky] = p[wrist] + 0.85 * HAND * fore + 0.25 * HAND * across
        p[thumb] = p[wrist] + 0.55 * HAND * fore - 0.35 * HAND * across + np.array([0, 0, -8])
    hips = np.array([CX, HIP_Y, 0.0])
    _rotate(p[: L.RIGHT_THUMB + 1], hips, body.lean)
    for side, (hip, knee, ankle, heel, toe) in (
        (1.0, (L.LEFT_HIP, L.LEFT_KNEE, L.LEFT_ANKLE, L.LEFT_HEEL, L.LEFT_FOOT_INDEX)),
        (-1.0, (L.RIGHT_HIP, L.RIGHT_KNEE, L.RIGHT_ANKLE, L.RIGHT_HEEL, L.RIGHT_FOOT_INDEX)),
    ):
        p[hip] = (CX + side * HIP_HALF, HIP_Y, 0.0)
        p[knee] = p[hip] + THIGH * _direction(body.legs, body.knees / 90.0 * 0.4, side)
        p[ankle] = p[knee] + SHIN * _direction(body.legs * 0.6, -body.knees / 90.0 * 0.4, side)
        p[heel] = p[ankle] + (0.0, 18.0, 12.0)
        p[toe] = p[ankle] + (side * 10.0, 30.0, -40.0)
    p[:, 0] += body.shift
    p[:, 1] += DROP - body.hop
    out = np.empty((NUM_LANDMARKS, 4), dtype=np.float32)
    out[:, 0] = p[:, 0] / WIDTH
    out[:, 1] = p[:, 1] / HEIGHT
    out[:, 2] = p[:, 2] / WIDTH  # mediapipe's z shares x's scale
    out[:, 3] = VISIBILITY
    return out


def sample(keyframes: tuple[tuple[float, Body], ...], fps: float = FPS) -> list[Body]:
    """Bodies at each frame of one loop (the last keyframe is the next loop's first frame).

    A Catmull-Rom spline through the keyframes keeps velocity continuous through them (no
    stop-and-go at every key), while the loop's ends ease in and out of the neutral pose.
    """
    times = np.array([t for t, _ in keyframes])
    points = np.stack([to_vector(b) for _, b in keyframes])
    tangents = np.zeros_like(points)
    for k in range(1, len(keyframes) - 1):
        tangents[k] = (points[k + 1] - points[k - 1]) / (times[k + 1] - times[k - 1])
    bodies = []
    for i in range(round(times[-1] * fps)):
        t = i / fps
        k = min(int(np.searchsorted(times, t, side="right")) - 1, len(times) - 2)
        dt = times[k + 1] - times[k]
        u = (t - times[k]) / dt
        h00, h10 = 2 * u**3 - 3 * u**2 + 1, u**3 - 2 * u**2 + u
        h01, h11 = -2 * u**3 + 3 * u**2, u**3 - u**2
        v = h00 * points[k] + h10 * dt * tangents[k] + h01 * points[k + 1] + h11 * dt * tangents[k + 1]
        bodies.append(from_vector(v))
    return bodies


NEUTRAL = Body()
_UP = Arm(upper=165, fore=172)


def _wave() -> tuple[tuple[float, Body], ...]:
    raised = replace(NEUTRAL, right=Arm(upper=100, fore=150), head=-3)
    out = replace(raised, right=Arm(upper=100, fore=120))
    inn = replace(raised, right=Arm(upper=100, fore=185))
    return ((0.0, NEUTRAL), (0.6, raised), (0.9, out), (1.2, inn), (1.5, out), (1.8, inn), (2.1, out),
            (2.6, NEUTRAL))  # fmt: skip


def _clap() -> tuple[tuple[float, Body], ...]:
    apart = replace(NEUTRAL, left=Arm(15, -30, 0.6, 0.6), right=Arm(15, -30, 0.6, 0.6))
    together = replace(NEUTRAL, left=Arm(12, -72, 0.6, 0.6), right=Arm(12, -72, 0.6, 0.6))
    return ((0.0, NEUTRAL), (0.45, apart), (0.7, together), (0.95, apart), (1.2, together), (1.6, NEUTRAL))


def _sway() -> tuple[tuple[float, Body], ...]:
    left = replace(NEUTRAL, shift=22, lean=5, head=4, left=Arm(14, 10), right=Arm(4, 0))
    right = replace(NEUTRAL, shift=-22, lean=-5, head=-4, left=Arm(4, 0), right=Arm(14, 10))
    return ((0.0, NEUTRAL), (0.5, left), (1.5, right), (2.0, NEUTRAL))


def _arms_up() -> tuple[tuple[float, Body], ...]:
    side = replace(NEUTRAL, left=Arm(90, 95), right=Arm(90, 95))
    up = replace(NEUTRAL, left=_UP, right=_UP, head=0, hop=4)
    return ((0.0, NEUTRAL), (0.5, side), (0.9, up), (1.3, up), (1.7, side), (2.1, NEUTRAL))


def _jumping_jacks() -> tuple[tuple[float, Body], ...]:
    crouch = replace(NEUTRAL, knees=12, hop=-10)
    air = replace(NEUTRAL, left=Arm(110, 130), right=Arm(110, 130), legs=10, hop=35)
    spread = replace(NEUTRAL, left=Arm(160, 175), right=Arm(160, 175), legs=16, knees=8, hop=-6)
    return ((0.0, NEUTRAL), (0.25, crouch), (0.55, air), (0.8, spread), (1.05, air), (1.35, crouch),
            (1.6, NEUTRAL))  # fmt: skip


PRESETS: dict[str, PresetInfo] = {
    p.name: p
    for p in (
        PresetInfo("wave", "Wave", "Raises the right hand and waves hello.", _wave(), 2),
        PresetInfo("clap", "Clap", "Claps hands in front of the chest, twice per loop.", _clap(), 3),
        PresetInfo("sway", "Sway", "Sways gently side to side, as if to music.", _sway(), 2),
        PresetInfo("arms_up", "Arms up", "Lifts both arms overhead, then lowers them.", _arms_up(), 2),
        PresetInfo("jumping_jacks", "Jumping jacks", "Hops with arms and legs out, like a workout.",
                   _jumping_jacks(), 3),
    )
}  # fmt: skip


def load_preset(name: str) -> Motion:
    """The named move as a fresh Motion (30 fps, 720x960 frame)."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    info = PRESETS.get(key)
    if info is None:
        names = ", ".join(sorted(PRESETS))
        raise RendererError(
            FailureReason.UNKNOWN_MOTION,
            f"I don't know the motion {name!r}. Built-in motions: {names}; or send a reference video.",
        )
    loop = [pose_keypoints(b) for b in sample(info.keyframes)]
    frames = loop * info.loops + [pose_keypoints(info.keyframes[-1][1])]
    keypoints = np.stack(frames).astype(np.float32)
    return Motion(
        fps=FPS,
        width=WIDTH,
        height=HEIGHT,
        keypoints=keypoints,
        confidence=np.ones(len(frames), dtype=np.float32),
        source=f"preset:{info.name}",
        meta={"preset": info.name, "title": info.title, "loops": info.loops},
    )
