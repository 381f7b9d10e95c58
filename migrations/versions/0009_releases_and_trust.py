"""statistics releases, trust and perturbation of entries, settings, confirmed e-mail and session epochs

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _cohortstat(*release: sa.Column) -> None:
    key = [column.name for column in release] + ['questionnaire_id', 'period', 'base_period', 'region_code',
                                                 'industry', 'size']
    op.create_table('cohortstat', *release,
    sa.Column('questionnaire_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('base_period', sa.Integer(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('industry', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('size', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('synthetic', sa.Integer(), nullable=False),
    sa.Column('suppressed', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint(*key),
    )


def upgrade() -> None:
    """Apply this migration. Cohort statistics were streamed; they are now kept per release, so the old table (all
    derived figures) is dropped: the next `flask benchmarks rebuild` publishes the first release."""
    op.create_table('statisticsrelease',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('trigger', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('min_trust', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('entries', sa.Integer(), nullable=False),
    sa.Column('cells', sa.Integer(), nullable=False),
    sa.Column('withheld', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_statisticsrelease_created_at'), 'statisticsrelease', ['created_at'], unique=False)
    op.create_table('setting',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('key'),
    )
    op.drop_table('cohortstat')
    _cohortstat(sa.Column('release_id', sa.Integer(), sa.ForeignKey('statisticsrelease.id'), nullable=False))
    with op.batch_alter_table('benchmarkentry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('noise', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('trust', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default='account'))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_confirmed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    """Revert this migration (the statistics of every release are dropped; a rebuild makes them again)."""
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
        batch_op.drop_column('email_confirmed_at')
    with op.batch_alter_table('benchmarkentry', schema=None) as batch_op:
        batch_op.drop_column('trust')
        batch_op.drop_column('noise')
    op.drop_table('cohortstat')
    _cohortstat()
    op.drop_table('setting')
    op.drop_index(op.f('ix_statisticsrelease_created_at'), table_name='statisticsrelease')
    op.drop_table('statisticsrelease')
