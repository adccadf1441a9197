"""inbox status index: the waiting activities are looked up after every applied one

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 16:40:00
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f('ix_inbox_status'), 'inbox', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_inbox_status'), table_name='inbox')
