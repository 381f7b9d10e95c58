"""An enterprise's history: its assessments over time and the change between any two (T0 to T1).

Also where roadmap actions are marked done: a done step is kept per enterprise and questionnaire, so it stays
done in the roadmaps of the enterprise's later assessments.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from wtforms import IntegerField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange

from assessment.history import HistoryComparison, HistoryRow, compare, history_rows
from assessment.scoring import Result
from questionnaires.loader import Questionnaire
from questionnaires.vocabulary import PARADIGMS, paradigm_name
from reports.display import format_score
from reports.figures import figure_json
from reports.history_figures import change_chart, delta_text, paradigm_change_chart, timeline_chart
from storage.access import can_see_enterprise
from storage.assessments import find_assessment, start_reassessment
from storage.db import get_session
from storage.tables import ActionDone, Assessment, Enterprise, utcnow
from web.access import record, role_required
from web.catalog import get_catalog
from web.i18n import current_language

bp = Blueprint("history", __name__, url_prefix="/workspace/history")


@dataclass(frozen=True)
class Entry:
    """A submitted assessment with the questionnaire version it ran and its stored result."""

    assessment: Assessment
    questionnaire: Questionnaire
    result: Result


class ActionForm(FlaskForm):
    """Mark one roadmap step done (done=1) or no longer done (done=0)."""

    dimension = StringField(validators=[DataRequired(), Length(max=64)])
    level = IntegerField(validators=[InputRequired(), NumberRange(min=1, max=5)])
    done = StringField(validators=[AnyOf(["0", "1"])])


def _visible_enterprise(enterprise_id: int) -> Enterprise:
    """The enterprise, when the signed-in user may see it; 404 otherwise (its existence is not revealed)."""
    enterprise = get_session().get(Enterprise, enterprise_id)
    if enterprise is None or not can_see_enterprise(current_user, enterprise):
        abort(404)
    return enterprise


def submitted_entries(enterprise: Enterprise) -> list[Entry]:
    """The enterprise's submitted assessments in submission order (those of versions no longer served left out)."""
    catalog = get_catalog()
    query = (
        select(Assessment)
        .where(Assessment.enterprise_id == enterprise.id, Assessment.status == "submitted")
        .order_by(col(Assessment.submitted_at), col(Assessment.id))
    )
    entries = []
    for assessment in get_session().exec(query):
        questionnaire = catalog.get(assessment.questionnaire_id, assessment.questionnaire_version)
        if questionnaire is not None and assessment.result is not None:
            entries.append(Entry(assessment, questionnaire, Result.from_dict(questionnaire, assessment.result)))
    return entries


def default_pair(rows: list[HistoryRow]) -> tuple[int, int] | None:
    """The ids of the two latest assessments of one questionnaire (the latest assessment's when it has an earlier
    one), as (T0, T1); None when no questionnaire was run twice."""
    for later in range(len(rows) - 1, 0, -1):
        for earlier in range(later - 1, -1, -1):
            if rows[earlier].questionnaire_id == rows[later].questionnaire_id:
                return rows[earlier].assessment_id, rows[later].assessment_id
    return None


def _label(row: HistoryRow, lang: str) -> str:
    return f"{row.submitted_at.strftime('%Y-%m-%d')} · {row.title.get(lang)} {row.version}"


def _change_rows(comparison: HistoryComparison, lang: str) -> list[dict]:
    """The change table: overall, the paradigms and the dimensions, each with T0, T1, change and level change."""
    rows = []
    for change in comparison.changes:
        if change.kind == "paradigm":
            name, digits, unit = paradigm_name(change.id, lang), 1, " %"
        else:
            name, digits, unit = change.name.get(lang), 2, ""
        rows.append(_change_row(change, name, digits, unit))
    return rows


def _change_row(change, name: str, digits: int, unit: str) -> dict:
    return {
        "id": f"change-{change.kind}-{change.id}",
        "kind": change.kind,
        "name": name,
        "change": change,
        "before": format_score(change.before, digits) + (unit if change.before is not None else ""),
        "after": format_score(change.after, digits) + (unit if change.after is not None else ""),
        "delta": delta_text(change.delta, digits) + (unit if change.delta is not None else ""),
        "levels": level_change(change.level_before, change.level_after),
    }


