"""A small demo förbund for trying the service locally: insatser, staff, ~30 participants."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from survey_app.admin.services import InsatsData, create_staff_account, save_insats
from survey_app.extensions import db
from survey_app.models import (
    Answer,
    FollowUpFlag,
    Forbund,
    Gender,
    Occasion,
    OccasionKind,
    ParticipationStatus,
    Remittent,
    Response,
    ResponseMode,
    ResponseStatus,
    RoleKind,
)
from survey_app.models._types import utcnow
from survey_app.questionnaires import Item, ItemType, Questionnaire, Registry
from survey_app.responses.storage import keep_snapshot
from survey_app.staff.services import NewParticipant, register_participant

DEMO_FORBUND = "Demoförbundet"


@dataclass(frozen=True)
class DemoLogin:
    email: str
    password: str
    role: str


DEMO_LOGINS = (
    DemoLogin("admin@demo.example", "demo-admin-2026", "förbundsadministratör"),
    DemoLogin(
        "personal@demo.example", "demo-personal-2026", "personal i Gröna vägen och Hälsoskolan"
    ),
    DemoLogin("analytiker@demo.example", "demo-analys-2026", "analytiker (bara sammanställningar)"),
)

INSATSER = ("Gröna vägen", "Hälsoskolan", "IPS jobbcoach")
BUNDLES = {
    "start": ["sjalvskattning", "eq5d-3l", "valdsenkat", "inskrivning"],
    "followup": ["sjalvskattning", "eq5d-3l"],
    "exit": ["sjalvskattning", "eq5d-3l", "valdsenkat", "nojdhet", "utskrivning"],
}
PARTICIPANTS_PER_INSATS = 10


def load_demo_data(registry: Registry, today: date, seed: int = 2026) -> bool:
    """Add the demo förbund unless it is there already. Returns True if anything was added.

    Flushes only; the caller commits, so a failure leaves nothing half-loaded.
    """
    if db.session.scalar(sa.select(Forbund.id).where(Forbund.name == DEMO_FORBUND)) is not None:
        return False
    rng = random.Random(seed)  # noqa: S311  (reproducible demo data, not a secret)
    definitions = registry.by_id
    forbund = Forbund(name=DEMO_FORBUND)
    db.session.add(forbund)
    db.session.flush()
    insatser = [
        save_insats(
            forbund,
            InsatsData(
                name=name,
                start_date=today - timedelta(days=730),
                end_date=None,
                followup_interval_months=6 if name == "Gröna vägen" else None,
                bundles=BUNDLES,
            ),
        )
        for name in INSATSER
    ]
    admin, staff, analyst = DEMO_LOGINS
    # Published demo logins for trying the service: no forced change at the first sign-in.
    for login, role, insats_ids in (
        (admin, RoleKind.ADMIN, None),
        (staff, RoleKind.STAFF, [i.id for i in insatser[:2]]),
        (analyst, RoleKind.ANALYST, None),
    ):
        create_staff_account(
            forbund, login.email, login.password, role, insats_ids, must_change_password=False
        )

    number = 0
    for insats in insatser:
        prefix = "".join(word[0] for word in insats.name.split()).upper()
        for _ in range(PARTICIPANTS_PER_INSATS):
            number += 1
            start = today - timedelta(days=rng.randint(20, 400))
            participation = register_participant(
                insats,
                NewParticipant(
                    code=f"{prefix}-{number:04d}",
                    gender=rng.choices(list(Gender), weights=[55, 40, 3, 2])[0],
                    birth_year=rng.randint(1965, 2004),
                    remittent=rng.choice(list(Remittent)),
                    start_date=start,
                ),
            )
            start_occasion = participation.occasions[0]
            baseline = rng.randint(2, 6)
            if rng.random() < 0.9:
                _answer_bundle(start_occasion, definitions, rng, baseline)
            exit_date = start + timedelta(days=rng.randint(60, 300))
            if exit_date < today and rng.random() < 0.6:
                participation.exit_date = exit_date
                participation.status = ParticipationStatus.EXITED
                exit_occasion = Occasion(
                    participation=participation, kind=OccasionKind.EXIT, due_date=exit_date
                )
                db.session.add(exit_occasion)
                if rng.random() < 0.8:
                    _answer_bundle(exit_occasion, definitions, rng, baseline + rng.randint(-1, 3))
    db.session.flush()
    return True


def _answer_bundle(
    occasion: Occasion,
    definitions: dict[str, Questionnaire],
    rng: random.Random,
    level: int,
) -> None:
    for questionnaire_id in BUNDLES[occasion.kind.value]:
        definition = definitions.get(questionnaire_id)
        if definition is None:
            continue
        keep_snapshot(definition)
        staff_form = definition.respondent == "staff"
        response = Response(
            occasion=occasion,
            pages_saved=len(definition.pages),
            questionnaire_id=definition.id,
            questionnaire_version=definition.version,
            content_hash=definition.content_hash,
            status=ResponseStatus.SUBMITTED,
            mode=ResponseMode.STAFF if staff_form else ResponseMode.KIOSK,
            submitted_at=utcnow(),
        )
        db.session.add(response)
        for item in definition.items:
            value = _demo_value(item, rng, level)
            if value is not None:
                response.answers.append(Answer(item_id=item.id, value=value))
        if definition.safety.flag and any(a.value == "ja" for a in response.answers):
            db.session.add(
                FollowUpFlag(
                    participation=occasion.participation,
                    occasion=occasion,
                    questionnaire_id=definition.id,
                    reason=definition.safety.flag,
                )
            )


def _demo_value(item: Item, rng: random.Random, level: int) -> int | str | None:
    """Plausible answers: `level` (2–9) is the participant's self-rated health."""
    if item.type == ItemType.SINGLE_CHOICE and item.id in {"MO", "SC", "UA", "PD", "AD"}:
        # Better self-rated health means fewer problems on EQ-5D.
        return max(1, min(3, 3 - level // 4 + rng.choice([-1, 0, 0, 1])))
    if item.type == ItemType.SINGLE_CHOICE:
        return rng.choice(item.choices).value
    if item.type == ItemType.VAS:
        return max(0, min(100, level * 10 + rng.randint(-10, 10)))
    if item.type == ItemType.SCALE:
        low, high = int(item.min or 1), int(item.max or 10)
        scaled = low + round((high - low) * (level - 1) / 9)
        return max(low, min(high, scaled + rng.randint(-1, 1)))
    if item.type == ItemType.YES_NO:
        return rng.choices(["nej", "ja", "vill_inte_svara"], weights=[85, 10, 5])[0]
    return None  # free text and other types are left unanswered in the demo
