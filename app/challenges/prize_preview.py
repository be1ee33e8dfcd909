"""What each place would win for the bounty and split a sponsor has typed: the posting form's preview.

The amounts come from ``splitting.tier_amounts``, the rule that pays the prizes, so the preview never
differs from the payout by a cent. The browser asks for them as the sponsor types (GET
/challenges/new/prize-split) and only shows the answer; the page itself shows the split of what was last
sent, so the preview also works without JavaScript.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.challenges.forms import ChallengeForm, PrizeSplitForm, read_prizes
from app.challenges.presenters import percent
from app.challenges.rules import bounty_problem, tier_problem
from app.challenges.terms import BOUNTY, TIERS
from app.core.errors import ValidationFailed
from app.core.money import format_money
from app.core.splitting import tier_amounts


@dataclass(frozen=True)
class PlacePrize:
    place: int
    share_bp: int
    amount_minor: int
    text: str  # as the preview shows it: "€4,500.00 (50%)"


@dataclass(frozen=True)
class PrizeSplit:
    currency: str
    bounty_minor: int
    places: tuple[PlacePrize, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "bounty_minor": self.bounty_minor,
            "places": [
                {
                    "place": prize.place,
                    "share_bp": prize.share_bp,
                    "amount_minor": prize.amount_minor,
                    "text": prize.text,
                }
                for prize in self.places
            ],
        }


def split_prizes(currency: str, bounty_minor: int, tiers_bp: tuple[int, ...]) -> PrizeSplit:
    """The bounty split into its places; ValidationFailed, with the posting form's own words, when the
    bounty or the split could not be posted."""
    for field, problem in (
        (BOUNTY.form_field, bounty_problem(bounty_minor)),
        (TIERS.form_field, tier_problem(tiers_bp)),
    ):
        if problem:
            raise ValidationFailed(problem, field=field)
    amounts = tier_amounts(bounty_minor, tiers_bp)
    return PrizeSplit(
        currency=currency,
        bounty_minor=bounty_minor,
        places=tuple(
            PlacePrize(place, share_bp, amount, f"{format_money(amount, currency)} ({percent(share_bp)})")
            for place, (share_bp, amount) in enumerate(zip(tiers_bp, amounts, strict=True), start=1)
        ),
    )


def asked_split(form: PrizeSplitForm) -> PrizeSplit:
    """The split the live preview asks for; ValidationFailed names the first field that is wrong."""
    if not form.validate():
        field, messages = next(iter(form.errors.items()))
        raise ValidationFailed(messages[0], field=field)
    return split_prizes(*read_prizes(form))


def shown_split(form: ChallengeForm) -> PrizeSplit | None:
    """The split of what the posting form holds, for the page to show; None until it can be worked out.

    Only reads the fields: validating them again would wipe the problems the services attached."""
    try:
        return split_prizes(*read_prizes(form))
    except ValidationFailed:
        return None
