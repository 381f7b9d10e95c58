"""paradata of an assessment answered online: when its clock started and the active time spent

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_saved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('active_seconds', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('active_seconds')
        batch_op.drop_column('first_saved_at')
