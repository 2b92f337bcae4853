"""The questionnaires a service knows: read from a folder at start, one broken file never
stopping the others."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from pathlib import Path

from survey_app.questionnaires import licensed
from survey_app.questionnaires.definition import (
    DefinitionError,
    Problem,
    Questionnaire,
    parse_definition,
)

log = logging.getLogger(__name__)


class Registry:
    def __init__(self, directory: Path, licensed_texts_dir: Path | None = None) -> None:
        self.directory = directory
        self.licensed_texts_dir = licensed_texts_dir
        self.by_id: dict[str, Questionnaire] = {}
        self.by_hash: dict[str, Questionnaire] = {}
        self.problems: list[Problem] = []
        self.reload()

    def reload(self) -> None:
        by_id: dict[str, Questionnaire] = {}
        problems: list[Problem] = []
        for path in sorted(self.directory.glob("*.yaml")):
            try:
                questionnaire = parse_definition(path.read_bytes(), path.name)
            except DefinitionError as error:
                problems.extend(error.problems)
                for problem in error.problems:
                    log.error("questionnaire file not loaded: %s", problem)
                continue
            questionnaire, licensed_problems = licensed.install(
                questionnaire, self.licensed_texts_dir
            )
            for problem in licensed_problems:
                log.error("licensed texts not installed: %s", problem)
            problems.extend(licensed_problems)
            if questionnaire.id in by_id:
                problems.append(
                    Problem(path.name, "id", None, f"id {questionnaire.id!r} finns i två filer")
                )
                log.error("questionnaire file not loaded: duplicate id in %s", path.name)
                continue
            by_id[questionnaire.id] = questionnaire
        self.by_id = by_id
        self.by_hash.update({q.content_hash: q for q in by_id.values()})
        self.problems = problems

    def overlaid(self, own: Iterable[Questionnaire]) -> Registry:
        """This registry with `own` definitions replacing those with the same id (a förbund's
        active files, survey_app/questionnaires/own.py). The hash index is shared: a content
        hash names one file's exact content whoever uploaded it."""
        view = copy.copy(self)
        view.by_id = {**self.by_id, **{q.id: q for q in own}}
        return view

    def get(self, questionnaire_id: str) -> Questionnaire | None:
        return self.by_id.get(questionnaire_id)

    def remember(self, questionnaire: Questionnaire) -> None:
        """Keep an older version (from a stored snapshot) available by its hash."""
        self.by_hash.setdefault(questionnaire.content_hash, questionnaire)

    def participant_questionnaires(self) -> list[Questionnaire]:
        return [q for q in self.by_id.values() if q.respondent == "participant"]

    def missing_licensed_texts(self) -> list[str]:
        """Questionnaires whose licensed wording is not installed in Swedish."""
        return sorted(
            q.id
            for q in self.by_id.values()
            if q.licensed_texts and "sv" not in q.licensed_texts_installed
        )
