"""Small helpers shared by the bot tests (found through pythonpath in the pytest settings)."""

from __future__ import annotations

import io

from PIL import Image


def png_bytes(color: tuple[int, int, int] = (200, 120, 90), size: tuple[int, int] = (64, 80)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format="PNG")
    return buf.getvalue()
