"""report batch error and last progress

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration: why a batch's ZIP could not be written (existing batches have no error), and when a
    batch last moved."""
    with op.batch_alter_table('reportbatch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('reportbatch', schema=None) as batch_op:
        batch_op.drop_column('updated_at')
        batch_op.drop_column('error')
