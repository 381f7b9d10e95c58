"""Charts still being drawn while WeasyPrint prints: the PDF holds the drawn pixels, never the blank stand-in that
WeasyPrint builds its boxes on (reports/pdf.py)."""

from __future__ import annotations

import io
import logging
import subprocess
from concurrent.futures import Future

import pytest
from PIL import Image

from reports.chart_export import ChartSize, exporter, find_browser
from reports.pdf import ChartImages, Charts, PendingCharts, blank_png, data_uri, fitted, render_pdf

RED, BLUE = (220, 30, 30), (30, 30, 220)
SIZE = ChartSize(200, 100, 1.5)  # drawn at 300 x 150 pixels
HTML = '<p>Before the chart</p><img src="imready-chart:bars" style="width: 200px"><p>After it</p>'


def png(size: tuple[int, int], colour: tuple[int, int, int], mode: str = "RGBA") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, format="PNG")
    return out.getvalue()


class DrawnLate(PendingCharts):
    """Charts the drawing thread has not finished when WeasyPrint first looks at them (it builds its boxes), and
    finishes as soon as they are waited for (when WeasyPrint writes the PDF). `looks` counts the first looks."""

    def __init__(self, images: dict[str, bytes], sizes: dict[str, ChartSize], problem: str | None = None):
        self.names, self.sizes = tuple(images), sizes
        self.drawn = Charts({name: data_uri(image, "image/png") for name, image in images.items()})
        if problem:
            self.drawn = Charts({}, problem, kind="failed")
        self._future: Future[Charts] = Future()
        self.looks = 0

    def done(self) -> bool:
        self.looks += 1
        return self._future.done()

    def result(self) -> Charts:
        if not self._future.done():
            self._future.set_result(self.drawn)
        return self._future.result()


def pdf_images(pdf: bytes, tmp_path) -> list[Image.Image]:
    """The colour images a PDF holds (an image's transparency is a separate grey mask, left out)."""
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdfimages", "-png", str(path), str(tmp_path / "image")], check=True)
    images = []
    for file in sorted(tmp_path.glob("image-*.png")):
        with Image.open(file) as image:
            images.append(image.copy())
    return [image for image in images if image.mode != "L"]


def test_a_chart_still_drawn_when_the_boxes_are_built_prints_with_its_drawn_pixels(tmp_path, caplog):
    late = DrawnLate({"bars": png((300, 150), RED)}, {"bars": SIZE})
    with caplog.at_level(logging.WARNING, logger="reports.pdf"):
        pdf = render_pdf(HTML, charts=late)
    assert late.looks >= 1 and late.done()  # looked at while drawing, so a stand-in was printed first
    assert "printing again" not in caplog.text  # its pixels were swapped in by the one print
    [image] = pdf_images(pdf, tmp_path)
    assert image.size == (300, 150)
    assert image.convert("RGB").getpixel((150, 75)) == RED  # the drawn chart, not the transparent stand-in


def test_a_chart_drawn_at_another_size_is_fitted_to_the_size_the_boxes_were_built_with(tmp_path):
    late = DrawnLate({"bars": png((280, 140), BLUE, "RGB")}, {"bars": SIZE})
    [image] = pdf_images(render_pdf(HTML, charts=late), tmp_path)
    assert image.size == (300, 150) and image.convert("RGB").getpixel((150, 75)) == BLUE


def test_a_printer_that_never_reads_a_stand_in_back_prints_again_with_the_drawn_chart(tmp_path, monkeypatch, caplog):
    # a WeasyPrint that reads an image's pixels otherwise than through its cache would print the blank stand-in
    monkeypatch.setattr(ChartImages, "__getitem__", dict.__getitem__)
    late = DrawnLate({"bars": png((300, 150), RED)}, {"bars": SIZE})
    with caplog.at_level(logging.WARNING, logger="reports.pdf"):
        pdf = render_pdf(HTML, charts=late)
    [image] = pdf_images(pdf, tmp_path)
    assert image.convert("RGB").getpixel((150, 75)) == RED
    assert "printed blank; printing again" in caplog.text


def test_charts_that_fail_while_printing_leave_the_stand_in_and_no_error(tmp_path):
    late = DrawnLate({"bars": png((300, 150), RED)}, {"bars": SIZE}, problem="the browser failed")
    pdf = render_pdf(HTML, charts=late)  # finish_report throws this print away and prints the tables instead
    [image] = pdf_images(pdf, tmp_path)
    assert image.size == (300, 150) and image.convert("RGB").getpixel((150, 75)) == (0, 0, 0)  # transparent black


def test_drawn_charts_are_given_at_once(tmp_path):
    charts = Charts({"bars": data_uri(png((300, 150), RED), "image/png")})
    images = ChartImages(charts)
    assert images.first_look("bars") == charts.image("bars") and not images.late
    [image] = pdf_images(render_pdf(HTML, charts=charts), tmp_path)
    assert image.convert("RGB").getpixel((150, 75)) == RED


def test_a_stand_in_is_a_transparent_png_of_the_chart_s_size_named_after_it():
    stand_in = blank_png("radar", (1050, 705))
    image = Image.open(io.BytesIO(stand_in))
    assert (image.size, image.mode, image.info) == ((1050, 705), "RGBA", {"imready-chart": "radar"})
    assert image.getextrema() == ((0, 0),) * 4
    assert blank_png("gaps", (1050, 705)) != stand_in  # same size, other chart: other bytes


def test_fitted_leaves_a_chart_of_the_right_size_alone_and_converts_another():
    right = png((300, 150), RED)
    assert fitted(right, blank_png("bars", (300, 150))) is right
    other = Image.open(io.BytesIO(fitted(png((10, 5), BLUE, "RGB"), blank_png("bars", (300, 150)))))
    assert (other.size, other.mode, other.getpixel((0, 0))) == ((300, 150), "RGBA", (*BLUE, 255))


# width x scale, the fraction dropped: 700 x 1.5 = 1050, 701 x 1.5 = 1051.5 -> 1051, 333 x 1.5 = 499.5 -> 499,
# 230 x 1.25 = 287.5 -> 287
SIZES = [
    (ChartSize(700, 470), (1050, 705)),
    (ChartSize(701, 333), (1051, 499)),
    (ChartSize(700, 230, 1.25), (875, 287)),
]


@pytest.mark.parametrize(("size", "pixels"), SIZES)
def test_chart_size_pixels(size, pixels):
    assert size.pixels == pixels


@pytest.mark.skipif(find_browser() is None, reason="no Chromium to draw the charts")
def test_the_browser_draws_a_chart_at_the_pixels_its_stand_in_has():
    figure = {"data": [{"type": "bar", "y": [1, 2]}], "layout": {}}
    sizes = [size for size, _pixels in SIZES]
    drawn = exporter().export([figure] * len(sizes), "png", sizes)
    for image, (size, pixels) in zip(drawn, SIZES, strict=True):
        opened = Image.open(io.BytesIO(image))
        assert (opened.size, opened.mode) == (pixels, "RGBA"), size
