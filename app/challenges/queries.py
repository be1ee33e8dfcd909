"""Reads of challenges that the pages and the API share: the public list (which filters it accepts and
the select they build), one challenge by id or address, an organisation's own challenges, a challenge's
history. Nothing here changes state."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import groupby

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, false, func, literal, or_, select, union_all
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.accounts.models import Organization
from app.challenges.lifecycle import LABELS, Status
from app.challenges.models import Challenge
from app.challenges.options import Eligibility
from app.core.audit import AuditEvent
from app.core.money import POINTS
from app.core.paging import read_page
from app.extensions import db
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry
from app.ledger.posting import owner_label
from app.skills.models import Skill, challenge_preferred_skills, challenge_skills
from app.skills.services import skill_slug

# What a visitor picks → the lifecycle states it shows. Drafts are never listed.
STATUS_FILTERS: dict[str, tuple[Status, ...]] = {
    "upcoming": (Status.FUNDED,),
    "open": (Status.OPEN,),
    "closed": (Status.CLOSED, Status.JUDGING, Status.JUDGING_OVERDUE, Status.RESULTS_PROPOSED),
    "finished": (Status.AWARDED, Status.PAID),
    "cancelled": (Status.CANCELLED,),
}
STATUS_FILTER_LABELS = {
    "upcoming": "Upcoming",
    "open": "Open",
    "closed": "Closed or being judged",
    "finished": "Finished",
    "cancelled": "Cancelled",
}
DEFAULT_STATUS_FILTERS = ("upcoming", "open")
ELIGIBILITY_FILTERS = tuple(choice.value for choice in Eligibility)
REWARD_FILTERS = ("cash", "points")
SORTS = {"deadline": "Closing soonest", "bounty": "Largest bounty", "newest": "Newest"}
DEFAULT_SORT = "deadline"
# Each sort as (column, descending) pairs ending with the id, so the order is total: the API's
# cursors resume from the last row's values of these columns.
SORT_KEYS = {
    "deadline": ((Challenge.closes_at, False), (Challenge.id, False)),
    "bounty": ((Challenge.bounty_minor, True), (Challenge.closes_at, False), (Challenge.id, False)),
    "newest": ((Challenge.created_at, True), (Challenge.id, True)),
}
MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class ListFilters:
    """The list's filters after checking; ``problems`` says, for people, which values were ignored."""

    statuses: tuple[str, ...] = DEFAULT_STATUS_FILTERS
    skills: tuple[str, ...] = ()
    eligibility: str | None = None
    reward: str | None = None
    search: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    # The page number as the query string wrote it, for saying there is no such page.
    page_asked: str = field(default="", compare=False)
    problems: tuple[str, ...] = field(default=(), compare=False)

    def query_args(self) -> dict[str, list[str]]:
        """The query string that reproduces these filters (without the page), for links."""
        args: dict[str, list[str]] = {}
        if self.statuses != DEFAULT_STATUS_FILTERS:
            args["status"] = list(self.statuses)
        if self.skills:
            args["skill"] = list(self.skills)
        if self.eligibility:
            args["eligibility"] = [self.eligibility]
        if self.reward:
            args["reward"] = [self.reward]
        if self.search:
            args["q"] = [self.search]
        if self.sort != DEFAULT_SORT:
            args["sort"] = [self.sort]
        return args

    @property
    def is_default(self) -> bool:
        return not self.query_args()


def _one_of(values: Sequence[str], allowed: Sequence[str], what: str, problems: list[str]) -> str | None:
    """The last non-empty value when it is one of ``allowed``; otherwise None and a problem."""
    picked = [value.strip().lower() for value in values if value.strip()]
    if not picked:
        return None
    if picked[-1] not in allowed:
        problems.append(
            f"“{_shown(picked[-1])}” is not {what} (use {_or_list(allowed)}); that filter is ignored."
        )
        return None
    return picked[-1]


def _shown(value: str) -> str:
    """A value from the query string, cut short enough to quote back in a message."""
    value = value.strip()
    return value if len(value) <= 40 else value[:40] + "…"


