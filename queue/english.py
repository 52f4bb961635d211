"""English for the codes the renderer and the queue send: the words of the CLI and the logs.

Failure reasons and inspection findings travel as codes plus params (``RenderFailure.reason``,
``Finding.code``), never as sentences; a chat bot words them in its user's language from its
own catalogue. The command line (``motionbot render``/``inspect``), the logs and the history's
``failure_message`` column are in English, and this module is the one place that English
comes from, so the renderer and the queue never build a sentence for a payload.

Keys are looked up from the most specific to the plainest: a failure by ``reason:case`` (or
``reason:engine``) then ``reason``; a finding by ``code:kind:severity``, ``code:kind``,
``code:severity``, ``code``. A template whose figures are missing from the params is skipped
for the next one, so a payload from an older or newer sender still reads.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

FAILURES: dict[str, str] = {
    "unreadable_file": "I couldn't read that file. It may be damaged or cut short; please send it again.",
    "not_an_image": "That file isn't a picture. Please send a photo (JPEG, PNG or WebP).",
    "not_a_video": "That file isn't a video. Please send a video (MP4, MOV, WebM, MKV or GIF).",
    "unsupported_format": "I can't open this format. Please send a JPEG/PNG/WebP photo or an MP4/MOV/WebM/MKV/GIF video.",
    "file_too_large": "That file is too large. Please send a smaller or compressed version.",
    "image_too_large": "That picture is far too large in pixels. Please send a photo under 50 megapixels.",
    "image_too_small": "That picture is too small. Please send a photo at least 256 pixels on each side.",
    "video_too_long": "That video is too long. Please send a shorter clip.",
    "video_too_short": "That clip is too short to take a motion from. Please send a video of at least a second of the move.",
    "video_too_small": "That video is too small to make out the body. Please send a clip at least 96 pixels on its shorter side.",
    "no_video_stream": "That file has no picture track (only sound?). Please send a video of a person moving.",
    "no_frames": "That video has no frames I can read. Please send it again or try another clip.",
    "no_person_in_photo": "I can't find a person in this photo. Please send a photo where one person is clearly visible.",
    "no_person_in_video": "I can't find a person moving in this video. Please send a clip with one clearly visible performer.",
    "unknown_motion": "I don't know that motion. Send a reference video or pick one of the built-in motions.",
    "engine_unavailable": "That render quality isn't available right now. Please try the Preview quality.",
    "engine_unavailable:checks": "Input checks are unavailable right now.",
    "engine_unavailable:gpu": "The high-quality (GPU) renderer isn't running on this server. Please choose the Preview quality.",
    "model_missing": "The AI model isn't installed on this server. Please try the Preview quality.",
    "gpu_out_of_memory": "The GPU ran out of memory for this video. Please try a shorter clip or the Preview quality.",
    "timed_out": "Rendering took too long and was stopped. Please try a shorter clip.",
    "timed_out:checks": "Checking your file took too long. Please try again.",
    "timed_out:warp": "Rendering took longer than {seconds} seconds and was stopped. Please try a shorter clip.",
    "timed_out:diffusion": (
        "Rendering took longer than {seconds} seconds and was stopped. "
        "Please try a shorter clip or the Preview quality."
    ),
    "cancelled": "The render was cancelled.",
    "quota_exceeded": "You've reached today's limit of renders. Please try again tomorrow.",
    "busy": "You already have a render running. Please wait for it to finish or /cancel it.",
    "paused": "New renders are paused for maintenance. Please try again a little later.",
    "paused:note": "New renders are paused for now: {note}",
    "output_too_large": "The result is too large to send here, even compressed. Please try a shorter clip.",
    "storage_full": "The server has no room to store files right now, so nothing was made. Please try again later; the operator has been told.",
    "media_expired": "The files for this task have expired. Please send them again.",
    "internal_error": "Something went wrong on our side. Please try again in a moment.",
    "internal_error:retries": "The render failed several times on our side (the worker stopped). Please try again later.",
}

# a failure's figures, when its params carry them (a refused input's size or length)
_FIGURES: dict[str, str] = {
    "video_too_short": (
        "That clip is only {seconds:.2f} s long, too short to take a motion from. "
        "Please send a video with at least {min_seconds:g} s of the move (a few seconds work best)."
    ),
    "video_too_small": (
        "That video is only {width}x{height} pixels, too small to make out the body. "
        "Please send a clip at least {min_side} pixels on its shorter side."
    ),
    "busy": "You already have {running} renders running. Please wait for one to finish or /cancel it.",
    "quota_exceeded": "You've reached today's limit of {limit} renders. It resets at midnight UTC.",
}

# {kind} is the photo or video inspected; {which} and {their} name a hidden hand's ``side``
FINDINGS: dict[str, str] = {
    "no_person:photo": FAILURES["no_person_in_photo"],
    "no_person:video": FAILURES["no_person_in_video"],
    "several_people": (
        "{people} people in this {kind}: the larger one will be used. "
        "For the best result, send a {kind} of one person."
    ),
    "one_person:photo": "One person in the photo.",
    "one_person:video": "One performer in the video.",
    "framing_full_body": "Full body visible, head to feet.",
    "framing_half_body": (
        "The {kind} shows the body from the head to about the waist: leg moves can't be shown. "
        "For dances, use a full-body shot."
    ),
    "framing_face:video": "The video shows only the face: head turns and expressions will be copied, body moves can't be.",
    "framing_face": (
        "The photo shows only the face and shoulders: arm and body moves can't be shown. "
        "Send one showing at least head to waist."
    ),
    "too_dark": "The {kind} is too dark. Use one taken in better light.",
    "overexposed": "The {kind} is overexposed (washed out). Use one with less glare.",
    "lighting_ok": "Lighting is fine.",
    "arms_visible": "Both arms and hands are visible.",
    "hands_hidden:photo:warning": (
        "{which} hidden (in a pocket or behind the body): no hand will be drawn and {their} moves will be "
        "guessed. For moves with the hands, send a photo with both hands in view."
    ),
    "hands_hidden": (
        "{which} hidden (in a pocket, behind the body or out of frame): {their} moves will be guessed. "
        "A {kind} with the hands in view works best."
    ),
    "face_not_visible": "I can't see the face clearly (turned away or covered). A photo facing the camera works best.",
    "face_small": "The face is very small in the photo; its details may be lost.",
    "face_blurry": "The face is blurry. Send a sharper photo.",
    "face_clear": "The face is visible and clear.",
    "blurry:warning": "The {kind} is very blurry. Send a sharp, in-focus one.",
    "blurry": "The {kind} is a little soft; a sharper one gives better detail.",
    "low_resolution": "The photo is only {width}x{height}; send one at least {min_side} pixels on each side.",
    "performer_lost": (
        "The performer is hard to make out in parts of the clip; those moments will be smoothed over. "
        "Keep the whole body in frame and well lit."
    ),
    "motion_blur": "Many frames are blurry (fast moves or low light). A sharper clip works better.",
    "camera_moving:warning": "The camera pans or shakes a lot; the motion may wobble. A clip from a still camera works best.",
    "camera_moving": (
        "The camera moves a little (handheld or following the performer); that usually works, "
        "a still camera works best."
    ),
    "camera_steady": "The camera is steady.",
    "scene_cuts": "Scene cuts in the video: {cuts}. The motion will jump there. Send one continuous shot.",
    "no_cuts": "One continuous shot.",
    "trimmed": "The video is {source_s:.0f} s long; only the first {used_s:.0f} s will be used.",
    "gif_length": "This GIF is {seconds:g} s long, so the video will be too.",
    "short_clip": "The clip is only {seconds:.1f} s long, so the video will be too.",
}
UNKNOWN_FINDING = "Something in this file may spoil the result ({code})."
_HANDS = {
    "both": ("Both hands are", "their"),
    "left": ("The left hand is", "its"),
    "right": ("The right hand is", "its"),
}


def _fill(template: str, params: Mapping[str, object]) -> str | None:
    try:
        return template.format(**params)
    except (KeyError, ValueError, IndexError):  # figures missing or of another type
        return None


def _failure_keys(reason: str, params: Mapping[str, object]) -> Iterator[str]:
    for name in ("case", "engine"):
        if name in params:
            yield f"{reason}:{params[name]}"


def failure(reason: str, params: Mapping[str, object] | None = None) -> str:
    """The English of a failure reason (a ``FailureReason`` value) and its params."""
    params = params or {}
    candidates = [FAILURES.get(key) for key in _failure_keys(reason, params)]
    for template in (*candidates, _FIGURES.get(reason), FAILURES.get(reason)):
        if template is not None and (text := _fill(template, params)) is not None:
            return text
    return FAILURES["internal_error"]


def finding(code: str, severity: str, kind: str, params: Mapping[str, object] | None = None) -> str:
    """The English of one inspection finding of a photo or video (``kind``)."""
    words = {**(params or {}), "kind": kind}
    side = str(words.get("side", ""))
    if side in _HANDS:
        words["which"], words["their"] = _HANDS[side]
    for key in (f"{code}:{kind}:{severity}", f"{code}:{kind}", f"{code}:{severity}", code):
        if key in FINDINGS and (text := _fill(FINDINGS[key], words)) is not None:
            return text
    if severity == "error":  # an input refused for a failure reason
        return failure(code, params)
    return UNKNOWN_FINDING.format(code=code)
