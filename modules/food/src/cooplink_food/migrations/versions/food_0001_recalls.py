"""food: the food_recalls table

The food module's migrations are an Alembic branch of their own, labelled "food": enabling the module upgrades to
food@head, `disable --drop-data` downgrades to food@base. The core is always current before a module is enabled.

Revision ID: food_0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "food_0001"
down_revision = None
branch_labels = ("food",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "food_recalls",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("lot", sa.Text(), nullable=False),
        sa.Column("run_at", sa.String(length=40), nullable=False),
        sa.Column("customers", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_food_recalls"),
    )


def downgrade() -> None:
    op.drop_table("food_recalls")
