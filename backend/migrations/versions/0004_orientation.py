"""suggested parcours (orientation suggestions and decisions)

Revision ID: 0004_orientation
Revises: 0003_merge_features
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_orientation"
down_revision: str | None = "0003_merge_features"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "orientation_suggestions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("prediagnostic_id", sa.Integer(), nullable=False),
        sa.Column("parcours", sa.String(length=3), nullable=False),
        sa.Column("rule_key", sa.String(length=100), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("facts", sa.JSON(), nullable=False),
        sa.Column("rules_version", sa.String(length=50), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("supersedes_id", sa.Integer(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_parcours", sa.String(length=3), nullable=True),
        sa.Column("motif_refus", sa.String(length=30), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiaries.id"],
            name=op.f("fk_orientation_suggestions_beneficiary_id_beneficiaries"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["accounts.id"],
            name=op.f("fk_orientation_suggestions_decided_by_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["prediagnostic_id"],
            ["prediagnostics.id"],
            name=op.f("fk_orientation_suggestions_prediagnostic_id_prediagnostics"),
        ),
        sa.ForeignKeyConstraint(
            ["supersedes_id"],
            ["orientation_suggestions.id"],
            name=op.f("fk_orientation_suggestions_supersedes_id_orientation_suggestions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orientation_suggestions")),
    )
    with op.batch_alter_table("orientation_suggestions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_orientation_suggestions_beneficiary_id"), ["beneficiary_id"]
        )
        batch_op.create_index(
            batch_op.f("ix_orientation_suggestions_prediagnostic_id"), ["prediagnostic_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("orientation_suggestions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orientation_suggestions_prediagnostic_id"))
        batch_op.drop_index(batch_op.f("ix_orientation_suggestions_beneficiary_id"))
    op.drop_table("orientation_suggestions")
