"""A förbund's own questionnaire files: checked, stored as uploaded, activated, and the registry
each förbund sees (the shipped definitions overlaid by its active files).

A file with the id of a shipped questionnaire replaces it for that förbund only. Files are kept
exactly as uploaded; a response records the content hash of the file it was given, and
`responses.storage.definition_by_hash` finds that file again after a newer one is activated.

Operations only flush; the request (or the CLI command) commits.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app

from survey_app.extensions import db
from survey_app.models import Forbund, OwnQuestionnaire
from survey_app.models._types import utcnow
from survey_app.privacy import audit
from survey_app.questionnaires import licensed
from survey_app.questionnaires.definition import (
    DefinitionError,
    Problem,
    Questionnaire,
    parse_definition,
)
from survey_app.questionnaires.registry import Registry

if TYPE_CHECKING:
    from survey_app.responses.reading import ForbundRow

DRAFT = "draft"
ACTIVE = "active"
RETIRED = "retired"

STATUS_LABELS = {DRAFT: "Utkast", ACTIVE: "Används", RETIRED: "Ersatt"}

# Larger than any real questionnaire (the shipped ones are under 20 kB).
MAX_FILE_BYTES = 512 * 1024


def check_file(raw: bytes, filename: str) -> Questionnaire:
    """The definition of an uploaded file, or DefinitionError with the same file/line/reason
    problems as `flask questionnaires check`."""
    if len(raw) > MAX_FILE_BYTES:
        raise DefinitionError(
            [Problem(filename, "", None, f"filen är större än {MAX_FILE_BYTES // 1024} kB")]
        )
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise DefinitionError(
            [Problem(filename, "", None, "filen är inte UTF-8-kodad text")]
        ) from error
    return parse_definition(raw, filename)


def upload(forbund: Forbund, raw: bytes, filename: str, actor_id: int | None) -> OwnQuestionnaire:
    """Check a file and keep it as a draft of the förbund (the same file again: the stored
    one). A broken file raises DefinitionError and stores nothing."""
    questionnaire = check_file(raw, filename)
    same = db.session.scalar(
        sa.select(OwnQuestionnaire).where(
            OwnQuestionnaire.forbund_id == forbund.id,
            OwnQuestionnaire.content_hash == questionnaire.content_hash,
        )
    )
    if same is not None:
        return same
    taken = db.session.scalar(
        sa.select(OwnQuestionnaire.id).where(
            OwnQuestionnaire.forbund_id == forbund.id,
            OwnQuestionnaire.questionnaire_id == questionnaire.id,
            OwnQuestionnaire.version == questionnaire.version,
        )
    )
    if taken is not None:
        # Responses and reports tell versions apart by this number: two contents may not share it.
        raise DefinitionError(
            [
                Problem(
                    filename,
                    "version",
                    _line_of(questionnaire.source, "version"),
                    f"version {questionnaire.version} av {questionnaire.id} finns redan med "
                    "annat innehåll; ge filen ett nytt versionsnummer",
                )
            ]
        )
    row = OwnQuestionnaire(
        forbund_id=forbund.id,
        questionnaire_id=questionnaire.id,
        version=questionnaire.version,
        content_hash=questionnaire.content_hash,
        filename=filename[:200],
        source=questionnaire.source,
        status=DRAFT,
        uploaded_by_id=actor_id,
        uploaded_at=utcnow(),
    )
    db.session.add(row)
    db.session.flush()
    _record("own_questionnaire_uploaded", row, actor_id)
    return row


def _record(action: str, row: OwnQuestionnaire, actor_id: int | None) -> None:
    """The audit event of an upload or activation: which file, never its content."""
    audit.record(
        action,
        forbund_id=row.forbund_id,
        actor_id=actor_id,
        object_type="own_questionnaire",
        object_id=row.id,
        questionnaire=row.questionnaire_id,
        version=row.version,
        content_hash=row.content_hash,
    )


def activate(forbund: Forbund, row: OwnQuestionnaire, actor_id: int | None) -> None:
    """Put a file in use for the förbund; the file it replaces (same id) is retired. Responses
    already given keep the definition they were given."""
    if row.forbund_id != forbund.id:
        raise ValueError("the file belongs to another förbund")
    if row.status == ACTIVE:
        return
    for earlier in db.session.scalars(
        sa.select(OwnQuestionnaire).where(
            OwnQuestionnaire.forbund_id == forbund.id,
            OwnQuestionnaire.questionnaire_id == row.questionnaire_id,
            OwnQuestionnaire.status == ACTIVE,
        )
    ):
        earlier.status = RETIRED
    row.status = ACTIVE
    row.activated_at = utcnow()
    forbund.questionnaire_generation = (forbund.questionnaire_generation or 0) + 1
    db.session.flush()
    _record("own_questionnaire_activated", row, actor_id)


def files_of(forbund_id: int) -> list[OwnQuestionnaire]:
    """The förbund's files, newest first."""
    return list(
        db.session.scalars(
            sa.select(OwnQuestionnaire)
            .where(OwnQuestionnaire.forbund_id == forbund_id)
            .order_by(OwnQuestionnaire.uploaded_at.desc(), OwnQuestionnaire.id.desc())
        )
    )


