"""How well someone knows a skill, and the "Python: expert, SQL" form people type skills in."""

from __future__ import annotations

import enum
from collections.abc import Iterable


class SkillLevel(enum.IntEnum):
    """Three levels anyone can place themselves on without a rubric."""

    LEARNING = 1
    PRACTISED = 2
    EXPERT = 3

    @property
    def label(self) -> str:
        return self.name.lower()


DEFAULT_LEVEL = SkillLevel.PRACTISED
_BY_WORD = {level.label: level for level in SkillLevel} | {str(int(level)): level for level in SkillLevel}


class SkillEntryError(ValueError):
    """A typed skill entry names a level that does not exist."""


def parse_skill_entry(entry: str) -> tuple[str, SkillLevel]:
    """ "Python: expert" → ("Python", EXPERT); a bare name is practised; "SQL: 1" is learning."""
    name, separator, level_text = entry.rpartition(":")
    if not separator:
        return entry.strip(), DEFAULT_LEVEL
    word = level_text.strip().lower()
    if word not in _BY_WORD:
        choices = ", ".join(level.label for level in SkillLevel)
        raise SkillEntryError(f"{entry.strip()!r}: say the level as one of {choices} (or 1 to 3).")
    return name.strip(), _BY_WORD[word]


def parse_skill_entries(entries: Iterable[str]) -> list[tuple[str, SkillLevel]]:
    """Every non-empty entry parsed, in order; the first error stops the parse."""
    return [parse_skill_entry(entry) for entry in entries if entry.strip()]


def format_skill_entries(pairs: Iterable[tuple[str, int]]) -> str:
    """The text a profile form shows: "Python: expert, SQL: learning" (practised is left implicit)."""
    shown = []
    for name, level in pairs:
        shown.append(name if level == DEFAULT_LEVEL else f"{name}: {SkillLevel(level).label}")
    return ", ".join(shown)
