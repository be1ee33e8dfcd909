"""blindness without side doors: a judge's declared conflict takes effect at a replacement run, one row per
person or organisation a judge declares; the names and e-mails found in an entry file's own metadata

Revision ID: 0009
Revises: 0008 (0008_storage_checks.py)
Create Date: 2026-12-03 13:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # A judge may have declared the same person twice; keep the first, so the new constraints hold.
    op.execute(
        "DELETE FROM declared_conflicts WHERE id NOT IN ("
        " SELECT MIN(id) FROM declared_conflicts GROUP BY judge_id, email_key, organization_name)"
    )
    with op.batch_alter_table('declared_conflicts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('effective_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f('uq_declared_conflicts_judge_id_email_key'), ['judge_id', 'email_key']
        )
        batch_op.create_unique_constraint(
            batch_op.f('uq_declared_conflicts_judge_id_organization_name'), ['judge_id', 'organization_name']
        )
    # Declarations made before this revision already took effect.
    op.execute("UPDATE declared_conflicts SET effective_at = created_at")

    with op.batch_alter_table('submission_versions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_fields', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('submission_versions', schema=None) as batch_op:
        batch_op.drop_column('identity_fields')

    with op.batch_alter_table('declared_conflicts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_declared_conflicts_judge_id_organization_name'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_declared_conflicts_judge_id_email_key'), type_='unique')
        batch_op.drop_column('effective_at')
