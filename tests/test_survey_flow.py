"""A participant's way through a bundle over HTTP: links, pages, resume, submit, tablet mode."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.models import (
    Answer,
    AuditEvent,
    Invitation,
    QuestionnaireSnapshot,
    Response,
    ResponseMode,
    ResponseStatus,
)
from survey_app.models._types import utcnow
from tests.survey_helpers import (
    OTHER_COACH,
    PAGES,
    Setup,
    answer_all,
    create_link,
    make_setup,
    staff_client,
)

LINK_BROKEN = "Länken kan inte användas längre"


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _responses(app: Flask) -> list[tuple[str, ResponseStatus, ResponseMode, int]]:
    with app.app_context():
        return [
            (r.questionnaire_id, r.status, r.mode, len(r.answers))
            for r in db.session.scalars(sa.select(Response).order_by(Response.questionnaire_id))
        ]


def test_whole_bundle_through_a_personal_link(app: Flask, setup: Setup) -> None:
    path = create_link(staff_client(app), setup)
    participant = app.test_client()
    opened = participant.get(path)
    assert opened.status_code == 200  # the intro itself: see open_link on SameSite
    assert "Hur har du det just nu?" in opened.get_data(as_text=True)
    intro = participant.get("/svar").get_data(as_text=True)
    assert "Hur har du det just nu?" in intro and "9 sidor" in intro

    first = participant.get("/svar/sida/1")
    assert "Sida 1 av 9" in first.get_data(as_text=True)
    answer_all(participant)
    assert participant.get("/svar/skicka").status_code == 200
    sent = participant.post("/svar/skicka")
    assert sent.headers["Location"] == "/svar/tack"
    assert "Tack för dina svar!" in participant.get("/svar/tack").get_data(as_text=True)

    # 10 self-assessment answers, 5 EQ-5D dimensions and the VAS.
    assert _responses(app) == [
        ("eq5d-3l", ResponseStatus.SUBMITTED, ResponseMode.LINK, 6),
        ("sjalvskattning", ResponseStatus.SUBMITTED, ResponseMode.LINK, 10),
    ]
    with app.app_context():
        answers = dict(
            db.session.execute(
                sa.select(Answer.item_id, Answer.value).where(
                    Answer.item_id.in_(["AD", "VAS", "hope"])
                )
            )
            .tuples()
            .all()
        )
        assert answers == {"AD": 3, "VAS": 65, "hope": 8}
        invitation = db.session.scalars(sa.select(Invitation)).one()
        assert invitation.used_at is not None
        token = path.removeprefix("/l/")
        assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert len(token) >= 32  # at least 24 random bytes, base64url
        assert db.session.scalar(
            sa.select(AuditEvent.action).where(AuditEvent.action == "responses_submitted")
        )


def test_a_double_submit_stores_one_response_and_the_link_then_refuses(
    app: Flask, setup: Setup
) -> None:
    path = create_link(staff_client(app), setup)
    participant = app.test_client()
    participant.get(path)
    answer_all(participant)
    assert participant.post("/svar/skicka").headers["Location"] == "/svar/tack"
    again = participant.post("/svar/skicka")
    assert again.status_code == 302 and again.headers["Location"] == "/svar/tack"
    assert len(_responses(app)) == 2
    # The used link, in this browser or another, opens nothing and shows no answers.
    for client in (participant, app.test_client()):
        refused = client.get(path)
        assert refused.status_code == 404
        assert LINK_BROKEN in refused.get_data(as_text=True)
        # True for a used link as for every other: what was sent is kept.
        assert "Svar som du redan har skickat in är sparade." in refused.get_data(as_text=True)
    unknown = app.test_client().get("/l/" + "x" * 32).get_data(as_text=True)
    assert unknown == refused.get_data(as_text=True)  # the same page for an unknown link
    assert participant.get("/svar/sida/1").status_code == 302


def test_back_shows_saved_answers_and_an_answer_can_be_changed(app: Flask, setup: Setup) -> None:
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    participant.post("/svar/sida/1", data=PAGES[0])
    participant.post("/svar/sida/2", data=PAGES[1])
    back = participant.get("/svar/sida/1").get_data(as_text=True)
    checked = re.findall(r'<input checked id="[^"]+" name="(item_\w+)"[^>]* value="(\d+)"', back)
    assert checked == [
        ("item_general_health", "5"),
        ("item_mental_health", "6"),
        ("item_physical_health", "7"),
    ]
    participant.post("/svar/sida/1", data={**PAGES[0], "item_general_health": "9"})
    with app.app_context():
        value = db.session.scalar(sa.select(Answer.value).where(Answer.item_id == "general_health"))
        assert value == 9


def test_an_interrupted_participant_resumes_where_they_stopped(app: Flask, setup: Setup) -> None:
    path = create_link(staff_client(app), setup)
    phone = app.test_client()
    phone.get(path)
    for number in (1, 2, 3):
        phone.post(f"/svar/sida/{number}", data=PAGES[number - 1])
    # Later, the same link in a new browser session.
    later = app.test_client()
    assert later.get(path).status_code == 200
    intro = later.get("/svar").get_data(as_text=True)
    assert "Fortsätt där du slutade" in intro
    assert 'href="/svar/sida/4"' in intro
    skipped = later.get("/svar/sida/5")
    assert skipped.headers["Location"] == "/svar/sida/4"


def test_a_page_posted_out_of_order_is_not_stored(app: Flask, setup: Setup) -> None:
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    response = participant.post("/svar/sida/3", data=PAGES[2])
    assert response.headers["Location"] == "/svar/sida/1"
    assert _responses(app) == []


def test_submit_before_the_last_page_is_refused(app: Flask, setup: Setup) -> None:
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    participant.post("/svar/sida/1", data=PAGES[0])
    assert participant.post("/svar/skicka").headers["Location"] == "/svar"
    assert all(status == ResponseStatus.IN_PROGRESS for _, status, _, _ in _responses(app))


def test_missing_and_tampered_answers_get_messages_and_nothing_is_stored(
    app: Flask, setup: Setup
) -> None:
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    missing = participant.post("/svar/sida/1", data={"item_general_health": "5"})
    assert missing.status_code == 200
    text = missing.get_data(as_text=True)
    # A summary linking to each field with a problem, "Fel:" in the title, and messages next to
    # the questions that say what to do.
    assert "<title>Fel: " in text and 'class="error-summary" role="alert"' in text
    assert 'href="#item_mental_health-0">Hur mår du psykiskt? – Välj en siffra' in text
    assert 'href="#item_physical_health-0"' in text and 'href="#item_general_health-0"' not in text
    assert text.count('<p class="error"') == 2
    assert text.count("Välj en siffra från 1 till 10.") == 4  # by the fields and in the summary
    tampered = participant.post("/svar/sida/1", data={**PAGES[0], "item_mental_health": "11"})
    assert "Inte ett giltigt val" in tampered.get_data(as_text=True)
    foreign = participant.post("/svar/sida/1", data={**PAGES[0], "item_VAS": "50"})
    assert "inte finns på den här sidan" in foreign.get_data(as_text=True)
    assert _responses(app) == []


@pytest.mark.parametrize("case", ["unknown", "expired", "revoked", "used"])
def test_every_unusable_link_gets_the_same_calm_page(app: Flask, setup: Setup, case: str) -> None:
    path = create_link(staff_client(app), setup)
    with app.app_context():
        invitation = db.session.scalars(sa.select(Invitation)).one()
        if case == "expired":
            invitation.expires_at = utcnow() - timedelta(seconds=1)
        elif case == "revoked":
            invitation.revoked_at = utcnow()
        elif case == "used":
            invitation.used_at = utcnow()
        db.session.commit()
    target = "/l/not-a-real-token-but-long-enough" if case == "unknown" else path
    response = app.test_client().get(target)
    reference = app.test_client().get("/l/another-unknown-token")
    assert response.status_code == reference.status_code == 404
    assert response.get_data(as_text=True) == reference.get_data(as_text=True)

    def headers(r: object) -> dict[str, str]:
        return {k: v for k, v in r.headers.items() if k != "Date"}  # type: ignore[attr-defined]

    assert headers(response) == headers(reference)


def test_a_token_is_looked_up_by_its_hash_only(app: Flask, setup: Setup) -> None:
    """The database sees only the token's SHA-256, so how much of a guess matches a real
    token's beginning changes nothing in the look-up (no timing to learn from)."""
    path = create_link(staff_client(app), setup)
    token = path.removeprefix("/l/")
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, params: object, *_: object) -> None:
        seen.append(f"{statement} {params}")

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        for guess in (token[:-1] + ("A" if token[-1] != "A" else "B"), "x" * len(token), token):
            app.test_client().get("/l/" + guess)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    lookups = [s for s in seen if "token_hash" in s and "FROM invitation" in s]
    assert len(lookups) >= 3
    assert not any(token[:10] in s for s in seen), "the raw token never reaches the database"
    assert any(hashlib.sha256(token.encode()).hexdigest() in s for s in lookups)


