"""How a prize pot is split among the winners of a challenge and among the members of a team, to the cent.

Everything here is whole minor units (cents, yen, points): no float ever holds an amount, so a split adds
up to exactly what went in. Nothing here touches Flask or the database.

One rule settles every unit that does not divide evenly, wherever it arises: the units left over go one
each to the largest remainders first; equal remainders go to the better place, and at the same place to the
earlier final submission.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

EntryId = TypeVar("EntryId", bound=Hashable)
Member = TypeVar("Member", bound=Hashable)

MIN_PLACES, MAX_PLACES = 3, 5
FULL_BASIS_POINTS = 10_000
UNAWARDED_RULES = ("return", "share")


@dataclass(frozen=True)
class Split(Generic[EntryId]):
    """The outcome of a split; every amount in minor units.

    ``amounts`` has one key per entry that holds a prize place, and only those: entries ranked below the
    prize places are absent. An entry holding a prize place is present even when its share rounds to 0,
    which only happens when the pot is a few minor units. ``returned`` is the money of places nobody won
    that goes back to the sponsor. ``places`` gives every ranked entry, prize or not, the span of places
    its tie group covers, e.g. ``(2, 3)`` for a two-way tie for 2nd; an untied 1st is ``(1, 1)``.
    ``place_amounts`` is what each prize place is worth before ties, best first.
    """

    amounts: dict[EntryId, int]
    returned: int
    places: dict[EntryId, tuple[int, int]]
    place_amounts: tuple[int, ...]

    @property
    def paid(self) -> int:
        """Everything that goes to winners; ``paid + returned`` is the whole pot."""
        return sum(self.amounts.values())


def _apportion(total: int, weights: Sequence[int]) -> list[int]:
    """``total`` shared in proportion to ``weights``, exactly: each position gets the whole part of its
    share, then the units left over go one each to the largest remainders, equal remainders to the earlier
    position. Callers list positions in their tie-break order, so this is the house remainder rule.
    """
    weight_sum = sum(weights)
    if weight_sum == 0:
        # Only reachable with nothing to share: every caller passes positive weights or a zero total.
        return [0] * len(weights)
    quotients = [divmod(total * weight, weight_sum) for weight in weights]
    amounts = [whole for whole, _ in quotients]
    leftover = total - sum(amounts)
    # Each position lost less than one unit, so fewer units are left than there are positions.
    by_remainder = sorted(range(len(weights)), key=lambda position: (-quotients[position][1], position))
    for position in by_remainder[:leftover]:
        amounts[position] += 1
    return amounts


def _is_whole_number(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_total(total_minor: int, name: str) -> None:
    if isinstance(total_minor, bool) or not isinstance(total_minor, int):
        raise ValueError(f"The {name} must be a whole number of minor units, not {total_minor!r}.")
    if total_minor < 0:
        raise ValueError(f"The {name} can't be negative; it is {total_minor}.")


def _check_tiers(tiers_bp: Sequence[int]) -> None:
    if not MIN_PLACES <= len(tiers_bp) <= MAX_PLACES:
        raise ValueError(
            f"A prize split needs {MIN_PLACES} to {MAX_PLACES} places; this one has {len(tiers_bp)}."
        )
    if any(not _is_whole_number(share_bp) or share_bp <= 0 for share_bp in tiers_bp):
        raise ValueError(f"Every place needs a whole, positive share in basis points; got {list(tiers_bp)}.")
    if sum(tiers_bp) != FULL_BASIS_POINTS:
        raise ValueError(
            f"The shares must add up to 10000 basis points (100%); they add up to {sum(tiers_bp)}."
        )
    if any(better < worse for better, worse in itertools.pairwise(tiers_bp)):
        # Without this a worse place could out-earn a better one, whatever the rounding.
        raise ValueError(f"A better place can't get a smaller share than a worse one; got {list(tiers_bp)}.")


def _place_spans(ranking: Sequence[Sequence[EntryId]]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    seen: set[EntryId] = set()
    next_place = 1
    for group in ranking:
        if len(group) == 0:
            raise ValueError(f"Tie group {len(spans) + 1} of the ranking is empty.")
        for entry_id in group:
            if entry_id in seen:
                raise ValueError(f"Entry {entry_id!r} appears more than once in the ranking.")
            seen.add(entry_id)
        spans.append((next_place, next_place + len(group) - 1))
        next_place += len(group)
    return spans


def tier_amounts(total_minor: int, tiers_bp: Sequence[int]) -> tuple[int, ...]:
    """What each prize place is worth, best first: its share of the pot rounded down to the minor unit,
    then the units left over one each to the places that lost the most in rounding, the better place first
    when they lost the same. The places add up to the pot exactly.
    """
    _check_total(total_minor, "prize pot")
    _check_tiers(tiers_bp)
    return tuple(_apportion(total_minor, tiers_bp))


def split(
    total_minor: int,
    tiers_bp: Sequence[int],
    ranking: Sequence[Sequence[EntryId]],
    *,
    unawarded: str = "return",
    order_hint: Mapping[EntryId, int] | None = None,
) -> Split[EntryId]:
    """Split a prize pot among the ranked entries.

    The rules, as a sponsor would read them:

    - Each place is worth its share of the pot (see ``tier_amounts``); the places add up to the pot.
    - Entries tied across places p to q share the prizes of those places equally. A tie that runs past the
      last prize place shares only the prize places it covers: three entries tied for 3rd to 5th with three
      prizes share the 3rd prize alone. Entries ranked below the prize places get nothing.
    - When a tied share doesn't divide evenly, the spare minor units go one each to the tied entries whose
      final submission came in earlier, so tied entries never differ by more than one minor unit.
    - When there are fewer winners than prize places, the places nobody fills are unawarded. With
      ``unawarded="return"`` their money goes back to the sponsor. With ``unawarded="share"`` it is shared
      among the winners in proportion to what each already wins: the filled places' prizes are scaled up
      to the whole pot (spare units by the house rule: largest remainder, then the better place), and ties
      then share as above. Each winner ends up within two minor units of an exact pro rata share, and
      nothing goes back. With no winners at all, the whole pot goes back whatever the rule.
    - An entry placed better never gets less than an entry placed worse.

    ``ranking`` lists tie groups best first, each a list of entry ids. ``order_hint`` maps entry ids to
    their final submission's order (smaller is earlier); when given it must cover every entry that holds a
    prize place. Without it, tied entries are taken in the order they are listed in ``ranking``.
    """
    _check_total(total_minor, "prize pot")
    _check_tiers(tiers_bp)
    if unawarded not in UNAWARDED_RULES:
        raise ValueError(f"Unawarded money is either 'return'ed or 'share'd; got {unawarded!r}.")
    spans = _place_spans(ranking)
    prize_places = len(tiers_bp)
    position = {entry_id: index for index, entry_id in enumerate(itertools.chain.from_iterable(ranking))}
    if order_hint is not None:
        missing = [
            entry_id
            for group, (first, _) in zip(ranking, spans, strict=True)
            if first <= prize_places
            for entry_id in group
            if entry_id not in order_hint
        ]
        if missing:
            raise ValueError(f"The submission order doesn't cover prize-winning entries {missing!r}.")

    place_amounts = tier_amounts(total_minor, tiers_bp)
    filled = min(len(position), prize_places)
    unfilled_minor = sum(place_amounts[filled:])
    returned = 0
    if filled == 0:
        returned = total_minor
        payable = [0] * prize_places
    elif unfilled_minor and unawarded == "share":
        # Scaling each filled place (not each winner) keeps places in order and tied entries within a unit.
        payable = _apportion(total_minor, place_amounts[:filled]) + [0] * (prize_places - filled)
    else:
        returned = unfilled_minor
        payable = [*place_amounts[:filled], *[0] * (prize_places - filled)]

    def submitted_order(entry_id: EntryId) -> tuple[int, int]:
        return (order_hint[entry_id] if order_hint is not None else 0, position[entry_id])

    amounts: dict[EntryId, int] = {}
    for group, (first, last) in zip(ranking, spans, strict=True):
        if first > prize_places:
            break
        pot = sum(payable[first - 1 : min(last, prize_places)])
        members = sorted(group, key=submitted_order)
        amounts.update(zip(members, _apportion(pot, [1] * len(members)), strict=True))

    places = {entry_id: span for group, span in zip(ranking, spans, strict=True) for entry_id in group}
    return Split(amounts=amounts, returned=returned, places=places, place_amounts=place_amounts)


def split_shares(amount_minor: int, shares: Mapping[Member, int]) -> dict[Member, int]:
    """Split one prize among a team by the shares its members declared.

    Each member gets the prize times their share over all shares, rounded down to the minor unit; the units
    left over go one each to the members who lost the most in rounding, and among equal losses to the
    member listed first. Equal shares therefore split equally, the first-listed getting any spare units:
    100 cents over three equal shares is 34, 33, 33. The parts add up to the prize exactly.
    """
    _check_total(amount_minor, "team's prize")
    if not shares:
        raise ValueError("A team split needs at least one member's share.")
    bad = {member: weight for member, weight in shares.items() if not _is_whole_number(weight) or weight <= 0}
    if bad:
        raise ValueError(f"Every member's share must be a whole number above 0; got {bad!r}.")
    members = list(shares)
    return dict(zip(members, _apportion(amount_minor, [shares[member] for member in members]), strict=True))
