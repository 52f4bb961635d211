"""Every sentence the bot says, in English: the catalogue's source (see motionbot.bot.i18n).

Plain text only (no Markdown/HTML): the same strings go to Telegram and Discord. Values
in braces are filled with ``str.format``; keep the names when translating. Each UPPER_CASE
string (or dict of strings) is served in the current language; `make i18n` extracts them.
"""

from __future__ import annotations

from motionbot.bot.i18n import translating

WELCOME = (
    "Hi! I turn a photo of a person into a video of them doing a move.\n"
    "Send me a photo (who) and a short video of someone moving (what), in either order."
)
GOOD_INPUTS = (
    "Good photo: one person, face clear, body visible (full body is best), even light.\n"
    "Good video: one performer, steady camera, whole body in frame, a short clip (under 30 s).\n"
    "No video at hand? Pick a built-in move with /motions."
)
CONSENT = (
    "Before we start: please confirm that you have the rights to the photos and videos you send, "
    "and that you won't use this to make misleading videos or videos of people without their consent."
)
CONSENT_BUTTON = "I agree"
THANKS = "Thank you!"
CONSENT_THANKS = "Thank you! Send a photo or a video to begin."
CONSENT_PENDING = 'Please press "I agree" above first; then I\'ll go on with your files.'
CONSENT_NEEDED = "Please read and accept this first, then I can render for you."

RECEIVED_PHOTO = "Got your photo. Checking it..."
RECEIVED_VIDEO = "Got your video. Checking it..."
CHECKING_UNAVAILABLE = "I couldn't check this file right now; I'll still try to use it."
FINDINGS_PHOTO = "Photo: {summary}"
FINDINGS_VIDEO = "Video: {summary}"
FINDINGS_OK = "looks good."
FINDINGS_ERROR_TAIL = "Please send another one."
CONTINUE_ANYWAY = "Continue anyway"
SEND_ANOTHER_PHOTO = "Send another photo"
SEND_ANOTHER_VIDEO = "Send another video"
ASK_ANOTHER_PHOTO = "OK, send me another photo."
ASK_ANOTHER_VIDEO = "OK, send me another video (or pick a built-in move with /motions)."
NEED_VIDEO = "Now send a short video of the move (or pick a built-in one with /motions)."
NEED_PHOTO = "Now send a photo of the person who should do the move."
PHOTO_REPLACED = "I'll use this new photo instead of the previous one."
VIDEO_REPLACED = "I'll use this new video instead of the previous motion."
# several people in a photo or video: which one is used (by where they stand), and the
# numbered picture to choose another; {count} is how many
PEOPLE_IN_PHOTO = {
    "left": "People in this photo: {count}. The one on the left will do the move; tap a number to choose another.",
    "middle": "People in this photo: {count}. The one in the middle will do the move; tap a number to choose another.",
    "right": "People in this photo: {count}. The one on the right will do the move; tap a number to choose another.",
    "unknown": "People in this photo: {count}. Tap a number to choose who does the move.",
}
PEOPLE_IN_VIDEO = {
    "left": "People in this video: {count}. I'll copy the one on the left; tap a number to choose another.",
    "middle": "People in this video: {count}. I'll copy the one in the middle; tap a number to choose another.",
    "right": "People in this video: {count}. I'll copy the one on the right; tap a number to choose another.",
    "unknown": "People in this video: {count}. Tap a number to choose whose moves I copy.",
}
PEOPLE_PICTURE_PHOTO = "Who should do the move? Tap their number."
PEOPLE_PICTURE_VIDEO = "Whose moves should I copy? Tap their number."
PERSON_CHOSEN_PHOTO = "OK: person {number} of the photo will do the move."
PERSON_CHOSEN_VIDEO = "OK: I'll copy the moves of person {number} of the video."
PERSON_STALE = (
    "Those numbers belong to a photo or video you have since replaced. Send it again to choose from it."
)
PERSON_ALBUM = (
    "In an album, who does the move is chosen on its first photo; "
    "in the others the most prominent person does it."
)
OPTIONS_SUBJECT = "Doing the move: person {number} of the photo."
OPTIONS_PERFORMER = "Moves of: person {number} of the video."
UNSUPPORTED_FILE = (
    "I can't use this kind of file. Please send a photo (JPEG, PNG or WebP) "
    "or a video (MP4, MOV, WebM, MKV or GIF)."
)
TOO_BIG_TO_DOWNLOAD = (
    "That file is {size_mb:.0f} MB; I can only fetch files up to {limit_mb:.0f} MB here. "
    "Please trim the clip to a few seconds or send it compressed (e.g. as a regular video, not a file)."
)
EMPTY_FILE = "That file is empty. Please send it again."

