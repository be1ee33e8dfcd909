"""Finance pages: deposits and points budgets recorded by admins, balances for sponsors."""

from app.payouts import bp  # noqa: F401
