"""The command line: every `flask --app app ...` command, registered on the app by `init_app`."""

from __future__ import annotations

from flask import Flask

from cli import database, demo, questionnaires, reference, reports, statistics, users, worker


def init_app(app: Flask) -> None:
    """Register every command group and command."""
    for command in (database.db_cli, database.backup_command, database.restore_command, demo.demo_cli,
                    reference.reference_cli, questionnaires.questionnaires_cli, questionnaires.score_command,
                    statistics.benchmarks_cli, users.users_cli, reports.reports_cli, worker.worker_command):
        app.cli.add_command(command)
