"""Evidence behind answers: files and links an enterprise attaches to its answers, with a comment. No Flask here.

A file is accepted only when its content is one of FILE_KINDS, whatever its name or the browser says: the first
bytes are read (and an Office file's parts listed) to tell. It is written under the evidence folder (the instance
folder's `evidence/`, outside the database) with a random name, and offered for download under its own name with
the extension of what it is. Limits: MAX_FILE_BYTES each, MAX_ASSESSMENT_BYTES for all the files of an assessment.
A link must be http or https. Files leave the disk with their assessment's enterprise (storage/privacy.py)."""

from __future__ import annotations

import csv
import io
import os
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlmodel import Session, col, func, select

from storage.accounts import audit
from storage.tables import Assessment, Evidence, User

MAX_FILE_BYTES = 10 * 1024 * 1024  # one file
MAX_ASSESSMENT_BYTES = 50 * 1024 * 1024  # every file of one assessment together
MAX_COMMENT = 1000
MAX_URL = 2000
FOLDER = "evidence"  # under the instance folder


@dataclass(frozen=True)
class FileKind:
    """A kind of file accepted as evidence: the extension it is offered with and its media type."""

    extension: str
    media_type: str


FILE_KINDS = {
    "pdf": FileKind("pdf", "application/pdf"),
    "png": FileKind("png", "image/png"),
    "jpeg": FileKind("jpg", "image/jpeg"),
    "xlsx": FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "docx": FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "csv": FileKind("csv", "text/csv"),
}


class EvidenceRefused(ValueError):
    """Evidence that is not accepted; `reason` says why: "kind", "size", "total", "empty", "url", "comment" or
    "question"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def evidence_folder(instance_path: str | Path) -> Path:
    """The folder evidence files are kept in, under an app's instance folder."""
    return Path(instance_path) / FOLDER


def sniff(data: bytes) -> str | None:
    """What a file is, from its content: a key of FILE_KINDS, or None when it is none of them."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    return "csv" if _is_csv(data) else None


def _office_kind(data: bytes) -> str | None:
    """XLSX or DOCX, from the parts the ZIP lists (nothing is unpacked)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, EOFError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


def _is_csv(data: bytes) -> bool:
    """Plain UTF-8 (or GB 18030) text without control characters, that reads as rows of a CSV file."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    if not text.strip() or any(ord(c) < 32 and c not in "\t\r\n" for c in text) or "\x7f" in text:
        return False
    if text.lstrip()[:1] == "<":  # markup (HTML, SVG, XML) is no table
        return False
    try:
        return any(csv.reader(io.StringIO(text)))
    except csv.Error:
        return False


def download_name(filename: str, kind: str) -> str:
    """The name a file is offered under: its own name's stem, cleaned, with the extension of what it is."""
    stem = unicodedata.normalize("NFC", Path(filename.replace("\\", "/")).name).rsplit(".", 1)[0]
    stem = re.sub(r"[\x00-\x1f\x7f/\\\"<>:|?*]+", "_", stem).strip(" ._") or "evidence"
    return f"{stem[:150]}.{FILE_KINDS[kind].extension}"


def check_url(url: str) -> str:
    """A link as stored: an http or https address with a host, without spaces; EvidenceRefused("url") if not."""
    url = url.strip()
    parts = urlsplit(url)
    if (len(url) > MAX_URL or parts.scheme.lower() not in ("http", "https") or not parts.hostname
            or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url)):
        raise EvidenceRefused("url")
    return url


def _check_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise EvidenceRefused("comment")
    return comment


def files_bytes(*, session: Session, assessment: Assessment) -> int:
    """How many bytes of files an assessment's evidence holds."""
    return session.exec(select(func.coalesce(func.sum(Evidence.size), 0))
                        .where(Evidence.assessment_id == assessment.id)).one()


def add_file(*, session: Session, folder: Path, assessment: Assessment, question_id: str, filename: str,
             data: bytes, comment: str = "", user: User | None = None, address: str = "") -> Evidence:
    """Keep a file as evidence of one answer (committed, and audited); EvidenceRefused says why not."""
    if not data:
        raise EvidenceRefused("empty")
    if len(data) > MAX_FILE_BYTES:
        raise EvidenceRefused("size")
    kind = sniff(data)
    if kind is None:
        raise EvidenceRefused("kind")
    comment = _check_comment(comment)
    if files_bytes(session=session, assessment=assessment) + len(data) > MAX_ASSESSMENT_BYTES:
        raise EvidenceRefused("total")
    folder.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(data)
    evidence = Evidence(assessment_id=assessment.id, question_id=question_id, kind=kind,
                        filename=download_name(filename, kind), stored_name=stored_name, size=len(data),
                        comment=comment, user_id=user.id if user else None)
    try:
        _keep(session, evidence, user, f"evidence file added to {question_id}: {evidence.filename}", address)
    except Exception:
        path.unlink(missing_ok=True)  # the row was not written: neither is the file
        raise
    return evidence


def add_link(*, session: Session, assessment: Assessment, question_id: str, url: str, comment: str = "",
             user: User | None = None, address: str = "") -> Evidence:
    """Keep a link as evidence of one answer (committed, and audited); EvidenceRefused says why not."""
    evidence = Evidence(assessment_id=assessment.id, question_id=question_id, kind="link", url=check_url(url),
                        comment=_check_comment(comment), user_id=user.id if user else None)
    _keep(session, evidence, user, f"evidence link added to {question_id}", address)
    return evidence


def _keep(session: Session, evidence: Evidence, user: User | None, detail: str, address: str) -> None:
    session.add(evidence)
    session.flush()
    assessment = session.get(Assessment, evidence.assessment_id)
    audit(session=session, user=user, action="evidence_add", enterprise_id=assessment.enterprise_id,
          assessment_id=assessment.id, detail=detail, address=address)  # commits both


def remove(*, session: Session, folder: Path, evidence: Evidence, user: User | None = None, address: str = "") -> None:
    """Remove one piece of evidence, its file too (audited)."""
    assessment = session.get(Assessment, evidence.assessment_id)
    stored_name = evidence.stored_name
    session.delete(evidence)
    audit(session=session, user=user, action="evidence_remove", enterprise_id=assessment.enterprise_id,
          assessment_id=assessment.id, detail=f"evidence removed from {evidence.question_id}: "
          f"{evidence.filename or evidence.url}", address=address)  # fmt: skip
    if stored_name:
        (folder / stored_name).unlink(missing_ok=True)


def evidence_of(*, session: Session, assessment: Assessment, question_ids=None) -> dict[str, list[Evidence]]:
    """An assessment's evidence by question, oldest first (only of `question_ids` when given)."""
    query = select(Evidence).where(Evidence.assessment_id == assessment.id).order_by(Evidence.id)
    if question_ids is not None:
        query = query.where(col(Evidence.question_id).in_(list(question_ids)))
    found: dict[str, list[Evidence]] = {}
    for row in session.exec(query):
        found.setdefault(row.question_id, []).append(row)
    return found


def file_path(folder: Path, evidence: Evidence) -> Path:
    """Where an evidence file is on disk."""
    if not re.fullmatch(r"[0-9a-f]{32}", evidence.stored_name):
        raise EvidenceRefused("kind")  # never a path out of the folder
    return folder / evidence.stored_name


def stored_names(*, session: Session, assessment_ids) -> list[str]:
    """The files on disk of some assessments' evidence (to remove once their rows are deleted)."""
    ids = list(assessment_ids)
    if not ids:
        return []
    return [name for name in session.exec(select(Evidence.stored_name).where(col(Evidence.assessment_id).in_(ids)))
            if name]
