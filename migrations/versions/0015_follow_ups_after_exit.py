"""follow-ups after the exit: insats.after_exit_months and occasions of kind "after"

An insats may ask for follow-ups a number of months after the exit date (issue 14 point 2):
`insats.after_exit_months` lists them, and each is an occasion of kind "after" whose number is
its months after the exit.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

KINDS_BEFORE = "kind IN ('start', 'followup', 'exit')"
KINDS_AFTER = "kind IN ('start', 'followup', 'exit', 'after')"
NUMBER_BEFORE = "(kind = 'followup' AND number >= 1) OR (kind <> 'followup' AND number = 0)"
NUMBER_AFTER = (
    "(kind IN ('followup', 'after') AND number >= 1)"
    " OR (kind NOT IN ('followup', 'after') AND number = 0)"
)


def upgrade():
    with op.batch_alter_table("insats", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("after_exit_months", sa.JSON(), nullable=False, server_default="[]")
        )
    with op.batch_alter_table("insats", schema=None) as batch_op:
        batch_op.alter_column("after_exit_months", server_default=None)
    _occasion_checks(KINDS_AFTER, NUMBER_AFTER)


def downgrade():
    op.execute("DELETE FROM occasion WHERE kind = 'after'")
    _occasion_checks(KINDS_BEFORE, NUMBER_BEFORE)
    with op.batch_alter_table("insats", schema=None) as batch_op:
        batch_op.drop_column("after_exit_months")


def _occasion_checks(kinds: str, number: str) -> None:
    with op.batch_alter_table("occasion", schema=None) as batch_op:
        batch_op.drop_constraint("occasion_kind", type_="check")
        batch_op.drop_constraint("number_fits_kind", type_="check")
        batch_op.create_check_constraint("occasion_kind", kinds)
        batch_op.create_check_constraint("number_fits_kind", number)
