"""indexes for pages: the challenge list's three orders (closing soonest, largest bounty, newest) read
in index order, so a page of the list, and the API's next page after a cursor, reads only its rows

The list orders by (closes_at, id), by bounty_minor descending then (closes_at, id), or by
(created_at, id) descending. ``ix_challenges_closes_at`` gives way to (closes_at, id), which serves
every question the old one did. tests/query_counts/test_query_plans.py checks the plans.

Revision ID: 0013
Revises: 0012 (0012_upload_verification.py)
Create Date: 2026-12-03 19:30:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.drop_index('ix_challenges_closes_at')
        batch_op.create_index('ix_challenges_closes_at_id', ['closes_at', 'id'], unique=False)
        batch_op.create_index('ix_challenges_bounty_minor', ['bounty_minor'], unique=False)
        batch_op.create_index('ix_challenges_created_at_id', ['created_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('challenges', schema=None) as batch_op:
        batch_op.drop_index('ix_challenges_created_at_id')
        batch_op.drop_index('ix_challenges_bounty_minor')
        batch_op.drop_index('ix_challenges_closes_at_id')
        batch_op.create_index('ix_challenges_closes_at', ['closes_at'], unique=False)
