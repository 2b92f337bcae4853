"""The final submit's writes (`storage.submit`), from the participant's plain rows and from
staff's ORM read alike, on both databases: every open response sent with the time and the
mode, answers to questions a later answer hid deleted, the link used and the occasion's
contact details gone, and nothing else changed."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.models import (
    Answer,
    Invitation,
    Occasion,
    Response,
    ResponseMode,
    ResponseStatus,
)
from survey_app.models._types import utcnow
from survey_app.questionnaires import parse_definition
from survey_app.responses.reading import read_occasion
from survey_app.responses.storage import Bundle, keep_snapshot, load_occasion, submit
from survey_app.survey import links
from tests.survey_helpers import Setup, make_setup

# Two questionnaires with a chain of conditions: "a" = nej hides "b", and so "c".
CHAIN = """
id: {id}
version: 1
title: {{sv: Kedja}}
pages:
  - items:
      - {{id: a, type: yes_no, text: {{sv: A}}}}
  - items:
      - {{id: b, type: yes_no, text: {{sv: B}}, show_if: {{item: a, equals: ja}}}}
  - items:
      - {{id: c, type: yes_no, text: {{sv: C}}, show_if: {{item: b, equals: ja}}}}
"""
FIRST = parse_definition(CHAIN.format(id="kedja-ett"), "kedja-ett.yaml")
SECOND = parse_definition(CHAIN.format(id="kedja-tva"), "kedja-tva.yaml")
# Stored while "a" was "ja"; then "a" was changed to "nej" in the first, not in the second.
STORED = {
    FIRST.id: {"a": "nej", "b": "ja", "c": "ja"},
    SECOND.id: {"a": "ja", "b": "ja", "c": "nej"},
}


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _store(setup: Setup) -> int:
    """Both responses in progress, every page saved, and a link with contact details (the
    other participant's occasion gets a link with an address too). The link's id."""
    for definition in (FIRST, SECOND):
        keep_snapshot(definition)
        response = Response(
            occasion_id=setup.occasion_id,
            questionnaire_id=definition.id,
            questionnaire_version=definition.version,
            content_hash=definition.content_hash,
            mode=ResponseMode.LINK,
            pages_saved=3,
        )
        response.answers = [Answer(item_id=k, value=v) for k, v in STORED[definition.id].items()]
        db.session.add(response)
    occasion = db.session.get(Occasion, setup.occasion_id)
    assert occasion is not None
    links.create_invitation(occasion, None)
    invitation = db.session.scalars(
        sa.select(Invitation).where(Invitation.occasion_id == setup.occasion_id)
    ).one()
    invitation.email = "deltagare@example.org"
    invitation.phone = "+46701234567"
    other = db.session.scalar(
        sa.select(Occasion).where(Occasion.participation_id == setup.other_participation_id)
    )
    assert other is not None
    links.create_invitation(other, None)
    for kept in db.session.scalars(sa.select(Invitation).where(Invitation.occasion_id == other.id)):
        kept.email = "annan@example.org"
    db.session.commit()
    return invitation.id


def _bundle(setup: Setup, invitation_id: int, rows: bool) -> tuple[Bundle, Any]:
    loaded: Any = (
        read_occasion(setup.occasion_id, invitation_id=invitation_id)
        if rows
        else load_occasion(setup.occasion_id, invitation_id=invitation_id)
    )
    assert loaded is not None
    occasion, invitation = loaded
    responses = {r.questionnaire_id: r for r in occasion.responses}
    return Bundle(occasion, [FIRST, SECOND], responses), invitation


@pytest.mark.parametrize("rows", [True, False], ids=["participant-rows", "staff-orm"])
def test_submit_sends_every_open_response_and_drops_the_hidden_answers(
    app: Flask, setup: Setup, rows: bool
) -> None:
    with app.app_context():
        invitation_id = _store(setup)
        before = utcnow()
        bundle, invitation = _bundle(setup, invitation_id, rows)
        assert submit(bundle, invitation, ResponseMode.KIOSK) is True
        db.session.commit()
        db.session.expunge_all()

        responses = db.session.scalars(
            sa.select(Response).where(Response.occasion_id == setup.occasion_id)
        ).all()
        assert {r.questionnaire_id for r in responses} == {FIRST.id, SECOND.id}
        for response in responses:
            assert response.status == ResponseStatus.SUBMITTED
            assert response.mode == ResponseMode.KIOSK
            assert response.submitted_at is not None and response.submitted_at >= before
            assert response.pages_saved == 3
        answers = {
            (questionnaire, item): value
            for questionnaire, item, value in db.session.execute(
                sa.select(Response.questionnaire_id, Answer.item_id, Answer.value).join(Answer)
            )
        }
        # "a" = nej hid "b" and, through it, "c"; the second keeps all three.
        assert answers == {
            (FIRST.id, "a"): "nej",
            (SECOND.id, "a"): "ja",
            (SECOND.id, "b"): "ja",
            (SECOND.id, "c"): "nej",
        }
        used = db.session.get(Invitation, invitation_id)
        assert used is not None and used.used_at is not None and used.used_at >= before
        assert (used.email, used.phone) == (None, None)
        others = db.session.scalars(
            sa.select(Invitation.email).where(Invitation.id != invitation_id)
        ).all()
        assert others == ["annan@example.org"]  # another participant's link is not touched

        # Sent again (a resend from a second tab): nothing more happens.
        bundle, invitation = _bundle(setup, invitation_id, rows)
        assert bundle.submitted
        assert submit(bundle, invitation, ResponseMode.LINK) is False


def test_a_submit_that_finds_the_bundle_already_claimed_writes_nothing(
    app: Flask, setup: Setup
) -> None:
    """Read before a parallel submit claimed it (another tab): the claim finds nothing to claim
    and the rest is not written."""
    with app.app_context():
        invitation_id = _store(setup)
        bundle, invitation = _bundle(setup, invitation_id, rows=True)
        first = bundle.responses[FIRST.id]
        db.session.execute(
            sa.update(Response)
            .where(Response.id == first.id)
            .values(status=ResponseStatus.SUBMITTED, submitted_at=utcnow())
        )
        db.session.commit()
        assert submit(bundle, invitation, ResponseMode.LINK) is False
        db.session.commit()
        second = db.session.scalar(
            sa.select(Response.status).where(Response.questionnaire_id == SECOND.id)
        )
        assert second == ResponseStatus.IN_PROGRESS
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Answer)) == 6
        used = db.session.get(Invitation, invitation_id)
        assert used is not None and used.used_at is None
