"""The audit log in words: what each event concerns and its details, with names instead of ids.

The log itself keeps ids only (it outlives erasures and must not hold names); the names are
looked up when the page is shown, within the admin's own förbund. What no longer exists (an
erased participation) is said so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from survey_app.clock import STOCKHOLM
from survey_app.extensions import db
from survey_app.followup.occasions import occasion_label
from survey_app.models import (
    ROLE_LABELS,
    AuditEvent,
    FollowUpFlag,
    Forbund,
    Insats,
    Invitation,
    Occasion,
    Participation,
    ReportRelease,
    RoleKind,
    StaffUser,
)

DETAIL_LABELS = {
    "insats_id": "insats",
    "insats_ids": "insatser",
    "insats_ids_before": "insatser före",
    "insats_ids_after": "insatser efter",
    "participation_id": "deltagare",
    "invitation_id": "länk",
    "replaces": "ersätter länk",
    "fields": "ändrat",
    "role_before": "roll före",
    "role_after": "roll efter",
    "roles": "roller",
    "exit_date": "slutdatum",
    "handled_on": "hanterad",
    "count": "antal",
    "channels": "skickad med",
    "date_from": "från",
    "date_to": "till",
    "period_by": "period efter",
    "cohort": "urval",
    "cutoff": "avslutade före",
    "per_insats": "per insats",
    "mode": "sätt",
    "via": "via",
    "year": "år",
}

FIELD_WORDS = {
    "name": "namn",
    "role": "roll",
    "insatser": "insatser",
    "gender": "kön",
    "birth_year": "födelseår",
    "remittent": "remittent",
    "start_date": "startdatum",
    "link_expiry_days": "länkarnas giltighet",
    "min_group_size": "minsta gruppstorlek",
    "protection_keeps": "skydd av små grupper",
    "merge_other_genders": "sammanslagna könskolumner",
    # Events before migration 0018; later ones name a scorer option by its label.
    "eq5d_value_set_3l": "värdeset EQ-5D-3L",
    "eq5d_value_set_5l": "värdeset EQ-5D-5L",
    "support_contacts": "stödkontakter",
    "retention_months": "gallring",
    "require_totp_for_admins": "tvåstegsinloggning för administratörer",
    "email_template": "e-posttext",
}

MODE_WORDS = {"link": "länk", "kiosk": "surfplatta", "staff": "personal", "import": "import"}


@dataclass(frozen=True)
class EventInWords:
    event: AuditEvent
    concerns: str
    details: list[tuple[str, str]]


def _occasion_words(occasion: Occasion) -> str:
    return occasion_label(occasion.kind.value, occasion.number)


def _person(participation: Participation) -> str:
    return f"{participation.participant.code} ({participation.insats.name})"


class _Names:
    """Names of the objects a page of events refers to, looked up in one query per kind."""

    def __init__(self, forbund_id: int, wanted: dict[str, set[int]]) -> None:
        self.forbund_id = forbund_id
        self.insatser: dict[int, str] = {}
        self.people: dict[int, str] = {}
        self.participations: dict[int, str] = {}
        self.occasions: dict[int, str] = {}
        self.invitations: dict[int, str] = {}
        self.flags: dict[int, str] = {}
        self.releases: dict[int, str] = {}
        self._load(wanted)

    def _load(self, wanted: dict[str, set[int]]) -> None:
        own = Insats.forbund_id == self.forbund_id
        self.insatser = {
            insats_id: name
            for insats_id, name in db.session.execute(sa.select(Insats.id, Insats.name).where(own))
        }
        self.people = {
            user_id: name or email
            for user_id, name, email in db.session.execute(
                sa.select(StaffUser.id, StaffUser.name, StaffUser.email).where(
                    StaffUser.forbund_id == self.forbund_id
                )
            )
        }
        invitations = db.session.scalars(
            sa.select(Invitation)
            .join(Occasion)
            .join(Participation)
            .join(Insats)
            .where(Invitation.id.in_(wanted["invitation"]), own)
            .options(selectinload(Invitation.occasion))
        ).all()
        flags = db.session.scalars(
            sa.select(FollowUpFlag)
            .join(Participation)
            .join(Insats)
            .where(FollowUpFlag.id.in_(wanted["follow_up_flag"]), own)
        ).all()
        occasions = db.session.scalars(
            sa.select(Occasion)
            .join(Participation)
            .join(Insats)
            .where(Occasion.id.in_(wanted["occasion"]), own)
        ).all()
        participation_ids = (
            wanted["participation"]
            | {i.occasion.participation_id for i in invitations}
            | {f.participation_id for f in flags}
            | {o.participation_id for o in occasions}
        )
        for participation in db.session.scalars(
            sa.select(Participation)
            .join(Insats)
            .where(Participation.id.in_(participation_ids), own)
            .options(selectinload(Participation.participant), selectinload(Participation.insats))
        ):
            self.participations[participation.id] = _person(participation)
        for occasion in occasions:
            person = self.participations.get(occasion.participation_id, "")
            self.occasions[occasion.id] = f"{_occasion_words(occasion)} för {person}"
        for invitation in invitations:
            occasion = invitation.occasion
            person = self.participations.get(occasion.participation_id, "")
            self.invitations[invitation.id] = f"länk till {person}, {_occasion_words(occasion)}"
        for flag in flags:
            person = self.participations.get(flag.participation_id, "")
            self.flags[flag.id] = f"uppföljning av våldsfrågor för {person}"
        self.releases = {
            release_id: f"årsrapport {year}"
            for release_id, year in db.session.execute(
                sa.select(ReportRelease.id, ReportRelease.year).where(
                    ReportRelease.id.in_(wanted["report_release"]),
                    ReportRelease.forbund_id == self.forbund_id,
                )
            )
        }

    def concerns(self, event: AuditEvent) -> str:
        kind, object_id = event.object_type, event.object_id
        if kind is None or object_id is None:
            return ""
        found: dict[str, tuple[dict[int, str], str]] = {
            "participation": (self.participations, "deltagare (raderad)"),
            "occasion": (self.occasions, "mättillfälle (raderat)"),
            "invitation": (self.invitations, "personlig länk (raderad)"),
            "follow_up_flag": (self.flags, "uppföljning (raderad)"),
            "insats": (self.insatser, "insats (finns inte längre)"),
            "staff_user": (self.people, "konto (finns inte)"),
            "report_release": (self.releases, "årsrapport"),
        }
        if kind == "forbund":
            forbund = db.session.get(Forbund, object_id)
            return forbund.name if forbund is not None else "förbundet"
        names, missing = found.get(kind, ({}, f"{kind} {object_id}"))
        return names.get(object_id, missing)

    def value(self, key: str, value: Any) -> str:
        if value is None or value == "" or value == []:
            return "–"
        if key in ("insats_id",):
            return self.insatser.get(int(value), "insats (finns inte längre)")
        if key in ("insats_ids", "insats_ids_before", "insats_ids_after"):
            names = [self.insatser.get(int(v), "insats (finns inte längre)") for v in value]
            return ", ".join(sorted(names)) or "–"
        if key == "participation_id":
            return self.participations.get(int(value), "deltagare (raderad)")
        if key in ("invitation_id", "replaces"):
            return self.invitations.get(int(value), "tidigare länk")
        if key in ("role_before", "role_after"):
            return _role(value)
        if key == "roles":
            return ", ".join(_role(v) for v in value)
        if key == "fields":
            return ", ".join(FIELD_WORDS.get(str(v), str(v)) for v in value)
        if key == "mode":
            return MODE_WORDS.get(str(value), str(value))
        if key == "per_insats" and isinstance(value, dict):
            return ", ".join(f"{name}: {n}" for name, n in sorted(value.items()))
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        if isinstance(value, bool):
            return "ja" if value else "nej"
        return str(value)


def _role(value: object) -> str:
    try:
        return ROLE_LABELS[RoleKind(str(value))]
    except ValueError:
        return str(value)


_ID_DETAILS = {
    "participation_id": "participation",
    "invitation_id": "invitation",
    "replaces": "invitation",
}


def in_words(events: Sequence[AuditEvent], forbund_id: int) -> list[EventInWords]:
    """Each event with what it concerns and its details in words, names instead of ids."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.object_type and event.object_id is not None:
            wanted[event.object_type].add(event.object_id)
        for key, kind in _ID_DETAILS.items():
            value = (event.details or {}).get(key)
            if isinstance(value, int):
                wanted[kind].add(value)
    names = _Names(forbund_id, wanted)
    return [
        EventInWords(
            event=event,
            concerns=names.concerns(event),
            details=[
                (DETAIL_LABELS.get(key, key), names.value(key, value))
                for key, value in (event.details or {}).items()
            ],
        )
        for event in events
    ]


