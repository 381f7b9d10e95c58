"""The logo printed on a report's cover: a PNG or JPEG, checked before any pixel is decoded and scaled down to what
the cover prints.

Anyone holding a resume link can upload a logo, and a small file can declare an enormous image (a 164 KB PNG of
13,000 × 13,000 pixels decodes to 169 million pixels, over a gigabyte). So the bytes are bounded, the width and height
the file's header declares are checked before decoding, and what is accepted is scaled down to `PRINT_SIZE`, so that
neither the check, the stored logo nor the PDF printer (one report at a time per process) ever handles more.
"""

from __future__ import annotations

import io

from flask_babel import gettext as _

MAX_BYTES = 512 * 1024  # the largest logo file accepted
MAX_SIDE = 4096  # pixels: the widest or tallest logo accepted
MAX_PIXELS = 8_000_000  # width × height accepted, decoded at most 32 MB (RGBA)
PRINT_SIZE = (830, 300)  # the cover prints a logo within 70 × 25 mm (report.css): at 300 dpi, these pixels
TYPES = {"image/png": (b"\x89PNG\r\n\x1a\n", "PNG"), "image/jpeg": (b"\xff\xd8\xff", "JPEG")}


class LogoError(Exception):
    """A logo that is not accepted, saying why in the user's language."""


def prepare_logo(content: bytes) -> tuple[bytes, str]:
    """The logo as it is stored and printed, and its MIME type: the file itself when it is no larger than
    `PRINT_SIZE`, else a copy scaled down to fit it. Raises `LogoError` for a file that is too large, declares too
    many pixels, or is not a whole PNG or JPEG image."""
    if len(content) > MAX_BYTES:
        raise LogoError(_("The logo is larger than %(limit)s KB.", limit=MAX_BYTES // 1024))
    mime = next((kind for kind, (magic, _format) in TYPES.items() if content.startswith(magic)), None)
    if mime is None:
        raise LogoError(_("The logo must be a PNG or JPEG image."))
    size = _declared_size(content, TYPES[mime][1])
    if size is None:
        raise LogoError(_("The logo must be a PNG or JPEG image."))
    width, height = size
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise LogoError(_("The logo is %(width)s × %(height)s pixels; at most %(side)s pixels a side and "
                          "%(megapixels)s million pixels are accepted, and the report prints a logo at most "
                          "%(print_width)s × %(print_height)s pixels. Scale it down and upload it again.",
                          width=width, height=height, side=MAX_SIDE, megapixels=MAX_PIXELS // 1_000_000,
                          print_width=PRINT_SIZE[0], print_height=PRINT_SIZE[1]))  # fmt: skip
    printed = _decoded(content, TYPES[mime][1], size)
    if printed is None:
        raise LogoError(_("The logo must be a PNG or JPEG image."))
    return printed, mime


def _declared_size(content: bytes, image_format: str) -> tuple[int, int] | None:
    """The width and height the file's header declares (no pixel is decoded), or None if it cannot be read."""
    # The format's own reader, not `Image.open`: that one warns of, or refuses, a large image without saying its size.
    from PIL import JpegImagePlugin, PngImagePlugin

    reader = {"PNG": PngImagePlugin.PngImageFile, "JPEG": JpegImagePlugin.JpegImageFile}[image_format]
    try:
        with reader(io.BytesIO(content)) as image:
            return image.size
    except (OSError, ValueError, SyntaxError, EOFError):
        return None


def _decoded(content: bytes, image_format: str, size: tuple[int, int]) -> bytes | None:
    """The file if it reads to its end and fits `PRINT_SIZE`; a copy scaled down to fit if it is larger; None if it
    is truncated or corrupt."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content), formats=[image_format]) as image:
            image.verify()  # checks to the end even where loading pads a truncated image (WeasyPrint allows that)
        with Image.open(io.BytesIO(content), formats=[image_format]) as image:
            if size[0] <= PRINT_SIZE[0] and size[1] <= PRINT_SIZE[1]:
                image.load()
                return content
            image.draft("RGB", PRINT_SIZE)  # a JPEG is decoded at a fraction of its size when that is enough
            if image_format == "JPEG":
                scaled, options = image.convert("RGB"), {"quality": 90}
            else:
                transparent = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                scaled, options = image.convert("RGBA" if transparent else "RGB"), {"optimize": True}
            scaled.thumbnail(PRINT_SIZE)
            out = io.BytesIO()
            scaled.save(out, image_format, **options)
            return out.getvalue()
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError):
        return None
