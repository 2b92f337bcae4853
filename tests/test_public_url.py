"""Every link the service writes is on PUBLIC_URL; a forged Host is refused and a forged
X-Forwarded-Host never reaches a link page, a QR code, an e-mail, an SMS or the bulk links."""

from __future__ import annotations

import http.client
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from datetime import timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from typing import ClassVar

import pytest
import segno
from flask import Flask
from flask.testing import FlaskClient

from survey_app import create_app, sms
from survey_app.clock import today
from survey_app.config import ConfigError, Settings
from survey_app.extensions import db
from survey_app.followup import reminders
from survey_app.models import Occasion, Participation, RoleKind
from survey_app.models._types import utcnow
from survey_app.survey.links import create_invitation
from tests import factories
from tests.browser import live_server
from tests.conftest import login, make_settings
from tests.smtp_server import SETTINGS, Inbox, smtp_server, text_of
from tests.survey_helpers import COACH, Setup, make_setup, staff_client

PUBLIC = "https://enkat.example.org"
ADMIN = "chef@example.org"
# What a client (or a proxy passing it on) could send to steer the links elsewhere.
FORGED = {"X-Forwarded-Host": "evil.example", "X-Forwarded-Port": "8443"}


class Recorder:
    sent: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, _settings: Settings) -> None:
        pass

    def send(self, to: str, text: str) -> None:
        Recorder.sent.append((to, text))


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    return {**SETTINGS, "public_url": PUBLIC, "trusted_proxies": 1, "sms_gateway": "recorder"}


@pytest.fixture(autouse=True)
def gateway() -> Iterator[None]:
    sms.register("recorder", Recorder)
    Recorder.sent = []
    yield
    sms.GATEWAYS.pop("recorder", None)


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    with smtp_server() as received:
        yield received


@pytest.fixture
def setup(app: Flask) -> Setup:
    found = make_setup(app)
    with app.app_context():
        participation = db.session.get(Participation, found.participation_id)
        assert participation is not None
        factories.user(participation.insats.forbund, RoleKind.ADMIN, email=ADMIN)
        db.session.commit()
    return found


def _link_page(staff: FlaskClient, setup: Setup) -> tuple[str, str, int]:
    page = staff.post(
        f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/lank",
        headers=FORGED,
    ).get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    invitation_id = int(re.search(r"/lank/(\d+)/epost", page).group(1))  # type: ignore[union-attr]
    return page, token, invitation_id


def test_a_request_for_another_host_is_refused_before_anything_runs(
    app: Flask, setup: Setup
) -> None:
    client = app.test_client()
    for host in ("evil.example", "enkat.example.org.evil.example", "localhost"):
        response = client.get("/login", environ_overrides={"HTTP_HOST": host})
        assert response.status_code == 400, host
        assert "Fel adress" in response.get_data(as_text=True)
    # Even the right password with a forged host signs nobody in.
    refused = client.post(
        "/login",
        data={"email": COACH, "password": factories.PASSWORD},
        environ_overrides={"HTTP_HOST": "evil.example"},
    )
    assert refused.status_code == 400
    assert client.get("/").headers["Location"].startswith("/login")
    # The public host, with or without a port, is served.
    assert client.get("/login").status_code == 200
    ported = client.get("/login", environ_overrides={"HTTP_HOST": "enkat.example.org:443"})
    assert ported.status_code == 200


def test_the_link_page_and_its_qr_code_use_the_public_address(app: Flask, setup: Setup) -> None:
    page, token, _ = _link_page(staff_client(app), setup)
    expected = f"{PUBLIC}/l/{token}"
    assert f'id="link-url" type="text" readonly value="{expected}"' in page
    assert "evil" not in page and "8443" not in page
    # The QR code is exactly the one for the public link.
    qr = segno.make(expected, error="m").svg_inline(scale=5, title="QR-kod till länken")
    assert qr in page
    assert app.test_client().get(f"/l/{token}").status_code == 200


def test_a_forged_forwarded_host_never_reaches_an_email(
    app: Flask, setup: Setup, inbox: Inbox
) -> None:
    staff = staff_client(app)
    _, token, invitation_id = _link_page(staff, setup)
    sent = staff.post(
        f"/deltagande/{setup.participation_id}/lank/{invitation_id}/epost",
        data={"token": token, "email": "anna@example.org"},
        headers=FORGED,
    )
    assert "Skickat till anna@example.org" in sent.get_data(as_text=True)
    [(_, message)] = inbox.messages
    lines = text_of(message).splitlines()  # type: ignore[union-attr]
    assert f"{PUBLIC}/l/{token}" in lines
    assert "evil" not in message.as_string() and "localhost" not in message.as_string()


def test_a_forged_forwarded_host_never_reaches_an_sms(app: Flask, setup: Setup) -> None:
    staff = staff_client(app)
    _, token, invitation_id = _link_page(staff, setup)
    staff.post(
        f"/deltagande/{setup.participation_id}/lank/{invitation_id}/sms",
        data={"token": token, "phone": "070-123 45 67"},
        headers=FORGED,
    )
    [(_, text)] = Recorder.sent
    assert f"{PUBLIC}/l/{token}" in text and "evil" not in text


