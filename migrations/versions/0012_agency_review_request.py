"""an enterprise's request that an agency of its region verify an assessment

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agency_requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('verification', schema=None) as batch_op:
        batch_op.drop_column('agency_requested_at')
