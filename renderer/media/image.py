"""Loading the subject photo.

The photo's header is checked before a single pixel is decoded: a 30000x30000 PNG is a few
kilobytes on disk and gigabytes in memory, so size limits must hold on the header alone.
Phones store photos sideways with an EXIF orientation tag; the array returned is upright.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError

from motionbot.queue.errors import FailureReason
from motionbot.renderer.errors import MediaError
from motionbot.renderer.media.ffmpeg import file_size
from motionbot.renderer.media.probe import IMAGE_FORMATS


def load_image(
    path: Path, *, max_pixels: int = 50_000_000, min_side: int = 64, max_bytes: int | None = None
) -> npt.NDArray[np.uint8]:
    """Decode a photo (JPEG, PNG, WebP, HEIC, AVIF, BMP, TIFF) to an upright HxWx3 uint8 RGB
    array, or raise MediaError."""
    path = Path(path)
    size = file_size(path)
    if max_bytes is not None and size > max_bytes:
        raise MediaError(
            FailureReason.FILE_TOO_LARGE,
            f"That photo is {size / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB. "
            "Please send a smaller or compressed photo.",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(path)
    except Image.DecompressionBombError as exc:
        raise _too_large(max_pixels) from exc
    except (UnidentifiedImageError, ValueError, SyntaxError) as exc:
        brand = _iso_brand(path)
        if brand in _HEIF_BRANDS:
            raise MediaError(
                FailureReason.UNSUPPORTED_FORMAT,
                "That photo is in HEIC/AVIF format (common on iPhones), which I can't read. "
                "Please send it as JPEG (on iPhone: Settings > Camera > Formats > Most Compatible) or PNG.",
            ) from exc
        raise _not_an_image(path) from exc
    except OSError as exc:
        raise MediaError(
            FailureReason.UNREADABLE_FILE,
            "I couldn't read that photo. Please send it again.",
            detail=str(exc),
        ) from exc
    with im:
        fmt = im.format or "unknown"
        if fmt not in IMAGE_FORMATS:
            raise MediaError(
                FailureReason.UNSUPPORTED_FORMAT,
                f"That picture is a {fmt} file, which I can't use as a photo. "
                "Please send the photo as JPEG, PNG or WebP.",
            )
        width, height = im.size
        if width * height > max_pixels:  # header only: nothing decoded yet
            raise _too_large(max_pixels, width, height)
        if min(width, height) < min_side:
            raise MediaError(
                FailureReason.IMAGE_TOO_SMALL,
                f"That picture is only {width}x{height} pixels. Please send a photo at least "
                f"{min_side} pixels on each side.",
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                im.load()
                upright = ImageOps.exif_transpose(im)
                rgb = _to_rgb(upright)
        except (OSError, ValueError, SyntaxError) as exc:
            raise MediaError(
                FailureReason.UNREADABLE_FILE,
                "That photo is damaged or cut short, so I couldn't read all of it. Please send it again.",
                detail=str(exc),
            ) from exc
    return np.asarray(rgb, dtype=np.uint8).copy()


_HEIF_BRANDS = frozenset({"heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1", "avif", "avis"})


def _iso_brand(path: Path) -> str | None:
    """The major brand of an ISO-BMFF file ("heic", "mp42", ...), or None."""
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
    except OSError:
        return None
    if len(head) == 12 and head[4:8] == b"ftyp":
        return head[8:12].decode("latin-1").strip().lower()
    return None


def _to_rgb(im: Image.Image) -> Image.Image:
    """Flatten transparency onto white: transparent pixels otherwise keep arbitrary colours.
    16-bit and float greyscale (scanner TIFFs) are scaled to 8 bits, not clipped to white."""
    if im.mode in ("I", "F") or im.mode.startswith("I;16"):
        values = np.asarray(im, dtype=np.float32)
        top = 65535.0 if im.mode != "F" else max(1.0, float(values.max()))
        return Image.fromarray(np.clip(values * (255.0 / top), 0, 255).astype(np.uint8)).convert("RGB")
    if im.mode in ("RGBA", "LA") or (im.mode == "P" and "transparency" in im.info):
        rgba = im.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return im.convert("RGB")


def _too_large(max_pixels: int, width: int | None = None, height: int | None = None) -> MediaError:
    dims = f" ({width}x{height} pixels)" if width and height else ""
    return MediaError(
        FailureReason.IMAGE_TOO_LARGE,
        f"That picture is far too large{dims}. Please send a photo under {max_pixels / 1e6:.0f} megapixels.",
    )


def _not_an_image(path: Path) -> MediaError:
    return MediaError(
        FailureReason.NOT_AN_IMAGE,
        f"That file ({path.suffix or 'no extension'}) isn't a picture I can read. "
        "Please send a photo as JPEG, PNG or WebP.",
    )
