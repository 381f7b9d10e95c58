"""pages of an assessment assigned to colleagues, and the KPIs an enterprise measures itself

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 18:00:42.054389
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('enterprisekpi',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('kpi', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('unit', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('assessment_id', 'kpi')
    )
    with op.batch_alter_table('enterprisekpi', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_enterprisekpi_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_enterprisekpi_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('pageassignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('enterprise_id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('pages', sa.JSON(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('assigned_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('pageassignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_pageassignment_assessment_id'), ['assessment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_pageassignment_enterprise_id'), ['enterprise_id'], unique=False)

    op.create_table('pagesave',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('dimension_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('saved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['pageassignment.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assignment_id', 'dimension_id')
    )


def downgrade() -> None:
    """Revert this migration."""
    op.drop_table('pagesave')
    with op.batch_alter_table('pageassignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_pageassignment_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_pageassignment_assessment_id'))

    op.drop_table('pageassignment')
    with op.batch_alter_table('enterprisekpi', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_enterprisekpi_enterprise_id'))
        batch_op.drop_index(batch_op.f('ix_enterprisekpi_assessment_id'))

    op.drop_table('enterprisekpi')
