"""merge the feature branches (channels, web app, appointments)

Revision ID: 0003_merge_features
Revises: 0002_appointments, 0002_channels, 0002_webapp
Create Date: 2026-11-22 04:05:44.367511
"""

from collections.abc import Sequence

revision: str = "0003_merge_features"
down_revision: str | tuple[str, ...] | None = ("0002_appointments", "0002_channels", "0002_webapp")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
