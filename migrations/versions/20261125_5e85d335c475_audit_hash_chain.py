"""audit hash chain

Revision ID: 5e85d335c475
Revises: 4443f894e79f
Create Date: 2026-11-25 03:14:36.544996

"""
from alembic import op
import sqlalchemy as sa

import scheduler.models.base  # custom column types such as UTCDateTime


# revision identifiers, used by Alembic.
revision = '5e85d335c475'
down_revision = '4443f894e79f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_chain_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sequence', sa.BigInteger(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_chain_head'))
    )
    # Nullable first, filled by chaining the existing history in id order, then required.
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sequence', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('prev_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('hash', sa.String(length=64), nullable=True))
    _chain_existing_events()
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.alter_column('sequence', existing_type=sa.BigInteger(), nullable=False)
        batch_op.alter_column('prev_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column('hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_audit_events_sequence'), ['sequence'])


def _chain_existing_events():
    from datetime import timezone

    from scheduler.services.audit import GENESIS_HASH, event_hash

    connection = op.get_bind()
    events = sa.table('audit_events', sa.column('id'), sa.column('occurred_at'), sa.column('actor_id'),
                      sa.column('actor_label'), sa.column('action'), sa.column('subject_type'),
                      sa.column('subject_id'), sa.column('details', sa.JSON), sa.column('sequence'),
                      sa.column('prev_hash'), sa.column('hash'))
    previous, sequence = GENESIS_HASH, 0
    for row in connection.execute(sa.select(events).order_by(events.c.id)).mappings().all():
        sequence += 1
        occurred = row['occurred_at']
        if isinstance(occurred, str):
            from datetime import datetime

            occurred = datetime.fromisoformat(occurred)
        occurred = occurred.replace(tzinfo=timezone.utc) if occurred.tzinfo is None else occurred
        digest = event_hash(previous, sequence, occurred.astimezone(timezone.utc), row['actor_id'],
                            row['actor_label'], row['action'], row['subject_type'], row['subject_id'],
                            row['details'] or {})
        connection.execute(events.update().where(events.c.id == row['id'])
                           .values(sequence=sequence, prev_hash=previous, hash=digest))
        previous = digest
    head = sa.table('audit_chain_head', sa.column('id'), sa.column('sequence'), sa.column('last_hash'))
    connection.execute(head.insert().values(id=1, sequence=sequence, last_hash=previous))


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_audit_events_sequence'), type_='unique')
        batch_op.drop_column('hash')
        batch_op.drop_column('prev_hash')
        batch_op.drop_column('sequence')

    op.drop_table('audit_chain_head')