def test_bulk_links_and_the_email_preview_use_the_public_address(app: Flask, setup: Setup) -> None:
    with app.app_context():
        participation = db.session.get(Participation, setup.participation_id)
        assert participation is not None
        # A second participant, starting today: START due now.
        factories.participation(participation.insats, "A-2", start=today())
        db.session.commit()
        insats_id = participation.insats_id
    staff = staff_client(app)
    page = staff.post("/att-gora/lankar", data={"insats": str(insats_id)}, headers=FORGED).get_data(
        as_text=True
    )
    assert "A-2" in page
    links = re.findall(r"https?://[^\s\"<]+/l/[A-Za-z0-9_-]+", page)
    assert links
    assert all(link.startswith(f"{PUBLIC}/l/") for link in links), links
    assert "evil" not in page
    admin = app.test_client()
    login(admin, ADMIN, factories.PASSWORD)
    preview = admin.get("/admin/forbund", headers=FORGED).get_data(as_text=True)
    assert f"{PUBLIC}/l/exempel" in preview and "evil" not in preview


def test_reminder_links_use_the_public_address_outside_any_request(
    app: Flask, setup: Setup, inbox: Inbox
) -> None:
    with app.app_context():
        occasion = db.session.get(Occasion, setup.occasion_id)
        assert occasion is not None
        create_invitation(occasion, None)
        invitation = max(occasion.invitations, key=lambda i: i.id)
        invitation.email = "anna@example.org"
        invitation.sent_at = utcnow()
        db.session.commit()
        report = reminders.run(app.config["SETTINGS"], utcnow() + timedelta(days=8), dry_run=False)
        db.session.commit()
        assert report.sent == 1
    [(_, message)] = inbox.messages
    lines = text_of(message).splitlines()  # type: ignore[union-attr]
    assert any(re.fullmatch(rf"{re.escape(PUBLIC)}/l/[A-Za-z0-9_-]{{32}}", line) for line in lines)


# --- configuration -------------------------------------------------------------------------


def test_production_refuses_to_start_without_a_public_url(tmp_path: Path) -> None:
    env = {"SECRET_KEY": "x" * 40}
    with pytest.raises(ConfigError, match="PUBLIC_URL saknas"):
        Settings.from_env(env, instance_path=tmp_path)
    with pytest.raises(ConfigError, match="måste börja med https://"):
        Settings.from_env({**env, "PUBLIC_URL": "http://enkat.example.org"}, instance_path=tmp_path)
    with pytest.raises(ConfigError, match="sökväg"):
        Settings.from_env({**env, "PUBLIC_URL": "https://a.example/enkat"}, instance_path=tmp_path)
    settings = Settings.from_env({**env, "PUBLIC_URL": "https://Enkat.Example.org/"}, tmp_path)
    assert settings.public_url == "https://enkat.example.org"
    local = Settings.from_env({**env, "PUBLIC_URL": "http://127.0.0.1:5000"}, tmp_path)
    assert local.public_url == "http://127.0.0.1:5000"


def test_trusted_hosts_come_from_the_public_url(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'db'}"
    app = create_app(make_settings(database, public_url="https://enkat.example.org:8443"))
    assert app.config["TRUSTED_HOSTS"] == ["enkat.example.org"]
    local = create_app(make_settings(database, public_url="http://127.0.0.1:5000"))
    assert local.config["TRUSTED_HOSTS"] == ["127.0.0.1", "::1", "localhost"]
    # Tests without a PUBLIC_URL get the test client's address.
    assert create_app(make_settings(database)).config["TRUSTED_HOSTS"] == [
        "127.0.0.1",
        "::1",
        "localhost",
    ]


# --- a real server ---------------------------------------------------------------------------


def test_a_real_server_refuses_forged_hosts_and_mails_public_links(tmp_path: Path) -> None:
    with (
        smtp_server() as inbox,
        live_server(tmp_path / "db.sqlite3", trusted_proxies=1, **SETTINGS) as (app, url),
    ):
        setup = make_setup(app)
        port = int(url.rsplit(":", 1)[1])
        raw = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        raw.request("GET", "/login", headers={"Host": "evil.example"})
        response = raw.getresponse()
        assert response.status == 400 and b"Fel adress" in response.read()
        raw.close()

        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.addheaders = list(FORGED.items())

        def csrf(html: str) -> str:
            found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
            assert found is not None
            return found.group(1)

        def post(path: str, form: dict[str, str]) -> str:
            data = urllib.parse.urlencode(form).encode()
            with opener.open(url + path, data, timeout=10) as answer:
                return str(answer.read().decode())

        with opener.open(url + "/login", timeout=10) as page:
            token = csrf(page.read().decode())
        post("/login", {"csrf_token": token, "email": COACH, "password": factories.PASSWORD})
        with opener.open(f"{url}/deltagande/{setup.participation_id}", timeout=10) as page:
            token = csrf(page.read().decode())
        link_page = post(
            f"/deltagande/{setup.participation_id}/tillfalle/{setup.occasion_id}/lank",
            {"csrf_token": token},
        )
        link = re.search(r'id="link-url" type="text" readonly value="([^"]+)"', link_page)
        assert link is not None and link.group(1).startswith(f"{url}/l/")
        secret = re.search(r'name="token" type="hidden" value="([^"]+)"', link_page)
        invitation = re.search(r"/lank/(\d+)/epost", link_page)
        assert secret is not None and invitation is not None
        sent = post(
            f"/deltagande/{setup.participation_id}/lank/{invitation.group(1)}/epost",
            {"csrf_token": csrf(link_page), "token": secret.group(1), "email": "a@example.org"},
        )
        assert "Skickat till a@example.org" in sent
        [(_, message)] = inbox.messages
        body = text_of(message)
        assert f"{url}/l/{secret.group(1)}" in body.splitlines() and "evil" not in body
