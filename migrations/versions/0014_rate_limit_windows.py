"""rate-limit counts in the database, shared by every worker

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('ratelimitwindow',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('expires_at', sa.Float(), nullable=False),
    sa.Column('hits', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('ratelimitwindow', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ratelimitwindow_expires_at'), ['expires_at'], unique=False)


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('ratelimitwindow', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ratelimitwindow_expires_at'))

    op.drop_table('ratelimitwindow')