def test_links_expire_after_the_forbunds_number_of_days(app: Flask, setup: Setup) -> None:
    create_link(staff_client(app), setup)
    with app.app_context():
        invitation = db.session.scalars(sa.select(Invitation)).one()
        days = (invitation.expires_at - invitation.created_at).days
        assert days == 30


def test_a_new_link_revokes_the_old_and_staff_can_revoke(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    old = create_link(staff, setup)
    new = create_link(staff, setup)
    assert app.test_client().get(old).status_code == 404
    participant = app.test_client()
    assert participant.get(new).status_code == 200
    participant.post("/svar/sida/1", data=PAGES[0])
    with app.app_context():
        active = db.session.scalars(
            sa.select(Invitation).where(Invitation.revoked_at.is_(None))
        ).one()
        invitation_id = active.id
    revoked = staff.post(f"/deltagande/{setup.participation_id}/lank/{invitation_id}/aterkalla")
    assert revoked.status_code == 302
    # The participant who is half-way is stopped at the next page.
    stopped = participant.get("/svar/sida/2")
    assert stopped.status_code == 404 and LINK_BROKEN in stopped.get_data(as_text=True)


def test_staff_of_another_insats_cannot_touch_links(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    create_link(staff, setup)
    with app.app_context():
        invitation_id = db.session.scalars(sa.select(Invitation.id)).one()
    other = staff_client(app, OTHER_COACH)
    base = f"/deltagande/{setup.participation_id}"
    assert other.get(base).status_code == 404
    assert other.post(f"{base}/tillfalle/{setup.occasion_id}/lank").status_code == 404
    assert other.post(f"{base}/lank/{invitation_id}/aterkalla").status_code == 404
    assert other.post(f"{base}/tillfalle/{setup.occasion_id}/surfplatta").status_code == 404
    # Through their own participant's URL they cannot reach another participation's link either.
    own = f"/deltagande/{setup.other_participation_id}"
    assert other.post(f"{own}/lank/{invitation_id}/aterkalla").status_code == 404
    assert other.post(f"{own}/tillfalle/{setup.occasion_id}/lank").status_code == 404
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 1
        assert db.session.scalars(sa.select(Invitation.revoked_at)).one() is None


def test_participant_pages_send_no_referrer_and_the_token_is_not_logged(
    app: Flask, setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    path = create_link(staff_client(app), setup)
    participant = app.test_client()
    with caplog.at_level(logging.DEBUG):
        opened = participant.get(path)
        page = participant.get("/svar/sida/1")
    assert opened.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    token = path.removeprefix("/l/")
    assert all(token not in record.getMessage() for record in caplog.records)


def test_tablet_mode_signs_staff_out_and_locks_after_submit(app: Flask, setup: Setup) -> None:
    tablet = staff_client(app)
    started = tablet.post(
        f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/surfplatta"
    )
    assert started.headers["Location"] == "/svar"
    # No way back into the staff interface without signing in again.
    assert tablet.get("/").headers["Location"].startswith("/login")
    assert tablet.get(f"/deltagande/{setup.participation_id}").status_code == 302
    answer_all(tablet)
    assert tablet.post("/svar/skicka").headers["Location"] == "/svar/tack"
    thanks = tablet.get("/svar/tack").get_data(as_text=True)
    assert "Lämna tillbaka surfplattan" in thanks
    # Back to any questionnaire page shows the locked start page, never the answers.
    for path in ("/svar", "/svar/sida/1", "/svar/sida/5", "/svar/skicka"):
        response = tablet.get(path)
        assert response.headers["Location"] == "/surfplatta", path
    locked = tablet.get("/surfplatta").get_data(as_text=True)
    assert "Personal: logga in" in locked and "65" not in locked
    assert {mode for _, _, mode, _ in _responses(app)} == {ResponseMode.KIOSK}


def test_an_idle_tablet_locks(app: Flask, setup: Setup) -> None:
    tablet = staff_client(app)
    tablet.post(f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/surfplatta")
    tablet.post("/svar/sida/1", data=PAGES[0])
    with tablet.session_transaction() as session:
        session["survey"] = {**session["survey"], "seen": time.time() - 11 * 60}
    assert tablet.get("/svar/sida/2").headers["Location"] == "/surfplatta"
    assert tablet.get("/svar/sida/1").headers["Location"] == "/surfplatta"
    # What was answered before the tablet locked is kept, still in progress.
    assert _responses(app) == [
        ("sjalvskattning", ResponseStatus.IN_PROGRESS, ResponseMode.KIOSK, 3)
    ]


def test_staff_enter_paper_answers_in_staff_mode(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    base = f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}"
    assert staff.post(f"{base}/mata-in/deltagare").headers["Location"] == "/svar"
    answer_all(staff)
    done = staff.post("/svar/skicka")
    assert done.headers["Location"] == f"/deltagande/{setup.participation_id}"
    page = staff.get(f"/deltagande/{setup.participation_id}").get_data(as_text=True)
    assert "Inskickad" in page
    assert {mode for _, _, mode, _ in _responses(app)} == {ResponseMode.STAFF}


def test_staff_mode_ends_when_staff_sign_out(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    staff.post(
        f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/mata-in/deltagare"
    )
    staff.post("/logout")
    assert staff.get("/svar/sida/1").status_code in (302, 404)
    assert _responses(app) == []


def test_a_changed_file_does_not_change_an_answer_in_progress(app: Flask, setup: Setup) -> None:
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    participant.post("/svar/sida/1", data=PAGES[0])
    registry = app.extensions["questionnaires"]
    original = registry.get("sjalvskattning")
    # A new version of the file arrives while the participant is half-way.
    from survey_app.questionnaires import parse_definition

    changed_source = original.source.replace(
        f'version: "{original.version}"', 'version: "99"'
    ).replace("Hur mår du psykiskt?", "Hur mår du psykiskt nu?")
    registry.by_id["sjalvskattning"] = parse_definition(changed_source, "sjalvskattning.yaml")
    registry.by_hash.pop(original.content_hash)  # as after a restart with the new file
    page = participant.get("/svar/sida/1").get_data(as_text=True)
    assert "Hur mår du psykiskt?" in page
    answer_all(participant)
    participant.post("/svar/skicka")
    with app.app_context():
        response = db.session.scalar(
            sa.select(Response).where(Response.questionnaire_id == "sjalvskattning")
        )
        assert response is not None
        assert (response.questionnaire_version, response.content_hash) == (
            original.version,
            original.content_hash,
        )
        snapshot = db.session.scalar(
            sa.select(QuestionnaireSnapshot).where(
                QuestionnaireSnapshot.content_hash == original.content_hash
            )
        )
        assert snapshot is not None and snapshot.source == original.source


def test_access_logs_show_no_link_token(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """The real server's access log line for a personal link hides the token."""
    import urllib.error
    import urllib.request

    from tests.browser import live_server

    with live_server(tmp_path / "log.sqlite3", csrf_enabled=False) as (app, url):
        setup = make_setup(app)
        path = create_link(staff_client(app), setup)
        # urllib follows the redirect without the session cookie, which then gets a 404.
        with (
            caplog.at_level(logging.INFO, logger="werkzeug"),
            contextlib.suppress(urllib.error.HTTPError),
        ):
            urllib.request.urlopen(url + path, timeout=10).close()  # noqa: S310 (127.0.0.1)
    token = path.removeprefix("/l/")
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/l/[dold]" in line for line in lines), lines
    assert all(token not in line for line in lines)


def test_staff_can_print_a_paper_version(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    page = staff.get(f"/deltagande/{setup.participation_id}").get_data(as_text=True)
    assert "/formular/sjalvskattning/utskrift" in page
    paper = staff.get("/formular/sjalvskattning/utskrift").get_data(as_text=True)
    assert "Hur mår du i allmänhet?" in paper and "Hur nära känner du dig ett arbete" in paper
    assert staff.get("/formular/no-such/utskrift").status_code == 404
    assert app.test_client().get("/formular/sjalvskattning/utskrift").status_code == 302


def test_a_page_with_a_stale_csrf_token_gets_a_calm_message(tmp_path: Path) -> None:
    from survey_app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(f"sqlite:///{tmp_path / 'csrf.sqlite3'}", csrf_enabled=True))
    with app.app_context():
        db.create_all()
    setup = make_setup(app)
    with app.app_context():  # create the link directly: the staff form needs a token too
        from survey_app.models import Occasion, StaffUser
        from survey_app.survey.links import create_invitation

        occasion = db.session.get(Occasion, setup.occasion_id)
        staff = db.session.scalars(sa.select(StaffUser)).first()
        assert occasion is not None and staff is not None
        token = create_invitation(occasion, staff)
        db.session.commit()
    participant = app.test_client()
    participant.get(f"/l/{token}")
    response = participant.post("/svar/sida/1", data={**PAGES[0], "csrf_token": "stale"})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Sidan behöver laddas om" in text and 'href="/svar"' in text
    assert _responses(app) == []
    with app.app_context():
        db.engine.dispose()


def test_flask_questionnaires_check(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    good = runner.invoke(args=["questionnaires", "check"])
    assert good.exit_code == 0, good.output
    assert "OK   valdsenkat.yaml" in good.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "id: broken\nversion: 1\ntitle: {sv: X}\npages:\n  - items:\n"
        "      - {id: a, type: scal, text: {sv: A}}\n"
    )
    bad = runner.invoke(args=["questionnaires", "check", str(broken)])
    assert bad.exit_code == 1
    assert "FEL  broken.yaml, rad 6, pages[0].items[0].type" in bad.output
    assert "'scal' är inte tillåtet" in bad.output
