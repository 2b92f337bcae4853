"""A participant's page read as plain data: the occasion with everything its pages show, in one
Core statement, into small frozen dataclasses.

The ORM read (`storage.load_occasion`) stays for staff's entry, whose pages show more of the
participation; a participant's pages, link and submit read these rows (the submit writes by
statements, `storage.submit`). Turning the joined row into ORM objects through five eager
loads was a quarter of a page's time (SQLAlchemy builds the loads' row processors on every
execution); these rows are tuples read once. The dataclasses carry the attribute names of the
models they mirror, so that `Bundle` and the templates read either alike.
"""

from __future__ import annotations

import collections
import functools
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from survey_app import driver_sql
from survey_app.extensions import as_one_statement_transaction, db
from survey_app.models import (
    Answer,
    Forbund,
    Insats,
    Invitation,
    Occasion,
    OccasionKind,
    Participation,
    Response,
    ResponseMode,
    ResponseStatus,
)


@dataclass(frozen=True, slots=True)
class ForbundRow:
    id: int
    questionnaire_generation: int
    support_contacts: str


@dataclass(frozen=True, slots=True)
class InsatsRow:
    id: int
    forbund_id: int
    bundles: dict[str, list[str]]
    forbund: ForbundRow

    def questionnaires_for(self, occasion_kind: str) -> list[str]:
        return list((self.bundles or {}).get(occasion_kind, []))


@dataclass(frozen=True, slots=True)
class ParticipationRow:
    id: int
    language: str | None
    insats: InsatsRow


@dataclass(frozen=True, slots=True)
class AnswerRow:
    item_id: str
    value: Any


@dataclass(frozen=True, slots=True)
class ResponseRow:
    id: int
    questionnaire_id: str
    content_hash: str
    status: ResponseStatus
    mode: ResponseMode
    pages_saved: int
    answers: list[AnswerRow]


@dataclass(frozen=True, slots=True)
class OccasionRow:
    id: int
    participation_id: int
    kind: OccasionKind
    quick_exit_at: datetime | None
    participation: ParticipationRow
    responses: list[ResponseRow]


@dataclass(frozen=True, slots=True)
class InvitationRow:
    id: int
    expires_at: datetime
    revoked_at: datetime | None


def read_occasion(
    occasion_id: int,
    *,
    participation_id: int | None = None,
    invitation_id: int | None = None,
    in_session: bool = True,
) -> tuple[OccasionRow, InvitationRow | None] | None:
    """What `storage.load_occasion` reads, as plain data: one statement. None if the occasion
    does not exist (or is not the participation's).

    Read at the driver (`_read_on_driver`). `in_session=False` (a request that only reads): on
    a connection of its own, returned to the pool at once, so that the request begins no session
    transaction to end at its teardown. A save reads in its session, on the connection its
    writes use (see `survey.routes._occasion_for`)."""
    parameters = {"occasion_id": occasion_id}
    if participation_id is not None:
        parameters["participation_id"] = participation_id
    if invitation_id is not None:
        parameters["invitation_id"] = invitation_id
    variant = (participation_id is not None, invitation_id is not None)
    rows: Sequence[Any]
    if in_session:
        rows = _read_on_driver(db.session.connection(), variant, parameters)
    else:
        with db.engine.connect() as connection:
            rows = _read_on_driver(connection, variant, parameters)
    if not rows:
        return None
    responses: dict[int, ResponseRow] = {}
    for row in rows:
        if row.response_id is None:
            continue
        response = responses.get(row.response_id)
        if response is None:
            response = responses[row.response_id] = ResponseRow(
                id=row.response_id,
                questionnaire_id=row.questionnaire_id,
                content_hash=row.content_hash,
                status=row.status,
                mode=row.mode,
                pages_saved=row.pages_saved,
                answers=[],
            )
        if row.item_id is not None:
            response.answers.append(AnswerRow(row.item_id, row.value))
    first = rows[0]
    forbund = ForbundRow(
        id=first.forbund_id,
        questionnaire_generation=first.questionnaire_generation or 0,
        support_contacts=first.support_contacts,
    )
    # The insats's bundles come as text on every row (see _query): parsed once here.
    bundles = json.loads(first.bundles)
    insats = InsatsRow(
        id=first.insats_id, forbund_id=first.forbund_id, bundles=bundles, forbund=forbund
    )
    occasion = OccasionRow(
        id=first.occasion_id,
        participation_id=first.participation_id,
        kind=first.kind,
        quick_exit_at=first.quick_exit_at,
        participation=ParticipationRow(
            id=first.participation_id, language=first.participation_language, insats=insats
        ),
        responses=list(responses.values()),
    )
    invitation = None
    if invitation_id is not None and first.invitation_id is not None:
        invitation = InvitationRow(first.invitation_id, first.expires_at, first.revoked_at)
    return occasion, invitation


