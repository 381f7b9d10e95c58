"""Report logos: a small file that declares an enormous image is refused before a pixel is decoded, with a message
saying its size and the limits; a broken file is refused; what is accepted is scaled down to what the cover prints.
Played through the PDF form of the roadmap page, which needs no account, and a consultant's saved branding."""

from __future__ import annotations

import io
import re
import struct
import time
import zlib

import pytest
from PIL import Image
from sqlmodel import Session

from factories import client_as, csrf_token, make_user
from reports.enterprise_report import Branding, BrandingError
from reports.logo import MAX_BYTES, PRINT_SIZE
from storage.tables import User


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG of `width` × `height` black one-bit pixels: tens of kilobytes, however many pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the packed pixels
    compressor = zlib.compressobj(9)
    pixels = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def image_file(size: tuple[int, int], image_format: str = "PNG", mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (170, 51, 0, 128) if mode == "RGBA" else (170, 51, 0)).save(out, image_format)
    return out.getvalue()


@pytest.mark.parametrize(("width", "height"), [(13_000, 13_000), (20_000, 20_000), (5_000, 5_000), (100, 90_000)])
def test_a_small_png_declaring_a_huge_image_is_refused_before_it_is_decoded(width, height):
    logo = png_declaring(width, height)
    assert len(logo) < 200 * 1024
    started = time.perf_counter()
    with pytest.raises(BrandingError, match=f"The logo is {width} × {height} pixels; at most 4096 pixels a side and "
                                            "8 million pixels are accepted") as refused:  # fmt: skip
        Branding("Harbour", "#336699", logo)
    assert refused.value.field == "brand_logo"
    assert time.perf_counter() - started < 1


def test_broken_and_oversized_files_are_refused_with_what_is_wrong():
    whole = png_declaring(400, 100)
    for broken in (whole[:-30], whole[:33] + b"\x00" * 200, b"\xff\xd8\xff\xe0 not a jpeg", b"GIF89a"):
        with pytest.raises(BrandingError, match="The logo must be a PNG or JPEG image."):
            Branding("Harbour", "#336699", broken)
    with pytest.raises(BrandingError, match="The logo is larger than 512 KB."):
        Branding("Harbour", "#336699", whole + b"\x00" * MAX_BYTES)


def test_an_accepted_logo_is_scaled_down_to_what_the_cover_prints():
    small = image_file((400, 100))
    assert Branding(logo=small).logo == small  # small enough: kept as it came
    for size, image_format, mode in (((3000, 1200), "PNG", "RGBA"), ((4000, 1500), "JPEG", "RGB"),
                                     ((600, 2000), "PNG", "RGB")):  # fmt: skip
        branding = Branding(logo=image_file(size, image_format, mode))
        with Image.open(io.BytesIO(branding.logo)) as printed:
            assert printed.format == image_format and printed.mode == mode
            assert printed.width <= PRINT_SIZE[0] and printed.height <= PRINT_SIZE[1]
            assert max(printed.width / PRINT_SIZE[0], printed.height / PRINT_SIZE[1]) > 0.99  # as large as fits
            assert abs(printed.width / printed.height - size[0] / size[1]) < 0.02
        assert branding.logo_type == f"image/{image_format.lower()}"


def test_a_respondent_s_huge_logo_is_refused_on_the_page_with_everything_kept(app, survey, example_answers):
    token = survey.start()  # no account: the resume link is enough to print a report
    survey.answer_all(token, example_answers)
    survey.submit(token)
    client = client_as(app, None)
    page = client.get(f"/a/{token}/roadmap?goal=cost&target=upper_quartile").text
    form = {"csrf_token": csrf_token(page), "language": "en", "brand_name": "Northbridge Advisory",
            "brand_colour": "#123456", "goal": "cost", "target": "upper_quartile"}  # fmt: skip
    started = time.perf_counter()
    response = client.post(f"/a/{token}/report.pdf", data={**form, "brand_logo": (
        io.BytesIO(png_declaring(13_000, 13_000)), "logo.png")}, content_type="multipart/form-data")  # fmt: skip
    assert time.perf_counter() - started < 5
    assert response.status_code == 400
    html = response.text
    message = re.search(r'id="brand_logo-error">([^<]+)<', html)[1]
    assert message.startswith("The logo is 13000 × 13000 pixels; at most 4096 pixels a side")
    assert 'value="Northbridge Advisory"' in html and 'value="#123456"' in html
    assert 'name="goal" value="cost"' in html and 'name="target" value="upper_quartile"' in html
    broken = client.post(f"/a/{token}/report.pdf", data={**form, "brand_logo": (
        io.BytesIO(png_declaring(400, 100)[:60]), "logo.png")}, content_type="multipart/form-data")  # fmt: skip
    assert broken.status_code == 400 and "The logo must be a PNG or JPEG image." in broken.text


def test_a_consultant_s_saved_logo_is_kept_at_print_size(app):
    consultant = make_user(app, "consultant")
    client = client_as(app, consultant)
    page = client.get("/workspace/clients/branding").text
    response = client.post("/workspace/clients/branding", data={
        "csrf_token": csrf_token(page), "brand_name": "Kite & Co", "brand_colour": "#aa3300",
        "brand_logo": (io.BytesIO(image_file((2400, 900))), "logo.png")},
        content_type="multipart/form-data")  # fmt: skip
    assert response.status_code == 302
    with Session(app.extensions["db_engine"]) as session:
        saved = session.get(User, consultant.id).brand_logo
    with Image.open(io.BytesIO(saved)) as logo:
        assert logo.size == (800, 300) and logo.mode == "RGBA"
    refused = client.post("/workspace/clients/branding", data={
        "csrf_token": csrf_token(page), "brand_name": "Kite & Co", "brand_colour": "#aa3300",
        "brand_logo": (io.BytesIO(png_declaring(13_000, 13_000)), "logo.png")},
        content_type="multipart/form-data")  # fmt: skip
    assert refused.status_code == 400 and "13000 × 13000 pixels" in refused.text
    assert 'value="Kite &amp; Co"' in refused.text
