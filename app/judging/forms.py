"""Panel forms: inviting a judge, answering an invitation, declaring a conflict, extending judging."""

from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, EmailField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from app.core.forms import WholeNumberField


class InviteJudgeForm(FlaskForm):
    email = EmailField("Judge's e-mail", validators=[DataRequired(), Length(max=320)])
    name = StringField("Name (for people without an account)", validators=[Optional(), Length(max=120)])


class AnswerInvitationForm(FlaskForm):
    max_load = WholeNumberField(
        "Most entries I will review",
        validators=[Optional(), NumberRange(1, 1000)],
        description="Leave empty for no limit.",
    )


class DeclareConflictForm(FlaskForm):
    email = EmailField("A person's e-mail", validators=[Optional(), Length(max=320)])
    organization = StringField("or an organisation", validators=[Optional(), Length(max=200)])


class RecuseForm(FlaskForm):
    reason = StringField(
        "Why (optional, seen by administrators only)", validators=[Optional(), Length(max=1000)]
    )


class ExtendJudgingForm(FlaskForm):
    judging_due_at = DateTimeLocalField(
        "New judging deadline", format="%Y-%m-%dT%H:%M", validators=[InputRequired()]
    )
