"""federation: peers, keys, inbox, outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 13:58:14.356113
"""
from alembic import op
import sqlalchemy as sa
import cooplink.ledger.schema


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('inbox',
    sa.Column('activity_id', sa.String(length=500), nullable=False),
    sa.Column('peer', sa.String(length=500), nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('received_at', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('activity_id', name=op.f('pk_inbox'))
    )
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbox_peer'), ['peer'], unique=False)

    op.create_table('outbox',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('activity_id', sa.String(length=500), nullable=False),
    sa.Column('peer', sa.String(length=500), nullable=False),
    sa.Column('target', sa.String(length=500), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.String(length=40), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('delivered_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox')),
    sa.UniqueConstraint('activity_id', name=op.f('uq_outbox_activity_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_peer'), ['peer'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_status'), ['status'], unique=False)

    op.create_table('peers',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('inbox', sa.String(length=500), nullable=False),
    sa.Column('added_at', sa.String(length=40), nullable=False),
    sa.Column('removed_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_peers'))
    )
    op.create_table('peer_keys',
    sa.Column('key_id', sa.String(length=500), nullable=False),
    sa.Column('peer', sa.String(length=500), nullable=False),
    sa.Column('public_key', sa.String(length=100), nullable=False),
    sa.Column('pinned_at', sa.String(length=40), nullable=False),
    sa.Column('retired_at', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['peer'], ['peers.id'], name=op.f('fk_peer_keys_peer_peers')),
    sa.PrimaryKeyConstraint('key_id', name=op.f('pk_peer_keys'))
    )
    with op.batch_alter_table('peer_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_peer_keys_peer'), ['peer'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('peer_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_peer_keys_peer'))

    op.drop_table('peer_keys')
    op.drop_table('peers')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_status'))
        batch_op.drop_index(batch_op.f('ix_outbox_peer'))

    op.drop_table('outbox')
    with op.batch_alter_table('inbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbox_peer'))

    op.drop_table('inbox')
