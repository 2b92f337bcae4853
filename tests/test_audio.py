"""Recorded read-aloud (issue 15): `flask audio install DIR --forbund NAME` installs checked audio
files per question and language; the question page plays them with <audio controls> (no
script); only a browser answering a bundle that asks the questionnaire gets the file, from an
address that names the question, not the participant."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.models import AuditEvent, Forbund, Participation
from survey_app.survey import audio
from tests import factories
from tests.survey_helpers import Setup, create_link, make_setup, staff_client

MP3 = b"ID3\x04\x00\x00" + bytes(200)  # an ID3 tag's header: what an MP3 file begins with
OGG = b"OggS\x00\x02" + bytes(200)


@pytest.fixture
def audio_dir(tmp_path: Path) -> Path:
    return tmp_path / "installed"


@pytest.fixture
def settings_overrides(audio_dir: Path) -> dict[str, object]:
    return {"audio_dir": audio_dir}


@pytest.fixture
def setup(app: Flask) -> Setup:
    return make_setup(app)


def _forbund(app: Flask, setup: Setup) -> tuple[int, str]:
    with app.app_context():
        found = db.session.get(Participation, setup.participation_id)
        assert found is not None
        return found.insats.forbund_id, found.insats.forbund.name


def _source(tmp_path: Path, files: dict[str, bytes]) -> Path:
    source = tmp_path / "source"
    for name, content in files.items():
        path = source / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    return source


def _install(app: Flask, source: Path, forbund: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(
        args=["audio", "install", str(source), "--forbund", forbund]
    )
    return result.exit_code, result.output


def test_install_keeps_checked_recordings_and_refuses_the_rest(
    app: Flask, setup: Setup, tmp_path: Path, audio_dir: Path
) -> None:
    forbund_id, name = _forbund(app, setup)
    source = _source(
        tmp_path,
        {
            "sjalvskattning/general_health.ar.mp3": MP3,
            "sjalvskattning/general_health.sv-x-lattlast.OGG": OGG,
            "sjalvskattning/mental_health.ar.mp3": b"<html>not audio</html>",
            "sjalvskattning/no_such_item.ar.mp3": MP3,
            "sjalvskattning/general_health.xx.mp3": MP3,
            "sjalvskattning/general_health.ar.wav": MP3,
            "sjalvskattning/hope.ar.mp3": b"",
            "okand/general_health.ar.mp3": MP3,
        },
    )
    (source / "sjalvskattning" / "physical_health.ar.mp3").symlink_to("/etc/passwd")
    code, output = _install(app, source, name)
    assert code == 1, output  # some files were refused
    assert "OK   sjalvskattning/general_health.ar.mp3" in output
    assert "OK   sjalvskattning/general_health.sv-x-lattlast.OGG" in output
    for refused in (
        "sjalvskattning/mental_health.ar.mp3: filen är inte ljud",
        "sjalvskattning/no_such_item.ar.mp3: formuläret har ingen fråga",
        "sjalvskattning/general_health.xx.mp3: namnet ska vara",
        "sjalvskattning/general_health.ar.wav: namnet ska vara",
        "sjalvskattning/hope.ar.mp3: filen ska vara större än 0",
        "sjalvskattning/physical_health.ar.mp3: inte en vanlig fil",
        "okand: inget formulär har det id:t",
    ):
        assert f"FEL  {refused}" in output, refused
    installed = audio_dir / str(forbund_id) / "sjalvskattning"
    assert sorted(os.listdir(installed)) == [
        "general_health.ar.mp3",
        "general_health.sv-x-lattlast.ogg",
    ]
    assert (installed / "general_health.ar.mp3").read_bytes() == MP3
    # Nothing anywhere else under the audio folder.
    assert sorted(p.name for p in audio_dir.rglob("*")) == sorted(
        [
            str(forbund_id),
            "sjalvskattning",
            "general_health.ar.mp3",
            *["general_health.sv-x-lattlast.ogg"],
        ]
    )
    with app.app_context():
        [event] = db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == "audio_installed")
        ).all()
        assert event.forbund_id == forbund_id


def test_a_new_recording_replaces_the_old_one_of_another_kind(
    app: Flask, setup: Setup, tmp_path: Path, audio_dir: Path
) -> None:
    forbund_id, name = _forbund(app, setup)
    assert _install(app, _source(tmp_path / "a", {"sjalvskattning/hope.ar.mp3": MP3}), name)[0] == 0
    assert _install(app, _source(tmp_path / "b", {"sjalvskattning/hope.ar.ogg": OGG}), name)[0] == 0
    assert os.listdir(audio_dir / str(forbund_id) / "sjalvskattning") == ["hope.ar.ogg"]


def test_an_unknown_forbund_is_refused(app: Flask, setup: Setup, tmp_path: Path) -> None:
    code, output = _install(app, _source(tmp_path, {"sjalvskattning/hope.ar.mp3": MP3}), "Nej")
    assert code == 1 and "Inget förbund heter 'Nej'" in output


def test_the_question_page_plays_the_recording_without_script(
    app: Flask, setup: Setup, tmp_path: Path
) -> None:
    _, name = _forbund(app, setup)
    _install(app, _source(tmp_path, {"sjalvskattning/general_health.ar.mp3": MP3}), name)
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    address = "/svar/ljud/sjalvskattning/general_health.ar.mp3"
    arabic = participant.get("/svar/sida/1?sprak=ar").get_data(as_text=True)
    assert f'<audio class="recording" controls preload="none" src="{address}"' in arabic
    assert arabic.count("<audio") == 1  # the page's other questions have no recording
    # In Swedish there is no Swedish recording: no player.
    assert "<audio" not in participant.get("/svar/sida/1?sprak=sv").get_data(as_text=True)

    played = participant.get(address)
    assert played.status_code == 200, played.headers.get("Location")
    assert played.mimetype == "audio/mpeg"
    assert played.data == MP3
    assert "media-src 'self'" in played.headers["Content-Security-Policy"]
    played.close()  # a streamed file: the test closes it as a server would
    ranged = participant.get(address, headers={"Range": "bytes=0-2"})
    assert ranged.status_code == 206 and ranged.data == b"ID3"
    ranged.close()

    # Not installed, or not a name the service gives: not found.
    assert participant.get("/svar/ljud/sjalvskattning/hope.ar.mp3").status_code == 404
    assert participant.get("/svar/ljud/sjalvskattning/..%2F..%2Fx.ar.mp3").status_code == 404
    # A questionnaire the bundle does not ask: not found, even if installed.
    _install(app, _source(tmp_path / "v", {"nojdhet/respectful_treatment.ar.mp3": MP3}), name)
    assert participant.get("/svar/ljud/nojdhet/respectful_treatment.ar.mp3").status_code == 404
    # Without a participant's session: the calm "link does not work" page.
    assert app.test_client().get(address).status_code == 404


def test_another_forbunds_recordings_are_not_played(
    app: Flask, setup: Setup, tmp_path: Path
) -> None:
    with app.app_context():
        factories.forbund("Annat förbund")
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Forbund)) == 2
    _install(app, _source(tmp_path, {"sjalvskattning/general_health.ar.mp3": MP3}), "Annat förbund")
    participant = app.test_client()
    participant.get(create_link(staff_client(app), setup))
    assert "<audio" not in participant.get("/svar/sida/1?sprak=ar").get_data(as_text=True)
    address = "/svar/ljud/sjalvskattning/general_health.ar.mp3"
    assert participant.get(address).status_code == 404


def test_file_kinds_are_told_by_their_first_bytes() -> None:
    looks = audio._looks_like
    assert looks(".mp3", b"ID3\x03") and looks(".mp3", b"\xff\xfb\x90")
    assert not looks(".mp3", b"OggS") and not looks(".mp3", b"\xff\x00")
    assert looks(".ogg", b"OggS\x00") and not looks(".ogg", b"ID3")
    assert looks(".m4a", b"\x00\x00\x00\x20ftypM4A ") and not looks(".m4a", b"ftyp")


def test_a_file_over_the_size_limit_is_refused(
    app: Flask, setup: Setup, tmp_path: Path, audio_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audio, "MAX_BYTES", 1024 * 1024)  # 1 MB here; 5 MB in service
    _, name = _forbund(app, setup)
    big = b"ID3" + bytes(1024 * 1024 - 2)  # one byte over
    exact = b"ID3" + bytes(1024 * 1024 - 3)
    source = _source(
        tmp_path, {"sjalvskattning/hope.ar.mp3": big, "sjalvskattning/hope.fa.mp3": exact}
    )
    code, output = _install(app, source, name)
    assert code == 1
    assert "FEL  sjalvskattning/hope.ar.mp3: filen ska vara större än 0 och högst 1 MB" in output
    assert "OK   sjalvskattning/hope.fa.mp3" in output
