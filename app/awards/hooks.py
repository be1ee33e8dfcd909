"""Where the domains above awards take part in it (see ``app.core.hooks``)."""

from __future__ import annotations

from app.core.hooks import Hook

results_published = Hook(
    "awards.results_published",
    doc="A challenge's results were published and its prizes awarded. Called with the challenge and "
    "``actor=`` inside the publishing transaction, before it commits: listeners add their follow-up work "
    "(payouts, outcome surveys) to that transaction, so it happens exactly when publication does.",
)
