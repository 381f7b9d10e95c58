"""An enterprise's rights over its data, without Flask: all of it as JSON or as CSV files in a ZIP, and the deletion
of the enterprise with everything it entered.

Consent to count in benchmarks is the enterprise's `benchmark_consent` column; `storage.statistics.load_population`
leaves out the enterprises that withdrew it, so a change counts from the next rebuild of the statistics.

What an export holds: the enterprise's profile, every assessment with its answers, its scores and its stored result,
the periods its assessments count in, the accounts linked to it (its users and its consultant: e-mail, name and
role, never a password hash), and the audit events about it (when, what, who by e-mail). Left out on purpose: the
resume tokens (a resume link is a credential, like a password) and the network addresses in the audit log (those of
whoever made each request, not the enterprise's data).
"""

from __future__ import annotations

import csv
import io
import json
import logging
import zipfile
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from storage.evidence import stored_names
from storage.tables import (
    ActionDone,
    AnswerReview,
    Assessment,
    AssessmentComment,
    AuditEvent,
    BenchmarkEntry,
    Enterprise,
    EnterpriseBase,
    EnterpriseKpi,
    Evidence,
    NodeScore,
    PageAssignment,
    ReportBatch,
    Respondent,
    StoredAnswer,
    User,
    Verification,
    utcnow,
)
from storage.verification import standing

log = logging.getLogger(__name__)

EXPORT_FORMAT = "imready-enterprise-export"
EXPORT_VERSION = 1
ENTERPRISE_FIELDS = ("id", *EnterpriseBase.model_fields, "created_at", "benchmark_consent")
ASSESSMENT_FIELDS = ("id", "questionnaire_id", "questionnaire_version", "status", "created_at", "updated_at",
                     "submitted_at", "overall_score", "overall_level",
                     "first_saved_at", "active_seconds")  # paradata of answering online (storage/assessments.py)
VERIFICATION_FIELDS = ("verification", "verified_by", "verified_organisation", "verified_at")  # storage/verification.py
EVIDENCE_FIELDS = ("id", "assessment_id", "question_id", "kind", "filename", "size", "url", "comment", "created_at",
                   "file")  # file: where the ZIP holds it
REVIEW_FIELDS = ("assessment_id", "revision", "question_id", "decision", "comment", "decided_at")
KPI_FIELDS = ("assessment_id", "kpi", "value", "unit", "period_start", "period_end", "updated_at")  # storage/kpis.py
ASSIGNMENT_FIELDS = ("assessment_id", "email", "pages", "created_at", "expires_at", "revoked_at")  # colleagues' pages
CSV_FILES = {  # file in the ZIP: its columns
    "enterprise.csv": ENTERPRISE_FIELDS,
    "assessments.csv": ASSESSMENT_FIELDS + VERIFICATION_FIELDS,
    "evidence.csv": EVIDENCE_FIELDS,
    "answer_reviews.csv": REVIEW_FIELDS,
    "kpis.csv": KPI_FIELDS,
    "page_assignments.csv": ASSIGNMENT_FIELDS,
    "answers.csv": ("assessment_id", "question_id", "value", "updated_at"),
    "scores.csv": ("assessment_id", "node_id", "kind", "score", "level"),
    "benchmark_entries.csv": ("questionnaire_id", "period", "assessment_id"),
    "users.csv": ("email", "name", "role"),
    "audit_events.csv": ("at", "action", "user", "assessment_id", "detail"),
}


class UnknownEnterprise(LookupError):
    """No enterprise has this id."""


# --- export -----------------------------------------------------------------------------------------------------


