"""Sending a personal link by e-mail, through a real SMTP server on 127.0.0.1 (aiosmtpd)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app import mail
from survey_app.clock import today
from survey_app.extensions import db
from survey_app.models import AuditEvent, Forbund, Invitation
from tests.smtp_server import SETTINGS, Inbox, html_of, smtp_server, text_of
from tests.survey_helpers import Setup, make_setup, staff_client


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return dict(SETTINGS)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as received:
        yield received


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _new_link(staff: FlaskClient, setup: Setup) -> tuple[str, str, int]:
    """Create a link on the staff page: (token, page html, invitation id)."""
    page = staff.post(
        f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/lank"
    ).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    invitation_id = int(re.search(r"/lank/(\d+)/(?:epost|sms)", page).group(1))  # type: ignore[union-attr]
    return token, page, invitation_id


def test_staff_send_the_link_by_email_and_it_works(app: Flask, setup: Setup, inbox: Inbox) -> None:
    staff = staff_client(app)
    token, _, invitation_id = _new_link(staff, setup)
    sent = staff.post(
        f"/deltagande/{setup.participation_id}/lank/{invitation_id}/epost",
        data={"token": token, "email": "anna@example.org", "first_name": "Anna"},
    )
    assert "Skickat till anna@example.org" in sent.get_data(as_text=True)
    assert len(inbox.messages) == 1
    recipients, message = inbox.messages[0]
    assert recipients == ["anna@example.org"]
    assert message["From"] == "noreply@forbund.example"
    assert message["To"] == "anna@example.org"
    # Date and Message-ID headers (email.utils), the id on the sender's own domain.
    sent_at = parsedate_to_datetime(message["Date"])
    assert abs((sent_at - datetime.now(UTC)).total_seconds()) < 60
    assert re.fullmatch(r"<[^@<>\s]+@forbund\.example>", message["Message-ID"])
    assert message.get_content_type() == "multipart/alternative"
    body = text_of(message)
    assert body.startswith("Hej Anna!\n")
    assert "  " not in body, "no double spaces"
    link = re.search(r"http://localhost(/l/\S+)", body).group(1)  # type: ignore[union-attr]
    assert link == f"/l/{token}"
    # The same text as HTML, with the link clickable.
    assert f'<a href="http://localhost/l/{token}">' in html_of(message)
    # The last day in the message is the one the link page states.
    page = staff.get(f"/deltagande/{setup.participation_id}").get_data(as_text=True)
    last = re.search(r"gäller till och med (\d{4}-\d{2}-\d{2})", page).group(1)  # type: ignore[union-attr]
    assert f"Länken gäller till och med {last}." in body
    assert "A-1" not in body  # no participant code, nothing but the first name
    assert app.test_client().get(link).status_code == 200  # the link in the message works
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.sent_at is not None
        assert "anna@example.org" not in str(
            db.session.execute(sa.select(AuditEvent.details)).all()
        ), "the address is not kept, not even in the log"
    assert "Skickad " in page


def test_a_bad_address_is_refused_and_nothing_is_sent(
    app: Flask, setup: Setup, inbox: Inbox
) -> None:
    staff = staff_client(app)
    token, _, invitation_id = _new_link(staff, setup)
    refused = staff.post(
        f"/deltagande/{setup.participation_id}/lank/{invitation_id}/epost",
        data={"token": token, "email": "anna(at)example"},
    )
    assert "Det ser inte ut som en e-postadress" in refused.get_data(as_text=True)
    assert inbox.messages == []


def test_smtp_down_leaves_it_unsent_with_the_reason_and_a_retry_works(
    app: Flask, setup: Setup
) -> None:
    staff = staff_client(app)
    token, _, invitation_id = _new_link(staff, setup)
    path = f"/deltagande/{setup.participation_id}/lank/{invitation_id}/epost"
    data = {"token": token, "email": "anna@example.org"}
    failed = staff.post(path, data=data).get_data(as_text=True)  # nobody listens on PORT
    assert "Inte skickat: Kunde inte nå e-postservern" in failed
    with app.app_context():
        invitation = db.session.get(Invitation, invitation_id)
        assert invitation is not None and invitation.sent_at is None
        assert invitation.send_error and "nå e-postservern" in invitation.send_error
    assert "Inte skickad" in staff.get(f"/deltagande/{setup.participation_id}").get_data(
        as_text=True
    )
    with smtp_server() as handler:
        assert "Skickat till" in staff.post(path, data=data).get_data(as_text=True)
    assert len(handler.messages) == 1


def test_only_the_links_own_token_can_be_sent(app: Flask, setup: Setup, inbox: Inbox) -> None:
    staff = staff_client(app)
    _, _, invitation_id = _new_link(staff, setup)
    forged = staff.post(
        f"/deltagande/{setup.participation_id}/lank/{invitation_id}/epost",
        data={"token": "A" * 32, "email": "anna@example.org"},
    )
    assert forged.status_code == 302
    assert inbox.messages == []


def test_the_forbund_edits_the_message_and_sees_a_preview(app: Flask) -> None:
    from survey_app.models import RoleKind
    from tests import factories
    from tests.conftest import login

    with app.app_context():
        owner = factories.forbund("Skaraborg")
        factories.user(owner, RoleKind.ADMIN, email="admin@example.org")
        db.session.commit()
    admin = app.test_client()
    login(admin, "admin@example.org", factories.PASSWORD)
    page = admin.get("/admin/forbund").get_data(as_text=True)
    assert "Hej Anna!" in page and "/l/exempel" in page  # the default text, previewed
    # The box starts with the default text, not empty, and the preview's last day is that of a
    # link made today with the förbund's 30 days.
    box = page.split('name="email_template"', 1)[1].split("</textarea>", 1)[0]
    assert "Hej {fornamn}!" in box and "{lank}" in box
    last = (today() + timedelta(days=29)).isoformat()
    assert f"Länken gäller till och med {last}." in page
    assert "Ämne:</strong> Din länk till frågorna från Skaraborg" in page
    form = {
        "link_expiry_days": "30",
        "min_group_size": "5",
        "option_eq5d_3l_value_set": "se_tto_3l",
        "option_eq5d_5l_value_set": "se_5l_2022",
        "support_contacts": "",
        "retention_months": "60",
        "email_template": "Hej{fornamn}, här är länken: {lank}",
    }
    assert admin.post("/admin/forbund", data=form).status_code == 302
    with app.app_context():
        assert (
            db.session.scalars(sa.select(Forbund)).one().email_template.startswith("Hej{fornamn}")
        )
    without_link = admin.post("/admin/forbund", data={**form, "email_template": "Hej!"})
    assert "måste innehålla {lank}" in without_link.get_data(as_text=True)
    # Saving the default text as it stands (a browser sends CRLF) keeps "the default".
    default = mail.DEFAULT_TEMPLATE.replace("\n", "\r\n")
    assert admin.post("/admin/forbund", data={**form, "email_template": default}).status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(Forbund)).one().email_template == ""


@pytest.mark.parametrize(
    ("template", "name", "greeting"),
    [
        ("Hej {fornamn}!\n\n{lank}", "Anna", "Hej Anna!"),
        ("Hej {fornamn}!\n\n{lank}", "", "Hej!"),
        ("Hej{fornamn}!\n\n{lank}", "Anna", "Hej Anna!"),  # as the earlier default had it
        ("Hej{fornamn}!\n\n{lank}", "", "Hej!"),
        ("Hej {fornamn} och välkommen!\n\n{lank}", "Anna", "Hej Anna och välkommen!"),
        ("Hej {fornamn} och välkommen!\n\n{lank}", "", "Hej och välkommen!"),
        ("Hej {fornamn}, här är länken.\n\n{lank}", "  Anna  Maria ", "Hej Anna Maria, här"),
        ("{fornamn}!\n\n{lank}", "Anna", "Anna!"),
    ],
)
def test_the_first_name_never_brings_a_double_space(
    template: str, name: str, greeting: str
) -> None:
    subject, body = mail.render(
        template, forbund="Skaraborg", link="https://x/l/t", last_day="2026-03-30", first_name=name
    )
    assert body.startswith(greeting)
    assert "  " not in body and " !" not in body and " ," not in body
    assert subject == "Din länk till frågorna från Skaraborg"


def test_a_message_is_plain_text_with_an_html_alternative() -> None:
    from survey_app.config import Settings
    from tests.conftest import make_settings

    settings: Settings = make_settings("sqlite://", **SETTINGS)
    _, body = mail.render(
        "", forbund="Skaraborg & co", link="https://e.example/l/a_b-c", last_day="2026-03-30"
    )
    message = mail.build(settings, mail.Letter("anna@example.org", "Ämne", body))
    assert message["Date"] and message["Message-ID"].endswith("@forbund.example>")
    html_part = message.get_body(preferencelist=("html",))
    assert html_part is not None
    html = str(html_part.get_content())  # type: ignore[attr-defined]
    assert '<a href="https://e.example/l/a_b-c">https://e.example/l/a_b-c</a>' in html
    assert "Skaraborg &amp; co" in html and "<p>Hej!</p>" in html
