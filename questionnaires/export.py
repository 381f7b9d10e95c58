"""Export a loaded questionnaire as one normalised, JSON-able definition (`flask questionnaires export`).

The export resolves every name the file uses (scales, bands) into the place that uses it, and every key below is
always present: `null` when it does not apply, `{}` or `[]` when empty. Texts are `{"en": ..., "zh": ...}`.

    {"id": str, "version": str, "title": text, "description": text, "estimated_minutes": int,
     "anchors": {framework: text},
     "profiles": {"attribute": "industry_type", "values": [str], "default": str} | null,
     "dimensions": [{"id", "name": text, "description": text, "anchors": {framework: str}, "questions": [
         {"id", "type": "ladder"|"single"|"multiple"|"number"|"yesno"|"text", "text": text, "help": text | null,
          "not_applicable": bool, "show_if": {"question", "equals", "one_of", "at_least"} | null,
          "paradigm": "digital"|"networked"|"intelligent" | null, "anchors": {framework: str},
          "levels": [{"level": 0..5, "text": text, "value": number}] | null,        # ladder
          "options": [{"id", "label": text, "value": number | null}] | null,        # single, multiple
          "unit": text | null, "min": number | null, "max": number | null,          # number
          "integer": bool | null,                                                   # number
          "max_length": int | null,                                                 # text
          "scale": {"name", "kind": "map"|"thresholds"|"linear", "values": {key: number} | null,
                    "steps": [{"min", "value"}] | null, "cap": number | null,
                    "from": [a, b] | null, "to": [c, d] | null} | null,
          "scored": bool}]}],
     "scoring": {"nodes": [{"id", "kind": "item"|"dimension"|"paradigm"|"overall"|"standard",
                            "rule": "weighted_mean"|"sum"|"min"|"gating"|"progress"|"levels",
                            "paradigm": str | null, "standard": str | null,
                            "bands": [{"level", "min", "name": text}] | null, "threshold": number | null,
                            "cap": number | null, "range": [low, high] | null,
                            "inputs": [{"ref", "ref_type": "question"|"node",
                                        "weight": number | {profile: number}, "level": 1..5 | null}],
                            "explanation": text | null}],
                 "order": [node id, every node after its inputs]}}

A level's or option's `value` is the number it scores (a ladder without a scale scores its level); it is `null`
for options of unscored questions. `threshold` is set on gating and levels nodes only. `questionnaires/FORMAT.md`
("Export format") documents the same schema for authors of other tools.
"""

from __future__ import annotations

from questionnaires.loader import Questionnaire
from questionnaires.schema import (
    Band,
    Condition,
    LadderQuestion,
    LinearScale,
    MapScale,
    MultipleQuestion,
    Node,
    NodeInput,
    NumberQuestion,
    SingleQuestion,
    Text,
    TextQuestion,
)


def export_questionnaire(q: Questionnaire) -> dict:
    """The questionnaire as the documented, JSON-able export schema (see the module docstring)."""
    definition = q.definition
    profiles = definition.scoring.profiles
    return {
        "id": definition.id,
        "version": definition.version,
        "title": _text(definition.title),
        "description": _text(definition.description),
        "estimated_minutes": definition.estimated_minutes,
        "anchors": {framework: _text(text) for framework, text in definition.anchors.items()},
        "profiles": None
        if profiles is None
        else {"attribute": profiles.attribute, "values": list(profiles.values), "default": profiles.default},
        "dimensions": [
            {
                "id": dimension.id,
                "name": _text(dimension.name),
                "description": _text(dimension.description),
                "anchors": dict(dimension.anchors),
                "questions": [_question(q, question) for question in dimension.questions],
            }
            for dimension in definition.dimensions
        ],
        "scoring": {
            "nodes": [_node(q, node) for node in definition.scoring.nodes],
            "order": list(q.node_order),
        },
    }


def _text(text: Text | None) -> dict | None:
    return None if text is None else {"en": text.en, "zh": text.zh}


def _question(q: Questionnaire, question) -> dict:
    scale_name = getattr(question, "scale", None)
    scale = q.definition.scales.get(scale_name) if scale_name else None
    values = scale.values if isinstance(scale, MapScale) else {}
    is_number = isinstance(question, NumberQuestion)
    levels = None
    if isinstance(question, LadderQuestion):
        levels = [
            {"level": level, "text": _text(text), "value": values[str(level)] if scale else float(level)}
            for level, text in enumerate(question.levels)
        ]
    options = None
    if isinstance(question, SingleQuestion | MultipleQuestion):
        options = [
            {"id": option.id, "label": _text(option.label), "value": values.get(option.id)}
            for option in question.options
        ]
    return {
        "id": question.id,
        "type": question.type,
        "text": _text(question.text),
        "help": _text(question.help),
        "not_applicable": question.not_applicable,
        "show_if": _condition(question.show_if),
        "paradigm": question.paradigm,
        "anchors": dict(question.anchors),
        "levels": levels,
        "options": options,
        "unit": _text(question.unit) if is_number else None,
        "min": question.min if is_number else None,
        "max": question.max if is_number else None,
        "integer": question.integer if is_number else None,
        "max_length": question.max_length if isinstance(question, TextQuestion) else None,
        "scale": None if scale is None else _scale(scale_name, scale),
        "scored": question.scored,
    }


def _condition(condition: Condition | None) -> dict | None:
    if condition is None:
        return None
    return {
        "question": condition.question,
        "equals": condition.equals,
        "one_of": None if condition.one_of is None else list(condition.one_of),
        "at_least": condition.at_least,
    }


def _scale(name: str, scale) -> dict:
    exported = {"name": name, "kind": scale.kind, "values": None, "steps": None, "cap": None, "from": None, "to": None}
    if isinstance(scale, MapScale):
        exported.update(values=dict(scale.values), cap=scale.cap)
    elif isinstance(scale, LinearScale):
        exported.update({"from": list(scale.from_), "to": list(scale.to)})
    else:
        exported.update(steps=[{"min": step.min, "value": step.value} for step in scale.steps])
    return exported


def _node(q: Questionnaire, node: Node) -> dict:
    bands = q.bands(node)
    return {
        "id": node.id,
        "kind": node.kind,
        "rule": node.rule,
        "paradigm": node.paradigm,
        "standard": node.standard,
        "bands": [_band(band) for band in bands] if bands else None,
        "threshold": node.threshold if node.rule in ("gating", "levels") else None,
        "cap": node.cap,
        "range": None if node.range is None else list(node.range),
        "inputs": [_input(q, source) for source in node.inputs],
        "explanation": _text(node.explanation),
    }


def _band(band: Band) -> dict:
    return {"level": band.level, "min": band.min, "name": _text(band.name)}


def _input(q: Questionnaire, source: NodeInput) -> dict:
    weight = dict(source.weight) if isinstance(source.weight, dict) else source.weight
    return {
        "ref": source.ref,
        "ref_type": "node" if source.ref in q.nodes else "question",
        "weight": weight,
        "level": source.level,
    }