def export_enterprise(*, session: Session, enterprise_id: int) -> dict:
    """Everything stored about one enterprise, as JSON-ready data (timestamps in ISO 8601, UTC).

    Answers are given per assessment as the JSON answer set of questionnaires/FORMAT.md ({question id: answer}), so
    that an export can be read back by the same tools; `result` is the scored result as stored at submission."""
    enterprise = _enterprise(session=session, enterprise_id=enterprise_id)
    assessments = _assessments(session=session, enterprise_id=enterprise_id)
    answers = _answers(session=session, enterprise_id=enterprise_id)
    scores = _scores(session=session, enterprise_id=enterprise_id)
    return {
        "format": EXPORT_FORMAT,
        "format_version": EXPORT_VERSION,
        "exported_at": _iso(utcnow()),
        "enterprise": _enterprise_row(enterprise),
        "assessments": [
            {
                **_assessment_row(assessment),
                **_standing_row(session=session, assessment=assessment),
                "evidence": [_evidence_row(row) for row in _evidence(session=session, assessment=assessment)],
                "answer_reviews": [_review_row(row) for row in _reviews(session=session, assessment=assessment)],
                "kpis": [_kpi_row(row) for row in _kpis(session=session, assessment=assessment)],
                "page_assignments": [_assignment_row(row)
                                     for row in _assignments(session=session, assessment=assessment)],
                "answers": {row.question_id: row.value for row in answers if row.assessment_id == assessment.id},
                "scores": [_score_row(row) for row in scores if row.assessment_id == assessment.id],
                "result": assessment.result,
            }
            for assessment in assessments
        ],
        "benchmark_entries": [_entry_row(entry) for entry in _entries(session=session, enterprise_id=enterprise_id)],
        "users": _users(session=session, enterprise=enterprise),
        "audit_events": _audit_events(session=session, enterprise_id=enterprise_id),
    }


