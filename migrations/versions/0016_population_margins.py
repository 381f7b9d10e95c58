"""population margins and the weighted figures of a release

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('populationmargin',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('industry', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('size_class', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('imported_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_populationmargin_import', 'populationmargin', ['source', 'year'], unique=False)
    op.create_table('weightedstat',
    sa.Column('release_id', sa.Integer(), sa.ForeignKey('statisticsrelease.id'), nullable=False),
    sa.Column('questionnaire_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('period', sa.Integer(), nullable=False),
    sa.Column('region_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('suppressed', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('stats', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('release_id', 'questionnaire_id', 'period', 'region_code'),
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table('weightedstat')
    op.drop_index('ix_populationmargin_import', table_name='populationmargin')
    op.drop_table('populationmargin')
