"""The skills vocabulary's limits, which profiles, challenges and the API all state."""

from __future__ import annotations

MAX_SKILL_NAME = 80  # characters, in a name and in its slug: the width of skills.name and skills.slug
MAX_SKILLS = 30  # skills one list may name