def export_csv(*, session: Session, enterprise_id: int, evidence_folder: Path | None = None) -> bytes:
    """The same data as `export_enterprise` as a ZIP of CSV files, one per table (see CSV_FILES): one row per
    enterprise, assessment, answer, score, benchmark entry, linked account and audit event.

    The files are UTF-8 with a byte-order mark (Excel reads Chinese names right) and CRLF line ends, as the app's
    other CSV files. An answer's value is its JSON (a text answer in quotes, a checklist as a list). The full result
    with its trace is only in the JSON export; scores.csv holds every scored node of it. Text that a spreadsheet
    would run as a formula (starting with = + - @) is written with a leading apostrophe. Evidence files (from
    `evidence_folder`) are in the ZIP's evidence/ folder, named in evidence.csv."""
    enterprise = _enterprise(session=session, enterprise_id=enterprise_id)
    assessments = _assessments(session=session, enterprise_id=enterprise_id)
    evidence = [row for a in assessments for row in _evidence(session=session, assessment=a)]
    tables: dict[str, Iterable[dict]] = {
        "enterprise.csv": [_enterprise_row(enterprise)],
        "assessments.csv": [_assessment_row(a) | _standing_row(session=session, assessment=a) for a in assessments],
        "evidence.csv": [_evidence_row(row) for row in evidence],
        "answer_reviews.csv": [_review_row(row) for a in assessments
                               for row in _reviews(session=session, assessment=a)],
        "kpis.csv": [_kpi_row(row) for a in assessments for row in _kpis(session=session, assessment=a)],
        "page_assignments.csv": [_assignment_row(row) for a in assessments
                                 for row in _assignments(session=session, assessment=a)],
        "answers.csv": [dict(assessment_id=row.assessment_id, question_id=row.question_id,
                             value=json.dumps(row.value, ensure_ascii=False), updated_at=_iso(row.updated_at))
                        for row in _answers(session=session, enterprise_id=enterprise_id)],
        "scores.csv": [{"assessment_id": row.assessment_id, **_score_row(row)}
                       for row in _scores(session=session, enterprise_id=enterprise_id)],
        "benchmark_entries.csv": [_entry_row(entry)
                                  for entry in _entries(session=session, enterprise_id=enterprise_id)],
        "users.csv": _users(session=session, enterprise=enterprise),
        "audit_events.csv": _audit_events(session=session, enterprise_id=enterprise_id),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, columns in CSV_FILES.items():
            archive.writestr(name, _csv(columns, tables[name]))
        for row in evidence:
            if row.stored_name and evidence_folder is not None and (evidence_folder / row.stored_name).is_file():
                archive.write(evidence_folder / row.stored_name, _evidence_row(row)["file"])
    return buffer.getvalue()


def _standing_row(*, session: Session, assessment: Assessment) -> dict:
    """Whether an assessment's answers are self-declared or verified, by whom and when."""
    found = standing(session=session, assessment=assessment)
    return {"verification": "verified" if found.verified else "self-declared",
            "verified_by": found.reviewer_name if found.verified else None,
            "verified_organisation": found.reviewer_organisation if found.verified else None,
            "verified_at": _iso(found.decided_at) if found.verified else None}


def _evidence(*, session: Session, assessment: Assessment) -> list[Evidence]:
    return list(session.exec(select(Evidence).where(Evidence.assessment_id == assessment.id).order_by(Evidence.id)))


def _evidence_row(row: Evidence) -> dict:
    return {"id": row.id, "assessment_id": row.assessment_id, "question_id": row.question_id, "kind": row.kind,
            "filename": row.filename or None, "size": row.size if row.kind != "link" else None,
            "url": row.url or None, "comment": row.comment, "created_at": _iso(row.created_at),
            "file": f"evidence/{row.id}_{row.filename}" if row.stored_name else None}


def _reviews(*, session: Session, assessment: Assessment) -> list[AnswerReview]:
    return list(session.exec(select(AnswerReview).where(AnswerReview.assessment_id == assessment.id)
                             .order_by(AnswerReview.revision, AnswerReview.question_id)))


def _review_row(row: AnswerReview) -> dict:
    return {"assessment_id": row.assessment_id, "revision": row.revision, "question_id": row.question_id,
            "decision": row.decision, "comment": row.comment, "decided_at": _iso(row.decided_at)}


def _kpis(*, session: Session, assessment: Assessment) -> list[EnterpriseKpi]:
    return list(session.exec(select(EnterpriseKpi).where(EnterpriseKpi.assessment_id == assessment.id)
                             .order_by(EnterpriseKpi.kpi)))


def _kpi_row(row: EnterpriseKpi) -> dict:
    return {"assessment_id": row.assessment_id, "kpi": row.kpi, "value": row.value, "unit": row.unit,
            "period_start": row.period_start.isoformat(), "period_end": row.period_end.isoformat(),
            "updated_at": _iso(row.updated_at)}


def _assignments(*, session: Session, assessment: Assessment) -> list[PageAssignment]:
    return list(session.exec(select(PageAssignment).where(PageAssignment.assessment_id == assessment.id)
                             .order_by(PageAssignment.id)))


def _assignment_row(row: PageAssignment) -> dict:
    """An assignment as the enterprise may see it: to whom, which pages, when; never its link's hash."""
    return {"assessment_id": row.assessment_id, "email": row.email, "pages": " ".join(row.pages),
            "created_at": _iso(row.created_at), "expires_at": _iso(row.expires_at), "revoked_at": _iso(row.revoked_at)}


def _csv(columns: Iterable[str], rows: Iterable[dict]) -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    columns = list(columns)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(column)) for column in columns])
    return text.getvalue().encode("utf-8-sig")


def _cell(value) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _iso(moment: datetime | None) -> str | None:
    """A timestamp in ISO 8601; SQLite hands them back without their zone, and they are stored in UTC."""
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=utcnow().tzinfo)).isoformat()


def _enterprise(*, session: Session, enterprise_id: int) -> Enterprise:
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise UnknownEnterprise(enterprise_id)
    return enterprise


def _enterprise_row(enterprise: Enterprise) -> dict:
    row = {name: getattr(enterprise, name) for name in ENTERPRISE_FIELDS}
    row["created_at"] = _iso(enterprise.created_at)
    return row


