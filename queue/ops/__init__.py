"""Operations: the launcher, doctor, metrics, structured logs, retention and admin controls.

Part of the queue contract package so that every image (bot or renderer) has it; like the
rest of ``motionbot.queue`` it imports neither side. Side-specific checks come in through the
``motionbot.checks`` entry points.
"""
