"""Alembic's environment for the store: always given a connection by kpitrack (no alembic.ini)."""

from alembic import context

from kpitrack.data.store.schema import metadata

context.configure(connection=context.config.attributes["connection"], target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
