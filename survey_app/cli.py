"""Command-line tasks: `flask create-admin`, `flask demo-data`."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import IO

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import with_appcontext

from survey_app import mail, sms
from survey_app.admin.services import create_staff_account
from survey_app.clock import today
from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.followup import reminders
from survey_app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from survey_app.imports import answers
from survey_app.models import Forbund, Insats, RoleKind
from survey_app.models._types import utcnow
from survey_app.privacy import audit, retention
from survey_app.questionnaires import DefinitionError, Questionnaire, own, parse_definition
from survey_app.reports import dataset as reports_dataset
from survey_app.reports import workbook
from survey_app.reports.dataset import Cohort, ReportFilter
from survey_app.survey import audio_cli
from survey_app.wording import plural


def init_app(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(demo_data)
    app.cli.add_command(questionnaires)
    app.cli.add_command(export)
    app.cli.add_command(import_responses)
    app.cli.add_command(purge_expired)
    app.cli.add_command(send_reminders)
    app.cli.add_command(audio_cli.audio)


@click.command("send-reminders")
@click.option("--dry-run", is_flag=True, help="Only print what would be sent.")
@with_appcontext
def send_reminders(dry_run: bool) -> None:
    """Remind participants whose link, sent by e-mail or SMS, is not answered yet (for cron)."""
    settings = current_app.config["SETTINGS"]
    if not dry_run and not mail.configured(settings) and sms.gateway(settings) is None:
        raise click.ClickException("Sätt SMTP_HOST och MAIL_FROM (eller SMS_GATEWAY) först.")
    report = reminders.run(settings, utcnow(), dry_run=dry_run)
    reminders_due = plural(len(report.due), "påminnelse", "påminnelser")
    cleared = plural(report.cleared, "länk", "länkar")
    if dry_run:
        db.session.rollback()
        click.echo(
            f"Provkörning: {reminders_due} skulle skickas; kontaktuppgifter till {cleared} som "
            "inte längre väntar skulle raderas."
        )
        return
    db.session.commit()
    click.echo(
        f"Skickade {plural(report.sent, 'påminnelse', 'påminnelser')}; {report.failed} kunde "
        f"inte skickas (försöks igen nästa gång); raderade kontaktuppgifter till {cleared}."
    )


@click.command("purge-expired")
@click.option(
    "--execute",
    is_flag=True,
    help="Delete. Without it, only print what would be deleted.",
)
@with_appcontext
def purge_expired(execute: bool) -> None:
    """Delete participant-level data past each förbund's retention (dry run by default)."""
    total = 0
    for forbund in db.session.scalars(sa.select(Forbund).order_by(Forbund.name)):
        found = retention.expired(forbund, today())
        total += len(found.participation_ids)
        ended = plural(len(found.participation_ids), "deltagande", "deltaganden")
        click.echo(
            f"{forbund.name}: {ended} som avslutades före "
            f"{found.cutoff.isoformat()} ({forbund.retention_months} månader)"
        )
        for name, n in sorted(found.per_insats.items()):
            click.echo(f"  {name}: {n}")
        if execute and found.participation_ids:
            counts = retention.erase(found.participation_ids)
            audit.record(
                "retention_purged",
                forbund_id=forbund.id,
                object_type="forbund",
                object_id=forbund.id,
                cutoff=found.cutoff.isoformat(),
                per_insats=found.per_insats,
                **counts,
            )
            click.echo("  raderat: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    if execute:
        db.session.commit()
        retention.clear_write_ahead_log()
        click.echo(f"Klart: raderade {plural(total, 'deltagande', 'deltaganden')}.")
    else:
        db.session.rollback()
        click.echo(f"Provkörning: ingenting raderat. Kör med --execute för att radera {total}.")


@click.command("import-responses")
@click.argument("csv_file", type=click.File("r", encoding="utf-8-sig"))
@click.option(
    "--create-missing",
    is_flag=True,
    help="Create the förbund, insatser and participants named in the file.",
)
@with_appcontext
def import_responses(csv_file: IO[str], create_missing: bool) -> None:
    """Import answers from a long CSV; all or nothing (see survey_app/imports/answers.py)."""
    try:
        summary = answers.import_csv(
            csv_file, current_app.extensions["questionnaires"], create_missing=create_missing
        )
    except answers.ImportRejected as rejected:
        db.session.rollback()
        for error in rejected.errors[:200]:
            click.echo(f"FEL  {error}")
        if len(rejected.errors) > 200:
            click.echo(f"... och {len(rejected.errors) - 200} fel till.")
        raise click.ClickException(
            f"Filen importerades inte ({len(rejected.errors)} fel). Ingenting har sparats."
        ) from rejected
    db.session.commit()
    created = ", ".join(f"{n} {what}" for what, n in summary.created.items()) or "inget nytt"
    click.echo(
        f"Importerade {plural(summary.rows, 'rad', 'rader')} i {summary.responses} svar "
        "(mode import). "
        f"Skapade: {created}."
    )


@click.command("export")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .xlsx file."
)
@click.option("--forbund", "forbund_name", help="The förbund's name (needed if there are several).")
@click.option("--insats", "insats_names", multiple=True, help="Only these insatser (repeatable).")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), help="Period start.")
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), help="Period end.")
@click.option(
    "--cohort",
    type=click.Choice([c.value for c in Cohort]),
    default=Cohort.ACTIVE.value,
    show_default=True,
    help="Participations active in the period, new in it, ended in it, or enrolled at its "
    "start (docs/reports.md).",
)
@with_appcontext
def export(
    out: Path,
    forbund_name: str | None,
    insats_names: tuple[str, ...],
    date_from: datetime | None,
    date_to: datetime | None,
    cohort: str,
) -> None:
    """Write the aggregated before/after workbook of a förbund."""
    forbunds = db.session.scalars(
        sa.select(Forbund).where(Forbund.name == forbund_name)
        if forbund_name
        else sa.select(Forbund)
    ).all()
    if len(forbunds) != 1:
        raise click.ClickException(
            "Ange förbundet med --forbund." if forbunds else "Förbundet finns inte."
        )
    forbund = forbunds[0]
    insats_ids: list[int] = []
    for name in insats_names:
        insats_id = db.session.scalar(
            sa.select(Insats.id).where(Insats.forbund_id == forbund.id, Insats.name == name)
        )
        if insats_id is None:
            raise click.ClickException(f"Insatsen {name!r} finns inte i {forbund.name}.")
        insats_ids.append(insats_id)
    report_filter = ReportFilter(
        forbund_id=forbund.id,
        insats_ids=tuple(insats_ids),
        date_from=date_from.date() if date_from else None,
        date_to=date_to.date() if date_to else None,
        cohort=Cohort(cohort),
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    with click.progressbar(
        length=reports_dataset.LOAD_STEPS + workbook.WRITE_STEPS,
        label="Exporterar",
        item_show_func=lambda step: step,
        file=sys.stderr,
    ) as bar:

        def step(done: str) -> None:
            bar.update(1, done)

        registry = own.questionnaires_for(forbund)
        dataset = reports_dataset.load(report_filter, registry, progress=step)
        workbook.write(dataset, out, made_by="flask export", progress=step, internal=True)
    audit.record(
        "export",
        forbund_id=forbund.id,
        object_type="forbund",
        object_id=forbund.id,
        insats_ids=insats_ids,
        date_from=report_filter.date_from.isoformat() if report_filter.date_from else None,
        date_to=report_filter.date_to.isoformat() if report_filter.date_to else None,
        cohort=cohort,
        via="cli",
    )
    db.session.commit()
    count = plural(len(dataset.participations), "deltagande", "deltaganden")
    click.echo(f"Rapporten är sparad i {out} ({count}).")


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
        click.echo(
            f"OK   {path.name}: {definition.id} version {definition.version}, "
            + plural(pages, "sida", "sidor")
        )
        if definition.respondent == "participant":
            _report_translations(definition)
    if failed:
        raise click.ClickException(f"{failed} av {len(files)} filer har fel.")


@questionnaires.command("install")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--forbund", "forbund_name", required=True, help="The förbund's name.")
@with_appcontext
def install_questionnaire(path: Path, forbund_name: str) -> None:
    """Check a definition file, store it as the förbund's own and put it in use (a file with a
    shipped questionnaire's id replaces that one for this förbund only)."""
    forbund = db.session.scalar(sa.select(Forbund).where(Forbund.name == forbund_name))
    if forbund is None:
        raise click.ClickException(f"Förbundet {forbund_name!r} finns inte.")
    try:
        row = own.upload(forbund, path.read_bytes(), path.name, actor_id=None)
        own.activate(forbund, row, actor_id=None)
    except DefinitionError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"FEL  {problem}")
        raise click.ClickException("Filen installerades inte. Ingenting har sparats.") from error
    db.session.commit()
    replaces = " (ersätter det medföljande)" if own.shipped().get(row.questionnaire_id) else ""
    click.echo(
        f"OK   {path.name}: {row.questionnaire_id} version {row.version} används nu i "
        f"{forbund.name}{replaces}."
    )


def _report_translations(definition: Questionnaire) -> None:
    """Per language of the participant pages: complete, or which texts are missing (those show
    in Swedish), and whether a native speaker has reviewed it."""
    for code in LANGUAGES:
        if code == DEFAULT_LANGUAGE:
            continue
        missing = definition.missing_translations(code)
        review = (
            "granskad" if definition.reviewed.get(code) else "inte granskad av modersmålstalare"
        )
        if not missing:
            click.echo(f"     {code}: komplett, {review}")
        else:
            shown = ", ".join(missing[:5]) + (" …" if len(missing) > 5 else "")
            click.echo(f"SAKNAS {code}: {len(missing)} texter ({shown})")


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
    """Create a förbund admin. The password never goes on the command line; it is temporary
    (the admin chooses an own one at the first sign-in)."""
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
    click.echo(
        f"Förbundsadministratör {user.email} skapad i {forbund.name}. Lösenordet är tillfälligt: "
        "ett eget väljs vid första inloggningen."
    )


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
