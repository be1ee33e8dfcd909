"""Admin forms."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from app.core.access import Role

ROLE_CHOICES = [SelectChoice(role.value, role.value.capitalize()) for role in Role]


class RetryJobForm(FlaskForm):
    """Just the CSRF token: the job to retry is in the URL."""


class OrganizationForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=200)])
    domains = StringField(
        "E-mail domains",
        validators=[Optional(), Length(max=2000)],
        description="Comma-separated, e.g. acme.example. People who confirm an address at one join it.",
    )
    is_sponsor = BooleanField("Sponsors challenges")


class InviteMemberForm(FlaskForm):
    email = EmailField(
        "E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=320)]
    )
    display_name = StringField("Name", validators=[Optional(), Length(max=120)])
    role = SelectField("Role", choices=ROLE_CHOICES, default=Role.SPONSOR.value)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=ROLE_CHOICES)
