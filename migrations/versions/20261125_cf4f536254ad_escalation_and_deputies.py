"""escalation and deputies

Revision ID: cf4f536254ad
Revises: 5e85d335c475
Create Date: 2026-11-25 03:17:25.899857

"""
from alembic import op
import sqlalchemy as sa

import scheduler.models.base  # custom column types such as UTCDateTime


# revision identifiers, used by Alembic.
revision = 'cf4f536254ad'
down_revision = '5e85d335c475'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submitted_at', scheduler.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', scheduler.models.base.UTCDateTime(), nullable=True))

    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval_wait_limit_minutes', sa.Integer(), server_default='1440', nullable=False))
        batch_op.add_column(sa.Column('escalate_minutes_before_slot', sa.Integer(), server_default='60', nullable=False))
        batch_op.add_column(sa.Column('deputy_user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_teams_deputy_user_id_users'), 'users', ['deputy_user_id'], ['id'], ondelete='SET NULL')



def downgrade():
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_teams_deputy_user_id_users'), type_='foreignkey')
        batch_op.drop_column('deputy_user_id')
        batch_op.drop_column('escalate_minutes_before_slot')
        batch_op.drop_column('approval_wait_limit_minutes')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('submitted_at')

