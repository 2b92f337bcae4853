"""Erasure and purge leave nothing readable in SQLite's files: the database, its write-ahead log
and the shared-memory index are searched byte by byte afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import Forbund, Participant, Participation, RoleKind
from tests import factories
from tests.conftest import PublicAddressClient, login, make_settings

ADMIN = "chef@example.org"
HEADER = "forbund,insats,participant,gender,birth_year,occasion,date,questionnaire,item,value"


def _rows(code: str, occasion: str, day: str, comment: str) -> list[str]:
    base = f"Skaraborg,Hälsoskolan,{code},kvinna,1980,{occasion},{day},nojdhet"
    return [f"{base},overall,4", f"{base},comments,{comment}"]


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'survey.sqlite3'}"))
    app.test_client_class = PublicAddressClient
    with app.app_context():
        db.create_all()
    lines = [
        HEADER,
        *_rows("ZQXJ-ERASE", "start", "2026-01-10", "HEMLIGT-ERASE-SVAR"),
        *_rows("ZQXJ-PURGE", "start", "2015-01-10", "HEMLIGT-PURGE-START"),
        *_rows("ZQXJ-PURGE", "exit", "2015-06-01", "HEMLIGT-PURGE-EXIT"),
        *_rows("KEEP-1", "start", "2026-01-10", "BEHALLS-SVAR"),
    ]
    source = tmp_path / "svar.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(
        args=["import-responses", str(source), "--create-missing"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        owner = db.session.scalars(sa.select(Forbund)).one()
        factories.user(owner, RoleKind.ADMIN, email=ADMIN)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _files(tmp_path: Path) -> dict[str, bytes]:
    base = tmp_path / "survey.sqlite3"
    return {
        path.name: path.read_bytes()
        for path in (base, Path(f"{base}-wal"), Path(f"{base}-shm"))
        if path.exists()
    }


def _found(tmp_path: Path, marker: str) -> list[str]:
    return [name for name, data in _files(tmp_path).items() if marker.encode() in data]


def _participation(app: Flask, code: str) -> int:
    with app.app_context():
        return db.session.scalars(
            sa.select(Participation.id).join(Participant).where(Participant.code == code)
        ).one()


def test_sqlite_connections_overwrite_deleted_content(app: Flask) -> None:
    # Debian builds SQLite with this on by default; other builds (macOS, some distributions)
    # do not, so every connection turns it on.
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1


def test_an_erased_participation_leaves_nothing_in_the_files(app: Flask, tmp_path: Path) -> None:
    for marker in ("ZQXJ-ERASE", "HEMLIGT-ERASE-SVAR", "BEHALLS-SVAR"):
        assert _found(tmp_path, marker), f"{marker} should be stored before the erasure"
    client = app.test_client()
    login(client, ADMIN, factories.PASSWORD)
    erased = client.post(
        f"/admin/deltagande/{_participation(app, 'ZQXJ-ERASE')}/radera",
        data={"code": "zqxj-erase"},
    )
    assert erased.status_code == 302
    assert _found(tmp_path, "ZQXJ-ERASE") == []
    assert _found(tmp_path, "HEMLIGT-ERASE-SVAR") == []
    assert (tmp_path / "survey.sqlite3-wal").stat().st_size == 0  # the log was emptied
    # The search does see what is still stored.
    assert _found(tmp_path, "BEHALLS-SVAR") == ["survey.sqlite3"]


def test_a_purge_leaves_nothing_in_the_files(app: Flask, tmp_path: Path) -> None:
    for marker in ("ZQXJ-PURGE", "HEMLIGT-PURGE-START", "HEMLIGT-PURGE-EXIT"):
        assert _found(tmp_path, marker), f"{marker} should be stored before the purge"
    result = app.test_cli_runner().invoke(args=["purge-expired", "--execute"])
    assert "Klart: raderade 1 deltagande." in result.output, result.output
    for marker in ("ZQXJ-PURGE", "HEMLIGT-PURGE-START", "HEMLIGT-PURGE-EXIT"):
        assert _found(tmp_path, marker) == [], marker
    assert _found(tmp_path, "BEHALLS-SVAR") == ["survey.sqlite3"]
