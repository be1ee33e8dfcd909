"""storage checks: each run of `flask storage verify`, where it resumes, and the mismatches it found

Versions finalized before this revision still point at their upload key, which the contributor's
presigned form could reach; `flask storage verify` re-hashes them and moves each one whose bytes still
match to a key of its own under versions/ (a mismatch is reported and left where it is).

Revision ID: 0008
Revises: 0007 (0007_api_tokens.py)
Create Date: 2026-12-03 13:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('storage_checks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_version_id', sa.Integer(), nullable=False),
    sa.Column('versions_checked', sa.Integer(), nullable=False),
    sa.Column('bytes_checked', sa.BigInteger(), nullable=False),
    sa.Column('versions_moved', sa.Integer(), nullable=False),
    sa.Column('mismatch_count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_checks'))
    )
    op.create_table('storage_mismatches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=200), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('expected_sha256', sa.String(length=64), nullable=False),
    sa.Column('found_sha256', sa.String(length=64), nullable=True),
    sa.Column('expected_size', sa.BigInteger(), nullable=False),
    sa.Column('found_size', sa.BigInteger(), nullable=True),
    sa.Column('found_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['storage_checks.id'], name=op.f('fk_storage_mismatches_check_id_storage_checks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['version_id'], ['submission_versions.id'], name=op.f('fk_storage_mismatches_version_id_submission_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_storage_mismatches'))
    )
    with op.batch_alter_table('storage_mismatches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_storage_mismatches_check_id'), ['check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_storage_mismatches_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('storage_mismatches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_storage_mismatches_version_id'))
        batch_op.drop_index(batch_op.f('ix_storage_mismatches_check_id'))

    op.drop_table('storage_mismatches')
    op.drop_table('storage_checks')
