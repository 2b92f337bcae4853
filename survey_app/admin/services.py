"""Förbund admin operations. They only flush; the request commits or rolls back."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from survey_app.auth import sessions
from survey_app.auth.passwords import hash_password, password_problem
from survey_app.exceptions import DomainError
from survey_app.extensions import db
from survey_app.models import Forbund, Insats, Role, RoleKind, StaffUser
from survey_app.privacy import audit
from survey_app.questionnaires.options import OptionField, save_options


@dataclass(frozen=True)
class InsatsData:
    name: str
    start_date: date
    end_date: date | None
    followup_interval_months: int | None
    bundles: dict[str, list[str]]
    after_exit_months: list[int] = field(default_factory=list)
    goals: list[dict[str, object]] = field(default_factory=list)


def save_insats(forbund: Forbund, data: InsatsData, insats: Insats | None = None) -> Insats:
    # Compared in Python: SQLite's lower() folds only ASCII, so "Älv" and "älv" would differ there.
    wanted = data.name.strip().casefold()
    others = db.session.scalars(
        sa.select(Insats.name).where(
            Insats.forbund_id == forbund.id, Insats.id != (insats.id if insats else -1)
        )
    )
    if any(name.casefold() == wanted for name in others):
        raise DomainError("Det finns redan en insats med det namnet i förbundet.", field="name")
    created = insats is None
    if insats is None:
        insats = Insats(forbund_id=forbund.id)
        db.session.add(insats)
    insats.name = data.name.strip()
    insats.start_date = data.start_date
    insats.end_date = data.end_date
    insats.followup_interval_months = data.followup_interval_months
    insats.after_exit_months = list(data.after_exit_months)
    insats.bundles = {kind: list(ids) for kind, ids in data.bundles.items() if ids}
    insats.goals = list(data.goals)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DomainError(
            "Det finns redan en insats med det namnet i förbundet.", "name"
        ) from error
    audit.record(
        "insats_created" if created else "insats_updated",
        forbund_id=forbund.id,
        object_type="insats",
        object_id=insats.id,
    )
    return insats


def _roles(forbund_id: int, role: RoleKind, insats_ids: list[int] | None) -> list[Role]:
    """New role rows: one per insats for staff (insatser of the förbund only), else one."""
    if role != RoleKind.STAFF:
        return [Role(kind=role)]
    wanted = set(insats_ids or [])
    own = set(
        db.session.scalars(
            sa.select(Insats.id).where(Insats.forbund_id == forbund_id, Insats.id.in_(wanted))
        )
    )
    if not wanted or own != wanted:
        raise DomainError("Välj insatser i det egna förbundet.", field="insatser")
    return [Role(kind=RoleKind.STAFF, insats_id=insats_id) for insats_id in sorted(own)]


def role_of(user: StaffUser) -> RoleKind:
    """The account's one role (accounts are made with one; the strongest wins otherwise)."""
    for kind in (RoleKind.ADMIN, RoleKind.ANALYST, RoleKind.STAFF):
        if user.has_role(kind):
            return kind
    return RoleKind.STAFF


def _other_active_admins(user: StaffUser) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count(sa.distinct(StaffUser.id)))
            .join(Role, Role.user_id == StaffUser.id)
            .where(
                StaffUser.forbund_id == user.forbund_id,
                StaffUser.id != user.id,
                StaffUser.active.is_(True),
                Role.kind == RoleKind.ADMIN,
            )
        )
        or 0
    )


def update_staff_account(
    user: StaffUser, *, name: str, role: RoleKind, insats_ids: list[int] | None = None
) -> list[str]:
    """Change an account's name, role and insatser; returns what changed (audited by name of
    field, never the values that identify a person). A förbund always keeps an active admin."""
    before_role = role_of(user)
    before_insatser = sorted(user.staff_insats_ids)
    demoted = before_role == RoleKind.ADMIN and role != RoleKind.ADMIN
    if demoted and user.active and _other_active_admins(user) == 0:
        raise DomainError(
            "Förbundet måste ha minst en aktiv administratör. Ge någon annan rollen först.",
            field="role",
        )
    new_roles = _roles(user.forbund_id, role, insats_ids)
    after_insatser = sorted(r.insats_id for r in new_roles if r.insats_id)
    changed = []
    if user.name != name.strip():
        changed.append("name")
        user.name = name.strip()
    if before_role != role:
        changed.append("role")
    if before_insatser != after_insatser:
        changed.append("insatser")
    if "role" in changed or "insatser" in changed:
        # Replace the rows: the unique (user, kind, insats) must not meet the old ones.
        user.roles = []
        db.session.flush()
        user.roles = new_roles
    db.session.flush()
    if changed:
        audit.record(
            "staff_account_updated",
            forbund_id=user.forbund_id,
            object_type="staff_user",
            object_id=user.id,
            fields=changed,
            role_before=before_role.value,
            role_after=role.value,
            insats_ids_before=before_insatser,
            insats_ids_after=after_insatser,
        )
    return changed


