"""Sponsor forms for posting and running a challenge, and turning them into ChallengeTerms."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    IntegerField,
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
from app.challenges.rules import MAX_CRITERIA, ChallengeTerms, Criterion
from app.core.errors import ValidationFailed
from app.core.money import MoneyError, format_plain, normalise_currency, parse_amount

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in labels.items()]


MEBIBYTE = 1024 * 1024


class CriterionForm(FlaskForm):
    class Meta:
        csrf = False  # a row inside the challenge form, which carries the token

    name = StringField("Criterion", validators=[Optional(), Length(max=120)])
    guidance = TextAreaField("Guidance for judges", validators=[Optional(), Length(max=2000)])
    weight = IntegerField("Weight", default=1, validators=[Optional(), NumberRange(1, 100)])
    scale_min = IntegerField("Lowest score", default=1, validators=[Optional(), NumberRange(0, 99)])
    scale_max = IntegerField("Highest score", default=10, validators=[Optional(), NumberRange(1, 100)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ChallengeForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(), Length(max=160)])
    summary = StringField("One-line summary", validators=[DataRequired(), Length(max=300)])
    brief_md = TextAreaField("Brief (Markdown)", validators=[Length(max=50_000)])
    rules_md = TextAreaField("Rules (Markdown)", validators=[Length(max=50_000)])
    skills = StringField(
        "Required skills",
        validators=[Length(max=1000)],
        description="Comma-separated. Contributors who list them are shown this challenge first.",
    )
    preferred_skills = StringField(
        "Preferred skills",
        validators=[Length(max=1000)],
        description="Comma-separated; helpful but not needed.",
    )
    eligibility = SelectField("Who may enter", choices=_choices(ELIGIBILITY_LABELS))
    reward_kind = SelectField("Reward", choices=_choices({"cash": "Cash", "points": "Points"}))
    currency = StringField(
        "Currency", default="EUR", validators=[Length(max=3)], description="ISO code such as EUR or USD."
    )
    bounty = StringField("Bounty", validators=[DataRequired(), Length(max=30)], description="e.g. 10,000.00")
    tiers = StringField(
        "Prize split (%)",
        default="50, 30, 20",
        validators=[DataRequired(), Length(max=60)],
        description="3 to 5 places, best first, adding up to 100: 50, 30, 20 or 40, 25, 15, 12, 8.",
    )
    tie_rule = SelectField("Ties", choices=_choices(TIE_RULE_LABELS))
    unawarded_rule = SelectField("Unwon prize money", choices=_choices(UNAWARDED_RULE_LABELS))
    opens_at = DateTimeLocalField("Opens", format=DATETIME_FORMAT, validators=[InputRequired()])
    closes_at = DateTimeLocalField("Closes", format=DATETIME_FORMAT, validators=[InputRequired()])
    judging_due_at = DateTimeLocalField("Judging due", format=DATETIME_FORMAT, validators=[InputRequired()])
    max_file_mb = IntegerField(
        "Largest file (MB)", default=100, validators=[InputRequired(), NumberRange(1, 5120)]
    )
    allowed_types = MultiCheckboxField(
        "Allowed file types", choices=_choices(FILE_TYPES), default=["application/pdf"]
    )
    submissions_per_contributor = IntegerField(
        "Submissions per contributor", default=1, validators=[InputRequired(), NumberRange(1, 20)]
    )
    versions_per_submission = IntegerField(
        "Versions per submission", default=10, validators=[InputRequired(), NumberRange(1, 100)]
    )
    judges_per_entry = IntegerField(
        "Judges per entry", default=3, validators=[InputRequired(), NumberRange(1, 10)]
    )
    criteria = FieldList(FormField(CriterionForm), min_entries=MAX_CRITERIA, max_entries=MAX_CRITERIA)
    requires_manager_approval = BooleanField("Internal contributors need their manager's approval")
    judges_conflict_with_own_org = BooleanField(
        "Judges never review entries from people in their own organisation"
    )
    expected_hours_per_week = IntegerField(
        "Expected hours per week", validators=[Optional(), NumberRange(1, 40)]
    )


def _percent_to_basis_points(text: str) -> tuple[int, ...]:
    shares = []
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        try:
            value = Decimal(part.strip().rstrip("%")) * 100
        except InvalidOperation:
            raise ValidationFailed(f"{part.strip()!r} is not a percentage.", field="tiers") from None
        if value != value.to_integral_value():
            raise ValidationFailed("Use at most two decimals in each share.", field="tiers")
        shares.append(int(value))
    return tuple(shares)


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def _to_utc(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.replace(tzinfo=zone).astimezone(UTC)


def terms_from_form(form: ChallengeForm, zone: ZoneInfo) -> ChallengeTerms:
    """Read the form as the sponsor meant it: times in their timezone, money in their currency."""
    currency = "PTS" if form.reward_kind.data == "points" else (form.currency.data or "")
    try:
        currency = normalise_currency(currency)
    except MoneyError as error:
        raise ValidationFailed(str(error), field="currency") from None
    try:
        bounty_minor = parse_amount(form.bounty.data, currency)
    except MoneyError as error:
        raise ValidationFailed(str(error), field="bounty") from None
    criteria = tuple(
        Criterion(
            name=(row.form.name.data or "").strip(),
            guidance=row.form.guidance.data or "",
            weight=row.form.weight.data or 1,
            scale_min=row.form.scale_min.data if row.form.scale_min.data is not None else 1,
            scale_max=row.form.scale_max.data or 10,
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
        tiers_bp=_percent_to_basis_points(form.tiers.data or ""),
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
