"""Alembic environment of the decision record: migrations run on the connection the
record opened (see allocopt.record.store.open_record), never from a config file."""

from __future__ import annotations

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
