"""HTML to PDF with WeasyPrint, and charts as images for it.

Every report is an HTML page from `templates/reports/` printed with `reports/report.css`. Charts are the same Plotly
figures as on screen, exported by the process's chart exporter; when the browser is missing or fails, the report is
still printed, with the tables that carry the same figures and a note saying the charts are missing.

Charts go in as PNG at 1.5 times their size (about 150 dpi on the page): WeasyPrint draws an SVG chart itself, in
Python, which took a third of a report's printing time; a PNG is only copied in.

`print_report` overlaps the two: the browser draws the charts on a thread of its own while WeasyPrint prints. The
HTML names each chart by a placeholder URL (`imready-chart:<name>`) that `render_pdf` resolves. WeasyPrint reads an
image twice: its header (size and colours) when it builds the page's boxes, a fifth of the way in, and its pixels
when it writes the PDF, at the very end. A chart still being drawn is given first as a blank PNG of the size it will
have (`ChartImages`), and its drawn pixels are handed over when WeasyPrint writes them, so the browser has the whole
layout's time to draw. When the charts fail, the report is printed again with the tables and the note.
"""

from __future__ import annotations

import base64
import functools
import io
import logging
import struct
import threading
import time
import zlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from reports.chart_export import ChartExportError, ChartSize, exporter
from reports.figures import Figure

STYLESHEET = Path(__file__).with_name("report.css")
CHART_FORMAT, CHART_MIME = "png", "image/png"
CHART_SCHEME = "imready-chart"  # the placeholder URL of a chart still being drawn: imready-chart:<name>
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Charts:
    """Chart name -> image as a data URI; empty with `problem` set when the charts could not be drawn."""

    images: dict[str, str]
    problem: str | None = None  # what went wrong, as the exporter said it (for logs)
    seconds: float = 0.0  # time spent exporting, for the benchmarks
    kind: str | None = None  # "missing", "timeout" or "failed"

    @property
    def reason(self) -> str:
        """Why there are no charts, in the report's language."""
        reasons = {
            "missing": lambda: _("no browser to draw them was found"),
            "timeout": lambda: _("the browser did not answer in time"),
            "failed": lambda: _("the browser failed"),
        }
        return reasons[self.kind]() if self.kind in reasons else _("charts turned off")

    def __getitem__(self, name: str) -> str | None:
        return self.images.get(name)

    def image(self, name: str) -> bytes | None:
        """A chart's image bytes (from its data URI), or None when it was not drawn."""
        uri = self.images.get(name)
        return base64.b64decode(uri.split(",", 1)[1]) if uri and uri.startswith("data:") else None


Figures = dict[str, tuple[Figure, ChartSize]]  # chart name -> (figure dict, printed size)
# One thread draws charts for the whole process: the exporter draws one call at a time anyway, so a second report's
# charts (the next report of a batch) wait in line here while the first report prints.
_drawing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart-start")


class PendingCharts:
    """Charts being exported on the drawing thread; the HTML names them by placeholder until they are ready."""

    def __init__(self, figures: Figures, browser: str | None = None):
        self.names = tuple(figures)
        self.sizes = {name: size for name, (_figure, size) in figures.items()}
        self._future: Future[Charts] = _drawing.submit(export_charts, figures, browser)

    @property
    def placeholders(self) -> Charts:
        """Charts whose images are the placeholder URLs, for the HTML printed while they are drawn."""
        return Charts({name: f"{CHART_SCHEME}:{name}" for name in self.names})

    def done(self) -> bool:
        """Whether the charts are drawn (or have failed)."""
        return self._future.done()

    def result(self) -> Charts:
        """The drawn charts (waits for them), or none with the reason."""
        return self._future.result()

    def image(self, name: str) -> bytes | None:
        """A chart's image bytes once drawn (waits for them), or None when the charts failed."""
        return self.result().image(name)


def export_charts(figures: Figures, browser: str | None = None) -> Charts:
    """Export named figures to image data URIs in one call to the browser; on failure, no images and the reason."""
    if not figures:
        return Charts({})
    started = time.perf_counter()
    names = list(figures)
    charts, sizes = [figures[name][0] for name in names], [figures[name][1] for name in names]
    for attempt in (1, 2):
        try:
            images = exporter(browser).export(charts, CHART_FORMAT, sizes)
            break
        except ChartExportError as error:
            # A browser that died (killed, crashed) is started afresh by the next call: try once more. A missing
            # browser stays missing, and one that timed out would only make the reader wait twice as long.
            if error.kind == "failed" and attempt == 1:
                log.warning("chart export failed, trying again with a fresh browser: %s", error)
                continue
            log.warning("report charts left out: %s", error)
            return Charts({}, str(error), time.perf_counter() - started, error.kind)
    uris = {
        name: f"data:{CHART_MIME};base64," + base64.b64encode(image).decode("ascii")
        for name, image in zip(names, images, strict=True)
    }
    return Charts(uris, None, time.perf_counter() - started)


