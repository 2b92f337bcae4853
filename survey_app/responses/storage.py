"""Answering a bundle: which questionnaires, saving pages, and the final submit.

Operations only flush; the request commits. Saving a page is safe against a double tap: there is
one response per occasion and questionnaire (a unique constraint), so a race ends in one row.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from survey_app import driver_sql, scoring
from survey_app.exceptions import DomainError
from survey_app.extensions import as_one_statement_transaction, begin_write, db
from survey_app.models import (
    Answer,
    Insats,
    Invitation,
    Occasion,
    OwnQuestionnaire,
    Participation,
    QuestionnaireSnapshot,
    Response,
    ResponseMode,
    ResponseStatus,
)
from survey_app.models._types import Timestamp, utcnow
from survey_app.privacy import audit
from survey_app.questionnaires import (
    DefinitionError,
    Page,
    Questionnaire,
    Registry,
    parse_definition,
)
from survey_app.responses.flow import Step, bundle_steps, effective_answers, missing_required
from survey_app.responses.reading import InvitationRow, OccasionRow, ResponseRow


@dataclass
class Bundle:
    """The questionnaires one respondent answers at one occasion, with their stored responses:
    ORM objects (`load_occasion`, for staff's entry) or plain rows (`reading.read_occasion`,
    for the participant's pages and submit), read alike."""

    occasion: Occasion | OccasionRow
    questionnaires: list[Questionnaire]
    responses: Mapping[str, Response | ResponseRow]

    @property
    def open_questionnaires(self) -> list[Questionnaire]:
        """Those still to answer. A sent questionnaire is never opened again, even if the insats
        later adds another questionnaire to the occasion."""
        return [
            q
            for q in self.questionnaires
            if (r := self.responses.get(q.id)) is None or r.status != ResponseStatus.SUBMITTED
        ]

    @property
    def steps(self) -> list[Step]:
        return bundle_steps(self.open_questionnaires)

    def pages_saved(self) -> dict[str, int]:
        return {qid: r.pages_saved for qid, r in self.responses.items()}

    def answers(self, questionnaire_id: str) -> dict[str, Any]:
        response = self.responses.get(questionnaire_id)
        return {a.item_id: a.value for a in response.answers} if response else {}

    @property
    def submitted(self) -> bool:
        return bool(self.questionnaires) and not self.open_questionnaires


def load_occasion(
    occasion_id: int,
    *,
    participation_id: int | None = None,
    invitation_id: int | None = None,
) -> tuple[Occasion, Invitation | None] | None:
    """The occasion with all a respondent's page reads (participation, insats, förbund,
    responses and their answers) and, given its id, the invitation the link opened: one
    statement, the only read of a page. None if the occasion does not exist (or is not the
    participation's)."""
    query = _occasion_query(participation_id is not None, invitation_id is not None)
    parameters = {"occasion_id": occasion_id}
    if participation_id is not None:
        parameters["participation_id"] = participation_id
    if invitation_id is not None:
        parameters["invitation_id"] = invitation_id
    row = db.session.execute(query, parameters).unique().one_or_none()
    if row is None:
        return None
    return row[0], (row[1] if invitation_id is not None else None)


@functools.cache
def _occasion_query(by_participation: bool, with_invitation: bool) -> sa.Select[Any]:
    """The statement of `load_occasion`, built once per variant (building it, with its eager
    loads, was a sixth of a page's time): the ids are bound parameters."""
    query = (
        sa.select(Occasion)
        .where(Occasion.id == sa.bindparam("occasion_id"))
        .options(
            joinedload(Occasion.participation, innerjoin=True)
            .joinedload(Participation.insats, innerjoin=True)
            # The förbund's questionnaire generation picks its cached registry (own.py).
            .joinedload(Insats.forbund, innerjoin=True),
            joinedload(Occasion.responses).joinedload(Response.answers),
        )
    )
    if by_participation:
        query = query.where(Occasion.participation_id == sa.bindparam("participation_id"))
    if with_invitation:
        query = query.add_columns(Invitation).outerjoin(
            Invitation,
            sa.and_(
                Invitation.id == sa.bindparam("invitation_id"),
                Invitation.occasion_id == Occasion.id,
            ),
        )
    return query


def load_bundle(occasion: Occasion | OccasionRow, respondent: str, registry: Registry) -> Bundle:
    """The insats' questionnaires for this occasion and respondent, each in the version its
    response was begun on (or the current file when not yet begun). A questionnaire whose file
    cannot be loaded is left out; the others still work."""
    wanted = occasion.participation.insats.questionnaires_for(occasion.kind.value)
    responses: dict[str, Response | ResponseRow] = {
        r.questionnaire_id: r for r in occasion.responses
    }
    questionnaires = []
    for questionnaire_id in wanted:
        response = responses.get(questionnaire_id)
        questionnaire = (
            definition_by_hash(response.content_hash, registry)
            if response is not None
            else registry.get(questionnaire_id)
        )
        if questionnaire is not None and questionnaire.respondent == respondent:
            questionnaires.append(questionnaire)
    ids = {q.id for q in questionnaires}
    return Bundle(occasion, questionnaires, {k: v for k, v in responses.items() if k in ids})


def definition_by_hash(content_hash: str, registry: Registry) -> Questionnaire | None:
    known = registry.by_hash.get(content_hash)
    if known is not None:
        return known
    # Not in memory (an older version, or a förbund's file this process has not met yet): the
    # snapshot kept when it was answered, or else the förbund's stored file (an import keeps no
    # snapshot).
    source = db.session.scalar(
        sa.select(QuestionnaireSnapshot.source).where(
            QuestionnaireSnapshot.content_hash == content_hash
        )
    )
    if source is None:
        source = db.session.scalar(
            sa.select(OwnQuestionnaire.source)
            .where(OwnQuestionnaire.content_hash == content_hash)
            .limit(1)
        )
    if source is None:
        return None
    try:
        questionnaire = parse_definition(source, f"snapshot {content_hash[:12]}")
    except DefinitionError:
        return None
    registry.remember(questionnaire)
    return questionnaire


# The writes of a page save, in the INSERT … ON CONFLICT that SQLite and PostgreSQL share. Text,
# not SQLAlchemy's dialect inserts: those are compiled anew for every execution (they are not
# in SQLAlchemy's statement cache), which cost more than the database work of a page.
SAVE_RESPONSE = sa.text(
    "INSERT INTO response (occasion_id, questionnaire_id, questionnaire_version, content_hash,"
    " status, mode, language, pages_saved, started_at, updated_at)"
    " VALUES (:occasion_id, :questionnaire_id, :version, :content_hash, :in_progress, :mode,"
    " :language, :page, :now, :now)"
    " ON CONFLICT (occasion_id, questionnaire_id) DO UPDATE SET"
    " pages_saved = CASE WHEN response.pages_saved > excluded.pages_saved"
    " THEN response.pages_saved ELSE excluded.pages_saved END,"
    " language = excluded.language, updated_at = excluded.updated_at"
    " WHERE response.status <> :submitted"
    " RETURNING id"
).bindparams(sa.bindparam("now", type_=Timestamp))
KEEP_SNAPSHOT = sa.text(
    "INSERT INTO questionnaire_snapshot (content_hash, questionnaire_id, version, source,"
    " created_at) VALUES (:content_hash, :questionnaire_id, :version, :source, :now)"
    " ON CONFLICT (content_hash) DO NOTHING"
).bindparams(sa.bindparam("now", type_=Timestamp))
RAISE_FLAG = sa.text(
    "INSERT INTO follow_up_flag (participation_id, occasion_id, questionnaire_id, reason,"
    " raised_at) VALUES (:participation_id, :occasion_id, :questionnaire_id, :reason, :now)"
    " ON CONFLICT (occasion_id, questionnaire_id) DO NOTHING RETURNING id"
).bindparams(sa.bindparam("now", type_=Timestamp))


@functools.cache
def _save_answers(count: int) -> sa.TextClause:
    """INSERT … ON CONFLICT DO UPDATE of `count` answers of one response."""
    rows = ", ".join(f"(:response_id, :item_{n}, :value_{n})" for n in range(count))
    return sa.text(
        f"INSERT INTO answer (response_id, item_id, value) VALUES {rows}"  # noqa: S608 (no input)
        " ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value"
    ).bindparams(*(sa.bindparam(f"value_{n}", type_=sa.JSON) for n in range(count)))


@functools.cache
def _save_page_at_once(given: int, cleared: int) -> sa.TextClause:
    """PostgreSQL: the response's upsert, the page's answers' upsert and the deletion of answers
    now blank or hidden as one statement (data-modifying WITH), so a save is one round trip to
    the server instead of three. The same rows as SAVE_RESPONSE, `_save_answers` and the DELETE
    (SQLite has no data-modifying WITH and runs those). Returns the response's id, or nothing
    when it is already sent: then the answers' insert finds no row to join and the delete no
    response, and nothing is written."""
    parts = [f"WITH saved AS ({SAVE_RESPONSE.text})"]
    if given:
        rows = ", ".join(f"(:item_{n}, CAST(:value_{n} AS JSON))" for n in range(given))
        parts.append(
            ", stored AS (INSERT INTO answer (response_id, item_id, value)"  # noqa: S608 (no input)
            " SELECT saved.id, page.item_id, page.value FROM saved"
            f" CROSS JOIN (VALUES {rows}) AS page (item_id, value)"
            " ON CONFLICT (response_id, item_id) DO UPDATE SET value = excluded.value)"
        )
    if cleared:
        names = ", ".join(f":cleared_{n}" for n in range(cleared))
        parts.append(
            ", removed AS (DELETE FROM answer WHERE response_id IN (SELECT id FROM saved)"  # noqa: S608
            f" AND item_id IN ({names}))"
        )
    parts.append(" SELECT id FROM saved")
    return sa.text("".join(parts)).bindparams(
        sa.bindparam("now", type_=Timestamp),
        *(sa.bindparam(f"value_{n}", type_=sa.JSON) for n in range(given)),
    )


def save_page(
    bundle: Bundle,
    questionnaire: Questionnaire,
    page: Page,
    answers: Mapping[str, Any],
    *,
    mode: ResponseMode,
    language: str,
    draft: bool = False,
    only_write: bool = False,
) -> bool:
    """Store the answers of one page (visible items only) and record the page as saved. A draft
    (what a page held when the tablet locked) stores the answers given, keeps the others, and
    leaves the page unsaved: the respondent resumes on it with the entries in place.

    Nothing is read here: the page was read before (`reading.read_occasion`), and the writes
    settle a parallel save of the same page (a double tap, a second tab) in the database
    itself. The response is inserted or, when it exists, updated and locked by one INSERT …
    ON CONFLICT DO UPDATE, which returns nothing for a response already sent; the page's
    answers are then inserted or replaced by one more, and answers to items now blank or
    hidden deleted (on PostgreSQL the three are one statement, `_save_page_at_once`: one round
    trip). Every
    value is prepared first, so that SQLite's write lock (`begin_write`) is held only for these
    statements and the commit. `only_write`: nothing else is written before the commit; on
    PostgreSQL a save that is one statement then runs as its own transaction
    (`as_one_statement_transaction`), and True is returned: it is committed, and the request
    has nothing left to commit. Else False: the caller commits."""
    stored = bundle.responses.get(questionnaire.id)
    given = [(item.id, answers[item.id]) for item in page.items if answers.get(item.id) is not None]
    cleared = [] if draft else [item.id for item in page.items if answers.get(item.id) is None]
    response = {
        "occasion_id": bundle.occasion.id,
        "questionnaire_id": questionnaire.id,
        "version": questionnaire.version,
        "content_hash": questionnaire.content_hash,
        "in_progress": ResponseStatus.IN_PROGRESS.value,
        "submitted": ResponseStatus.SUBMITTED.value,
        "mode": mode.value,
        "language": language,
        "page": 0 if draft else page.number,  # pages_saved only grows (see SAVE_RESPONSE)
        "now": utcnow(),
    }
    values: dict[str, Any] = {}
    for n, (item_id, value) in enumerate(given):
        values[f"item_{n}"] = item_id
        values[f"value_{n}"] = value
    connection = db.session.connection()
    begin_write(connection)
    if stored is None:
        keep_snapshot(questionnaire)
    if connection.dialect.name == "postgresql":
        for n, item_id in enumerate(cleared):
            values[f"cleared_{n}"] = item_id
        statement = _save_page_at_once(len(given), len(cleared))
        parameters = {**response, **values}
        with (
            as_one_statement_transaction(connection)
            if only_write
            else contextlib.nullcontext(False) as alone
        ):
            if alone:  # undone by a failure: safe to run on the driver (`driver_sql.run`)
                rows = driver_sql.run(connection, statement, parameters)
                saved = rows[0][0] if rows else None
            else:
                saved = db.session.scalar(statement, parameters)
        if saved is None:
            raise DomainError("Svaren är redan inskickade och kan inte ändras.")
        if isinstance(stored, Response):
            db.session.expire(stored)  # written past the ORM: read afresh if used again
        return alone
    response_id = db.session.scalar(SAVE_RESPONSE, response)
    if response_id is None:
        raise DomainError("Svaren är redan inskickade och kan inte ändras.")
    if given:
        db.session.execute(_save_answers(len(given)), {"response_id": response_id, **values})
    if cleared:
        db.session.execute(
            sa.delete(Answer).where(Answer.response_id == response_id, Answer.item_id.in_(cleared)),
            execution_options={"synchronize_session": False},
        )
    if isinstance(stored, Response):
        db.session.expire(stored)  # written past the ORM: read afresh if used again
    return False


def keep_snapshot(questionnaire: Questionnaire) -> None:
    """Store the definition a response is begun on, once per content hash (a parallel request
    storing it too is no conflict)."""
    db.session.execute(
        KEEP_SNAPSHOT,
        {
            "content_hash": questionnaire.content_hash,
            "questionnaire_id": questionnaire.id,
            "version": questionnaire.version,
            "source": questionnaire.source,
            "now": utcnow(),
        },
    )


def first_incomplete_step(bundle: Bundle) -> Step | None:
    """The first page with a required answer missing, or a page never saved."""
    saved = bundle.pages_saved()
    for step in bundle.steps:
        if step.page.number > saved.get(step.questionnaire.id, 0):
            return step
        answers = bundle.answers(step.questionnaire.id)
        page_ids = {i.id for i in step.page.items}
        if set(missing_required(step.questionnaire, answers)) & page_ids:
            return step
    return None


def _claim(response: Response | ResponseRow, now: datetime, mode: ResponseMode) -> bool:
    """Mark the response submitted in the database unless it already is: a conditional UPDATE,
    which waits for a parallel submit's transaction and then finds nothing left to claim (on
    SQLite the reads before it are not in the write transaction, so a read-then-write check
    alone would let both tabs through)."""
    result = db.session.execute(
        sa.update(Response)
        .where(Response.id == response.id, Response.status != ResponseStatus.SUBMITTED)
        .values(status=ResponseStatus.SUBMITTED, submitted_at=now, mode=mode),
        execution_options={"synchronize_session": False},
    )
    return bool(getattr(result, "rowcount", 0))


def submit(
    bundle: Bundle, invitation: Invitation | InvitationRow | None, mode: ResponseMode
) -> bool:
    """Submit every open response of the bundle. Returns False if it was already submitted (a
    resend), True if this call submitted it. Raises DomainError naming the page still to fill
    in. The response records the mode it was sent in (e.g. staff finishing a paper form).

    Written by statements, not through ORM objects: the participant's submit reads its bundle
    as plain rows (`reading.read_occasion`), as the pages do (turning it into ORM objects was
    a third of the submit's time, issue 17). Where the bundle is the ORM read (staff's entry),
    its responses and invitation are expired: read afresh if used again."""
    if bundle.submitted:
        return False
    step = first_incomplete_step(bundle)
    if step is not None:
        raise DomainError(f"Sidan {step.number} är inte färdig.", field=str(step.number))
    now = utcnow()
    begin_write()
    responses = [bundle.responses[q.id] for q in bundle.open_questionnaires]
    if not _claim(responses[0], now, mode):
        return False  # a parallel request (another tab, a double tap) submitted it just now
    if len(responses) > 1:
        db.session.execute(
            sa.update(Response)
            .where(Response.id.in_([r.id for r in responses[1:]]))
            .values(status=ResponseStatus.SUBMITTED, submitted_at=now, mode=mode),
            execution_options={"synchronize_session": False},
        )
    for questionnaire, response in zip(bundle.open_questionnaires, responses, strict=True):
        given = {a.item_id: a.value for a in response.answers}
        # An answer to a question that a later change hid is not kept.
        hidden = sorted(set(given) - set(effective_answers(questionnaire, given)))
        if hidden:
            db.session.execute(
                sa.delete(Answer).where(
                    Answer.response_id == response.id, Answer.item_id.in_(hidden)
                ),
                execution_options={"synchronize_session": False},
            )
    # Used, and answered: no reminders, so no contact details kept (address and number: a
    # statement passes by the model's rule that the number goes with the address).
    if invitation is not None:
        db.session.execute(
            sa.update(Invitation).where(Invitation.id == invitation.id).values(used_at=now),
            execution_options={"synchronize_session": False},
        )
    db.session.execute(
        sa.update(Invitation)
        .where(
            Invitation.occasion_id == bundle.occasion.id,
            sa.or_(Invitation.email.is_not(None), Invitation.phone.is_not(None)),
        )
        .values(email=None, phone=None),
        execution_options={"synchronize_session": False},
    )
    for written in [*responses, invitation]:
        if isinstance(written, (Response, Invitation)):
            db.session.expire(written)
    return True


def safety_triggered(questionnaire: Questionnaire, page_answers: Mapping[str, Any]) -> bool:
    """Whether answers just given call for the support page and a staff follow-up flag."""
    if questionnaire.safety.support_when != "any_yes":
        return False
    return scoring.score(questionnaire, page_answers).get("any_yes") is True


def raise_flag(bundle: Bundle, questionnaire: Questionnaire) -> None:
    """A follow-up flag for the staff: the reason text only, never the answers. Once per
    occasion and questionnaire."""
    occasion = bundle.occasion
    flag_id = db.session.scalar(
        RAISE_FLAG,
        {
            "participation_id": occasion.participation_id,
            "occasion_id": occasion.id,
            "questionnaire_id": questionnaire.id,
            "reason": questionnaire.safety.flag or "Uppföljning behövs",
            "now": utcnow(),
        },
    )
    if flag_id is None:
        return  # raised before, or by a parallel request
    audit.record(
        "follow_up_flag_raised",
        forbund_id=occasion.participation.insats.forbund_id,
        object_type="follow_up_flag",
        object_id=flag_id,
    )
