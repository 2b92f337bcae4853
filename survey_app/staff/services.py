"""Operations on participants. They only flush; the request commits or rolls back."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from survey_app.clock import last_day, today
from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.followup import occasions
from survey_app.followup.occasions import (
    QUESTIONNAIRE_STATE_LABELS,
    OccasionStatus,
    QuestionnaireState,
    occasion_status,
)
from survey_app.followup.todo import (
    OccasionFacts,
    ParticipationFacts,
    TodoItem,
    Urgency,
    sort_key,
    todo_list,
)
from survey_app.i18n import DEFAULT_LANGUAGE, LANGUAGES
from survey_app.models import (
    FollowUpFlag,
    Gender,
    Insats,
    Invitation,
    Occasion,
    OccasionKind,
    Participant,
    Participation,
    ParticipationStatus,
    Remittent,
    ResponseMode,
    ResponseStatus,
    StaffUser,
)
from survey_app.models._types import utcnow
from survey_app.privacy import audit
from survey_app.questionnaires import Item, ItemType, Questionnaire, Registry
from survey_app.responses.storage import load_bundle, save_page, submit
from survey_app.sms import link_text
from survey_app.survey.links import create_invitation

CODE_UNAVAILABLE = (
    "Koden kan inte användas. Är det en ny deltagare: välj en annan kod. Är det någon som redan "
    "finns i förbundet och nu börjar i den här insatsen: kryssa i rutan och kontrollera att kod, "
    "kön och födelseår stämmer."
)


class CodeUnavailable(DomainError):
    """The code is taken (a new participant), or no participant has this code, gender and birth
    year (linking one who exists). One answer for both, so that it does not tell which; see
    staff/code_lookups.py for how often staff can get it."""

    def __init__(self, code: str, linking: bool) -> None:
        super().__init__(CODE_UNAVAILABLE, field="code")
        self.code = code
        self.linking = linking


@dataclass(frozen=True)
class NewParticipant:
    code: str
    gender: Gender
    birth_year: int | None
    remittent: Remittent
    start_date: date
    existing_participant: bool = False
    # The language the participant's pages open in (None: Swedish).
    language: str | None = None


def participant_language(code: str | None) -> str | None:
    """A language as the participation keeps it: Swedish, the default, as nothing."""
    if code is None or code == DEFAULT_LANGUAGE:
        return None
    if code not in LANGUAGES:
        raise DomainError("Välj ett av språken i listan.", field="language")
    return code


def set_language(participation: Participation, code: str | None) -> bool:
    """Change the language the participant's pages open in; False if it was already that."""
    wanted = participant_language(code)
    if participation.language == wanted:
        return False
    participation.language = wanted
    # The log names the change, not the language (it can hint at where a person comes from).
    audit.record(
        "participation_language_changed",
        forbund_id=participation.insats.forbund_id,
        object_type="participation",
        object_id=participation.id,
    )
    return True


def register_participant(insats: Insats, data: NewParticipant) -> Participation:
    """Register a participation in `insats` and its START occasion.

    A code already used in the förbund is refused unless staff say it is the same person starting
    a new insats; then the existing participant gets a new participation.
    """
    participant = db.session.scalar(
        sa.select(Participant).where(
            Participant.forbund_id == insats.forbund_id, Participant.code == data.code
        )
    )
    if participant is not None and not data.existing_participant:
        raise CodeUnavailable(data.code, linking=False)
    if data.existing_participant and (
        participant is None
        or participant.gender != data.gender
        or participant.birth_year != data.birth_year
    ):
        # The same answer whether the code is unknown or the person does not match, so that
        # staff of one insats cannot attach someone else's participant by guessing codes.
        raise CodeUnavailable(data.code, linking=True)
    if participant is None:
        participant = Participant(
            forbund_id=insats.forbund_id,
            code=data.code,
            gender=data.gender,
            birth_year=data.birth_year,
        )
        db.session.add(participant)
    elif any(
        p.insats_id == insats.id and p.status == ParticipationStatus.ACTIVE
        for p in participant.participations
    ):
        raise DomainError("Deltagaren är redan aktiv i den här insatsen.", field="code")

    if insats.end_date is not None and data.start_date > insats.end_date:
        raise DomainError("Startdatumet ligger efter insatsens slutdatum.", field="start_date")
    participation = Participation(
        participant=participant,
        insats=insats,
        remittent=data.remittent,
        start_date=data.start_date,
        status=ParticipationStatus.ACTIVE,
        language=participant_language(data.language),
    )
    db.session.add(participation)
    db.session.add(
        Occasion(
            participation=participation,
            kind=OccasionKind.START,
            number=0,
            due_date=data.start_date,
        )
    )
    try:
        db.session.flush()
    except IntegrityError as error:
        # A parallel registration took the code between the check above and this insert.
        raise CodeUnavailable(data.code, linking=False) from error
    audit.record(
        "participant_linked" if data.existing_participant else "participant_registered",
        forbund_id=insats.forbund_id,
        object_type="participation",
        object_id=participation.id,
        insats_id=insats.id,
    )
    return participation


