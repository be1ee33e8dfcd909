"""The figures behind the outcomes page, read from real rows for the challenges a viewer may see.

Read-only: nothing here changes state. Sponsors see their own organisation's challenges; admins see
every challenge that was ever published.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.core.access import Role
from app.core.money import format_money
from app.extensions import db
from app.judging.models import REMOVED, SUBMITTED, Assignment, Review
from app.ledger.models import AccountKind, LedgerAccount, LedgerEntry, LedgerTransaction
from app.marketplace import outcomes
from app.marketplace.charts import Bar, bar_chart
from app.marketplace.models import OutcomeSurvey
from app.submissions.models import ACTIVE, Submission

NO_DEPARTMENT = "No department"


@dataclass(frozen=True)
class Chart:
    """One chart on the page: its heading, a one-line reading of it, and the SVG markup."""

    key: str
    heading: str
    summary: str
    svg: str


def visible_challenges(viewer: User) -> list[Challenge]:
    query = select(Challenge).where(Challenge.status != Status.DRAFT.value).order_by(Challenge.opens_at)
    if not viewer.has_role(Role.ADMIN):
        query = query.where(Challenge.sponsor_org_id == viewer.organization_id)
    return list(db.session.scalars(query))


def _participants(challenge_ids: list[int]) -> list[User]:
    makers = select(Submission.contributor_id).where(
        Submission.challenge_id.in_(challenge_ids), Submission.status == ACTIVE
    )
    return list(db.session.scalars(select(User).where(User.id.in_(makers)).order_by(User.id)))


def _hours(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours / 24:.1f} days" if hours >= 48 else f"{hours:.1f} hours"


def participation_charts(challenge_ids: list[int]) -> list[Chart]:
    people = _participants(challenge_ids)
    domains = accounts.host_domains()
    internal = [person for person in people if accounts.is_internal(person, domains)]
    external = len(people) - len(internal)
    share = outcomes.percent(len(internal), len(people))
    split = Chart(
        "participation",
        "Participation: internal and external",
        f"{len(people)} people took part; {len(internal)} internal ({share}%), {external} external."
        if people
        else "Nobody has taken part yet.",
        bar_chart(
            "Participants, internal and external",
            [Bar("Internal", len(internal)), Bar("External", external)],
            chart_id="participation",
        ),
    )
    departments = Counter(person.department or NO_DEPARTMENT for person in internal)
    ordered = sorted(departments.items(), key=lambda item: (-item[1], item[0]))
    took_part = f"{len(departments)} department{'' if len(departments) == 1 else 's'} took part."
    by_department = Chart(
        "departments",
        "Internal participants by department",
        took_part if departments else "No internal participants yet.",
        bar_chart(
            "Internal participants by department",
            [Bar(name, count) for name, count in ordered],
            chart_id="departments",
        ),
    )
    return [split, by_department]


def survey_chart(challenge_ids: list[int]) -> tuple[Chart, outcomes.SurveySummary]:
    surveys = db.session.scalars(
        select(OutcomeSurvey).where(OutcomeSurvey.challenge_id.in_(challenge_ids))
    ).all()
    answers = [
        outcomes.SurveyAnswer(s.useful_score, bool(s.would_do_again), tuple(s.skills_gained or ()))
        for s in surveys
        if s.answered_at is not None and s.useful_score is not None
    ]
    summary = outcomes.summarise_surveys(len(surveys), answers)
    if summary.answered:
        reading = (
            f"{summary.useful_percent}% found it useful for their career (4 or 5 out of 5); "
            f"{summary.again_percent}% would do it again. {summary.answered} of {summary.sent} answered."
        )
    else:
        reading = f"{summary.sent} surveys sent; no answers yet."
    chart = Chart(
        "survey",
        "Useful for my career (1 to 5)",
        reading,
        bar_chart(
            "Answers to: useful for my career, 1 to 5",
            [Bar(f"{score} of 5", count) for score, count in summary.score_counts.items()],
            chart_id="survey",
        ),
    )
    return chart, summary


def first_submission_chart(challenges: list[Challenge]) -> Chart:
    firsts = dict(
        db.session.execute(
            select(Submission.challenge_id, func.min(Submission.created_at))
            .where(Submission.challenge_id.in_([c.id for c in challenges]))
            .group_by(Submission.challenge_id)
        ).all()
    )
    bars = []
    for challenge in challenges:
        first = firsts.get(challenge.id)
        if first is None:
            continue
        seconds = max(0.0, (first - challenge.opens_at).total_seconds())
        bars.append(Bar(challenge.title, round(seconds / 3600, 1), _hours(seconds)))
    typical = outcomes.median_of(bar.value for bar in bars)
    return Chart(
        "first-submission",
        "Time from posting to the first submission",
        f"Typically {_hours(typical * 3600)} (median over {len(bars)} challenge{'' if len(bars) == 1 else 's'})."
        if typical is not None
        else "No challenge has a submission yet.",
        bar_chart("Hours from opening to the first submission", bars, chart_id="first-submission"),
    )


def cost_per_win_charts(challenges: list[Challenge]) -> list[Chart]:
    """Per currency: what each challenge paid its winners, divided by its winning entries."""
    titles = {challenge.id: challenge.title for challenge in challenges}
    rows = db.session.execute(
        select(LedgerTransaction.challenge_id, LedgerEntry.currency, LedgerEntry.amount_minor)
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(
            LedgerTransaction.kind == "award",
            LedgerTransaction.challenge_id.in_(list(titles)),
            LedgerAccount.kind == AccountKind.PAYABLE.value,
            LedgerEntry.amount_minor > 0,
        )
    ).all()
    paid: dict[tuple[str, int], list[int]] = defaultdict(list)
    for challenge_id, currency, amount in rows:
        paid[(currency, challenge_id)].append(amount)
    charts = []
    for currency in sorted({currency for currency, _ in paid}):
        bars = []
        for (bar_currency, challenge_id), amounts in sorted(paid.items(), key=lambda item: item[0][1]):
            if bar_currency != currency:
                continue
            per_win = sum(amounts) // len(amounts)
            bars.append(
                Bar(
                    titles[challenge_id],
                    per_win,
                    f"{format_money(per_win, currency)} each, {len(amounts)} winning entries",
                )
            )
        charts.append(
            Chart(
                f"cost-{currency.lower()}",
                f"Cost per winning entry ({currency})",
                f"{len(bars)} awarded challenge{'s' if len(bars) != 1 else ''} paid in {currency}.",
                bar_chart(
                    f"Prize money per winning entry, {currency}", bars, chart_id=f"cost-{currency.lower()}"
                ),
            )
        )
    if not charts:
        charts.append(
            Chart(
                "cost",
                "Cost per winning entry",
                "No prizes awarded yet.",
                bar_chart("Cost", [], chart_id="cost"),
            )
        )
    return charts


def judge_workload_chart(challenge_ids: list[int]) -> Chart:
    assigned = dict(
        db.session.execute(
            select(Assignment.judge_id, func.count())
            .where(Assignment.challenge_id.in_(challenge_ids), Assignment.status != REMOVED)
            .group_by(Assignment.judge_id)
        ).all()
    )
    reviewed = dict(
        db.session.execute(
            select(Assignment.judge_id, func.count())
            .join(Review, Review.assignment_id == Assignment.id)
            .where(Assignment.challenge_id.in_(challenge_ids), Review.status == SUBMITTED)
            .group_by(Assignment.judge_id)
        ).all()
    )
    judges = {user.id: user for user in db.session.scalars(select(User).where(User.id.in_(list(assigned))))}
    order = sorted(assigned, key=lambda judge_id: (-assigned[judge_id], judges[judge_id].display_name))
    bars = [
        Bar(
            judges[judge_id].display_name,
            reviewed.get(judge_id, 0),
            f"{reviewed.get(judge_id, 0)} of {assigned[judge_id]} reviews submitted",
        )
        for judge_id in order
    ]
    total = sum(assigned.values())
    return Chart(
        "judges",
        "Judge workload",
        f"{len(bars)} judges had {total} entries to review; {sum(reviewed.values())} reviews are in."
        if bars
        else "No judge has been assigned yet.",
        bar_chart("Reviews submitted per judge", bars, chart_id="judges"),
    )


@dataclass(frozen=True)
class Dashboard:
    challenges: int
    charts: list[Chart]
    survey: outcomes.SurveySummary


def dashboard(viewer: User) -> Dashboard:
    challenges = visible_challenges(viewer)
    ids = [challenge.id for challenge in challenges]
    survey, summary = survey_chart(ids)
    charts = [
        *participation_charts(ids),
        survey,
        first_submission_chart(challenges),
        *cost_per_win_charts(challenges),
        judge_workload_chart(ids),
    ]
    return Dashboard(challenges=len(challenges), charts=charts, survey=summary)
