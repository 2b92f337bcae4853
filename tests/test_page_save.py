"""Saving a page stores exactly the page's answers, on both databases: on PostgreSQL in one
statement (`storage._save_page_at_once`), on SQLite in the response's, the answers' and the
deletion's own statements. Both must leave the same rows."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.models import Answer, Response, ResponseMode, ResponseStatus
from survey_app.models._types import utcnow
from survey_app.questionnaires.own import questionnaires_for
from survey_app.responses.storage import Bundle, load_bundle, load_occasion, save_page
from tests.survey_helpers import Setup, make_setup


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _bundle(setup: Setup) -> Bundle:
    loaded = load_occasion(setup.occasion_id)
    assert loaded is not None
    occasion, _ = loaded
    return load_bundle(
        occasion, "participant", questionnaires_for(occasion.participation.insats.forbund)
    )


def _save_first_page(setup: Setup, answers: dict[str, Any], *, draft: bool = False) -> None:
    bundle = _bundle(setup)
    step = bundle.steps[0]
    save_page(
        bundle,
        step.questionnaire,
        step.page,
        answers,
        mode=ResponseMode.LINK,
        language="sv",
        draft=draft,
    )
    db.session.commit()


def _stored(setup: Setup) -> tuple[list[tuple[str, int, str, int]], dict[str, Any]]:
    responses = db.session.execute(
        sa.select(Response.questionnaire_id, Response.pages_saved, Response.language, Response.id)
        .where(Response.occasion_id == setup.occasion_id)
        .order_by(Response.questionnaire_id)
    ).all()
    answers = db.session.execute(
        sa.select(Answer.item_id, Answer.value)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.occasion_id == setup.occasion_id)
    ).all()
    return [tuple(r) for r in responses], dict(answers)  # type: ignore[misc]


def test_a_page_saved_again_replaces_its_answers_and_drops_the_blank_ones(
    app: Flask, setup: Setup
) -> None:
    with app.app_context():
        _save_first_page(setup, {"general_health": 5, "mental_health": 6, "physical_health": 7})
        (first,), answers = _stored(setup)
        assert first[:3] == ("sjalvskattning", 1, "sv")
        assert answers == {"general_health": 5, "mental_health": 6, "physical_health": 7}

        _save_first_page(setup, {"general_health": 2, "mental_health": None, "physical_health": 9})
        (again,), answers = _stored(setup)
        assert again == first  # the same response, still at page 1
        assert answers == {"general_health": 2, "physical_health": 9}


def test_a_draft_keeps_the_answers_it_does_not_give_and_saves_no_page(
    app: Flask, setup: Setup
) -> None:
    with app.app_context():
        _save_first_page(setup, {"general_health": 5, "mental_health": None}, draft=True)
        (response,), answers = _stored(setup)
        assert response[1] == 0
        assert answers == {"general_health": 5}
        _save_first_page(setup, {"general_health": None, "mental_health": 3}, draft=True)
        assert _stored(setup)[1] == {"general_health": 5, "mental_health": 3}


def test_a_page_of_a_sent_questionnaire_is_refused_and_nothing_changes(
    app: Flask, setup: Setup
) -> None:
    with app.app_context():
        _save_first_page(setup, {"general_health": 5, "mental_health": 6, "physical_health": 7})
        # Read as a second tab did before the first sent the questionnaire.
        bundle = _bundle(setup)
        step = bundle.steps[0]
        db.session.execute(
            sa.update(Response)
            .where(Response.occasion_id == setup.occasion_id)
            .values(status=ResponseStatus.SUBMITTED.value, submitted_at=utcnow())
        )
        db.session.commit()
        before = _stored(setup)
        with pytest.raises(DomainError):
            save_page(
                bundle,
                step.questionnaire,
                step.page,
                {"general_health": 1, "mental_health": None, "physical_health": 2},
                mode=ResponseMode.LINK,
                language="sv",
            )
        db.session.rollback()
        assert _stored(setup) == before
