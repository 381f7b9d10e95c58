"""mail recorded with what became of it; report batches claimed by a queued run, with their logo

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        'mailmessage',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('to', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('ref', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('sent_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_mailmessage_created_at'), 'mailmessage', ['created_at'], unique=False)
    op.create_index(op.f('ix_mailmessage_ref'), 'mailmessage', ['ref'], unique=False)
    with op.batch_alter_table('reportbatch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('brand_logo', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('claimed_by', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False,
                                      server_default=''))
        batch_op.add_column(sa.Column('runs', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('reportbatch', schema=None) as batch_op:
        batch_op.drop_column('runs')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('brand_logo')
    op.drop_index(op.f('ix_mailmessage_ref'), table_name='mailmessage')
    op.drop_index(op.f('ix_mailmessage_created_at'), table_name='mailmessage')
    op.drop_table('mailmessage')
