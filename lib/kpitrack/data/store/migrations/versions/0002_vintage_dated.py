"""A vintage says whether its publication date was stated (``dated``): an ingest without
``--known-from`` records the ingest day, read as such, and pages show 未知.

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("vintages") as batch:
        batch.add_column(sa.Column("dated", sa.Integer, nullable=False, server_default="1"))


def downgrade() -> None:
    with op.batch_alter_table("vintages") as batch:
        batch.drop_column("dated")
