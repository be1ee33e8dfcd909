"""Payouts: prize splitting, the double-entry ledger, awards, payouts and points."""

from flask import Blueprint

bp = Blueprint("payouts", __name__, url_prefix="/payouts")
