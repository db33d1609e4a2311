"""merge channels and webapp

Revision ID: 0003_merge_channels_webapp
Revises: 0002_channels, 0002_webapp
Create Date: 2026-11-22 04:05:44.367511
"""

from collections.abc import Sequence

revision: str = "0003_merge_channels_webapp"
down_revision: str | None = ("0002_channels", "0002_webapp")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
