"""initial ledger

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 12:50:25.993845
"""
from alembic import op
import sqlalchemy as sa
import cooplink.ledger.schema


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agents',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agents'))
    )
    op.create_table('events',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('provider', sa.String(length=500), nullable=False),
    sa.Column('receiver', sa.String(length=500), nullable=False),
    sa.Column('resource_inventoried_as', sa.String(length=500), nullable=True),
    sa.Column('to_resource_inventoried_as', sa.String(length=500), nullable=True),
    sa.Column('resource_conforms_to', sa.String(length=500), nullable=True),
    sa.Column('resource_quantity', cooplink.ledger.schema.ExactDecimal(), nullable=True),
    sa.Column('resource_unit', sa.String(length=40), nullable=True),
    sa.Column('effort_quantity', cooplink.ledger.schema.ExactDecimal(), nullable=True),
    sa.Column('effort_unit', sa.String(length=40), nullable=True),
    sa.Column('input_of', sa.String(length=500), nullable=True),
    sa.Column('output_of', sa.String(length=500), nullable=True),
    sa.Column('at_location', sa.Text(), nullable=True),
    sa.Column('to_location', sa.Text(), nullable=True),
    sa.Column('state', sa.Text(), nullable=True),
    sa.Column('has_point_in_time', sa.String(length=40), nullable=True),
    sa.Column('corrects', sa.String(length=500), nullable=True),
    sa.Column('realization_of', sa.String(length=500), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('creates', sa.String(length=20), nullable=True),
    sa.Column('recorded_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_events')),
    sa.UniqueConstraint('corrects', name=op.f('uq_events_corrects')),
    sa.UniqueConstraint('id', name=op.f('uq_events_id'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_input_of'), ['input_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_output_of'), ['output_of'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_resource_inventoried_as'), ['resource_inventoried_as'], unique=False)
        batch_op.create_index(batch_op.f('ix_events_to_resource_inventoried_as'), ['to_resource_inventoried_as'], unique=False)

    op.create_table('process_specifications',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_process_specifications'))
    )
    op.create_table('recipes',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('primary_output', sa.String(length=500), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipes'))
    )
    op.create_table('resource_specifications',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('default_unit_of_resource', sa.String(length=40), nullable=True),
    sa.Column('default_unit_of_effort', sa.String(length=40), nullable=True),
    sa.Column('resource_classified_as', sa.Text(), nullable=False),
    sa.Column('substitutable', sa.Boolean(), nullable=False),
    sa.Column('medium_of_exchange', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resource_specifications'))
    )
    op.create_table('settings',
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_settings'))
    )
    op.create_table('processes',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('based_on', sa.String(length=500), nullable=True),
    sa.Column('has_beginning', sa.String(length=40), nullable=True),
    sa.Column('has_end', sa.String(length=40), nullable=True),
    sa.Column('finished', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['based_on'], ['process_specifications.id'], name=op.f('fk_processes_based_on_process_specifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processes'))
    )
    op.create_table('recipe_flows',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('recipe', sa.String(length=500), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('resource_conforms_to', sa.String(length=500), nullable=True),
    sa.Column('resource_quantity', cooplink.ledger.schema.ExactDecimal(), nullable=True),
    sa.Column('resource_unit', sa.String(length=40), nullable=True),
    sa.Column('effort_quantity', cooplink.ledger.schema.ExactDecimal(), nullable=True),
    sa.Column('effort_unit', sa.String(length=40), nullable=True),
    sa.Column('recipe_input_of', sa.String(length=500), nullable=True),
    sa.Column('recipe_output_of', sa.String(length=500), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['recipe'], ['recipes.id'], name=op.f('fk_recipe_flows_recipe_recipes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipe_flows'))
    )
    with op.batch_alter_table('recipe_flows', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipe_flows_recipe'), ['recipe'], unique=False)

    op.create_table('recipe_processes',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('recipe', sa.String(length=500), nullable=False),
    sa.Column('name', sa.Text(), nullable=False),
    sa.Column('process_conforms_to', sa.String(length=500), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['recipe'], ['recipes.id'], name=op.f('fk_recipe_processes_recipe_recipes')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recipe_processes'))
    )
    with op.batch_alter_table('recipe_processes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_recipe_processes_recipe'), ['recipe'], unique=False)

    op.create_table('resources',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('conforms_to', sa.String(length=500), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('accounting_quantity', cooplink.ledger.schema.ExactDecimal(), nullable=False),
    sa.Column('onhand_quantity', cooplink.ledger.schema.ExactDecimal(), nullable=False),
    sa.Column('primary_accountable', sa.String(length=500), nullable=True),
    sa.Column('current_location', sa.Text(), nullable=True),
    sa.Column('contained_in', sa.String(length=500), nullable=True),
    sa.Column('stage', sa.String(length=500), nullable=True),
    sa.Column('state', sa.Text(), nullable=True),
    sa.Column('tracking_identifier', sa.Text(), nullable=True),
    sa.Column('lot_code', sa.Text(), nullable=True),
    sa.Column('lot_expiration', sa.String(length=40), nullable=True),
    sa.Column('classified_as', sa.Text(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['conforms_to'], ['resource_specifications.id'], name=op.f('fk_resources_conforms_to_resource_specifications')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resources'))
    )
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resources_tracking_identifier'), ['tracking_identifier'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('resources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resources_tracking_identifier'))

    op.drop_table('resources')
    with op.batch_alter_table('recipe_processes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recipe_processes_recipe'))

    op.drop_table('recipe_processes')
    with op.batch_alter_table('recipe_flows', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_recipe_flows_recipe'))

    op.drop_table('recipe_flows')
    op.drop_table('processes')
    op.drop_table('settings')
    op.drop_table('resource_specifications')
    op.drop_table('recipes')
    op.drop_table('process_specifications')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_events_to_resource_inventoried_as'))
        batch_op.drop_index(batch_op.f('ix_events_resource_inventoried_as'))
        batch_op.drop_index(batch_op.f('ix_events_output_of'))
        batch_op.drop_index(batch_op.f('ix_events_input_of'))

    op.drop_table('events')
    op.drop_table('agents')
