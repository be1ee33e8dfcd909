"""Counting the SQL statements one request issues, and the registry of counted endpoints.

A per-row query (a lazy load in a template, a count per row) shows as a count that grows with the
rows; eager loading and set-based queries keep it flat. The count is taken on the app's own engine,
in the test's process, around one test-client request that runs exactly as a real one does.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import before_render_template, template_rendered
from flask.testing import FlaskClient
from sqlalchemy import event

# endpoint -> the test functions that count it; filled as the test modules are imported.
COUNTED: dict[str, list[str]] = {}

SMALL, LARGE = 5, 500


def counts(*endpoints: str) -> Callable[[Callable[..., object]], Callable[..., object]]:
    """Mark a test as the statement-count test of ``endpoints`` (Flask endpoint names)."""

    def register(test: Callable[..., object]) -> Callable[..., object]:
        for endpoint in endpoints:
            COUNTED.setdefault(endpoint, []).append(f"{test.__module__}.{test.__qualname__}")
        return test

    return register


@dataclass
class Statements:
    """The statements seen while counting, in order (kept so a failure can show them)."""

    seen: list[str] = field(default_factory=list)
    # Statements issued while a template rendered: a lazy load or a query called from the template.
    from_templates: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.seen)


@contextmanager
def counting_statements() -> Iterator[Statements]:
    from app.extensions import db

    statements = Statements()
    rendering = [0]  # how many templates are rendering now (one includes or extends another)

    def note(_conn, _cursor, statement, _parameters, _context, _executemany) -> None:
        statements.seen.append(statement)
        if rendering[0]:
            statements.from_templates.append(statement)

    def render_starts(_app, **_extra) -> None:
        rendering[0] += 1

    def render_ends(_app, **_extra) -> None:
        rendering[0] -= 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", note)
    before_render_template.connect(render_starts)
    template_rendered.connect(render_ends)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", note)
        before_render_template.disconnect(render_starts)
        template_rendered.disconnect(render_ends)


@dataclass(frozen=True)
class Ask:
    """One request: who asks, what, and the status that proves the page answered in full."""

    client: FlaskClient
    url: str
    status: int = 200
    headers: dict[str, str] | None = None

    def statements(self) -> Statements:
        """The statements of this request, asked once before so per-process caches are warm."""
        self._send()
        with counting_statements() as statements:
            self._send()
        return statements

    def _send(self) -> None:
        response = self.client.get(self.url, headers=self.headers)
        assert response.status_code == self.status, (
            f"GET {self.url} answered {response.status_code}, not {self.status}: "
            f"{response.get_data(as_text=True)[:500]}"
        )


def assert_flat(ask: Callable[[], Ask], grow: Callable[[int], None]) -> tuple[int, int]:
    """Grow the scene to SMALL rows and count ``ask()``'s statements, then to LARGE and count again.

    ``grow(n)`` adds rows until the page has ``n`` of them (it is called with SMALL, then LARGE).
    Returns both counts; fails, listing the statements, when the larger scene took more, or when a
    template issued any statement (queries belong in the views and ``queries.py``, not in templates).
    """
    grow(SMALL)
    small = ask().statements()
    grow(LARGE)
    large = ask().statements()
    for counted in (small, large):
        assert counted.from_templates == [], "templates queried the database:\n" + "\n---\n".join(
            counted.from_templates[:20]
        )
    assert len(large) <= len(small), (
        f"{len(small)} statements at {SMALL} rows, {len(large)} at {LARGE}; at {LARGE}:\n"
        + "\n---\n".join(large.seen[:40])
    )
    return len(small), len(large)


# endpoint -> why it needs no count test (it shows no rows: a form, a redirect, a file).
NOT_COUNTED: dict[str, str] = {}


def shows_no_rows(endpoint: str, why: str) -> None:
    """Record that ``endpoint`` answers GET with no rows to grow, and why; the URL-map test reads it."""
    assert why.strip(), "say why the endpoint has no rows"
    NOT_COUNTED[endpoint] = why
