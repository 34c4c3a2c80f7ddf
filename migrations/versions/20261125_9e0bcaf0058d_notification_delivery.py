"""notification delivery

Revision ID: 9e0bcaf0058d
Revises: cf4f536254ad
Create Date: 2026-11-25 03:23:42.326565

"""
from alembic import op
import sqlalchemy as sa

import scheduler.models.base  # custom column types such as UTCDateTime


# revision identifiers, used by Alembic.
revision = '9e0bcaf0058d'
down_revision = 'cf4f536254ad'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_at', scheduler.models.base.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notifications_delivered_at'), ['delivered_at'], unique=False)
    # What was there before digests existed counts as delivered: no flood of old news.
    op.execute("UPDATE notifications SET delivered_at = CURRENT_TIMESTAMP")



def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_delivered_at'))
        batch_op.drop_column('delivered_at')

