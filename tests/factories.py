"""Test data built through the same service functions the app uses."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any

from survey_app.admin.services import InsatsData, create_staff_account, save_insats
from survey_app.extensions import db
from survey_app.models import (
    Answer,
    Forbund,
    Gender,
    Insats,
    Occasion,
    Participation,
    Remittent,
    Response,
    ResponseMode,
    ResponseStatus,
    RoleKind,
    StaffUser,
)
from survey_app.models._types import utcnow
from survey_app.questionnaires import Questionnaire
from survey_app.responses.storage import keep_snapshot
from survey_app.staff.services import NewParticipant, register_participant

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def forbund(name: str | None = None, merge_other_genders: bool = False) -> Forbund:
    """A förbund; its reports show the four gender columns unless merging is asked for (the
    tests of reports were written against them; a new förbund merges, see models)."""
    item = Forbund(
        name=name or f"Förbund {next(_counter)}", merge_other_genders=merge_other_genders
    )
    db.session.add(item)
    db.session.flush()
    return item


def insats(owner: Forbund, name: str | None = None, **bundles: list[str]) -> Insats:
    return save_insats(
        owner,
        InsatsData(
            name=name or f"Insats {next(_counter)}",
            start_date=date(2025, 1, 1),
            end_date=None,
            followup_interval_months=None,
            bundles=bundles or {"start": ["sjalvskattning"], "exit": ["sjalvskattning"]},
        ),
    )


def user(
    owner: Forbund,
    role: RoleKind,
    insatser: list[Insats] | None = None,
    email: str | None = None,
    must_change_password: bool = False,
) -> StaffUser:
    """An account whose owner has chosen the password already (unless `must_change_password`)."""
    return create_staff_account(
        owner,
        email or f"user{next(_counter)}@example.org",
        PASSWORD,
        role,
        [i.id for i in insatser or []],
        must_change_password=must_change_password,
    )


def participation(
    where: Insats, code: str | None = None, start: date = date(2025, 3, 1)
) -> Participation:
    return register_participant(
        where,
        NewParticipant(
            code=code or f"P-{next(_counter):04d}",
            gender=Gender.WOMAN,
            birth_year=1985,
            remittent=Remittent.FK,
            start_date=start,
        ),
    )


def response(occasion: Occasion, definition: Questionnaire, values: dict[str, Any]) -> Response:
    """A submitted response on exactly this version of the questionnaire (as an import)."""
    keep_snapshot(definition)
    made = Response(
        occasion=occasion,
        questionnaire_id=definition.id,
        questionnaire_version=definition.version,
        content_hash=definition.content_hash,
        status=ResponseStatus.SUBMITTED,
        mode=ResponseMode.IMPORT,
        submitted_at=utcnow(),
        pages_saved=len(definition.pages),
    )
    made.answers = [Answer(item_id=k, value=v) for k, v in values.items()]
    db.session.add(made)
    return made