MOTIONS_TITLE = "Pick a built-in move:"
PICK_PRESET = "Built-in moves"
PRESET_CHOSEN = "Move: {title}."
PRESET_TITLES = {  # by queue.presets name
    "wave": "Wave hello",
    "clap": "Clap",
    "sway": "Sway side to side",
    "arms_up": "Arms up",
    "jumping_jacks": "Jumping jacks",
}

OPTIONS_TITLE = "Ready. Choose the options, then press Generate."
QUALITY_WARP = "Preview (CPU, seconds)"
QUALITY_DIFFUSION = "Full AI (GPU, minutes)"
BACKGROUND_NAMES = {
    "photo": "Photo",
    "white": "White",
    "green": "Green screen",
    "blur": "Blurred",
    "scene": "Video's scene",
}
FORMAT_NAMES = {
    "mp4": "Video",
    "transparent": "+ Transparent",
    "gif": "+ GIF",
    "before_after": "Before/after",
}
FORMAT_LABELS = {
    "transparent": "transparent",
    "gif": "GIF",
    "sticker": "sticker",
    "before_after": "before/after",
}
ASPECT_NAMES = {"photo": "Photo's shape", "9:16": "9:16", "1:1": "1:1"}
SOUND_ON = "Keep sound"
SOUND_OFF = "No sound"
GENERATE = "Generate"
CHOSEN_MARK = "* "
NOTHING_TO_GENERATE = "Send a photo and a video (or pick a move with /motions) first."
INPUT_REJECTED_PHOTO = "This photo can't be used: {summary}"
INPUT_REJECTED_VIDEO = "This video can't be used: {summary}"
ASK_OTHER_PHOTO = "Please send another photo."  # unless the reason already asks for something
ASK_OTHER_VIDEO = "Please send another video."
ALREADY_RENDERING = "You already have a video being made. Wait for it, or /cancel it."
ALREADY_SENT = (
    "I've just sent you this video. Change an option, or send another photo or video, to make a new one."
)
CANCEL = "Cancel"

QUEUED = "Queued: {ahead} ahead of you. {eta}"
QUEUED_NEXT = "Queued: you're next. {eta}"
ETA = "About {eta} to go."
ETA_UNKNOWN = "Waiting for a renderer to become free."
FALLBACK_CPU = "The GPU renderer isn't available, so this will be a Preview (CPU) render."
STAGE_NAMES = {
    "queued": "Waiting in line",
    "decode": "Reading your files",
    "motion": "Following the move",
    "render": "Drawing the frames",
    "encode": "Making the video",
    "done": "Done",
    "failed": "Failed",
    "cancelled": "Cancelled",
}
PROGRESS = "{stage}: {percent:.0f}%{eta}"
PROGRESS_ETA = " (about {eta} left)"
DONE = "Done! Task {task_id}."
FAILED = "That didn't work. {message}"
CANCELLED = "Cancelled."
FROM_CACHE = "Made this one before; here it is."