def _or_list(words: Sequence[str]) -> str:
    return ", ".join(words[:-1]) + f" or {words[-1]}" if len(words) > 1 else words[0]


def parse_filters(args: Mapping[str, Sequence[str]], known_skills: Sequence[str] = ()) -> ListFilters:
    """Check the query string (each name → its values); unknown values are dropped and explained.

    ``known_skills`` are the skill slugs that exist; a skill outside them is dropped the same way.
    """
    problems: list[str] = []

    statuses: list[str] = []
    for raw in args.get("status", ()):
        value = raw.strip().lower()
        if value in STATUS_FILTERS:
            statuses.append(value)
        elif value:
            problems.append(f"“{_shown(raw)}” is not a status filter (use {_or_list(list(STATUS_FILTERS))}).")
    if not statuses and problems:
        problems[-1] += " Showing upcoming and open challenges."

    skills: list[str] = []
    for raw in args.get("skill", ()):
        value = skill_slug(raw)
        if value in known_skills:
            skills.append(value)
        elif value:
            problems.append(f"No challenge asks for the skill “{_shown(raw)}”; that filter is ignored.")

    eligibility = _one_of(args.get("eligibility", ()), ELIGIBILITY_FILTERS, "an eligibility filter", problems)
    reward = _one_of(args.get("reward", ()), REWARD_FILTERS, "a reward filter", problems)

    sort = DEFAULT_SORT
    sorts = [value.strip().lower() for value in args.get("sort", ()) if value.strip()]
    if sorts and sorts[-1] in SORTS:
        sort = sorts[-1]
    elif sorts:
        problems.append(
            f"“{_shown(sorts[-1])}” is not a way to sort (use {_or_list(list(SORTS))}); sorting by deadline."
        )

    pages = [value.strip() for value in args.get("page", ()) if value.strip()]
    asked = read_page(pages[-1] if pages else None)
    if asked.problem:
        problems.append(asked.problem)

    search = " ".join(" ".join(args.get("q", ())).split())[:MAX_SEARCH_LENGTH]
    return ListFilters(
        statuses=tuple(dict.fromkeys(statuses)) or DEFAULT_STATUS_FILTERS,
        skills=tuple(dict.fromkeys(skills)),
        eligibility=eligibility,
        reward=reward,
        search=search,
        sort=sort,
        page=asked.number,
        page_asked=_shown(pages[-1]) if pages else "",
        problems=tuple(problems),
    )


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def challenge_list(filters: ListFilters) -> Select[Challenge]:
    """Challenges matching every filter: any of the chosen statuses and skills, and all the rest."""
    states = [state.value for name in filters.statuses for state in STATUS_FILTERS[name]]
    query = select(Challenge).where(Challenge.status.in_(states))
    if filters.skills:
        with_skill = (
            select(challenge_skills.c.challenge_id)
            .join(Skill, Skill.id == challenge_skills.c.skill_id)
            .where(Skill.slug.in_(filters.skills))
        )
        query = query.where(Challenge.id.in_(with_skill))
    if filters.eligibility:
        query = query.where(Challenge.eligibility == filters.eligibility)
    if filters.reward == "points":
        query = query.where(Challenge.currency == POINTS)
    elif filters.reward == "cash":
        query = query.where(Challenge.currency != POINTS)
    if filters.search:
        pattern = f"%{_escape_like(filters.search)}%"
        query = query.where(
            or_(Challenge.title.ilike(pattern, escape="\\"), Challenge.summary.ilike(pattern, escape="\\"))
        )
    return query.order_by(
        *(column.desc() if descending else column for column, descending in SORT_KEYS[filters.sort])
    )


def in_full(query: Select[Challenge]) -> Select[Challenge]:
    """``query`` with its sponsor and rubric loaded alongside it; call ``load_skill_lists`` on the rows
    it returns for their skills. A fixed number of statements however many challenges it returns."""
    return query.options(joinedload(Challenge.sponsor_org), selectinload(Challenge.criteria))


