"""The bot's words for the codes the renderer and the queue send: failure reasons and
inspection findings, in English, translated like ``texts`` (see :mod:`motionbot.bot.i18n`).

A finding's words are looked up from its most specific key to its plainest:
``code:kind:side``, ``code:side``, ``code:kind:severity``, ``code:kind``, ``code:severity``,
``code`` (kind is photo or video, side a hand's, severity info/warning), so a language can
say "photo" and "video" with their own grammar. Values in braces are the finding's params.
"""

from __future__ import annotations

from motionbot.bot.i18n import translating

FAILURES = {
    "unreadable_file": "I couldn't read that file. It may be damaged or cut short; please send it again.",
    "not_an_image": "That file isn't a picture. Please send a photo (JPEG, PNG or WebP).",
    "not_a_video": "That file isn't a video. Please send a video (MP4, MOV, WebM, MKV or GIF).",
    "unsupported_format": "I can't open this kind of file. Please send a JPEG, PNG or WebP photo, or an MP4, MOV, WebM, MKV or GIF video.",
    "file_too_large": "That file is too large. Please send a smaller or compressed version.",
    "image_too_large": "That picture is far too large in pixels. Please send a photo under 50 megapixels.",
    "image_too_small": "That picture is too small. Please send a photo at least 256 pixels on each side.",
    "video_too_long": "That video is too long. Please send a shorter clip.",
    "video_too_short": "That clip is too short to take a move from. Please send a video with at least a second of the move.",
    "video_too_small": "That video is too small to make out the body. Please send a clip at least 96 pixels on its shorter side.",
    "no_video_stream": "That file has no picture track (only sound?). Please send a video of a person moving.",
    "no_frames": "That video has no frames I can read. Please send it again or try another clip.",
    "no_person_in_photo": "I can't find a person in this photo. Please send a photo where one person is clearly visible.",
    "no_person_in_video": "I can't find a person moving in this video. Please send a clip with one person clearly in frame.",
    "unknown_motion": "I don't know that move. Pick one in /motions.",
    "engine_unavailable": "That quality isn't available right now. Please choose Preview.",
    "model_missing": "The AI model isn't installed on this server. Please choose Preview.",
    "gpu_out_of_memory": "The GPU ran out of memory for this video. Please try a shorter clip or Preview.",
    "timed_out": "Making the video took too long and was stopped. Please try a shorter clip.",
    "timed_out:diffusion": "Making the video took longer than {seconds} s and was stopped. Please try a shorter clip or Preview.",
    "internal_error:retries": "Making the video failed several times on our side. Please try again later.",
    "cancelled": "The video was cancelled.",
    "quota_exceeded": "You've reached today's limit of videos. Please try again tomorrow.",
    "busy": "You already have a video being made. Wait for it, or /cancel it.",
    "paused": "New videos are paused for maintenance. Please try again a little later.",
    "paused:note": "New videos are paused for now: {note}",
    "output_too_large": "The video is too large to send here, even compressed. Please try a shorter clip.",
    "storage_full": "The server has no room to store files right now, so nothing was made. Please try again later; the operator has been told.",
    "media_expired": "The files for this task have expired. Please send them again.",
    "internal_error": "Something went wrong on our side. Please try again in a moment.",
    "engine_unavailable:checks": "I can't check files right now.",
    "timed_out:checks": "Checking your file took too long. Please try again.",
    "engine_unavailable:gpu": "The Full AI (GPU) renderer isn't running on this server. Please choose Preview.",
}

