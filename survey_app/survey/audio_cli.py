"""`flask audio install DIR --forbund NAME`: install a förbund's recorded read-aloud
(survey/audio.py says how DIR is laid out and what is checked)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from survey_app.extensions import db
from survey_app.models import Forbund
from survey_app.privacy import audit
from survey_app.questionnaires.own import questionnaires_for
from survey_app.survey import audio as recordings
from survey_app.wording import plural


@click.group("audio")
def audio() -> None:
    """Recorded read-aloud of the questions."""


@audio.command("install")
@click.argument(
    "source", type=click.Path(exists=True, file_okay=False, dir_okay=True, path_type=Path)
)
@click.option("--forbund", "forbund_name", required=True, help="The förbund's name.")
@with_appcontext
def install(source: Path, forbund_name: str) -> None:
    """Install the recordings in SOURCE (a folder per questionnaire id, files named
    <item id>.<language>.mp3/.ogg/.m4a) for the förbund's participants; exit 1 if any file
    was refused (the others are installed)."""
    forbund = db.session.scalar(sa.select(Forbund).where(Forbund.name == forbund_name.strip()))
    if forbund is None:
        raise click.ClickException(f"Inget förbund heter {forbund_name!r}.")
    settings = current_app.config["SETTINGS"]
    outcome = recordings.install(
        source, Path(settings.audio_dir), forbund.id, questionnaires_for(forbund)
    )
    for shown in outcome.installed:
        click.echo(f"OK   {shown}")
    for problem in outcome.refused:
        click.echo(f"FEL  {problem}")
    if outcome.installed:
        audit.record(
            "audio_installed",
            forbund_id=forbund.id,
            object_type="forbund",
            object_id=forbund.id,
            files=len(outcome.installed),
            via="cli",
        )
        db.session.commit()
    click.echo(f"Installerade: {plural(len(outcome.installed), 'inspelning', 'inspelningar')}.")
    if outcome.refused:
        raise click.ClickException(
            f"{plural(len(outcome.refused), 'fil', 'filer')} installerades inte."
        )
