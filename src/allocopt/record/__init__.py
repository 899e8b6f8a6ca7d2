"""The decision record of allocation meetings (SQLAlchemy 2 and Alembic).

At the edge, beside the web board that writes it: the core never imports it.
`store` opens a record (SQLite file or PostgreSQL URL) and reads and appends
meetings, snapshots of the scored caseload, optimiser runs and decisions;
`tables` declares the tables; `migrations/` holds the versioned schema.
"""
