"""Account forms; Flask-WTF adds and checks the CSRF token on each."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, NumberRange, Optional

from app.accounts.services import MIN_PASSWORD_LENGTH
from app.accounts.tokens import DEFAULT_LIFETIME_DAYS, MAX_LIFETIME_DAYS
from app.core.forms import WholeNumberField

PASSWORD_RULE = f"Use a password of at least {MIN_PASSWORD_LENGTH} characters (at most 1024)."


class LoginForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Keep me signed in on this device")
    next = HiddenField()


class RegisterForm(FlaskForm):
    email = EmailField(
        "E-mail", validators=[DataRequired(), Email(check_deliverability=False), Length(max=320)]
    )
    display_name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    password = PasswordField(
        "Password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024, message=PASSWORD_RULE)],
        description=f"At least {MIN_PASSWORD_LENGTH} characters.",
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired()])
    new_password = PasswordField(
        "New password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024, message=PASSWORD_RULE)],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("new_password", message="The passwords differ.")],
    )


class ProfileForm(FlaskForm):
    display_name = StringField("Your name", validators=[DataRequired(), Length(max=120)])
    timezone = StringField(
        "Timezone",
        validators=[DataRequired(), Length(max=64)],
        description="Times are shown in this zone, e.g. Europe/Paris or America/New_York.",
    )
    skills = StringField(
        "Skills",
        validators=[Length(max=2000)],
        description="Comma-separated, each with a level if you like (learning, practised or expert), "
        "e.g. Python: expert, data visualisation, UX research: learning. Unmarked means practised.",
    )
    hours_available_per_week = WholeNumberField(
        "Hours a week you could give challenges",
        validators=[Optional(), NumberRange(0, 60)],
        description="Beside your job; challenges that fit it are shown to you first. Leave empty if unsure.",
    )
    shows_on_leaderboard = BooleanField("Show me on the quarterly points leaderboard (and let me see it)")


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=1024, message=PASSWORD_RULE)],
    )
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The passwords differ.")],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=320)])


class ConfirmForm(FlaskForm):
    """Only the CSRF token: the button confirms what the page says (an e-mail link, a resend)."""


class TokenForm(FlaskForm):
    name = StringField(
        "Name", validators=[DataRequired(), Length(max=80)], description="What uses it, e.g. HR sync script."
    )
    scope = SelectField(
        "Scope",
        choices=[SelectChoice("read", "Read only"), SelectChoice("read_write", "Read and write")],
        default="read",
    )
    lifetime_days = WholeNumberField(
        "Expires after (days)",
        default=DEFAULT_LIFETIME_DAYS,
        validators=[InputRequired(), NumberRange(1, MAX_LIFETIME_DAYS)],
    )


class RevokeTokenForm(FlaskForm):
    """Only the CSRF token."""