FINDINGS = {
    # errors (an input that can't be used)
    "no_person:photo": "I can't find a person in this photo. Please send a photo where one person is clearly visible.",
    "no_person:video": "I can't find a person moving in this video. Please send a clip with one person clearly in frame.",
    "video_too_short": (
        "The clip is only {seconds:.2g} s long, too short to take a move from. "
        "Please send a video with at least {min_seconds:g} s of the move; a few seconds work best."
    ),
    "video_too_small": (
        "The video is only {width}x{height} pixels, too small to make out the body. "
        "Please send a clip at least {min_side} pixels on its shorter side."
    ),
    # warnings and notes
    "several_people:photo": "People in this photo: {people}. I'll use the largest. A photo of one person works best.",
    "several_people:video": "People in this video: {people}. I'll follow the largest. A clip of one person works best.",
    "framing_half_body:photo": "The photo shows the body down to about the waist, so leg moves can't be shown. For dances, use a full-body photo.",
    "framing_half_body:video": "The video shows the body down to about the waist, so leg moves can't be copied. For dances, use a full-body clip.",
    "framing_face:photo": "The photo shows only the face and shoulders, so arm and body moves can't be shown. Send one showing at least head to waist.",
    "framing_face:video": "The video shows only the face: head turns and expressions will be copied, body moves can't be.",
    "too_dark:photo": "The photo is too dark. Use one taken in better light.",
    "too_dark:video": "The video is too dark. Use one filmed in better light.",
    "overexposed:photo": "The photo is overexposed (washed out). Use one with less glare.",
    "overexposed:video": "The video is overexposed (washed out). Use one with less glare.",
    "hands_hidden:photo:both": "Both hands are hidden (in pockets, behind the body or out of frame), so their moves will be guessed. A photo with the hands in view works best.",
    "hands_hidden:photo:left": "The left hand is hidden (in a pocket, behind the body or out of frame), so its moves will be guessed. A photo with the hands in view works best.",
    "hands_hidden:photo:right": "The right hand is hidden (in a pocket, behind the body or out of frame), so its moves will be guessed. A photo with the hands in view works best.",
    "hands_hidden:video:both": "Both hands are hidden in most of the clip, so their moves will be guessed. A clip with the hands in view works best.",
    "hands_hidden:video:left": "The left hand is hidden in most of the clip, so its moves will be guessed. A clip with the hands in view works best.",
    "hands_hidden:video:right": "The right hand is hidden in most of the clip, so its moves will be guessed. A clip with the hands in view works best.",
    "face_not_visible": "I can't see the face clearly (turned away or covered). A photo facing the camera works best.",
    "face_small": "The face is very small in the photo; its details may be lost.",
    "face_blurry": "The face is blurry. Send a sharper photo.",
    "blurry:photo:warning": "The photo is very blurry. Send a sharp, in-focus one.",
    "blurry:photo:info": "The photo is a little soft; a sharper one gives better detail.",
    "blurry:video:warning": "The video is very blurry. Send a sharp, in-focus one.",
    "blurry:video:info": "The video is a little soft; a sharper one gives better detail.",
    "low_resolution": "The photo is only {width}x{height} pixels. Send one at least {min_side} pixels on each side.",
    "performer_lost": "The performer is hard to make out in parts of the clip; those moments will be smoothed over. Keep the whole body in frame and well lit.",
    "motion_blur": "Many frames are blurry (fast moves or low light). A sharper clip works better.",
    "camera_moving:warning": "The camera pans or shakes a lot, so the move may wobble. A clip from a still camera works best.",
    "camera_moving:info": "The camera moves a little (handheld or following the performer). That usually works; a still camera works best.",
    "scene_cuts": "Scene cuts in the video: {cuts}. The move will jump there. Send one continuous shot.",
    "trimmed": "The video is {source_s:.0f} s long; only the first {used_s:.0f} s will be used.",
    "gif_length": "This GIF is {seconds:g} s long, so the video will be too.",
    "short_clip": "The clip is only {seconds:.1f} s long, so the video will be too.",
    # what is fine (said first, briefly)
    "one_person:photo": "One person in the photo.",
    "one_person:video": "One performer in the video.",
    "framing_full_body": "Full body visible, head to feet.",
    "lighting_ok": "Lighting is fine.",
    "arms_visible": "Both arms and hands are visible.",
    "face_clear": "The face is visible and clear.",
    "camera_steady": "The camera is steady.",
    "no_cuts": "One continuous shot.",
}
# the words a sentence asking the user to do something starts with (one request per reply
# is enough): a regular-expression alternation, translated as such
REQUEST_WORDS = "please|send|use|try|pick|keep|cut|choose|wait"
# a finding this bot has no words for (a newer renderer's code)
UNKNOWN_FINDING = "Something in this file may spoil the result."

__getattr__ = translating(globals())
