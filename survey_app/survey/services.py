"""Answering a bundle: which questionnaires, saving pages, and the final submit.

Operations only flush; the request commits. Saving a page is safe against a double tap: there is
one response per occasion and questionnaire (a unique constraint), so a race ends in one row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from survey_app import audit, scoring
from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.models import (
    Answer,
    FollowUpFlag,
    Invitation,
    Occasion,
    QuestionnaireSnapshot,
    Response,
    ResponseMode,
    ResponseStatus,
)
from survey_app.models._types import utcnow
from survey_app.questionnaires import (
    DefinitionError,
    Page,
    Questionnaire,
    Registry,
    parse_definition,
)
from survey_app.survey.flow import Step, bundle_steps, effective_answers, missing_required


@dataclass
class Bundle:
    """The questionnaires one respondent answers at one occasion, with their stored responses."""

    occasion: Occasion
    questionnaires: list[Questionnaire]
    responses: dict[str, Response]

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


def load_bundle(occasion: Occasion, respondent: str, registry: Registry) -> Bundle:
    """The insats' questionnaires for this occasion and respondent, each in the version its
    response was begun on (or the current file when not yet begun). A questionnaire whose file
    cannot be loaded is left out; the others still work."""
    wanted = occasion.participation.insats.questionnaires_for(occasion.kind.value)
    responses = {r.questionnaire_id: r for r in occasion.responses}
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
    snapshot = db.session.scalar(
        sa.select(QuestionnaireSnapshot).where(QuestionnaireSnapshot.content_hash == content_hash)
    )
    if snapshot is None:
        return None
    try:
        questionnaire = parse_definition(snapshot.source, f"snapshot {snapshot.questionnaire_id}")
    except DefinitionError:
        return None
    registry.remember(questionnaire)
    return questionnaire


def save_page(
    bundle: Bundle,
    questionnaire: Questionnaire,
    page: Page,
    answers: Mapping[str, Any],
    *,
    mode: ResponseMode,
    language: str,
    draft: bool = False,
) -> Response:
    """Store the answers of one page (visible items only) and record the page as saved. A draft
    (what a page held when the tablet locked) stores the answers given, keeps the others, and
    leaves the page unsaved: the respondent resumes on it with the entries in place."""
    response = _response_for(bundle, questionnaire, mode, language)
    # Two taps on "Nästa" must not both insert the page's answers: hold the response row (on
    # PostgreSQL; SQLite lets one writer in at a time) and read its answers afresh.
    db.session.execute(sa.select(Response.id).where(Response.id == response.id).with_for_update())
    db.session.refresh(response)
    if response.status == ResponseStatus.SUBMITTED:
        raise DomainError("Svaren är redan inskickade och kan inte ändras.")
    stored = {a.item_id: a for a in response.answers}
    for item in page.items:
        value = answers.get(item.id)
        existing = stored.get(item.id)
        if item.id not in answers or value is None:
            if existing is not None and not draft:
                response.answers.remove(existing)
        elif existing is not None:
            existing.value = value
        else:
            response.answers.append(Answer(item_id=item.id, value=value))
    if not draft:
        response.pages_saved = max(response.pages_saved, page.number)
    response.language = language
    response.updated_at = utcnow()
    db.session.flush()
    return response


def _response_for(
    bundle: Bundle, questionnaire: Questionnaire, mode: ResponseMode, language: str
) -> Response:
    response = bundle.responses.get(questionnaire.id)
    if response is not None:
        return response
    keep_snapshot(questionnaire)
    # By id, not relationship: a response lost to a parallel insert must not linger in
    # occasion.responses and be flushed again.
    response = Response(
        occasion_id=bundle.occasion.id,
        questionnaire_id=questionnaire.id,
        questionnaire_version=questionnaire.version,
        content_hash=questionnaire.content_hash,
        status=ResponseStatus.IN_PROGRESS,
        mode=mode,
        language=language,
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError:
        # A parallel request (a double tap) created it first: use that one.
        response = db.session.scalars(
            sa.select(Response).where(
                Response.occasion_id == bundle.occasion.id,
                Response.questionnaire_id == questionnaire.id,
            )
        ).one()
    bundle.responses[questionnaire.id] = response
    return response


def keep_snapshot(questionnaire: Questionnaire) -> None:
    exists = db.session.scalar(
        sa.select(QuestionnaireSnapshot.id).where(
            QuestionnaireSnapshot.content_hash == questionnaire.content_hash
        )
    )
    if exists is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(
                QuestionnaireSnapshot(
                    content_hash=questionnaire.content_hash,
                    questionnaire_id=questionnaire.id,
                    version=questionnaire.version,
                    source=questionnaire.source,
                )
            )
    except IntegrityError:
        pass  # stored by a parallel request


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


def _claim(response: Response, now: datetime, mode: ResponseMode) -> bool:
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


def submit(bundle: Bundle, invitation: Invitation | None, mode: ResponseMode) -> bool:
    """Submit every open response of the bundle. Returns False if it was already submitted (a
    resend), True if this call submitted it. Raises DomainError naming the page still to fill
    in. The response records the mode it was sent in (e.g. staff finishing a paper form)."""
    if bundle.submitted:
        return False
    step = first_incomplete_step(bundle)
    if step is not None:
        raise DomainError(f"Sidan {step.number} är inte färdig.", field=str(step.number))
    now = utcnow()
    if not _claim(bundle.responses[bundle.open_questionnaires[0].id], now, mode):
        return False  # a parallel request (another tab, a double tap) submitted it just now
    for questionnaire in bundle.open_questionnaires:
        response = bundle.responses[questionnaire.id]
        answers = {a.item_id: a for a in response.answers}
        kept = effective_answers(questionnaire, {k: a.value for k, a in answers.items()})
        for item_id, answer in answers.items():
            # An answer to a question that a later change hid is not kept.
            if item_id not in kept:
                response.answers.remove(answer)
        response.status = ResponseStatus.SUBMITTED
        response.submitted_at = now
        response.mode = mode
    if invitation is not None:
        invitation.used_at = now
    for link in bundle.occasion.invitations:
        link.email = None  # answered: no reminders, so no contact details kept
    db.session.flush()
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
    exists = db.session.scalar(
        sa.select(FollowUpFlag.id).where(
            FollowUpFlag.occasion_id == occasion.id,
            FollowUpFlag.questionnaire_id == questionnaire.id,
        )
    )
    if exists is not None:
        return
    flag = FollowUpFlag(
        participation_id=occasion.participation_id,
        occasion_id=occasion.id,
        questionnaire_id=questionnaire.id,
        reason=questionnaire.safety.flag or "Uppföljning behövs",
    )
    try:
        with db.session.begin_nested():
            db.session.add(flag)
    except IntegrityError:
        return  # raised by a parallel request
    audit.record(
        "follow_up_flag_raised",
        forbund_id=occasion.participation.insats.forbund_id,
        object_type="follow_up_flag",
        object_id=flag.id,
    )
