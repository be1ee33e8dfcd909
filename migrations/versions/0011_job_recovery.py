"""job recovery: the work a job record stands for, one open record of it at a time, and a rerun asked
for while it runs

Records made before this revision have no work key and never block a new one.

Revision ID: 0011
Revises: 0010 (0010_identity.py)
Create Date: 2026-12-03 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

OPEN = "status IN ('queued', 'started', 'retrying', 'failed')"


def upgrade():
    with op.batch_alter_table('job_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('work_key', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('rerun_requested', sa.Boolean(), server_default='0', nullable=False))
        batch_op.create_index(
            'uq_job_records_open_work',
            ['work_key'],
            unique=True,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade():
    with op.batch_alter_table('job_records', schema=None) as batch_op:
        batch_op.drop_index('uq_job_records_open_work')
        batch_op.drop_column('rerun_requested')
        batch_op.drop_column('work_key')
