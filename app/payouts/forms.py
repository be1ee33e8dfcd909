"""Forms for payouts: a winner's payee details, and finance confirming or reporting payments."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, ValidationError

from app.core.money import MoneyError, normalise_currency, parse_amount
from app.payouts.countries import countries
from app.payouts.models import PayoutMethod, TaxForm

METHOD_LABELS = {PayoutMethod.BANK_TRANSFER: "Bank transfer", PayoutMethod.PAYPAL: "PayPal"}
TAX_FORM_LABELS = {
    TaxForm.W9: "W-9: US citizens and residents",
    TaxForm.W8BEN: "W-8BEN: individuals outside the US",
    TaxForm.W8BEN_E: "W-8BEN-E: companies outside the US",
}


class PayeeDetailsForm(FlaskForm):
    legal_name = StringField(
        "Legal name",
        validators=[DataRequired(message="Enter your legal name as your bank knows it.")],
        description="As on your bank account and tax form.",
    )
    country = SelectField("Country you live in", validators=[DataRequired(message="Choose your country.")])
    payout_method = SelectField(
        "How you want to be paid",
        choices=[SelectChoice(method.value, label) for method, label in METHOD_LABELS.items()],
        description="Finance asks for the account itself through the bank's secure request; Podium never "
        "stores account or card numbers.",
    )
    tax_form = SelectField(
        "Tax form", choices=[SelectChoice(form.value, label) for form, label in TAX_FORM_LABELS.items()]
    )
    certified = BooleanField("I certify that these details are correct and complete.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = [
            SelectChoice("", "Choose…"),
            *(SelectChoice(code, name) for code, name in countries().items()),
        ]


class MarkPaidForm(FlaskForm):
    """Finance types what the bank statement shows; it must match the payout to the cent."""

    bank_reference = StringField(
        "Bank reference", validators=[DataRequired(message="Give the bank's reference for the transfer.")]
    )
    amount = StringField("Amount paid", validators=[DataRequired(message="Enter the amount the bank paid.")])
    currency = StringField("Currency", validators=[DataRequired(message="Enter the currency, such as EUR.")])

    amount_minor: int | None = None

    def validate_currency(self, field: StringField) -> None:
        try:
            field.data = normalise_currency(field.data)
        except MoneyError as error:
            raise ValidationError(str(error)) from None

    def validate_amount(self, field: StringField) -> None:
        try:
            currency = normalise_currency(self.currency.data)
        except MoneyError:
            return  # the currency field says what is wrong
        try:
            self.amount_minor = parse_amount(field.data, currency)
        except MoneyError as error:
            raise ValidationError(str(error)) from None


class MarkFailedForm(FlaskForm):
    reason = TextAreaField(
        "What went wrong", validators=[DataRequired(message="Say why the payment failed.")]
    )


class ConfirmationsForm(FlaskForm):
    file = FileField(
        "Confirmations file (CSV)",
        validators=[FileRequired("Choose the CSV file of confirmations.")],
        description="Columns: reference, bank_reference, amount, currency. One row per paid payout.",
    )


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""