RESULT_CAPTION = "Task {task_id} - {engine}, {duration} s"
ENGINE_NAMES = {"warp": "Preview", "diffusion": "Full AI"}
SHARE = "Share"
SAME_MOTION_NEW_PHOTO = "Same move, new photo"
SAME_PHOTO_NEW_MOTION = "Same photo, new move"
AGAIN_OTHER_OPTIONS = "Again, other options"
RESEND = "Send again"
DELETE = "Delete"
BACK = "Back"
RESULT_TOO_LARGE = (
    "The video came out at {size_mb:.0f} MB, over the {limit_mb:.0f} MB limit here, even compressed. "
    "Press Shorter render for a version half as long, or send a shorter clip."
)
SHORTER = "Shorter render"
EXTRA_CAPTIONS = {
    "webm": "Transparent WebM (the subject alone, for video editors): task {task_id}",
    "gif": "GIF (plays by itself in chats): task {task_id}",
    "sticker": "Sticker: task {task_id}",
}
EXTRA_TOO_LARGE = (
    "The {what} came out at {size_mb:.1f} MB, over the {limit_mb:.0f} MB limit here, so I can't send it."
)
EXTRA_WHAT = {"webm": "transparent WebM", "gif": "GIF", "sticker": "sticker"}
MAKE_STICKER = "Make a sticker"
ALBUM_PHOTOS = "{count} photos: one video each, with the same move."
BATCH_QUEUED = "Making {total} videos, one per photo: {done} of {total} done."
BATCH_DONE = "Made {done} of {total} videos."
ADD_STICKER = "Add to my sticker set"
STICKER_ADDED = "Added to your sticker set: {link}"
STICKER_SET_CREATED = "Made your sticker set with this sticker: {link}"
STICKER_SET_TITLE = "My motionbot stickers"
STICKER_SET_FULL = (
    "Your sticker set is full (Telegram allows 120 video stickers). Start a new one in @Stickers."
)
STICKER_NOT_READY = "That task has no sticker yet. Press Make a sticker under a video first."
STICKER_FAILED = "Telegram didn't take the sticker: {reason}"
NO_STICKER_HERE = "Stickers are a Telegram feature; here you can get the GIF instead."

CANCEL_NOTHING = "There's nothing to cancel. Send a photo or a video to begin."
CANCEL_CLEARED = "OK, I've forgotten the files you sent. Send a photo or a video to start over."
CANCEL_TASK = "Cancelled task {task_id}."
CANCEL_TOO_LATE = "Task {task_id} had already finished; it's on its way."

HISTORY_EMPTY = "You haven't made any videos yet."
HISTORY_TITLE = "Your videos ({first}-{last} of {total}), newest first:"
HISTORY_LINE = "{number}. {status} {date} - {engine}{duration}"
HISTORY_PREV = "Newer"
HISTORY_NEXT = "Older"
TASK_CARD = "Task {task_id}\nStatus: {status}\nMade: {date}\nQuality: {engine}{duration}{failure}"
TASK_STATUS = {
    "queued": "waiting",
    "running": "in progress",
    "done": "finished",
    "failed": "failed",
    "cancelled": "cancelled",
}
EXPIRED_MARK = " (files expired)"
EXPIRED_NOTE = "\nIts files were deleted by the retention policy; only what was already sent remains."
TASK_STATUS_MARK = {"queued": "...", "running": "...", "done": "OK", "failed": "X", "cancelled": "-"}
TASK_NOT_FOUND = "I can't find that video. It may have been deleted."
NOT_YOURS = "That isn't one of your videos."
TASK_DELETED = "Deleted task {task_id} and its files."
NOT_FINISHED = "That video isn't finished yet."
REUSE_MOTION = "Using the move from task {task_id}."
REUSE_PHOTO = "Using the photo from task {task_id}."
REUSE_AGAIN = "Using the photo and move from task {task_id}."
MEDIA_GONE = "The files for that task have expired. Please send them again."