@functools.cache
def _rows(
    dialect: sa.Dialect, by_participation: bool, with_invitation: bool
) -> Callable[[list[Any]], list[Any]]:
    """How the driver's rows of a variant become rows as SQLAlchemy's: each column converted by
    its type's own result processor, where it has one, and the row given the columns' names."""
    query = _query(by_participation, with_invitation)
    conversions = []
    for n, column in enumerate(query.selected_columns):
        conversion = column.type.dialect_impl(dialect).result_processor(dialect, None)
        if conversion is not None:
            conversions.append((n, conversion))
    row = collections.namedtuple("OccasionReadRow", query.selected_columns.keys())  # type: ignore[misc]

    def convert(fetched: list[Any]) -> list[Any]:
        rows = []
        for values in fetched:
            cells = list(values)
            for n, conversion in conversions:
                cells[n] = conversion(cells[n])
            rows.append(row(*cells))
        return rows

    return convert


def _read_on_driver(
    connection: sa.Connection, variant: tuple[bool, bool], parameters: dict[str, int]
) -> Sequence[Any]:
    """The rows of a variant of the statement, read on the connection's driver cursor
    (`driver_sql.run`) and converted by the columns' types as SQLAlchemy would. A question
    page's one read: SQLAlchemy's execution around it cost five times the statement itself, a
    fifth of the page's time (issue 17). A read of its own needs no transaction on PostgreSQL
    (pysqlite begins none for it)."""
    with as_one_statement_transaction(connection):
        return driver_sql.run(
            connection, _query(*variant), parameters, _rows(connection.dialect, *variant)
        )


@functools.cache
def _query(by_participation: bool, with_invitation: bool) -> sa.Select[Any]:
    """The statement of `read_occasion`, built once per variant, on the tables (no ORM entities:
    the session hands it to the connection as it is). A row per answer."""
    occasion, participation = Occasion.__table__, Participation.__table__
    insats, forbund = Insats.__table__, Forbund.__table__
    response, answer = Response.__table__, Answer.__table__
    query = (
        sa.select(
            occasion.c.id.label("occasion_id"),
            occasion.c.participation_id,
            occasion.c.kind,
            occasion.c.quick_exit_at,
            participation.c.language.label("participation_language"),
            participation.c.insats_id,
            insats.c.forbund_id,
            # As text: the driver would parse the JSON again on every answer's row (40 times
            # on a late page), where it is needed once.
            sa.cast(insats.c.bundles, sa.Text).label("bundles"),
            forbund.c.questionnaire_generation,
            forbund.c.support_contacts,
            response.c.id.label("response_id"),
            response.c.questionnaire_id,
            response.c.content_hash,
            response.c.status,
            response.c.mode,
            response.c.pages_saved,
            answer.c.item_id,
            answer.c.value,
        )
        .select_from(
            occasion.join(participation, participation.c.id == occasion.c.participation_id)
            .join(insats, insats.c.id == participation.c.insats_id)
            .join(forbund, forbund.c.id == insats.c.forbund_id)
            .outerjoin(response, response.c.occasion_id == occasion.c.id)
            .outerjoin(answer, answer.c.response_id == response.c.id)
        )
        .where(occasion.c.id == sa.bindparam("occasion_id"))
        .order_by(response.c.id, answer.c.id)
    )
    if by_participation:
        query = query.where(occasion.c.participation_id == sa.bindparam("participation_id"))
    if with_invitation:
        invitation = Invitation.__table__
        query = query.add_columns(
            invitation.c.id.label("invitation_id"),
            invitation.c.expires_at,
            invitation.c.revoked_at,
        ).outerjoin(
            invitation,
            sa.and_(
                invitation.c.id == sa.bindparam("invitation_id"),
                invitation.c.occasion_id == occasion.c.id,
            ),
        )
    return query
