"""The challenge lifecycle as plain data: which action moves a challenge from which states to which.

draft → funded → open → closed → judging → results_proposed → awarded → paid, and cancelled from any
state before awarded. Proposed results go back to judging while an extra review the sponsor asked for
is outstanding. Some actions keep the state (extending a deadline, raising the bounty, editing).
``transitions.transition`` is the one function that applies these moves.
"""

from __future__ import annotations

import enum


class Status(enum.StrEnum):
    DRAFT = "draft"
    FUNDED = "funded"
    OPEN = "open"
    CLOSED = "closed"
    JUDGING = "judging"
    JUDGING_OVERDUE = "judging_overdue"
    RESULTS_PROPOSED = "results_proposed"
    AWARDED = "awarded"
    PAID = "paid"
    CANCELLED = "cancelled"


class Action(enum.StrEnum):
    EDIT = "edit"
    FUND = "fund"
    OPEN = "open"
    CLOSE = "close"
    START_JUDGING = "start_judging"
    PROPOSE_RESULTS = "propose_results"
    REQUEST_EXTRA_REVIEW = "request_extra_review"
    MARK_JUDGING_OVERDUE = "mark_judging_overdue"
    EXTEND_JUDGING = "extend_judging"
    ACCEPT_RESULTS = "accept_results"
    AWARD = "award"
    MARK_PAID = "mark_paid"
    CANCEL = "cancel"
    EXTEND_DEADLINE = "extend_deadline"
    RAISE_BOUNTY = "raise_bounty"


# action → (states it is allowed from, state it leads to; None keeps the current state)
TRANSITIONS: dict[Action, tuple[frozenset[Status], Status | None]] = {
    Action.EDIT: (frozenset({Status.DRAFT, Status.FUNDED, Status.OPEN}), None),
    Action.FUND: (frozenset({Status.DRAFT}), Status.FUNDED),
    Action.OPEN: (frozenset({Status.FUNDED}), Status.OPEN),
    Action.CLOSE: (frozenset({Status.OPEN}), Status.CLOSED),
    Action.START_JUDGING: (frozenset({Status.CLOSED}), Status.JUDGING),
    Action.PROPOSE_RESULTS: (frozenset({Status.JUDGING}), Status.RESULTS_PROPOSED),
    Action.REQUEST_EXTRA_REVIEW: (frozenset({Status.RESULTS_PROPOSED}), Status.JUDGING),
    # The judging deadline passed with entries nobody reviewed: the sponsor chooses what happens.
    Action.MARK_JUDGING_OVERDUE: (frozenset({Status.JUDGING}), Status.JUDGING_OVERDUE),
    Action.EXTEND_JUDGING: (frozenset({Status.JUDGING, Status.JUDGING_OVERDUE}), Status.JUDGING),
    Action.ACCEPT_RESULTS: (frozenset({Status.JUDGING_OVERDUE}), Status.RESULTS_PROPOSED),
    Action.AWARD: (frozenset({Status.RESULTS_PROPOSED}), Status.AWARDED),
    Action.MARK_PAID: (frozenset({Status.AWARDED}), Status.PAID),
    Action.CANCEL: (
        frozenset(
            {
                Status.DRAFT,
                Status.FUNDED,
                Status.OPEN,
                Status.CLOSED,
                Status.JUDGING,
                Status.JUDGING_OVERDUE,
                Status.RESULTS_PROPOSED,
            }
        ),
        Status.CANCELLED,
    ),
    Action.EXTEND_DEADLINE: (frozenset({Status.FUNDED, Status.OPEN}), None),
    Action.RAISE_BOUNTY: (frozenset({Status.FUNDED, Status.OPEN}), None),
}

