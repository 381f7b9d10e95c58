"""assessment campaigns and their members; benchmark entries a campaign's owner excluded

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0017'
down_revision: str | None = '0016'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Apply this migration."""
    op.create_table(
        'campaign',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('questionnaire_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('questionnaire_version', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column('period', sa.Integer(), nullable=False),
        sa.Column('deadline', sa.Date(), nullable=False),
        sa.Column('reminder_days', sa.JSON(), nullable=False),
        sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['user.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_campaign_owner_id'), 'campaign', ['owner_id'], unique=False)
    op.create_table(
        'campaignmember',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('assessment_id', sa.Integer(), nullable=True),
        sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
        sa.Column('credit_code', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('invited_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('started_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('submitted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('opted_out_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('reminders_sent', sa.JSON(), nullable=False),
        sa.Column('excluded', sa.Boolean(), nullable=False),
        sa.Column('excluded_reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('excluded_by', sa.Integer(), nullable=True),
        sa.Column('excluded_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column('revise_requested_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprise.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('campaign_id', 'credit_code'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index(op.f('ix_campaignmember_assessment_id'), 'campaignmember', ['assessment_id'], unique=False)
    op.create_index(op.f('ix_campaignmember_campaign_id'), 'campaignmember', ['campaign_id'], unique=False)
    op.create_index(op.f('ix_campaignmember_enterprise_id'), 'campaignmember', ['enterprise_id'], unique=False)
    with op.batch_alter_table('benchmarkentry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('excluded', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('benchmarkentry', schema=None) as batch_op:
        batch_op.drop_column('excluded')
    op.drop_index(op.f('ix_campaignmember_enterprise_id'), table_name='campaignmember')
    op.drop_index(op.f('ix_campaignmember_campaign_id'), table_name='campaignmember')
    op.drop_index(op.f('ix_campaignmember_assessment_id'), table_name='campaignmember')
    op.drop_table('campaignmember')
    op.drop_index(op.f('ix_campaign_owner_id'), table_name='campaign')
    op.drop_table('campaign')
