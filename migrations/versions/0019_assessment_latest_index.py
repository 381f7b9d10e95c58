"""an index for each enterprise's latest assessment (the workspace's client table)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 01:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_index('ix_assessment_enterprise_latest', 'assessment', ['enterprise_id', 'created_at', 'id'],
                    unique=False)


def downgrade() -> None:
    """Revert this migration."""
    op.drop_index('ix_assessment_enterprise_latest', table_name='assessment')
