"""Cohort statistics refreshed after submissions, coalesced: a burst of submissions costs a few refreshes, not one
each.

A submission adds the cells it touched to the pending set and, when no refresh is running in this process, runs
one itself over everything pending, then again while more arrived meanwhile. Submissions made while a refresh runs
only add their cells and return. Refreshes in different processes are serialised by `statistics_lock`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection

from sqlalchemy import Engine
from sqlmodel import Session

from assessment.benchmarks import refresh
from assessment.cohorts import CellKey
from questionnaires.catalog import Catalog

log = logging.getLogger(__name__)


class StatisticsRefresher:
    """The pending cells per questionnaire and period, and whether a thread of this process is refreshing them."""

    def __init__(self, *, engine: Engine, catalog: Catalog, k: int):
        self.engine, self.catalog, self.k = engine, catalog, k
        self._lock = threading.Lock()
        self._pending: dict[tuple[str, int], set[CellKey]] = {}
        self._running = False
        self.refreshes = 0  # how many refreshes ran, for tests and measurements

    def add(self, questionnaire_id: str, period: int, cells: Collection[CellKey]) -> None:
        """Have these cells refreshed: now, by this thread, unless another thread is refreshing (it takes them)."""
        with self._lock:
            self._pending.setdefault((questionnaire_id, period), set()).update(cells)
            if self._running:
                return
            self._running = True
        try:
            while work := self._take():
                for (questionnaire_id, period), cells in sorted(work.items()):
                    self._refresh(questionnaire_id, period, cells)
        finally:
            with self._lock:
                self._running = False

    def _take(self) -> dict[tuple[str, int], set[CellKey]]:
        with self._lock:
            work, self._pending = self._pending, {}
            return work

    def _refresh(self, questionnaire_id: str, period: int, cells: set[CellKey]) -> None:
        try:
            with Session(self.engine, expire_on_commit=False) as session:
                refresh(session=session, catalog=self.catalog, questionnaire_id=questionnaire_id, period=period,
                        cells=cells, k=self.k)  # fmt: skip
            self.refreshes += 1
        except Exception:  # the submissions are safe; `flask benchmarks rebuild` repairs the statistics
            log.exception("refreshing the statistics of %s %s failed", questionnaire_id, period)
