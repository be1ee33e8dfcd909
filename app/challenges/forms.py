"""Sponsor forms for posting and running a challenge, and turning them into ChallengeTerms."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.challenges.filetypes import FILE_TYPES
from app.challenges.options import (
    ELIGIBILITY_LABELS,
    TIE_RULE_LABELS,
    UNAWARDED_RULE_LABELS,
)
from app.challenges.presenters import percent
from app.challenges.rules import ChallengeTerms
from app.challenges.terms import (
    ALLOWED_TYPES,
    BOUNTY,
    BRIEF,
    CLOSES_AT,
    CRITERIA,
    CRITERION_GUIDANCE,
    CRITERION_NAME,
    CRITERION_WEIGHT,
    CURRENCY,
    ELIGIBILITY,
    EXPECTED_HOURS,
    JUDGES,
    JUDGING_DUE_AT,
    MANAGER_APPROVAL,
    MAX_FILE,
    OPENS_AT,
    OWN_ORG_CONFLICT,
    PREFERRED_SKILLS,
    RULES,
    SCALE_MAX,
    SCALE_MIN,
    SKILLS,
    SUBMISSIONS,
    SUMMARY,
    TIE_RULE,
    TIERS,
    TITLE,
    UNAWARDED_RULE,
    VERSIONS,
    Bounds,
    Criterion,
    Term,
)
from app.core.errors import ValidationFailed
from app.core.forms import WholeNumberField
from app.core.money import MoneyError, format_plain, normalise_currency, parse_amount

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
MEBIBYTE = 1024 * 1024


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labels.items()]


def _longest(term: Term) -> Length:
    """The most characters the form takes for the term: of the text it is typed as, or of the term."""
    return Length(max=term.typed_length or term.length_limits.most)


def _between(term: Term) -> NumberRange:
    return NumberRange(term.value_limits.least, term.value_limits.most)


def _in_whole_mebibytes(sizes: Bounds) -> NumberRange:
    """Byte bounds as the whole MB the form asks for, rounded inwards so every choice is allowed."""
    return NumberRange(-(-sizes.least // MEBIBYTE), sizes.most // MEBIBYTE)


class CriterionForm(FlaskForm):
    class Meta:
        csrf = False  # a row inside the challenge form, which carries the token

    name = StringField(CRITERION_NAME.label, validators=[Optional(), _longest(CRITERION_NAME)])
    guidance = TextAreaField(CRITERION_GUIDANCE.label, validators=[Optional(), _longest(CRITERION_GUIDANCE)])
    weight = WholeNumberField(
        CRITERION_WEIGHT.label,
        default=CRITERION_WEIGHT.default,
        validators=[Optional(), _between(CRITERION_WEIGHT)],
    )
    scale_min = WholeNumberField(
        SCALE_MIN.label, default=SCALE_MIN.default, validators=[Optional(), _between(SCALE_MIN)]
    )
    scale_max = WholeNumberField(
        SCALE_MAX.label, default=SCALE_MAX.default, validators=[Optional(), _between(SCALE_MAX)]
    )


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# The prize fields, shared by the posting form and the live preview of the split (PrizeSplitForm).
def _reward_kind_field() -> SelectField:
    return SelectField("Reward", choices=_choices({"cash": "Cash", "points": "Points"}))


def _currency_field() -> StringField:
    return StringField(
        CURRENCY.label, default="EUR", validators=[_longest(CURRENCY)], description=CURRENCY.help
    )


def _bounty_field() -> StringField:
    return StringField(BOUNTY.label, validators=[DataRequired(), _longest(BOUNTY)], description=BOUNTY.help)


def _tiers_field() -> StringField:
    return StringField(
        TIERS.label,
        default="50, 30, 20",
        validators=[DataRequired(), _longest(TIERS)],
        description=TIERS.help,
    )


class ChallengeForm(FlaskForm):
    """The posting form. Labels, hints and limits come from app.challenges.terms; the defaults that
    are only suggestions (EUR, 50/30/20, 100 MB, PDF) are the form's own."""

    title = StringField(TITLE.label, validators=[DataRequired(), _longest(TITLE)])
    summary = StringField(SUMMARY.label, validators=[DataRequired(), _longest(SUMMARY)])
    brief_md = TextAreaField(BRIEF.label, validators=[_longest(BRIEF)])
    rules_md = TextAreaField(RULES.label, validators=[_longest(RULES)])
    skills = StringField(SKILLS.label, validators=[_longest(SKILLS)], description=SKILLS.help)
    preferred_skills = StringField(
        PREFERRED_SKILLS.label, validators=[_longest(PREFERRED_SKILLS)], description=PREFERRED_SKILLS.help
    )
    eligibility = SelectField(ELIGIBILITY.label, choices=_choices(ELIGIBILITY_LABELS))
    reward_kind = _reward_kind_field()
    currency = _currency_field()
    bounty = _bounty_field()
    tiers = _tiers_field()
    tie_rule = SelectField(TIE_RULE.label, choices=_choices(TIE_RULE_LABELS))
    unawarded_rule = SelectField(UNAWARDED_RULE.label, choices=_choices(UNAWARDED_RULE_LABELS))
    opens_at = DateTimeLocalField(OPENS_AT.label, format=DATETIME_FORMAT, validators=[InputRequired()])
    closes_at = DateTimeLocalField(CLOSES_AT.label, format=DATETIME_FORMAT, validators=[InputRequired()])
    judging_due_at = DateTimeLocalField(
        JUDGING_DUE_AT.label, format=DATETIME_FORMAT, validators=[InputRequired()]
    )
    max_file_mb = WholeNumberField(
        MAX_FILE.label, default=100, validators=[InputRequired(), _in_whole_mebibytes(MAX_FILE.value_limits)]
    )
    allowed_types = MultiCheckboxField(
        ALLOWED_TYPES.label, choices=_choices(FILE_TYPES), default=["application/pdf"]
    )
    submissions_per_contributor = WholeNumberField(
        SUBMISSIONS.label, default=SUBMISSIONS.default, validators=[InputRequired(), _between(SUBMISSIONS)]
    )
    versions_per_submission = WholeNumberField(
        VERSIONS.label, default=VERSIONS.default, validators=[InputRequired(), _between(VERSIONS)]
    )
    judges_per_entry = WholeNumberField(
        JUDGES.label, default=JUDGES.default, validators=[InputRequired(), _between(JUDGES)]
    )
    criteria = FieldList(
        FormField(CriterionForm),
        CRITERIA.label,
        description=CRITERIA.help,
        min_entries=CRITERIA.item_limits.most,
        max_entries=CRITERIA.item_limits.most,
    )
    requires_manager_approval = BooleanField(MANAGER_APPROVAL.label)
    judges_conflict_with_own_org = BooleanField(OWN_ORG_CONFLICT.label)
    expected_hours_per_week = WholeNumberField(
        EXPECTED_HOURS.label, validators=[Optional(), _between(EXPECTED_HOURS)]
    )


