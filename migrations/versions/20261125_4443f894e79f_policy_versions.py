"""policy versions

Revision ID: 4443f894e79f
Revises: 3bfbca891bb1
Create Date: 2026-11-25 03:10:28.180977

"""
from alembic import op
import sqlalchemy as sa

import scheduler.models.base  # custom column types such as UTCDateTime


# revision identifiers, used by Alembic.
revision = '4443f894e79f'
down_revision = '3bfbca891bb1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('policy_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.String(length=80), nullable=False),
    sa.Column('source_text', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', scheduler.models.base.UTCDateTime(), nullable=False),
    sa.Column('activated_at', scheduler.models.base.UTCDateTime(), nullable=True),
    sa.Column('is_active', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_policy_versions_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_policy_versions')),
    sa.UniqueConstraint('version', name=op.f('uq_policy_versions_version'))
    )
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_policy_versions_is_active'), ['is_active'], unique=False)



def downgrade():
    with op.batch_alter_table('policy_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_policy_versions_is_active'))

    op.drop_table('policy_versions')
