"""The data model. Import models from here."""

from survey_app.models.audit import AuditEvent
from survey_app.models.organisation import (
    Forbund,
    Insats,
    OwnQuestionnaire,
    QuestionnaireOptions,
    ReportRelease,
)
from survey_app.models.participants import (
    GENDER_LABELS,
    REMITTENT_LABELS,
    FollowUpFlag,
    Gender,
    Occasion,
    OccasionKind,
    Participant,
    Participation,
    ParticipationStatus,
    RegistrationCorrection,
    Remittent,
)
from survey_app.models.responses import (
    Answer,
    Invitation,
    QuestionnaireSnapshot,
    Response,
    ResponseMode,
    ResponseStatus,
)
from survey_app.models.staff import (
    ROLE_LABELS,
    PasswordReset,
    Role,
    RoleKind,
    StaffSession,
    StaffUser,
)

__all__ = [
    "GENDER_LABELS",
    "REMITTENT_LABELS",
    "ROLE_LABELS",
    "Answer",
    "AuditEvent",
    "FollowUpFlag",
    "Forbund",
    "Gender",
    "Insats",
    "Invitation",
    "Occasion",
    "OccasionKind",
    "OwnQuestionnaire",
    "Participant",
    "Participation",
    "ParticipationStatus",
    "PasswordReset",
    "QuestionnaireOptions",
    "QuestionnaireSnapshot",
    "RegistrationCorrection",
    "Remittent",
    "ReportRelease",
    "Response",
    "ResponseMode",
    "ResponseStatus",
    "Role",
    "RoleKind",
    "StaffSession",
    "StaffUser",
]