# A share's size in basis points beyond which it cannot be a percentage: it is refused as such before
# it becomes an integer (1e999999999 would be one with a billion digits). Far above 100%, so shares that
# are merely too big still reach the rules and their message about adding up to 100%.
_MAX_SHARE_EXPONENT = 15


def _percent_to_basis_points(text: str) -> tuple[int, ...]:
    """Shares as people type them: "50, 30, 20", "50 %; 30 %; 20 %", "33.34,33.33,33.33"."""
    shares = []
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        number = part.strip().rstrip("%").strip()
        if not number.isascii():  # digits 0-9 only, as for amounts: "١٢" must not read as 12
            raise ValidationFailed(f"{part.strip()!r} is not a percentage.", field=TIERS.form_field)
        try:
            value = Decimal(number) * 100
        except ArithmeticError:  # not a number, or one past Decimal's range (InvalidOperation, Overflow)
            raise ValidationFailed(f"{part.strip()!r} is not a percentage.", field=TIERS.form_field) from None
        if not value.is_finite() or value.adjusted() > _MAX_SHARE_EXPONENT:
            raise ValidationFailed(f"{part.strip()!r} is not a percentage.", field=TIERS.form_field)
        if value != value.to_integral_value():
            raise ValidationFailed("Use at most two decimals in each share.", field=TIERS.form_field)
        shares.append(int(value))
    return tuple(shares)


def read_prizes(form: ChallengeForm | PrizeSplitForm) -> tuple[str, int, tuple[int, ...]]:
    """The currency, the bounty in its minor units and the split in basis points, as the sponsor typed
    them; ValidationFailed names the field that can't be read."""
    currency = "PTS" if form.reward_kind.data == "points" else (form.currency.data or "")
    try:
        currency = normalise_currency(currency)
    except MoneyError as error:
        raise ValidationFailed(str(error), field=CURRENCY.form_field) from None
    try:
        bounty_minor = parse_amount(form.bounty.data, currency)
    except MoneyError as error:
        raise ValidationFailed(str(error), field=BOUNTY.form_field) from None
    return currency, bounty_minor, _percent_to_basis_points(form.tiers.data or "")


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _to_utc(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone).astimezone(UTC)


