"""Roadmap steps an enterprise has carried out, kept per enterprise and questionnaire so that a step stays done in
the plans of later assessments."""

from __future__ import annotations

from sqlmodel import Session, select

from storage.tables import ActionDone


def done_steps(*, session: Session, enterprise_id: int, questionnaire_id: str) -> dict[tuple[str, int], ActionDone]:
    """The steps of a questionnaire's roadmap the enterprise has done, by (dimension, level)."""
    query = select(ActionDone).where(ActionDone.enterprise_id == enterprise_id,
                                     ActionDone.questionnaire_id == questionnaire_id)
    return {(row.dimension, row.level): row for row in session.exec(query)}
