"""evidence of answers, review and sign-off of assessments, the verified flag of benchmark entries, and
verified-only statistics releases

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

String = sqlmodel.sql.sqltypes.AutoString
Moment = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    """Apply this migration."""
    op.create_table('evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('question_id', String(length=64), nullable=False),
    sa.Column('kind', String(length=10), nullable=False),
    sa.Column('filename', String(length=200), nullable=False),
    sa.Column('stored_name', String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('url', String(length=2000), nullable=False),
    sa.Column('comment', String(length=1000), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', Moment(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_assessment_id'), ['assessment_id'], unique=False)
    op.create_table('respondent',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.PrimaryKeyConstraint('assessment_id', 'user_id')
    )
    op.create_table('verification',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('status', String(length=16), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_name', String(length=254), nullable=False),
    sa.Column('reviewer_organisation', String(length=120), nullable=False),
    sa.Column('reviewer_role', String(length=12), nullable=False),
    sa.Column('decided_at', Moment(), nullable=True),
    sa.Column('comment', String(length=2000), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.PrimaryKeyConstraint('assessment_id')
    )
    op.create_table('answerreview',
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('question_id', String(length=64), nullable=False),
    sa.Column('decision', String(length=10), nullable=False),
    sa.Column('comment', String(length=1000), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', Moment(), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], ),
    sa.PrimaryKeyConstraint('assessment_id', 'revision', 'question_id')
    )
    with op.batch_alter_table('benchmarkentry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('statisticsrelease', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_only', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('statisticsrelease', schema=None) as batch_op:
        batch_op.drop_column('verified_only')
    with op.batch_alter_table('benchmarkentry', schema=None) as batch_op:
        batch_op.drop_column('verified')
    op.drop_table('answerreview')
    op.drop_table('verification')
    op.drop_table('respondent')
    with op.batch_alter_table('evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_assessment_id'))
    op.drop_table('evidence')
