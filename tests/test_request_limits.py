"""Request size limits: a calm Swedish 413 before anything is read or stored, and uploads read
row by row up to a row limit. The last tests send 100 MB to a real gunicorn."""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.cookiejar import CookieJar
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from survey_app import create_app
from survey_app.extensions import db
from survey_app.imports import answers
from survey_app.models import Participant, Response, RoleKind
from survey_app.request_guard import FORM_BODY_LIMIT
from tests import factories
from tests.conftest import TEST_SECRET, login, make_settings

ROOT = Path(__file__).resolve().parent.parent
STAFF = "coach@example.org"
ADMIN = "chef@example.org"
MB = 1024 * 1024
REGISTRATION_HEADER = "code,gender,birth_year,remittent,start_date\n"
IMPORT_HEADER = (
    "forbund,insats,participant,gender,birth_year,occasion,date,questionnaire,item,value\n"
)


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    # Small limits keep the in-process tests quick; the real-server tests use the defaults.
    return {"max_upload_mb": 1, "import_max_rows": 100}


@pytest.fixture
def insats_id(app: Flask) -> int:
    with app.app_context():
        owner = factories.forbund("Skaraborg")
        mine = factories.insats(owner, "Hälsoskolan")
        factories.user(owner, RoleKind.STAFF, [mine], email=STAFF)
        factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        db.session.commit()
        return mine.id


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0


def _upload(client: FlaskClient, url: str, content: bytes) -> tuple[int, str]:
    # The body is encoded here: the test client would spool a large one to a temporary file
    # that it leaves open when the app answers without reading it.
    body = (
        b'--B\r\nContent-Disposition: form-data; name="file"; filename="fil.csv"\r\n'
        b"Content-Type: text/csv\r\n\r\n" + content + b"\r\n--B--\r\n"
    )
    response = client.post(url, data=body, content_type="multipart/form-data; boundary=B")
    return response.status_code, response.get_data(as_text=True)


def test_an_oversized_form_gets_a_calm_swedish_413_before_sign_in(client: FlaskClient) -> None:
    body = b"email=a%40b.se&password=" + b"x" * (FORM_BODY_LIMIT + 1)
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "<h1>För stort för att ta emot</h1>" in page
    assert "ingenting av det har sparats" in page
    assert "Största storlek här: 1 MB." in page


