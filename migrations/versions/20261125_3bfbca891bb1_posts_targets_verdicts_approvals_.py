"""posts targets verdicts approvals attempts slots

Revision ID: 3bfbca891bb1
Revises: ac5891f58e5e
Create Date: 2026-11-25 02:56:57.632280

"""
from alembic import op
import sqlalchemy as sa

import scheduler.models.base  # custom column types such as UTCDateTime


# revision identifiers, used by Alembic.
revision = '3bfbca891bb1'
down_revision = 'ac5891f58e5e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('posts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=2000), nullable=True),
    sa.Column('media', sa.JSON(), nullable=False),
    sa.Column('declarations', sa.JSON(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'awaiting_approval', 'scheduled', 'completed', 'rejected', 'cancelled', 'expired', name='post_state', native_enum=False, length=24), nullable=False),
    sa.Column('scheduled_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.Column('updated_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_posts_author_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_posts_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posts'))
    )
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posts_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_scheduled_at'), ['scheduled_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_posts_team_id'), ['team_id'], unique=False)

    op.create_table('approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('approved', 'changes_requested', 'rejected', name='approval_decision', native_enum=False, length=24), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('policy_version', sa.String(length=80), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('decided_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.Column('voided_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['manager_id'], ['users.id'], name=op.f('fk_approvals_manager_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_approvals_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals'))
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_post_id'), ['post_id'], unique=False)

    op.create_table('gate_verdicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('policy_version', sa.String(length=80), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('evaluated_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_gate_verdicts_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_gate_verdicts'))
    )
    with op.batch_alter_table('gate_verdicts', schema=None) as batch_op:
        batch_op.create_index('ix_gate_verdicts_lookup', ['post_id', 'content_hash', 'policy_version'], unique=False)

    op.create_table('post_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('text_variant', sa.Text(), nullable=True),
    sa.Column('state', sa.Enum('pending', 'scheduled', 'publishing', 'published', 'failed', 'unconfirmed', 'held', 'cancelled', 'expired', name='target_state', native_enum=False, length=24), nullable=False),
    sa.Column('due_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('claim_id', sa.String(length=36), nullable=True),
    sa.Column('claimed_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('external_id', sa.String(length=200), nullable=True),
    sa.Column('external_url', sa.String(length=1000), nullable=True),
    sa.Column('published_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.Column('last_error', sa.String(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], name=op.f('fk_post_targets_account_id_social_accounts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_targets_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_targets')),
    sa.UniqueConstraint('post_id', 'account_id', name='uq_post_targets_post_account')
    )
    with op.batch_alter_table('post_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_post_targets_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_post_targets_post_id'), ['post_id'], unique=False)
        batch_op.create_index('ix_post_targets_state_due', ['state', 'due_at'], unique=False)

    op.create_table('posting_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('weekday', sa.Integer(), nullable=False),
    sa.Column('minute_of_day', sa.Integer(), nullable=False),
    sa.CheckConstraint('minute_of_day >= 0 AND minute_of_day < 1440', name=op.f('ck_posting_slots_minute_range')),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_posting_slots_weekday_range')),
    sa.ForeignKeyConstraint(['account_id'], ['social_accounts.id'], name=op.f('fk_posting_slots_account_id_social_accounts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_posting_slots_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posting_slots')),
    sa.UniqueConstraint('account_id', 'team_id', 'weekday', 'minute_of_day', name='uq_posting_slots_time')
    )
    with op.batch_alter_table('posting_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posting_slots_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_posting_slots_team_id'), ['team_id'], unique=False)

    op.create_table('publish_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('started_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.Column('finished_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.Column('outcome', sa.String(length=30), nullable=False),
    sa.Column('message', sa.String(length=1000), nullable=True),
    sa.Column('job_id', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['target_id'], ['post_targets.id'], name=op.f('fk_publish_attempts_target_id_post_targets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_publish_attempts'))
    )
    with op.batch_alter_table('publish_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publish_attempts_target_id'), ['target_id'], unique=False)

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('late_approval_rule', sa.String(length=24), server_default='expire', nullable=False))



def downgrade():
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_column('late_approval_rule')

    with op.batch_alter_table('publish_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publish_attempts_target_id'))

    op.drop_table('publish_attempts')
    with op.batch_alter_table('posting_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posting_slots_team_id'))
        batch_op.drop_index(batch_op.f('ix_posting_slots_account_id'))

    op.drop_table('posting_slots')
    with op.batch_alter_table('post_targets', schema=None) as batch_op:
        batch_op.drop_index('ix_post_targets_state_due')
        batch_op.drop_index(batch_op.f('ix_post_targets_post_id'))
        batch_op.drop_index(batch_op.f('ix_post_targets_account_id'))

    op.drop_table('post_targets')
    with op.batch_alter_table('gate_verdicts', schema=None) as batch_op:
        batch_op.drop_index('ix_gate_verdicts_lookup')

    op.drop_table('gate_verdicts')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approvals_post_id'))

    op.drop_table('approvals')
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_posts_team_id'))
        batch_op.drop_index(batch_op.f('ix_posts_state'))
        batch_op.drop_index(batch_op.f('ix_posts_scheduled_at'))
        batch_op.drop_index(batch_op.f('ix_posts_author_id'))

    op.drop_table('posts')
