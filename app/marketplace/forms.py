"""Marketplace forms: asking for and deciding approval, the skills vocabulary, the org chart upload,
the approval cap and the outcome survey."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.forms import WholeNumberField


class ApprovalRequestForm(FlaskForm):
    hours_per_week = WholeNumberField(
        "Hours a week", validators=[InputRequired(), NumberRange(1, 40, "Ask for 1 to 40 hours a week.")]
    )
    approver_email = EmailField(
        "Your manager's e-mail", validators=[Optional(), Length(max=320)], description="From the org chart."
    )
    note = TextAreaField("A note for your manager", validators=[Optional(), Length(max=1000)])


class DecisionForm(FlaskForm):
    note = TextAreaField("Note", validators=[Optional(), Length(max=1000)])
    approve = SubmitField("Approve")
    decline = SubmitField("Decline")


class RenameSkillForm(FlaskForm):
    name = StringField("New name", validators=[DataRequired(), Length(max=80)])


class MergeSkillsForm(FlaskForm):
    duplicate = SelectField("Duplicate", coerce=int, validate_choice=False)
    into = SelectField("Keep", coerce=int, validate_choice=False)


class OrgChartForm(FlaskForm):
    file = FileField("Org chart (CSV)", validators=[FileRequired("Choose the CSV file to import.")])
    apply_valid_rows = BooleanField("If some lines are refused, apply the good lines anyway")


class ApprovalCapForm(FlaskForm):
    hours_per_week = WholeNumberField(
        "Most approved hours a week per person",
        validators=[InputRequired(), NumberRange(1, 40, "Choose 1 to 40 hours.")],
    )


USEFUL_LABELS = {1: "1 (not at all)", 5: "5 (very)"}


class SurveyForm(FlaskForm):
    useful_score = RadioField(
        "How useful was taking part for your career?",
        choices=[SelectChoice(str(n), USEFUL_LABELS.get(n, str(n))) for n in range(1, 6)],
        validators=[InputRequired("Choose 1 to 5.")],
    )
    would_do_again = RadioField(
        "Would you do it again?",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[InputRequired("Say yes or no.")],
    )
    skills_gained = StringField(
        "Skills you gained", validators=[Optional(), Length(max=1000)], description="Comma-separated."
    )
