"""Statistics releases on the queue: the administrator's "publish now", and the schedule the worker checks."""

from __future__ import annotations

import logging

from flask import current_app
from huey import crontab
from sqlmodel import Session

from jobs.queue import engine, periodic, task
from storage.locks import exclusive
from storage.releases import make_release, release_due

log = logging.getLogger(__name__)
RELEASE_LOCK = "statistics-release"  # one release at a time over every worker; the others skip theirs


@task()
def publish(trigger: str = "administrator") -> None:
    """Publish a release now."""
    _publish(trigger, only_if_due=False)


@periodic(crontab(minute="*/10"))
def publish_when_due() -> None:
    """Every ten minutes: publish a release if the administrator's schedule asks for one."""
    _publish("schedule", only_if_due=True)


def _publish(trigger: str, *, only_if_due: bool) -> None:
    with exclusive(engine(), RELEASE_LOCK) as held:
        if not held:
            log.info("a release is being made by another worker; this %s one is skipped", trigger)
            return
        with Session(engine(), expire_on_commit=False) as session:
            if only_if_due and not release_due(session=session):
                return
            release = make_release(session=session, catalog=current_app.extensions["questionnaires"],
                                   k=current_app.config["BENCHMARK_MIN_GROUP"], trigger=trigger)  # fmt: skip
            log.info("published statistics release %s (%s)", release.id, trigger)
