"""The double-entry ledger: accounts and postings, sponsors' deposits and points budgets, balances."""

from flask import Blueprint

bp = Blueprint("ledger", __name__, url_prefix="/payouts")  # the finance pages kept their addresses