def test_a_form_of_too_many_parts_is_refused(client: FlaskClient) -> None:
    # 1,001 multipart fields (Werkzeug's MAX_FORM_PARTS is 1,000), a few kB in all. An
    # urlencoded body has no parts to count: the 1 MB body limit is what bounds it.
    response = client.post(
        "/login",
        data={f"f{n}": "1" for n in range(1001)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    below = client.post(
        "/login", data={f"f{n}": "1" for n in range(900)}, content_type="multipart/form-data"
    )
    assert below.status_code == 200


def test_a_file_over_the_upload_limit_is_refused_and_nothing_is_stored(
    app: Flask, client: FlaskClient, insats_id: int
) -> None:
    login(client, STAFF, factories.PASSWORD)
    row = "GV-{:06d},kvinna,1980,af,2026-03-02\n"
    # Valid rows, 1.2 MB in all: only the size is wrong (the limit here is 1 MB).
    content = (REGISTRATION_HEADER + "".join(row.format(n) for n in range(34_000))).encode()
    assert 1.1 * MB < len(content) < 1.3 * MB
    status, page = _upload(client, f"/insatser/{insats_id}/deltagare/import", content)
    assert status == 413
    assert "Största storlek här: 1 MB." in page
    assert _count(app, Participant) == 0


def test_a_file_under_the_upload_limit_passes_the_size_check(
    app: Flask, client: FlaskClient, insats_id: int
) -> None:
    # The same limit, the other side of it: 2 rows pass and are registered.
    login(client, STAFF, factories.PASSWORD)
    content = REGISTRATION_HEADER + "A-1,kvinna,1980,af,2026-03-02\nA-2,man,,fk,2026-03-02\n"
    response = client.post(
        f"/insatser/{insats_id}/deltagare/import",
        data={"file": (io.BytesIO(content.encode()), "fil.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert _count(app, Participant) == 2


def test_registration_stops_reading_at_the_row_limit(
    app: Flask, client: FlaskClient, insats_id: int
) -> None:
    login(client, STAFF, factories.PASSWORD)
    rows = [f"R-{n:05d},kvinna,1980,af,2026-03-02\n" for n in range(5000)]
    # Line 5002 is the 5,001st row, one too many; line 5003 is broken, and is never read.
    rows += ["R-99999,kvinna,1980,af,2026-03-02\n", "trasig\n"]
    status, page = _upload(
        client,
        f"/insatser/{insats_id}/deltagare/import",
        (REGISTRATION_HEADER + "".join(rows)).encode(),
    )
    assert status == 200
    assert "rad 5002, hela filen: högst 5000 rader per fil" in page
    assert "rad 5003" not in page
    assert "(1 fel)" in page
    assert _count(app, Participant) == 0


def test_web_import_stops_reading_at_its_row_limit(
    app: Flask, client: FlaskClient, insats_id: int
) -> None:
    login(client, ADMIN, factories.PASSWORD)
    row = "Skaraborg,Hälsoskolan,P-{n},kvinna,1980,start,2026-01-10,eq5d-3l,MO,1\n"
    # import_max_rows is 100 here: line 102 is the 101st row.
    content = IMPORT_HEADER + "".join(row.format(n=n) for n in range(101)) + "trasig\n"
    status, page = _upload(client, "/admin/import", content.encode())
    assert status == 200
    assert "rad 102, kolumn (fil): högst 100 rader per fil här" in page
    assert "rad 103" not in page
    assert _count(app, Response) == 0 and _count(app, Participant) == 0


def test_an_unreadable_csv_row_is_reported_not_a_server_error(
    app: Flask, client: FlaskClient, insats_id: int
) -> None:
    login(client, STAFF, factories.PASSWORD)
    # One cell of 200,000 characters: beyond csv's field size limit (131,072).
    content = REGISTRATION_HEADER + "A-1,kvinna,1980,af,2026-03-02\n" + "B" * 200_000 + "\n"
    status, page = _upload(client, f"/insatser/{insats_id}/deltagare/import", content.encode())
    assert status == 200
    assert "rad 3, hela raden: raden går inte att läsa som CSV" in page
    assert _count(app, Participant) == 0


def test_the_import_stops_after_a_thousand_errors(app: Flask) -> None:
    # 2,000 rows with one error each (an unknown gender), on lines 2..2001.
    row = "Skaraborg,Hälsoskolan,P-{n},robot,1980,start,2026-01-10,eq5d-3l,MO,1\n"
    stream = io.StringIO(IMPORT_HEADER + "".join(row.format(n=n) for n in range(2000)))
    with app.app_context(), pytest.raises(answers.ImportRejected) as rejected:
        answers.import_csv(stream, app.extensions["questionnaires"], create_missing=True)
    errors = rejected.value.errors
    # Lines 2..1001 give the first 1,000 errors; the check stops at line 1002.
    assert len(errors) == 1001
    assert (
        str(errors[999]) == "rad 1001, kolumn gender: ska vara kvinna, man, annat eller ej_uppgivet"
    )
    assert str(errors[1000]) == "rad 1002, kolumn (fil): kontrollen avbröts efter 1000 fel"
    assert _count(app, Participant) == 0


# --- a real server -----------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _gunicorn(database: Path, log: Path) -> Iterator[tuple[int, int]]:
    """gunicorn with one sync worker, as in production; yields (port, worker pid)."""
    port = _free_port()
    env = {
        **os.environ,
        "SECRET_KEY": TEST_SECRET,
        "DATABASE_URL": f"sqlite:///{database}",
        "COOKIE_SECURE": "false",
        "PUBLIC_URL": f"http://127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "BIND": f"127.0.0.1:{port}",
    }
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603 (our own gunicorn and arguments)
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            worker = _wait_until_up(server.pid, port)
            yield port, worker
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def _wait_until_up(master: int, port: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
                    return int(children[0])
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start")


def _memory_kb(pid: int, field: str) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{field}:\s+(\d+) kB", status, re.MULTILINE)
    assert match is not None
    return int(match.group(1))


def _reset_peak_memory(pid: int) -> None:
    # "5" resets the process's peak resident size (VmHWM) to its current size (proc(5)).
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def _send_huge(port: int, head: str, total: int, chunked: bool = False) -> tuple[bytes, float]:
    """Send the head, then `total` bytes of body from a second thread while this one waits
    for the answer. Returns the answer's first bytes and the seconds until they came."""
    connection = socket.create_connection(("127.0.0.1", port))
    connection.settimeout(10)
    chunk = b"x" * (256 * 1024)

    def send_body() -> None:
        sent = 0
        try:
            while sent < total:
                if chunked:
                    connection.sendall(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                else:
                    connection.sendall(chunk)
                sent += len(chunk)
            if chunked:
                connection.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed the connection: it is not reading the rest

    started = time.monotonic()
    connection.sendall(head.encode())
    sender = threading.Thread(target=send_body, daemon=True)
    sender.start()
    answer = b""
    try:
        while b"\r\n\r\n" not in answer:
            data = connection.recv(65536)
            if not data:
                break
            answer += data
    finally:
        elapsed = time.monotonic() - started
        connection.close()
        sender.join(timeout=10)
    return answer, elapsed


def _sign_in(port: int) -> str:
    """Sign the coach in over HTTP; returns the Cookie header of the session."""
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{port}"
    with opener.open(f"{base}/login", timeout=5) as page:
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.read().decode())
    assert token is not None
    form = {"csrf_token": token.group(1), "email": STAFF, "password": factories.PASSWORD}
    with opener.open(f"{base}/login", urllib.parse.urlencode(form).encode(), timeout=5) as done:
        assert "/login" not in done.url, "the coach could not sign in"
    return "; ".join(f"{c.name}={c.value}" for c in jar)


@pytest.fixture
def server_database(tmp_path: Path) -> tuple[Path, int]:
    database = tmp_path / "server.sqlite3"
    app = create_app(make_settings(f"sqlite:///{database}"))
    with app.app_context():
        db.create_all()
        owner = factories.forbund()
        mine = factories.insats(owner)
        factories.user(owner, RoleKind.STAFF, [mine], email=STAFF)
        db.session.commit()
        insats = mine.id
    with app.app_context():
        # Outside the context above, whose session held a connection until it ended.
        db.engine.dispose()
    return database, insats


def test_100_mb_posts_are_refused_at_once_without_the_worker_growing(
    server_database: tuple[Path, int], tmp_path: Path
) -> None:
    database, insats = server_database
    hundred_mb = 100 * MB
    with _gunicorn(database, tmp_path / "gunicorn.log") as (port, worker):
        cookie = _sign_in(port)
        host = f"Host: 127.0.0.1:{port}\r\n"
        cases = {
            "login, unauthenticated": (
                "POST /login HTTP/1.1\r\n"
                + host
                + "Content-Type: application/x-www-form-urlencoded\r\n"
                + f"Content-Length: {hundred_mb}\r\n\r\n",
                False,
            ),
            "registration file, signed in": (
                f"POST /insatser/{insats}/deltagare/import HTTP/1.1\r\n"
                + host
                + f"Cookie: {cookie}\r\n"
                + "Content-Type: multipart/form-data; boundary=b\r\n"
                + f"Content-Length: {hundred_mb}\r\n\r\n",
                False,
            ),
            # No Content-Length to judge by: Werkzeug stops reading at the limit (16 MB).
            "registration file, signed in, chunked": (
                f"POST /insatser/{insats}/deltagare/import HTTP/1.1\r\n"
                + host
                + f"Cookie: {cookie}\r\n"
                + "Content-Type: multipart/form-data; boundary=b\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n",
                True,
            ),
        }
        for name, (head, chunked) in cases.items():
            before = _memory_kb(worker, "VmRSS")
            _reset_peak_memory(worker)
            answer, seconds = _send_huge(port, head, hundred_mb, chunked=chunked)
            peak = _memory_kb(worker, "VmHWM")
            assert answer.startswith(b"HTTP/1.1 413"), (name, answer[:200])
            assert seconds < 1.0, (name, seconds)
            assert peak - before < 50 * 1024, (name, f"grew {(peak - before) / 1024:.0f} MB")
        # The same worker still answers.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
            assert r.status == 200
        assert Path(f"/proc/{worker}/status").exists(), "the worker died"
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT count(*) FROM participant")).scalar() == 0
    engine.dispose()
