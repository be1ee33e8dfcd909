"""The results table's rows as plain data, read in one statement of plain columns: the entry by alias
(its maker's name only once the results are published), the evidence already formatted for display,
and whether its tie group is worth naming.

Pages get these rows, not ORM objects: a 500-entry table built from ORM entities (each entry, its
maker, the maker's role grants) cost most of the page's time, while plain tuples cost a few
milliseconds. The numbers are formatted here, once per row, so the template only writes strings out,
and the tie check is one pass over the rows instead of a comparison of every row with every other.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

from markupsafe import Markup, escape
from sqlalchemy import Text, cast, null, select

from app.accounts.models import User
from app.challenges.models import Challenge
from app.extensions import db
from app.judging.aggregation import UNREVIEWED, describe_flag
from app.judging.models import EntryResult
from app.submissions.models import Submission


class ResultRow(NamedTuple):
    """One entry's row; the ``*_text`` fields are what the table shows for the numbers beside them."""

    submission_id: int
    label: str  # "Entry K7QF"
    title: str
    maker: str | None  # who made it: None until the results are published
    place: int
    rank: int
    tie_group: int
    shows_tie_group: bool  # tied with another entry, or placed apart from its rank by the tie rule
    calibrated_score: float
    raw_mean: float
    p_prize: float
    review_count: int
    flags: tuple[str, ...]
    unreviewed: bool  # no judge reviewed it: unranked, and its scores are shown as dashes
    calibrated_text: str  # "7.25"
    raw_mean_text: str  # "7.00"
    p_prize_text: str  # "83%"
    flag_sentences: tuple[str, ...]  # what each flag means, in the flags' order


def tie_group_sizes(groups: Iterable[int]) -> Counter[int]:
    """How many entries share each tie group."""
    return Counter(groups)


_COLUMNS = (
    EntryResult.submission_id,
    Submission.alias,
    Submission.title,
    EntryResult.place,
    EntryResult.rank,
    EntryResult.tie_group,
    EntryResult.calibrated_score,
    EntryResult.raw_mean,
    EntryResult.p_prize,
    EntryResult.review_count,
    # As text: nearly every row holds the same few lists ("[]" above all), so each distinct one is
    # parsed once per page instead of decoding 500 JSON values.
    cast(EntryResult.flags, Text),
)


def result_rows(challenge: Challenge, *, published: bool) -> list[ResultRow]:
    """The challenge's ranking in place order; makers are read only when ``published``."""
    maker = User.display_name if published else null().label("maker")
    query = (
        select(*_COLUMNS, maker)
        .join(Submission, Submission.id == EntryResult.submission_id)
        .where(EntryResult.challenge_id == challenge.id)
        .order_by(EntryResult.place, EntryResult.rank, EntryResult.id)
    )
    if published:
        query = query.join(User, User.id == Submission.contributor_id)
    results = db.session.execute(query).all()
    sizes = tie_group_sizes(result[5] for result in results)
    sentences: dict[str, str] = {}
    parsed: dict[str, tuple[str, ...]] = {}
    rows = []
    for (
        submission_id,
        alias,
        title,
        place,
        rank,
        tie_group,
        calibrated,
        raw_mean,
        p_prize,
        review_count,
        stored_flags,
        made_by,
    ) in results:
        flags = parsed.get(stored_flags)
        if flags is None:
            flags = parsed[stored_flags] = tuple(json.loads(stored_flags)) if stored_flags else ()
        for flag in flags:
            if flag not in sentences:
                sentences[flag] = describe_flag(flag)
        rows.append(
            ResultRow(
                submission_id,
                f"Entry {alias}",
                title,
                made_by,
                place,
                rank,
                tie_group,
                rank != place or sizes[tie_group] > 1,
                calibrated,
                raw_mean,
                p_prize,
                review_count,
                flags,
                UNREVIEWED in flags,
                f"{calibrated:.2f}",
                f"{raw_mean:.2f}",
                f"{p_prize * 100:.0f}%",
                tuple(sentences[flag] for flag in flags),
            )
        )
    return rows


def rows_html(
    rows: Iterable[ResultRow],
    *,
    winners: int,
    published: bool,
    extra_review_prefix: str | None = None,
    csrf_token: str | None = None,
) -> Markup:
    """The table's body rows, written out in one pass with every stored text escaped.

    A Jinja loop spent about 14 microseconds per row (an attribute lookup, an escape and a test per
    cell); joining strings here costs a few, which is most of a 500-entry page's rendering time. The
    table's frame stays in ``judging/_results_table.html``. ``extra_review_prefix`` (the extra-review
    address without its entry id) and ``csrf_token`` are given only when the viewer may ask for an
    extra review now; flagged rows then carry the button.
    """
    badges: dict[str, str] = {}
    parts: list[str] = []
    add = parts.append
    for row in rows:
        add('<tr class="prize-row">' if row.place <= winners and not row.unreviewed else "<tr>")
        if row.unreviewed:
            add("<td>Unranked</td>")
        elif row.shows_tie_group:
            add(f'<td>{row.place} <span class="hint">(tie group {row.tie_group})</span></td>')
        else:
            add(f"<td>{row.place}</td>")
        maker = f" — {escape(row.maker)}" if published and row.maker else ""
        add(f"<td>{escape(row.label)}: {escape(row.title)}{maker}</td>")
        if row.unreviewed:
            add('<td class="number">—</td><td class="number">—</td><td class="number">none</td>')
        else:
            add(
                f'<td class="number">{row.calibrated_text}</td><td class="number">{row.raw_mean_text}</td>'
                f'<td class="number">{row.p_prize_text}</td>'
            )
        add(f'<td class="number">{row.review_count}</td><td>')
        for sentence in row.flag_sentences:
            badge = badges.get(sentence)
            if badge is None:
                text = escape(sentence)
                badge = badges[sentence] = f'<span class="badge flag" title="{text}">{text}</span> '
            add(badge)
        add("</td><td>")
        if extra_review_prefix is not None and row.flags:
            add(
                f'<form method="post" action="{escape(extra_review_prefix)}{row.submission_id}">'
                f'<input type="hidden" name="csrf_token" value="{escape(csrf_token or "")}">'
                '<button type="submit" class="link-button">Ask for an extra review</button></form>'
            )
        add("</td></tr>\n")
    return Markup("".join(parts))  # noqa: S704 - every stored text above is escaped