@dataclass(frozen=True)
class OccasionRow:
    label: str
    status: OccasionStatus
    due_date: date
    kind: OccasionKind
    number: int
    occasion_id: int


@dataclass(frozen=True)
class ParticipantRow:
    participation_id: int
    code: str
    gender: Gender
    start_date: date
    exit_date: date | None
    active: bool
    occasions: list[OccasionRow]
    open_flags: int


def occasion_label(occasion: Occasion) -> str:
    return occasions.occasion_label(occasion.kind.value, occasion.number)


def participant_rows(insats: Insats, on: date | None = None) -> list[ParticipantRow]:
    """The insats' participants with each occasion's status, active first, newest start first."""
    on = on or today()
    participations = db.session.scalars(
        sa.select(Participation)
        .where(Participation.insats_id == insats.id)
        .options(
            selectinload(Participation.participant),
            selectinload(Participation.occasions).selectinload(Occasion.responses),
            selectinload(Participation.flags),
        )
        .order_by(Participation.status, Participation.start_date.desc(), Participation.id)
    ).all()
    rows = []
    for participation in participations:
        occasion_rows = []
        for occasion in participation.occasions:
            started = {r.questionnaire_id for r in occasion.responses}
            submitted = {
                r.questionnaire_id
                for r in occasion.responses
                if r.status == ResponseStatus.SUBMITTED
            }
            status = occasion_status(
                due_date=occasion.due_date,
                today=on,
                expected=insats.questionnaires_for(occasion.kind.value),
                started=started,
                submitted=submitted,
            )
            occasion_rows.append(
                OccasionRow(
                    occasion_label(occasion),
                    status,
                    occasion.due_date,
                    occasion.kind,
                    occasion.number,
                    occasion.id,
                )
            )
        rows.append(
            ParticipantRow(
                participation_id=participation.id,
                code=participation.participant.code,
                gender=participation.participant.gender,
                start_date=participation.start_date,
                exit_date=participation.exit_date,
                active=participation.status == ParticipationStatus.ACTIVE,
                occasions=occasion_rows,
                open_flags=sum(1 for f in participation.flags if f.handled_on is None),
            )
        )
    return rows


def todo_items(insats: Insats, on: date | None = None) -> list[TodoItem]:
    """The insats' "Att göra" list, most urgent first (see survey_app/followup/todo.py)."""
    on = on or today()
    facts = [
        ParticipationFacts(
            participation_id=row.participation_id,
            code=row.code,
            start_date=row.start_date,
            exit_date=row.exit_date,
            active=row.active,
            occasions=[
                OccasionFacts(o.kind.value, o.number, o.due_date, o.status, o.occasion_id)
                for o in row.occasions
            ],
            open_flags=row.open_flags,
        )
        for row in participant_rows(insats, on)
    ]
    return todo_list(facts, insats.followup_interval_months, on, insats.after_exit_months or ())


def create_due_occasion(
    participation: Participation, kind: str, number: int, on: date | None = None
) -> Occasion:
    """Create an occasion the "Att göra" list shows as due but not created yet (a follow-up by
    the insats' interval, or EXIT after the exit date was set), so a link or tablet can be used."""
    item = next(
        (
            i
            for i in todo_items(participation.insats, on)
            if i.participation_id == participation.id
            and i.kind == kind
            and i.number == number
            and i.occasion_id is None
            and i.due_date is not None
        ),
        None,
    )
    if item is None or item.due_date is None:
        raise DomainError("Tillfället finns redan eller är inte aktuellt ännu.")
    return _add_occasion(participation, kind, number, item.due_date)


