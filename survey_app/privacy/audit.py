"""Recording audit events. Callers pass ids and codes of actions, never answers or names."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Mapper, ORMExecuteState, Session

from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.models import AuditEvent

# What each action is called on the förbund admin's log page.
ACTION_LABELS = {
    "login": "Inloggning",
    "login_failed": "Misslyckad inloggning",
    "logout": "Utloggning",
    "export": "Rapport exporterad",
    "report_published": "Årsrapport publicerad",
    "report_downloaded": "Årsrapport nedladdad",
    "report_summary_viewed": "Årsrapportens sammanfattning visad",
    "participant_level_export": "Export på deltagarnivå",
    "responses_imported": "Svar importerade",
    "responses_submitted": "Svar inskickade",
    "participant_registered": "Deltagare registrerad",
    "participant_linked": "Deltagare kopplad till insats",
    "link_created": "Personlig länk skapad",
    "link_revoked": "Personlig länk återkallad",
    "link_emailed": "Personlig länk skickad med e-post",
    "link_email_failed": "Personlig länk kunde inte skickas",
    "link_sms_sent": "Personlig länk skickad med sms",
    "link_sms_failed": "Personlig länk kunde inte skickas med sms",
    "participants_registered_from_file": "Deltagare registrerade från fil",
    "reminder_sent": "Påminnelse skickad",
    "reminder_failed": "Påminnelse kunde inte skickas",
    "participation_ended": "Deltagande avslutat",
    "participation_end_undone": "Avslut av deltagande ångrat",
    "participation_corrected": "Registreringsuppgifter rättade",
    "participation_language_changed": "Deltagarens språk ändrat",
    "audio_installed": "Inspelad uppläsning installerad",
    "occasion_created": "Mättillfälle skapat",
    "tablet_started": "Surfplatta överlämnad",
    "follow_up_flag_raised": "Uppföljning av våldsfrågor behövs",
    "follow_up_flag_handled": "Uppföljning av våldsfrågor hanterad",
    "insats_created": "Insats skapad",
    "insats_updated": "Insats ändrad",
    "staff_account_created": "Konto skapat",
    "staff_account_updated": "Konto ändrat (namn, roll eller insatser)",
    "staff_account_activated": "Konto aktiverat",
    "staff_account_deactivated": "Konto inaktiverat",
    "forbund_settings_changed": "Förbundets inställningar ändrade",
    "own_questionnaire_uploaded": "Eget frågeformulär uppladdat",
    "own_questionnaire_activated": "Eget frågeformulär aktiverat",
    "admin_created_by_cli": "Administratör skapad (kommandorad)",
    "totp_enrolled": "Tvåstegsinloggning påslagen",
    "totp_failed": "Fel kod vid tvåstegsinloggning",
    "totp_reset": "Tvåstegsinloggning återställd",
    "password_changed": "Lösenord bytt",
    "password_change_failed": "Fel nuvarande lösenord vid lösenordsbyte",
    "password_reset_requested": "Länk för nytt lösenord skickad (glömt lösenord)",
    "password_reset": "Nytt lösenord valt via länk (glömt lösenord)",
    "password_reset_by_admin": "Tillfälligt lösenord satt av administratör",
    "participation_extracted": "Registerutdrag",
    "participation_erased": "Deltagande raderat",
    "retention_purged": "Gamla uppgifter raderade (gallring)",
}


def record(
    action: str,
    *,
    forbund_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    actor_id: int | None = None,
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction; the request commits it with its change."""
    if actor_id is None and current_user and current_user.is_authenticated:
        actor_id = current_user.id
        if forbund_id is None:
            forbund_id = current_user.forbund_id
    event = AuditEvent(
        action=action,
        forbund_id=forbund_id,
        actor_id=actor_id,
        object_type=object_type,
        object_id=object_id,
        details=details,
    )
    db.session.add(event)
    return event


# Append-only: the application never changes or removes an audit event.


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper: Mapper[Any], _connection: Any, _target: AuditEvent) -> None:
    raise DomainError("Granskningsloggen kan inte ändras.")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_change(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is sa.inspect(AuditEvent):
        raise DomainError("Granskningsloggen kan inte ändras.")