def file_of(forbund_id: int, file_id: int) -> OwnQuestionnaire | None:
    return db.session.scalar(
        sa.select(OwnQuestionnaire).where(
            OwnQuestionnaire.id == file_id, OwnQuestionnaire.forbund_id == forbund_id
        )
    )


def definition_of(row: OwnQuestionnaire) -> Questionnaire:
    """The stored file's definition (stored files passed the check when uploaded)."""
    return _parsed(row.content_hash, row.source, row.filename)


def shipped() -> Registry:
    registry: Registry = current_app.extensions["questionnaires"]
    return registry


# Per förbund id: (its questionnaire_generation, its registry). Built on first use in a process
# and again only when the förbund's generation moves, so a page that already has its Forbund
# loaded gets its registry without a statement.
_LOCK = threading.Lock()


def questionnaires_for(forbund: Forbund | ForbundRow | int) -> Registry:
    """The questionnaires of a förbund (the model, its id, or a page's plain read of it): the
    shipped ones, each replaced by the förbund's active file with the same id, plus its own new
    ones."""
    if isinstance(forbund, int):
        found = db.session.get(Forbund, forbund)
        if found is None:
            return shipped()
        forbund = found
    base = shipped()
    cache: dict[int, tuple[int, Registry]] = current_app.extensions.setdefault(
        "own_questionnaires", {}
    )
    generation = forbund.questionnaire_generation or 0
    known = cache.get(forbund.id)
    if known is not None and known[0] == generation:
        return known[1]
    if generation == 0:
        # Never activated a file: the shipped set as it is.
        registry = base
    else:
        rows = db.session.execute(
            sa.select(
                OwnQuestionnaire.content_hash, OwnQuestionnaire.source, OwnQuestionnaire.filename
            ).where(OwnQuestionnaire.forbund_id == forbund.id, OwnQuestionnaire.status == ACTIVE)
        ).all()
        own = []
        for content_hash, source, filename in rows:
            questionnaire = _parsed(content_hash, source, filename)
            questionnaire, _problems = licensed.install(questionnaire, base.licensed_texts_dir)
            own.append(questionnaire)
        registry = base.overlaid(own)
    with _LOCK:
        cache[forbund.id] = (generation, registry)
    return registry


def _parsed(content_hash: str, source: str, filename: str) -> Questionnaire:
    """Parse a stored file once per process: the shipped registry's hash index keeps it."""
    base = shipped()
    known = base.by_hash.get(content_hash)
    if known is not None:
        return known
    questionnaire = parse_definition(source, filename)
    base.remember(questionnaire)
    return questionnaire


def _line_of(source: str, key: str) -> int | None:
    for number, line in enumerate(source.splitlines(), start=1):
        if line.startswith(f"{key}:"):
            return number
    return None