def _add_occasion(participation: Participation, kind: str, number: int, due: date) -> Occasion:
    occasion = Occasion(
        participation=participation,
        kind=OccasionKind(kind),
        number=number,
        due_date=due,
    )
    db.session.add(occasion)
    db.session.flush()
    audit.record(
        "occasion_created",
        forbund_id=participation.insats.forbund_id,
        object_type="occasion",
        object_id=occasion.id,
        participation_id=participation.id,
    )
    return occasion


@dataclass(frozen=True)
class TodoRow:
    """An item of the one "Att göra" list, with the insats it belongs to."""

    insats_id: int
    insats_name: str
    item: TodoItem


def todo_rows(insatser: Sequence[Insats], on: date | None = None) -> list[TodoRow]:
    """The "Att göra" list of several insatser as one, most urgent first (then by insats)."""
    on = on or today()
    rows = [
        TodoRow(insats.id, insats.name, item)
        for insats in insatser
        for item in todo_items(insats, on)
    ]
    return sorted(rows, key=lambda row: (sort_key(row.item), row.insats_name))


@dataclass(frozen=True)
class QuestionnaireStatus:
    id: str
    title: str
    respondent: str
    state: QuestionnaireState

    @property
    def state_label(self) -> str:
        return QUESTIONNAIRE_STATE_LABELS[self.state]

    @property
    def open(self) -> bool:
        """Not sent yet: something is still to be answered."""
        return self.state != QuestionnaireState.SUBMITTED


@dataclass(frozen=True)
class OccasionOverview:
    occasion: Occasion
    label: str
    status: OccasionStatus
    questionnaires: list[QuestionnaireStatus]
    active_invitation: Invitation | None

    @property
    def participant_part_open(self) -> bool:
        return any(q.respondent == "participant" and q.open for q in self.questionnaires)

    @property
    def staff_part_open(self) -> bool:
        return any(q.respondent == "staff" and q.open for q in self.questionnaires)


def occasion_overview(
    participation: Participation, registry: Registry, on: date | None = None
) -> list[OccasionOverview]:
    on = on or today()
    now = utcnow()
    overview = []
    for occasion in participation.occasions:
        responses = {r.questionnaire_id: r for r in occasion.responses}
        wanted = participation.insats.questionnaires_for(occasion.kind.value)
        questionnaires = []
        for questionnaire_id in wanted:
            definition = registry.get(questionnaire_id)
            response = responses.get(questionnaire_id)
            if response is None:
                state = QuestionnaireState.NOT_STARTED
            elif response.status == ResponseStatus.SUBMITTED:
                state = QuestionnaireState.SUBMITTED
            else:
                state = QuestionnaireState.IN_PROGRESS
            questionnaires.append(
                QuestionnaireStatus(
                    id=questionnaire_id,
                    title=definition.name if definition else questionnaire_id,
                    respondent=definition.respondent if definition else "participant",
                    state=state,
                )
            )
        active = [
            i
            for i in occasion.invitations
            if i.used_at is None and i.revoked_at is None and i.expires_at > now
        ]
        overview.append(
            OccasionOverview(
                occasion=occasion,
                label=occasion_label(occasion),
                status=occasion_status(
                    due_date=occasion.due_date,
                    today=on,
                    expected=wanted,
                    started=set(responses),
                    submitted={
                        k for k, r in responses.items() if r.status == ResponseStatus.SUBMITTED
                    },
                ),
                questionnaires=questionnaires,
                active_invitation=max(active, key=lambda i: i.id) if active else None,
            )
        )
    return overview


def link_message(url: str, until: date) -> str:
    """A ready text for an SMS or e-mail. It names no person and no insats."""
    return link_text(url, until)


def handle_flag(flag: FollowUpFlag, by: StaffUser, on: date) -> None:
    if flag.handled_on is not None:
        raise DomainError("Uppföljningen är redan markerad som hanterad.")
    flag.handled_on = on
    flag.handled_by_id = by.id
    db.session.flush()
    audit.record(
        "follow_up_flag_handled",
        forbund_id=by.forbund_id,
        object_type="follow_up_flag",
        object_id=flag.id,
        handled_on=on.isoformat(),
    )