_printer_lock = threading.Lock()
_printer: tuple | None = None  # (FontConfiguration, CSS), made once per process


# A blank 1x1 PNG, given to WeasyPrint for a chart that failed: that print is thrown away (printed again with the
# tables), and a blank image keeps WeasyPrint from logging an error for each chart.
BLANK_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8/5+hHgAHggJ/PchI7wAAAABJRU5ErkJggg=="
)


def blank_png(name: str, size: tuple[int, int]) -> bytes:
    """A transparent PNG of a chart's size and colours as the browser draws it (8-bit RGBA), named after the chart
    in a text chunk so that no two stand-ins are the same bytes."""
    width, height = size
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)  # 8 bits, RGBA, no interlace
    chunks = (b"IHDR", header), (b"tEXt", b"imready-chart\0" + name.encode()), (b"IDAT", _blank_pixels(size))
    return PNG_SIGNATURE + b"".join(_chunk(kind, body) for kind, body in (*chunks, (b"IEND", b"")))


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@functools.lru_cache(maxsize=64)
def _blank_pixels(size: tuple[int, int]) -> bytes:
    """The compressed rows of a transparent image (cached: compressing a chart's 3 MB of zeros takes 15 ms, and the
    charts of every report come in a few sizes)."""
    width, height = size
    return zlib.compress(bytes(height * (1 + 4 * width)), 1)  # each row: filter type 0, then 4 bytes a pixel


def fitted(image: bytes, stand_in: bytes) -> bytes:
    """The drawn chart, converted to the stand-in's size and colours if the browser drew it otherwise (WeasyPrint
    took the size and colours from the stand-in; pixels of another size would spoil the image)."""
    from PIL import Image

    drawn, expected = Image.open(io.BytesIO(image)), Image.open(io.BytesIO(stand_in))
    if (drawn.size, drawn.mode, drawn.info.get("transparency")) == (expected.size, expected.mode, None):
        return image
    log.warning("chart drawn at %s %s, printed at %s %s", drawn.size, drawn.mode, expected.size, expected.mode)
    out = io.BytesIO()
    drawn.convert(expected.mode).resize(expected.size).save(out, format="PNG")
    return out.getvalue()


class ChartImages(dict):
    """WeasyPrint's image cache for one print (its `cache` option, a mapping it stores fetched images in and reads
    them back from when it writes the PDF). A chart still being drawn is first given as a blank stand-in of its size;
    reading the stand-in back at writing time gives the drawn chart, waiting for it if need be."""

    def __init__(self, charts: Charts | PendingCharts | None):
        super().__init__()
        self.charts = charts
        self.late: dict[bytes, str] = {}  # stand-in -> chart name
        self.swapped: set[str] = set()

    def first_look(self, name: str) -> bytes:
        """What WeasyPrint is given when it builds the boxes: the chart if drawn, else a stand-in of its size."""
        charts = self.charts
        if charts is None:
            return BLANK_PNG
        if isinstance(charts, PendingCharts) and not charts.done() and name in charts.sizes:
            stand_in = blank_png(name, charts.sizes[name].pixels)
            self.late[stand_in] = name
            return stand_in
        return charts.image(name) or BLANK_PNG

    def __getitem__(self, key):
        value = super().__getitem__(key)
        name = self.late.get(value) if isinstance(value, bytes) else None
        if name is None:
            return value
        image = self.charts.image(name)
        if image is None:  # the charts failed: this print is thrown away and printed again with the tables
            return value
        image = fitted(image, value)
        super().__setitem__(key, image)
        self.swapped.add(name)
        return image

    @property
    def unswapped(self) -> set[str]:
        """Charts given as stand-ins whose pixels WeasyPrint never read back (their print shows them blank)."""
        return set(self.late.values()) - self.swapped