SAVE_MOTION = "Save this move"
MOTION_SAVED = 'Saved the move as "{name}". Pick it in /motions to use it with any photo.'
MOTION_ALREADY_SAVED = 'That move is already saved as "{name}" (see /motions).'
MOTION_IS_BUILTIN = "That's a built-in move: it's always in /motions."
SAVED_MOTIONS_FULL = "You have {limit} saved moves, the most I keep. Forget one in /motions first."
SAVED_MOTION_GONE = "I can't find that saved move; it may have been forgotten. Pick one in /motions."
SAVED_MOTION_CHOSEN = 'Move: your saved "{name}".'
SAVED_MOTION_FORGOTTEN = 'Forgot the saved move "{name}".'
SAVED_MOTIONS_TITLE = "Your saved moves:"
FORGET_MENU = "Forget a saved move"
FORGET_TITLE = "Which saved move should I forget?"
FORGET_ONE = 'Forget "{name}"'
UNTITLED_MOTION = "Move of {date}"

RATE_LIMITED = "You're sending messages too fast. Please wait a few seconds."

SHARE_USAGE = "Usage: /share TASK @channel (both you and I must be admins there)."
SHARE_NOT_ADMIN_USER = "You need to be an admin of {channel} to post there."
SHARE_NOT_ADMIN_BOT = "Please add me as an admin of {channel} (allowed to post messages) first."
SHARE_DONE = "Posted task {task_id} to {channel}."
SHARE_CHANNEL_UNKNOWN = "I can't find {channel}. Check the name and that I'm a member there."
INLINE_TITLE = "Task {task_id}"
INLINE_DESCRIPTION = "{engine}, {duration} s, {date}"

COMMANDS = {
    "start": "What this bot does",
    "motions": "Built-in and saved moves",
    "history": "Your videos",
    "cancel": "Stop the current video or start over",
    "share": "Post a video to a channel: /share TASK @channel",
    "mydata": "Everything kept about you, as a file",
    "forget": "Delete everything kept about you",
    "language": "Change the language I speak",
}
# Telegram's profile texts (setMyDescription, setMyShortDescription)
BOT_DESCRIPTION = (
    "Send a photo of a person and a short video of a move: I'll make a video of that person doing the move."
)
BOT_SHORT_DESCRIPTION = "A photo of a person + a video of a move = that person doing the move."

PRIVATE_ONLY = "Please send that to me in a private chat: your data is only shown to you."
FORGET_ASK = (
    "Delete everything kept about you? Your videos and the photos and clips you sent, your "
    "history, saved moves and the conversation so far; a video being made now is stopped. "
    "This can't be undone."
)
FORGET_YES = "Delete everything"
FORGET_NO = "Keep my data"
FORGET_KEPT = "Nothing was deleted."
FORGOTTEN = (
    "Done: deleted {tasks} task(s), {moves} saved move(s) and {files} stored file(s) ({size}). "
    "Nothing about you is kept any more; send a photo to start again."
)
FORGOTTEN_CANCELLED = "The video being made was stopped; it won't be sent."
MYDATA_CAPTION = (
    "Everything kept about you: tasks, saved moves, the files stored and their sizes. /forget deletes it all."
)

INTERNAL_ERROR = "Something went wrong on our side. Please try again in a moment."

ADMIN_PAUSED = "Paused. New requests now get: {message}\nResume with the resume command."
ADMIN_RESUMED = "Resumed: accepting new renders."
ADMIN_NOT_PAUSED = "Renders were not paused."
ADMIN_ONLY = "Only the operators of this motionbot service can do that."
# the operators' status report, one line each; queue names (render:cpu ...) stay as they are
ADMIN_STATUS_PAUSED = "Paused: {message}"
ADMIN_STATUS_OPEN = "Paused: no, accepting new videos."
ADMIN_STATUS_QUEUE = "{queue}: waiting {waiting}, workers {workers}"
ADMIN_STATUS_RUNNING = "Being made now: {running}"
ADMIN_STATUS_TODAY = "Videos today (UTC): done {done}, failed {failed}"
ADMIN_STATUS_CLEANUP = "Last cleanup: {date} UTC, files removed: {deleted}"

LANGUAGE_TITLE = "Choose the language I speak with you:"
LANGUAGE_AUTO = "Automatic (from your app)"
LANGUAGE_SET = "OK, I'll speak English with you."
LANGUAGE_AUTO_SET = "OK, I'll speak your app's language."

__getattr__ = translating(globals())
