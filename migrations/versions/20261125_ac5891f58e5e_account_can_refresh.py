"""account can_refresh

Revision ID: ac5891f58e5e
Revises: 17b02f78b2a3
Create Date: 2026-11-25 02:53:21.108526

"""
from alembic import op
import sqlalchemy as sa

import scheduler.models.base  # custom column types such as UTCDateTime


# revision identifiers, used by Alembic.
revision = 'ac5891f58e5e'
down_revision = '17b02f78b2a3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('social_accounts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('can_refresh', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade():
    with op.batch_alter_table('social_accounts', schema=None) as batch_op:
        batch_op.drop_column('can_refresh')

