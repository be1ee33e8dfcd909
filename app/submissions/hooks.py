"""Where the domains above submissions take part in it (see ``app.core.hooks``)."""

from __future__ import annotations

from app.core.hooks import Hook

manager_approval = Hook(
    "submissions.manager_approval",
    doc="Whether an internal contributor's manager approved the time a challenge asks for. Called with "
    "the challenge and ``user=``; each listener answers True or False, and every answer must be True.",
)
file_reviewer = Hook(
    "submissions.file_reviewer",
    doc="Whether a judge may open a submission's file. Called with the submission and ``judge=``; one "
    "True answer is enough.",
)
entry_page = Hook(
    "submissions.entry_page",
    doc="Template variables for a contributor's own entry page. Called with the submission.",
)
my_entries_page = Hook(
    "submissions.my_entries_page",
    doc="Template variables for a contributor's list of their entries. Called with the contributor.",
)
