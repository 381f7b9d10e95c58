"""Plotly figures to SVG or PNG for PDF reports, through kaleido and the system's Chromium.

One exporter per process keeps one headless Chromium open (started on first use, started again after a fork or a
failure), runs kaleido's event loop on a thread of its own, and serialises calls with a lock, so a web worker and
the report batches share it safely. MathJax is off and plotly.js comes from the installed plotly package: nothing
is fetched from the internet. A figure is a plain dict with its "data" and
"layout" (reports/figures.py).

kaleido reloads its page after every figure to start each one clean; with plotly.js at several megabytes that
reload costs about ten times the drawing itself. Figures here are plain (no MathJax, no maps, no custom scripts),
so the page is reloaded every `RELOAD_EVERY` figures instead, and after any error.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import threading
from collections.abc import Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

RELOAD_EVERY = 100
TABS = 2  # figures drawn side by side: the browser's renderers use the second core while Python waits
BROWSERS = ("chromium", "chromium-browser", "google-chrome")


class ChartExportError(RuntimeError):
    """The charts could not be exported; the report falls back to tables. `kind` is "missing" (no browser),
    "timeout" or "failed"."""

    def __init__(self, message: str, kind: str = "failed"):
        super().__init__(message)
        self.kind = kind


def find_browser(configured: str | None = None) -> str | None:
    """The browser to use: the configured path if it exists, else the first Chromium on PATH."""
    if configured:
        return configured if os.path.isfile(configured) and os.access(configured, os.X_OK) else None
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


@dataclass(frozen=True)
class ChartSize:
    """The size a figure is drawn at, in CSS pixels; PNGs are drawn at `scale` times that."""

    width: int = 700
    height: int = 420
    scale: float = 1.5

    @property
    def pixels(self) -> tuple[int, int]:
        """The PNG's width and height in pixels: the browser's canvas drops the fraction of size × scale."""
        return int(self.width * self.scale), int(self.height * self.scale)


def figure_height(figure: dict) -> int | None:
    """The height a figure's layout asks for (None: not set)."""
    height = figure.get("layout", {}).get("height")
    return int(height) if height else None


class ChartExporter:
    """A long-lived kaleido session on one Chromium; `export` may be called from any thread."""

    def __init__(self, browser: str | None, timeout: float = 60.0):
        self.browser = browser
        self.timeout = timeout
        self._lock = threading.Lock()
        self._pid: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido = None
        self._since_reload = 0

    def export(
        self, figures: Sequence[dict], fmt: str = "svg", size: ChartSize | Sequence[ChartSize] = ChartSize()
    ) -> list[bytes]:
        """Each figure (a plotly figure dict, reports/figures.py) as SVG or PNG bytes, in order, at one size or one
        size per figure; raise ChartExportError when the browser is missing or fails."""
        sizes = [size] * len(figures) if isinstance(size, ChartSize) else list(size)
        if fmt not in ("svg", "png"):
            raise ValueError(f"unsupported chart format {fmt!r}")
        if not self.browser:
            raise ChartExportError("no Chromium browser was found", "missing")
        with self._lock:
            try:
                self._ensure_started()
                future = asyncio.run_coroutine_threadsafe(self._render(figures, fmt, sizes), self._loop)
                return future.result(self.timeout + 5 * len(figures))
            except FutureTimeout:
                self._stop()
                raise ChartExportError("the browser did not answer in time", "timeout") from None
            except ChartExportError:
                self._stop()
                raise
            except Exception as error:  # kaleido and choreographer raise many kinds; the report only needs to know
                self._stop()
                raise ChartExportError(f"chart export failed: {error}") from error

    def close(self) -> None:
        """Close the browser and its thread."""
        with self._lock:
            self._stop()

    # --- the browser's thread ---------------------------------------------------------------------------------

    def _ensure_started(self) -> None:
        if self._kaleido is not None and self._pid == os.getpid():
            return
        self._kaleido = self._loop = self._thread = None  # after a fork the parent's browser is not ours
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="chart-export", daemon=True)
        thread.start()
        self._loop, self._thread, self._pid = loop, thread, os.getpid()
        try:
            asyncio.run_coroutine_threadsafe(self._open(), loop).result(self.timeout)
        except Exception as error:
            self._stop()
            raise ChartExportError(f"Chromium at {self.browser} did not start: {error}") from error

    async def _open(self) -> None:
        import kaleido  # imported here: a process that never exports never loads it

        class SteadyKaleido(kaleido.Kaleido):
            """Reload the page every RELOAD_EVERY figures rather than after each one."""

            exporter = self

            async def _return_kaleido_tab(self, tab) -> None:
                self.exporter._since_reload += 1
                if self.exporter._since_reload >= RELOAD_EVERY:
                    self.exporter._since_reload = 0
                    await tab.reload()
                await self.tabs_ready.put(tab)

        instance = SteadyKaleido(n=TABS, mathjax=False, timeout=self.timeout, path=self.browser)
        await instance.open()
        self._kaleido = instance

    async def _render(self, figures: Sequence[dict], fmt: str, sizes: Sequence[ChartSize]) -> list[bytes]:
        """The figures drawn in the browser's tabs side by side (each call waits for a free tab)."""

        def options(size: ChartSize) -> dict:
            extra = {"scale": size.scale} if fmt == "png" else {}
            return {"format": fmt, "width": size.width, "height": size.height, **extra}

        pairs = zip(figures, sizes, strict=True)
        calls = [self._kaleido.calc_fig(figure, opts=options(size)) for figure, size in pairs]
        return list(await asyncio.gather(*calls))

    def _stop(self) -> None:
        loop, instance = self._loop, self._kaleido
        self._kaleido = self._loop = self._thread = None
        self._since_reload = 0
        if loop is None:
            return
        if instance is not None and self._pid == os.getpid():
            try:
                asyncio.run_coroutine_threadsafe(instance.close(), loop).result(10)
            except Exception:  # noqa: BLE001 - closing a broken browser may fail too; the process goes regardless
                pass
        loop.call_soon_threadsafe(loop.stop)


_exporters: dict[str | None, ChartExporter] = {}
_exporters_lock = threading.Lock()


def exporter(configured_browser: str | None = None) -> ChartExporter:
    """The process's exporter for a browser setting (one per setting, so tests can ask for a missing browser)."""
    with _exporters_lock:
        key = configured_browser
        if key not in _exporters:
            _exporters[key] = ChartExporter(find_browser(configured_browser))
        return _exporters[key]
