"""orders invoices payments

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 14:25:20.505283
"""
from alembic import op
import sqlalchemy as sa
import cooplink.ledger.schema


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agreements',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('counterparty', sa.String(length=500), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('payment_terms_days', sa.Integer(), nullable=False),
    sa.Column('created_on', sa.String(length=10), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreements'))
    )
    op.create_table('claim_numbers',
    sa.Column('series', sa.String(length=20), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('series', name=op.f('pk_claim_numbers'))
    )
    op.create_table('disputes',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('subject_kind', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('expected', cooplink.ledger.schema.ExactDecimal(), nullable=False),
    sa.Column('actual', cooplink.ledger.schema.ExactDecimal(), nullable=False),
    sa.Column('measure', sa.String(length=40), nullable=False),
    sa.Column('opened_at', sa.String(length=40), nullable=False),
    sa.Column('resolved_by', sa.String(length=500), nullable=True),
    sa.Column('resolved_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_disputes'))
    )
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_disputes_subject'), ['subject'], unique=False)

    op.create_table('claims',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('agreement', sa.String(length=500), nullable=False),
    sa.Column('provider', sa.String(length=500), nullable=False),
    sa.Column('receiver', sa.String(length=500), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('issued_on', sa.String(length=10), nullable=False),
    sa.Column('due_on', sa.String(length=10), nullable=False),
    sa.Column('credits', sa.String(length=500), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['agreement'], ['agreements.id'], name=op.f('fk_claims_agreement_agreements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_claims')),
    sa.UniqueConstraint('direction', 'provider', 'number', name='uq_claims_direction_provider_number')
    )
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claims_agreement'), ['agreement'], unique=False)
        batch_op.create_index(batch_op.f('ix_claims_credits'), ['credits'], unique=False)

    op.create_table('commitments',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('clause_of', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('provider', sa.String(length=500), nullable=False),
    sa.Column('receiver', sa.String(length=500), nullable=False),
    sa.Column('resource_conforms_to', sa.String(length=500), nullable=True),
    sa.Column('quantity', cooplink.ledger.schema.ExactDecimal(), nullable=True),
    sa.Column('unit', sa.String(length=40), nullable=True),
    sa.Column('unit_price', cooplink.ledger.schema.ExactDecimal(), nullable=True),
    sa.Column('tax_rate', cooplink.ledger.schema.ExactDecimal(), nullable=True),
    sa.Column('amount', cooplink.ledger.schema.ExactDecimal(), nullable=True),
    sa.ForeignKeyConstraint(['clause_of'], ['agreements.id'], name=op.f('fk_commitments_clause_of_agreements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitments'))
    )
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitments_clause_of'), ['clause_of'], unique=False)

    op.create_table('claim_lines',
    sa.Column('claim', sa.String(length=500), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('commitment', sa.String(length=500), nullable=True),
    sa.Column('resource_conforms_to', sa.String(length=500), nullable=False),
    sa.Column('quantity', cooplink.ledger.schema.ExactDecimal(), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('unit_price', cooplink.ledger.schema.ExactDecimal(), nullable=False),
    sa.Column('tax_rate', cooplink.ledger.schema.ExactDecimal(), nullable=False),
    sa.Column('net', cooplink.ledger.schema.ExactDecimal(), nullable=False),
    sa.ForeignKeyConstraint(['claim'], ['claims.id'], name=op.f('fk_claim_lines_claim_claims')),
    sa.PrimaryKeyConstraint('claim', 'position', name=op.f('pk_claim_lines'))
    )
    op.create_table('claim_triggers',
    sa.Column('event', sa.String(length=500), nullable=False),
    sa.Column('claim', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['claim'], ['claims.id'], name=op.f('fk_claim_triggers_claim_claims')),
    sa.PrimaryKeyConstraint('event', name=op.f('pk_claim_triggers'))
    )
    with op.batch_alter_table('claim_triggers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_claim_triggers_claim'), ['claim'], unique=False)

    op.create_table('fulfillments',
    sa.Column('event', sa.String(length=500), nullable=False),
    sa.Column('commitment', sa.String(length=500), nullable=False),
    sa.Column('quantity', cooplink.ledger.schema.ExactDecimal(), nullable=False),
    sa.ForeignKeyConstraint(['commitment'], ['commitments.id'], name=op.f('fk_fulfillments_commitment_commitments')),
    sa.PrimaryKeyConstraint('event', 'commitment', name=op.f('pk_fulfillments'))
    )
    op.create_table('payments',
    sa.Column('id', sa.String(length=500), nullable=False),
    sa.Column('settles', sa.String(length=500), nullable=False),
    sa.Column('provider', sa.String(length=500), nullable=False),
    sa.Column('receiver', sa.String(length=500), nullable=False),
    sa.Column('amount', cooplink.ledger.schema.ExactDecimal(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('paid_on', sa.String(length=10), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_at', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['settles'], ['claims.id'], name=op.f('fk_payments_settles_claims')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payments'))
    )
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payments_settles'), ['settles'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payments_settles'))

    op.drop_table('payments')
    op.drop_table('fulfillments')
    with op.batch_alter_table('claim_triggers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claim_triggers_claim'))

    op.drop_table('claim_triggers')
    op.drop_table('claim_lines')
    with op.batch_alter_table('commitments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitments_clause_of'))

    op.drop_table('commitments')
    with op.batch_alter_table('claims', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_claims_credits'))
        batch_op.drop_index(batch_op.f('ix_claims_agreement'))

    op.drop_table('claims')
    with op.batch_alter_table('disputes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_disputes_subject'))

    op.drop_table('disputes')
    op.drop_table('claim_numbers')
    op.drop_table('agreements')