def _assessments(*, session: Session, enterprise_id: int) -> list[Assessment]:
    return list(session.exec(select(Assessment).where(Assessment.enterprise_id == enterprise_id)
                             .order_by(col(Assessment.created_at), col(Assessment.id))))


def _assessment_row(assessment: Assessment) -> dict:
    row = {name: getattr(assessment, name) for name in ASSESSMENT_FIELDS}
    for name in ("created_at", "updated_at", "submitted_at", "first_saved_at"):
        row[name] = _iso(row[name])
    return row


def _answers(*, session: Session, enterprise_id: int) -> list[StoredAnswer]:
    query = (select(StoredAnswer).join(Assessment, col(Assessment.id) == col(StoredAnswer.assessment_id))
             .where(Assessment.enterprise_id == enterprise_id)
             .order_by(col(StoredAnswer.assessment_id), col(StoredAnswer.id)))
    return list(session.exec(query))


def _scores(*, session: Session, enterprise_id: int) -> list[NodeScore]:
    return list(session.exec(select(NodeScore).join(Assessment, col(Assessment.id) == col(NodeScore.assessment_id))
                             .where(Assessment.enterprise_id == enterprise_id)
                             .order_by(col(NodeScore.assessment_id), col(NodeScore.node_id))))


def _score_row(row: NodeScore) -> dict:
    return {"node_id": row.node_id, "kind": row.kind, "score": row.score, "level": row.level}


def _entries(*, session: Session, enterprise_id: int) -> list[BenchmarkEntry]:
    return list(session.exec(select(BenchmarkEntry).where(BenchmarkEntry.enterprise_id == enterprise_id)
                             .order_by(col(BenchmarkEntry.questionnaire_id), col(BenchmarkEntry.period))))


def _entry_row(entry: BenchmarkEntry) -> dict:
    return {"questionnaire_id": entry.questionnaire_id, "period": entry.period, "assessment_id": entry.assessment_id}


def _users(*, session: Session, enterprise: Enterprise) -> list[dict]:
    """The accounts linked to the enterprise: its own users, then its consultant. Never a password hash."""
    users = list(session.exec(select(User).where(User.enterprise_id == enterprise.id).order_by(col(User.email))))
    if enterprise.consultant_id is not None:
        consultant = session.get(User, enterprise.consultant_id)
        if consultant is not None:
            users.append(consultant)
    return [{"email": user.email, "name": user.name, "role": user.role} for user in users]


def _audit_events(*, session: Session, enterprise_id: int) -> list[dict]:
    events = session.exec(select(AuditEvent).where(AuditEvent.enterprise_id == enterprise_id)
                          .order_by(col(AuditEvent.at), col(AuditEvent.id))).all()
    ids = {event.user_id for event in events if event.user_id is not None}
    emails = dict(session.exec(select(User.id, User.email).where(col(User.id).in_(ids))).all()) if ids else {}
    return [{"at": _iso(event.at), "action": event.action, "user": emails.get(event.user_id),
             "assessment_id": event.assessment_id, "detail": event.detail} for event in events]


# --- deletion ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deletion:
    """What a deletion removed, and whether the benchmark statistics were brought up to date."""

    enterprise_id: int
    assessments: int
    answers: int
    scores: int
    benchmark_entries: int
    accounts_deleted: int
    accounts_unlinked: int
    report_files_removed: int


