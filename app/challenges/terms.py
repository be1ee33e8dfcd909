"""Every term a sponsor states when posting a challenge, described once: its name, type, bounds, label
and whether it stops changing once the challenge is funded or opens.

The posting form, the API's bodies and answers, and the posting rules read their limits, labels and
locks from here rather than repeating them, so what the form refuses the API refuses and the rules
check the same limits the OpenAPI document publishes. tests/unit/test_challenge_terms.py holds every
one of them to this table: a term missing from the form, the API or ``ChallengeTerms`` fails it.

What cannot be said as data (shares adding up to 100%, deadlines far enough apart, a skill listed as
both required and preferred) stays in rules.py, which reads its bounds from here.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from app.challenges.filetypes import FILE_TYPES
from app.challenges.options import Eligibility, TieRule, UnawardedRule
from app.core.money import MAX_AMOUNT_MINOR
from app.core.splitting import MAX_PLACES, MIN_PLACES
from app.skills.limits import MAX_SKILL_NAME, MAX_SKILLS

MAX_FILE_BYTES = 5 * 1024**3
MIN_CRITERIA, MAX_CRITERIA = 1, 8


class Lock(enum.Enum):
    """From when on a term can no longer be edited."""

    NEVER = "never"
    OPENING = "opening"  # contributors enter on the strength of it
    FUNDING = "funding"  # its money sits in escrow: changed only by a top-up (and fixed after opening too)


@dataclass(frozen=True)
class Bounds:
    """The least and the most allowed, both included."""

    least: int
    most: int

    def hold(self, number: int) -> bool:
        return self.least <= number <= self.most


class Required:
    """The default of a term the sponsor must always state."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED = Required()


@dataclass(frozen=True)
class Term:
    """One term: how ``ChallengeTerms`` holds it, what limits it has, and how the form shows it.

    ``length`` counts characters (of the text, or of each name in a list), ``value`` bounds a whole
    number, ``items`` bounds how many a list holds. ``field`` is the posting form's field, which is also
    the key the rules report a problem under; ``api_field`` is the API's, when either differs from
    ``name`` (the API states the bounty and its currency together, as money). ``typed_length`` caps the
    text the form reads a term from when that text is not the term itself (an amount, a split in
    percent, comma-separated names). ``spoken`` is how messages name the term.
    """

    name: str
    type: object
    label: str
    help: str = ""
    length: Bounds | None = None
    value: Bounds | None = None
    items: Bounds | None = None
    choices: tuple[str, ...] = ()
    default: object = REQUIRED
    locks: Lock = Lock.NEVER
    field: str = ""
    api_field: str = ""
    typed_length: int | None = None
    spoken: str = ""

    @property
    def form_field(self) -> str:
        return self.field or self.name

    @property
    def api_name(self) -> str:
        return self.api_field or self.name

    @property
    def in_words(self) -> str:
        return self.spoken or self.name.replace("_", " ")

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def length_limits(self) -> Bounds:
        """``length``, for a term that states one; asking a term without it is a mistake in our code."""
        return _stated(self, "length", self.length)

    @property
    def value_limits(self) -> Bounds:
        return _stated(self, "value", self.value)

    @property
    def item_limits(self) -> Bounds:
        return _stated(self, "items", self.items)


def _stated(term: Term, kind: str, bounds: Bounds | None) -> Bounds:
    if bounds is None:
        raise LookupError(f"the term {term.name!r} states no {kind} limits")
    return bounds


# --- the rubric: each criterion a sponsor lists -------------------------------------------------------

CRITERION_NAME = Term("name", str, "Criterion", length=Bounds(1, 120))
CRITERION_GUIDANCE = Term("guidance", str, "Guidance for judges", length=Bounds(0, 2000), default="")
CRITERION_WEIGHT = Term("weight", int, "Weight", value=Bounds(1, 100), default=1)
SCALE_MIN = Term("scale_min", int, "Lowest score", value=Bounds(0, 99), default=1)
SCALE_MAX = Term("scale_max", int, "Highest score", value=Bounds(1, 100), default=10)

CRITERION_TERMS = (CRITERION_NAME, CRITERION_GUIDANCE, CRITERION_WEIGHT, SCALE_MIN, SCALE_MAX)


@dataclass(frozen=True)
class Criterion:
    """One rubric row as the sponsor states it; the defaults are those of CRITERION_TERMS."""

    name: str
    guidance: str = ""
    weight: int = 1
    scale_min: int = 1
    scale_max: int = 10


# --- the challenge's terms, in the order ChallengeTerms holds them ----------------------------------