def create_staff_account(
    forbund: Forbund,
    email: str,
    password: str,
    role: RoleKind,
    insats_ids: list[int] | None = None,
    *,
    name: str = "",
    must_change_password: bool = True,
) -> StaffUser:
    """Create an account with one role. Staff roles may only name insatser of the same förbund.

    The password is someone else's choice (an admin's, the command line's), so by default its
    owner must choose an own one at the first sign-in."""
    email = email.strip().lower()
    problem = password_problem(password, [email, forbund.name])
    if problem:
        raise DomainError(problem, field="password")
    if db.session.scalar(sa.select(StaffUser.id).where(StaffUser.email == email)) is not None:
        raise DomainError("Det finns redan ett konto med den e-postadressen.", field="email")
    user = StaffUser(
        forbund_id=forbund.id,
        email=email,
        password_hash=hash_password(password),
        must_change_password=must_change_password,
    )
    db.session.add(user)
    user.name = name.strip()
    user.roles = _roles(forbund.id, role, insats_ids)
    try:
        db.session.flush()
    except IntegrityError as error:
        raise DomainError("Det finns redan ett konto med den e-postadressen.", "email") from error
    audit.record(
        "staff_account_created",
        forbund_id=forbund.id,
        object_type="staff_user",
        object_id=user.id,
        roles=[r.kind.value for r in user.roles],
        insats_ids=[r.insats_id for r in user.roles if r.insats_id],
    )
    return user


def set_account_active(admin: StaffUser, user: StaffUser, active: bool) -> None:
    if user.id == admin.id and not active:
        raise DomainError("Du kan inte inaktivera ditt eget konto.")
    if not active and user.is_admin and user.active and _other_active_admins(user) == 0:
        raise DomainError("Förbundet måste ha minst en aktiv administratör.")
    user.active = active
    if not active:
        sessions.end_all(user)
    db.session.flush()
    audit.record(
        "staff_account_activated" if active else "staff_account_deactivated",
        forbund_id=user.forbund_id,
        object_type="staff_user",
        object_id=user.id,
    )


SETTINGS_FIELDS = (
    "link_expiry_days",
    "min_group_size",
    "protection_keeps",
    "merge_other_genders",
    "support_contacts",
    "retention_months",
    "require_totp_for_admins",
    "email_template",
)


def reset_two_step_of(user: StaffUser) -> None:
    """Turn off a user's two-step sign-in (a lost phone); every session of the user ends, so
    the next sign-in asks for a new authenticator."""
    user.totp_secret = None
    user.totp_last_step = None
    sessions.end_all(user)
    audit.record("totp_reset", object_type="staff_user", object_id=user.id)


def save_settings(
    forbund: Forbund, values: dict[str, object], options: list[OptionField] | None = None
) -> None:
    """Store the förbund's settings and its questionnaires' scorer options (`options`, each
    valued in `values` by its key); an option's value must be one of its choices, e.g. a value
    set must fit its EQ-5D version."""
    options = options or []
    for option in options:
        value = str(values[option.key])
        if value not in {choice for choice, _label in option.option.choices}:
            raise DomainError(
                f"{value!r} finns inte att välja för {option.option.label}.", field=option.key
            )
    changed = sorted(k for k in SETTINGS_FIELDS if getattr(forbund, k) != values[k])
    for key in SETTINGS_FIELDS:
        setattr(forbund, key, values[key])
    changed += [
        option.option.label[:1].lower() + option.option.label[1:]
        for option in save_options(forbund.id, options, values)
    ]
    db.session.flush()
    audit.record(
        "forbund_settings_changed",
        forbund_id=forbund.id,
        object_type="forbund",
        object_id=forbund.id,
        fields=changed,
    )
