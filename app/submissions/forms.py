"""The no-JavaScript submission form and the withdraw button."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import Length, Optional


class SubmitForm(FlaskForm):
    title = StringField("Title", validators=[Optional(), Length(max=160)])
    description_md = TextAreaField("Description (Markdown)", validators=[Optional(), Length(max=20_000)])
    file = FileField("File", validators=[FileRequired("Choose the file to submit.")])
    submission_id = HiddenField()

    # The fields sent before the file, which the streamed form reads first (see streamed_form.py).
    TEXT_FIELDS = ("csrf_token", "submission_id", "title", "description_md")


class WithdrawForm(FlaskForm):
    """Only the CSRF token."""
