"""HTML to PDF with WeasyPrint, and charts as images for it.

Every report is an HTML page from `templates/reports/` printed with `reports/report.css`. Charts are the same Plotly
figures as on screen, exported by the process's chart exporter; when the browser is missing or fails, the report is
still printed, with the tables that carry the same figures and a note saying the charts are missing.

Charts go in as PNG at 1.5 times their size (about 150 dpi on the page): WeasyPrint draws an SVG chart itself, in
Python, which took a third of a report's printing time; a PNG is only copied in.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import plotly.graph_objects as go
from flask_babel import gettext as _

from reports.chart_export import ChartExportError, ChartSize, exporter

STYLESHEET = Path(__file__).with_name("report.css")
CHART_FORMAT, CHART_MIME = "png", "image/png"
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


def export_charts(figures: dict[str, tuple[go.Figure, ChartSize]], browser: str | None = None) -> Charts:
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


def render_pdf(html: str, base_url: str | None = None) -> bytes:
    """Print an HTML report to PDF bytes.

    The font configuration and the stylesheet are built once per process and shared, so each report skips the
    font lookup and the CSS parse; a lock keeps one report printing at a time, as they are not meant to be shared
    between threads."""
    global _printer
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    with _printer_lock:
        if _printer is None:
            fonts = FontConfiguration()
            _printer = (fonts, CSS(filename=str(STYLESHEET), font_config=fonts))
        fonts, stylesheet = _printer
        return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[stylesheet], font_config=fonts)


def data_uri(content: bytes, mime: str) -> str:
    """Bytes as a data URI, for logos and other images printed in a report."""
    return f"data:{mime};base64," + base64.b64encode(content).decode("ascii")
