"""Finance forms: a sponsor's deposit and an organisation's points budget, amounts typed as text."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, ValidationError

from app.core.money import POINTS, MoneyError, normalise_currency, parse_amount

REFERENCE_HINT = "The wire, invoice or grant reference. Each reference is recorded once."


class _CreditForm(FlaskForm):
    # Choices are the sponsor organisations, set by the view that loads them.
    organization_id = SelectField("Organisation", coerce=int)
    reference = StringField("Reference", description=REFERENCE_HINT)

    # The amount in minor units, set when the amount field validates.
    amount_minor: int | None = None


class DepositForm(_CreditForm):
    currency = StringField(
        "Currency",
        validators=[DataRequired(message="Enter the currency code, such as EUR.")],
        description="ISO 4217 code: EUR, USD, JPY, ...",
    )
    amount = StringField(
        "Amount received",
        validators=[DataRequired(message="Enter the amount received, such as 5,000.00.")],
        description="As on the bank statement, e.g. 5,000.00.",
    )

    def validate_currency(self, field: StringField) -> None:
        try:
            field.data = normalise_currency(field.data)
        except MoneyError as error:
            raise ValidationError(str(error)) from None

    def validate_amount(self, field: StringField) -> None:
        try:
            currency = normalise_currency(self.currency.data)
        except MoneyError:
            return  # the currency field says what is wrong; the amount cannot be read without it
        try:
            self.amount_minor = parse_amount(field.data, currency)
        except MoneyError as error:
            raise ValidationError(str(error)) from None


class PointsForm(_CreditForm):
    amount = StringField(
        "Points",
        validators=[DataRequired(message="Enter the number of points, such as 1,500.")],
        description="Whole points, e.g. 1,500.",
    )

    def validate_amount(self, field: StringField) -> None:
        try:
            self.amount_minor = parse_amount(field.data, POINTS)
        except MoneyError:
            raise ValidationError("Enter a whole number of points, such as 1,500.") from None
