"""upload verification: when finalize was asked for (the deadline is judged by it), which version of
the stored object it saw (the job verifies that one), and how many bytes the job has read so far

Revision ID: 0012
Revises: 0011 (0011_job_recovery.py)
Create Date: 2026-12-03 19:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('finalize_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finalized_etag', sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column('verified_bytes', sa.BigInteger(), server_default='0', nullable=False)
        )


def downgrade():
    with op.batch_alter_table('uploads', schema=None) as batch_op:
        batch_op.drop_column('verified_bytes')
        batch_op.drop_column('finalized_etag')
        batch_op.drop_column('finalize_requested_at')
