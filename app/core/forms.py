"""The one way views run a form through a service: validate, call, and show refusals on the form."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import request
from flask_wtf import FlaskForm
from wtforms import Field, FieldList, IntegerField

from app.core.errors import PodiumError

T = TypeVar("T")

# At most 18 digits: every such number fits PostgreSQL's bigint, and NumberRange can compare it
# (it asks math.isnan, which fails with OverflowError on an int past a float's range).
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")


class WholeNumberField(IntegerField):
    """The integer field of every form: only the digits 0-9 (WTForms' int() also reads "١٢" and
    " 1_000 "), and no number a query or a range check cannot hold, refused with a message."""

    data: Any  # as WTForms has it: None until a number is read

    def process_formdata(self, valuelist: list) -> None:
        if not valuelist:
            return
        text = valuelist[0].strip() if isinstance(valuelist[0], str) else ""
        if not _WHOLE_NUMBER.fullmatch(text):
            self.data = None
            raise ValueError("Enter a whole number of at most 18 digits, written with the digits 0-9.")
        self.data = int(text)


@dataclass(frozen=True)
class FormOutcome(Generic[T]):
    """What happened to a submitted form: done (with the service's result) or the status to re-render."""

    done: bool
    status: int
    result: T | None = None


def _attach(form: FlaskForm, field_name: str | None, message: str) -> None:
    field = getattr(form, field_name, None) if field_name else None
    if isinstance(field, Field) and not isinstance(field, FieldList):
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def attach_error(form: FlaskForm, error: PodiumError) -> None:
    """Show a service's refusal beside the field(s) it names, or at the top of the form."""
    if error.errors:
        for field_name, message in error.errors.items():
            _attach(form, field_name, message)
    else:
        _attach(form, error.field, error.message)


def submit_form(form: FlaskForm, action: Callable[[], T]) -> FormOutcome[T]:
    """Run ``action`` when the form validates; a refusal leaves the form ready to show again.

    A GET renders with 200; an invalid POST with 422; a refused action with the error's status.
    """
    if not form.validate_on_submit():
        return FormOutcome(done=False, status=422 if request.method == "POST" else 200)
    try:
        result = action()
    except PodiumError as error:
        attach_error(form, error)
        return FormOutcome(done=False, status=error.status)
    return FormOutcome(done=True, status=200, result=result)