# Events on one page of the log.
PAGE_SIZE = 50


@dataclass(frozen=True)
class AuditFilter:
    """What the admin asked to see: a period (Swedish dates, both days included), an event and
    a user; None is no filter."""

    date_from: date | None = None
    date_to: date | None = None
    action: str | None = None
    actor_id: int | None = None


@dataclass(frozen=True)
class AuditPage:
    events: list[EventInWords]
    page: int
    pages: int
    total: int


def staff_names(forbund_id: int) -> list[tuple[int, str]]:
    """The förbund's users as the log's filter and rows name them: "Namn (e-post)", by e-mail."""
    return [
        (user_id, f"{name} ({email})" if name else email)
        for user_id, name, email in db.session.execute(
            sa.select(StaffUser.id, StaffUser.name, StaffUser.email)
            .where(StaffUser.forbund_id == forbund_id)
            .order_by(StaffUser.email)
        )
    ]


def audit_page(forbund_id: int, wanted: AuditFilter, page: int) -> AuditPage:
    """One page of the förbund's own log, newest first. A page beyond the last (a hand-edited
    URL, however large) gives the last."""
    query = sa.select(AuditEvent).where(AuditEvent.forbund_id == forbund_id)
    if wanted.date_from is not None:
        query = query.where(
            AuditEvent.at >= datetime.combine(wanted.date_from, time.min, STOCKHOLM)
        )
    if wanted.date_to is not None:
        end = datetime.combine(wanted.date_to + timedelta(days=1), time.min, STOCKHOLM)
        query = query.where(AuditEvent.at < end)
    if wanted.action:
        query = query.where(AuditEvent.action == wanted.action)
    if wanted.actor_id is not None:
        query = query.where(AuditEvent.actor_id == wanted.actor_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(page, 1), pages)
    events = db.session.scalars(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    return AuditPage(in_words(events, forbund_id), page, pages, total)
