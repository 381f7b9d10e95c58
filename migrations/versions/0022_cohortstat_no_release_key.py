"""cohort statistics keep their release id without a foreign key: the database checked it row by row, a third of
the time a release spends writing on PostgreSQL, for rows that only the release itself writes

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 08:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite's copy of the table names its unnamed key by this convention, so that the batch can drop it by name
NAMING = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def upgrade() -> None:
    """Apply this migration."""
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('cohortstat_release_id_fkey', 'cohortstat', type_='foreignkey')
        return
    with op.batch_alter_table('cohortstat', naming_convention=NAMING) as batch:
        batch.drop_constraint('fk_cohortstat_release_id_statisticsrelease', type_='foreignkey')


def downgrade() -> None:
    """Revert this migration."""
    with op.batch_alter_table('cohortstat') as batch:
        batch.create_foreign_key('cohortstat_release_id_fkey', 'statisticsrelease', ['release_id'], ['id'])
