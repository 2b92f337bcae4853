"""Realistic synthetic data in bulk (not through the web): participations with START and EXIT
bundles, for benchmarks of the export at scale. `generate(n)` into an empty schema."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    Answer,
    Forbund,
    Insats,
    Occasion,
    Participant,
    Participation,
    Response,
)
from survey_app.questionnaires import ItemType, Questionnaire, Registry
from survey_app.responses.storage import keep_snapshot

START = ("sjalvskattning", "eq5d-3l", "valdsenkat", "inskrivning")
EXIT = ("sjalvskattning", "eq5d-3l", "valdsenkat", "nojdhet", "utskrivning")
GENDERS = ("kvinna", "man", "annat", "ej_uppgivet")
CHUNK = 20_000


def generate(
    registry: Registry,
    participations: int,
    insatser: int = 20,
    seed: int = 1,
    merged: bool = False,
) -> int:
    """Insert one förbund with the given number of participations; returns the förbund's id.
    About 80 % have an EXIT; each occasion has its full bundle (8–9 responses in all).
    By default the four gender columns (GENDERS), as the synthetic years of docs/benchmarks.md
    were measured; `merged`: the last two as one, a new förbund's default."""
    rng = random.Random(seed)
    forbund = Forbund(name=f"Syntetiskt förbund {seed}", merge_other_genders=merged)
    db.session.add(forbund)
    db.session.flush()
    definitions = {qid: registry.by_id[qid] for qid in {*START, *EXIT}}
    for definition in definitions.values():
        keep_snapshot(definition)
    insats_ids = []
    for n in range(insatser):
        insats = Insats(
            forbund_id=forbund.id,
            name=f"Insats {n + 1}",
            start_date=date(2024, 1, 1),
            goals=[{"kind": "improved", "measure": "sjalvskattning:mean", "target": 0.7}],
            bundles={"start": list(START), "exit": list(EXIT)},
        )
        db.session.add(insats)
        db.session.flush()
        insats_ids.append(insats.id)
    now = datetime.now(UTC)
    people, series, occasions, responses, answers = [], [], [], [], []
    response_id = _next_id(Response)
    occasion_id = _next_id(Occasion)
    participant_id = _next_id(Participant)
    participation_id = _next_id(Participation)
    for n in range(participations):
        start = date(2025, 1, 1) + timedelta(days=rng.randrange(365))
        exited = rng.random() < 0.8
        end = start + timedelta(days=rng.randrange(60, 400)) if exited else None
        people.append(
            {
                "id": participant_id,
                "forbund_id": forbund.id,
                "code": f"S{n:07d}",
                "gender": rng.choices(GENDERS, weights=[55, 40, 3, 2])[0],
                "birth_year": rng.randrange(1960, 2005),
                "created_at": now,
            }
        )
        series.append(
            {
                "id": participation_id,
                "participant_id": participant_id,
                "insats_id": insats_ids[n % insatser],
                "remittent": "af",
                "start_date": start,
                "exit_date": end,
                "status": "exited" if exited else "active",
                "created_at": now,
            }
        )
        level = rng.randrange(2, 8)
        for kind, due, bundle in (("start", start, START), ("exit", end, EXIT)):
            if due is None:
                continue
            occasions.append(
                {
                    "id": occasion_id,
                    "participation_id": participation_id,
                    "kind": kind,
                    "number": 0,
                    "due_date": due,
                    "created_at": now,
                }
            )
            for qid in bundle:
                definition = definitions[qid]
                responses.append(
                    {
                        "id": response_id,
                        "occasion_id": occasion_id,
                        "questionnaire_id": qid,
                        "questionnaire_version": definition.version,
                        "content_hash": definition.content_hash,
                        "status": "submitted",
                        "mode": "import",
                        "language": "sv",
                        "pages_saved": len(definition.pages),
                        "started_at": now,
                        "updated_at": now,
                        "submitted_at": now,
                    }
                )
                for item_id, value in _answers(
                    definition, rng, level + (2 if kind == "exit" else 0)
                ):
                    answers.append({"response_id": response_id, "item_id": item_id, "value": value})
                response_id += 1
            occasion_id += 1
        participant_id += 1
        participation_id += 1
    for model, rows in (
        (Participant, people),
        (Participation, series),
        (Occasion, occasions),
        (Response, responses),
        (Answer, answers),
    ):
        for i in range(0, len(rows), CHUNK):
            db.session.execute(sa.insert(model), rows[i : i + CHUNK])
    db.session.commit()
    return forbund.id


def _next_id(model: Any) -> int:
    return int(db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0))) or 0) + 1


def _answers(definition: Questionnaire, rng: random.Random, level: int) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for item in definition.items:
        if item.type == ItemType.SCALE:
            low, high = int(item.min or 1), int(item.max or 10)
            out.append((item.id, max(low, min(high, level + rng.randint(-2, 2)))))
        elif item.type == ItemType.VAS:
            out.append((item.id, max(0, min(100, level * 10 + rng.randint(-15, 15)))))
        elif item.type == ItemType.SINGLE_CHOICE:
            values = [c.value for c in item.choices]
            if definition.id.startswith("eq5d"):
                out.append((item.id, max(1, min(3, 4 - level // 3 + rng.choice([-1, 0, 0, 1])))))
            else:
                out.append((item.id, rng.choice(values)))
        elif item.type == ItemType.YES_NO:
            options, weights = ["nej", "ja"], [88, 8]
            if item.allow_decline:
                options, weights = [*options, "vill_inte_svara"], [*weights, 4]
            out.append((item.id, rng.choices(options, weights)[0]))
    return out
