"""The store's tables (SQLAlchemy Core, the same for SQLite and PostgreSQL). Their versions are
Alembic's (``migrations/``): a change here is a new revision there."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, Text

metadata = MetaData()

#: A folder of records (``actuals/<dataset>``, ``peers``, ``notices/register.csv``) and the hash of its
#: CSV files when they were loaded; writers lock its row.
scopes = Table(
    "scopes", metadata,
    Column("scope", String(200), primary_key=True),
    Column("loaded_sha256", String(64), nullable=False),
    Column("loaded_at", String(32), nullable=False),
)

#: Every vintage of every kind: ``figures`` (the KPI ledger) or a plan ledger (special, standards,
#: rectification, peers). ``origin`` is ``bundled`` (loaded from the CSV files) or ``ingest``.
vintages = Table(
    "vintages", metadata,
    Column("scope", String(200), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("vintage", Integer, primary_key=True, autoincrement=False),
    Column("ingested_at", String(32), nullable=False),
    Column("known_from", String(32), nullable=False),
    Column("file", Text, nullable=False),
    Column("sha256", String(200), nullable=False),
    Column("source", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("origin", String(16), nullable=False),
    Column("ingested_by", Text, nullable=False),
    #: 0 when nobody stated when the figures were published: ``known_from`` is the ingest day (0002)
    Column("dated", Integer, nullable=False, server_default="1"),
)

#: The KPI figures, one row per figure of a vintage, as written (text).
figures = Table(
    "figures", metadata,
    Column("scope", String(200), primary_key=True),
    Column("vintage", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    *(Column(c, Text, nullable=False) for c in
      ("measure_id", "region", "period", "value", "unit", "quality", "method", "source", "note", "known_from")),
)

#: A plan ledger's vintage: the accepted rows as the CSV text the tree holds.
ledger_texts = Table(
    "ledger_texts", metadata,
    Column("scope", String(200), primary_key=True),
    Column("kind", String(40), primary_key=True),
    Column("vintage", Integer, primary_key=True, autoincrement=False),
    Column("content", Text, nullable=False),
)

#: The notices registers: append-only events.
notice_events = Table(
    "notice_events", metadata,
    Column("scope", String(200), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    *(Column(c, Text, nullable=False) for c in
      ("number", "event", "date", "unit", "region", "measure_id", "rule", "evidence", "due", "note")),
    Column("origin", String(16), nullable=False),
)

#: Who did what when: every load, ingest, notice event and export.
audit = Table(
    "audit", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(32), nullable=False),
    Column("who", Text, nullable=False),
    Column("action", String(40), nullable=False),
    Column("scope", String(200), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("vintage", Integer, nullable=True),
    Column("rows", Integer, nullable=True),
    Column("sha256", String(200), nullable=False),
    Column("detail", Text, nullable=False),
)