def load_skill_lists(challenges: Sequence[Challenge]) -> list[Challenge]:
    """``challenges`` with both their skill lists (asked for, nice to have) loaded, by name, in one
    statement: the relationships' own loaders would send one each."""
    if not challenges:
        return list(challenges)
    ids = [challenge.id for challenge in challenges]
    links = union_all(
        select(
            challenge_skills.c.challenge_id, literal(False).label("preferred"), challenge_skills.c.skill_id
        ).where(challenge_skills.c.challenge_id.in_(ids)),
        select(
            challenge_preferred_skills.c.challenge_id,
            literal(True).label("preferred"),
            challenge_preferred_skills.c.skill_id,
        ).where(challenge_preferred_skills.c.challenge_id.in_(ids)),
    ).subquery()
    found: dict[tuple[int, bool], list[Skill]] = {}
    rows = db.session.execute(
        select(links.c.challenge_id, links.c.preferred, Skill)
        .join(Skill, Skill.id == links.c.skill_id)
        .order_by(Skill.name, Skill.id)
    )
    for challenge_id, preferred, skill in rows:
        found.setdefault((challenge_id, bool(preferred)), []).append(skill)
    for challenge in challenges:
        set_committed_value(challenge, "skills", found.get((challenge.id, False), []))
        set_committed_value(challenge, "preferred_skills", found.get((challenge.id, True), []))
    return list(challenges)


def listed_skills() -> Select[tuple[Skill]]:
    """Skills that some listed (non-draft) challenge asks for, by name: the skill filter's choices."""
    used = (
        select(challenge_skills.c.skill_id)
        .join(Challenge, Challenge.id == challenge_skills.c.challenge_id)
        .where(Challenge.status != Status.DRAFT.value)
    )
    return select(Skill).where(Skill.id.in_(used)).order_by(Skill.name)


# --- one challenge, lists and counts --------------------------------------------------------------


def challenge_by_id(challenge_id: int) -> Challenge | None:
    return db.session.get(Challenge, challenge_id)


def challenge_page_by_slug(slug: str) -> tuple[Challenge, str | None] | None:
    """The challenge at ``/challenges/<slug>``, with the sponsor, rubric and skills its page shows,
    and the host organisation's name (None without one) that its eligibility sentence names. Two
    statements: the rubric and the host's name joined to the challenge's row, both skill lists in one."""
    host = select(Organization.name).where(Organization.is_host).limit(1).scalar_subquery()
    found = (
        db.session.execute(
            select(Challenge, host)
            .where(Challenge.slug == slug)
            .options(joinedload(Challenge.sponsor_org), joinedload(Challenge.criteria))
        )
        .unique()
        .first()
    )
    if found is None:
        return None
    challenge, host_name = found
    load_skill_lists([challenge])
    return challenge, host_name


def skills_in_use() -> list[Skill]:
    """The skills the list can filter by."""
    return list(db.session.scalars(listed_skills()))


@dataclass(frozen=True)
class ChallengeCard:
    """What a card on the public list shows of a challenge, read as plain columns: not the brief,
    rules, rubric or sponsor a whole challenge carries (the list never shows them)."""

    slug: str
    title: str
    summary: str
    status: str
    eligibility: str
    currency: str
    bounty_minor: int
    opens_at: datetime
    closes_at: datetime
    skills: tuple[str, ...]  # the names of the skills it asks for, by name

    @property
    def status_label(self) -> str:
        return LABELS[Status(self.status)]


