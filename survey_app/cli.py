"""Command-line tasks: `flask create-admin`, `flask demo-data`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from survey_app import audit
from survey_app.admin.services import create_staff_account
from survey_app.clock import today
from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.models import Forbund, RoleKind
from survey_app.questionnaires import DefinitionError, parse_definition


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(demo_data)
    app.cli.add_command(questionnaires)


@click.group("questionnaires")
def questionnaires() -> None:
    """Questionnaire definition files."""


@questionnaires.command("check")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@with_appcontext
def check_questionnaires(paths: tuple[Path, ...]) -> None:
    """Check definition files (default: the questionnaire folder); exit 1 if any is broken."""
    files = list(paths) or sorted(
        Path(current_app.config["SETTINGS"].questionnaire_dir).glob("*.yaml")
    )
    seen: dict[str, Path] = {}
    failed = 0
    for path in files:
        try:
            definition = parse_definition(path.read_bytes(), path.name)
        except DefinitionError as error:
            failed += 1
            for problem in error.problems:
                click.echo(f"FEL  {problem}")
            continue
        if definition.id in seen:
            failed += 1
            click.echo(
                f"FEL  {path.name}: id {definition.id!r} finns redan i {seen[definition.id].name}"
            )
            continue
        seen[definition.id] = path
        pages = len(definition.pages)
        click.echo(f"OK   {path.name}: {definition.id} version {definition.version}, {pages} sidor")
    if failed:
        raise click.ClickException(f"{failed} av {len(files)} filer har fel.")


@click.command("create-admin")
@click.option(
    "--forbund", "forbund_name", required=True, help="The förbund's name (created if new)."
)
@click.option("--email", required=True, help="The admin's e-mail address, used to log in.")
@click.option(
    "--password-file",
    type=click.File("r", encoding="utf-8"),
    help="Read the password from this file ('-' for standard input) instead of a prompt.",
)
@with_appcontext
def create_admin(forbund_name: str, email: str, password_file: IO[str] | None) -> None:
    """Create a förbund admin. The password never goes on the command line."""
    if password_file is not None:
        password = password_file.readline().rstrip("\r\n")
    else:
        password = click.prompt(
            "Lösenord", hide_input=True, confirmation_prompt="Upprepa lösenordet"
        )
    forbund = db.session.scalar(sa.select(Forbund).where(Forbund.name == forbund_name.strip()))
    if forbund is None:
        forbund = Forbund(name=forbund_name.strip())
        db.session.add(forbund)
        db.session.flush()
    try:
        user = create_staff_account(forbund, email, password, RoleKind.ADMIN)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    audit.record(
        "admin_created_by_cli", forbund_id=forbund.id, object_type="staff_user", object_id=user.id
    )
    db.session.commit()
    click.echo(f"Förbundsadministratör {user.email} skapad i {forbund.name}.")


@click.command("demo-data")
@click.option(
    "--allow-any-database",
    is_flag=True,
    help="Also load into a non-SQLite database (the demo accounts have published passwords).",
)
@with_appcontext
def demo_data(allow_any_database: bool) -> None:
    """Load a small demo förbund (idempotent) and print the demo logins."""
    from survey_app.demo import DEMO_LOGINS, load_demo_data

    if db.engine.dialect.name != "sqlite" and not allow_any_database:
        raise click.ClickException(
            "Demodata läses bara in i den inbyggda SQLite-databasen, eftersom demokontona har "
            "kända lösenord. Använd --allow-any-database om du verkligen vill."
        )
    added = load_demo_data(current_app.extensions["questionnaires"], today())
    db.session.commit()
    click.echo("Demodata inläst." if added else "Demodata fanns redan; inget ändrat.")
    click.echo("Demokonton:")
    for login in DEMO_LOGINS:
        click.echo(f"  {login.email:<28} lösenord {login.password:<20} ({login.role})")
    sys.stdout.flush()