TITLE = Term("title", str, "Title", length=Bounds(3, 160))
SUMMARY = Term("summary", str, "One-line summary", length=Bounds(1, 300))
BRIEF = Term("brief_md", str, "Brief (Markdown)", length=Bounds(0, 50_000), default="", spoken="brief")
RULES = Term("rules_md", str, "Rules (Markdown)", length=Bounds(0, 50_000), default="", spoken="rules")
SKILLS = Term(
    "skills",
    tuple[str, ...],
    "Required skills",
    help="Comma-separated. Contributors who list them are shown this challenge first.",
    length=Bounds(1, MAX_SKILL_NAME),
    items=Bounds(0, MAX_SKILLS),
    default=(),
    typed_length=1000,
    spoken="required skills",
)
PREFERRED_SKILLS = Term(
    "preferred_skills",
    tuple[str, ...],
    "Preferred skills",
    help="Comma-separated; helpful but not needed.",
    length=Bounds(1, MAX_SKILL_NAME),
    items=Bounds(0, MAX_SKILLS),
    default=(),
    typed_length=1000,
    spoken="preferred skills",
)
ELIGIBILITY = Term(
    "eligibility",
    str,
    "Who may enter",
    choices=tuple(choice.value for choice in Eligibility),
    default=Eligibility.OPEN.value,
    locks=Lock.OPENING,
)
CURRENCY = Term(
    "currency",
    str,
    "Currency",
    help="ISO code such as EUR or USD.",
    length=Bounds(3, 3),
    locks=Lock.FUNDING,
    api_field="bounty",
)
BOUNTY = Term(
    "bounty_minor",
    int,
    "Bounty",
    help="e.g. 10,000.00",
    value=Bounds(1, MAX_AMOUNT_MINOR),
    locks=Lock.FUNDING,
    field="bounty",
    api_field="bounty",
    typed_length=30,
    spoken="bounty",
)
TIERS = Term(
    "tiers_bp",
    tuple[int, ...],
    "Prize split (%)",
    help=f"{MIN_PLACES} to {MAX_PLACES} places, best first, adding up to 100: 50, 30, 20 or 40, 25, 15, 12, 8.",
    items=Bounds(MIN_PLACES, MAX_PLACES),
    locks=Lock.OPENING,
    field="tiers",
    typed_length=60,
    spoken="prize split",
)
TIE_RULE = Term(
    "tie_rule",
    str,
    "Ties",
    choices=tuple(choice.value for choice in TieRule),
    default=TieRule.SHARE.value,
    locks=Lock.OPENING,
)
UNAWARDED_RULE = Term(
    "unawarded_rule",
    str,
    "Unwon prize money",
    choices=tuple(choice.value for choice in UnawardedRule),
    default=UnawardedRule.RETURN.value,
    locks=Lock.OPENING,
)
OPENS_AT = Term("opens_at", datetime, "Opens", locks=Lock.OPENING, spoken="opening time")
CLOSES_AT = Term("closes_at", datetime, "Closes", locks=Lock.OPENING, spoken="closing time")
JUDGING_DUE_AT = Term(
    "judging_due_at", datetime, "Judging due", locks=Lock.OPENING, spoken="judging deadline"
)
MAX_FILE = Term(
    "max_file_bytes",
    int,
    "Largest file (MB)",
    value=Bounds(1024, MAX_FILE_BYTES),
    locks=Lock.OPENING,
    field="max_file_mb",
    spoken="maximum file size",
)
ALLOWED_TYPES = Term(
    "allowed_types",
    tuple[str, ...],
    "Allowed file types",
    choices=tuple(FILE_TYPES),
    items=Bounds(1, len(FILE_TYPES)),
    locks=Lock.OPENING,
    spoken="allowed file types",
)
SUBMISSIONS = Term(
    "submissions_per_contributor",
    int,
    "Submissions per contributor",
    value=Bounds(1, 20),
    default=1,
    locks=Lock.OPENING,
)
VERSIONS = Term(
    "versions_per_submission",
    int,
    "Versions per submission",
    value=Bounds(1, 100),
    default=10,
    locks=Lock.OPENING,
)
JUDGES = Term("judges_per_entry", int, "Judges per entry", value=Bounds(1, 10), default=3, locks=Lock.OPENING)
CRITERIA = Term(
    "criteria",
    tuple[Criterion, ...],
    "Rubric",
    help=f"{MIN_CRITERIA} to {MAX_CRITERIA} criteria; leave a row's name empty to skip it. "
    "Judges see the guidance beside each score.",
    items=Bounds(MIN_CRITERIA, MAX_CRITERIA),
    locks=Lock.OPENING,
    spoken="rubric",
)
MANAGER_APPROVAL = Term(
    "requires_manager_approval",
    bool,
    "Internal contributors need their manager's approval",
    default=False,
    locks=Lock.OPENING,
)
EXPECTED_HOURS = Term(
    "expected_hours_per_week",
    int | None,
    "Expected hours per week",
    value=Bounds(1, 40),
    default=None,
    locks=Lock.OPENING,
)
OWN_ORG_CONFLICT = Term(
    "judges_conflict_with_own_org",
    bool,
    "Judges never review entries from people in their own organisation",
    default=False,
    locks=Lock.OPENING,
)

TERMS = (
    TITLE,
    SUMMARY,
    BRIEF,
    RULES,
    SKILLS,
    PREFERRED_SKILLS,
    ELIGIBILITY,
    CURRENCY,
    BOUNTY,
    TIERS,
    TIE_RULE,
    UNAWARDED_RULE,
    OPENS_AT,
    CLOSES_AT,
    JUDGING_DUE_AT,
    MAX_FILE,
    ALLOWED_TYPES,
    SUBMISSIONS,
    VERSIONS,
    JUDGES,
    CRITERIA,
    MANAGER_APPROVAL,
    EXPECTED_HOURS,
    OWN_ORG_CONFLICT,
)

TERM_NAMED = {term.name: term for term in TERMS}