def terms_from_form(form: ChallengeForm, zone: ZoneInfo) -> ChallengeTerms:
    """Read the form as the sponsor meant it: times in their timezone, money in their currency."""
    currency, bounty_minor, tiers_bp = read_prizes(form)
    criteria = tuple(
        Criterion(
            name=(row.form.name.data or "").strip(),
            guidance=row.form.guidance.data or CRITERION_GUIDANCE.default,
            weight=row.form.weight.data or CRITERION_WEIGHT.default,
            scale_min=row.form.scale_min.data if row.form.scale_min.data is not None else SCALE_MIN.default,
            scale_max=row.form.scale_max.data or SCALE_MAX.default,
        )
        for row in form.criteria
        if (row.form.name.data or "").strip()
    )
    return ChallengeTerms(
        title=form.title.data or "",
        summary=form.summary.data or "",
        brief_md=form.brief_md.data or "",
        rules_md=form.rules_md.data or "",
        skills=_names(form.skills.data),
        preferred_skills=_names(form.preferred_skills.data),
        eligibility=form.eligibility.data,
        currency=currency,
        bounty_minor=bounty_minor,
        tiers_bp=tiers_bp,
        tie_rule=form.tie_rule.data,
        unawarded_rule=form.unawarded_rule.data,
        opens_at=_to_utc(form.opens_at.data, zone),
        closes_at=_to_utc(form.closes_at.data, zone),
        judging_due_at=_to_utc(form.judging_due_at.data, zone),
        max_file_bytes=(form.max_file_mb.data or 0) * MEBIBYTE,
        allowed_types=tuple(form.allowed_types.data or ()),
        submissions_per_contributor=form.submissions_per_contributor.data,
        versions_per_submission=form.versions_per_submission.data,
        judges_per_entry=form.judges_per_entry.data,
        criteria=criteria,
        requires_manager_approval=bool(form.requires_manager_approval.data),
        expected_hours_per_week=form.expected_hours_per_week.data,
        judges_conflict_with_own_org=bool(form.judges_conflict_with_own_org.data),
    )


def fill_form(form: ChallengeForm, terms: ChallengeTerms, zone: ZoneInfo) -> None:
    """Show existing terms in the form, times in the viewer's timezone."""
    form.title.data = terms.title
    form.summary.data = terms.summary
    form.brief_md.data = terms.brief_md
    form.rules_md.data = terms.rules_md
    form.skills.data = ", ".join(terms.skills)
    form.preferred_skills.data = ", ".join(terms.preferred_skills)
    form.eligibility.data = terms.eligibility
    form.reward_kind.data = "points" if terms.currency == "PTS" else "cash"
    form.currency.data = "" if terms.currency == "PTS" else terms.currency
    form.bounty.data = format_plain(terms.bounty_minor, terms.currency)
    # As typed: 5000 basis points show as "50" (not "5"), 3333 as "33.33".
    form.tiers.data = ", ".join(percent(share_bp).removesuffix("%") for share_bp in terms.tiers_bp)
    form.tie_rule.data = terms.tie_rule
    form.unawarded_rule.data = terms.unawarded_rule
    for name in ("opens_at", "closes_at", "judging_due_at"):
        getattr(form, name).data = getattr(terms, name).astimezone(zone).replace(tzinfo=None)
    form.max_file_mb.data = terms.max_file_bytes // MEBIBYTE
    form.allowed_types.data = list(terms.allowed_types)
    form.submissions_per_contributor.data = terms.submissions_per_contributor
    form.versions_per_submission.data = terms.versions_per_submission
    form.judges_per_entry.data = terms.judges_per_entry
    for row, criterion in zip(form.criteria, terms.criteria, strict=False):
        row.form.name.data = criterion.name
        row.form.guidance.data = criterion.guidance
        row.form.weight.data = criterion.weight
        row.form.scale_min.data = criterion.scale_min
        row.form.scale_max.data = criterion.scale_max
    form.requires_manager_approval.data = terms.requires_manager_approval
    form.expected_hours_per_week.data = terms.expected_hours_per_week
    form.judges_conflict_with_own_org.data = terms.judges_conflict_with_own_org


class PrizeSplitForm(FlaskForm):
    """The posting form's prize fields, read from the query string the live preview of the split sends."""

    class Meta:
        csrf = False  # asked for with GET; it changes nothing

    reward_kind = _reward_kind_field()
    currency = _currency_field()
    bounty = _bounty_field()
    tiers = _tiers_field()


class FundForm(FlaskForm):
    """Just the CSRF token: funding, opening and closing take everything else from the challenge."""


class ExtendForm(FlaskForm):
    closes_at = DateTimeLocalField("New closing time", format=DATETIME_FORMAT, validators=[InputRequired()])
    judging_due_at = DateTimeLocalField(
        "New judging deadline",
        format=DATETIME_FORMAT,
        validators=[Optional()],
        description="Leave empty to keep the same time between closing and the end of judging.",
    )


class RaiseBountyForm(FlaskForm):
    bounty = StringField("New bounty", validators=[DataRequired(), Length(max=30)])


class CancelForm(FlaskForm):
    reason = TextAreaField("Why is it cancelled?", validators=[DataRequired(), Length(max=1000)])
