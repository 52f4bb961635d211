"""Media in and out of the renderer, all through imageio-ffmpeg's bundled ffmpeg.

``probe`` says what an upload is without decoding it, ``image.load_image`` and
``video.open_video`` turn user files into upright RGB arrays under size, length and pixel
limits (refusing bad input with a typed MediaError), and ``encode`` writes chat-ready,
AI-labelled H.264 MP4s atomically. Nothing here knows about engines or bots.
"""
