"""Cohort statistics refreshed after submissions, coalesced: a burst of submissions costs a few refreshes, not one
each.

A submission adds the cells it touched to the pending set. When no refresh is running in this process, the
submission's own thread (after its response has gone out) refreshes everything pending once; whatever arrived
meanwhile is left to a background thread, which refreshes until nothing is pending. So a respondent's connection is
held for one refresh at most, and a submission made while a refresh runs only adds its cells. Refreshes in
different processes are serialised by `statistics_lock`. Cells still pending when a process ends are refreshed by
the next submission of the same period, or by `flask benchmarks rebuild`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection

from flask import Flask
from sqlalchemy import Engine
from sqlmodel import Session

from assessment.cohorts.groups import CellKey
from questionnaires.catalog import Catalog
from storage.statistics import Recorded, refresh

log = logging.getLogger(__name__)
Pending = dict[tuple[str, int], set[CellKey]]


class StatisticsRefresher:
    """The pending cells per questionnaire and period, and whether a thread of this process is refreshing them."""

    def __init__(self, *, engine: Engine, catalog: Catalog, k: int):
        self.engine, self.catalog, self.k = engine, catalog, k
        self._changed = threading.Condition()
        self._pending: Pending = {}
        self._running = False
        self.refreshes = 0  # how many refreshes ran, for tests and measurements

    def add(self, questionnaire_id: str, period: int, cells: Collection[CellKey]) -> None:
        """Have these cells refreshed: now, in this thread, unless a refresh is running (it will take them)."""
        with self._changed:
            self._pending.setdefault((questionnaire_id, period), set()).update(cells)
            if self._running:
                return
            self._running = True
        try:
            self._refresh(self._take())
        finally:
            if not self._stop_if_idle():  # more arrived meanwhile: left to a background thread
                threading.Thread(target=self._drain, name="statistics-refresh", daemon=True).start()

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending nor running; False if that took longer than `timeout` seconds."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._running, timeout)

    def _drain(self) -> None:
        while not self._stop_if_idle():
            self._refresh(self._take())

    def _take(self) -> Pending:
        """The pending cells, now this thread's to refresh."""
        with self._changed:
            work, self._pending = self._pending, {}
            return work

    def _stop_if_idle(self) -> bool:
        """Stop refreshing if nothing is pending (then True); else keep this thread the one refreshing (False)."""
        with self._changed:
            if self._pending:
                return False
            self._running = False
            self._changed.notify_all()
            return True

    def _refresh(self, work: Pending) -> None:
        for (questionnaire_id, period), cells in sorted(work.items()):
            try:
                with Session(self.engine, expire_on_commit=False) as session:
                    refresh(session=session, catalog=self.catalog, questionnaire_id=questionnaire_id, period=period,
                            cells=cells, k=self.k)  # fmt: skip
                self.refreshes += 1
            except Exception:  # the submissions are safe; `flask benchmarks rebuild` repairs the statistics
                log.exception("refreshing the statistics of %s %s failed", questionnaire_id, period)


def refresh_statistics(app: Flask, questionnaire_id: str, recorded: Recorded) -> None:
    """Refresh the cohort statistics a submission touched (coalesced with the other submissions of the moment)."""
    with _refresher_lock:
        refresher = app.extensions.get("statistics_refresher")
        if refresher is None:
            refresher = app.extensions["statistics_refresher"] = StatisticsRefresher(
                engine=app.extensions["db_engine"], catalog=app.extensions["questionnaires"],
                k=app.config["BENCHMARK_MIN_GROUP"])
    refresher.add(questionnaire_id, recorded.period, recorded.cells)


_refresher_lock = threading.Lock()