def level_change(before: int | None, after: int | None) -> str:
    """'2 → 3 (+1)', '2 → 2 (±0)', or with a dash for a side without a level."""
    if before is None and after is None:
        return "—"
    text = f"{'—' if before is None else before} → {'—' if after is None else after}"
    if before is None or after is None:
        return text
    return f"{text} ({after - before:+d})" if after != before else f"{text} (±0)"


@bp.get("/<int:enterprise_id>")
@role_required("enterprise", "consultant", "admin")
def show(enterprise_id: int):
    """Every submitted assessment of the enterprise, its scores over time, and the change from T0 to T1."""
    enterprise = _visible_enterprise(enterprise_id)
    lang = current_language()
    entries = submitted_entries(enterprise)
    by_id = {entry.assessment.id: entry for entry in entries}
    rows = history_rows((entry.assessment, entry.questionnaire, entry.result) for entry in entries)
    record("view", enterprise_id=enterprise.id, detail="history")

    problem = None
    comparison = None
    pair = default_pair(rows)
    chosen = request.args.get("t0", type=int), request.args.get("t1", type=int)
    if "t0" in request.args or "t1" in request.args:
        if chosen[0] in by_id and chosen[1] in by_id:
            pair = (chosen[0], chosen[1])
        else:
            pair, problem = None, _("Choose two assessments from the list.")
    if pair is not None:
        before, after = by_id[pair[0]], by_id[pair[1]]
        if before.questionnaire.id != after.questionnaire.id:
            problem = _(
                "These two assessments used different questionnaires (%(before)s and %(after)s), so their scores "
                "cannot be compared. Choose two assessments of the same questionnaire.",
                before=before.questionnaire.definition.title.get(lang),
                after=after.questionnaire.definition.title.get(lang),
            )
        else:
            comparison = compare(before.questionnaire, before.result, after.questionnaire, after.result)

    view: dict = {}
    if comparison is not None:
        row_of = {row.assessment_id: row for row in rows}
        labels = {
            "before": f"T0 {row_of[pair[0]].submitted_at.strftime('%Y-%m-%d')}",
            "after": f"T1 {row_of[pair[1]].submitted_at.strftime('%Y-%m-%d')}",
        }
        view = {
            "change_rows": _change_rows(comparison, lang),
            "only_before": [_change_row(c, c.name.get(lang), 2, "") for c in comparison.only_before],
            "only_after": [_change_row(c, c.name.get(lang), 2, "") for c in comparison.only_after],
            "change_figure": figure_json(change_chart(comparison, lang, labels)),
            "paradigm_figure": figure_json(paradigm_change_chart(comparison, lang, labels))
            if comparison.paradigms else None,
            "labels": labels,
        }
    latest = _latest_questionnaire(enterprise)
    return render_template(
        "history/show.html",
        enterprise=enterprise,
        rows=rows,
        tokens={entry.assessment.id: entry.assessment.token for entry in entries},
        choices=[(row.assessment_id, _label(row, lang)) for row in reversed(rows)],
        pair=pair if pair is not None else chosen,
        comparison=comparison,
        problem=problem,
        timeline=figure_json(timeline_chart(rows, lang)) if rows else None,
        paradigms=[(p, paradigm_name(p, lang)) for p in PARADIGMS if any(p in row.paradigms for row in rows)],
        on_levels=all(entry.questionnaire.score_tops[entry.questionnaire.overall_node.id] <= 5 for entry in entries),
        drafts=_drafts(enterprise),
        latest=latest,
        done=_done_list(enterprise, lang),
        format_score=format_score,
        **view,
    )


def _drafts(enterprise: Enterprise) -> list[Assessment]:
    query = (
        select(Assessment)
        .where(Assessment.enterprise_id == enterprise.id, Assessment.status == "draft")
        .order_by(col(Assessment.created_at).desc())
    )
    return list(get_session().exec(query))


def _latest_questionnaire(enterprise: Enterprise) -> Questionnaire | None:
    """The newest version of the questionnaire the enterprise ran last (submitted first, else any)."""
    session = get_session()
    base = select(Assessment).where(Assessment.enterprise_id == enterprise.id)
    latest = session.exec(
        base.where(Assessment.status == "submitted").order_by(col(Assessment.submitted_at).desc(),
                                                             col(Assessment.id).desc())
    ).first() or session.exec(base.order_by(col(Assessment.created_at).desc(), col(Assessment.id).desc())).first()
    return get_catalog().get(latest.questionnaire_id) if latest is not None else None