def delete_enterprise(*, session: Session, enterprise_id: int, actor_id: int | None = None,
                      delete_accounts: Collection[int] = (), address: str = "",
                      evidence_folder: Path | None = None) -> Deletion:  # fmt: skip
    """Delete an enterprise and its data: its assessments with their answers and scores, its benchmark entries and
    the enterprise itself. Accounts linked to it are unlinked, except those in `delete_accounts` (the enterprise
    user who asked to "delete my account and data"), which are deleted; each must be linked to this enterprise.
    Finished report batches that hold one of its reports lose their ZIP (the batch stays listed, without a download).

    The audit log is kept (it says who saw or changed the data while it existed) and records the deletion, with
    counts only, by `actor_id` from `address`. Everything is removed in one transaction.

    Released statistics are not touched: they are perturbed aggregates in which no enterprise can be told apart
    (see assessment/cohorts/perturbation.py), and a release never changes once made. The enterprise is gone from
    the next release on. Evidence files of its assessments are removed from `evidence_folder` once committed."""
    _enterprise(session=session, enterprise_id=enterprise_id)  # raises UnknownEnterprise
    delete_accounts = set(delete_accounts)
    if delete_accounts:
        linked = set(session.exec(select(User.id).where(col(User.id).in_(delete_accounts),
                                                        User.enterprise_id == enterprise_id)).all())
        if linked != delete_accounts:
            strangers = sorted(delete_accounts - linked)
            raise ValueError(f"accounts {strangers} are not linked to enterprise {enterprise_id}")
    entries = _entries(session=session, enterprise_id=enterprise_id)
    own = select(Assessment.id).where(Assessment.enterprise_id == enterprise_id)
    assessment_ids = set(session.exec(own).all())

    scores = session.execute(delete(NodeScore).where(col(NodeScore.assessment_id).in_(own))).rowcount
    answers = session.execute(delete(StoredAnswer).where(col(StoredAnswer.assessment_id).in_(own))).rowcount
    session.execute(delete(AssessmentComment).where(col(AssessmentComment.assessment_id).in_(own)))
    evidence_files = stored_names(session=session, assessment_ids=assessment_ids)
    for table in (Evidence, Respondent, Verification, AnswerReview):  # evidence, review and sign-off
        session.execute(delete(table).where(col(table.assessment_id).in_(own)))
    session.execute(delete(BenchmarkEntry).where(BenchmarkEntry.enterprise_id == enterprise_id))
    session.execute(delete(ActionDone).where(ActionDone.enterprise_id == enterprise_id))
    deleted = session.execute(delete(User).where(col(User.id).in_(delete_accounts))).rowcount if delete_accounts else 0
    unlinked = session.execute(update(User).where(User.enterprise_id == enterprise_id)
                               .values(enterprise_id=None)).rowcount
    assessments = session.execute(delete(Assessment).where(Assessment.enterprise_id == enterprise_id)).rowcount
    session.execute(delete(Enterprise).where(Enterprise.id == enterprise_id))
    files = _forget_reports(session=session, assessment_ids=assessment_ids)
    counts = dict(assessments=assessments, answers=answers, scores=scores, benchmark_entries=len(entries),
                  accounts_deleted=deleted, accounts_unlinked=unlinked, report_files_removed=len(files))
    session.add(AuditEvent(
        user_id=actor_id, action="delete", enterprise_id=enterprise_id, address=address[:64],
        detail="enterprise deleted with its data: " + ", ".join(f"{n} {name.replace('_', ' ')}"
                                                                for name, n in counts.items()),
    ))
    session.commit()
    for path in files:  # once the deletion is committed: a failed transaction leaves every file in place
        Path(path).unlink(missing_ok=True)
    for name in evidence_files if evidence_folder is not None else ():
        (evidence_folder / name).unlink(missing_ok=True)

    return Deletion(enterprise_id=enterprise_id, **counts)


def _forget_reports(*, session: Session, assessment_ids: set[int]) -> list[str]:
    """Drop the enterprise from finished report batches: the names of its failed reports, and the ZIP files holding
    its reports (returned, to be removed once the deletion is committed). A batch still waiting or rendering finds
    the assessments gone when it reaches them and lists them as failed, without a name."""
    if not assessment_ids:
        return []
    files = []
    for batch in session.exec(select(ReportBatch).where(col(ReportBatch.status).in_(("done", "failed")))):
        if not assessment_ids & set(batch.assessment_ids):
            continue
        if batch.path:
            files.append(batch.path)
            batch.path = ""
        batch.failures = [item for item in batch.failures if item.get("id") not in assessment_ids]
        session.add(batch)
    return files
