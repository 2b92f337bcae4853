"""Server time of the staff pages that grow with the number of participants.

An insats with 300 participations (START answered for most, EXIT for some) in a fresh SQLite
database; the participant list and the start page are requested repeatedly through the test
client and the median is reported. Also the cost of one login (argon2id verification).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from survey_app import create_app
from survey_app.admin.services import InsatsData, create_staff_account, save_insats
from survey_app.config import Settings
from survey_app.extensions import db
from survey_app.models import (
    Forbund,
    Gender,
    Remittent,
    Response,
    ResponseMode,
    ResponseStatus,
    RoleKind,
)
from survey_app.models._types import utcnow
from survey_app.staff.services import NewParticipant, register_participant

PARTICIPANTS = 300
REPEATS = 30
PASSWORD = "quiet lamp over seven rivers"


def _median_ms(action: Callable[[], object], repeats: int = REPEATS) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            secret_key="benchmark-secret-key-0123456789",
            database_url=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            testing=True,
            csrf_enabled=False,
            cookie_secure=False,
            # The benchmark signs in repeatedly on purpose; successful sign-ins are never
            # throttled, so no limits need lifting.
        )
        app = create_app(settings)
        with app.app_context():
            db.create_all()
            forbund = Forbund(name="Benchmark")
            db.session.add(forbund)
            db.session.flush()
            insats = save_insats(
                forbund,
                InsatsData("Bench", date(2024, 1, 1), None, 6, {"start": ["sjalvskattning"]}),
            )
            create_staff_account(
                forbund,
                "bench@example.org",
                PASSWORD,
                RoleKind.STAFF,
                [insats.id],
                must_change_password=False,
            )
            for n in range(PARTICIPANTS):
                participation = register_participant(
                    insats,
                    NewParticipant(
                        f"B-{n:05d}",
                        Gender.WOMAN,
                        1980,
                        Remittent.AF,
                        date(2025, 1, 1) + timedelta(days=n),
                    ),
                )
                if n % 5:
                    db.session.add(
                        Response(
                            occasion=participation.occasions[0],
                            questionnaire_id="sjalvskattning",
                            questionnaire_version="1",
                            content_hash="0" * 64,
                            status=ResponseStatus.SUBMITTED,
                            mode=ResponseMode.KIOSK,
                            submitted_at=utcnow(),
                        )
                    )
            db.session.commit()
            insats_id = insats.id

        # A fresh client each time, so every round really verifies the password.
        login_ms = _median_ms(
            lambda: app.test_client().post(
                "/login", data={"email": "bench@example.org", "password": PASSWORD}
            ),
            repeats=10,
        )
        client = app.test_client()
        client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
        list_ms = _median_ms(lambda: client.get(f"/insatser/{insats_id}"))
        home_ms = _median_ms(lambda: client.get("/"))
        page = client.get(f"/insatser/{insats_id}")
        assert page.status_code == 200 and b"B-00299" in page.data
        print(f"login (argon2id verify + session), median of 10: {login_ms:.1f} ms")
        print(
            f"participant list, {PARTICIPANTS} participants, median of {REPEATS}: {list_ms:.1f} ms"
        )
        print(f"start page (insatser with counts), median of {REPEATS}: {home_ms:.1f} ms")
        print(f"participant list size: {len(page.data) / 1024:.0f} KB")
        with app.app_context():
            db.engine.dispose()
