"""`flask --app app worker`: the process that takes background work off the queue (mail, report batches, campaign
invitations and reminders, scheduled statistics releases)."""

from __future__ import annotations

import logging
import threading

import click
from flask import current_app

from jobs import batches, campaigns, mail, regional_reports, releases, statistics  # noqa: F401 - importing declares tasks
from jobs.queue import prepare, queue, serve
from reports.pdf import warm_up

# Libraries that log every step at INFO: the worker's log keeps their warnings and errors only.
QUIET_LOGGERS = ("weasyprint", "fontTools", "choreographer", "kaleido")


@click.command("worker")
@click.option("--threads", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Tasks run at the same time in this process.")
@click.option("--no-periodic", is_flag=True, help="Leave the scheduled tasks (reminders, releases, resuming "
                                                  "stalled batches) to other workers.")
def worker_command(threads: int, no_periodic: bool) -> None:
    """Run the background worker until stopped (Ctrl-C, SIGTERM: tasks running are finished first)."""
    if queue.immediate:
        raise click.ClickException("QUEUE_IMMEDIATE is set: tasks run in the process that queues them, and a "
                                   "worker has nothing to take.")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for chatty in QUIET_LOGGERS:  # each step of every PDF and browser tab would fill the log
        logging.getLogger(chatty).setLevel(logging.WARNING)
    prepare(required=True)
    serve(current_app._get_current_object())
    click.echo(f"imready worker: {threads} thread(s), queue at {queue.storage_url.split('@')[-1]}")
    # the reports printed here (batches, regional reports) find the fonts loaded and the browser started
    threading.Thread(target=warm_up, args=(current_app.config.get("CHROMIUM_PATH"),), name="report-warm-up",
                     daemon=True).start()  # fmt: skip
    consumer = queue.create_consumer(workers=threads, worker_type="thread", periodic=not no_periodic,
                                     check_worker_health=True)  # fmt: skip
    consumer.run()
