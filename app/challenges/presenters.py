"""What a challenge's card and page show, worked out from the challenge: prizes, who may enter, dates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.accounts.models import Organization, User
from app.accounts.services import is_internal
from app.challenges.lifecycle import Status
from app.challenges.models import Challenge
from app.challenges.options import TIE_RULE_LABELS, UNAWARDED_RULE_LABELS, Eligibility, TieRule
from app.core.splitting import tier_amounts
from app.core.timefmt import humanize_delta
from app.core.timeutil import utcnow
from app.extensions import db

BADGES = {
    Eligibility.OPEN: "Open to everyone",
    Eligibility.INTERNAL: "Internal only",
    Eligibility.EXTERNAL: "External only",
}
_ENDED = frozenset(
    {
        Status.CLOSED,
        Status.JUDGING,
        Status.JUDGING_OVERDUE,
        Status.RESULTS_PROPOSED,
        Status.AWARDED,
        Status.PAID,
    }
)


def prize_table(challenge: Challenge) -> list[tuple[int, int, int]]:
    """(place, share in basis points, amount in minor units) for every prize place, best first."""
    # The same rule that pays the prizes, so the table never differs from the payout by a cent.
    amounts = tier_amounts(challenge.bounty_minor, challenge.tiers_bp)
    return [
        (place, share_bp, amount)
        for place, (share_bp, amount) in enumerate(zip(challenge.tiers_bp, amounts, strict=True), start=1)
    ]


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 21st."""
    if 10 <= number % 100 <= 20:
        return f"{number}th"
    return f"{number}" + {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")


def percent(share_bp: int) -> str:
    """Basis points as a percentage without trailing zeros: 5000 → "50%", 3333 → "33.33%"."""
    whole, hundredths = divmod(share_bp, 100)
    if hundredths == 0:
        return f"{whole}%"
    return f"{whole}.{hundredths:02d}".rstrip("0") + "%"


def human_bytes(size: int) -> str:
    """A file size in binary units, at most one decimal: 52428800 → "50 MiB", 1536 → "1.5 KiB"."""
    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    value, unit = size / 1024, "KiB"  # a display figure, not money
    for larger in ("MiB", "GiB", "TiB"):
        if value < 1024:
            break
        value, unit = value / 1024, larger
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


def _hours(hours: int) -> str:
    return f"{hours} hour" if hours == 1 else f"{hours} hours"


def describe_eligibility(
    eligibility: str,
    host_name: str,
    *,
    requires_manager_approval: bool = False,
    expected_hours_per_week: int | None = None,
    viewer_is_internal: bool | None = None,
) -> str:
    """Who may enter, in a sentence; with ``viewer_is_internal`` known, also whether the viewer may."""
    if eligibility == Eligibility.INTERNAL:
        rule = f"Only employees of {host_name} (internal contributors) may enter"
        may_enter = viewer_is_internal
    elif eligibility == Eligibility.EXTERNAL:
        rule = f"Only people from outside {host_name} (external contributors) may enter"
        may_enter = not viewer_is_internal
    else:
        rule = f"Open to everyone: employees of {host_name} and people from outside may enter"
        may_enter = True
    if viewer_is_internal is None:
        sentence = rule + "."
    else:
        standing = "internal" if viewer_is_internal else "external"
        verdict = "you can enter" if may_enter else "you can't enter this one"
        sentence = f"{rule} — you are {standing}, so {verdict}."
    if eligibility != Eligibility.EXTERNAL and requires_manager_approval:
        effort = f", for about {_hours(expected_hours_per_week)} a week" if expected_hours_per_week else ""
        sentence += f" Internal contributors need their manager's approval to take part{effort}."
    elif expected_hours_per_week:
        sentence += f" Expect about {_hours(expected_hours_per_week)} a week."
    return sentence


def host_name() -> str:
    name = db.session.scalar(select(Organization.name).where(Organization.is_host))
    return name or "the host organisation"


def eligibility_explanation(challenge: Challenge, viewer: User | None, host: str | None = None) -> str:
    """Who may enter ``challenge``, and for a signed-in viewer whether they may. ``host``: the host
    organisation's name when the caller read it already (None, when there is no host organisation)."""
    return describe_eligibility(
        challenge.eligibility,
        host or host_name(),
        requires_manager_approval=challenge.requires_manager_approval,
        expected_hours_per_week=challenge.expected_hours_per_week,
        viewer_is_internal=is_internal(viewer) if viewer is not None else None,
    )


def eligibility_badge(challenge: Challenge) -> str:
    return BADGES.get(challenge.eligibility, "")


def _sentence(label: str) -> str:
    return label[0].lower() + label[1:] + "."


def tie_rule_explanation(challenge: Challenge) -> str:
    """How tied entries are placed, in plain words; empty for a rule this page does not know."""
    label = TIE_RULE_LABELS.get(challenge.tie_rule)
    if label is None:
        return ""
    text = "If entries finish with equal scores: " + _sentence(label)
    if challenge.tie_rule == TieRule.FIRST_CRITERION and challenge.criteria:
        text += f" The first criterion is “{challenge.criteria[0].name}”."
    return text


def unawarded_rule_explanation(challenge: Challenge) -> str:
    """Where prize money for places nobody wins goes, in plain words."""
    label = UNAWARDED_RULE_LABELS.get(challenge.unawarded_rule)
    if label is None:
        return ""
    return "If fewer entries win than there are prize places: " + _sentence(label)


def timeline(challenge: Challenge, now: datetime) -> list[tuple[str, datetime, bool]]:
    """(label, when, is_past) for opening, closing and the judging deadline, labels in the right tense."""
    moments = (
        ("Opens", "Opened", challenge.opens_at),
        ("Closes", "Closed", challenge.closes_at),
        ("Judging due", "Judging was due", challenge.judging_due_at),
    )
    return [(past if when <= now else future, when, when <= now) for future, past, when in moments]


def time_left(challenge: Challenge, now: datetime | None = None) -> str:
    """The next deadline as a card shows it: "opens in 2 days", "closes in 5 hours", "closed 3 days ago"."""
    now = now or utcnow()
    status = challenge.status
    if status == Status.FUNDED:
        return (
            f"opens {humanize_delta(challenge.opens_at, now)}" if challenge.opens_at > now else "opening now"
        )
    if status == Status.OPEN:
        return (
            f"closes {humanize_delta(challenge.closes_at, now)}"
            if challenge.closes_at > now
            else "closing now"
        )
    if status in _ENDED:
        return (
            f"closed {humanize_delta(challenge.closes_at, now)}" if challenge.closes_at <= now else "closed"
        )
    return ""


# Events on a challenge's history that read poorly as their bare action name.
_HISTORY_LABELS = {
    "judging.assigned": "judges assigned",
    "judging.aggregated": "results calculated",
    "judging.entries_released": "entries released to other judges",
    "conflict.took_effect": "a judge's conflict took effect",
}


def history_label(action: str) -> str:
    """An audit action as the sponsor's history shows it: "challenge.bounty_raised" → "bounty raised"."""
    if action in _HISTORY_LABELS:
        return _HISTORY_LABELS[action]
    return action.split(".", 1)[-1].replace("_", " ")
