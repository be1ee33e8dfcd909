"""The lifecycle table, checked for every state and every action."""

import itertools

import pytest

from app.challenges.lifecycle import (
    TRANSITIONS,
    Action,
    IllegalTransition,
    Status,
    already_holds,
    is_allowed,
    next_status,
)

EXPECTED = {
    (Status.DRAFT, Action.EDIT): Status.DRAFT,
    (Status.FUNDED, Action.EDIT): Status.FUNDED,
    (Status.OPEN, Action.EDIT): Status.OPEN,
    (Status.DRAFT, Action.FUND): Status.FUNDED,
    (Status.FUNDED, Action.OPEN): Status.OPEN,
    (Status.OPEN, Action.CLOSE): Status.CLOSED,
    (Status.CLOSED, Action.START_JUDGING): Status.JUDGING,
    (Status.JUDGING, Action.PROPOSE_RESULTS): Status.RESULTS_PROPOSED,
    (Status.RESULTS_PROPOSED, Action.REQUEST_EXTRA_REVIEW): Status.JUDGING,
    # The judging deadline passed with unreviewed entries: the sponsor extends it or accepts results.
    (Status.JUDGING, Action.MARK_JUDGING_OVERDUE): Status.JUDGING_OVERDUE,
    (Status.JUDGING, Action.EXTEND_JUDGING): Status.JUDGING,
    (Status.JUDGING_OVERDUE, Action.EXTEND_JUDGING): Status.JUDGING,
    (Status.JUDGING_OVERDUE, Action.ACCEPT_RESULTS): Status.RESULTS_PROPOSED,
    (Status.RESULTS_PROPOSED, Action.AWARD): Status.AWARDED,
    (Status.AWARDED, Action.MARK_PAID): Status.PAID,
    **{
        (state, Action.CANCEL): Status.CANCELLED
        for state in (
            Status.DRAFT,
            Status.FUNDED,
            Status.OPEN,
            Status.CLOSED,
            Status.JUDGING,
            Status.JUDGING_OVERDUE,
            Status.RESULTS_PROPOSED,
        )
    },
    (Status.FUNDED, Action.EXTEND_DEADLINE): Status.FUNDED,
    (Status.OPEN, Action.EXTEND_DEADLINE): Status.OPEN,
    (Status.FUNDED, Action.RAISE_BOUNTY): Status.FUNDED,
    (Status.OPEN, Action.RAISE_BOUNTY): Status.OPEN,
}


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_every_state_and_action(status, action):
    expected = EXPECTED.get((status, action))
    assert is_allowed(status, action) == (expected is not None)
    if expected is None:
        with pytest.raises(IllegalTransition) as refusal:
            next_status(status, action)
        assert status.value.replace("_", " ") in str(refusal.value).lower() or "upcoming" in str(
            refusal.value
        )
    else:
        assert next_status(status, action) is expected


def test_the_happy_path_runs_from_draft_to_paid():
    status = Status.DRAFT
    for action in (
        Action.FUND,
        Action.OPEN,
        Action.CLOSE,
        Action.START_JUDGING,
        Action.PROPOSE_RESULTS,
        Action.AWARD,
        Action.MARK_PAID,
    ):
        status = next_status(status, action)
    assert status is Status.PAID


def test_nothing_leaves_the_final_states():
    for final in (Status.PAID, Status.CANCELLED):
        assert not any(is_allowed(final, action) for action in Action)


def test_every_action_is_in_the_table():
    assert set(TRANSITIONS) == set(Action)


@pytest.mark.parametrize(("status", "action"), list(itertools.product(Status, Action)))
def test_an_action_already_done_is_never_also_a_move(status, action):
    """Where a request's result already holds it is answered as done, so it can't also be a move."""
    if already_holds(status, action) is not None:
        assert not is_allowed(status, action) or TRANSITIONS[action][1] is None
