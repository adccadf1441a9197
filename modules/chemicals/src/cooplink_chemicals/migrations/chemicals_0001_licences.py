"""chemicals: licences held by agents

Revision ID: chemicals_0001
Revises: (none: the first of the chemicals branch, a root of its own; the core is current before any module is enabled)
"""
from alembic import op
import sqlalchemy as sa


revision = "chemicals_0001"
down_revision = None
branch_labels = ("chemicals",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "chemicals_licences",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("agent", sa.String(length=500), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("revoked_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_chemicals_licences"),
        sa.UniqueConstraint("agent", "category", "number", name="uq_chemicals_licences_agent"),
        sa.CheckConstraint("valid_from <= valid_until", name="ck_chemicals_licences_period"),
    )
    op.create_index("ix_chemicals_licences_agent", "chemicals_licences", ["agent"])


def downgrade() -> None:
    op.drop_index("ix_chemicals_licences_agent", table_name="chemicals_licences")
    op.drop_table("chemicals_licences")
