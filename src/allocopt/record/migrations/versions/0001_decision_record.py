"""The decision record: meetings, snapshots of the scored caseload, optimiser runs and
decisions, append-only.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TABLES = ("meetings", "snapshot_workers", "snapshot_cases", "runs", "decisions")
OUTCOMES = ("accepted", "overridden", "deferred", "pinned", "excluded", "reopened")



def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("team_id", sa.String(64), nullable=False),
        sa.Column("team_name", sa.String(200), nullable=False),
        sa.Column("meeting_date", sa.Date, nullable=False),
        sa.Column("scheme_id", sa.String(64), nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("team_id", "meeting_date", name="uq_meeting_team_date"),
    )
    op.create_table(
        "snapshot_workers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False,
                  index=True),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(40), nullable=False),
        sa.Column("fte", sa.Float, nullable=False),
        sa.Column("benchmark", sa.Float, nullable=False),
        sa.Column("load", sa.Float, nullable=False),
        sa.Column("load_pct", sa.Float, nullable=True),
        sa.Column("band", sa.String(40), nullable=False),
        sa.Column("households", sa.Integer, nullable=False),
        sa.Column("children", sa.Integer, nullable=False),
        sa.Column("available", sa.Boolean, nullable=False),
        sa.Column("note", sa.String(200), nullable=True),
        sa.UniqueConstraint("meeting_id", "worker_id", name="uq_snapshot_worker"),
    )
    op.create_table(
        "snapshot_cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False,
                  index=True),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("worker_id", sa.String(64), nullable=False),
        sa.Column("role", sa.String(10), nullable=False),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("children", sa.Integer, nullable=False),
        sa.Column("statuses", sa.String(200), nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False,
                  index=True),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("solver", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("fixed_through", sa.Integer, nullable=False),
        sa.Column("assignments", sa.Text, nullable=False),
        sa.Column("unallocated", sa.Text, nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("requested_by", sa.String(100), nullable=False),
        sa.UniqueConstraint("meeting_id", "number", name="uq_run_number"),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("meeting_id", sa.Integer, sa.ForeignKey("meetings.id"), nullable=False,
                  index=True),
        sa.Column("household_id", sa.String(64), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=True),
        sa.Column("suggested_worker", sa.String(64), nullable=True),
        sa.Column("chosen_worker", sa.String(64), nullable=True),
        sa.Column("secondary_worker", sa.String(64), nullable=True),
        sa.Column("hard_rule_override", sa.Boolean, nullable=False),
        sa.Column("rules_overridden", sa.Text, nullable=True),
        sa.Column("against_preference", sa.Text, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("load_before", sa.Float, nullable=True),
        sa.Column("pct_before", sa.Float, nullable=True),
        sa.Column("band_before", sa.String(40), nullable=True),
        sa.Column("load_after", sa.Float, nullable=True),
        sa.Column("pct_after", sa.Float, nullable=True),
        sa.Column("band_after", sa.String(40), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=False),
        sa.Column("corrects", sa.Integer, sa.ForeignKey("decisions.id"), nullable=True),
        sa.UniqueConstraint("meeting_id", "household_id", "revision", name="uq_decision_revision"),
        sa.CheckConstraint("outcome IN ('" + "', '".join(OUTCOMES) + "')",
                           name="ck_decision_outcome"),
        sa.CheckConstraint("revision >= 1", name="ck_decision_revision"),
    )
    # Append-only, whoever connects: the database itself refuses to change a row.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE FUNCTION allocopt_append_only() RETURNS trigger AS $$ BEGIN "
                   "RAISE EXCEPTION 'the decision record is append-only: add a new row'; "
                   "END $$ LANGUAGE plpgsql")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION allocopt_append_only()")
    elif op.get_bind().dialect.name == "sqlite":
        for table in TABLES:
            for action in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                           "BEGIN SELECT RAISE(ABORT, 'the decision record is append-only: "
                           "add a new row'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS allocopt_append_only()")
    for table in reversed(TABLES):
        op.drop_table(table)
