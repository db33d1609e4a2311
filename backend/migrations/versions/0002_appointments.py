"""appointments: reminder settings, sent reminders, webhook receipts

Revision ID: 0002_appointments
Revises: 0001
Create Date: 2026-11-22 03:49:13.527437
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_appointments"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_receipts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=50), nullable=False),
        sa.Column("body_sha256", sa.String(length=64), nullable=False),
        sa.Column("model", sa.String(length=50), nullable=True),
        sa.Column("event", sa.String(length=20), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_receipts")),
        sa.UniqueConstraint("source", "body_sha256", name="uq_webhook_receipts_source_body"),
    )
    with op.batch_alter_table("webhook_receipts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_webhook_receipts_external_id"), ["external_id"], unique=False
        )

    op.create_table(
        "app_settings",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["updated_by_id"], ["accounts.id"], name=op.f("fk_app_settings_updated_by_id_accounts")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_app_settings")),
    )
    op.create_table(
        "appointment_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("offset_hours", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointments.id"],
            name=op.f("fk_appointment_reminders_appointment_id_appointments"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_appointment_reminders_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_appointment_reminders_message_id_messages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_reminders")),
        sa.UniqueConstraint(
            "appointment_id", "offset_hours", "starts_at", name="uq_appointment_reminders_slot"
        ),
    )
    with op.batch_alter_table("appointment_reminders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_reminders_appointment_id"), ["appointment_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_appointment_reminders_contact_id"), ["contact_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment_reminders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_appointment_reminders_contact_id"))
        batch_op.drop_index(batch_op.f("ix_appointment_reminders_appointment_id"))

    op.drop_table("appointment_reminders")
    op.drop_table("app_settings")
    with op.batch_alter_table("webhook_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_receipts_external_id"))

    op.drop_table("webhook_receipts")
