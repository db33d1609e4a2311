"""merge the orientation suggestions and the invitations branches

Revision ID: 0005_merge_onboarding
Revises: 0004_invitations, 0004_orientation
Create Date: 2026-11-30 00:20:00
"""

from collections.abc import Sequence

revision: str = "0005_merge_onboarding"
down_revision: str | tuple[str, ...] | None = ("0004_invitations", "0004_orientation")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
