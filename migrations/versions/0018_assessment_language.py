"""the language an assessment was last answered in, so its resume link opens in it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('assessment', schema=None) as batch_op:
        batch_op.drop_column('language')
