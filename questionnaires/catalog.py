"""The set of questionnaires an installation offers: every version of every file in a folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from questionnaires.loader import DIRECTORY, Questionnaire, load_directory


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


@dataclass(frozen=True)
class Catalog:
    """Questionnaires by id and version; the newest version of an id is the one new assessments use."""

    by_key: dict[tuple[str, str], Questionnaire]

    @classmethod
    def load(cls, directory: Path | str = DIRECTORY) -> Catalog:
        """Load every questionnaire file in a folder; a malformed file raises `QuestionnaireError`."""
        return cls(load_directory(directory))

    def ids(self) -> list[str]:
        """Questionnaire ids, each once, in a stable order."""
        return sorted({questionnaire_id for questionnaire_id, _ in self.by_key})

    def versions(self, questionnaire_id: str) -> list[str]:
        """The versions of one questionnaire, oldest first."""
        return sorted((v for i, v in self.by_key if i == questionnaire_id), key=_version_key)

    def get(self, questionnaire_id: str, version: str | None = None) -> Questionnaire | None:
        """One version, or the newest when `version` is None; None when there is no such questionnaire."""
        if version is None:
            versions = self.versions(questionnaire_id)
            if not versions:
                return None
            version = versions[-1]
        return self.by_key.get((questionnaire_id, version))

    def latest(self) -> list[Questionnaire]:
        """The newest version of every questionnaire, shortest first."""
        found = [self.get(questionnaire_id) for questionnaire_id in self.ids()]
        return sorted(found, key=lambda q: (q.definition.estimated_minutes, q.id))
