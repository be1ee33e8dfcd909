"""Payouts: each prize leg paid out, payee details, providers, finance batches and confirmations."""

from flask import Blueprint

bp = Blueprint("payouts", __name__, url_prefix="/payouts")
