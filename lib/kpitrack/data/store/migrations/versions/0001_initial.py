"""The first schema: scopes, vintages, figures, ledger texts, notice events, audit.

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TEXT = ("measure_id", "region", "period", "value", "unit", "quality", "method", "source", "note", "known_from")
_EVENT = ("number", "event", "date", "unit", "region", "measure_id", "rule", "evidence", "due", "note")


def upgrade() -> None:
    op.create_table("scopes", sa.Column("scope", sa.String(200), primary_key=True),
                    sa.Column("loaded_sha256", sa.String(64), nullable=False), sa.Column("loaded_at", sa.String(32), nullable=False))
    op.create_table("vintages", sa.Column("scope", sa.String(200), primary_key=True), sa.Column("kind", sa.String(40), primary_key=True),
                    sa.Column("vintage", sa.Integer, primary_key=True, autoincrement=False),
                    sa.Column("ingested_at", sa.String(32), nullable=False), sa.Column("known_from", sa.String(32), nullable=False),
                    sa.Column("file", sa.Text, nullable=False), sa.Column("sha256", sa.String(200), nullable=False),
                    sa.Column("source", sa.Text, nullable=False), sa.Column("rows", sa.Integer, nullable=False),
                    sa.Column("origin", sa.String(16), nullable=False), sa.Column("ingested_by", sa.Text, nullable=False))
    op.create_table("figures", sa.Column("scope", sa.String(200), primary_key=True),
                    sa.Column("vintage", sa.Integer, primary_key=True, autoincrement=False),
                    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
                    *(sa.Column(c, sa.Text, nullable=False) for c in _TEXT))
    op.create_table("ledger_texts", sa.Column("scope", sa.String(200), primary_key=True), sa.Column("kind", sa.String(40), primary_key=True),
                    sa.Column("vintage", sa.Integer, primary_key=True, autoincrement=False), sa.Column("content", sa.Text, nullable=False))
    op.create_table("notice_events", sa.Column("scope", sa.String(200), primary_key=True),
                    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
                    *(sa.Column(c, sa.Text, nullable=False) for c in _EVENT), sa.Column("origin", sa.String(16), nullable=False))
    op.create_table("audit", sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
                    sa.Column("at", sa.String(32), nullable=False), sa.Column("who", sa.Text, nullable=False),
                    sa.Column("action", sa.String(40), nullable=False), sa.Column("scope", sa.String(200), nullable=False),
                    sa.Column("kind", sa.String(40), nullable=False), sa.Column("vintage", sa.Integer, nullable=True),
                    sa.Column("rows", sa.Integer, nullable=True), sa.Column("sha256", sa.String(200), nullable=False),
                    sa.Column("detail", sa.Text, nullable=False))


def downgrade() -> None:
    for t in ("audit", "notice_events", "ledger_texts", "figures", "vintages", "scopes"):
        op.drop_table(t)