def render_pdf(html: str, base_url: str | None = None, charts: Charts | PendingCharts | None = None) -> bytes:
    """Print an HTML report to PDF bytes; `charts` resolves the placeholder URLs of its charts."""
    images = ChartImages(charts)
    pdf = _print(html, base_url, images)
    if images.unswapped and charts.image(next(iter(images.unswapped))) is not None:
        # WeasyPrint read the stand-ins' pixels some other way (a newer WeasyPrint?): print again with every chart
        # drawn, so no chart is ever printed blank
        log.warning("charts %s were printed blank; printing again with the drawn charts", sorted(images.unswapped))
        pdf = _print(html, base_url, ChartImages(charts.result()))
    return pdf


def _print(html: str, base_url: str | None, images: ChartImages) -> bytes:
    """Print with WeasyPrint, its images cached in `images`. The font configuration and the stylesheet are built
    once per process and shared, so each report skips the font lookup and the CSS parse; a lock keeps one report
    printing at a time, as they are not meant to be shared between threads."""
    global _printer
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ChartFetcher(URLFetcher):
        """Resolves imready-chart:<name> from the charts (a stand-in if still drawn), the rest as usual."""

        def fetch(self, url, headers=None):
            if not url.startswith(CHART_SCHEME + ":"):
                return super().fetch(url, headers)
            return URLFetcherResponse(url, images.first_look(url.split(":", 1)[1]), {"Content-Type": CHART_MIME})

    with _printer_lock:
        if _printer is None:
            fonts = FontConfiguration()
            _printer = (fonts, CSS(filename=str(STYLESHEET), font_config=fonts))
        fonts, stylesheet = _printer
        document = HTML(string=html, base_url=base_url, url_fetcher=ChartFetcher())
        return document.write_pdf(stylesheets=[stylesheet], font_config=fonts, cache=images)


# Latin and Chinese, regular and bold: the faces every report prints with, loaded by `warm_up`
WARM_UP_HTML = '<p>imready 就绪度 <b>imready 就绪度</b></p><p lang="zh">就绪度评估 <b>基准</b></p>'


def warm_up(browser: str | None = None) -> None:
    """Make a process's first report as fast as the next: build the fonts and the stylesheet, load the Noto Sans CJK
    faces (the first Chinese report spent seconds on them), and start the browser. For a worker at start-up, on a
    thread of its own; a browser that does not start is only logged (the report says so when it prints)."""
    render_pdf(WARM_UP_HTML)
    try:
        exporter(browser).export([{"data": [{"type": "bar", "y": [1]}], "layout": {}}], CHART_FORMAT)
    except ChartExportError as error:
        log.warning("the browser for report charts did not start: %s", error)


@dataclass(frozen=True)
class Printed:
    """A printed report: the PDF, its charts, the HTML printed (chart placeholders resolved by `charts`), and the
    seconds spent writing the HTML and printing it."""

    pdf: bytes
    charts: Charts
    html: str
    html_seconds: float
    pdf_seconds: float


def print_report(figures: Figures, browser: str | None, html_for: Callable[[Charts], str],
                 *, draw: bool = True) -> Printed:  # fmt: skip
    """Print a report whose HTML `html_for` writes from its charts, the charts drawn while WeasyPrint starts; when
    they fail (or `draw` is False), the report printed with what `html_for` writes for no charts."""
    pending = start_charts(figures, browser) if draw else None
    return finish_report(pending, html_for)


def start_charts(figures: Figures, browser: str | None) -> PendingCharts | None:
    """Start drawing a report's charts on the drawing thread (None: no charts to draw)."""
    return PendingCharts(figures, browser) if figures else None


def finish_report(pending: PendingCharts | None, html_for: Callable[[Charts], str]) -> Printed:
    """Print a report whose charts were started by `start_charts` (see `print_report`)."""
    started = time.perf_counter()
    html = html_for(pending.placeholders if pending else Charts({}))
    html_seconds = time.perf_counter() - started
    started = time.perf_counter()
    pdf = render_pdf(html, charts=pending)
    drawn = pending.result() if pending else Charts({})
    if pending and drawn.problem is not None:  # printed with blank charts: print again with the tables instead
        html = html_for(drawn)
        pdf = render_pdf(html)
    return Printed(pdf, drawn, html, html_seconds, time.perf_counter() - started)


def data_uri(content: bytes, mime: str) -> str:
    """Bytes as a data URI, for logos and other images printed in a report."""
    return f"data:{mime};base64," + base64.b64encode(content).decode("ascii")
