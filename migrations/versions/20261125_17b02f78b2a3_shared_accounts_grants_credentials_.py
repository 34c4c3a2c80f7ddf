"""shared accounts grants credentials oauth attempts notifications

Revision ID: 17b02f78b2a3
Revises: 4b513385a191
Create Date: 2026-11-25 02:48:12.342224

"""
from alembic import op
import sqlalchemy as sa

import scheduler.models.base  # custom column types such as UTCDateTime


# revision identifiers, used by Alembic.
revision = '17b02f78b2a3'
down_revision = '4b513385a191'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=60), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=True),
    sa.Column('created_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.Column('read_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('social_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('external_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('handle', sa.String(length=200), nullable=True),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('purpose_kind', sa.Enum('unit', 'individual', name='account_purpose', native_enum=False, length=24), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('owning_team_id', sa.Integer(), nullable=False),
    sa.Column('is_alumni_channel', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('status', sa.Enum('connected', 'needs_reconnect', 'disconnected', name='account_status', native_enum=False, length=24), nullable=False),
    sa.Column('status_reason', sa.String(length=500), nullable=True),
    sa.Column('scopes', sa.String(length=1000), nullable=True),
    sa.Column('token_expires_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.Column('connected_by_id', sa.Integer(), nullable=True),
    sa.Column('connected_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.Column('last_published_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['connected_by_id'], ['users.id'], name=op.f('fk_social_accounts_connected_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owning_team_id'], ['teams.id'], name=op.f('fk_social_accounts_owning_team_id_teams'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_social_accounts')),
    sa.UniqueConstraint('platform', 'external_id', name='uq_social_accounts_platform_external')
    )
    with op.batch_alter_table('social_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_social_accounts_owning_team_id'), ['owning_team_id'], unique=False)

    op.create_table('account_credentials',
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('access_token_encrypted', sa.Text(), nullable=False),
    sa.Column('refresh_token_encrypted', sa.Text(), nullable=True),
    sa.Column('expires_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.Column('token_type', sa.String(length=20), nullable=False),
    sa.Column('updated_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], name=op.f('fk_account_credentials_account_id_social_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', name=op.f('pk_account_credentials'))
    )
    op.create_table('account_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], name=op.f('fk_account_grants_account_id_social_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_account_grants_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_account_grants_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_grants')),
    sa.UniqueConstraint('account_id', 'team_id', name='uq_account_grants_account_team')
    )
    with op.batch_alter_table('account_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_grants_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_grants_team_id'), ['team_id'], unique=False)

    op.create_table('oauth_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('state_digest', sa.String(length=64), nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('admin_id', sa.Integer(), nullable=False),
    sa.Column('created_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.Column('code_verifier_encrypted', sa.Text(), nullable=True),
    sa.Column('reconnect_account_id', sa.Integer(), nullable=True),
    sa.Column('purpose_kind', sa.Enum('unit', 'individual', name='account_purpose', native_enum=False, length=24), nullable=False),
    sa.Column('purpose', sa.String(length=300), nullable=False),
    sa.Column('owning_team_id', sa.Integer(), nullable=False),
    sa.Column('is_alumni_channel', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('authorization_encrypted', sa.Text(), nullable=True),
    sa.Column('completed_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['admin_id'], ['users.id'], name=op.f('fk_oauth_attempts_admin_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owning_team_id'], ['teams.id'], name=op.f('fk_oauth_attempts_owning_team_id_teams'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reconnect_account_id'], ['social_accounts.id'], name=op.f('fk_oauth_attempts_reconnect_account_id_social_accounts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_oauth_attempts')),
    sa.UniqueConstraint('state_digest', name=op.f('uq_oauth_attempts_state_digest'))
    )
    with op.batch_alter_table('oauth_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_attempts_admin_id'), ['admin_id'], unique=False)



def downgrade():
    with op.batch_alter_table('oauth_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_attempts_admin_id'))

    op.drop_table('oauth_attempts')
    with op.batch_alter_table('account_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_grants_team_id'))
        batch_op.drop_index(batch_op.f('ix_account_grants_account_id'))

    op.drop_table('account_grants')
    op.drop_table('account_credentials')
    with op.batch_alter_table('social_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_social_accounts_owning_team_id'))

    op.drop_table('social_accounts')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_created_at'))

    op.drop_table('notifications')
