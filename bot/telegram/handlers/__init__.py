"""One aiogram Router per feature; :func:`routers` gives them in the order they must match
(commands and buttons before the catch-all media and text handlers)."""

from __future__ import annotations

from aiogram import Router

from motionbot.bot.telegram.handlers import (
    cancel,
    history,
    inline,
    inputs,
    ops,
    options,
    privacy,
    share,
    start,
    stickers,
)


def routers() -> list[Router]:
    return [
        start.router(),
        ops.router(),  # admins only: /status /pause /resume
        cancel.router(),
        privacy.router(),  # /mydata /forget
        share.router(),
        history.router(),
        options.router(),
        stickers.router(),
        inline.router(),
        inputs.router(),
    ]
