"""The participant-level export for förbund admins: one row per participation, pseudonymised.

Columns per occasion and item ("start: <questionnaire>.<item>"). Answers to sensitive
questionnaires (those with a `safety` block, e.g. a violence screening) are included only when
the admin asks for them explicitly; the request is audited by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import BinaryIO

import pandas as pd
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.followup.occasions import occasion_label
from survey_app.models import (
    GENDER_LABELS,
    REMITTENT_LABELS,
    Answer,
    Gender,
    Insats,
    Occasion,
    Participant,
    Participation,
    Remittent,
    Response,
    ResponseStatus,
)
from survey_app.questionnaires import Questionnaire


def sensitive(questionnaires: Iterable[Questionnaire]) -> list[str]:
    """The ids of the questionnaires whose answers are sensitive: those asked with a quick
    exit or a support page (the file's `safety` block)."""
    return [q.id for q in questionnaires if q.safety.quick_exit or q.safety.support_when]


def write(
    forbund_id: int,
    target: BinaryIO,
    *,
    include_sensitive: bool,
    questionnaires: Iterable[Questionnaire],
) -> int:
    """Write the workbook; returns the number of participations. `questionnaires`: those the
    service knows (which of them are sensitive)."""
    people = pd.DataFrame(
        db.session.execute(
            sa.select(
                Participation.id,
                Participant.code,
                Insats.name,
                Participant.gender,
                Participant.birth_year,
                Participation.remittent,
                Participation.start_date,
                Participation.exit_date,
            )
            .join(Participant, Participation.participant_id == Participant.id)
            .join(Insats, Participation.insats_id == Insats.id)
            .where(Insats.forbund_id == forbund_id)
            .order_by(Insats.name, Participant.code, Participation.start_date)
        ).all(),
        columns=["id", "Deltagarkod", "Insats", "Kön", "Födelseår", "Remittent", "Start", "Avslut"],
    )
    people["Kön"] = people["Kön"].map(lambda g: GENDER_LABELS[Gender(g)])
    people["Remittent"] = people["Remittent"].map(lambda r: REMITTENT_LABELS[Remittent(r)])
    query = (
        sa.select(
            Occasion.participation_id,
            Occasion.kind,
            Occasion.number,
            Response.questionnaire_id,
            Answer.item_id,
            Answer.value,
        )
        .join(Response, Answer.response_id == Response.id)
        .join(Occasion, Response.occasion_id == Occasion.id)
        .join(Participation, Occasion.participation_id == Participation.id)
        .join(Insats, Participation.insats_id == Insats.id)
        .where(Insats.forbund_id == forbund_id, Response.status == ResponseStatus.SUBMITTED)
    )
    if not include_sensitive:
        query = query.where(Response.questionnaire_id.not_in(sensitive(questionnaires)))
    answers = pd.DataFrame(
        db.session.execute(query).all(),
        columns=["id", "kind", "number", "questionnaire", "item", "value"],
    )
    table = people
    if not answers.empty:
        answers["column"] = [
            f"{_occasion(k, n)}: {q}.{i}"
            for k, n, q, i in zip(
                answers["kind"],
                answers["number"],
                answers["questionnaire"],
                answers["item"],
                strict=True,
            )
        ]
        answers["value"] = answers["value"].map(
            lambda v: ";".join(map(str, v)) if isinstance(v, list) else v
        )
        wide = answers.pivot_table(index="id", columns="column", values="value", aggfunc="first")
        table = people.merge(wide, left_on="id", right_index=True, how="left")
    table = table.drop(columns=["id"])
    with pd.ExcelWriter(
        target,
        engine="xlsxwriter",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        table.to_excel(writer, sheet_name="Deltagare", index=False)
        sheet = writer.sheets["Deltagare"]
        sheet.freeze_panes(1, 2)
        sheet.set_column(0, len(table.columns), 16)
    return len(people)


def _occasion(kind: str, number: int) -> str:
    return occasion_label(str(kind), number).lower()