# What a person is told when an action is refused in a state, phrased for that action.
_REFUSALS: dict[Action, str] = {
    Action.EDIT: "A challenge can be edited only before it closes.",
    Action.FUND: "Only a draft challenge can be funded; this one is already past that.",
    Action.OPEN: "Only a funded challenge can open: fund the bounty into escrow first.",
    Action.CLOSE: "Only an open challenge can close.",
    Action.START_JUDGING: "Judging starts only after the challenge has closed.",
    Action.PROPOSE_RESULTS: "Results can be proposed only while judging.",
    Action.REQUEST_EXTRA_REVIEW: "Extra reviews are requested on proposed results, before publishing.",
    Action.MARK_JUDGING_OVERDUE: "Only a challenge being judged can become overdue.",
    Action.EXTEND_JUDGING: "Judging can be extended only while it runs or once it is overdue.",
    Action.ACCEPT_RESULTS: "Results with unreviewed entries are accepted only once judging is overdue.",
    Action.AWARD: "Awards are made only from proposed results.",
    Action.MARK_PAID: "Only an awarded challenge can be marked paid.",
    Action.CANCEL: "A challenge can be cancelled only before its prizes are awarded.",
    Action.EXTEND_DEADLINE: "Deadlines can be extended only before the challenge closes.",
    Action.RAISE_BOUNTY: "The bounty can be raised only after funding and before the challenge closes.",
}

_DECIDED = frozenset({Status.RESULTS_PROPOSED, Status.AWARDED, Status.PAID})

# action → the states in which what it would bring about already holds, and how to say so. Asking
# for it again there (a double click, the sweep getting there first) succeeds without doing anything.
ALREADY: dict[Action, tuple[frozenset[Status], str]] = {
    Action.FUND: (
        frozenset(
            {Status.FUNDED, Status.OPEN, Status.CLOSED, Status.JUDGING, Status.JUDGING_OVERDUE} | _DECIDED
        ),
        "The bounty was already funded into escrow; nothing more was taken.",
    ),
    Action.OPEN: (frozenset({Status.OPEN}), "The challenge was already open for submissions."),
    Action.CLOSE: (
        frozenset({Status.CLOSED, Status.JUDGING, Status.JUDGING_OVERDUE} | _DECIDED),
        "The challenge was already closed.",
    ),
    Action.START_JUDGING: (
        frozenset({Status.JUDGING, Status.JUDGING_OVERDUE} | _DECIDED),
        "Judging had already started.",
    ),
    Action.MARK_JUDGING_OVERDUE: (frozenset({Status.JUDGING_OVERDUE}), "Judging was already overdue."),
    Action.ACCEPT_RESULTS: (frozenset({Status.RESULTS_PROPOSED}), "Results were already proposed."),
    Action.PROPOSE_RESULTS: (frozenset({Status.RESULTS_PROPOSED}), "Results were already proposed."),
    Action.AWARD: (
        frozenset({Status.AWARDED, Status.PAID}),
        "The results were already published and the prizes awarded.",
    ),
    Action.MARK_PAID: (frozenset({Status.PAID}), "The challenge was already marked paid."),
    Action.CANCEL: (frozenset({Status.CANCELLED}), "The challenge was already cancelled."),
}

LABELS: dict[Status, str] = {
    Status.DRAFT: "Draft",
    Status.FUNDED: "Upcoming",
    Status.OPEN: "Open",
    Status.CLOSED: "Closed",
    Status.JUDGING: "Judging",
    Status.JUDGING_OVERDUE: "Judging overdue",
    Status.RESULTS_PROPOSED: "Results proposed",
    Status.AWARDED: "Awarded",
    Status.PAID: "Paid",
    Status.CANCELLED: "Cancelled",
}


class IllegalTransition(Exception):
    """The action is not allowed in the challenge's current state."""

    def __init__(self, status: Status, action: Action):
        self.status = status
        self.action = action
        super().__init__(f"{_REFUSALS[action]} (It is {LABELS[status].lower()}.)")


def is_allowed(status: Status, action: Action) -> bool:
    allowed_from, _ = TRANSITIONS[action]
    return status in allowed_from


def already_holds(status: Status, action: Action) -> str | None:
    """What to tell a person asking for ``action`` when its result already holds, else None."""
    states, message = ALREADY.get(action, (frozenset(), ""))
    return message if status in states else None


def next_status(status: Status, action: Action) -> Status:
    """The state after ``action``; IllegalTransition when the action is not allowed now."""
    allowed_from, target = TRANSITIONS[action]
    if status not in allowed_from:
        raise IllegalTransition(status, action)
    return target or status