def exit_form_of(insats: Insats, registry: Registry) -> Questionnaire | None:
    """The staff's exit form: the first questionnaire of the insats' EXIT bundle that staff
    fill in (the register form of exit reason, income and occupation in the shipped set, or a
    förbund's own). None when the insats asks staff nothing at EXIT. No id is named here: which
    form it is follows from the bundle and the file's `respondent: staff`."""
    for questionnaire_id in insats.questionnaires_for("exit"):
        definition = registry.get(questionnaire_id)
        if definition is not None and definition.respondent == "staff":
            return definition
    return None


def exit_form_items(participation: Participation, registry: Registry) -> list[Item]:
    """The questions of the staff's exit form asked on the end page: the single choices of its
    first page (anything else of the form, and any other staff form, is filled in later on the
    EXIT occasion like any staff form)."""
    exit_form = exit_form_of(participation.insats, registry)
    if exit_form is None:
        return []
    return [item for item in exit_form.pages[0].items if item.type == ItemType.SINGLE_CHOICE]


def exit_form_answers(items: Sequence[Item], picked: Mapping[str, str | None]) -> dict[str, object]:
    """The stored values of the choices picked on the end page (the form gives them as text);
    a question left unanswered, or an unknown choice, gives no answer."""
    answers: dict[str, object] = {}
    for item in items:
        by_text = {str(c.value): c.value for c in item.choices}
        chosen = picked.get(item.id)
        if chosen in by_text:
            answers[item.id] = by_text[chosen]
    return answers


# An end made by mistake (the wrong participant, the wrong date) can be undone this many days
# after it was made, as long as the participant has not begun the EXIT questionnaires.
END_UNDO_DAYS = 14


def end_participation(
    participation: Participation,
    exit_date: date,
    register_answers: dict[str, object],
    registry: Registry,
) -> Occasion:
    """End the participation in one step: the exit date, the staff's exit form (`exit_form_of`:
    exit reason, income, occupation) submitted, and the EXIT occasion ready for the
    participant's questionnaires (tablet or link). Returns the EXIT occasion."""
    if participation.exit_date is not None:
        raise DomainError("Deltagandet är redan avslutat.")
    if exit_date < participation.start_date:
        raise DomainError("Slutdatum kan inte vara före startdatum.", field="exit_date")
    if exit_date > today():
        raise DomainError("Slutdatum kan inte vara senare än i dag.", field="exit_date")
    participation.exit_date = exit_date
    participation.status = ParticipationStatus.EXITED
    participation.ended_at = utcnow()
    occasion = next((o for o in participation.occasions if o.kind == OccasionKind.EXIT), None)
    if occasion is None:
        occasion = Occasion(participation=participation, kind=OccasionKind.EXIT, due_date=exit_date)
        db.session.add(occasion)
        db.session.flush()
    bundle = load_bundle(occasion, "staff", registry)
    wanted = exit_form_of(participation.insats, registry)
    # The bundle's own copy: the version a response already begun was given.
    exit_form = next(
        (q for q in bundle.questionnaires if wanted is not None and q.id == wanted.id), None
    )
    if exit_form is not None and register_answers:
        save_page(
            bundle,
            exit_form,
            exit_form.pages[0],
            register_answers,
            mode=ResponseMode.STAFF,
            language="sv",
        )
        db.session.expire(occasion, ["responses"])  # the response save_page just created
        bundle = load_bundle(occasion, "staff", registry)
        with contextlib.suppress(DomainError):  # other staff forms still to fill in: later
            submit(bundle, None, ResponseMode.STAFF)
    audit.record(
        "participation_ended",
        object_type="participation",
        object_id=participation.id,
        exit_date=exit_date.isoformat(),
    )
    return occasion


def undo_deadline(participation: Participation) -> datetime | None:
    """Until when the end of this participation can be undone (None: it cannot be)."""
    if participation.exit_date is None or participation.ended_at is None:
        return None
    return participation.ended_at + timedelta(days=END_UNDO_DAYS)