class CardPagination(Pagination):
    """A page of the public list as cards: the page's rows with their skills in one statement, the
    count in another (``_query_args``: ``filtered``, the list's select of challenges, and ``sort``)."""

    def _query_items(self) -> list[ChallengeCard]:
        page_rows = (
            self._query_args["filtered"]
            .with_only_columns(
                Challenge.id,
                Challenge.slug,
                Challenge.title,
                Challenge.summary,
                Challenge.status,
                Challenge.eligibility,
                Challenge.currency,
                Challenge.bounty_minor,
                Challenge.opens_at,
                Challenge.closes_at,
                Challenge.created_at,
            )
            .limit(self.per_page)
            .offset(self._query_offset)
            .subquery()
        )
        c = page_rows.c
        # The page's rows joined to their skills: a row per skill (one, without a name, for none), in
        # the list's order and then by skill name, the order the card shows them in.
        rows = db.session.execute(
            select(*(c[name] for name in _CARD_COLUMNS), Skill.name)
            .select_from(
                page_rows.outerjoin(challenge_skills, challenge_skills.c.challenge_id == c.id).outerjoin(
                    Skill, Skill.id == challenge_skills.c.skill_id
                )
            )
            .order_by(
                *(
                    c[column.key].desc() if descending else c[column.key]
                    for column, descending in self._query_args["sort"]
                ),
                Skill.name,
            )
        )
        cards = []
        for _, group in groupby(rows, key=lambda row: row.id):
            rows_of_one = list(group)
            fields = {name: rows_of_one[0]._mapping[c[name]] for name in _CARD_COLUMNS[1:]}
            names = tuple(row.name for row in rows_of_one if row.name is not None)
            cards.append(ChallengeCard(**fields, skills=names))
        return cards

    def _query_count(self) -> int:
        ids = self._query_args["filtered"].with_only_columns(Challenge.id).order_by(None).subquery()
        return db.session.execute(select(func.count()).select_from(ids)).scalar_one()


_CARD_COLUMNS = (
    "id",
    "slug",
    "title",
    "summary",
    "status",
    "eligibility",
    "currency",
    "bounty_minor",
    "opens_at",
    "closes_at",
)


@dataclass(frozen=True)
class ListPage:
    """One page of the public list; ``past_the_end`` when the page asked for lies beyond the last one,
    in which case ``page`` is the last page."""

    page: Pagination
    past_the_end: bool


def list_page(filters: ListFilters, per_page: int) -> ListPage:
    """The page of the public list that ``filters`` ask for, as cards, or the last page."""
    query = challenge_list(filters)
    sort = SORT_KEYS[filters.sort]
    page = CardPagination(page=filters.page, per_page=per_page, error_out=False, filtered=query, sort=sort)
    if page.total and filters.page > page.pages:
        return ListPage(
            CardPagination(page=page.pages, per_page=per_page, error_out=False, filtered=query, sort=sort),
            True,
        )
    return ListPage(page, False)


def organization_challenges(organization_id: int | None) -> Select[Challenge]:
    """Every challenge an organisation sponsors, drafts included, newest first; none for no organisation."""
    if organization_id is None:
        return select(Challenge).where(false())
    return select(Challenge).where(Challenge.sponsor_org_id == organization_id).order_by(Challenge.id.desc())


def challenge_counts_by_sponsor() -> dict[int, int]:
    """How many challenges each organisation sponsored (drafts and cancelled ones included)."""
    return dict(
        db.session.execute(
            select(Challenge.sponsor_org_id, func.count()).group_by(Challenge.sponsor_org_id)
        ).all()
    )


def escrow_balances(challenges: Sequence[Challenge]) -> dict[int, int]:
    """What each challenge's escrow holds now (in the challenge's currency), in one statement; a
    challenge whose escrow was never used holds 0. Reading creates no account."""
    if not challenges:
        return {}
    rows = db.session.execute(
        select(
            LedgerAccount.challenge_id,
            LedgerAccount.currency,
            func.coalesce(func.sum(LedgerEntry.amount_minor), 0),
        )
        .outerjoin(LedgerEntry, LedgerEntry.account_id == LedgerAccount.id)
        .where(
            LedgerAccount.kind == AccountKind.ESCROW.value,
            LedgerAccount.owner.in_([owner_label(None, challenge.id, None) for challenge in challenges]),
        )
        .group_by(LedgerAccount.challenge_id, LedgerAccount.currency)
    ).all()
    held = {(challenge_id, currency): int(total) for challenge_id, currency, total in rows}
    return {challenge.id: held.get((challenge.id, challenge.currency), 0) for challenge in challenges}


def history(challenge: Challenge) -> list[AuditEvent]:
    """The challenge's audit events, newest first, for its sponsor's page."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subject_type == "challenges", AuditEvent.subject_id == str(challenge.id))
            .order_by(AuditEvent.id.desc())
        )
    )
