"""post last editor

Revision ID: 66d9cb202e70
Revises: 9e0bcaf0058d
Create Date: 2026-11-25 03:51:32.127505

"""
from alembic import op
import sqlalchemy as sa

import scheduler.models.base  # custom column types such as UTCDateTime


# revision identifiers, used by Alembic.
revision = '66d9cb202e70'
down_revision = '9e0bcaf0058d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_editor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_posts_last_editor_id_users'), 'users', ['last_editor_id'], ['id'], ondelete='SET NULL')
    op.execute("UPDATE posts SET last_editor_id = author_id")



def downgrade():
    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_posts_last_editor_id_users'), type_='foreignkey')
        batch_op.drop_column('last_editor_id')