def _done_list(enterprise: Enterprise, lang: str) -> list[dict]:
    """The roadmap steps the enterprise has marked done, newest first, named in the user's language."""
    catalog = get_catalog()
    query = select(ActionDone).where(ActionDone.enterprise_id == enterprise.id).order_by(
        col(ActionDone.done_at).desc())
    items = []
    for row in get_session().exec(query):
        questionnaire = catalog.get(row.questionnaire_id)
        names = {d.id: d.name.get(lang) for d in questionnaire.dimensions} if questionnaire else {}
        title = ""
        if questionnaire is not None and questionnaire.definition.roadmap is not None:
            title = next((a.title.get(lang) for a in questionnaire.definition.roadmap.actions
                          if (a.dimension, a.level) == (row.dimension, row.level)), "")
        about = questionnaire.definition.title.get(lang) if questionnaire else row.questionnaire_id
        items.append({"row": row, "dimension": names.get(row.dimension, row.dimension), "title": title,
                      "questionnaire": about})
    return items


@bp.post("/<int:enterprise_id>/again")
@role_required("enterprise", "consultant", "admin")
def assess_again(enterprise_id: int):
    """Start a new assessment of the enterprise on the newest version of the questionnaire it ran last."""
    enterprise = _visible_enterprise(enterprise_id)
    if not FlaskForm().validate_on_submit():
        abort(400)
    questionnaire = _latest_questionnaire(enterprise)
    if questionnaire is None:
        flash(_("This enterprise has no assessment to repeat."), "error")
        return redirect(url_for(".show", enterprise_id=enterprise.id))
    assessment = start_reassessment(session=get_session(), enterprise=enterprise, questionnaire=questionnaire)
    record("change", enterprise_id=enterprise.id, assessment_id=assessment.id,
           detail=f"reassessment started ({questionnaire.id} {questionnaire.version})")
    return redirect(url_for("survey.page", token=assessment.token, number=1))


@bp.post("/action/<token>")
@role_required("enterprise", "consultant", "admin")
def action(token: str):
    """Mark a step of the assessment's roadmap done, or undo that; back to the roadmap with its settings kept."""
    session = get_session()
    assessment = find_assessment(session=session, token=token)
    if assessment is None:
        abort(404)
    enterprise = session.get(Enterprise, assessment.enterprise_id)
    if not can_see_enterprise(current_user, enterprise):
        abort(404)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    questionnaire = get_catalog().get(assessment.questionnaire_id, assessment.questionnaire_version)
    roadmap = questionnaire.definition.roadmap if questionnaire is not None else None
    dimension, level = form.dimension.data, form.level.data
    if roadmap is None or not any((a.dimension, a.level) == (dimension, level) for a in roadmap.actions):
        abort(400)
    existing = session.exec(select(ActionDone).where(
        ActionDone.enterprise_id == enterprise.id, ActionDone.questionnaire_id == questionnaire.id,
        ActionDone.dimension == dimension, ActionDone.level == level)).first()
    if form.done.data == "1" and existing is None:
        session.add(ActionDone(enterprise_id=enterprise.id, questionnaire_id=questionnaire.id, dimension=dimension,
                               level=level, done_at=utcnow(), user_id=current_user.id))
        try:
            session.commit()
        except IntegrityError:  # marked done at the same moment by someone else: it is done either way
            session.rollback()
        record("change", enterprise_id=enterprise.id, assessment_id=assessment.id,
               detail=f"roadmap step {dimension} {level} marked done")
        flash(_("The step is marked done."), "info")
    elif form.done.data == "0" and existing is not None:
        session.delete(existing)
        session.commit()
        record("change", enterprise_id=enterprise.id, assessment_id=assessment.id,
               detail=f"roadmap step {dimension} {level} no longer marked done")
        flash(_("The step is no longer marked done."), "info")
    settings = {name: request.form.getlist(name) for name in request.form
                if name in ("target", "goal", "release") or name.startswith("target_")}
    return redirect(url_for("roadmap.show", token=token, _anchor=f"step-{dimension}-{level}", **settings))
