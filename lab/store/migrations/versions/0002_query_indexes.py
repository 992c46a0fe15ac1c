"""Indexes for the lab's questions: list by device / requirement + verdict / time, trend by model,
and the foreign keys a campaign's details are read through.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

INDEXES: list[tuple[str, str, list[str]]] = [
    ("ix_campaigns_device", "campaigns", ["manufacturer", "model", "serial_number"]),
    ("ix_campaigns_model_started", "campaigns", ["model", "started_at"]),
    ("ix_campaigns_started", "campaigns", ["started_at"]),
    ("ix_instruments_campaign_pk", "instruments", ["campaign_pk"]),
    ("ix_requirement_results_campaign_pk", "requirement_results", ["campaign_pk"]),
    ("ix_requirement_results_requirement_verdict", "requirement_results", ["requirement_id", "verdict"]),
    ("ix_checks_requirement_pk", "checks", ["requirement_pk"]),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
