"""What staff can learn about participant codes outside their own insatser.

Codes are unique in a förbund, so registering a new participant under a code someone else in the
förbund already has must be refused, and the refusal itself says that the code is taken. What the
service can do: give one and the same answer for every refusal (taken; or, when linking someone
who exists, an unknown code or a wrong gender or birth year: `CodeUnavailable`), and bound how
often a staff member can get it for codes they cannot see. Refusals for codes outside the user's
own insatser, and every failed attempt to link an existing participant, count against a budget
per user (CODE_LOOKUP_FAILURES, default 20 per hour, in the rate-limit storage shared by the
workers). While it is spent, every registration by that user is answered "För många försök",
whatever the code, so the answer then says nothing either. Registering one's own participants
again (a CSV uploaded twice) does not count.
"""

from __future__ import annotations

from collections.abc import Collection

import sqlalchemy as sa
from flask import current_app
from limits import RateLimitItem, parse

from survey_app import access
from survey_app.extensions import db, limiter
from survey_app.models import Insats, Participant, Participation, StaffUser

NAMESPACE = "code-lookup-failures"


def _item() -> RateLimitItem:
    return parse(current_app.config["SETTINGS"].code_lookup_failures)


def remaining(user: StaffUser) -> int:
    """Refusals the user may still get in the current window."""
    return int(limiter.limiter.get_window_stats(_item(), NAMESPACE, str(user.id)).remaining)


def charge(user: StaffUser, forbund_id: int, codes: Collection[str], linking: bool) -> int:
    """Count refusals of these codes against the user's budget; returns how many counted.
    A failed link of an existing participant always counts; a taken code only when none of
    the user's own insatser has a participant with it."""
    counted = len(codes) if linking else len(set(codes) - visible_codes(user, forbund_id, codes))
    if counted:
        limiter.limiter.hit(_item(), NAMESPACE, str(user.id), cost=counted)
    return counted


def visible_codes(user: StaffUser, forbund_id: int, codes: Collection[str]) -> set[str]:
    """Those of `codes` whose participant the user can already see in an own insats."""
    allowed = access.participant_level_insatser(user).with_only_columns(Insats.id)
    return set(
        db.session.scalars(
            sa.select(Participant.code)
            .join(Participation, Participation.participant_id == Participant.id)
            .where(
                Participant.forbund_id == forbund_id,
                Participant.code.in_(list(codes)),
                Participation.insats_id.in_(allowed),
            )
        )
    )
