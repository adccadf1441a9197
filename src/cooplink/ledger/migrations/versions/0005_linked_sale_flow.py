"""linked sale flow: order status, who opened a dispute, product maps and their review queue, peer grants

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 15:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agreements') as batch:
        batch.add_column(sa.Column('status', sa.String(length=10), server_default='accepted', nullable=False))
    with op.batch_alter_table('disputes') as batch:
        batch.add_column(sa.Column('opened_by', sa.String(length=500), nullable=True))
    op.create_table('product_maps',
    sa.Column('peer', sa.String(length=500), nullable=False),
    sa.Column('their_spec', sa.String(length=500), nullable=False),
    sa.Column('our_spec', sa.String(length=500), nullable=False),
    sa.Column('learned_at', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['our_spec'], ['resource_specifications.id'],
                            name=op.f('fk_product_maps_our_spec_resource_specifications')),
    sa.ForeignKeyConstraint(['peer'], ['peers.id'], name=op.f('fk_product_maps_peer_peers')),
    sa.PrimaryKeyConstraint('peer', 'their_spec', name=op.f('pk_product_maps'))
    )
    op.create_table('mapping_reviews',
    sa.Column('peer', sa.String(length=500), nullable=False),
    sa.Column('their_spec', sa.String(length=500), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('classified_as', sa.Text(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.Column('suggestion', sa.String(length=500), nullable=True),
    sa.Column('first_seen_at', sa.String(length=40), nullable=False),
    sa.Column('decision', sa.String(length=10), nullable=True),
    sa.Column('decided_at', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['peer'], ['peers.id'], name=op.f('fk_mapping_reviews_peer_peers')),
    sa.PrimaryKeyConstraint('peer', 'their_spec', name=op.f('pk_mapping_reviews'))
    )
    op.create_table('peer_grants',
    sa.Column('peer', sa.String(length=500), nullable=False),
    sa.Column('scope', sa.String(length=40), nullable=False),
    sa.Column('granted_at', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['peer'], ['peers.id'], name=op.f('fk_peer_grants_peer_peers')),
    sa.PrimaryKeyConstraint('peer', 'scope', name=op.f('pk_peer_grants'))
    )


def downgrade() -> None:
    op.drop_table('peer_grants')
    op.drop_table('mapping_reviews')
    op.drop_table('product_maps')
    with op.batch_alter_table('disputes') as batch:
        batch.drop_column('opened_by')
    with op.batch_alter_table('agreements') as batch:
        batch.drop_column('status')
