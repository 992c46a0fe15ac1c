"""Initial schema: campaigns, their instruments, requirement verdicts and checks.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.String(64), nullable=False),
        sa.Column("report_id", sa.String(64), nullable=True),
        sa.Column("started_at", _TS, nullable=True),
        sa.Column("ended_at", _TS, nullable=True),
        sa.Column("manufacturer", sa.String(200), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("serial_number", sa.String(200), nullable=False),
        sa.Column("firmware_version", sa.String(200), nullable=True),
        sa.Column("device_class", sa.String(64), nullable=True),
        sa.Column("profile_sha256", sa.String(64), nullable=True),
        sa.Column("bench_name", sa.String(200), nullable=True),
        sa.Column("market", sa.String(16), nullable=True),
        sa.Column("catalog_name", sa.String(64), nullable=True),
        sa.Column("catalog_version", sa.String(64), nullable=True),
        sa.Column("decision_rule", sa.String(64), nullable=True),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("simulated", sa.Boolean(), nullable=False),
        sa.Column("signer_kind", sa.String(32), nullable=True),
        sa.Column("signer_fingerprint", sa.String(64), nullable=False),
        sa.Column("signed_at", _TS, nullable=True),
        sa.Column("package_path", sa.Text(), nullable=False),
        sa.Column("manifest_sha256", sa.String(64), nullable=False),
        sa.Column("imported_at", _TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        sa.UniqueConstraint("campaign_id", name="uq_campaigns_campaign_id"),
    )
    op.create_table(
        "instruments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_pk", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(64), nullable=False),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("serial_number", sa.String(200), nullable=True),
        sa.Column("asset_id", sa.String(200), nullable=True),
        sa.Column("calibration_certificate", sa.String(200), nullable=True),
        sa.Column("calibration_last", sa.String(32), nullable=True),
        sa.Column("calibration_due", sa.String(32), nullable=True),
        sa.Column("calibration_overdue", sa.Boolean(), nullable=True),
        sa.ForeignKeyConstraint(["campaign_pk"], ["campaigns.id"], name="fk_instruments_campaign_pk_campaigns",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_instruments"),
    )
    op.create_table(
        "requirement_results",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_pk", sa.Integer(), nullable=False),
        sa.Column("requirement_id", sa.String(64), nullable=False),
        sa.Column("title", sa.Text(), nullable=True),
        sa.Column("mandatory", sa.Boolean(), nullable=True),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.ForeignKeyConstraint(["campaign_pk"], ["campaigns.id"],
                                name="fk_requirement_results_campaign_pk_campaigns", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_requirement_results"),
    )
    op.create_table(
        "checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requirement_pk", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("quantity", sa.String(200), nullable=True),
        sa.Column("nodeid", sa.Text(), nullable=True),
        sa.Column("measured", sa.Float(), nullable=True),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column("low", sa.Float(), nullable=True),
        sa.Column("high", sa.Float(), nullable=True),
        sa.Column("uncertainty", sa.Float(), nullable=True),
        sa.Column("sensitivity", sa.JSON(), nullable=True),
        sa.Column("margin", sa.Float(), nullable=True),
        sa.Column("rule", sa.String(32), nullable=True),
        sa.Column("verdict", sa.String(32), nullable=False),
        sa.Column("t_s", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["requirement_pk"], ["requirement_results.id"],
                                name="fk_checks_requirement_pk_requirement_results", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_checks"),
    )


def downgrade() -> None:
    op.drop_table("checks")
    op.drop_table("requirement_results")
    op.drop_table("instruments")
    op.drop_table("campaigns")