def _participant_began_exit(occasion: Occasion, registry: Registry) -> bool:
    """Whether anything of the participant's own is stored at the EXIT occasion: an answer
    (begun or sent, on a link, the tablet or entered from paper) or a follow-up flag."""
    for response in occasion.responses:
        definition = registry.get(response.questionnaire_id)
        if definition is None or definition.respondent != "staff":
            return True
    return bool(
        db.session.scalar(
            sa.select(sa.func.count(FollowUpFlag.id)).where(FollowUpFlag.occasion_id == occasion.id)
        )
    )


def undo_end(
    participation: Participation,
    registry: Registry,
    by: StaffUser | None = None,
    now: datetime | None = None,
) -> None:
    """Make an ended participation active again, as if the end had not been made: the exit
    date goes, and so does the EXIT occasion with the staff's exit form and its personal
    links. Refused after END_UNDO_DAYS, and once the participant has begun the EXIT
    questionnaires (their answers are never deleted this way)."""
    now = now or utcnow()
    deadline = undo_deadline(participation)
    if deadline is None or now > deadline:
        raise DomainError(
            f"Avslutet kan bara ångras inom {END_UNDO_DAYS} dagar efter att det gjordes. "
            "Kontakta förbundets administratör om uppgifterna är fel."
        )
    exit_occasions = [o for o in participation.occasions if o.kind == OccasionKind.EXIT]
    if any(_participant_began_exit(o, registry) for o in exit_occasions):
        raise DomainError(
            "Deltagaren har redan börjat svara på avslutsenkäten, så avslutet kan inte ångras. "
            "Kontakta förbundets administratör om uppgifterna är fel."
        )
    exit_date = participation.exit_date
    for occasion in exit_occasions:
        for response in list(occasion.responses):
            db.session.delete(response)  # the staff's exit form; answers go with it
        for invitation in list(occasion.invitations):
            db.session.delete(invitation)  # a link to the EXIT occasion stops working
        db.session.flush()
        participation.occasions.remove(occasion)
        db.session.delete(occasion)
    participation.exit_date = None
    participation.status = ParticipationStatus.ACTIVE
    participation.ended_at = None
    db.session.flush()
    audit.record(
        "participation_end_undone",
        forbund_id=participation.insats.forbund_id,
        actor_id=by.id if by is not None else None,
        object_type="participation",
        object_id=participation.id,
        exit_date=exit_date.isoformat() if exit_date else None,
    )


@dataclass(frozen=True)
class NewLink:
    code: str
    occasion: str
    token: str
    expires: date
    insats: str = ""


def _asks_participant(insats: Insats, kind: str, registry: Registry) -> bool:
    """Whether the insats asks the participant anything at this kind of occasion."""
    for questionnaire_id in insats.questionnaires_for(kind):
        definition = registry.get(questionnaire_id)
        if definition is None or definition.respondent != "staff":
            return True
    return False


def links_for_all_due(
    insatser: Sequence[Insats], by: StaffUser, registry: Registry
) -> list[NewLink]:
    """A personal link for every occasion of the insatser that is due or overdue, has questions
    left for the participant and no working link yet. A follow-up or EXIT that is due but not
    created yet is created first (audited as from the list's own button). The tokens are
    returned once, to show."""
    created = []
    for insats in sorted(insatser, key=lambda i: i.name):
        for item in todo_items(insats):
            if item.urgency not in (Urgency.OVERDUE, Urgency.DUE) or item.kind == "flag":
                continue
            if item.occasion_id is not None:
                occasion = db.session.get(Occasion, item.occasion_id)
            elif item.due_date is not None and _asks_participant(insats, item.kind, registry):
                participation = db.session.get(Participation, item.participation_id)
                assert participation is not None  # noqa: S101  (listed a moment ago)
                occasion = _add_occasion(participation, item.kind, item.number, item.due_date)
            else:
                continue
            assert occasion is not None  # noqa: S101
            participation = occasion.participation
            overview = next(
                o
                for o in occasion_overview(participation, registry)
                if o.occasion.id == occasion.id
            )
            if not overview.participant_part_open or overview.active_invitation is not None:
                continue
            token = create_invitation(occasion, by)
            expires = max(occasion.invitations, key=lambda i: i.id).expires_at
            created.append(
                NewLink(
                    participation.participant.code,
                    overview.label,
                    token,
                    last_day(expires),
                    insats.name,
                )
            )
    return created
