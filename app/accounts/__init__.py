"""Accounts: organisations, users, roles, sign-in and passwords."""

from flask import Blueprint

bp = Blueprint("accounts", __name__)
