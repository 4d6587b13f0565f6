"""Alembic environment: runs on the engine leakdesk hands over (no alembic.ini needed)."""

from alembic import context

from leakdesk.store.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    context.run_migrations()
