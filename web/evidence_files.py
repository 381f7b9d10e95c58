"""How an evidence file leaves the app, for the respondent's page and the reviewer's alike (one rule, two
blueprints): its sniffed type, as an attachment, never shown inline, never sniffed again by the browser."""

from __future__ import annotations

from flask import abort, current_app, send_file

from storage.evidence import FILE_KINDS, evidence_folder, file_path
from storage.tables import Evidence


def evidence_response(evidence: Evidence):
    """An evidence file as a download (404 if it is a link or its file is gone)."""
    if evidence.kind not in FILE_KINDS:
        abort(404)
    path = file_path(evidence_folder(current_app.instance_path), evidence)
    if not path.is_file():
        abort(404)
    response = send_file(path, mimetype=FILE_KINDS[evidence.kind].media_type, as_attachment=True,
                         download_name=evidence.filename, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
