"""identity: verified e-mail addresses, server-side sessions, single-use e-mailed links and their rate limits

Accounts that exist before this revision are marked verified as of their creation: they were admitted
under the old rules, and taking internal standing and organisation membership from every employee and
sponsor at once would lock sponsors out of their own challenges. Operators should review each
organisation's members on /admin/organizations for anyone who joined by a look-alike address.

Revision ID: 0010
Revises: 0009 (0009_blind_conflicts.py)
Create Date: 2026-12-03 13:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE users SET email_verified_at = created_at')

    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('key_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('key_sha256', name=op.f('uq_user_sessions_key_sha256'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)

    op.create_table('email_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('email_key', sa.String(length=320), nullable=False),
    sa.Column('nonce_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_email_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_links'))
    )
    with op.batch_alter_table('email_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_links_user_id'), ['user_id'], unique=False)

    op.create_table('email_link_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('email_key', sa.String(length=320), nullable=False),
    sa.Column('remote_addr', sa.String(length=64), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_email_link_requests'))
    )
    with op.batch_alter_table('email_link_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_email_link_requests_email_key'), ['email_key'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_link_requests_occurred_at'), ['occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_email_link_requests_remote_addr'), ['remote_addr'], unique=False)


def downgrade():
    with op.batch_alter_table('email_link_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_link_requests_remote_addr'))
        batch_op.drop_index(batch_op.f('ix_email_link_requests_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_email_link_requests_email_key'))

    op.drop_table('email_link_requests')
    with op.batch_alter_table('email_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_email_links_user_id'))

    op.drop_table('email_links')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
