"""The choices a sponsor makes when posting: who may enter, how ties are placed, where unwon money goes."""

from __future__ import annotations

import enum


class Eligibility(enum.StrEnum):
    OPEN = "open"
    INTERNAL = "internal"
    EXTERNAL = "external"


class TieRule(enum.StrEnum):
    """How entries with equal final scores are placed, stated before anyone enters."""

    SHARE = "share"  # tied entries share the prizes of the places they span
    EARLIER_SUBMISSION = "earlier_submission"  # the earlier final version ranks higher
    FIRST_CRITERION = "first_criterion"  # the higher score on the first rubric criterion ranks higher


class UnawardedRule(enum.StrEnum):
    """What happens to prize money when there are fewer eligible winners than places."""

    RETURN = "return"  # back to the sponsor
    SHARE = "share"  # shared pro rata among the winners


ELIGIBILITY_LABELS = {
    Eligibility.OPEN: "Everyone",
    Eligibility.INTERNAL: "Internal contributors only",
    Eligibility.EXTERNAL: "External contributors only",
}
TIE_RULE_LABELS = {
    TieRule.SHARE: "Tied entries share the prizes of the places they span, equally",
    TieRule.EARLIER_SUBMISSION: "The entry whose final version came in earlier places higher",
    TieRule.FIRST_CRITERION: "The entry with the higher score on the first rubric criterion places higher",
}
UNAWARDED_RULE_LABELS = {
    UnawardedRule.RETURN: "Prize money for places nobody wins goes back to the sponsor",
    UnawardedRule.SHARE: "Prize money for places nobody wins is shared among the winners, pro rata",
}
