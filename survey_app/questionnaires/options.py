"""The questionnaires as set up for a förbund: the stored values of the options their scorers
declare (`survey_app.scoring.Scorer.options`, e.g. the EQ-5D value set)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from survey_app import scoring
from survey_app.extensions import db
from survey_app.models import QuestionnaireOptions
from survey_app.questionnaires.definition import Questionnaire


@dataclass(frozen=True)
class OptionField:
    """One scorer option of one questionnaire, as the settings page shows it."""

    key: str  # the form field's name
    questionnaire_id: str
    option: scoring.ScorerOption


def stored_options(forbund_id: int) -> dict[str, dict[str, Any]]:
    """The förbund's stored option values, by questionnaire id and option name."""
    rows = db.session.execute(
        sa.select(QuestionnaireOptions.questionnaire_id, QuestionnaireOptions.options).where(
            QuestionnaireOptions.forbund_id == forbund_id
        )
    ).all()
    return {questionnaire_id: dict(options or {}) for questionnaire_id, options in rows}


def option_fields(questionnaires: Iterable[Questionnaire]) -> list[OptionField]:
    """Every option the questionnaires' scorers take, by questionnaire id, then in the
    scorer's order."""
    fields = []
    for questionnaire in sorted(questionnaires, key=lambda q: q.id):
        for option in scoring.options(questionnaire):
            key = re.sub(r"\W", "_", f"option_{questionnaire.id}_{option.name}")
            fields.append(OptionField(key, questionnaire.id, option))
    return fields


def current_values(
    fields: Iterable[OptionField], stored: Mapping[str, Mapping[str, Any]]
) -> dict[str, str]:
    """Each field's value for the förbund: the stored one when it is still a choice, otherwise
    the scorer's default."""
    out = {}
    for field in fields:
        value = stored.get(field.questionnaire_id, {}).get(field.option.name)
        allowed = {choice for choice, _label in field.option.choices}
        out[field.key] = str(value) if value in allowed else field.option.default
    return out


def save_options(
    forbund_id: int, fields: Iterable[OptionField], values: Mapping[str, object]
) -> list[OptionField]:
    """Store the fields' values (each must be one of its choices; the caller checks); the
    fields whose value changed."""
    fields = list(fields)
    stored = stored_options(forbund_id)
    before = current_values(fields, stored)
    changed = [f for f in fields if str(values[f.key]) != before[f.key]]
    rows = {
        row.questionnaire_id: row
        for row in db.session.scalars(
            sa.select(QuestionnaireOptions).where(QuestionnaireOptions.forbund_id == forbund_id)
        )
    }
    for field in changed:
        row = rows.get(field.questionnaire_id)
        if row is None:
            row = QuestionnaireOptions(
                forbund_id=forbund_id, questionnaire_id=field.questionnaire_id, options={}
            )
            db.session.add(row)
            rows[field.questionnaire_id] = row
        # A new dict, so that the JSON column is seen as changed.
        row.options = {**(row.options or {}), field.option.name: str(values[field.key])}
    db.session.flush()
    return changed
