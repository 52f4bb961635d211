"""Motion: a performer's pose track, extracted from a video or built from a preset."""
